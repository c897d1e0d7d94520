/**
 * Jest global setup: synthesizes every shipped configuration (config/*.json)
 * once per test run, into a fresh temporary directory, in two processes
 * (each loads the provider bindings once and synthesizes half of the
 * configurations), and tells the test workers where through DR_SHARED_SYNTH
 * (a JSON index: configuration hash -> output directory). Suites read the
 * JSON (support/synth.ts synthConfig); nothing is kept between runs, so a
 * test can never pass on a stale synthesis.
 */
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawn } = require("child_process");

const WORKERS = 2;

function run(outRoot, names) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--max-semi-space-size=64", path.join(__dirname, "synth-worker.js"), outRoot, ...names], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`synthesis of ${names.join(", ")} failed:\n${stderr}`));
      else resolve(stdout.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line)));
    });
  });
}

module.exports = async function globalSetup() {
  const root = path.resolve(__dirname, "..", "..");
  const names = fs.readdirSync(path.join(root, "config")).filter((f) => f.endsWith(".json")).map((f) => path.basename(f, ".json")).sort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-shared-synth-"));
  const started = Date.now();
  const shares = Array.from({ length: WORKERS }, (_, w) => names.filter((_, i) => i % WORKERS === w)).filter((s) => s.length > 0);
  const results = (await Promise.all(shares.map((share) => run(dir, share)))).flat();
  const index = Object.fromEntries(results.map((r) => [r.key, { name: r.name, outdir: r.outdir }]));
  fs.writeFileSync(path.join(dir, "index.json"), JSON.stringify(index));
  process.env.DR_SHARED_SYNTH = path.join(dir, "index.json");
  if (process.env.DR_TEST_TIMINGS) process.stderr.write(`\nshared synthesis of ${results.length} configurations: ${Date.now() - started} ms\n`);
};
