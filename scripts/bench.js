#!/usr/bin/env node
/**
 * npm run bench: the project's performance figures against its budgets, in one run.
 *
 *   node scripts/bench.js [--runs N] [--skip-test] [--skip-cli]
 *
 * 1. Synthesis of the prod configuration against a minimal one-stack cdktf app
 *    with one resource (scripts/bench/minimal-app.ts), both run the same way
 *    (the app command of cdktf.json, a fresh output directory per run),
 *    interleaved, N runs each: median wall time, CPU time (user + system) and
 *    peak RSS, and their ratios. Once first with empty caches (TypeScript
 *    transform, Lambda bundles), reported but not budgeted: it is the first
 *    synthesis after a change of every file, which no iteration repeats. Then
 *    where the CPU time of a prod synthesis goes (scripts/bench/synth-phases.js),
 *    and what is left of it without any of the project's own work.
 * 2. `cdktf synth` through the CLI, the same two apps, fewer runs.
 * 3. Each Lambda bundle (the zips synthesis deploys): bytes of index.js and of
 *    the zip, and its cold start (module load plus first invocation, in a fresh
 *    Node process, wall and CPU) against an empty handler bundled with the same
 *    options, and, for reference, a handler that only creates one SDK client.
 *    Each function runs with the environment synthesized for it in prod (the
 *    apply-time references replaced by stand-ins), fake credentials and every
 *    AWS endpoint and URL on a closed local port, so calls fail at once instead
 *    of reaching AWS.
 * 4. `npm test`, wall and CPU time: once after a change to the sources (an
 *    empty synthesis cache: every configuration is synthesized; budgeted), and
 *    once more with nothing changed (reported).
 *
 * Prints a table, writes docs/performance.md (with the machine's description
 * and load) and exits non-zero when a budget is missed.
 */
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawnSync } = require("child_process");

const ROOT = path.resolve(__dirname, "..");
const REGISTER = path.join(ROOT, "app", "register.js");
const TIME = fs.existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

const BUDGETS = {
  synthRatio: 2.5,
  synthPeakMb: 400,
  testSeconds: 60,
  coldStartRatio: 1.5,
  zipMb: 1,
};

function parseArgs(argv) {
  const args = { runs: 7, skipTest: false, skipCli: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--runs") args.runs = Number(argv[++i]);
    else if (argv[i] === "--skip-test") args.skipTest = true;
    else if (argv[i] === "--skip-cli") args.skipCli = true;
  }
  return args;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const loadAverage = () => os.loadavg().map((l) => l.toFixed(2)).join(", ");

/**
 * Runs a command; returns wall seconds and, where GNU time is available, CPU seconds (user + system, the
 * command and the children it waited for) and peak RSS in MB of the largest process.
 */
function measure(command, args, options = {}) {
  const { allowFailure, ...spawnOptions } = options;
  const statsFile = path.join(os.tmpdir(), `dr-bench-time-${process.pid}`);
  const [cmd, argv] = TIME ? [TIME, ["-f", "%U %S %M", "-o", statsFile, command, ...args]] : [command, args];
  const started = process.hrtime.bigint();
  const result = spawnSync(cmd, argv, { cwd: ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, ...spawnOptions });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0 && !allowFailure) throw new Error(`${command} ${args.join(" ")} failed (${result.status}):\n${result.stderr}\n${result.stdout}`.slice(0, 4000));
  let cpuSeconds;
  let peakMb;
  if (TIME) {
    const [user, sys, rss] = fs.readFileSync(statsFile, "utf8").trim().split("\n").pop().split(" ").map(Number);
    cpuSeconds = user + sys;
    peakMb = rss / 1024;
    fs.rmSync(statsFile, { force: true });
  }
  return { seconds, cpuSeconds, peakMb, status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The environment of a synthesis run: the prod configuration by DR_ENV (DR_CONFIG unset: it would win). */
function synthEnv(outdir, extra = {}) {
  const env = { ...process.env, DR_ENV: "prod", CDKTF_OUTDIR: outdir, ...extra };
  delete env.DR_CONFIG;
  return env;
}

function synthRuns(runs, work) {
  // The app command of cdktf.json, with the entry point swapped for the minimal app's.
  const command = JSON.parse(fs.readFileSync(path.join(ROOT, "cdktf.json"), "utf8")).app.split(/\s+/);
  if (command[0] !== "node" || command[command.length - 1] !== "main.ts") throw new Error(`unexpected app command in cdktf.json: ${command.join(" ")}`);
  const prodArgs = command.slice(1);
  const minimalArgs = [...command.slice(1, -1), path.join("scripts", "bench", "minimal-app.ts")];
  const phasesArgs = [...command.slice(1, -1), path.join("scripts", "bench", "synth-phases.js")];
  let n = 0;
  const out = () => path.join(work, `out-${n++}`);
  // Cold: empty TypeScript and bundle caches of this run only.
  const coldCaches = { DR_TS_CACHE_DIR: path.join(work, "cold-ts"), DR_LAMBDA_CACHE_DIR: path.join(work, "cold-bundles") };
  const cold = measure("node", prodArgs, { env: synthEnv(out(), coldCaches) });
  // Warm the project's caches once (this output is kept: the cold starts read each function's environment from it), then interleave.
  const prodOutdir = out();
  measure("node", prodArgs, { env: synthEnv(prodOutdir) });
  measure("node", minimalArgs, { env: synthEnv(out()) });
  const prod = [];
  const minimal = [];
  for (let i = 0; i < runs; i++) {
    prod.push(measure("node", prodArgs, { env: synthEnv(out()) }));
    minimal.push(measure("node", minimalArgs, { env: synthEnv(out()) }));
  }
  const phases = [];
  for (let i = 0; i < Math.max(3, Math.ceil(runs / 2)); i++) phases.push(JSON.parse(measure("node", phasesArgs, { env: synthEnv(out()) }).stdout.trim().split("\n").pop()));
  return { cold, prod, minimal, phases, prodOutdir };
}

function cliRuns(runs, work) {
  const cdktf = path.join(ROOT, "node_modules", ".bin", "cdktf");
  const minimalDir = path.join(work, "minimal-project");
  fs.mkdirSync(minimalDir, { recursive: true });
  fs.writeFileSync(
    path.join(minimalDir, "cdktf.json"),
    JSON.stringify({
      language: "typescript",
      app: JSON.parse(fs.readFileSync(path.join(ROOT, "cdktf.json"), "utf8"))
        .app.replace("./app/register.js", REGISTER)
        .replace(/main\.ts$/, path.join(ROOT, "scripts", "bench", "minimal-app.ts")),
      terraformProviders: [],
      terraformModules: [],
      context: {},
    }),
  );
  const env = { ...synthEnv(undefined), CHECKPOINT_DISABLE: "1", CI: "1" };
  delete env.CDKTF_OUTDIR;
  const prod = [];
  const minimal = [];
  for (let i = 0; i < runs; i++) {
    prod.push(measure(cdktf, ["synth", "--output", path.join(work, `cli-prod-${i}`)], { env }));
    minimal.push(measure(cdktf, ["synth", "--output", path.join(work, `cli-min-${i}`)], { env, cwd: minimalDir }));
  }
  return { prod, minimal };
}

/** What every function starts with in the benchmark besides its synthesized environment: AWS unreachable, one attempt per call. */
const BENCH_ENV = {
  AWS_ACCESS_KEY_ID: "AKIDBENCHMARK",
  AWS_SECRET_ACCESS_KEY: "benchmark",
  AWS_ENDPOINT_URL: "http://127.0.0.1:9",
  AWS_MAX_ATTEMPTS: "1",
  // One try per call (the functions' own retry policy would otherwise back off and sleep).
  RETRY_MAX_ATTEMPTS: "1",
  // The health monitor samples for RUN_SECONDS (55 s by default) per invocation: here, one sample.
  RUN_SECONDS: "0",
  // Node 20 only: Lambda's nodejs22.x runtime would not print it.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};
const FAKE_ACCOUNT = "123456789012";

/**
 * Each function's environment as synthesized in the output of the prod configuration (the first region that
 * deploys it), with Terraform's apply-time references replaced by stand-ins of the right shape, and every
 * https URL pointed at a closed local port.
 */
function functionEnvironments(outdir) {
  /** The function's zip, as Terraform deploys it: s3_key -> signing job -> uploaded object -> its source (the same walk as drill/lambda/bundle.ts uploadOfFunction; this script runs without the TypeScript hook). */
  const uploadedZipOf = (stack, fn) => {
    const ref = (value, type) => stack.resource?.[type]?.[/^\$\{[^.]+\.([^.}]+)\./.exec(String(value ?? ""))?.[1]];
    return ref(ref(fn.s3_key, "aws_signer_signing_job")?.source?.s3?.key, "aws_s3_object")?.source;
  };
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
  const found = new Map();
  for (const entry of Object.values(manifest.stacks)) {
    const stack = JSON.parse(fs.readFileSync(path.join(outdir, entry.synthesizedStackPath), "utf8"));
    const region = (stack.provider?.aws ?? []).find((p) => p.alias === undefined)?.region;
    for (const fn of Object.values(stack.resource?.aws_lambda_function ?? {})) {
      const name = path.basename(String(uploadedZipOf(stack, fn) ?? "")).replace(/\.zip$/, "");
      if (!name || found.has(name)) continue;
      const env = {};
      for (const [key, value] of Object.entries(fn.environment?.variables ?? {})) env[key] = standIn(key, String(value), region);
      found.set(name, { AWS_REGION: region, AWS_DEFAULT_REGION: region, ...env });
    }
  }
  return found;
}

function standIn(key, value, region) {
  let v = value
    .replace(/\$\{data\.aws_partition\.[^}]+\.partition\}/g, "aws")
    .replace(/\$\{data\.aws_caller_identity\.[^}]+\.account_id\}/g, FAKE_ACCOUNT)
    .replace(/\$\{data\.aws_region\.[^}]+\.(name|region)\}/g, region);
  if (/^\$\{[^}]+\}$/.test(v)) {
    if (/TOPIC_ARN$/.test(key)) v = `arn:aws:sns:${region}:${FAKE_ACCOUNT}:bench-alerts`;
    else if (/KMS_KEY_ARN$/.test(key)) v = `arn:aws:kms:${region}:${FAKE_ACCOUNT}:key/00000000-0000-0000-0000-000000000000`;
    else if (/SECRET_ID$/.test(key)) v = `arn:aws:secretsmanager:${region}:${FAKE_ACCOUNT}:secret:bench-paging-AbCdEf`;
    else throw new Error(`no stand-in for ${key}=${value}: teach scripts/bench.js standIn() its shape`);
  }
  if (v.includes("${")) throw new Error(`no stand-in for the references in ${key}=${value}: teach scripts/bench.js standIn() their shape`);
  return v.replace(/^https:\/\/[^/]+/, "https://127.0.0.1:9");
}

/** The first invocation of each function: its cheapest real event. */
const FIRST_EVENTS = {
  "transaction-processor": { httpMethod: "GET", path: "/transactions/health", headers: {}, isBase64Encoded: false, body: "" },
  "failover-orchestrator": {
    step: "assess",
    state: { executionId: `arn:aws:states:us-east-1:${FAKE_ACCOUNT}:execution:txdr-failover-bench:bench`, request: { dryRun: true, reason: "benchmark" } },
  },
  "health-monitor": {},
  reconciler: {
    step: "locate",
    state: {
      executionId: `arn:aws:states:us-east-1:${FAKE_ACCOUNT}:execution:txdr-reconcile-bench:bench`,
      runId: "bench",
      request: { dryRun: true, from: "2026-01-01T00:00:00Z", to: "2026-01-01T00:10:00Z", reason: "benchmark" },
    },
  },
  // One page: the forwarder reads its secret (Secrets Manager, on the closed port: it fails at once) before it posts.
  "paging-forwarder": {
    Records: [
      {
        EventSubscriptionArn: `arn:aws:sns:us-east-1:${FAKE_ACCOUNT}:txdr-alerts-bench:bench`,
        Sns: {
          Type: "Notification",
          MessageId: "bench",
          TopicArn: `arn:aws:sns:us-east-1:${FAKE_ACCOUNT}:txdr-alerts-bench`,
          Subject: "benchmark",
          Message: JSON.stringify({ kind: "benchmark" }),
          Timestamp: "2026-01-01T00:00:00.000Z",
          SignatureVersion: "1",
          Signature: "",
          SigningCertUrl: "",
          UnsubscribeUrl: "",
        },
      },
    ],
  },
  empty: {},
  "one-sdk-client": {},
};

function bundles(runs, work, prodOutdir) {
  require(REGISTER);
  const { bundleSet, PROJECT_BUNDLES } = require(path.join(ROOT, "constructs", "app", "lambda-bundle"));
  const { unzipSync } = require("fflate");
  const project = bundleSet(PROJECT_BUNDLES);
  const missing = [...project.keys()].filter((name) => !FIRST_EVENTS[name]);
  if (missing.length > 0) throw new Error(`no first event for ${missing.join(", ")}: add one to FIRST_EVENTS in scripts/bench.js`);
  const environments = functionEnvironments(prodOutdir);
  // The yardsticks, bundled with the same options (entries relative to the project root, their own cache).
  const yardsticks = bundleSet({
    root: ROOT,
    entries: { empty: "scripts/bench/empty-handler.ts", "one-sdk-client": "scripts/bench/one-sdk-client.ts" },
    cacheDir: path.join(work, "yardstick-bundles"),
  });
  const all = new Map([...project, ...yardsticks]);
  const dirs = new Map();
  for (const [name, bundle] of all) {
    const dir = path.join(work, `bundle-${name}`);
    fs.mkdirSync(dir, { recursive: true });
    const entries = unzipSync(new Uint8Array(fs.readFileSync(bundle.zipPath)));
    for (const [file, bytes] of Object.entries(entries)) fs.writeFileSync(path.join(dir, file), bytes);
    dirs.set(name, dir);
  }
  // For reference, each function as it would run on the SDK the Lambda runtime provides: the same options with
  // @aws-sdk/* external, the SDK loaded from node_modules (the versions package-lock.json pins).
  const { BUNDLE_OPTIONS } = require(path.join(ROOT, "constructs", "app", "lambda-bundle"));
  const external = path.join(work, "sdk-external");
  require("esbuild").buildSync({
    ...BUNDLE_OPTIONS,
    mainFields: [...BUNDLE_OPTIONS.mainFields],
    external: ["@aws-sdk/*"],
    entryPoints: Object.fromEntries([...project.keys()].map((name) => [name, path.join(ROOT, PROJECT_BUNDLES.entries[name])])),
    outdir: external,
    absWorkingDir: ROOT,
    logLevel: "silent",
  });
  for (const name of project.keys()) {
    fs.mkdirSync(path.join(external, name), { recursive: true });
    fs.renameSync(path.join(external, `${name}.js`), path.join(external, name, "index.js"));
    all.set(`${name} (SDK external)`, { external: true, function: name });
    dirs.set(`${name} (SDK external)`, path.join(external, name));
  }
  const samples = new Map([...all.keys()].map((name) => [name, []]));
  const outcomes = new Map();
  for (let i = 0; i < runs; i++) {
    for (const [name, bundle] of all) {
      const fn = bundle.function ?? name;
      const env = { PATH: process.env.PATH, AWS_REGION: "us-east-1", ...(environments.get(fn) ?? {}), ...BENCH_ENV };
      if (bundle.external) env.NODE_PATH = path.join(ROOT, "node_modules");
      const started = process.hrtime.bigint();
      const result = spawnSync(process.execPath, [path.join(__dirname, "bench", "cold-start.js"), path.join(dirs.get(name), "index.js"), JSON.stringify(FIRST_EVENTS[fn])], {
        env,
        encoding: "utf8",
        timeout: 30_000,
      });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (result.status !== 0) throw new Error(`cold start of ${name} failed:\n${result.stderr}`);
      const report = JSON.parse(result.stdout.trim().split("\n").pop());
      samples.get(name).push({ ms, cpuMs: report.cpuMs });
      outcomes.set(name, report.outcome);
    }
  }
  return [...all].map(([name, bundle]) => ({
    name,
    external: bundle.external === true,
    codeBytes: bundle.codeSize,
    zipBytes: bundle.zipSize,
    coldMs: median(samples.get(name).map((s) => s.ms)),
    cpuMs: median(samples.get(name).map((s) => s.cpuMs)),
    outcome: outcomes.get(name),
  }));
}

/** npm test: after a change to the sources (every configuration synthesized), then again with nothing changed. */
function testRuns(work) {
  const cacheRoot = path.join(ROOT, "node_modules", ".cache", "dr-synth");
  const changed = path.join(work, "synth-cache-after-change");
  fs.mkdirSync(changed, { recursive: true });
  // The variants the last full run recorded come along (their outputs do not): the global setup synthesizes them ahead, as after an edit.
  if (fs.existsSync(path.join(cacheRoot, "configs"))) fs.cpSync(path.join(cacheRoot, "configs"), path.join(changed, "configs"), { recursive: true });
  const env = { ...process.env, DR_SYNTH_CACHE_DIR: changed };
  delete env.DR_SYNTH_CACHE;
  const load = [loadAverage()];
  const afterChange = measure("npm", ["test", "--silent"], { env, allowFailure: true });
  load.push(loadAverage());
  const unchanged = measure("npm", ["test", "--silent"], { env, allowFailure: true });
  load.push(loadAverage());
  const summary = (r) => {
    const m = /Tests:\s+(.*?total)/.exec(`${r.stdout}\n${r.stderr}`);
    const tsc = /tsc --noEmit: (.*)/.exec(r.stdout);
    return `${m ? m[1] : "no jest summary"}${tsc ? `; tsc: ${tsc[1]}` : ""}`;
  };
  return { afterChange, unchanged, load, summaries: [summary(afterChange), summary(unchanged)] };
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memoryGb: (os.totalmem() / 1024 ** 3).toFixed(1),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

const PROJECT_PHASES = (key) => key === "config" || key === "constructs" || key === "checks" || /^load\.(project:|zod$|@humanwhocodes\/momoa$|fflate$)/.test(key);

function main() {
  const args = parseArgs(process.argv.slice(2));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "dr-bench-"));
  const rows = [];
  const failures = [];
  const check = (label, value, budget, ok) => {
    rows.push({ label, value, budget, ok });
    if (ok === false) failures.push(label);
  };
  const m = machine();
  const loads = [`start ${loadAverage()}`];
  process.stdout.write(`machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GiB, Node ${m.node}, ${m.os}; load average ${loadAverage()}\n`);
  try {
    process.stdout.write(`synthesis: ${args.runs} runs each...\n`);
    const s = synthRuns(args.runs, work);
    loads.push(`after synthesis ${loadAverage()}`);
    const med = (runs, key) => median(runs.map((r) => r[key] ?? NaN));
    const [prodWall, minWall] = [med(s.prod, "seconds"), med(s.minimal, "seconds")];
    const [prodCpu, minCpu] = [med(s.prod, "cpuSeconds"), med(s.minimal, "cpuSeconds")];
    const [prodRss, minRss] = [med(s.prod, "peakMb"), med(s.minimal, "peakMb")];
    check("synthesis, prod (median wall / CPU)", `${prodWall.toFixed(2)} s / ${prodCpu.toFixed(2)} s`, "", undefined);
    check("synthesis, minimal app (median wall / CPU)", `${minWall.toFixed(2)} s / ${minCpu.toFixed(2)} s`, "", undefined);
    check("synthesis, prod / minimal (wall)", `${(prodWall / minWall).toFixed(2)}x`, `<= ${BUDGETS.synthRatio}x`, prodWall / minWall <= BUDGETS.synthRatio);
    check("synthesis, prod / minimal (CPU)", `${(prodCpu / minCpu).toFixed(2)}x`, "", undefined);
    check("synthesis, prod peak RSS (median)", `${prodRss.toFixed(0)} MB (${(prodRss / minRss).toFixed(2)}x minimal)`, `<= ${BUDGETS.synthPeakMb} MB`, Number.isNaN(prodRss) ? undefined : prodRss <= BUDGETS.synthPeakMb);
    check("synthesis, prod with empty caches (one run)", `${s.cold.seconds.toFixed(2)} s, CPU ${s.cold.cpuSeconds?.toFixed(2)} s, ${s.cold.peakMb?.toFixed(0)} MB`, "", undefined);
    // Where the CPU time of a prod synthesis goes (medians of the phase runs), and what remains without the project's own work.
    const keys = [...new Set(s.phases.flatMap((p) => Object.keys(p)))];
    const phase = Object.fromEntries(keys.map((k) => [k, median(s.phases.map((p) => p[k] ?? 0))]));
    const sum = (pred) => keys.filter(pred).reduce((a, k) => a + phase[k], 0);
    const groups = [
      ["Node start (before the entry point)", (k) => k === "boot"],
      ["loading cdktf and constructs", (k) => k === "load.cdktf" || k === "load.constructs"],
      ["loading the provider bindings (@cdktf/provider-aws)", (k) => k === "load.@cdktf/provider-aws"],
      ["cdktf synth: prepare (every token resolved per element, cross-stack references)", (k) => k === "cdktf.prepare"],
      ["cdktf synth: synthesize (resolved again per element and per stack, JSON written)", (k) => k === "cdktf.synthesize" || k === "cdktf.other"],
      ["project: configuration (zod schema and validation)", (k) => k === "config" || k === "load.zod" || k === "load.@humanwhocodes/momoa"],
      ["project: loading its own modules", (k) => /^load\.(project:|fflate$)/.test(k)],
      ["project: building the construct tree (buildStacks, cdktf and provider objects included)", (k) => k === "constructs"],
      ["project: layout and RTO/RPO budget checks on the output", (k) => k === "checks"],
    ];
    for (const [label, pred] of groups) check(`prod CPU: ${label}`, `${sum(pred).toFixed(0)} ms`, "", undefined);
    const floorMs = phase.total - sum(PROJECT_PHASES);
    check(
      "prod CPU without any of the project's own work, against the minimal app's CPU",
      `${floorMs.toFixed(0)} ms of ${phase.total.toFixed(0)} ms = ${(floorMs / (minCpu * 1000)).toFixed(2)}x minimal`,
      "",
      undefined,
    );
    const noPrepareMs = floorMs - (phase["cdktf.prepare"] ?? 0);
    check("... and without cdktf's prepare pass either", `${noPrepareMs.toFixed(0)} ms = ${(noPrepareMs / (minCpu * 1000)).toFixed(2)}x minimal`, "", undefined);

    if (!args.skipCli) {
      const cliRunsCount = Math.max(3, Math.ceil(args.runs / 2));
      process.stdout.write(`cdktf synth through the CLI: ${cliRunsCount} runs each...\n`);
      const c = cliRuns(cliRunsCount, work);
      const cp = med(c.prod, "seconds");
      const cm = med(c.minimal, "seconds");
      check("cdktf synth, prod / minimal (median wall)", `${cp.toFixed(2)} s / ${cm.toFixed(2)} s = ${(cp / cm).toFixed(2)}x`, "", undefined);
      check("cdktf synth, prod / minimal (CPU)", `${(med(c.prod, "cpuSeconds") / med(c.minimal, "cpuSeconds")).toFixed(2)}x`, "", undefined);
      check("cdktf synth, prod / minimal (peak RSS)", `${(med(c.prod, "peakMb") / med(c.minimal, "peakMb")).toFixed(2)}x (${med(c.prod, "peakMb").toFixed(0)} MB)`, "", undefined);
      loads.push(`after cdktf synth ${loadAverage()}`);
    }

    process.stdout.write("Lambda bundles: cold starts...\n");
    const b = bundles(Math.max(9, args.runs), work, s.prodOutdir);
    loads.push(`after cold starts ${loadAverage()}`);
    const empty = b.find((x) => x.name === "empty");
    const coldRow = (x) => `${x.coldMs.toFixed(0)} ms = ${(x.coldMs / empty.coldMs).toFixed(2)}x empty; CPU ${x.cpuMs.toFixed(0)} ms = ${(x.cpuMs / empty.cpuMs).toFixed(2)}x`;
    check("empty handler: cold load + first invocation (wall; CPU)", `${empty.coldMs.toFixed(0)} ms; CPU ${empty.cpuMs.toFixed(0)} ms`, "", undefined);
    const sdk = b.find((x) => x.name === "one-sdk-client");
    check("for reference: a handler that only creates one SDK client (DynamoDB)", `${(sdk.codeBytes / 1e6).toFixed(2)} MB; ${coldRow(sdk)}`, "", undefined);
    for (const x of b.filter((x) => x.name !== "empty" && x.name !== "one-sdk-client" && !x.external)) {
      check(`${x.name}: index.js / zip`, `${(x.codeBytes / 1e6).toFixed(2)} MB / ${(x.zipBytes / 1e6).toFixed(2)} MB`, `zip <= ${BUDGETS.zipMb} MB`, x.zipBytes <= BUDGETS.zipMb * 1e6);
      check(`${x.name}: cold load + first invocation (${x.outcome.split(":")[0]})`, coldRow(x), `<= ${BUDGETS.coldStartRatio}x`, x.coldMs / empty.coldMs <= BUDGETS.coldStartRatio);
      const ext = b.find((y) => y.name === `${x.name} (SDK external)`);
      check(`for reference: ${x.name} on the SDK from node_modules (@aws-sdk/* external, as on the runtime's SDK)`, coldRow(ext), "", undefined);
    }

    if (!args.skipTest) {
      process.stdout.write("npm test, after a change to the sources, then again with nothing changed...\n");
      const t = testRuns(work);
      loads.push(`during npm test ${t.load.join(" / ")}`);
      check(
        "npm test after a change to the sources (wall; CPU)",
        `${t.afterChange.seconds.toFixed(1)} s; CPU ${t.afterChange.cpuSeconds?.toFixed(1)} s (${t.summaries[0]})`,
        `<= ${BUDGETS.testSeconds} s`,
        t.afterChange.seconds <= BUDGETS.testSeconds,
      );
      check("npm test again, nothing changed (wall; CPU)", `${t.unchanged.seconds.toFixed(1)} s; CPU ${t.unchanged.cpuSeconds?.toFixed(1)} s (${t.summaries[1]})`, "", undefined);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  loads.push(`end ${loadAverage()}`);

  const width = Math.max(...rows.map((r) => r.label.length));
  const status = (ok) => (ok === undefined ? "" : ok ? "ok" : "MISSED");
  process.stdout.write("\n");
  for (const r of rows) process.stdout.write(`${r.label.padEnd(width)}  ${String(r.value).padEnd(48)} ${String(r.budget).padEnd(14)} ${status(r.ok)}\n`);
  process.stdout.write(`\nload average (1, 5, 15 min): ${loads.join("; ")}\n`);

  const md = [
    "# Performance",
    "",
    "Written by `npm run bench` (scripts/bench.js); rerun it to refresh. Figures are medians; the machine is shared, so",
    "compare ratios measured in the same run rather than absolute times across runs, and prefer CPU time (user + system)",
    "to wall time when the load average is above the number of cores.",
    "",
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GiB memory, Node.js ${m.node}, ${m.os}.`,
    `Load average (1, 5, 15 min): ${loads.join("; ")}.`,
    "",
    "| measure | value | budget | |",
    "|---|---|---|---|",
    ...rows.map((r) => `| ${r.label} | ${r.value} | ${r.budget} | ${status(r.ok)} |`),
    "",
    ...EXPLANATION,
  ].join("\n");
  fs.writeFileSync(path.join(ROOT, "docs", "performance.md"), md);
  process.stdout.write(`\nwrote docs/performance.md\n${failures.length === 0 ? "every budget met" : `budgets missed: ${failures.join("; ")}`}\n`);
  process.exit(failures.length === 0 ? 0 : 1);
}

/** How each figure is taken, and why a missed budget is missed (the rows above give the current figures). */
const EXPLANATION = [
  "How each figure is taken:",
  "",
  "- Synthesis: the app command of cdktf.json (`node --max-semi-space-size=64 -r ./app/register.js main.ts`) with",
  "  DR_ENV=prod against `scripts/bench/minimal-app.ts` (one stack, one S3 bucket) run the same way, each into a fresh",
  "  output directory, interleaved; wall time measured by the benchmark, CPU time and peak RSS by GNU time. The",
  "  TypeScript transform and the Lambda bundles are cached by content (node_modules/.cache/dr-ts,",
  "  node_modules/.cache/dr-lambda); the budgeted figures are with those caches warm, as every synthesis after the first",
  "  is; the run with empty caches is reported beside them. The `prod CPU:` rows come from",
  "  `scripts/bench/synth-phases.js`, which runs the steps of app/synth.ts synthesizeInto one by one and times module",
  "  loading by package.",
  "- cdktf synth: the CLI (`cdktf synth --output <dir>`) on the project and on a project whose app is the minimal one.",
  "- Lambda bundles: the zips synthesis deploys (minified, names kept, source map, only the SDK clients each function",
  "  imports, bundled: the functions do not use the SDK of the Lambda runtime). Cold start: a fresh `node` process loads",
  "  the bundle and invokes its handler once (the transaction processor with its health check, the orchestrator with a",
  "  dry-run assess step, the monitor with its scheduled event and one sample, the reconciler with the locate step of an",
  "  operator's dry run), with the environment synthesized for the function in prod, every AWS endpoint and URL on a",
  "  closed local port and one attempt per call; against an empty handler bundled with the same options. Wall time from",
  "  the spawn to the exit; CPU time of the whole process (Node's start included).",
  "- npm test: `npm test` (tsc --noEmit beside jest, scripts/test.js) as a developer runs it, twice: with an empty",
  "  synthesis cache (the first run after any change to the sources: every configuration is synthesized; budgeted), then",
  "  again with nothing changed. The jest transform, TypeScript build info and Lambda bundle caches are as the previous",
  "  run left them. CPU time counts every process, jest's workers and the synthesis processes included.",
  "",
  "Where a budget is missed, and why:",
  "",
  "- Synthesis ratio. What the project adds to cdktf's own work is small: its configuration validation, its own",
  "  modules, the construct tree and the checks on the output are the `project:` rows (the construct tree counted",
  "  whole, though most of it is cdktf and provider objects). The rest is cdktf's work for 14 stacks and about 900",
  "  resources and data sources: loading about a hundred provider bindings, and resolving every token of every element",
  "  three times per stack (once to prepare, to find cross-stack references; again per element and once more for the",
  "  whole stack before writing). Even with every `project:` row at zero, a prod synthesis takes the multiple of the",
  "  minimal app that the `without any of the project's own work` row gives, well above 2.5x: the budget cannot be",
  "  met while synthesis is cdktf's synthesizer on this app; the next row drops cdktf's prepare pass as well (which",
  "  would lose the cross-stack references) and is still at or above the budget. What would meet it: a synthesizer that",
  "  resolves each element once and loads only the provider bindings it uses (cdktf's prepare and synthesize passes",
  "  are over half of the CPU time), or synthesizing the stacks in parallel processes (each would load the bindings and",
  "  build the tree again: less wall time on idle cores, more CPU time, no gain on a loaded machine). Neither is",
  "  within this project's code. Peak RSS is within its budget. (Node flags do not help: a young generation of 16,",
  "  64 or 128 MB, or a single-threaded GC, changed the CPU time by less than the noise, about 3%.)",
  "- Cold start ratio. An empty handler's whole cold start is Node's own start. Loading and creating one AWS SDK v3",
  "  client (DynamoDB, minified ES-module build, nothing else) already costs the multiple of it that the `one SDK client`",
  "  row gives, above 1.5x; every function imports at least two clients and creates them at module scope (the house",
  "  style), and three of the four call AWS in their first invocation, which loads and runs the SDK's request path",
  "  anyway. So no function can meet 1.5x by this measure, whatever is done to its bundle: the SDK of the Lambda",
  "  runtime instead of a bundled one is slower still (the `on the SDK from node_modules` rows), V8's compile cache saves",
  "  about a quarter of the SDK's load (measured on Node 22 while writing this; the rest is the SDK's module",
  "  initialisation), and dropping keepNames 5-8% (and the readable stack traces the issue asks for). What",
  "  would meet it for the transaction processor, whose first invocation is a health check: creating its clients (and",
  "  loading zod) on first use, in lambda/ code, and keeping their code out of the file Node compiles first (an ES-module",
  "  bundle split at a dynamic import): a CPU profile of its cold start (node --cpu-prof, 2026-11-29) put 30 ms of its",
  "  61 ms load in V8 compiling the 0.93 MB bundle (wrapSafe) and about 10 ms in running its modules' top level, against",
  "  13 ms for Node's own start. The zips are within 1 MB.",
  "",
  "How the met budgets are met:",
  "",
  "- npm test. Each configuration is synthesized once per change of the sources, in two processes before the suites",
  "  start (shipped ones and the variants the last full run used), and read from the synthesis cache otherwise",
  "  (`__tests__/support/synth-cache.js`). The drill's AWS model answers through one router per SDK client class",
  "  (`drill/model/command-router.ts`, a map lookup by command class) instead of an aws-sdk-client-mock fake per command:",
  "  sinon matched every call against every fake and recorded it with a captured stack, over half of the drill's CPU.",
  "  And the drill validates each state machine definition once (`drill/asl/runner.ts`). The budget is wall time on two",
  "  cores: on a machine whose load average is above two, compare the CPU figure, which does not depend on other users.",
  "",
];

main();
