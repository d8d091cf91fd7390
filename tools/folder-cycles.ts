// Fails when two parts of the library import each other: each folder of src/ (intake, store, …)
// and each file at its top (webhooks.options.ts, …) is a part. Run by `npm run lint`.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(__dirname, '../src');
const files: string[] = [];
(function walk(dir: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (path.endsWith('.ts') && !path.endsWith('.spec.ts')) files.push(path);
  }
})(root);

function partOf(file: string): string {
  const [first, ...rest] = relative(root, file).split(sep);
  return rest.length > 0 ? first : first.replace(/\.ts$/, '');
}

const edges = new Set<string>();
for (const file of files) {
  for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
    const target = resolve(dirname(file), specifier);
    const [from, to] = [partOf(file), partOf(existsSync(`${target}.ts`) ? `${target}.ts` : join(target, 'index.ts'))];
    if (from !== to) edges.add(`${from} -> ${to}`);
  }
}
const pairs = [...edges].map((edge) => edge.split(' -> ')).filter(([from, to]) => from < to && edges.has(`${to} -> ${from}`));
if (pairs.length > 0) {
  process.stderr.write(`These parts of src/ import each other; move what both need where both can reach it:\n${pairs.map(([a, b]) => `  ${a} <-> ${b}\n`).join('')}`);
  process.exit(1);
}
