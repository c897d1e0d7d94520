/** Synthesis helpers: in-process into a temporary directory, or the real app command in a child process. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { DrConfig } from "../../lib/config/model";
import { SynthesizedApp, TerraformJson, readSynthesizedApp } from "../../app/layout-check";
import { PROJECT_ROOT } from "./config";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cache = require("./synth-cache") as typeof import("./synth-cache");

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `dr-${prefix}-`));
}

/** The shipped configurations' output for this run (global-setup.js): configuration hash -> directory. */
let shared: Record<string, { name: string; outdir: string }> | undefined;
function sharedSyntheses(): Record<string, { name: string; outdir: string }> {
  if (!shared) {
    const index = process.env.DR_SHARED_SYNTH;
    shared = index && fs.existsSync(index) ? JSON.parse(fs.readFileSync(index, "utf8")) : {};
  }
  return shared!;
}

/** Syntheses of this suite (this module registry), by configuration hash. */
const local = new Map<string, SynthesizedApp>();

export function configKey(config: DrConfig): string {
  return cache.configKey(config);
}

let synthCache: InstanceType<typeof cache.SynthCache> | undefined;

/**
 * synthesizeInto, loaded on first use: a suite whose configurations are all
 * in the synthesis cache never loads the stacks and their provider bindings.
 */
function synthesizeInto(config: DrConfig, outdir: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require("../../app/synth") as typeof import("../../app/synth")).synthesizeInto(config, outdir);
}

/** Synthesizes a configuration into the cache; returns the output directory (in the cache, or beside it if not filed). */
function synthesizeCached(config: DrConfig, key: string): string {
  synthCache ??= new cache.SynthCache();
  return synthCache.synthesizeAndFile(key, (outdir) => synthesizeInto(config, outdir), { keepAssets: false });
}

/** DR_SYNTH_CACHE=verify: synthesizes again and fails if the cached output differs in any byte. */
function verifyCached(config: DrConfig, cachedOutdir: string): void {
  const dir = tempDir("synth-verify");
  try {
    const outdir = path.join(dir, "out");
    synthesizeInto(config, outdir);
    const withAssets = fs.readdirSync(path.join(cachedOutdir, "stacks")).some((id) => fs.existsSync(path.join(cachedOutdir, "stacks", id, "assets")));
    const files = (d: string) => cache.listTree(d).filter((f) => f !== "checksums.json" && (withAssets || !/^stacks\/[^/]+\/assets\//.test(f)));
    const [want, got] = [files(outdir), files(cachedOutdir)];
    const differing = [...new Set([...want, ...got])].filter(
      (f) => !want.includes(f) || !got.includes(f) || !fs.readFileSync(path.join(outdir, f)).equals(fs.readFileSync(path.join(cachedOutdir, f))),
    );
    if (differing.length > 0) throw new Error(`the synthesis cache served ${cachedOutdir}, which differs from a fresh synthesis in: ${differing.join(", ")}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The synthesized app of a configuration, as parsed JSON: from this run's
 * shared synthesis of the shipped configurations (global-setup.js), else from
 * the synthesis cache (synth-cache.js: filed under the hash of every source, so
 * only the output these sources give is ever served), else synthesized here and
 * filed for every other suite and run.
 */
export function synthConfig(config: DrConfig): SynthesizedApp {
  const key = configKey(config);
  const known = local.get(key);
  if (known) return known;
  const entry = sharedSyntheses()[key];
  let outdir: string;
  if (entry) outdir = entry.outdir;
  else {
    synthCache ??= new cache.SynthCache();
    cache.recordConfig(config, key);
    const cached = synthCache.lookup(key);
    outdir = cached ?? synthesizeCached(config, key);
    if (cached && cache.mode() === "verify") verifyCached(config, cached);
  }
  if (entry && cache.mode() === "verify") verifyCached(config, entry.outdir);
  const app = readSynthesizedApp(outdir);
  local.set(key, app);
  return app;
}

/** The output directory of a shipped configuration's shared synthesis (with its assets), if it is one. */
export function sharedOutdir(config: DrConfig): string | undefined {
  return sharedSyntheses()[configKey(config)]?.outdir;
}

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the app command from cdktf.json, as `cdktf synth` does, with the given environment. */
export function runApp(env: Record<string, string | undefined>): CliResult {
  const app = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "cdktf.json"), "utf8")).app as string;
  const result = spawnSync(app, {
    cwd: PROJECT_ROOT,
    shell: true,
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Writes a raw configuration to a temporary file and runs the app on it with a fresh output directory. */
export function runAppWithConfig(raw: unknown, extraEnv: Record<string, string> = {}) {
  const dir = tempDir("cli");
  const file = path.join(dir, "config.json");
  fs.writeFileSync(file, typeof raw === "string" ? raw : JSON.stringify(raw, null, 2));
  const outdir = path.join(dir, "cdktf.out");
  const result = runApp({ DR_CONFIG: file, DR_ENV: undefined, CDKTF_OUTDIR: outdir, ...extraEnv });
  return { ...result, dir, outdir };
}

/** Every resource of a stack as [type, name, body]. */
export function resourcesOf(stack: TerraformJson): [string, string, any][] {
  const out: [string, string, any][] = [];
  for (const [type, byName] of Object.entries<any>(stack.resource ?? {})) {
    for (const [name, body] of Object.entries<any>(byName)) out.push([type, name, body]);
  }
  return out;
}

/** The region a resource is created in: its provider's region, unless it sets `region` itself. */
export function regionOfResource(stack: TerraformJson, body: any): string {
  if (body.region) return body.region;
  const providers: any[] = stack.provider?.aws ?? [];
  const ref: string | undefined = body.provider === "aws" ? undefined : body.provider;
  const provider = ref ? providers.find((p) => `aws.${p.alias}` === ref) : providers.find((p) => p.alias === undefined);
  if (!provider) throw new Error(`No provider ${ref ?? "(default)"} in stack`);
  return provider.region;
}

/** Every resource body of one type in a stack. */
export function resourcesOfType(stack: TerraformJson, type: string): any[] {
  return Object.values(stack.resource?.[type] ?? {});
}

/** The one resource of a type in a stack; fails the test when there is none or several. */
export function onlyResource(stack: TerraformJson, type: string): any {
  const found = resourcesOfType(stack, type);
  if (found.length !== 1) throw new Error(`Expected one ${type}, found ${found.length}`);
  return found[0];
}
