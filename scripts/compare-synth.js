#!/usr/bin/env node
/**
 * Proves that a refactoring left the synthesized output alone.
 *
 *   node scripts/compare-synth.js --reference DIR [config ...]
 *   node scripts/compare-synth.js --write-reference DIR [config ...]
 *
 * With --write-reference, synthesizes each configuration (default: every
 * config/*.json) with the app command of cdktf.json into DIR/<name>. Run it
 * at the commit to compare against (for example on a checkout of the branch
 * point).
 *
 * With --reference, synthesizes each configuration of this checkout into a
 * temporary directory and compares it with DIR/<name>, file by file:
 *
 * - every file other than a Lambda bundle must be byte-identical: manifest,
 *   cdk.tf.json of every stack, the canary zip;
 * - Lambda bundles (assets/<function>_code_zip_*) may differ: their zip, the
 *   hash that names the asset's directory, and the attributes of the uploaded
 *   object that point at it (source, key, source_hash);
 * - in cdk.tf.json those attributes are masked, and then the files must be
 *   byte-identical; a file that still differs is reported with the differing
 *   JSON paths, classified: an environment variable that the function no longer
 *   receives is accepted only when the function's own configuration loader,
 *   given the old and the new environment, yields the same configuration
 *   (it was a default repeated by the infrastructure).
 *
 * Exits 0 when every configuration compares clean, 1 otherwise.
 */
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawnSync } = require("child_process");
const { isDeepStrictEqual } = require("util");

const ROOT = path.resolve(__dirname, "..");
const APP = JSON.parse(fs.readFileSync(path.join(ROOT, "cdktf.json"), "utf8")).app;

/** The functions' configuration loaders, by the function name's purpose, for the environment check. */
const LOADERS = {
  "health-monitor": () => require(path.join(ROOT, "lambda/health-monitor/config")).loadMonitorConfig,
  "failover-orchestrator": () => require(path.join(ROOT, "lambda/failover-orchestrator/config")).loadOrchestratorConfig,
  "transaction-processor": () => require(path.join(ROOT, "lambda/transaction-processor/config")).loadProcessorConfig,
};

function parseArgs(argv) {
  const args = { configs: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--reference") args.reference = argv[++i];
    else if (argv[i] === "--write-reference") args.write = argv[++i];
    else args.configs.push(argv[i]);
  }
  if (!args.reference === !args.write) {
    process.stderr.write("usage: compare-synth.js (--reference DIR | --write-reference DIR) [config ...]\n");
    process.exit(2);
  }
  if (args.configs.length === 0) {
    args.configs = fs.readdirSync(path.join(ROOT, "config")).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort();
  }
  return args;
}

function synthesize(name, outdir) {
  const file = fs.existsSync(name) ? path.resolve(name) : path.join(ROOT, "config", `${name}.json`);
  const result = spawnSync(APP, {
    cwd: ROOT,
    shell: true,
    encoding: "utf8",
    env: { ...process.env, DR_CONFIG: file, DR_ENV: "", CDKTF_OUTDIR: outdir },
  });
  if (result.status !== 0) throw new Error(`synthesis of ${name} failed:\n${result.stderr}${result.stdout}`);
}

function listFiles(dir, base = dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full, base));
    else out.push(path.relative(base, full));
  }
  return out.sort();
}

const LAMBDA_ASSET = /^(stacks\/[^/]+\/assets\/[^/]*_code_zip_[0-9A-F]{8})\/[0-9a-f]{64}\/([^/]+\.zip)$/;

/** A Lambda bundle's path with its content hash masked; other paths as they are. */
function maskedPath(file) {
  const m = LAMBDA_ASSET.exec(file);
  return m ? `${m[1]}/<hash>/${m[2]}` : file;
}

/** cdk.tf.json with the attributes that point at a Lambda bundle masked. */
function maskedStack(text) {
  return text
    .replace(/("(?:filename|source)": "assets\/[^"]*_code_zip_[0-9A-F]{8}\/)[0-9a-f]{64}(\/[^"]+\.zip")/g, "$1<hash>$2")
    .replace(/("key": "unsigned\/[^"/]+\/)[0-9a-f]{64}(\.zip")/g, "$1<hash>$2")
    .replace(/("source_hash": ")[0-9a-f]{64}(")/g, "$1<hash>$2")
    .replace(/("source_code_hash": ")[A-Za-z0-9+/=]{44}(")/g, "$1<hash>$2");
}

/** JSON paths where two values differ. */
function differences(a, b, at = "") {
  if (isDeepStrictEqual(a, b)) return [];
  if (a && b && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => differences(a[k], b[k], `${at}.${k}`));
  }
  return [{ path: at, before: a, after: b }];
}

/** A dropped variable is accepted when the function's loader gives the same configuration without it. */
function droppedDefaultsOnly(functionName, before, after, region) {
  const purpose = Object.keys(LOADERS).find((p) => functionName.includes(p));
  if (!purpose) return `no configuration loader known for ${functionName}`;
  const added = Object.keys(after).filter((k) => !(k in before));
  const changed = Object.keys(after).filter((k) => k in before && before[k] !== after[k]);
  if (added.length > 0 || changed.length > 0) return `variables added or changed: ${[...added, ...changed].join(", ")}`;
  if (Object.values(before).some((v) => typeof v !== "string" || v.includes("${"))) {
    // References (ARNs of resources) cannot be loaded; they must be identical, which they are (none changed).
  }
  const resolvable = (env) =>
    Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.includes("${") ? `arn:aws:${k === "TOPIC_ARN" ? "sns" : "states"}:${region}:123456789012:placeholder` : v]));
  const load = LOADERS[purpose]();
  const old = load({ ...resolvable(before), AWS_REGION: region });
  const now = load({ ...resolvable(after), AWS_REGION: region });
  return isDeepStrictEqual(old, now) ? undefined : `the ${purpose} configuration differs without the dropped variables`;
}

function compareStackJson(file, beforeText, afterText, notes) {
  const before = JSON.parse(beforeText);
  const after = JSON.parse(afterText);
  const region = (before.provider?.aws ?? []).find((p) => p.alias === undefined)?.region ?? "us-east-1";
  const problems = [];
  const functionsChecked = new Set();
  for (const d of differences(before, after)) {
    const m = /^\.resource\.aws_lambda_function\.([^.]+)\.environment\.variables\.([A-Z0-9_]+)$/.exec(d.path);
    if (m && d.after === undefined) {
      const fn = m[1];
      if (!functionsChecked.has(fn)) {
        functionsChecked.add(fn);
        const env = (j) => j.resource.aws_lambda_function[fn].environment.variables;
        const why = droppedDefaultsOnly(fn, env(before), env(after), region);
        if (why) problems.push(`${file}: ${fn}: ${why}`);
      }
      notes.push(`${file}: ${fn} no longer receives ${m[2]}=${JSON.stringify(d.before)} (the function's own default)`);
      continue;
    }
    problems.push(`${file}: ${d.path}: ${JSON.stringify(d.before)} -> ${JSON.stringify(d.after)}`);
  }
  // Same values but different bytes: key order or formatting changed.
  if (problems.length === 0 && notes.length === 0 && beforeText !== afterText) problems.push(`${file}: same JSON, different bytes (key order)`);
  return problems;
}

function compare(name, reference, candidate) {
  const problems = [];
  const notes = [];
  const lambdaAssets = [];
  const refFiles = new Map(listFiles(reference).map((f) => [maskedPath(f), f]));
  const newFiles = new Map(listFiles(candidate).map((f) => [maskedPath(f), f]));
  for (const key of new Set([...refFiles.keys(), ...newFiles.keys()])) {
    const a = refFiles.get(key);
    const b = newFiles.get(key);
    if (!a || !b) {
      problems.push(`${key}: ${a ? "missing now" : "new"}`);
      continue;
    }
    const before = fs.readFileSync(path.join(reference, a));
    const after = fs.readFileSync(path.join(candidate, b));
    if (LAMBDA_ASSET.test(a)) {
      lambdaAssets.push(`${key}: ${before.length} -> ${after.length} bytes${before.equals(after) ? " (identical)" : ""}`);
      continue;
    }
    if (before.equals(after)) continue;
    if (a.endsWith("cdk.tf.json")) {
      const maskedBefore = maskedStack(before.toString("utf8"));
      const maskedAfter = maskedStack(after.toString("utf8"));
      if (maskedBefore === maskedAfter) continue;
      problems.push(...compareStackJson(a, maskedBefore, maskedAfter, notes));
    } else {
      problems.push(`${a}: differs`);
    }
  }
  return { problems, notes, lambdaAssets };
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.write) {
    for (const name of args.configs) {
      const out = path.join(path.resolve(args.write), path.basename(name, ".json"));
      fs.rmSync(out, { recursive: true, force: true });
      synthesize(name, out);
      process.stdout.write(`wrote ${out}\n`);
    }
    return 0;
  }
  require(path.join(ROOT, "app", "register.js"));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "dr-compare-"));
  let failed = 0;
  try {
    for (const name of args.configs) {
      const base = path.basename(name, ".json");
      const reference = path.join(path.resolve(args.reference), base);
      const candidate = path.join(work, base);
      synthesize(name, candidate);
      const { problems, notes, lambdaAssets } = compare(base, reference, candidate);
      const status = problems.length > 0 ? "DIFFERENT" : notes.length > 0 ? "accepted" : "identical";
      process.stdout.write(
        `${status.padEnd(9)} ${base}: ${listFiles(candidate).length} files; ${lambdaAssets.length} Lambda bundles (allowed to differ); ${new Set(notes).size} accepted differences\n`,
      );
      for (const n of [...new Set(notes)]) process.stdout.write(`  accepted: ${n}\n`);
      for (const p of problems) process.stdout.write(`  ${p}\n`);
      if (process.env.COMPARE_VERBOSE) for (const l of lambdaAssets) process.stdout.write(`  bundle: ${l}\n`);
      if (problems.length > 0) failed++;
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(`${args.configs.length - failed} of ${args.configs.length} configurations compare clean\n`);
  return failed === 0 ? 0 : 1;
}

process.exit(main());
