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
 * it left the base) plus uncommitted changes. When HEAD is already part of the base found that way (CI on the integration
 * branch itself), the base is HEAD's first parent, so the run covers the last commit or merge. When no base can be found
 * (a shallow clone without history), it warns and mutates nothing: the full run does not fit CI's time.
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
  const options = { ci: false, force: false, base: process.env.MUTATION_BASE || null, stryker: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--ci") options.ci = true;
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
    }
    // From scratch, with an incremental file of its own (the local one holds the full run's results).
    fs.rmSync(path.join(root, CI_INCREMENTAL), { force: true });
    strykerArgs.push("--mutate", selected.join(","), "--incrementalFile", CI_INCREMENTAL);
    checkArgs.push("--modules", selected.join(","));
  } else if (options.force) {
    strykerArgs.push("--force");
  }
  strykerArgs.push(...options.stryker);

  const started = Date.now();
  const status = run("npx", strykerArgs);
  console.log(`\nstryker: ${Math.round((Date.now() - started) / 1000)} s wall`);
  if (status !== 0) {
    console.error(`stryker exited with ${status}`);
    return status;
  }
  // A --mutate of one's own (working on one module) is checked on the modules it names.
  const own = options.stryker.indexOf("--mutate");
  if (!options.ci && own !== -1 && options.stryker[own + 1]) checkArgs.push("--modules", options.stryker[own + 1]);
  return run(process.execPath, checkArgs);
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(`test:mutation: ${error.message}`);
  process.exitCode = 2;
}
