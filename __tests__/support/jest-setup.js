/**
 * Runs before each suite (setupFilesAfterEnv): cdktf's jest matchers
 * (Testing.setupJest: toHaveResource, toPlanSuccessfully, ...), registered
 * without loading cdktf. Each suite has its own module registry, so loading
 * cdktf here cost every suite a tenth of a second, and most suites (the
 * Lambda, drill and configuration tests) never touch cdktf. The first use of a
 * matcher loads cdktf and calls its own setupJest, whose matchers then answer.
 */
"use strict";

const MATCHERS = [
  "toHaveResource",
  "toHaveResourceWithProperties",
  "toHaveDataSource",
  "toHaveDataSourceWithProperties",
  "toHaveProvider",
  "toHaveProviderWithProperties",
  "toBeValidTerraform",
  "toPlanSuccessfully",
];

let real;
/** cdktf's matchers, captured from the expect.extend call of its own setupJest. */
function cdktfMatchers() {
  if (!real) {
    const extend = expect.extend;
    expect.extend = (matchers) => {
      real = matchers;
      extend.call(expect, matchers);
    };
    try {
      require("cdktf").Testing.setupJest();
    } finally {
      expect.extend = extend;
    }
    const missing = MATCHERS.filter((name) => typeof real?.[name] !== "function");
    if (missing.length > 0) throw new Error(`cdktf's setupJest no longer defines ${missing.join(", ")}: update __tests__/support/jest-setup.js`);
  }
  return real;
}

expect.extend(
  Object.fromEntries(
    MATCHERS.map((name) => [
      name,
      function lazyCdktfMatcher(...args) {
        return cdktfMatchers()[name].apply(this, args);
      },
    ]),
  ),
);
