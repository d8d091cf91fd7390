import { normalize } from '@angular-devkit/core';
import { SchematicsException, type Rule, type Tree } from '@angular-devkit/schematics';
import { NodePackageInstallTask } from '@angular-devkit/schematics/tasks';
import { ModuleFinder } from '@nestjs/schematics';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { wireGuards, wireMain, writeE2e, writeEnvExample } from './app-files';
import { wireAppModule, wireExistingTypeOrm, writeFeature } from './app-module';
import { readHostApp, type HostApp, type PackageJson } from './host-app';
import { CLASS_VALIDATOR, DRIVERS, majorOf, PEERS_BY_NEST_MAJOR, SUPERTEST } from './peer-versions';
import { Report } from './report';
import { DATABASES, type Database, type NestAddOptions } from './options';
import { DEFAULT_PATH, FEATURE, PACKAGE, TEST_SETUP } from './templates';

/**
 * `nest add omise-nest-webhooks`: wires the module into the app the way its README does by hand,
 * changing only what the app lacks, so running it again changes nothing. See schema.json for options.
 */
export function nestAdd(options: NestAddOptions): Rule {
  return (tree, context) => {
    const app = readHostApp(tree, options.sourceRoot ?? 'src');
    const path = checkedPath(options.path ?? DEFAULT_PATH);
    if (options.database !== undefined && !DATABASES.includes(options.database)) {
      throw new SchematicsException(`--database ${String(options.database)}: one of ${DATABASES.join(', ')}.`);
    }
    const report = new Report();
    const sources = new Map(app.sourceFiles().map((file) => [file, tree.read(file)!.toString('utf8')]));
    const anywhere = (pattern: RegExp) => [...sources.values()].some((text) => pattern.test(text));
    const modulePath = rootModuleOf(tree, app);

    const hasTypeOrm = app.has('@nestjs/typeorm') || anywhere(/\bTypeOrmModule\s*\.\s*forRoot/);
    const database = hasTypeOrm ? null : (options.database ?? driverDatabase(app) ?? 'sqlite');
    if (hasTypeOrm && options.database !== undefined) report.note(`--database ${options.database} left aside: the app has TypeORM set up already.`);
    const featureExists = tree.exists(`${app.sourceRoot}/${FEATURE.name}/${FEATURE.name}.module.ts`) || anywhere(new RegExp(`\\b${FEATURE.module}\\b`));

    const main = wireMain(tree, app, report);
    const endpointPath = main.globalPrefix ? `${main.globalPrefix}/${path}` : path;
    const e2e = app.runner !== null && !featureExists && !tree.exists(`${app.runner.testDir}/omise-webhooks.e2e-spec.ts`);
    const packageChanged = updatePackageJson(tree, app, database, e2e, report);

    if (modulePath === null) {
      report.toDo(`${app.sourceRoot}/app.module.ts`, 'found no root module; import WebhooksModule in it as the README shows', []);
    } else {
      wireAppModule(
        tree,
        app,
        modulePath,
        {
          eventEmitter: !anywhere(/\bEventEmitterModule\s*\.\s*forRoot/),
          typeOrm: database,
          webhooks: !anywhere(/\bWebhooksModule\s*\.\s*forRoot/),
          feature: !featureExists,
        },
        path,
        report,
      );
    }
    if (hasTypeOrm) wireExistingTypeOrm(tree, app, report);
    if (!featureExists) writeFeature(tree, app, report);
    wireGuards(tree, app, main.globalGuards, report);
    writeEnvExample(tree, app, database, endpointPath, report);
    if (e2e && modulePath !== null) writeE2e(tree, app, modulePath, path, report);
    if (app.runner === null) report.note('No test:e2e script with jest or vitest in package.json: no e2e test written.');

    const install = packageChanged && !options.skipInstall;
    report.print(context.logger, heading(app, database), report.hasChanges ? nextSteps(app, database, endpointPath, install) : []);
    if (install) context.addTask(new NodePackageInstallTask({ allowScripts: true }));
    return tree;
  };
}

/** A route below the global prefix: path segments, no leading or trailing slash. */
function checkedPath(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  if (!/^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~:-]+)*$/.test(trimmed)) {
    throw new SchematicsException(`--path ${path}: a route such as webhooks/omise (letters, digits, - _ . ~, segments separated by /).`);
  }
  return trimmed;
}

/** The root module: `<sourceRoot>/app.module.ts`, else the module `nest g` would register into. */
function rootModuleOf(tree: Tree, app: HostApp): string | null {
  const conventional = `${app.sourceRoot}/app.module.ts`;
  if (tree.exists(conventional)) return conventional;
  const found = new ModuleFinder(tree).find({ path: normalize(`/${app.sourceRoot}`) });
  return found ? found.replace(/^\//, '') : null;
}

/** The database of a driver the app has already (pg, mysql2, better-sqlite3). */
function driverDatabase(app: HostApp): Database | null {
  if (app.has('pg')) return 'postgres';
  if (app.has('mysql2')) return 'mysql';
  if (app.has('better-sqlite3')) return 'sqlite';
  return null;
}

function ownVersion(): string {
  // dist/schematics/nest-add/ (and src/schematics/nest-add/) are three folders below the package root.
  return (JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Declares what the app's code will import, at the versions its Nest major needs: the module, its
 * peers, the database driver, class-validator when the app has none, supertest for the e2e test.
 * A peer the app declares at another major is named, not changed.
 */
function updatePackageJson(tree: Tree, app: HostApp, database: Database | null, e2e: boolean, report: Report): boolean {
  const manifest = JSON.parse(tree.read('package.json')!.toString('utf8')) as PackageJson;
  const declared = { ...manifest.devDependencies, ...manifest.dependencies };
  const wanted: Record<string, string> = {
    [PACKAGE]: `^${ownVersion()}`,
    ...PEERS_BY_NEST_MAJOR[app.nestMajor],
    ...CLASS_VALIDATOR,
    ...(database ? DRIVERS[database] : {}),
  };
  const added: string[] = [];
  for (const [name, range] of Object.entries(wanted)) {
    if (declared[name] === undefined) {
      manifest.dependencies = { ...manifest.dependencies, [name]: range };
      added.push(`${name} ${range}`);
    } else if (name in PEERS_BY_NEST_MAJOR[app.nestMajor] && majorOf(declared[name]) !== majorOf(range)) {
      report.note(`package.json has ${name} ${declared[name]}; with Nest ${app.nestMajor} the module is tested with ${range}.`);
    }
  }
  if (e2e && declared.supertest === undefined) {
    manifest.devDependencies = { ...manifest.devDependencies, ...SUPERTEST };
    added.push(`supertest ${SUPERTEST.supertest} (dev)`);
  }
  let jestSetup = false;
  if (e2e && app.runner?.kind === 'jest' && app.runner.config === null) {
    const setupFiles = Array.isArray(manifest.jest?.setupFiles) ? (manifest.jest.setupFiles as string[]) : [];
    if (!setupFiles.includes(TEST_SETUP)) {
      manifest.jest = { ...manifest.jest, setupFiles: [...setupFiles, TEST_SETUP] };
      jestSetup = true;
    }
  }
  if (added.length === 0 && !jestSetup) return false;
  manifest.dependencies = sorted(manifest.dependencies);
  if (manifest.devDependencies) manifest.devDependencies = sorted(manifest.devDependencies);
  tree.overwrite('package.json', `${JSON.stringify(manifest, null, 2)}\n`);
  report.changed('package.json', [...added, ...(jestSetup ? [`jest.setupFiles: ${TEST_SETUP}`] : [])].join(', '));
  return added.length > 0;
}

function sorted(dependencies: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function heading(app: HostApp, database: Database | null): string {
  const runner = app.runner ? `${app.runner.kind} e2e` : 'no e2e runner';
  const typeorm = database ? `TypeORM on ${database}, added` : "the app's TypeORM";
  return `omise-nest-webhooks: a Nest ${app.nestMajor} app (${app.esm ? 'ESM' : 'CommonJS'}, ${runner}, ${typeorm}${app.config ? ', @nestjs/config' : ''})`;
}

function nextSteps(app: HostApp, database: Database | null, endpointPath: string, installs: boolean): string[] {
  const steps: Array<[string, string]> = [];
  if (!installs) steps.push(['npm install', 'the versions above']);
  if (app.runner) {
    const server = database !== null && database !== 'sqlite' ? ', with DATABASE_URL set to a database for tests' : '';
    steps.push(['npm run test:e2e', `the new test posts a signed event through the app${server}`]);
  }
  steps.push(['cp .env.example .env', 'then set OMISE_WEBHOOK_SECRET (the Omise dashboard shows it)']);
  steps.push(app.config ? ['npm run start', 'ConfigModule loads .env'] : ['npm run start -- --env-file .env', 'the app loads no .env by itself']);
  steps.push(['npx omise-webhooks trigger charge.complete', 'in another terminal: a signed test event to the running app']);
  const width = Math.max(...steps.map(([command]) => command.length)) + 3;
  return [...steps.map(([command, why]) => `${command.padEnd(width)}${why}`), `Omise dashboard → Webhooks: https://<your host>/${endpointPath}`];
}
