/** Unit specs live beside the source (library in src/, demo in demo/); end-to-end specs in test/. */
const databases = (process.env.TEST_DATABASES || 'sqlite').split(',').map((name) => name.trim());
/**
 * Specs about a database server's network faults (a TCP proxy in front of it) have nothing to run on
 * embedded SQLite: left out unless PostgreSQL or MariaDB is selected, as jest refuses an empty spec.
 */
const serverOnly = databases.some((name) => name === 'postgres' || name === 'mariadb')
  ? []
  : ['<rootDir>/test/tcp-proxy.e2e-spec.ts', '<rootDir>/test/faults.e2e-spec.ts', '<rootDir>/test/deadlock.e2e-spec.ts', '<rootDir>/test/intake-isolation.e2e-spec.ts'];

module.exports = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: '.',
  testEnvironment: 'node',
  testRegex: ['(src|demo)/.*\\.spec\\.ts$', 'test/.*\\.e2e-spec\\.ts$'],
  // The consumer apps in test/consumers have their own packages and run from .ci/run.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/consumers/', ...serverOnly],
  // The package by its name, as the demo and a host app import it; here, its source.
  moduleNameMapper: {
    '^omise-nest-webhooks$': '<rootDir>/src/index.ts',
    '^omise-nest-webhooks/testing$': '<rootDir>/src/testing/index.ts',
  },
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 30000,
};
