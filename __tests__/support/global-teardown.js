/** Jest global teardown: removes the shared syntheses of global-setup.js. */
"use strict";
const fs = require("fs");
const path = require("path");

module.exports = async function globalTeardown() {
  const index = process.env.DR_SHARED_SYNTH;
  if (index) fs.rmSync(path.dirname(index), { recursive: true, force: true });
};
