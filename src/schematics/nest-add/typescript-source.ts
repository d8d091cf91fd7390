import * as ts from 'typescript';

/**
 * Small, careful edits to the app's TypeScript: parse, find a node, insert text at its position.
 * Each edit takes the text and returns the new text, so positions always come from a fresh parse.
 * What is not a shape these helpers recognise is left alone: the caller then prints the lines to add.
 */

/** The file parsed, or why not (its first syntax error, with its line). */
export function parseSource(path: string, text: string): { file: ts.SourceFile } | { error: string } {
  const { diagnostics = [] } = ts.transpileModule(text, { fileName: path, reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.ESNext } });
  const syntax = diagnostics.find((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error && diagnostic.file !== undefined);
  if (syntax?.file && syntax.start !== undefined) {
    const { line } = syntax.file.getLineAndCharacterOfPosition(syntax.start);
    return { error: `line ${line + 1}: ${ts.flattenDiagnosticMessageText(syntax.messageText, ' ')}` };
  }
  return { file: ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS) };
}

/** Every node of the file, depth first. */
export function* nodesOf(node: ts.Node): Generator<ts.Node> {
  yield node;
  for (const child of node.getChildren()) yield* nodesOf(child);
}

/** `Owner.method(…)` calls in the file, in order (`TypeOrmModule.forRoot`, `NestFactory.create`). */
export function callsTo(file: ts.SourceFile, owner: string | null, methods: readonly string[]): ts.CallExpression[] {
  const calls: ts.CallExpression[] = [];
  for (const node of nodesOf(file)) {
    if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) continue;
    const { expression, name } = node.expression;
    if (!methods.includes(name.text)) continue;
    if (owner === null || (ts.isIdentifier(expression) && expression.text === owner)) calls.push(node);
  }
  return calls;
}

/** A property of an object literal by name. */
export function propertyOf(object: ts.ObjectLiteralExpression, name: string): ts.PropertyAssignment | undefined {
  return object.properties.find(
    (property): property is ts.PropertyAssignment =>
      ts.isPropertyAssignment(property) && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name)) && property.name.text === name,
  );
}

/** `x as T`, `x satisfies T`, `(x)` → x. */
export function unwrap(expression: ts.Expression): ts.Expression {
  let inner = expression;
  while (ts.isAsExpression(inner) || ts.isSatisfiesExpression(inner) || ts.isParenthesizedExpression(inner)) inner = inner.expression;
  return inner;
}

/** The whitespace that starts the line `position` is on. */
export function indentationAt(text: string, position: number): string {
  const lineStart = text.lastIndexOf('\n', position - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** Indents every line of a multi-line snippet but the first (which lands where the caller puts it). */
export function indentContinuation(snippet: string, indent: string): string {
  return snippet.replace(/\n(?=[^\n])/g, `\n${indent}`);
}

/**
 * Appends `item` to an array or object literal, in its layout: one per line (with or without a
 * trailing comma, as the list has it) or on one line. An empty literal gets the item on a line of
 * its own, indented one step (`unit`) past the literal's line.
 */
export function appendToLiteral(text: string, literal: ts.ArrayLiteralExpression | ts.ObjectLiteralExpression, item: string, unit = '  '): string {
  const list: ts.NodeArray<ts.Node> = ts.isArrayLiteralExpression(literal) ? literal.elements : literal.properties;
  if (list.length === 0) {
    const outer = indentationAt(text, literal.getStart());
    const inner = outer + unit;
    const open = literal.getStart() + 1;
    const close = literal.getEnd() - 1;
    return `${text.slice(0, open)}\n${inner}${indentContinuation(item, inner)},\n${outer}${text.slice(close)}`;
  }
  const first = list[0];
  const last = list[list.length - 1];
  const multiline = text.slice(literal.getStart(), first.getStart()).includes('\n');
  if (!multiline) return `${text.slice(0, last.getEnd())}, ${item}${text.slice(last.getEnd())}`;
  const indent = indentationAt(text, first.getStart());
  const placed = indentContinuation(item, indent);
  if (list.hasTrailingComma) {
    const comma = text.indexOf(',', last.getEnd()) + 1;
    return `${text.slice(0, comma)}\n${indent}${placed},${text.slice(comma)}`;
  }
  return `${text.slice(0, last.getEnd())},\n${indent}${placed}${text.slice(last.getEnd())}`;
}

/**
 * Adds `names` to the file's imports from `from`: into an existing `import { … } from 'from'`, else as
 * a new import after the last one. Names already imported are left out.
 */
export function addNamedImports(text: string, names: readonly string[], from: string): string {
  const file = ts.createSourceFile('imports.ts', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const imports = file.statements.filter(ts.isImportDeclaration);
  const imported = new Set(
    imports.flatMap((declaration) => {
      const bindings = declaration.importClause?.namedBindings;
      return bindings && ts.isNamedImports(bindings) ? bindings.elements.map((element) => element.name.text) : [];
    }),
  );
  const missing = names.filter((name) => !imported.has(name));
  if (missing.length === 0) return text;
  const existing = imports.find((declaration) => {
    const bindings = declaration.importClause?.namedBindings;
    return (
      ts.isStringLiteral(declaration.moduleSpecifier) &&
      declaration.moduleSpecifier.text === from &&
      !declaration.importClause?.isTypeOnly &&
      bindings !== undefined &&
      ts.isNamedImports(bindings) &&
      bindings.elements.length > 0
    );
  });
  if (existing) {
    const bindings = existing.importClause!.namedBindings as ts.NamedImports;
    const last = bindings.elements[bindings.elements.length - 1];
    return `${text.slice(0, last.getEnd())}, ${missing.join(', ')}${text.slice(last.getEnd())}`;
  }
  const quote = imports.length > 0 && file.text.slice(imports[0].moduleSpecifier.getStart(), imports[0].moduleSpecifier.getStart() + 1) === '"' ? '"' : "'";
  const line = `import { ${missing.join(', ')} } from ${quote}${from}${quote};`;
  if (imports.length === 0) return `${line}\n${text}`;
  const after = imports[imports.length - 1].getEnd();
  return `${text.slice(0, after)}\n${line}${text.slice(after)}`;
}

/** The first argument of the `@Module({…})` decorator in the file, if it is an object literal. */
export function moduleMetadataOf(file: ts.SourceFile): ts.ObjectLiteralExpression | undefined {
  for (const node of nodesOf(file)) {
    if (!ts.isDecorator(node) || !ts.isCallExpression(node.expression)) continue;
    const { expression, arguments: args } = node.expression;
    if (ts.isIdentifier(expression) && expression.text === 'Module' && args[0] && ts.isObjectLiteralExpression(args[0])) return args[0];
  }
  return undefined;
}

/** Where a name used in the file comes from: a relative module it is imported from, or this file. */
export function importSourceOf(file: ts.SourceFile, name: string): string | null | undefined {
  for (const declaration of file.statements.filter(ts.isImportDeclaration)) {
    const bindings = declaration.importClause?.namedBindings;
    if (!bindings || !ts.isNamedImports(bindings) || !ts.isStringLiteral(declaration.moduleSpecifier)) continue;
    if (bindings.elements.some((element) => element.name.text === name)) return declaration.moduleSpecifier.text;
  }
  return topLevelDeclarationOf(file, name) ? null : undefined;
}

/** A `const name = …` or `class name` at the top of the file (exported or not). */
export function topLevelDeclarationOf(file: ts.SourceFile, name: string): ts.VariableDeclaration | ts.ClassDeclaration | undefined {
  for (const statement of file.statements) {
    if (ts.isClassDeclaration(statement) && statement.name?.text === name) return statement;
    if (ts.isVariableStatement(statement)) {
      const declaration = statement.declarationList.declarations.find((d) => ts.isIdentifier(d.name) && d.name.text === name);
      if (declaration) return declaration;
    }
  }
  return undefined;
}
