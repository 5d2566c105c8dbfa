/** Unit tests beside the code (src/**\/*.spec.ts); end-to-end tests in test/ on a real PostgreSQL. */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };
module.exports = {
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      moduleFileExtensions: ['ts', 'js', 'json'],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      moduleFileExtensions: ['ts', 'js', 'json'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    // A primary and a streaming replica of their own (needs the PostgreSQL server binaries):
    // `npm run test:replica`, run by .ci/run where the binaries exist.
    ...(process.env.KT_REPLICA_TESTS
      ? [
          {
            displayName: 'replica',
            testEnvironment: 'node',
            transform,
            testMatch: ['<rootDir>/test/replica/**/*.e2e-spec.ts'],
            moduleFileExtensions: ['ts', 'js', 'json'],
          },
        ]
      : []),
  ],
};
