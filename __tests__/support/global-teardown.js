/**
 * Jest global teardown: removes this run's index (global-setup.js) and, with
 * DR_SYNTH_CACHE=off, the run's throwaway cache. After a full run, forgets the
 * recorded variants no suite asked for (synth-cache.js recordConfig marks each
 * one used), so the next global setup does not synthesize them ahead.
 */
"use strict";
const fs = require("fs");
const path = require("path");
const { configsDir, mode } = require("./synth-cache");

module.exports = async function globalTeardown() {
  const index = process.env.DR_SHARED_SYNTH;
  if (index) fs.rmSync(path.dirname(index), { recursive: true, force: true });
  if (mode() === "off" && process.env.DR_SYNTH_CACHE_DIR) {
    fs.rmSync(process.env.DR_SYNTH_CACHE_DIR, { recursive: true, force: true });
    return;
  }
  const started = Number(process.env.DR_SYNTH_RUN_STARTED);
  if (process.env.DR_SYNTH_FULL_RUN && started && fs.existsSync(configsDir())) {
    for (const file of fs.readdirSync(configsDir())) {
      const full = path.join(configsDir(), file);
      if (fs.statSync(full).mtimeMs < started) fs.rmSync(full, { force: true });
    }
  }
};
