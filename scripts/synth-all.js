#!/usr/bin/env node
/**
 * Synthesizes every configuration file under config/ with the app command of
 * cdktf.json, each into its own temporary directory, and fails if any fails.
 * Prints one line per configuration: its stacks and how long it took.
 */
const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawnSync } = require("child_process");

const root = path.resolve(__dirname, "..");
const app = JSON.parse(fs.readFileSync(path.join(root, "cdktf.json"), "utf8")).app;
const files = fs.readdirSync(path.join(root, "config")).filter((f) => f.endsWith(".json")).sort();
const work = fs.mkdtempSync(path.join(os.tmpdir(), "dr-synth-all-"));
let failed = 0;
for (const file of files) {
  const outdir = path.join(work, path.basename(file, ".json"));
  const started = process.hrtime.bigint();
  const result = spawnSync(app, {
    cwd: root,
    shell: true,
    encoding: "utf8",
    env: { ...process.env, DR_CONFIG: path.join(root, "config", file), CDKTF_OUTDIR: outdir },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    failed += 1;
    process.stdout.write(`FAIL config/${file} (${seconds.toFixed(1)} s)\n${result.stderr}${result.stdout}\n`);
    continue;
  }
  const stacks = fs.readdirSync(path.join(outdir, "stacks")).sort();
  process.stdout.write(`ok   config/${file}: ${stacks.length} stacks in ${seconds.toFixed(1)} s (${stacks.join(", ")})\n`);
}
fs.rmSync(work, { recursive: true, force: true });
process.stdout.write(`${files.length - failed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
