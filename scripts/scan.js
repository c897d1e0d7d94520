#!/usr/bin/env node
/**
 * Compliance scan: checkov over the synthesized Terraform JSON of every stack.
 *
 *   node scripts/scan.js [config ...]      configurations by name (config/<name>.json) or path; default: dev prod
 *
 * 1. Creates (or reuses) the virtual environment .venv-scan/ from requirements-scan.txt.
 * 2. Synthesizes each configuration into a temporary directory with the app command of cdktf.json.
 * 3. Runs checkov (--framework terraform_json) on every stack directory, one root module at a time.
 * 4. Applies scan-suppressions.json: one check on one resource each, with a reason (checkov's terraform_json
 *    framework has no resource-scoped suppression of its own).
 * 5. Fails on any failed check, on any parsing error, on a stack with resources that produced no result
 *    although checkov has checks for some of their types, on a stale suppression, and when fewer checks passed
 *    than the floor (an empty or misdirected scan).
 * 6. Proves the scan bites: synthesizes __tests__/fixtures/insecure-stack.ts and requires checkov to fail
 *    the checks that fixture plants.
 *
 * Environment: SCAN_PYTHON (interpreter for the venv, default python3), SCAN_JOBS (parallel checkov
 * processes, default 2), SCAN_MIN_PASSED (override the floor), SCAN_KEEP=1 (keep the synthesized output).
 */
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const crypto = require("crypto");
const { spawn, spawnSync } = require("child_process");

const ROOT = path.resolve(__dirname, "..");
const VENV = path.join(ROOT, ".venv-scan");
const REQUIREMENTS = path.join(ROOT, "requirements-scan.txt");
const SUPPRESSIONS_FILE = path.join(ROOT, "scan-suppressions.json");
const FIXTURE = path.join(ROOT, "__tests__", "fixtures", "insecure-stack.ts");
const DEFAULT_CONFIGS = ["dev", "prod"];
const JOBS = Math.max(1, Number(process.env.SCAN_JOBS ?? 2));

/**
 * Floor on the number of passed checks per configuration. Measured with checkov 3.3.30: with the bootstrap,
 * base, cross-region and zone stacks filled, dev 625, prod 658, variant-a/b/c/e 655, variant-d 658 passed; with
 * the data stacks added, dev 972 and prod 1017 (1285 with the ops stacks). A scan that reads nothing passes 0;
 * one that reads only the providers passes 14 (CKV_AWS_41, one per provider); the bootstrap stack alone gives
 * 84; losing one base stack takes 220 to 307 away. 500 sits below every real figure and above those failure
 * modes; filling the remaining layers only raises the counts. SCAN_MIN_PASSED overrides it for one run.
 */
const MIN_PASSED = Number(process.env.SCAN_MIN_PASSED ?? 500);

const errors = [];
const fail = (message) => errors.push(message);
const log = (line = "") => process.stdout.write(`${line}\n`);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, ...options });
  if (result.error) throw result.error;
  return result;
}

function runAsync(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

async function pool(items, worker) {
  const results = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(JOBS, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await worker(items[index]);
    }
  });
  await Promise.all(lanes);
  return results;
}

const seconds = (start) => ((Date.now() - start) / 1000).toFixed(1);

// ---------------------------------------------------------------------------------------------- venv

function pinnedCheckovVersion() {
  const line = fs.readFileSync(REQUIREMENTS, "utf8").split("\n").find((l) => /^checkov==/.test(l.trim()));
  if (!line) throw new Error("requirements-scan.txt must pin checkov exactly (checkov==X.Y.Z)");
  return line.trim().slice("checkov==".length);
}

function ensureVenv() {
  const python = process.env.SCAN_PYTHON ?? "python3";
  const pythonVersion = run(python, ["--version"]).stdout.trim() || run(python, ["--version"]).stderr.trim();
  const stamp = crypto
    .createHash("sha256")
    .update(fs.readFileSync(REQUIREMENTS))
    .update(pythonVersion)
    .digest("hex");
  const stampFile = path.join(VENV, ".requirements-scan.sha256");
  const bin = path.join(VENV, "bin");
  if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, "utf8").trim() === stamp && fs.existsSync(path.join(bin, "checkov"))) {
    log(`venv: reusing .venv-scan (${pythonVersion}, requirements unchanged)`);
  } else {
    const started = Date.now();
    fs.rmSync(VENV, { recursive: true, force: true });
    let r = run(python, ["-m", "venv", VENV], { stdio: "inherit" });
    if (r.status !== 0) throw new Error(`${python} -m venv failed`);
    // Keep the venv out of git without touching .gitignore.
    fs.writeFileSync(path.join(VENV, ".gitignore"), "*\n");
    r = run(path.join(bin, "python"), ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input", "-r", REQUIREMENTS], {
      stdio: "inherit",
    });
    if (r.status !== 0) throw new Error("pip install -r requirements-scan.txt failed");
    fs.writeFileSync(stampFile, `${stamp}\n`);
    log(`venv: installed requirements-scan.txt into .venv-scan in ${seconds(started)} s (${pythonVersion})`);
  }
  const checkov = path.join(bin, "checkov");
  const version = run(checkov, ["--version"]).stdout.trim();
  const pinned = pinnedCheckovVersion();
  if (version !== pinned) throw new Error(`.venv-scan has checkov ${version}, requirements-scan.txt pins ${pinned}`);
  return { checkov, version };
}

/**
 * Resource and data-source types that checkov's per-resource (Python) checks cover. Those checks decide PASSED or
 * FAILED on any block of their type, so a block of such a type without any result means checkov did not read it.
 * Graph checks are left out: one that cannot resolve a value across root modules (a record aliasing a load balancer
 * found by a data source) ends UNKNOWN, and checkov reports nothing for it.
 */
function typesWithChecks(checkov) {
  const script = [
    "import json",
    "from checkov.terraform.checks.resource.registry import resource_registry",
    "from checkov.terraform.checks.data.registry import data_registry",
    "print(json.dumps({'resource': sorted(resource_registry.checks), 'data': sorted(data_registry.checks)}))",
  ].join("\n");
  const r = run(path.join(path.dirname(checkov), "python"), ["-c", script], { cwd: os.tmpdir() });
  if (r.status !== 0) throw new Error(`could not list checkov's checked types:\n${r.stderr}`);
  const types = JSON.parse(r.stdout);
  return { resource: new Set(types.resource), data: new Set(types.data) };
}

// ---------------------------------------------------------------------------------------------- synthesis

const APP = JSON.parse(fs.readFileSync(path.join(ROOT, "cdktf.json"), "utf8")).app;

function configFile(name) {
  if (name.endsWith(".json") || name.includes(path.sep)) return path.resolve(name);
  return path.join(ROOT, "config", `${name}.json`);
}

function synthesize(command, env, outdir) {
  const r = run(command, [], { cwd: ROOT, shell: true, env: { ...process.env, DR_ENV: undefined, ...env, CDKTF_OUTDIR: outdir } });
  if (r.status !== 0) throw new Error(`synthesis failed (${command}):\n${r.stderr}${r.stdout}`);
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
  return Object.entries(manifest.stacks).map(([id, entry]) => {
    const file = path.join(outdir, entry.synthesizedStackPath);
    const json = JSON.parse(fs.readFileSync(file, "utf8"));
    // Every stack declares terraform.required_version (stacks/dr-stack.ts). checkov 3.3.30's Terraform JSON parser
    // fails on that string ("this method receives only dicts") and drops the whole file, so the copy checkov reads
    // (this temporary output, never cdktf.out) goes without it: it constrains the Terraform binary, and no check reads it.
    if (json.terraform && "required_version" in json.terraform) {
      delete json.terraform.required_version;
      fs.writeFileSync(file, JSON.stringify(json, null, 2));
    }
    return { id, file, dir: path.dirname(file), json };
  });
}

/** Problems that would make checkov read nothing while reporting success. */
function preflight(label, stack) {
  // checkov's terraform_json framework reads only files whose name ends in .tf.json.
  if (!stack.file.endsWith(".tf.json")) fail(`${label}/${stack.id}: ${path.basename(stack.file)} does not end in .tf.json, checkov would not read it`);
  // A terraform.required_version makes checkov's Terraform JSON parser fail ("this method receives only dicts"):
  // the file becomes a parsing error and its checks silently disappear. synthesize() removes it from the scanned copy.
  if (stack.json.terraform && "required_version" in stack.json.terraform) {
    fail(`${label}/${stack.id}: terraform.required_version is set; checkov ${pinnedCheckovVersion()} cannot parse such a file`);
  }
}

function blocksOf(json) {
  const blocks = [];
  for (const kind of ["resource", "data"]) {
    for (const [type, byName] of Object.entries(json[kind] ?? {})) {
      for (const [name, body] of Object.entries(byName)) {
        blocks.push({ kind, type, name, path: body?.["//"]?.metadata?.path ?? `${kind}.${type}.${name}` });
      }
    }
  }
  return blocks;
}

/** The block a checkov record is about: checkov names it "<type>.<id>", "resource.<id>" or "data.<id>". */
function blockOf(stack, recordResource) {
  const dot = recordResource.indexOf(".");
  const prefix = recordResource.slice(0, dot);
  const name = recordResource.slice(dot + 1);
  const candidates = blocksOf(stack.json).filter((b) => b.name === name);
  return (
    candidates.find((b) => b.kind === prefix) ??
    candidates.find((b) => b.type === prefix && b.kind === "resource") ??
    candidates.find((b) => b.type === prefix) ??
    candidates[0]
  );
}

// ---------------------------------------------------------------------------------------------- suppressions

function pathPattern(pattern) {
  const body = pattern
    .split("{region}")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("[a-z]{2}(?:-gov)?-[a-z]+-\\d");
  return new RegExp(`^${body}$`);
}

/** Entries of scan-suppressions.json, one per (resource, check), validated. */
function loadSuppressions() {
  const raw = JSON.parse(fs.readFileSync(SUPPRESSIONS_FILE, "utf8"));
  const list = [];
  (raw.suppressions ?? []).forEach((s, i) => {
    const where = `scan-suppressions.json: suppressions[${i}]`;
    if (typeof s.stack !== "string" || !/^[a-z0-9{}-]+$/.test(s.stack)) throw new Error(`${where}: stack must be one stack id ({region} allowed)`);
    if (typeof s.resource !== "string" || /[*?]/.test(s.resource)) throw new Error(`${where}: resource must be one construct path ({region} allowed, no wildcard)`);
    const checks = Array.isArray(s.checks) ? s.checks : [s.check];
    for (const check of checks) {
      if (typeof check !== "string" || !/^CKV2?_[A-Z0-9]+_\d+$/.test(check)) throw new Error(`${where}: ${JSON.stringify(check)} is not one checkov check id (no wildcard)`);
    }
    if (s.profiles !== undefined && !(Array.isArray(s.profiles) && s.profiles.every((p) => p === "destroyable" || p === "protected"))) {
      throw new Error(`${where}: profiles must list destroy profiles ("destroyable", "protected")`);
    }
    if (typeof s.reason !== "string" || s.reason.trim().length < 40) throw new Error(`${where}: reason must explain why the check cannot apply (40 characters at least)`);
    for (const check of checks) {
      list.push({ stack: s.stack, resource: s.resource, check, reason: s.reason, profiles: s.profiles, stackRegex: pathPattern(s.stack), regex: pathPattern(s.resource), used: 0, present: 0 });
    }
  });
  return list;
}

// ---------------------------------------------------------------------------------------------- checkov

async function checkovOn(checkov, stack) {
  const r = await runAsync(
    checkov,
    ["--directory", stack.dir, "--framework", "terraform_json", "--output", "json", "--skip-download", "--compact"],
    { cwd: stack.dir, env: { ...process.env, LOG_LEVEL: "ERROR" } },
  );
  if (r.status !== 0 && r.status !== 1) {
    throw new Error(`checkov crashed on ${stack.dir} (exit ${r.status}):\n${r.stderr.slice(-4000)}`);
  }
  let report;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    throw new Error(`checkov printed no JSON report for ${stack.dir} (exit ${r.status}):\n${r.stderr.slice(-4000)}`);
  }
  if (Array.isArray(report)) report = report.find((x) => x.check_type === "terraform_json");
  return { status: r.status, report };
}

function recordsOf(report) {
  const results = report?.results ?? {};
  return {
    passed: results.passed_checks ?? [],
    failed: results.failed_checks ?? [],
    skipped: results.skipped_checks ?? [],
    parsingErrors: results.parsing_errors ?? [],
  };
}

async function scanConfiguration(checkov, checkedTypes, name, suppressions, work) {
  const file = configFile(name);
  const label = path.basename(file, ".json");
  const started = Date.now();
  const stacks = synthesize(APP, { DR_CONFIG: file }, path.join(work, label));
  const profile = JSON.parse(fs.readFileSync(file, "utf8")).destroyProfile ?? "protected";
  const applies = (s, stackId) => s.stackRegex.test(stackId) && (!s.profiles || s.profiles.includes(profile));
  const synthSeconds = seconds(started);
  stacks.forEach((s) => preflight(label, s));

  const scanStarted = Date.now();
  const reports = await pool(stacks, (stack) => checkovOn(checkov, stack));
  const scanSeconds = seconds(scanStarted);

  const totals = { passed: 0, failed: 0, skipped: 0, suppressed: 0 };
  const rows = [];
  const failures = [];
  const suppressedRows = [];
  const notes = [];
  stacks.forEach((stack, i) => {
    const { report } = reports[i];
    const { passed, failed, skipped, parsingErrors } = recordsOf(report);
    if (!report || report.check_type !== "terraform_json") fail(`${label}/${stack.id}: checkov returned no terraform_json report (nothing scanned)`);
    if (parsingErrors.length > 0) fail(`${label}/${stack.id}: checkov could not parse ${parsingErrors.join(", ")}`);
    const blocks = blocksOf(stack.json);
    for (const s of suppressions) if (applies(s, stack.id) && blocks.some((b) => s.regex.test(b.path))) s.present += 1;

    let suppressedHere = 0;
    const failedHere = [];
    for (const record of failed) {
      const block = blockOf(stack, record.resource);
      const constructPath = block?.path ?? record.resource;
      const match = suppressions.find((s) => applies(s, stack.id) && s.check === record.check_id && s.regex.test(constructPath));
      if (match) {
        match.used += 1;
        suppressedHere += 1;
        suppressedRows.push({ stack: stack.id, check: record.check_id, path: constructPath, reason: match.reason });
      } else {
        failedHere.push(record);
        failures.push({ stack: stack.id, record, path: constructPath, address: block ? `${block.kind === "data" ? "data." : ""}${block.type}.${block.name}` : record.resource });
      }
    }
    // A stack with resources or data sources must have produced results beyond the provider checks.
    const onBlocks = [...passed, ...failed, ...skipped].filter((r) => !r.resource.startsWith("provider."));
    if (blocks.length > 0 && onBlocks.length === 0) {
      const checkable = blocks.filter((b) => checkedTypes[b.kind].has(b.type));
      const types = [...new Set(blocks.map((b) => `${b.kind === "data" ? "data." : ""}${b.type}`))].sort().join(", ");
      if (checkable.length > 0) fail(`${label}/${stack.id}: ${blocks.length} resources and data sources but no checkov result on any of them`);
      else notes.push(`${stack.id}: no result on its ${blocks.length} blocks; checkov has no per-resource check for their types (${types})`);
    }

    const row = { stack: stack.id, blocks: blocks.length, passed: passed.length, failed: failedHere.length, skipped: skipped.length + suppressedHere, suppressed: suppressedHere };
    rows.push(row);
    totals.passed += row.passed;
    totals.failed += row.failed;
    totals.skipped += row.skipped;
    totals.suppressed += suppressedHere;
  });

  log(`\n== ${label} (config/${path.basename(file)}): ${stacks.length} stacks, synthesized in ${synthSeconds} s, scanned in ${scanSeconds} s`);
  const width = Math.max(...rows.map((r) => r.stack.length));
  for (const r of rows) {
    log(`   ${r.stack.padEnd(width)}  ${String(r.blocks).padStart(3)} blocks  ${String(r.passed).padStart(4)} passed  ${String(r.failed).padStart(3)} failed  ${String(r.skipped).padStart(3)} skipped${r.suppressed ? ` (${r.suppressed} suppressed)` : ""}`);
  }
  for (const f of failures) {
    log(`   FAILED ${f.record.check_id} ${f.stack} ${f.address} (${f.path}): ${f.record.check_name}`);
  }
  for (const s of suppressedRows) log(`   suppressed ${s.check} ${s.stack} ${s.path}`);
  for (const n of notes) log(`   note: ${n}`);
  log(`   ${label}: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped (${totals.suppressed} suppressed by scan-suppressions.json)`);
  if (totals.failed > 0) fail(`${label}: ${totals.failed} failed checks`);
  if (totals.passed < MIN_PASSED) {
    fail(`${label}: only ${totals.passed} checks passed, fewer than the floor of ${MIN_PASSED}: the scan read less than the synthesized stacks (see MIN_PASSED in scripts/scan.js)`);
  }
  return totals;
}

// ---------------------------------------------------------------------------------------------- fixture

async function provesItBites(checkov, work) {
  require("ts-node").register({ transpileOnly: true });
  const { INSECURE_FIXTURE_EXPECTED_FAILURES: expected } = require(FIXTURE);
  const command = `node -r ts-node/register/transpile-only ${JSON.stringify(path.relative(ROOT, FIXTURE))}`;
  const stacks = synthesize(command, {}, path.join(work, "insecure-fixture"));
  const [stack] = stacks;
  const { status, report } = await checkovOn(checkov, stack);
  const { failed } = recordsOf(report);
  const failedPairs = new Set(
    failed.map((r) => {
      const block = blockOf(stack, r.resource);
      return `${r.check_id} ${block ? `${block.type}.${block.name}` : r.resource}`;
    }),
  );
  const missing = expected.filter((e) => !failedPairs.has(`${e.check} ${e.resource}`));
  if (status === 0 || failed.length === 0) fail("insecure fixture: checkov did NOT fail on the deliberately insecure stack; the scan does not bite");
  for (const e of missing) fail(`insecure fixture: expected ${e.check} to fail on ${e.resource} (${e.why}), it did not`);
  log(`\n== insecure fixture (__tests__/fixtures/insecure-stack.ts): checkov exit ${status}, ${failed.length} failed checks; ${expected.length - missing.length}/${expected.length} planted problems caught`);
}

// ---------------------------------------------------------------------------------------------- main

async function main() {
  const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : DEFAULT_CONFIGS;
  const started = Date.now();
  const { checkov, version } = ensureVenv();
  const checkedTypes = typesWithChecks(checkov);
  log(`checkov ${version}; floor ${MIN_PASSED} passed checks per configuration; ${JOBS} checkov processes at a time`);
  const suppressions = loadSuppressions();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "dr-scan-"));
  const grand = { passed: 0, failed: 0, skipped: 0 };
  try {
    for (const name of names) {
      const t = await scanConfiguration(checkov, checkedTypes, name, suppressions, work);
      grand.passed += t.passed;
      grand.failed += t.failed;
      grand.skipped += t.skipped;
    }
    for (const s of suppressions) {
      if (s.present > 0 && s.used === 0) {
        fail(`scan-suppressions.json: ${s.check} on ${s.stack} ${s.resource} suppressed nothing although the resource exists; remove the stale entry`);
      } else if (s.present === 0) {
        log(`note: scan-suppressions.json: ${s.check} on ${s.resource} matches no resource of ${names.join(", ")} (renamed or removed?)`);
      }
    }
    await provesItBites(checkov, work);
  } finally {
    if (process.env.SCAN_KEEP === "1") log(`synthesized output kept in ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
  log("");
  for (const e of errors) log(`ERROR ${e}`);
  log(`scan finished in ${seconds(started)} s (${names.join(", ")})`);
  log(`scan: ${grand.passed} passed, ${grand.failed} failed, ${grand.skipped} skipped`);
  process.exit(errors.length === 0 ? 0 : 1);
}

main().catch((error) => {
  process.stderr.write(`scan: ${error.stack ?? error}\n`);
  process.exit(2);
});
