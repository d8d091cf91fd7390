import { SchematicsException, type Tree } from '@angular-devkit/schematics';
import { posix } from 'node:path';
import { majorOf, NEST_MAJORS, type NestMajor } from './peer-versions';

export interface PackageJson {
  type?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  jest?: Record<string, unknown>;
}

/** How the app runs its e2e tests (`npm run test:e2e`), as `nest new` set it up. */
export interface E2eRunner {
  kind: 'jest' | 'vitest';
  /** The runner's config file (`test/jest-e2e.json`, `vitest.config.e2e.ts`), or null for package.json's `jest`. */
  config: string | null;
  /** Where the e2e specs are (`test`). */
  testDir: string;
  /** vitest: `describe`/`it`/`expect` are globals (`globals: true`), as in `nest new`'s config. */
  globals: boolean;
}

/** What nest add needs to know about the app it wires the module into. */
export interface HostApp {
  readonly nestMajor: NestMajor;
  /** `"type": "module"`: relative imports end in `.js`. */
  readonly esm: boolean;
  readonly sourceRoot: string;
  readonly packageJson: PackageJson;
  /** The app has @nestjs/config: settings are read through ConfigService. */
  readonly config: boolean;
  readonly runner: E2eRunner | null;
  /** Dependencies and dev dependencies. */
  has(name: string): boolean;
  /** The app's TypeScript files under sourceRoot, specs and declarations left out. */
  sourceFiles(): string[];
}

export function readHostApp(tree: Tree, sourceRoot: string): HostApp {
  const text = tree.read('package.json')?.toString('utf8');
  if (text === undefined) throw new SchematicsException('No package.json here: run nest add in the folder of the Nest app.');
  let packageJson: PackageJson;
  try {
    packageJson = JSON.parse(text) as PackageJson;
  } catch (error) {
    throw new SchematicsException(`package.json is not valid JSON (${(error as Error).message}); fix it and run nest add again.`);
  }
  const declared = { ...packageJson.devDependencies, ...packageJson.dependencies };
  const nestMajor = nestMajorOf(tree, declared['@nestjs/core']);
  const root = sourceRoot.replace(/^\.?\/+|\/+$/g, '') || 'src';
  return {
    nestMajor,
    esm: packageJson.type === 'module',
    sourceRoot: root,
    packageJson,
    config: '@nestjs/config' in declared,
    runner: e2eRunnerOf(tree, packageJson),
    has: (name) => name in declared,
    sourceFiles: () => {
      const files: string[] = [];
      tree.getDir(root).visit((path) => {
        if (/\.ts$/.test(path) && !/\.(spec|e2e-spec|d)\.ts$/.test(path) && !path.includes('/node_modules/')) files.push(path.replace(/^\//, ''));
      });
      return files.sort();
    },
  };
}

function nestMajorOf(tree: Tree, range: string | undefined): NestMajor {
  // The installed version first (the range may be `latest` or a tag); the declared range otherwise.
  const installed = tree.read('node_modules/@nestjs/core/package.json')?.toString('utf8');
  const version = installed ? (JSON.parse(installed) as { version?: string }).version : range;
  const major = majorOf(version);
  if (major === null) throw new SchematicsException('This app has no @nestjs/core in package.json: nest add works in a Nest app.');
  if (!NEST_MAJORS.includes(major as NestMajor)) {
    throw new SchematicsException(`omise-nest-webhooks supports Nest ${NEST_MAJORS.join(' and ')}; this app has @nestjs/core ${version}.`);
  }
  return major as NestMajor;
}

function e2eRunnerOf(tree: Tree, packageJson: PackageJson): E2eRunner | null {
  const script = packageJson.scripts?.['test:e2e'];
  if (!script) return null;
  const kind = /\bvitest\b/.test(script) ? 'vitest' : /\bjest\b/.test(script) ? 'jest' : null;
  if (kind === null) return null;
  const configArg = /--config[= ]+(?:"([^"]+)"|'([^']+)'|(\S+))/.exec(script);
  const named = configArg ? posix.normalize(configArg[1] ?? configArg[2] ?? configArg[3]) : null;
  const config = named ?? (kind === 'vitest' ? ['vitest.config.ts', 'vitest.config.mts', 'vite.config.ts'].find((file) => tree.exists(file)) ?? null : null);
  const testDir = tree.getDir('test').subfiles.length > 0 || config === null ? 'test' : posix.dirname(config) === '.' ? 'test' : posix.dirname(config);
  const configText = config ? tree.read(config)?.toString('utf8') ?? '' : '';
  return { kind, config, testDir, globals: kind === 'jest' || /\bglobals\s*:\s*true\b/.test(configText) };
}

/** A relative import in `from` resolved to the app's file: `./orders/orders.module.js` → `src/orders/orders.module.ts`. */
export function resolveRelative(tree: Tree, from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = posix.join(posix.dirname(from), specifier).replace(/\.js$/, '');
  return [`${base}.ts`, `${base}/index.ts`].find((candidate) => tree.exists(candidate)) ?? null;
}
