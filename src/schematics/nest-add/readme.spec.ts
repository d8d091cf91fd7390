import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostApp } from './host-app';
import { DRIVERS, PEERS_BY_NEST_MAJOR, type NestMajor } from './peer-versions';
import { appModuleImports, EVENT_EMITTER_IMPORT, featureService, PACKAGE, TEST_SETUP, typeOrmModuleImport, webhooksModuleImport } from './templates';
import { indentContinuation } from './typescript-source';

/**
 * The README's "Wiring it by hand" shows what nest add writes: its snippets are the templates'
 * output, so the README cannot drift from the code the consumer run installs and tests.
 */
const README = readFileSync(join(__dirname, '../../../README.md'), 'utf8');

/** The code block right after `<!-- nest-add: name -->`. */
function snippet(name: string): string {
  const match = new RegExp(`<!-- nest-add: ${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\`\\n`).exec(README);
  if (!match) throw new Error(`README.md has no <!-- nest-add: ${name} --> block`);
  return match[1];
}

const app = (config: boolean): HostApp => ({
  nestMajor: 12,
  esm: true,
  sourceRoot: 'src',
  packageJson: {},
  config,
  runner: null,
  has: () => false,
  sourceFiles: () => [],
});

/** Entries of the `@Module` imports, as they sit in the list: four spaces in, one after the other. */
const entries = (...items: string[]) => items.map((item) => `    ${indentContinuation(item, '    ')},\n`).join('');

describe("README's wiring by hand is what nest add writes", () => {
  it('the app module: imports and the @Module imports entries, on SQLite', () => {
    const imports = appModuleImports(app(false), { eventEmitter: true, typeOrm: true, webhooks: true })
      .map(([from, names]) => `import { ${names.join(', ')} } from '${from}';\n`)
      .join('');
    expect(snippet('app-module')).toBe(
      `${imports}\n${entries(EVENT_EMITTER_IMPORT, typeOrmModuleImport(app(false), 'sqlite'), webhooksModuleImport(app(false), 'webhooks/omise'))}`,
    );
  });

  it('the module through ConfigService', () => {
    expect(snippet('webhooks-module-config')).toBe(entries(webhooksModuleImport(app(true), 'webhooks/omise')));
  });

  it("the listener's service", () => {
    expect(snippet('service')).toBe(featureService());
  });

  it.each([11, 12] as NestMajor[])("the install line for Nest %i has the peers at that Nest's majors", (major) => {
    const line = new RegExp(`^npm install ${PACKAGE} (.+?) +# Nest ${major}$`, 'm').exec(README)?.[1] ?? '';
    const wanted = { ...PEERS_BY_NEST_MAJOR[major], ...DRIVERS.sqlite };
    expect(line.split(' ').sort()).toEqual(Object.entries(wanted).map(([name, range]) => `${name}@${range}`).sort());
  });

  it("the kit's setup file, for jest and for vitest, as nest add adds it", () => {
    expect(README).toContain(`\`"setupFiles": ["${TEST_SETUP}"]\``);
    expect(README).toContain(`\`setupFiles: ['${TEST_SETUP}']\``);
  });
});
