#!/usr/bin/env node
/**
 * npm run budget [-- config/<name>.json ...]: the RTO/RPO budget of each
 * configuration (default: every file under config/), computed from its
 * synthesized Terraform JSON (lib/budget), as Markdown tables. Exits 1 when a
 * configuration misses its own targets (synthesis refuses those too), 2 on an
 * unknown option or a configuration file that is missing or invalid (one message,
 * no table).
 */
"use strict";
require("../app/register.js");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { ConfigError, loadConfig } = require("../lib/config/load");
const { budgetOptions, synthesizeInto } = require("../app/synth");
const { budgetsOf, budgetTable } = require("../lib/budget");
const { readSynthesized } = require("../lib/budget/extract");

const root = path.resolve(__dirname, "..");
const args = process.argv.slice(2);
const option = args.find((a) => a.startsWith("-"));
if (option !== undefined) {
  process.stderr.write(`npm run budget: unknown option ${option}; it takes configuration files only, e.g. npm run budget -- config/prod.json\n`);
  process.exit(2);
}
const files = args.length > 0 ? args : fs.readdirSync(path.join(root, "config")).filter((f) => f.endsWith(".json")).sort().map((f) => path.join("config", f));
/** Every file is read and validated before anything is printed: a bad one is one message and no tables. */
const configs = files.map((file) => {
  try {
    return { file, config: loadConfig({ DR_CONFIG: file }).config };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
});
let missed = 0;
for (const { file, config } of configs) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-budget-"));
  try {
    try {
      synthesizeInto(config, outdir, file);
    } catch (error) {
      // A budget refusal still leaves the stacks written: print the table that explains it.
      if (!fs.existsSync(path.join(outdir, "stacks"))) throw error;
    }
    const budgets = budgetsOf(readSynthesized(outdir), budgetOptions(config, file));
    console.log(`## ${file}\n`);
    for (const b of budgets) console.log(`${budgetTable(b)}\n`);
    if (!budgets.every((b) => b.meetsRto && b.meetsRpo)) missed++;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}
process.exit(missed > 0 ? 1 : 0);
