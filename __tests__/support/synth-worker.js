/**
 * Synthesizes configurations into the tests' synthesis cache, in this process
 * (for global-setup.js):
 *   node __tests__/support/synth-worker.js <jobs.json>
 * where jobs.json is a list of { kind: "shipped", name } (config/<name>.json)
 * and { kind: "variant", key } (the configuration recorded by an earlier run,
 * see synth-cache.js). Prints one JSON line per job: { name?, key, outdir }.
 * A shipped configuration that fails to synthesize fails the process; a
 * recorded variant that fails is reported on stderr and skipped (the test that
 * asks for it synthesizes it again and fails there, with its own message).
 */
"use strict";
const fs = require("fs");
const path = require("path");
const { SynthCache, configKey, configsDir } = require("./synth-cache");

const root = path.resolve(__dirname, "..", "..");
require(path.join(root, "app", "register.js"));
const { validateConfig } = require(path.join(root, "lib", "config", "load"));
const { synthesizeInto } = require(path.join(root, "app", "synth"));

const cache = new SynthCache();
const jobs = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));

function synthesized(config, key, keepAssets) {
  return cache.lookup(key) ?? cache.synthesizeAndFile(key, (outdir) => synthesizeInto(config, outdir), { keepAssets });
}

for (const job of jobs) {
  if (job.kind === "shipped") {
    const raw = JSON.parse(fs.readFileSync(path.join(root, "config", `${job.name}.json`), "utf8"));
    const config = validateConfig(raw, `${job.name}.json`);
    const key = configKey(config);
    // Shipped configurations keep their assets: tests unzip the Lambda bundles.
    const outdir = synthesized(config, key, true);
    // The file's configuration hash under these sources, so that a warm run needs no validation (no process) to find it.
    if (outdir === cache.lookup(key)) fs.writeFileSync(cache.shippedAlias(job.name), JSON.stringify({ key }));
    process.stdout.write(`${JSON.stringify({ name: job.name, key, outdir })}\n`);
  } else {
    try {
      const config = JSON.parse(fs.readFileSync(path.join(configsDir(cache.root), `${job.key}.json`), "utf8"));
      if (configKey(config) !== job.key) throw new Error("the recorded configuration does not match its key");
      process.stdout.write(`${JSON.stringify({ key: job.key, outdir: synthesized(config, job.key, false) })}\n`);
    } catch (error) {
      process.stderr.write(`recorded variant ${job.key} not synthesized ahead: ${error.message.split("\n")[0]}\n`);
    }
  }
}
