/**
 * Where the time of one synthesis goes, for the benchmark's explanation rows:
 * run it like the app (`node --max-semi-space-size=64 -r ./app/register.js
 * scripts/bench/synth-phases.js`, DR_ENV or DR_CONFIG selecting the
 * configuration, CDKTF_OUTDIR the output) and it prints one JSON line of CPU
 * milliseconds (user + system of this process) per phase:
 *
 * - boot: Node's start, before this script runs;
 * - load.<package>: module loading (compiling and running each module's top
 *   level), by package, own time only (a module's imports count for theirs);
 * - config: validating the configuration (zod and the semantic checks);
 * - constructs: building the construct tree (buildStacks);
 * - cdktf.prepare / cdktf.synthesize: cdktf's App.synth, per phase (prepare
 *   resolves every token once per element to find cross-stack references;
 *   synthesize resolves them again per element and the whole stack, then
 *   writes the JSON);
 * - checks: the layout check and the RTO/RPO budget check that app/synth.ts
 *   runs on the written output.
 *
 * The phases are app/synth.ts synthesizeInto's own steps, called in the same
 * order; the total is printed beside them, to compare with the measured run.
 */
"use strict";
const Module = require("module");
const path = require("path");

const ROOT = path.resolve(__dirname, "..", "..");
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const boot = cpu();
const phases = { boot };

// Module loading, by package, own time only.
const packageOf = (file) => {
  const m = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file);
  if (m) return m[1].replace(/\\/g, "/");
  const rel = path.relative(ROOT, file);
  return rel.startsWith("..") ? "other" : `project:${rel.split(path.sep)[0]}`;
};
const stack = [];
const loadModule = Module._load;
Module._load = function timedLoad(request, parent, isMain) {
  let file;
  try {
    file = Module._resolveFilename(request, parent, isMain);
  } catch {
    return loadModule.apply(this, arguments);
  }
  if (Module._cache[file] || !path.isAbsolute(file)) return loadModule.apply(this, arguments);
  const frame = { started: cpu(), children: 0 };
  stack.push(frame);
  try {
    return loadModule.apply(this, arguments);
  } finally {
    stack.pop();
    const inclusive = cpu() - frame.started;
    if (stack.length > 0) stack[stack.length - 1].children += inclusive;
    const key = `load.${packageOf(file)}`;
    phases[key] = (phases[key] ?? 0) + inclusive - frame.children;
  }
};

/** Runs fn, adding its CPU time minus the module loading inside it to phases[name]. */
function timed(name, fn) {
  const loadBefore = Object.entries(phases).filter(([k]) => k.startsWith("load.")).reduce((a, [, v]) => a + v, 0);
  const started = cpu();
  try {
    return fn();
  } finally {
    const loadAfter = Object.entries(phases).filter(([k]) => k.startsWith("load.")).reduce((a, [, v]) => a + v, 0);
    phases[name] = (phases[name] ?? 0) + cpu() - started - (loadAfter - loadBefore);
  }
}

const { loadConfig } = require(path.join(ROOT, "lib", "config", "load"));
const { config } = timed("config", () => loadConfig(process.env));
const { App, TerraformStack } = require(path.join(ROOT, "node_modules", "cdktf"));
const { StackSynthesizer } = require(path.join(ROOT, "node_modules", "cdktf", "lib", "synthesize", "synthesizer"));
const { buildStacks } = require(path.join(ROOT, "stacks"));
const synth = require(path.join(ROOT, "app", "synth"));
const { checkLayout, readSynthesizedApp } = require(path.join(ROOT, "app", "layout-check"));
const { stateLocation } = require(path.join(ROOT, "stacks", "backend"));

const prepare = TerraformStack.prototype.prepareStack;
TerraformStack.prototype.prepareStack = function timedPrepare() {
  return timed("cdktf.prepare", () => prepare.call(this));
};
const synthesize = StackSynthesizer.prototype.synthesize;
StackSynthesizer.prototype.synthesize = function timedSynthesize(session) {
  return timed("cdktf.synthesize", () => synthesize.call(this, session));
};

const outdir = process.env.CDKTF_OUTDIR || path.join(ROOT, "cdktf.out.phases");
// As synthesizeInto: no per-token stack traces (app/synth.ts skipTokenStackTraces).
require(path.join(ROOT, "node_modules", "cdktf", "lib", "tokens", "private", "stack-trace")).captureStackTrace = () => [];
const app = new App({ outdir, stackTraces: false });
const { plans } = timed("constructs", () => buildStacks(app, config));
timed("cdktf.other", () => app.synth());
phases["cdktf.other"] -= (phases["cdktf.prepare"] ?? 0) + (phases["cdktf.synthesize"] ?? 0);
timed("checks", () => {
  const planned = plans.map((plan) => ({ ...plan, stateLocation: stateLocation(config, plan.id, plan.stateRegion) }));
  const violations = checkLayout(planned, readSynthesizedApp(outdir));
  if (violations.length > 0) throw new Error(`layout violations: ${JSON.stringify(violations)}`);
  synth.checkBudget(config, outdir, "benchmark");
});
phases.total = cpu();
process.stdout.write(`${JSON.stringify(Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Math.round(v * 10) / 10])))}\n`);
