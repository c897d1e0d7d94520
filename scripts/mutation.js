#!/usr/bin/env node
/**
 * Mutation testing of the decision modules (docs/testing.md, "Mutation testing").
 *
 *   npm run test:mutation                 Stryker over every module of stryker.config.json's mutate list, then the
 *                                         per-module thresholds (scripts/mutation-check.js). Stryker's incremental
 *                                         file (reports/mutation/stryker-incremental.json, not committed) lets a
 *                                         second run re-test only what changed since the first.
 *   npm run test:mutation -- --force      the same, re-testing every mutant (the full run).
 *   npm run test:mutation:ci              CI: only the decision modules (the mutate list) that changed relative to a
 *     [-- --base <ref>]                   base ref, from scratch, then the thresholds on those modules. Passes, without
 *                                         running Stryker, when no decision module changed.
 *
 * The base ref of --ci: --base <ref>, else $MUTATION_BASE, else the first of origin/main, main, origin/protocol,
 * protocol that exists. The changed files are `git diff --name-only <base>...HEAD` (what the branch changed since
 * it left the base) plus uncommitted changes. The changed modules are mutated whole when they hold at most
 * MUTATION_CI_MAX_LINES (500) non-blank lines together (any one module fits; about one mutant a line: lock.ts and traffic.ts, 372 mutants, took 7 min 15 s on two shared cores),
 * and only at the lines the change added or changed otherwise (a large merge), so that CI stays within its time. When HEAD is already part of the base found that way (CI on the integration
 * branch itself), the base is HEAD's first parent, so the run covers the last commit or merge. When no base can be found
 * (a shallow clone without history), it warns and mutates nothing: the full run does not fit CI's time.
 *
 * --dry-run prints the Stryker and check commands without running them.
 *
 * Reports: reports/mutation/mutation.html and mutation.json (reports/ is not committed). Other arguments go to
 * Stryker (e.g. --concurrency 1, --mutate lambda/shared/lock.ts, --logLevel debug).
 */
"use strict";
const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");

const root = path.resolve(__dirname, "..");
const CONFIG = path.join(root, "stryker.config.json");
const CI_INCREMENTAL = path.join("reports", "mutation", "stryker-incremental-ci.json");

function parseArgs(argv) {
  const options = { ci: false, force: false, dryRun: false, base: process.env.MUTATION_BASE || null, stryker: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--ci") options.ci = true;
    else if (a === "--dry-run") options.dryRun = true;
    else if (a === "--force") options.force = true;
    else if (a === "--base") {
      options.base = argv[++i];
      if (!options.base) throw new Error("--base needs a git ref");
    } else if (a.startsWith("--base=")) options.base = a.slice("--base=".length);
    else options.stryker.push(a);
  }
  return options;
}

function git(args) {
  const result = spawnSync("git", args, { cwd: root, encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : null;
}

const resolves = (ref) => git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]) !== null;

/** The ref --ci compares against, and why; null when none can be found. */
function baseRef(requested) {
  if (requested) {
    if (!resolves(requested)) throw new Error(`--base ${requested}: no such commit`);
    return requested;
  }
  const found = ["origin/main", "main", "origin/protocol", "protocol"].find(resolves);
  return found ?? null;
}

/** Decision modules (paths of the mutate list) changed relative to base; null when the comparison cannot be made. */
function changedModules(mutate, requestedBase) {
  let base = baseRef(requestedBase);
  if (base !== null) {
    const mergeBase = git(["merge-base", base, "HEAD"]);
    const head = git(["rev-parse", "HEAD"]);
    // HEAD is part of the found base: CI on the integration branch itself. Compare with HEAD's first parent instead.
    // (A base given with --base is taken as it is: HEAD itself means nothing changed.)
    if (!requestedBase && mergeBase !== null && mergeBase === head) base = resolves("HEAD^1") ? "HEAD^1" : null;
  } else if (resolves("HEAD^1")) {
    base = "HEAD^1";
  }
  if (base === null) return { base: null, modules: null };
  const committed = git(["diff", "--name-only", `${base}...HEAD`]);
  if (committed === null) return { base, modules: null };
  const uncommitted = git(["diff", "--name-only", "HEAD"]) ?? "";
  const changed = new Set([...committed.split("\n"), ...uncommitted.split("\n")].filter(Boolean));
  return { base, modules: mutate.filter((file) => changed.has(file)) };
}

/** Non-blank lines of a file, or of lines start..end of it (about one mutant each: 1863 mutants in 1611 such lines of eight decision modules). */
function weight(file, start = 1, end = Infinity) {
  return fs
    .readFileSync(path.join(root, file), "utf8")
    .split("\n")
    .slice(start - 1, end)
    .filter((l) => l.trim() !== "").length;
}

/** The line ranges (new side) a diff against base added or changed in file: Stryker's "file:start-end" entries and their weight. */
function changedRanges(base, file) {
  const committed = git(["diff", "-U0", `${base}...HEAD`, "--", file]) ?? "";
  const uncommitted = git(["diff", "-U0", "HEAD", "--", file]) ?? "";
  // Uncommitted hunks are relative to HEAD, committed ones to the merge base: with both, take the whole file.
  if (committed && uncommitted) return [{ entry: file, lines: weight(file) }];
  const ranges = [];
  for (const match of (committed || uncommitted).matchAll(/^@@ -\S+ \+(\d+)(?:,(\d+))? @@/gm)) {
    const start = Number(match[1]);
    const count = match[2] === undefined ? 1 : Number(match[2]);
    if (count > 0) ranges.push({ entry: `${file}:${start}-${start + count - 1}`, lines: weight(file, start, start + count - 1) });
  }
  return ranges;
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit" });
  return result.status ?? 1;
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const config = JSON.parse(fs.readFileSync(CONFIG, "utf8"));
  const mutate = (config.mutate ?? []).filter((f) => !f.startsWith("!"));
  const strykerArgs = ["stryker", "run", path.relative(root, CONFIG)];
  const checkArgs = [path.join(__dirname, "mutation-check.js")];

  if (options.ci) {
    const { base, modules } = changedModules(mutate, options.base);
    let selected;
    if (modules === null) {
      // A shallow clone without the base or a parent. The full run does not fit CI's time (docs/testing.md).
      console.warn(
        `test:mutation:ci: WARNING: cannot tell which decision modules changed (${base ? `no diff with ${base}` : "no base ref and no parent commit"}; ` +
          "a shallow clone?). Nothing mutated: fetch the history or pass --base <ref>.",
      );
      return 0;
    } else if (modules.length === 0) {
      console.log(`test:mutation:ci: no decision module changed relative to ${base}; nothing to mutate`);
      return 0;
    } else {
      console.log(`test:mutation:ci: decision modules changed relative to ${base}:\n${modules.map((m) => `  ${m}`).join("\n")}`);
      selected = modules;
      const lines = modules.reduce((sum, m) => sum + weight(m), 0);
      const max = Number(process.env.MUTATION_CI_MAX_LINES ?? 500);
      if (lines > max) {
        // Too much for CI's time as whole modules: the lines the change added or changed in them (the full run, locally, covers the rest).
        const ranges = modules.flatMap((m) => changedRanges(base, m));
        const changedLines = ranges.reduce((sum, r) => sum + r.lines, 0);
        console.log(`test:mutation:ci: ${lines} lines in those modules, more than ${max} (MUTATION_CI_MAX_LINES): mutating the ${changedLines} changed lines only`);
        // Still more than CI's time allows (a long-lived branch): the changed lines in the mutate list's order, up to the budget.
        let budget = max;
        const left = [];
        selected = [];
        for (const r of ranges) {
          if (r.lines <= budget) {
            selected.push(r.entry);
            budget -= r.lines;
          } else left.push(r.entry);
        }
        if (left.length > 0) {
          console.warn(`test:mutation:ci: WARNING: over CI's budget, not mutated here (run npm run test:mutation): ${left.join(", ")}`);
        }
        // A module whose changed lines hold no mutant is not in the report.
        checkArgs.push("--allow-missing");
        if (selected.length === 0) {
          console.log("test:mutation:ci: the change only removed lines; nothing to mutate");
          return 0;
        }
      }
    }
    // From scratch, with an incremental file of its own (the local one holds the full run's results).
    fs.rmSync(path.join(root, CI_INCREMENTAL), { force: true });
    strykerArgs.push("--mutate", selected.join(","), "--incrementalFile", CI_INCREMENTAL);
    checkArgs.push("--modules", modules.join(","));
  } else if (options.force) {
    strykerArgs.push("--force");
  }
  strykerArgs.push(...options.stryker);
  // A --mutate of one's own (working on one module) is checked on the modules it names.
  const own = options.stryker.indexOf("--mutate");
  if (!options.ci && own !== -1 && options.stryker[own + 1]) checkArgs.push("--modules", options.stryker[own + 1]);

  if (options.dryRun) {
    console.log(`would run: npx ${strykerArgs.join(" ")}\nthen: node ${checkArgs.map((a) => path.relative(root, a) || a).join(" ")}`);
    return 0;
  }
  const started = Date.now();
  const status = run("npx", strykerArgs);
  console.log(`\nstryker: ${Math.round((Date.now() - started) / 1000)} s wall`);
  if (status !== 0) {
    console.error(`stryker exited with ${status}`);
    return status;
  }
  return run(process.execPath, checkArgs);
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(`test:mutation: ${error.message}`);
  process.exitCode = 2;
}
