/** Jest: ts-jest transpiles only (isolatedModules); `npm test` type-checks the whole project with tsc first. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.jest.json" }] },
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.js"],
  testTimeout: 120000,
  // Two cores: suites are dominated by synthesis, which is CPU-bound and independent per suite.
  maxWorkers: 2,
};
