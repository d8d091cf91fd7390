import type { Tree } from '@angular-devkit/schematics';
import { posix } from 'node:path';
import * as ts from 'typescript';
import { resolveRelative, type HostApp } from './host-app';
import type { Report } from './report';
import type { Database } from './options';
import { e2eSpec, envSettings, PACKAGE, TEST_SETUP } from './templates';
import {
  addNamedImports,
  appendToLiteral,
  callsTo,
  importSourceOf,
  indentationAt,
  nodesOf,
  parseSource,
  propertyOf,
  topLevelDeclarationOf,
  unwrap,
} from './typescript-source';

/** What main.ts tells about the running app. */
export interface MainFacts {
  /** `app.setGlobalPrefix('api')` → `api`. */
  globalPrefix: string | null;
  /** Guards given to `app.useGlobalGuards(new X())`, by class name. */
  globalGuards: string[];
}

/**
 * `app.enableShutdownHooks()` right after `NestFactory.create`, so a SIGTERM lets running handlers
 * finish instead of leaving their events leased.
 */
export function wireMain(tree: Tree, app: HostApp, report: Report): MainFacts {
  const path = `${app.sourceRoot}/main.ts`;
  const facts: MainFacts = { globalPrefix: null, globalGuards: [] };
  const text = tree.read(path)?.toString('utf8');
  if (text === undefined) {
    report.toDo(path, 'no such file; where the app is created, add', ['app.enableShutdownHooks();']);
    return facts;
  }
  const parsed = parseSource(path, text);
  if ('error' in parsed) {
    report.toDo(path, `cannot parse it (${parsed.error}); left it alone. After NestFactory.create, add`, ['app.enableShutdownHooks();']);
    return facts;
  }
  const prefix = callsTo(parsed.file, null, ['setGlobalPrefix'])[0]?.arguments[0];
  if (prefix && ts.isStringLiteralLike(prefix)) facts.globalPrefix = prefix.text.replace(/^\/+|\/+$/g, '');
  for (const call of callsTo(parsed.file, null, ['useGlobalGuards'])) {
    for (const argument of call.arguments) {
      if (ts.isNewExpression(argument) && ts.isIdentifier(argument.expression)) facts.globalGuards.push(argument.expression.text);
    }
  }
  if (/\benableShutdownHooks\s*\(/.test(text)) return facts;

  const create = callsTo(parsed.file, 'NestFactory', ['create'])[0];
  let statement: ts.Node | undefined = create;
  while (statement && !ts.isVariableStatement(statement)) statement = statement.parent;
  const declaration = statement && ts.isVariableStatement(statement) ? statement.declarationList.declarations[0] : undefined;
  if (!statement || !declaration || !ts.isIdentifier(declaration.name)) {
    report.toDo(path, 'found no `const app = await NestFactory.create(…)`; after the app is created, add', ['app.enableShutdownHooks();']);
    return facts;
  }
  const at = statement.getEnd();
  const line = `${declaration.name.text}.enableShutdownHooks();`;
  tree.overwrite(path, `${text.slice(0, at)}\n${indentationAt(text, statement.getStart())}${line}${text.slice(at)}`);
  report.changed(path, `${line} (SIGTERM lets running handlers finish)`);
  return facts;
}

/**
 * App-wide guards (APP_GUARD providers, `useGlobalGuards(new X())`) of the app's own see every
 * signed delivery too, and Omise sends no API key or session: each gets, first in `canActivate`,
 * `if (isOmiseWebhookRoute(context)) return true;`. The webhook route is signed; the module's own
 * guard decides on it.
 */
export function wireGuards(tree: Tree, app: HostApp, mainGuards: readonly string[], report: Report): void {
  const guards = new Map<string, string>(); // class name → file declaring it
  const locate = (file: ts.SourceFile, path: string, name: string) => {
    const source = importSourceOf(file, name);
    const declaredIn = source === null ? path : source === undefined ? null : resolveRelative(tree, path, source);
    if (declaredIn) guards.set(name, declaredIn);
  };
  for (const path of app.sourceFiles()) {
    const text = tree.read(path)!.toString('utf8');
    const isMain = path === `${app.sourceRoot}/main.ts`;
    if (!text.includes('APP_GUARD') && !(isMain && mainGuards.length > 0)) continue;
    const parsed = parseSource(path, text);
    if ('error' in parsed) continue;
    if (isMain) for (const name of mainGuards) locate(parsed.file, path, name);
    for (const node of nodesOf(parsed.file)) {
      if (!ts.isObjectLiteralExpression(node)) continue;
      const provide = propertyOf(node, 'provide')?.initializer;
      const useClass = propertyOf(node, 'useClass')?.initializer;
      if (provide && ts.isIdentifier(provide) && provide.text === 'APP_GUARD' && useClass && ts.isIdentifier(useClass)) locate(parsed.file, path, useClass.text);
    }
  }
  for (const [name, path] of guards) letWebhookPast(tree, name, path, report);
}

function letWebhookPast(tree: Tree, name: string, path: string, report: Report): void {
  const text = tree.read(path)!.toString('utf8');
  if (text.includes('isOmiseWebhookRoute')) return;
  const printed = (why: string) =>
    report.toDo(path, `${why}; ${name} is app-wide and Omise sends no credentials: first thing in its canActivate(context), add`, [
      `if (isOmiseWebhookRoute(context)) return true;   // import { isOmiseWebhookRoute } from '${PACKAGE}';`,
    ]);
  const parsed = parseSource(path, text);
  if ('error' in parsed) return printed(`cannot parse it (${parsed.error}), left it alone`);
  const guard = topLevelDeclarationOf(parsed.file, name);
  const method =
    guard && ts.isClassDeclaration(guard)
      ? guard.members.find((member): member is ts.MethodDeclaration => ts.isMethodDeclaration(member) && member.name.getText() === 'canActivate')
      : undefined;
  const context = method?.parameters[0]?.name;
  if (!method?.body || !context || !ts.isIdentifier(context)) return printed(`found no canActivate(context) in ${name}`);
  const first = method.body.statements[0];
  const indent = first ? indentationAt(text, first.getStart()) : `${indentationAt(text, method.getStart())}  `;
  const open = method.body.getStart() + 1;
  const line = `if (isOmiseWebhookRoute(${context.text})) return true;`;
  tree.overwrite(path, addNamedImports(`${text.slice(0, open)}\n${indent}// Omise signs its deliveries; the module's guard checks them.\n${indent}${line}${text.slice(open)}`, ['isOmiseWebhookRoute'], PACKAGE));
  report.changed(path, `${name} lets the signed webhook route through: ${line}`);
}

/** `.env.example`: the settings the app and the CLI read, each key only if missing. */
export function writeEnvExample(tree: Tree, app: HostApp, database: Database | null, endpointPath: string, report: Report): void {
  const path = '.env.example';
  const existing = tree.read(path)?.toString('utf8') ?? '';
  const missing = envSettings(app, database, endpointPath).filter(({ key }) => !new RegExp(`^\\s*#?\\s*${key}=`, 'm').test(existing));
  if (missing.length === 0) return;
  const block = ['# omise-nest-webhooks', ...missing.flatMap(({ lines }) => lines)].join('\n');
  const text = existing === '' ? `${block}\n` : `${existing.replace(/\n*$/, '\n\n')}${block}\n`;
  if (existing === '') tree.create(path, text);
  else tree.overwrite(path, text);
  report.changed(path, missing.map(({ key }) => key).join(', '));
}

/**
 * The e2e test, beside the app's own, and the kit's setup file in the runner's `setupFiles` (so the
 * app's own e2e tests, which boot the same AppModule, get the test secret too).
 */
export function writeE2e(tree: Tree, app: HostApp, modulePath: string, endpointPath: string, report: Report): void {
  const runner = app.runner!;
  const spec = `${runner.testDir}/omise-webhooks.e2e-spec.ts`;
  if (!tree.exists(spec)) {
    // As nest new writes it in its own e2e test: './../src/app.module'.
    const importPath = `./${posix.relative(runner.testDir, modulePath.replace(/\.ts$/, ''))}${app.esm ? '.js' : ''}`;
    tree.create(spec, e2eSpec(app, importPath, endpointPath));
    report.changed(spec, `a signed charge.complete through the app to the listener, with ${runner.kind}`);
  }
  if (runner.config === null) return; // package.json's jest: index.ts adds the setup file there.
  const text = tree.read(runner.config)?.toString('utf8');
  const setupLine = runner.kind === 'jest' ? `"setupFiles": ["${TEST_SETUP}"]` : `setupFiles: ['${TEST_SETUP}'],   // in test: { … }`;
  if (text === undefined) return report.toDo(runner.config, 'not found; add to the e2e config', [setupLine]);
  if (text.includes(TEST_SETUP)) return;
  const edited = runner.kind === 'jest' ? withJestSetup(runner.config, text) : withVitestSetup(runner.config, text);
  if (edited === null) return report.toDo(runner.config, 'not a config nest add can edit; add', [setupLine]);
  tree.overwrite(runner.config, edited);
  report.changed(runner.config, `setupFiles: ${TEST_SETUP} (a test webhook secret)`);
}

function withJestSetup(path: string, text: string): string | null {
  const json = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JSON);
  const statement = json.statements[0];
  const root = statement && ts.isExpressionStatement(statement) ? statement.expression : undefined;
  if (!root || !ts.isObjectLiteralExpression(root)) return null;
  const existing = propertyOf(root, 'setupFiles');
  if (existing) return ts.isArrayLiteralExpression(existing.initializer) ? appendToLiteral(text, existing.initializer, `"${TEST_SETUP}"`) : null;
  return appendToLiteral(text, root, `"setupFiles": ["${TEST_SETUP}"]`);
}

function withVitestSetup(path: string, text: string): string | null {
  const parsed = parseSource(path, text);
  if ('error' in parsed) return null;
  const config = callsToDefineConfig(parsed.file);
  const test = config && propertyOf(config, 'test');
  if (!test || !ts.isObjectLiteralExpression(test.initializer)) return null;
  const existing = propertyOf(test.initializer, 'setupFiles');
  if (existing) return ts.isArrayLiteralExpression(existing.initializer) ? appendToLiteral(text, existing.initializer, `'${TEST_SETUP}'`) : null;
  return appendToLiteral(text, test.initializer, `setupFiles: ['${TEST_SETUP}']`);
}

/** `export default defineConfig({ … })` or `export default { … }` → the object. */
function callsToDefineConfig(file: ts.SourceFile): ts.ObjectLiteralExpression | undefined {
  const exported = file.statements.find(ts.isExportAssignment)?.expression;
  if (!exported) return undefined;
  const value = unwrap(exported);
  if (ts.isObjectLiteralExpression(value)) return value;
  if (ts.isCallExpression(value) && value.arguments[0]) {
    const argument = unwrap(value.arguments[0]);
    if (ts.isObjectLiteralExpression(argument)) return argument;
  }
  return undefined;
}
