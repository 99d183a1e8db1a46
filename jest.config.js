/** Unit specs (`*.spec.ts`) and real-stack tests (`*.e2e.ts`) share one run and one embedded stack. */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testMatch: ['<rootDir>/test/**/*.spec.ts', '<rootDir>/test/**/*.e2e.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
  // A native handle left by a failed test must not hang CI; leaks are hunted with --detectOpenHandles.
  forceExit: true,
};
