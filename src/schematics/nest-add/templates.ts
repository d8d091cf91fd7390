import type { HostApp } from './host-app';
import type { Database } from './options';

/**
 * Everything nest add writes into an app, in one place: the module's options, TypeORM's, the
 * listener, the e2e test and the settings. Snippets are indented two spaces per level from column 0;
 * the caller re-indents them where they land.
 */

export const PACKAGE = 'omise-nest-webhooks';
export const DEFAULT_PATH = 'webhooks/omise';
/** For jest's and vitest's `setupFiles`: a test webhook secret before the app is imported. */
export const TEST_SETUP = 'omise-nest-webhooks/testing/setup';

/** The example feature module, named and laid out as `nest g module omise-events` and `nest g service omise-events` make it. */
export const FEATURE = {
  name: 'omise-events',
  module: 'OmiseEventsModule',
  service: 'OmiseEventsService',
  handler: 'handleChargeComplete',
} as const;

/** Where the settings come from at boot: ConfigService where the app has @nestjs/config, else the environment. */
function setting(app: HostApp, name: string, required = false): string {
  if (app.config) return required ? `config.getOrThrow<string>('${name}')` : `config.get<string>('${name}')`;
  return `process.env.${name}`;
}

/**
 * `X.forRootAsync({ … useFactory: () => ({ <options> }) })`: the options are read when the app boots,
 * not when its module file is imported, so a `.env` or a test's setup file loaded before boot counts.
 * With @nestjs/config, `imports: [ConfigModule]` makes ConfigService available whether or not the app
 * made ConfigModule global.
 */
function asyncModule(app: HostApp, call: string, options: readonly string[], extras: readonly string[] = []): string {
  const body = options.map((line) => `    ${line}`).join('\n');
  const head = extras.map((line) => `  ${line}\n`).join('');
  return app.config
    ? `${call}({\n${head}  imports: [ConfigModule],\n  inject: [ConfigService],\n  useFactory: (config: ConfigService) => ({\n${body}\n  }),\n})`
    : `${call}({\n${head}  useFactory: () => ({\n${body}\n  }),\n})`;
}

/** The module's options, one per line. */
export function webhooksModuleOptions(app: HostApp): string[] {
  return [
    `secrets: ${setting(app, 'OMISE_WEBHOOK_SECRET', true)}${app.config ? '' : " ?? ''"},`,
    // live, test or any; unset: any outside production, where the app refuses to boot without it.
    `mode: parseOmiseMode(${setting(app, 'OMISE_WEBHOOK_MODE')}),`,
  ];
}

/** `WebhooksModule.forRootAsync(…)` for the app module's imports. */
export function webhooksModuleImport(app: HostApp, path: string): string {
  // The route is static (Nest maps routes before any factory runs), so it sits beside the factory.
  const extras = path === DEFAULT_PATH ? [] : [`path: '${path}',`];
  return asyncModule(app, 'WebhooksModule.forRootAsync', webhooksModuleOptions(app), extras);
}

export const EVENT_EMITTER_IMPORT = 'EventEmitterModule.forRoot()';

export const SQLITE_DEFAULT_URL = 'sqlite:data/app.sqlite';

/** TypeORM's options for an app that had no TypeORM, one per line. */
export function typeOrmOptions(app: HostApp, database: Database): string[] {
  const connection =
    database === 'sqlite'
      ? [
          "type: 'better-sqlite3',",
          '// jest and vitest set NODE_ENV=test: each test app gets a database of its own, in memory.',
          'database:',
          "  process.env.NODE_ENV === 'test'",
          "    ? ':memory:'",
          `    : (${setting(app, 'DATABASE_URL')}?.replace(/^sqlite:/, '') ??`,
          `      '${SQLITE_DEFAULT_URL.replace(/^sqlite:/, '')}'),`,
        ]
      : [`type: '${database}',`, `url: ${setting(app, 'DATABASE_URL', true)},`];
  return [...connection, 'autoLoadEntities: true,', 'migrations: [...OMISE_WEBHOOK_MIGRATIONS],', 'migrationsRun: true,'];
}

export function typeOrmModuleImport(app: HostApp, database: Database): string {
  return asyncModule(app, 'TypeOrmModule.forRootAsync', typeOrmOptions(app, database));
}

/** The packages the app module's new lines import from, by package. */
export function appModuleImports(app: HostApp, parts: { eventEmitter: boolean; typeOrm: boolean; webhooks: boolean }): Array<[string, string[]]> {
  const imports: Array<[string, string[]]> = [];
  if (parts.webhooks && app.config) imports.push(['@nestjs/config', ['ConfigModule', 'ConfigService']]);
  if (parts.eventEmitter) imports.push(['@nestjs/event-emitter', ['EventEmitterModule']]);
  if (parts.typeOrm) imports.push(['@nestjs/typeorm', ['TypeOrmModule']]);
  const own = [...(parts.typeOrm ? ['OMISE_WEBHOOK_MIGRATIONS'] : []), ...(parts.webhooks ? ['parseOmiseMode', 'WebhooksModule'] : [])];
  if (own.length > 0) imports.push([PACKAGE, own]);
  return imports;
}

/** The example listener's service (nest g service's class, with one @OnEvent method). */
export function featureService(): string {
  return `import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { OmiseEventOf } from '${PACKAGE}';

@Injectable()
export class ${FEATURE.service} {
  private readonly logger = new Logger(${FEATURE.service}.name);

  /**
   * Runs after Omise's delivery was verified, stored and answered 200: do here what a completed
   * charge means to your app. If it throws, the event is retried with back-off; as it may run again
   * for the same event, key what it writes on the charge or event id.
   */
  @OnEvent('charge.complete')
  ${FEATURE.handler}(event: OmiseEventOf<'charge.complete'>): void {
    const charge = event.data;
    this.logger.log(
      \`charge \${charge.id} \${charge.status}: \${charge.amount} \${charge.currency}\`,
    );
  }
}
`;
}

/** The feature module before its service is registered: `nest g module`'s template. */
export function featureModule(): string {
  return `import { Module } from '@nestjs/common';

@Module({})
export class ${FEATURE.module} {}
`;
}

/** The e2e test, in the app's runner and layout. */
export function e2eSpec(app: HostApp, appModuleImport: string, path: string): string {
  const runner = app.runner!;
  const vitestImport = runner.kind === 'vitest' && !runner.globals ? "import { afterAll, beforeAll, describe, expect, it } from 'vitest';\n" : '';
  const postOptions = path === DEFAULT_PATH ? '' : `, { path: '${path}' }`;
  const forgedOptions = path === DEFAULT_PATH ? '{ secret }' : `{ secret, path: '${path}' }`;
  return `import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { WebhooksAdmin } from '${PACKAGE}';
import {
  buildOmiseEvent,
  postOmiseEvent,
  waitForOmiseEvents,
} from '${PACKAGE}/testing';
${vitestImport}import { AppModule } from '${appModuleImport}';

// Omise's webhooks through the whole app: a delivery signed with OMISE_WEBHOOK_SECRET (a test
// secret from ${TEST_SETUP}, in the runner's setupFiles) is verified, stored,
// answered 200 and handed to ${FEATURE.service}.
describe('Omise webhooks (e2e)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleFixture = await Test.createTestingModule({
      imports: [AppModule],
    }).compile();

    app = moduleFixture.createNestApplication();
    await app.init();
  });

  afterAll(async () => {
    await app.close();
  });

  it('hands a signed charge.complete to ${FEATURE.service}', async () => {
    const event = buildOmiseEvent('charge.complete');

    await postOmiseEvent(app, event${postOptions}).expect(200);
    await waitForOmiseEvents(app, event.id);

    await expect(app.get(WebhooksAdmin).find(event.id)).resolves.toMatchObject({
      status: 'processed',
      handlerRuns: [
        {
          handler: '${FEATURE.service}.${FEATURE.handler}',
          status: 'succeeded',
        },
      ],
    });
  });

  it('refuses a delivery signed with another secret', async () => {
    const event = buildOmiseEvent('charge.complete');
    const secret = Buffer.from('not the secret of this app').toString('base64');

    const response = await postOmiseEvent(app, event, ${forgedOptions}).expect(401);
    expect(response.body).toMatchObject({ reason: 'signature_mismatch' });
  });
});
`;
}

/** `.env.example` settings, each with the comment above it; only the keys the app lacks are added. */
export function envSettings(app: HostApp, database: Database | null, endpointPath: string): Array<{ key: string; lines: string[] }> {
  const urls: Record<Database, string> = {
    sqlite: SQLITE_DEFAULT_URL,
    postgres: 'postgres://postgres@localhost:5432/app',
    mysql: 'mysql://root@localhost:3306/app',
    mariadb: 'mysql://root@localhost:3306/app',
  };
  return [
    {
      key: 'OMISE_WEBHOOK_SECRET',
      lines: [
        '# The webhook secret of your endpoint in the Omise dashboard (base64; comma-separated while',
        '# rotating). For a try on this machine: openssl rand -base64 32',
        'OMISE_WEBHOOK_SECRET=',
      ],
    },
    {
      key: 'OMISE_WEBHOOK_MODE',
      lines: [
        "# Which of Omise's modes runs your handlers: live where real money moves (test-mode events are",
        '# then stored and ignored), test for a staging app fed by the test dashboard, any for both.',
        '# Required when NODE_ENV=production; unset elsewhere means any.',
        'OMISE_WEBHOOK_MODE=',
      ],
    },
    {
      key: 'DATABASE_URL',
      lines:
        database === null
          ? ["# The app's database, for npx omise-webhooks events, replay, prune, export, reconcile:", '# postgres://…, mysql://…, sqlite:PATH', '# DATABASE_URL=']
          : ['# The database, for TypeORM and npx omise-webhooks: sqlite:PATH, postgres://…, mysql://…', `DATABASE_URL=${urls[database]}`],
    },
    {
      key: 'OMISE_WEBHOOK_PATH',
      lines: ['# Where npx omise-webhooks trigger posts: the webhook route with your global prefix.', `OMISE_WEBHOOK_PATH=${endpointPath}`],
    },
  ];
}
