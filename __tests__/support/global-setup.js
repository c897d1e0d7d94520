/**
 * Jest global setup: synthesizes every shipped configuration (config/*.json)
 * once per test run, in this process (provider bindings loaded once), into a
 * fresh temporary directory, and tells the test workers where through
 * DR_SHARED_SYNTH (a JSON index: configuration hash -> output directory).
 * Suites read the JSON (support/synth.ts synthConfig); nothing is kept between
 * runs, so a test can never pass on a stale synthesis.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const os = require("os");
const path = require("path");

module.exports = async function globalSetup() {
  const root = path.resolve(__dirname, "..", "..");
  require(path.join(root, "app", "register.js"));
  const { validateConfig } = require(path.join(root, "lib", "config", "load"));
  const { synthesizeInto } = require(path.join(root, "app", "synth"));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-shared-synth-"));
  const index = {};
  const started = Date.now();
  for (const file of fs.readdirSync(path.join(root, "config")).filter((f) => f.endsWith(".json")).sort()) {
    const name = path.basename(file, ".json");
    const raw = JSON.parse(fs.readFileSync(path.join(root, "config", file), "utf8"));
    const config = validateConfig(raw, `${name}.json`);
    const out = path.join(dir, name);
    synthesizeInto(config, out);
    index[configKey(config)] = { name, outdir: out };
  }
  fs.writeFileSync(path.join(dir, "index.json"), JSON.stringify(index));
  process.env.DR_SHARED_SYNTH = path.join(dir, "index.json");
  if (process.env.DR_TEST_TIMINGS) process.stderr.write(`\nshared synthesis of ${Object.keys(index).length} configurations: ${Date.now() - started} ms\n`);
};

/** The key support/synth.ts looks a configuration up by. */
function configKey(config) {
  return crypto.createHash("sha256").update(JSON.stringify(config)).digest("hex");
}
module.exports.configKey = configKey;
