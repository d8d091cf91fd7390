/** Unit specs live beside the source (library in src/, demo in demo/); end-to-end specs in test/. */
module.exports = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: '.',
  testEnvironment: 'node',
  testRegex: ['(src|demo)/.*\\.spec\\.ts$', 'test/.*\\.e2e-spec\\.ts$'],
  // The consumer apps in test/consumers have their own packages and run from .ci/run.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/consumers/'],
  // The package by its name, as the demo and a host app import it; here, its source.
  moduleNameMapper: {
    '^omise-nest-webhooks$': '<rootDir>/src/index.ts',
    '^omise-nest-webhooks/testing$': '<rootDir>/src/testing/index.ts',
  },
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 30000,
};
