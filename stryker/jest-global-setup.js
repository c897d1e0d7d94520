/**
 * Global setup of the mutation run: the project's global setup (__tests__/support/global-setup.js
 * synthesizes every shipped configuration for the suites that read synthesized JSON), run once per
 * Stryker test-runner process. Stryker calls Jest once per mutant in the same process; the synthesis
 * (about 15 s) would otherwise be repeated for every mutant. The synthesis comes from the initial,
 * unmutated run: the mutated modules decide nothing at synthesis that these suites read back.
 */
"use strict";
const fs = require("fs");
const path = require("path");
const projectSetup = require("../__tests__/support/global-setup.js");

let shared; // the index file of this process's synthesis

module.exports = async function globalSetup(globalConfig, projectConfig) {
  if (shared && fs.existsSync(shared)) {
    process.env.DR_SHARED_SYNTH = shared;
    return;
  }
  await projectSetup(globalConfig, projectConfig);
  shared = process.env.DR_SHARED_SYNTH;
  process.once("exit", () => fs.rmSync(path.dirname(shared), { recursive: true, force: true }));
};
