/**
 * Two projects: `unit` (test/unit/*.spec.ts, pure logic, no stack: `npm run test:unit`) and `e2e`
 * (test/e2e/*.e2e.ts against the embedded Temporal + FerretDB that globalSetup starts).
 */
const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleFileExtensions: ['ts', 'js', 'json'],
};

module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
  testTimeout: 60_000,
  maxWorkers: 2,
  // A native handle left by a failed test must not hang CI; leaks are hunted with --detectOpenHandles.
  forceExit: true,
};
