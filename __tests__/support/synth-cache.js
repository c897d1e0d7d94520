/**
 * The tests' synthesis cache: the output of synthesizeInto (app/synth.ts) for
 * a configuration, kept on disk and shared by the global setup, every jest
 * worker and later runs, so that each configuration is synthesized once, not
 * once per suite that asks for it, and not again while nothing it depends on
 * has changed.
 *
 * Why a warm entry can never be stale: an entry is filed under the hash of
 * everything a synthesis can read besides node_modules (every file of the
 * project except __tests__/, dot-entries and output directories: sources,
 * Lambda code, canary, configuration files, docs, package-lock.json, which pins
 * node_modules and esbuild), the Node.js version and the CDKTF_* / TZ
 * environment, and under the hash of the configuration itself. Change any of
 * those and the key changes: the configuration is synthesized again, so a test
 * that should fail on the change fails. An entry is written to a temporary
 * directory and renamed into place only when the sources hashed the same before
 * and after its synthesis (an edit during a run never files an output under
 * the wrong hash), and its files are checksummed: the global setup drops any
 * entry whose files changed since (a test that wrote into it). A failed
 * synthesis is never cached.
 *
 *   DR_SYNTH_CACHE_DIR=<dir>  where the cache lives (default node_modules/.cache/dr-synth)
 *   DR_SYNTH_CACHE=off        nothing is kept between runs (a fresh directory per run, removed at the end)
 *   DR_SYNTH_CACHE=verify     every entry served is synthesized again and compared byte for byte (slow; proves the cache)
 *   (under Stryker the cache is off: mutants are switched on at run time, not in the files)
 *
 * Layout: <dir>/<source hash>/<configuration hash>/ holds manifest.json and
 * stacks/<id>/cdk.tf.json (plus the assets for the shipped configurations, which
 * tests unzip) and checksums.json; <dir>/configs/<configuration hash>.json is
 * the configuration of each variant a full run synthesized, so that the next
 * run's global setup can synthesize them all up front, in two processes, after
 * a change (see global-setup.js).
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { isDeepStrictEqual } = require("util");

const ROOT = path.resolve(__dirname, "..", "..");
const FORMAT = 1;

/** Top-level entries that synthesis never reads: the tests, and outputs and tool state (dot-entries are skipped too). */
const NOT_INPUTS = /^(node_modules|__tests__|coverage|reports|tmp|terraform-state|cdktf\.out.*|.*\.tfstate(\.backup)?)$/;

const sha256 = (data) => crypto.createHash("sha256").update(data).digest("hex");

/**
 * on, off or verify. Off under Stryker (npm run test:mutation): it switches mutants on at run time in the
 * same instrumented files, so a synthesis would no longer be a function of the files' content alone.
 */
function mode() {
  if (process.env.STRYKER_MUTATOR_WORKER !== undefined) return "off";
  return process.env.DR_SYNTH_CACHE || "on";
}

let ownThrowaway;
/**
 * The cache's root directory. With the cache off, the global setup points DR_SYNTH_CACHE_DIR at a fresh
 * directory for the run (removed by the teardown); a process that runs without that setup gets its own.
 */
function cacheRoot() {
  if (process.env.DR_SYNTH_CACHE_DIR) return process.env.DR_SYNTH_CACHE_DIR;
  if (mode() !== "off") return path.join(ROOT, "node_modules", ".cache", "dr-synth");
  if (!ownThrowaway) {
    ownThrowaway = throwawayRoot();
    process.on("exit", () => fs.rmSync(ownThrowaway, { recursive: true, force: true }));
  }
  return ownThrowaway;
}

/** Every input file of synthesis, relative to the project root, sorted. */
function inputFiles() {
  const files = [];
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (!rel && (entry.name.startsWith(".") || NOT_INPUTS.test(entry.name))) continue;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) files.push(child);
    }
  };
  walk("");
  return files.sort();
}

/** The hash of everything a synthesis depends on besides the configuration. */
function sourceHash() {
  const hash = crypto.createHash("sha256");
  hash.update(`dr-synth ${FORMAT}\0${process.version}\0${process.arch}\0`);
  const env = Object.keys(process.env)
    .filter((k) => (k.startsWith("CDKTF_") && k !== "CDKTF_OUTDIR") || k === "TZ")
    .sort();
  for (const k of env) hash.update(`${k}=${process.env[k]}\0`);
  for (const file of inputFiles()) hash.update(`${file}\0${sha256(fs.readFileSync(path.join(ROOT, file)))}\0`);
  return hash.digest("hex");
}

function configKey(config) {
  return sha256(JSON.stringify(config));
}

function listTree(dir, rel = "") {
  const out = [];
  for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listTree(dir, child));
    else out.push(child);
  }
  return out.sort();
}

/** Removes the Lambda and canary assets of an output (variants: tests read their JSON only). */
function stripAssets(outdir) {
  const stacks = path.join(outdir, "stacks");
  if (!fs.existsSync(stacks)) return;
  for (const id of fs.readdirSync(stacks)) fs.rmSync(path.join(stacks, id, "assets"), { recursive: true, force: true });
}

function writeChecksums(outdir) {
  const sums = Object.fromEntries(listTree(outdir).map((f) => [f, sha256(fs.readFileSync(path.join(outdir, f)))]));
  fs.writeFileSync(path.join(outdir, "checksums.json"), JSON.stringify(sums));
}

/** True when every file of an entry still has the content it was written with, and no file was added. */
function intact(outdir) {
  try {
    const sums = JSON.parse(fs.readFileSync(path.join(outdir, "checksums.json"), "utf8"));
    const files = listTree(outdir).filter((f) => f !== "checksums.json");
    return isDeepStrictEqual(files, Object.keys(sums).sort()) && files.every((f) => sha256(fs.readFileSync(path.join(outdir, f))) === sums[f]);
  } catch {
    return false;
  }
}

/** The cache of one source hash. */
class SynthCache {
  constructor(hash = process.env.DR_SYNTH_SOURCE_HASH || sourceHash(), root = cacheRoot()) {
    this.hash = hash;
    this.root = root;
    this.dir = path.join(root, hash);
  }

  entry(key) {
    return path.join(this.dir, key);
  }

  /** Where the configuration hash of the shipped file config/<name>.json is noted, under these sources. */
  shippedAlias(name) {
    return path.join(this.dir, `shipped.${name}.json`);
  }

  /** The cached output of a shipped configuration, by file name: { key, outdir }, if known. */
  shipped(name) {
    try {
      const { key } = JSON.parse(fs.readFileSync(this.shippedAlias(name), "utf8"));
      const outdir = this.lookup(key);
      return outdir && { key, outdir };
    } catch {
      return undefined;
    }
  }

  /** The output directory of a configuration, if cached. */
  lookup(key) {
    const dir = this.entry(key);
    return fs.existsSync(path.join(dir, "checksums.json")) ? dir : undefined;
  }

  /** A fresh directory to synthesize into, inside the cache (renames stay on one file system). */
  staging() {
    fs.mkdirSync(this.dir, { recursive: true });
    return fs.mkdtempSync(path.join(this.dir, `.staging-${process.pid}-`));
  }

  /**
   * Files a finished synthesis (`outdir` inside staging()) under `key`, unless the
   * sources changed since this cache's hash was taken. Returns the entry's directory,
   * or undefined when it was not filed (the output stays where it is).
   */
  file(key, outdir, { keepAssets }) {
    if (!keepAssets) stripAssets(outdir);
    writeChecksums(outdir);
    if (sourceHash() !== this.hash) return undefined;
    const target = this.entry(key);
    try {
      fs.renameSync(outdir, target);
    } catch (error) {
      // Another process filed the same entry first: same inputs, same output.
      if (!fs.existsSync(path.join(target, "checksums.json"))) throw error;
      fs.rmSync(outdir, { recursive: true, force: true });
    }
    return target;
  }

  /**
   * Runs `synthesize(outdir)` into a fresh staging directory and files the result under `key`. Returns the
   * directory that holds the output: the entry, or the staging output when it was not filed. A failed
   * synthesis leaves nothing behind.
   */
  synthesizeAndFile(key, synthesize, { keepAssets }) {
    const staging = this.staging();
    const outdir = path.join(staging, "out");
    try {
      synthesize(outdir);
    } catch (error) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw error;
    }
    const filed = this.file(key, outdir, { keepAssets });
    if (filed) fs.rmSync(staging, { recursive: true, force: true });
    return filed ?? outdir;
  }

  /** Drops entries whose files changed since they were written, and leftovers of interrupted syntheses. */
  verify() {
    if (!fs.existsSync(this.dir)) return [];
    const dropped = [];
    for (const name of fs.readdirSync(this.dir)) {
      const dir = path.join(this.dir, name);
      if (name.startsWith(".staging-")) {
        const pid = Number(name.split("-")[1]);
        if (!isAlive(pid)) fs.rmSync(dir, { recursive: true, force: true });
      } else if (fs.statSync(dir).isDirectory() && !intact(dir)) {
        fs.rmSync(dir, { recursive: true, force: true });
        dropped.push(name);
      }
    }
    return dropped;
  }

  /** Keeps this hash and the `keep` most recently used others; removes the rest. */
  prune(keep = 1) {
    if (!fs.existsSync(this.root)) return;
    fs.mkdirSync(this.dir, { recursive: true });
    fs.utimesSync(this.dir, new Date(), new Date());
    const others = fs
      .readdirSync(this.root)
      .filter((name) => /^[0-9a-f]{64}$/.test(name) && name !== this.hash)
      .map((name) => ({ name, mtime: fs.statSync(path.join(this.root, name)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const { name } of others.slice(keep)) fs.rmSync(path.join(this.root, name), { recursive: true, force: true });
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

/** Where variant configurations are recorded for the next run's global setup. */
function configsDir(root = cacheRoot()) {
  return path.join(root, "configs");
}

/** Records a variant a test synthesized (if it survives a JSON round trip unchanged), and marks it used now. */
function recordConfig(config, key = configKey(config)) {
  const file = path.join(configsDir(), `${key}.json`);
  try {
    if (fs.existsSync(file)) {
      const now = new Date();
      fs.utimesSync(file, now, now);
      return;
    }
    const text = JSON.stringify(config);
    if (!isDeepStrictEqual(JSON.parse(text), config)) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, text);
    fs.renameSync(partial, file);
  } catch {
    // Only a missed head start for the next run.
  }
}

/** A fresh, empty cache root for DR_SYNTH_CACHE=off. */
function throwawayRoot() {
  return fs.mkdtempSync(path.join(os.tmpdir(), "dr-synth-cache-"));
}

module.exports = { SynthCache, configKey, configsDir, mode, recordConfig, sourceHash, throwawayRoot, intact, listTree, ROOT };
