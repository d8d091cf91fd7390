import { normalize } from '@angular-devkit/core';
import type { Tree } from '@angular-devkit/schematics';
import { MetadataManager, ModuleDeclarator, type DeclarationOptions } from '@nestjs/schematics';
import * as ts from 'typescript';
import { resolveRelative, type HostApp } from './host-app';
import type { Report } from './report';
import type { Database } from './options';
import {
  appModuleImports,
  EVENT_EMITTER_IMPORT,
  FEATURE,
  featureModule,
  featureService,
  PACKAGE,
  typeOrmModuleImport,
  webhooksModuleImport,
} from './templates';
import {
  addNamedImports,
  appendToLiteral,
  callsTo,
  importSourceOf,
  indentationAt,
  indentContinuation,
  moduleMetadataOf,
  parseSource,
  propertyOf,
  topLevelDeclarationOf,
  unwrap,
} from './typescript-source';

/** What the app module gets: each part only where the app does not have it yet. */
export interface AppModuleParts {
  eventEmitter: boolean;
  /** TypeORM set up from scratch for this database (the app had none), or null. */
  typeOrm: Database | null;
  webhooks: boolean;
  feature: boolean;
}

/**
 * Adds the parts to the root module's `imports`, with their import lines. Registration goes through
 * @nestjs/schematics' MetadataManager and ModuleDeclarator, as `nest g module` registers a module.
 * A file that does not parse, or whose `@Module` imports are not a literal array, is left alone and
 * the lines to add are printed instead.
 */
export function wireAppModule(tree: Tree, app: HostApp, modulePath: string, parts: AppModuleParts, path: string, report: Report): boolean {
  const registered = [
    ...(parts.eventEmitter ? [EVENT_EMITTER_IMPORT] : []),
    ...(parts.typeOrm ? [typeOrmModuleImport(app, parts.typeOrm)] : []),
    ...(parts.webhooks ? [webhooksModuleImport(app, path)] : []),
  ];
  const packages = appModuleImports(app, { eventEmitter: parts.eventEmitter, typeOrm: parts.typeOrm !== null, webhooks: parts.webhooks });
  if (registered.length === 0 && !parts.feature) return true;

  const original = tree.read(modulePath)!.toString('utf8');
  const byHand = (why: string) => {
    const importLines = packages.map(([from, names]) => `import { ${names.join(', ')} } from '${from}';`);
    const featureLine = parts.feature ? [`${FEATURE.module},   // import { ${FEATURE.module} } from './${FEATURE.name}/${FEATURE.name}.module${app.esm ? '.js' : ''}';`] : [];
    report.toDo(modulePath, `${why}; left it alone. Add these imports, and to its @Module imports:`, [
      ...importLines,
      ...registered.flatMap((entry) => `${entry},`.split('\n')),
      ...featureLine,
    ]);
    return false;
  };
  const parsed = parseSource(modulePath, original);
  if ('error' in parsed) return byHand(`cannot parse it (${parsed.error})`);

  let text = original;
  for (const entry of registered) {
    const next = registerImport(text, entry);
    if (next === null) return byHand('its @Module imports are not a list nest add can edit');
    text = next;
  }
  for (const [from, names] of packages) text = addNamedImports(text, names, from);
  if (parts.feature) {
    text = declare(
      text,
      { metadata: 'imports', type: 'module', name: FEATURE.name, path: normalize(`/${app.sourceRoot}/${FEATURE.name}`), module: normalize(`/${modulePath}`) },
      app,
    );
  }
  tree.overwrite(modulePath, text);
  const what = [
    ...(parts.eventEmitter ? [EVENT_EMITTER_IMPORT] : []),
    ...(parts.typeOrm ? [`TypeOrmModule.forRootAsync (${parts.typeOrm}, the module's migrations)`] : []),
    ...(parts.webhooks ? ['WebhooksModule.forRootAsync'] : []),
    ...(parts.feature ? [FEATURE.module] : []),
  ];
  report.changed(modulePath, `imports ${what.join(', ')}`);
  return true;
}

/**
 * Appends one entry to the `@Module` imports with MetadataManager, one entry per line: an empty or
 * missing list is started that way, and a list on one line (`[ConfigModule.forRoot()]`) is first
 * spread over lines, as the entries added here span several.
 */
function registerImport(original: string, entry: string): string | null {
  let text = original;
  let file = ts.createSourceFile('app.module.ts', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  let metadata = moduleMetadataOf(file);
  if (!metadata) return null;
  const property = propertyOf(metadata, 'imports');
  if (property && !ts.isArrayLiteralExpression(property.initializer)) return null;
  const propertyIndent = metadata.properties.length > 0 ? indentationAt(text, metadata.properties[0].getStart()) : '  ';
  const elementIndent = `${propertyIndent}  `;
  const list = property?.initializer as ts.ArrayLiteralExpression | undefined;
  if (list && list.elements.length > 0 && !text.slice(list.getStart(), list.getEnd()).includes('\n')) {
    const elements = list.elements.map((element) => element.getText(file));
    // Only a plain list is respread: one with comments in it stays as it is.
    if (list.getText(file).replace(/\s+/g, '') !== `[${elements.join(',')}${list.elements.hasTrailingComma ? ',' : ''}]`.replace(/\s+/g, '')) return null;
    const spread = `[\n${elements.map((element) => `${elementIndent}${element},`).join('\n')}\n${propertyIndent}]`;
    text = `${text.slice(0, list.getStart())}${spread}${text.slice(list.getEnd())}`;
    file = ts.createSourceFile('app.module.ts', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    metadata = moduleMetadataOf(file)!;
  }
  const placed = indentContinuation(entry, elementIndent);
  const empty = !list || list.elements.length === 0;
  return new MetadataManager(text).insert('imports', empty ? `\n${elementIndent}${placed},\n${propertyIndent}` : placed) ?? null;
}

/** The example feature module: `<sourceRoot>/omise-events/`, its service registered as `nest g service` registers one. */
export function writeFeature(tree: Tree, app: HostApp, report: Report): void {
  const folder = `${app.sourceRoot}/${FEATURE.name}`;
  const modulePath = `${folder}/${FEATURE.name}.module.ts`;
  const servicePath = `${folder}/${FEATURE.name}.service.ts`;
  // nest g service leaves the list without a trailing comma; the app's prettier config wants one.
  const module = declare(
    featureModule(),
    { metadata: 'providers', type: 'service', name: FEATURE.name, path: normalize(`/${folder}`), module: normalize(`/${modulePath}`) },
    app,
  ).replace(/\]\n\}\)/, '],\n})');
  tree.create(modulePath, module);
  tree.create(servicePath, featureService());
  report.changed(folder, `${FEATURE.module} with ${FEATURE.service}: @OnEvent('charge.complete') ${FEATURE.handler}`);
}

/**
 * ModuleDeclarator's options; `isEsm` (@nestjs/schematics 12, which 11 ignores) makes the import end in
 * `.js` in an ESM app, as `nest g` writes it there.
 */
function declaration(options: DeclarationOptions, app: HostApp): DeclarationOptions {
  const withEsm: DeclarationOptions & { isEsm: boolean } = { ...options, isEsm: app.esm };
  return withEsm;
}

/** `nest g`'s registration, with the `.js` an ESM app needs even where @nestjs/schematics 11 leaves it out. */
function declare(text: string, options: DeclarationOptions, app: HostApp): string {
  const declared = new ModuleDeclarator().declare(text, declaration(options, app));
  if (!app.esm) return declared;
  return declared.replace(/^(import \{ \w+ \} from '\.{1,2}\/[^']*?)(?<!\.js)';$/gm, "$1.js';");
}

/** Where TypeORM's options are, and whether nest add may edit them. */
type TypeOrmOptionsSite =
  | { kind: 'literal'; file: string; literal: ts.ObjectLiteralExpression; text: string }
  | { kind: 'opaque'; file: string; why: string };

/**
 * The app has TypeORM: adds the module's migrations (and entities, where the app lists its own) to
 * the options of its `TypeOrmModule.forRoot`/`forRootAsync`, when those are an object literal here or
 * a `const` of one in a file it imports. Anything else (options built by a function, spread from
 * elsewhere) gets the exact lines to add.
 */
export function wireExistingTypeOrm(tree: Tree, app: HostApp, report: Report): void {
  const site = typeOrmOptionsSite(tree, app);
  const printed = (file: string, why: string) =>
    report.toDo(file, `${why}; add the module's migrations (and, unless autoLoadEntities is on, its entities) to TypeORM's options:`, [
      `import { OMISE_WEBHOOK_ENTITIES, OMISE_WEBHOOK_MIGRATIONS } from '${PACKAGE}';`,
      'migrations: [/* yours, */ ...OMISE_WEBHOOK_MIGRATIONS],',
      'entities: [/* yours, */ ...OMISE_WEBHOOK_ENTITIES],',
    ]);
  if (site === null) return;
  if (site.kind === 'opaque') return printed(site.file, site.why);
  const { file, literal } = site;
  if (site.text.includes('OMISE_WEBHOOK_MIGRATIONS')) return;

  const spreads = literal.properties.some(ts.isSpreadAssignment);
  const autoLoad = propertyOf(literal, 'autoLoadEntities');
  const wantsEntities = !(autoLoad && autoLoad.initializer.kind === ts.SyntaxKind.TrueKeyword);
  const migrations = propertyOf(literal, 'migrations');
  const entities = propertyOf(literal, 'entities');
  const editable = (property: ts.PropertyAssignment | undefined) => (property ? ts.isArrayLiteralExpression(property.initializer) : !spreads);
  if (!editable(migrations) || (wantsEntities && !editable(entities))) {
    return printed(file, 'its TypeORM options take migrations or entities from elsewhere');
  }

  // Edits from the end of the literal backwards, so earlier positions stay valid.
  const edits: Array<{ at: number; apply: (text: string) => string }> = [];
  const add = (property: ts.PropertyAssignment | undefined, name: string, spread: string) => {
    if (property) {
      const array = property.initializer as ts.ArrayLiteralExpression;
      edits.push({ at: array.getStart(), apply: (text) => appendToLiteral(text, reparsedArray(text, array.getStart()), spread) });
    } else {
      edits.push({ at: literal.getStart(), apply: (text) => appendToLiteral(text, reparsedObject(text, literal.getStart()), `${name}: [${spread}]`) });
    }
  };
  add(migrations, 'migrations', '...OMISE_WEBHOOK_MIGRATIONS');
  if (wantsEntities) add(entities, 'entities', '...OMISE_WEBHOOK_ENTITIES');
  let text = site.text;
  for (const edit of edits.sort((a, b) => b.at - a.at)) text = edit.apply(text);
  text = addNamedImports(text, [...(wantsEntities ? ['OMISE_WEBHOOK_ENTITIES'] : []), 'OMISE_WEBHOOK_MIGRATIONS'], PACKAGE);
  tree.overwrite(file, text);
  report.changed(file, `TypeORM options: ...OMISE_WEBHOOK_MIGRATIONS${wantsEntities ? ', ...OMISE_WEBHOOK_ENTITIES' : ''}`);
  const runs = propertyOf(literal, 'migrationsRun');
  const synchronize = propertyOf(literal, 'synchronize');
  if (runs?.initializer.kind !== ts.SyntaxKind.TrueKeyword && synchronize?.initializer.kind !== ts.SyntaxKind.TrueKeyword) {
    report.note(`${file} does not run migrations at boot: run them (the module's are in the list now) before starting the app and before npm run test:e2e.`);
  }
}

function reparsedArray(text: string, at: number): ts.ArrayLiteralExpression {
  return nodeAt(text, at, ts.isArrayLiteralExpression);
}

function reparsedObject(text: string, at: number): ts.ObjectLiteralExpression {
  return nodeAt(text, at, ts.isObjectLiteralExpression);
}

function nodeAt<T extends ts.Node>(text: string, at: number, is: (node: ts.Node) => node is T): T {
  const file = ts.createSourceFile('edit.ts', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  let found: T | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (node.getStart() === at && is(node)) found = node;
    else if (node.pos <= at && at < node.end) ts.forEachChild(node, visit);
  };
  visit(file);
  return found!;
}

function typeOrmOptionsSite(tree: Tree, app: HostApp): TypeOrmOptionsSite | null {
  for (const path of app.sourceFiles()) {
    const text = tree.read(path)!.toString('utf8');
    if (!/TypeOrmModule\s*\.\s*forRoot/.test(text)) continue;
    const parsed = parseSource(path, text);
    if ('error' in parsed) return { kind: 'opaque', file: path, why: `cannot parse it (${parsed.error}), left it alone` };
    const call = callsTo(parsed.file, 'TypeOrmModule', ['forRoot', 'forRootAsync'])[0];
    if (!call) continue;
    const argument = call.arguments[0] ? unwrap(call.arguments[0]) : undefined;
    const method = (call.expression as ts.PropertyAccessExpression).name.text;
    const options = method === 'forRoot' ? argument : argument && ts.isObjectLiteralExpression(argument) ? factoryResult(argument) : undefined;
    if (!options) return { kind: 'opaque', file: path, why: `TypeOrmModule.${method}'s options are not a literal nest add can edit` };
    return literalOf(tree, path, parsed.file, text, options);
  }
  return null;
}

/** `useFactory: (…) => ({ … })` or `useFactory: () => { return { … }; }` → the returned expression. */
function factoryResult(asyncOptions: ts.ObjectLiteralExpression): ts.Expression | undefined {
  const factory = propertyOf(asyncOptions, 'useFactory')?.initializer;
  if (!factory || !(ts.isArrowFunction(factory) || ts.isFunctionExpression(factory))) return undefined;
  if (!ts.isBlock(factory.body)) return unwrap(factory.body);
  const statements = factory.body.statements;
  const last = statements[statements.length - 1];
  return last && ts.isReturnStatement(last) && last.expression ? unwrap(last.expression) : undefined;
}

/** An object literal, or a `const` holding one in this file or a relative file it imports from. */
function literalOf(tree: Tree, path: string, file: ts.SourceFile, text: string, options: ts.Expression): TypeOrmOptionsSite {
  if (ts.isObjectLiteralExpression(options)) return { kind: 'literal', file: path, literal: options, text };
  const opaque: TypeOrmOptionsSite = { kind: 'opaque', file: path, why: "TypeORM's options are not a literal nest add can edit" };
  if (!ts.isIdentifier(options)) return opaque;
  const source = importSourceOf(file, options.text);
  const holder = source === null ? path : source === undefined ? null : resolveRelative(tree, path, source);
  if (holder === null) return opaque;
  const holderText = tree.read(holder)!.toString('utf8');
  const parsed = parseSource(holder, holderText);
  if ('error' in parsed) return { kind: 'opaque', file: holder, why: `cannot parse it (${parsed.error}), left it alone` };
  const declaration = topLevelDeclarationOf(parsed.file, options.text);
  const initializer = declaration && ts.isVariableDeclaration(declaration) && declaration.initializer ? unwrap(declaration.initializer) : undefined;
  if (!initializer || !ts.isObjectLiteralExpression(initializer)) return { kind: 'opaque', file: holder, why: `${options.text} is not an object literal nest add can edit` };
  return { kind: 'literal', file: holder, literal: initializer, text: holderText };
}
