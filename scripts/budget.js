#!/usr/bin/env node
/**
 * npm run budget [-- config/<name>.json ...]: the RTO/RPO budget of each
 * configuration (default: every file under config/), computed from its
 * synthesized Terraform JSON (lib/budget), as Markdown tables. Exits 1 when a
 * configuration misses its own targets (synthesis refuses those too).
 */
"use strict";
require("../app/register.js");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { loadConfig } = require("../lib/config/load");
const { budgetOptions, synthesizeInto } = require("../app/synth");
const { budgetsOf, budgetTable } = require("../lib/budget");
const { readSynthesized } = require("../lib/budget/extract");

const root = path.resolve(__dirname, "..");
const files = process.argv.slice(2).length > 0 ? process.argv.slice(2) : fs.readdirSync(path.join(root, "config")).filter((f) => f.endsWith(".json")).sort().map((f) => path.join("config", f));
let missed = 0;
for (const file of files) {
  const { config } = loadConfig({ DR_CONFIG: file });
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
