/**
 * Jest: TypeScript is stripped by esbuild (support/esbuild-transform.js); `npm test` type-checks the
 * whole project with tsc first. Every shipped configuration is synthesized once per run, before any
 * suite starts (support/global-setup.js), and suites read that output.
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": "<rootDir>/__tests__/support/esbuild-transform.js" },
  setupFilesAfterEnv: ["<rootDir>/__tests__/support/jest-setup.js"],
  globalSetup: "<rootDir>/__tests__/support/global-setup.js",
  globalTeardown: "<rootDir>/__tests__/support/global-teardown.js",
  testTimeout: 120000,
  // Two cores: suites are dominated by synthesis, which is CPU-bound and independent per suite.
  maxWorkers: 2,
};
