/**
 * Jest test runner for the mutation run: Jest's own runner, but it skips the test files that hold none of
 * the tests asked for by name.
 *
 * Stryker's Jest plugin runs a mutant's covering tests with `testNamePattern` (their full names). Jest
 * cannot know which file holds a name without loading the file, so it would load every test file of the
 * run (about half a second each here) for every mutant. This runner remembers, in its process, the full
 * names each test file reported the last time it ran (Stryker's initial run runs them all), and runs only
 * the files that hold a name the pattern matches, plus any file it has not seen yet. A file that holds a
 * covering test is always run, so a mutant's result is the same as without this runner; only files whose
 * tests would all have been skipped are left out.
 */
"use strict";
const TestRunner = require("jest-runner").default;

/** Test file path -> full names of its tests, as last reported (lives as long as the Stryker test-runner process). */
const namesByFile = new Map();

class CoveringFilesRunner extends TestRunner {
  async runTests(tests, watcher, options) {
    const pattern = this._globalConfig.testNamePattern;
    let selected = tests;
    if (pattern) {
      // The same test Jest's circus runner applies to each test's full name.
      const matches = new RegExp(pattern, "i");
      selected = tests.filter((test) => {
        const names = namesByFile.get(test.path);
        return names === undefined || names.some((name) => matches.test(name));
      });
    }
    const unsubscribe = this.on("test-file-success", ([test, result]) => {
      if (!result.testExecError) namesByFile.set(test.path, result.testResults.map((t) => t.fullName));
    });
    try {
      return await super.runTests(selected, watcher, options);
    } finally {
      unsubscribe();
    }
  }
}

module.exports = CoveringFilesRunner;
