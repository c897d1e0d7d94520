#!/usr/bin/env node
/**
 * The per-module thresholds of the mutation run (npm run test:mutation runs Stryker, then this).
 * Reads Stryker's JSON report (mutation-testing-report-schema), prints one row per mutated module
 * (score, killed, timeout, survived, no coverage, ignored) and the total, and exits 1 when a module
 * scores under --min-module (80) or the total under --min-total (85), or when a module that
 * stryker.config.json mutates (or that --modules names) is missing from the report. A module under
 * --target (85, the goal of every module) but not under --min-module is listed as a warning.
 *
 * Score, as Stryker computes it: (killed + timeout) / (killed + timeout + survived + no coverage).
 * Ignored mutants (log message text, stryker/ignore-log-messages.mjs) and mutants that do not
 * compile are not counted either way.
 *
 * --report takes several reports separated by commas (runs of different modules, for example one per module when
 * they ran side by side): a module's result comes from the last report that holds it.
 *
 *   node scripts/mutation-check.js [--report reports/mutation/mutation.json[,more.json...]] [--min-module 80] [--min-total 85]
 *                                  [--target 85] [--modules a.ts,b.ts] [--allow-missing] [--markdown] [--survivors [path-substring]]
 */
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");

function parseArgs(argv) {
  const args = { report: "reports/mutation/mutation.json", minModule: 80, minTotal: 85, target: 85, modules: null, allowMissing: false, markdown: false, survivors: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--report") args.report = value();
    else if (a === "--min-module") args.minModule = Number(value());
    else if (a === "--min-total") args.minTotal = Number(value());
    else if (a === "--target") args.target = Number(value());
    else if (a === "--modules") args.modules = value().split(",").map((m) => m.trim().replace(/:[0-9].*$/, "")).filter(Boolean);
    else if (a === "--allow-missing") args.allowMissing = true;
    else if (a === "--markdown") args.markdown = true;
    else if (a === "--survivors") args.survivors = argv[i + 1] && !argv[i + 1].startsWith("--") ? argv[++i] : "";
    else throw new Error(`unknown argument ${a}`);
  }
  for (const [name, v] of [["--min-module", args.minModule], ["--min-total", args.minTotal], ["--target", args.target]]) {
    if (!Number.isFinite(v) || v < 0 || v > 100) throw new Error(`${name} must be a percentage, got ${v}`);
  }
  return args;
}

const DETECTED = new Set(["Killed", "Timeout"]);
const UNDETECTED = new Set(["Survived", "NoCoverage"]);

/** Counts of one module's mutants by status, and its score (null when nothing counts). */
function tally(mutants) {
  const count = (status) => mutants.filter((m) => m.status === status).length;
  const row = {
    mutants: mutants.length,
    killed: count("Killed"),
    timeout: count("Timeout"),
    survived: count("Survived"),
    noCoverage: count("NoCoverage"),
    ignored: count("Ignored"),
    errors: count("CompileError") + count("RuntimeError"),
  };
  const detected = mutants.filter((m) => DETECTED.has(m.status)).length;
  const valid = detected + mutants.filter((m) => UNDETECTED.has(m.status)).length;
  return { ...row, score: valid === 0 ? null : (detected / valid) * 100 };
}

function pct(score) {
  return score === null ? "n/a" : `${score.toFixed(1)} %`;
}

function table(rows, markdown) {
  const header = ["module", "score", "killed", "timeout", "survived", "no coverage", "ignored", "mutants"];
  const cells = rows.map((r) => [r.name, pct(r.score), r.killed, r.timeout, r.survived, r.noCoverage, r.ignored, r.mutants].map(String));
  if (markdown) {
    const line = (c) => `| ${c.join(" | ")} |`;
    return [line(header), line(header.map((h, i) => (i === 0 ? "---" : "---:"))), ...cells.map(line)].join("\n");
  }
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n");
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const files = {};
  for (const reportName of args.report.split(",")) {
    const reportPath = path.resolve(root, reportName);
    if (!fs.existsSync(reportPath)) {
      console.error(`mutation-check: no report at ${reportName}; run npm run test:mutation first`);
      process.exit(2);
    }
    Object.assign(files, JSON.parse(fs.readFileSync(reportPath, "utf8")).files ?? {});
  }
  const rows = Object.keys(files)
    .filter((name) => args.modules === null || args.modules.includes(name))
    .sort()
    .map((name) => ({ name, ...tally(files[name].mutants ?? []) }));
  const total = { name: "total", ...tally(rows.flatMap((r) => files[r.name].mutants ?? [])) };
  console.log(table([...rows, total], args.markdown));

  if (args.survivors !== null) {
    console.log("\nundetected mutants:");
    for (const name of rows.map((r) => r.name).filter((n) => n.includes(args.survivors))) {
      for (const m of files[name].mutants.filter((x) => UNDETECTED.has(x.status))) {
        const at = `${name}:${m.location.start.line}:${m.location.start.column}`;
        console.log(`  ${m.status === "NoCoverage" ? "no coverage" : "survived   "} ${at} ${m.mutatorName}: ${JSON.stringify(m.replacement ?? "")}`);
      }
    }
  }

  const failures = [];
  const configured = args.modules ?? JSON.parse(fs.readFileSync(path.join(root, "stryker.config.json"), "utf8")).mutate ?? [];
  for (const file of args.allowMissing ? [] : configured.filter((f) => !f.startsWith("!") && !/[*?{[:]/.test(f))) {
    if (!(file in files)) failures.push(`${file} is in stryker.config.json's mutate list but not in the report`);
  }
  for (const r of rows) {
    if (r.score !== null && r.score < args.minModule) failures.push(`${r.name}: ${pct(r.score)} is under ${args.minModule} %`);
  }
  if (total.score !== null && total.score < args.minTotal) failures.push(`total: ${pct(total.score)} is under ${args.minTotal} %`);
  const below = rows.filter((r) => r.score !== null && r.score >= args.minModule && r.score < args.target);
  if (below.length > 0) console.warn(`\nmutation-check: under the ${args.target} % goal: ${below.map((r) => `${r.name} ${pct(r.score)}`).join(", ")}`);
  if (failures.length > 0) {
    console.error(`\nmutation-check: FAILED\n${failures.map((f) => `  - ${f}`).join("\n")}`);
    process.exit(1);
  }
  console.log(`\nmutation-check: every module at or above ${args.minModule} %, total ${pct(total.score)} (at least ${args.minTotal} %)`);
}

try {
  main();
} catch (error) {
  console.error(`mutation-check: ${error.message}`);
  process.exit(2);
}
