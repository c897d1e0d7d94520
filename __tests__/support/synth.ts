/** Synthesis helpers: in-process into a temporary directory, or the real app command in a child process. */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { DrConfig } from "../../lib/config/model";
import { SynthesizedApp, TerraformJson, readSynthesizedApp } from "../../app/layout-check";
import { synthesizeInto } from "../../app/synth";
import { PROJECT_ROOT } from "./config";

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `dr-${prefix}-`));
}

/** Every file synthesis depends on, by content: the cache key's half that is not the configuration. */
let sourceFingerprint: string | undefined;
function fingerprintOfSources(): string {
  if (sourceFingerprint) return sourceFingerprint;
  const hash = crypto.createHash("sha256");
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        hash.update(path.relative(PROJECT_ROOT, full));
        hash.update(fs.readFileSync(full));
      }
    }
  };
  for (const dir of ["lib", "stacks", "constructs", "lambda", "canary"]) walk(path.join(PROJECT_ROOT, dir));
  hash.update(fs.readFileSync(path.join(PROJECT_ROOT, "package-lock.json")));
  sourceFingerprint = hash.digest("hex");
  return sourceFingerprint;
}

const CACHE_DIR = path.join(os.tmpdir(), "dr-synth-cache");

/**
 * Synthesizes a configuration in this process and reads the result back as
 * parsed JSON. Results are cached on disk by the configuration and the content
 * of every source file, so suites that synthesize the same configuration share
 * one synthesis, and any change to the code or the configuration misses the cache.
 */
export function synthConfig(config: DrConfig): SynthesizedApp {
  const key = crypto.createHash("sha256").update(fingerprintOfSources()).update(JSON.stringify(config)).digest("hex");
  const cached = path.join(CACHE_DIR, `${key}.json`);
  if (fs.existsSync(cached)) return JSON.parse(fs.readFileSync(cached, "utf8"));
  const dir = tempDir("synth");
  try {
    synthesizeInto(config, path.join(dir, "out"));
    const app = readSynthesizedApp(path.join(dir, "out"));
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    const partial = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(partial, JSON.stringify(app));
    fs.renameSync(partial, cached);
    return app;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
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
