/**
 * Synthesizes shipped configurations in this process (for global-setup.js):
 *   node __tests__/support/synth-worker.js <outdir> <name>...
 * Prints one JSON line per configuration: { name, key, outdir }.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..", "..");
require(path.join(root, "app", "register.js"));
const { validateConfig } = require(path.join(root, "lib", "config", "load"));
const { synthesizeInto } = require(path.join(root, "app", "synth"));

const [outRoot, ...names] = process.argv.slice(2);
for (const name of names) {
  const raw = JSON.parse(fs.readFileSync(path.join(root, "config", `${name}.json`), "utf8"));
  const config = validateConfig(raw, `${name}.json`);
  const outdir = path.join(outRoot, name);
  synthesizeInto(config, outdir);
  const key = crypto.createHash("sha256").update(JSON.stringify(config)).digest("hex");
  process.stdout.write(`${JSON.stringify({ name, key, outdir })}\n`);
}
