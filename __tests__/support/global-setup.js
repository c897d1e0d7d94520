/**
 * Jest global setup: makes sure every shipped configuration (config/*.json)
 * is in the tests' synthesis cache (synth-cache.js) before any suite starts,
 * and, in a full run, every variant the previous full run synthesized too, so
 * that suites read JSON instead of each synthesizing (and loading every
 * provider binding) on its own. What is missing is synthesized in two
 * processes (two cores), each loading the provider bindings once; what the
 * cache holds under the current sources is used as it is (a warm entry is the
 * output the same sources would give, see synth-cache.js).
 *
 * Tells the workers where through the environment: DR_SHARED_SYNTH (a JSON
 * index of this run: configuration hash -> { name, outdir }) and
 * DR_SYNTH_SOURCE_HASH (the sources' hash, taken once here).
 */
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawn } = require("child_process");
const { SynthCache, configsDir, mode, sourceHash, throwawayRoot } = require("./synth-cache");

const WORKERS = 2;

function run(jobsFile) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--max-semi-space-size=64", path.join(__dirname, "synth-worker.js"), jobsFile], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`synthesis for the tests failed:\n${stderr}`));
      else {
        const notes = stderr.split("\n").filter((line) => line.startsWith("recorded variant "));
        if (notes.length > 0 && process.env.DR_TEST_TIMINGS) process.stderr.write(`${notes.join("\n")}\n`);
        resolve(stdout.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line)));
      }
    });
  });
}

/** A run of every suite, with no filter: only such a run says which variants the suites use. */
function isFullRun(globalConfig) {
  if (!globalConfig) return false;
  return (
    !globalConfig.testPathPattern &&
    !globalConfig.testNamePattern &&
    !globalConfig.onlyChanged &&
    !globalConfig.onlyFailures &&
    !globalConfig.findRelatedTests &&
    !globalConfig.changedSince &&
    !globalConfig.lastCommit &&
    !globalConfig.shard &&
    (globalConfig.nonFlagArgs ?? []).length === 0
  );
}

module.exports = async function globalSetup(globalConfig) {
  const started = Date.now();
  const root = path.resolve(__dirname, "..", "..");
  if (mode() === "off") process.env.DR_SYNTH_CACHE_DIR = throwawayRoot();
  const cache = new SynthCache(sourceHash());
  process.env.DR_SYNTH_SOURCE_HASH = cache.hash;
  process.env.DR_SYNTH_RUN_STARTED = String(started);
  process.env.DR_SYNTH_FULL_RUN = isFullRun(globalConfig) ? "1" : "";
  cache.prune(1);
  const dropped = cache.verify();

  const names = fs.readdirSync(path.join(root, "config")).filter((f) => f.endsWith(".json")).map((f) => path.basename(f, ".json")).sort();
  const index = {};
  const jobs = [];
  for (const name of names) {
    const known = cache.shipped(name);
    if (known) index[known.key] = { name, outdir: known.outdir };
    else jobs.push({ kind: "shipped", name });
  }
  if (process.env.DR_SYNTH_FULL_RUN) {
    const recorded = fs.existsSync(configsDir()) ? fs.readdirSync(configsDir()).filter((f) => /^[0-9a-f]{64}\.json$/.test(f)) : [];
    for (const file of recorded.sort()) {
      const key = path.basename(file, ".json");
      if (!cache.lookup(key)) jobs.push({ kind: "variant", key });
    }
  }

  const work = fs.mkdtempSync(path.join(os.tmpdir(), "dr-shared-synth-"));
  if (jobs.length > 0) {
    const shares = Array.from({ length: WORKERS }, (_, w) => jobs.filter((_, i) => i % WORKERS === w)).filter((s) => s.length > 0);
    const results = (
      await Promise.all(
        shares.map((share, w) => {
          const file = path.join(work, `jobs-${w}.json`);
          fs.writeFileSync(file, JSON.stringify(share));
          return run(file);
        }),
      )
    ).flat();
    for (const r of results) if (r.name) index[r.key] = { name: r.name, outdir: r.outdir };
  }
  fs.writeFileSync(path.join(work, "index.json"), JSON.stringify(index));
  process.env.DR_SHARED_SYNTH = path.join(work, "index.json");
  if (process.env.DR_TEST_TIMINGS) {
    const variants = jobs.filter((j) => j.kind === "variant").length;
    const shipped = jobs.length - variants;
    process.stderr.write(
      `\nsynthesis cache ${cache.dir}: synthesized ${shipped} shipped and ${variants} recorded variant configurations, ` +
        `${names.length - shipped} shipped were cached${dropped.length ? `, ${dropped.length} altered entries dropped` : ""}: ${Date.now() - started} ms\n`,
    );
  }
};
