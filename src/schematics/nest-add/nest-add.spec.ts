import { HostTree } from '@angular-devkit/schematics';
import { SchematicTestRunner, UnitTestTree } from '@angular-devkit/schematics/testing';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseSource } from './typescript-source';

/**
 * nest add on the apps `nest new` made (test/consumers/, as generated) and on variations of them.
 * The consumer run (test/consumers/run) then installs, builds and tests what it writes for real.
 */
const runner = new SchematicTestRunner('omise-nest-webhooks', join(__dirname, '../collection.json'));
const CONSUMERS = join(__dirname, '../../../test/consumers');

type GeneratedApp = 'nest11-cjs' | 'nest12-esm';

function generatedApp(name: GeneratedApp): UnitTestTree {
  const tree = new UnitTestTree(new HostTree());
  const root = join(CONSUMERS, name);
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (entry === 'node_modules' || entry === 'package-lock.json') continue;
      if (statSync(path).isDirectory()) walk(path);
      else tree.create(relative(root, path), readFileSync(path));
    }
  };
  walk(root);
  return tree;
}

interface Run {
  tree: UnitTestTree;
  log: string;
}

async function nestAdd(tree: UnitTestTree, options: Record<string, unknown> = {}): Promise<Run> {
  const lines: string[] = [];
  const subscription = runner.logger.subscribe((entry) => lines.push(entry.message));
  try {
    const result = await runner.runSchematic('nest-add', options, tree);
    return { tree: result, log: lines.join('\n') };
  } finally {
    subscription.unsubscribe();
  }
}

function files(tree: UnitTestTree): Map<string, string> {
  return new Map(tree.files.map((path) => [path, tree.readContent(path)]));
}

function packageJson(tree: UnitTestTree): { dependencies: Record<string, string>; devDependencies: Record<string, string>; jest?: { setupFiles?: string[] } } {
  return JSON.parse(tree.readContent('/package.json')) as ReturnType<typeof packageJson>;
}

function expectParses(tree: UnitTestTree, path: string): void {
  expect(parseSource(path, tree.readContent(path))).toEqual({ file: expect.anything() });
}

const installTasks = () => runner.tasks.filter((task) => task.name === 'node-package');

describe('nest add on a Nest 11 app from nest new (CommonJS, jest)', () => {
  let run: Run;
  beforeAll(async () => {
    run = await nestAdd(generatedApp('nest11-cjs'));
  });

  it("declares the peers at Nest 11's majors, the SQLite driver and class-validator, and installs them with their build scripts", () => {
    expect(packageJson(run.tree).dependencies).toMatchObject({
      'omise-nest-webhooks': expect.stringMatching(/^\^\d+\.\d+\.\d+/),
      '@nestjs/event-emitter': '^3.1.0',
      '@nestjs/typeorm': '^11.0.3',
      typeorm: '^0.3.28',
      'better-sqlite3': '^12.0.0',
      'class-validator': '^0.15.1',
    });
    expect(installTasks()).toEqual([expect.objectContaining({ options: expect.objectContaining({ command: 'install', allowScripts: true }) })]);
  });

  it('imports the emitter, TypeORM on SQLite, the module read at boot and the example feature in AppModule, without .js suffixes', () => {
    expect(run.tree.readContent('/src/app.module.ts')).toBe(`import { Module } from '@nestjs/common';
import { AppController } from './app.controller';
import { AppService } from './app.service';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OMISE_WEBHOOK_MIGRATIONS, parseOmiseMode, WebhooksModule } from 'omise-nest-webhooks';
import { OmiseEventsModule } from './omise-events/omise-events.module';

@Module({
  imports: [
    EventEmitterModule.forRoot(),
    TypeOrmModule.forRootAsync({
      useFactory: () => ({
        type: 'better-sqlite3',
        // jest and vitest set NODE_ENV=test: each test app gets a database of its own, in memory.
        database:
          process.env.NODE_ENV === 'test'
            ? ':memory:'
            : (process.env.DATABASE_URL?.replace(/^sqlite:/, '') ??
              'data/app.sqlite'),
        autoLoadEntities: true,
        migrations: [...OMISE_WEBHOOK_MIGRATIONS],
        migrationsRun: true,
      }),
    }),
    WebhooksModule.forRootAsync({
      useFactory: () => ({
        secrets: process.env.OMISE_WEBHOOK_SECRET ?? '',
        mode: parseOmiseMode(process.env.OMISE_WEBHOOK_MODE),
      }),
    }),
    OmiseEventsModule,
  ],
  controllers: [AppController],
  providers: [AppService],
})
export class AppModule {}
`);
  });

  it('writes the feature module as nest g module and nest g service would, with an @OnEvent listener', () => {
    expect(run.tree.readContent('/src/omise-events/omise-events.module.ts')).toBe(`import { Module } from '@nestjs/common';
import { OmiseEventsService } from './omise-events.service';

@Module({
  providers: [OmiseEventsService],
})
export class OmiseEventsModule {}
`);
    const service = run.tree.readContent('/src/omise-events/omise-events.service.ts');
    expect(service).toContain("@OnEvent('charge.complete')\n  handleChargeComplete(event: OmiseEventOf<'charge.complete'>): void {");
    expect(service).toContain("import type { OmiseEventOf } from 'omise-nest-webhooks';");
    expectParses(run.tree, '/src/omise-events/omise-events.service.ts');
  });

  it('enables shutdown hooks right after the app is created', () => {
    expect(run.tree.readContent('/src/main.ts')).toContain('const app = await NestFactory.create(AppModule);\n  app.enableShutdownHooks();\n');
  });

  it("writes a jest e2e test beside the app's own, and the kit's setup file into test/jest-e2e.json", () => {
    const spec = run.tree.readContent('/test/omise-webhooks.e2e-spec.ts');
    expect(spec).toContain("import { AppModule } from './../src/app.module';");
    expect(spec).toContain('await waitForOmiseEvents(app, event.id);');
    expect(spec).not.toContain("from 'vitest'");
    expectParses(run.tree, '/test/omise-webhooks.e2e-spec.ts');
    expect(JSON.parse(run.tree.readContent('/test/jest-e2e.json'))).toMatchObject({ setupFiles: ['omise-nest-webhooks/testing/setup'], testRegex: '.e2e-spec.ts$' });
  });

  it('writes the settings to .env.example and says what it changed and what comes next', () => {
    expect(run.tree.readContent('/.env.example')).toMatch(/^# omise-nest-webhooks\n(#.*\n)+OMISE_WEBHOOK_SECRET=\n(#.*\n)+OMISE_WEBHOOK_MODE=\n(#.*\n)+DATABASE_URL=sqlite:data\/app.sqlite\n(#.*\n)+OMISE_WEBHOOK_PATH=webhooks\/omise\n$/);
    expect(run.log).toContain('omise-nest-webhooks: a Nest 11 app (CommonJS, jest e2e, TypeORM on sqlite, added)');
    for (const file of ['package.json', 'src/app.module.ts', 'src/main.ts', 'src/omise-events', '.env.example', 'test/omise-webhooks.e2e-spec.ts', 'test/jest-e2e.json']) {
      expect(run.log).toMatch(new RegExp(`^  ${file.replace(/\./g, '\\.')} +\\S`, 'm'));
    }
    expect(run.log).toContain('npm run start -- --env-file .env');
  });

  it('changes nothing when run again, and installs nothing', async () => {
    const before = files(run.tree);
    const again = await nestAdd(run.tree);
    expect(files(again.tree)).toEqual(before);
    expect(installTasks()).toEqual([]);
    expect(again.log).toContain('Nothing to change: the module is wired in already.');
  });
});

describe('nest add on a Nest 12 app from nest new (ESM, vitest, @nestjs/observe)', () => {
  let run: Run;
  beforeAll(async () => {
    run = await nestAdd(generatedApp('nest12-esm'));
  });

  it("declares the peers at Nest 12's majors", () => {
    expect(packageJson(run.tree).dependencies).toMatchObject({ '@nestjs/event-emitter': '^12.0.1', '@nestjs/typeorm': '^12.0.2', typeorm: '^1.1.3' });
  });

  it("adds to AppModule's imports after the app's own, with .js suffixes on relative imports", () => {
    const module = run.tree.readContent('/src/app.module.ts');
    expect(module).toContain("import { OmiseEventsModule } from './omise-events/omise-events.module.js';");
    expect(module).toMatch(/serviceId: 'nest12-esm',\n {4}\}\),\n {4}EventEmitterModule\.forRoot\(\),\n {4}TypeOrmModule\.forRootAsync\(\{\n/);
    expect(module).toMatch(/\n {4}OmiseEventsModule,\n {2}\],/);
    expectParses(run.tree, '/src/app.module.ts');
    expect(run.tree.readContent('/src/omise-events/omise-events.module.ts')).toContain("import { OmiseEventsService } from './omise-events.service.js';");
  });

  it('enables shutdown hooks after a create call that spans lines, in a top-level-await main', () => {
    expect(run.tree.readContent('/src/main.ts')).toContain('    instrument: ObserveInstrument,\n  });\n  app.enableShutdownHooks();\n');
  });

  it("writes a vitest e2e test (globals, as the app's config has them) and the setup file into vitest.config.e2e.ts", () => {
    const spec = run.tree.readContent('/test/omise-webhooks.e2e-spec.ts');
    expect(spec).toContain("import { AppModule } from './../src/app.module.js';");
    expect(spec).not.toContain("from 'vitest'");
    expect(run.tree.readContent('/vitest.config.e2e.ts')).toContain(
      "    include: ['**/*.e2e-spec.ts'],\n    setupFiles: ['omise-nest-webhooks/testing/setup'],\n  },",
    );
    expectParses(run.tree, '/vitest.config.e2e.ts');
  });

  it('changes nothing when run again', async () => {
    const before = files(run.tree);
    expect(files((await nestAdd(run.tree)).tree)).toEqual(before);
  });
});

describe('nest add on apps that have more of their own', () => {
  function withFiles(name: GeneratedApp, changed: Record<string, string>, manifest?: (json: Record<string, Record<string, string>>) => void): UnitTestTree {
    const tree = generatedApp(name);
    for (const [path, text] of Object.entries(changed)) {
      if (tree.exists(path)) tree.overwrite(path, text);
      else tree.create(path, text);
    }
    if (manifest) {
      const json = JSON.parse(tree.readContent('/package.json')) as Record<string, Record<string, string>>;
      manifest(json);
      tree.overwrite('/package.json', JSON.stringify(json, null, 2));
    }
    return tree;
  }

  it('reads settings through ConfigService, importing ConfigModule so it works whether or not it is global', async () => {
    const tree = withFiles(
      'nest11-cjs',
      {
        'src/app.module.ts': `import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';

@Module({
  imports: [ConfigModule.forRoot()],
})
export class AppModule {}
`,
      },
      (json) => {
        json.dependencies['@nestjs/config'] = '^4.0.0';
      },
    );
    const module = (await nestAdd(tree)).tree.readContent('/src/app.module.ts');
    expect(module).toContain("import { ConfigModule, ConfigService } from '@nestjs/config';");
    expect(module).toContain(`    WebhooksModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        secrets: config.getOrThrow<string>('OMISE_WEBHOOK_SECRET'),
        mode: parseOmiseMode(config.get<string>('OMISE_WEBHOOK_MODE')),
      }),
    }),`);
    expect(module).toContain(": (config.get<string>('DATABASE_URL')?.replace(/^sqlite:/, '') ??\n");
  });

  it("adds the module's migrations and entities to the app's own TypeORM options, kept in a file of their own", async () => {
    const tree = withFiles(
      'nest11-cjs',
      {
        'src/app.module.ts': `import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { databaseOptions } from './database/database.options';

@Module({
  imports: [TypeOrmModule.forRoot(databaseOptions)],
})
export class AppModule {}
`,
        'src/database/database.options.ts': `import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import { Order } from '../orders/order.entity';
import { CreateOrders1700000000000 } from './migrations/1700000000000-create-orders';

export const databaseOptions: TypeOrmModuleOptions = {
  type: 'postgres',
  url: process.env.DATABASE_URL,
  entities: [Order],
  migrations: [CreateOrders1700000000000],
  migrationsRun: true,
};
`,
      },
      (json) => {
        json.dependencies['@nestjs/typeorm'] = '^11.0.0';
        json.dependencies.typeorm = '^0.3.20';
        json.dependencies.pg = '^8.11.0';
      },
    );
    const { tree: result, log } = await nestAdd(tree, { database: 'sqlite' });
    expect(result.readContent('/src/database/database.options.ts')).toBe(`import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import { Order } from '../orders/order.entity';
import { CreateOrders1700000000000 } from './migrations/1700000000000-create-orders';
import { OMISE_WEBHOOK_ENTITIES, OMISE_WEBHOOK_MIGRATIONS } from 'omise-nest-webhooks';

export const databaseOptions: TypeOrmModuleOptions = {
  type: 'postgres',
  url: process.env.DATABASE_URL,
  entities: [Order, ...OMISE_WEBHOOK_ENTITIES],
  migrations: [CreateOrders1700000000000, ...OMISE_WEBHOOK_MIGRATIONS],
  migrationsRun: true,
};
`);
    expect(result.readContent('/src/app.module.ts')).not.toContain('TypeOrmModule.forRootAsync');
    expect(packageJson(result).dependencies).not.toHaveProperty('better-sqlite3');
    expect(log).toContain('--database sqlite left aside: the app has TypeORM set up already.');
    expect(result.readContent('/.env.example')).toContain('# DATABASE_URL=');
  });

  it('adds only the migrations where TypeORM loads entities by itself, and notes an app that does not run them at boot', async () => {
    const tree = withFiles('nest11-cjs', {
      'src/app.module.ts': `import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      useFactory: () => ({ type: 'postgres', url: process.env.DATABASE_URL, autoLoadEntities: true }),
    }),
  ],
})
export class AppModule {}
`,
    });
    const { tree: result, log } = await nestAdd(tree);
    expect(result.readContent('/src/app.module.ts')).toContain(
      "useFactory: () => ({ type: 'postgres', url: process.env.DATABASE_URL, autoLoadEntities: true, migrations: [...OMISE_WEBHOOK_MIGRATIONS] }),",
    );
    expect(log).toContain('src/app.module.ts does not run migrations at boot');
  });

  it("prints the lines to add where TypeORM's options are built by code it cannot follow", async () => {
    const tree = withFiles('nest11-cjs', {
      'src/app.module.ts': `import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { databaseOptions } from './database';

@Module({
  imports: [TypeOrmModule.forRootAsync({ useFactory: databaseOptions })],
})
export class AppModule {}
`,
    });
    const { tree: result, log } = await nestAdd(tree);
    expect(result.readContent('/src/app.module.ts')).not.toContain('OMISE_WEBHOOK_MIGRATIONS');
    expect(log).toContain("src/app.module.ts: TypeOrmModule.forRootAsync's options are not a literal nest add can edit");
    expect(log).toContain('migrations: [/* yours, */ ...OMISE_WEBHOOK_MIGRATIONS],');
  });

  it('lets the signed webhook route past an app-wide guard, and posts the CLI to the global prefix', async () => {
    const tree = withFiles('nest11-cjs', {
      'src/app.module.ts': `import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyGuard } from './auth/api-key.guard';

@Module({
  imports: [],
  providers: [{ provide: APP_GUARD, useClass: ApiKeyGuard }],
})
export class AppModule {}
`,
      'src/auth/api-key.guard.ts': `import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';

@Injectable()
export class ApiKeyGuard implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    return ctx.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers['x-api-key'] === process.env.API_KEY;
  }
}
`,
      'src/main.ts': `import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  app.setGlobalPrefix('api');
  await app.listen(process.env.PORT ?? 3000);
}
bootstrap();
`,
    });
    const { tree: result } = await nestAdd(tree);
    expect(result.readContent('/src/auth/api-key.guard.ts')).toBe(`import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { isOmiseWebhookRoute } from 'omise-nest-webhooks';

@Injectable()
export class ApiKeyGuard implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    // Omise signs its deliveries; the module's guard checks them.
    if (isOmiseWebhookRoute(ctx)) return true;
    return ctx.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers['x-api-key'] === process.env.API_KEY;
  }
}
`);
    expect(result.readContent('/.env.example')).toContain('\nOMISE_WEBHOOK_PATH=api/webhooks/omise\n');
  });

  it('serves the route at --path, and the e2e test posts there', async () => {
    const { tree } = await nestAdd(generatedApp('nest12-esm'), { path: '/payments/omise/' });
    expect(tree.readContent('/src/app.module.ts')).toContain("    WebhooksModule.forRootAsync({\n      path: 'payments/omise',\n      useFactory: () => ({");
    expect(tree.readContent('/test/omise-webhooks.e2e-spec.ts')).toContain("await postOmiseEvent(app, event, { path: 'payments/omise' }).expect(200);");
    await expect(nestAdd(generatedApp('nest12-esm'), { path: 'hooks?x=1' })).rejects.toThrow('--path hooks?x=1: a route such as webhooks/omise');
  });

  it('sets TypeORM up for --database postgres with its driver', async () => {
    const { tree } = await nestAdd(generatedApp('nest12-esm'), { database: 'postgres' });
    expect(tree.readContent('/src/app.module.ts')).toContain("        type: 'postgres',\n        url: process.env.DATABASE_URL,\n");
    expect(packageJson(tree).dependencies).toMatchObject({ pg: '^8.11.0' });
    expect(packageJson(tree).dependencies).not.toHaveProperty('better-sqlite3');
  });

  it('keeps the class-validator a host has, and installs nothing with --skip-install', async () => {
    const tree = generatedApp('nest11-cjs');
    const json = JSON.parse(tree.readContent('/package.json')) as Record<string, Record<string, string>>;
    json.dependencies['class-validator'] = '^0.14.1';
    tree.overwrite('/package.json', JSON.stringify(json, null, 2));
    const { tree: result, log } = await nestAdd(tree, { skipInstall: true });
    expect(packageJson(result).dependencies['class-validator']).toBe('^0.14.1');
    expect(installTasks()).toEqual([]);
    expect(log).toMatch(/^ {2}npm install {2,}/m);
  });

  it('leaves a module it cannot parse alone, says why and prints the lines to add; the rest is done', async () => {
    const broken = `import { Module } from '@nestjs/common';

@Module({
  imports: [
})
export class AppModule {}
`;
    const { tree, log } = await nestAdd(withFiles('nest11-cjs', { 'src/app.module.ts': broken }));
    expect(tree.readContent('/src/app.module.ts')).toBe(broken);
    expect(log).toMatch(/src\/app\.module\.ts: cannot parse it \(line \d+: .+\); left it alone\. Add these imports, and to its @Module imports:/);
    expect(log).toContain("import { OMISE_WEBHOOK_MIGRATIONS, parseOmiseMode, WebhooksModule } from 'omise-nest-webhooks';");
    expect(log).toContain('    WebhooksModule.forRootAsync({');
    expect(tree.exists('/src/omise-events/omise-events.service.ts')).toBe(true);
    expect(tree.readContent('/src/main.ts')).toContain('app.enableShutdownHooks();');
  });

  it('refuses an app on a Nest it does not support, saying which it does', async () => {
    const tree = generatedApp('nest11-cjs');
    const json = JSON.parse(tree.readContent('/package.json')) as Record<string, Record<string, string>>;
    json.dependencies['@nestjs/core'] = '^10.4.0';
    tree.overwrite('/package.json', JSON.stringify(json, null, 2));
    await expect(nestAdd(tree)).rejects.toThrow('omise-nest-webhooks supports Nest 11 and 12; this app has @nestjs/core ^10.4.0.');
  });
});
