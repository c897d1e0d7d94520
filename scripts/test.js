#!/usr/bin/env node
/**
 * npm test: the type-check (tsc --noEmit) and the jest suites, side by side.
 * tsc is single-threaded and jest's global setup synthesizes the shipped
 * configurations first, so running them together costs no extra wall time on
 * two cores. Fails if either fails; arguments go to jest (npm test -- -t name).
 */
"use strict";
const path = require("path");
const { spawn } = require("child_process");

const root = path.resolve(__dirname, "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);

function run(command, args, label) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: label === "jest" ? "inherit" : ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout?.on("data", (d) => (output += d));
    child.stderr?.on("data", (d) => (output += d));
    child.on("close", (code) => resolve({ label, code: code ?? 1, output }));
  });
}

Promise.all([run(bin("tsc"), ["--noEmit"], "tsc"), run(bin("jest"), process.argv.slice(2), "jest")]).then((results) => {
  const tsc = results.find((r) => r.label === "tsc");
  if (tsc.output.trim()) process.stdout.write(`\n${tsc.output}`);
  process.stdout.write(`tsc --noEmit: ${tsc.code === 0 ? "no type errors" : "FAILED"}\n`);
  process.exit(results.every((r) => r.code === 0) ? 0 : 1);
});
