/**
 * The project's Lambda code, bundled with esbuild into reproducible zip files
 * and handed to Terraform as file assets.
 *
 * Why not cdktf's AssetType.ARCHIVE: it zips a directory with each file's
 * modification time, so touching a source (or a checkout, or another time
 * zone) changes the zip and every synthesis differs. Here the zip is built in
 * memory with fflate from the bundle alone: one entry (`index.js`), a fixed
 * DOS time stamp, fixed Unix permissions and a fixed compression level, so the
 * same sources always give the same bytes, and the asset hash (the SHA-256 of
 * the zip) only changes when the code does.
 *
 * Bundling: every function is bundled in one esbuild call (shared modules such
 * as the AWS SDK are parsed once) the first time any bundle is asked for, and
 * reused by every stack of the synthesis: both regions deploy the same bytes.
 * A bundle is reused later in the same process only while its inputs (every
 * file esbuild read, by content) are unchanged.
 *
 * The AWS SDK v3 is bundled at the versions package-lock.json pins, not taken
 * from the Lambda runtime, so what was tested is what runs. Output is
 * CommonJS for Node.js 22, not minified (the code stays readable in the Lambda
 * console and stack traces point at readable lines), without source maps, and
 * with paths relative to the project root only (no absolute path of the build
 * machine ends up in the zip).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Construct } from "constructs";
import { AssetType, TerraformAsset } from "cdktf";

/** The project root (where cdktf.json and lambda/ live). */
const PROJECT_ROOT = path.resolve(__dirname, "..");

/** The functions the project deploys, by name, with their entry points relative to the project root. */
export const LAMBDA_ENTRIES = {
  "health-monitor": "lambda/health-monitor/index.ts",
  "failover-orchestrator": "lambda/failover-orchestrator/index.ts",
  "transaction-processor": "lambda/transaction-processor/index.ts",
} as const;

export type LambdaName = keyof typeof LAMBDA_ENTRIES;

/** Handler of every bundle: `index.js` exports `handler`. */
export const LAMBDA_HANDLER = "index.handler";

/** The Node.js version the bundles are compiled for (the nodejs22.x runtime). */
export const BUNDLE_TARGET = "node22";

/**
 * Time stamp of every zip entry, 1980-01-01 00:00:00 (the DOS epoch). Built
 * from local-time fields on purpose: fflate writes the entry's local-time
 * fields, so a Date made from the same local fields gives the same bytes in
 * every time zone.
 */
function fixedZipTime(): Date {
  return new Date(1980, 0, 1, 0, 0, 0);
}

/** Unix mode of the entry, rw-r--r-- regular file, in the high half of the external attributes. */
const ZIP_ENTRY_ATTRIBUTES = (0o100644 << 16) >>> 0;
/** "Made by" Unix, so that the mode above is honoured when the zip is extracted. */
const ZIP_MADE_BY_UNIX = 3;
const ZIP_LEVEL = 9;

export interface LambdaBundle {
  readonly name: LambdaName;
  /** The zip file on disk (a temporary file of this process), read by TerraformAsset at synthesis. */
  readonly zipPath: string;
  /** SHA-256 of the zip, hex: the asset hash (it names the asset's directory in cdktf.out). */
  readonly sha256Hex: string;
  /** SHA-256 of the zip, base64: Terraform's `source_code_hash` (what filebase64sha256 would give). */
  readonly sha256Base64: string;
  /** Bytes of the zip. */
  readonly zipSize: number;
  /** Bytes of the bundled index.js. */
  readonly codeSize: number;
  /** Files esbuild read, relative to the project root, sorted. */
  readonly inputs: readonly string[];
}

interface CacheEntry {
  readonly bundles: ReadonlyMap<LambdaName, LambdaBundle>;
  /** SHA-256 over every input's path and content. */
  readonly fingerprint: string;
  readonly inputs: readonly string[];
}

let cache: CacheEntry | undefined;
let workDir: string | undefined;
let builds = 0;

/** How many times this process ran esbuild (for tests: once per synthesis, however many stacks use the bundles). */
export function bundleBuildCount(): number {
  return builds;
}

function fingerprintOf(inputs: readonly string[]): string {
  const hash = crypto.createHash("sha256");
  for (const input of inputs) {
    hash.update(input).update("\0");
    try {
      hash.update(fs.readFileSync(path.join(PROJECT_ROOT, input)));
    } catch {
      hash.update("(missing)");
    }
    hash.update("\0");
  }
  return hash.digest("hex");
}

/** A temporary directory of this process for the zip files, removed when the process exits. */
function zipDirectory(): string {
  if (!workDir) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-lambda-"));
    workDir = dir;
    process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return workDir;
}

/**
 * A zip of the given entries (path inside the zip -> bytes), byte-identical for
 * identical content: fixed time stamps and modes, entries in sorted order.
 */
export function reproducibleZipOf(entries: Record<string, Uint8Array>): Uint8Array {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { zipSync } = require("fflate") as typeof import("fflate");
  const sorted = Object.keys(entries).sort();
  return zipSync(
    Object.fromEntries(sorted.map((name) => [name, [entries[name], { mtime: fixedZipTime(), os: ZIP_MADE_BY_UNIX, attrs: ZIP_ENTRY_ATTRIBUTES }]])),
    { level: ZIP_LEVEL },
  );
}

/** A zip with a single `index.js`, byte-identical for identical code. */
export function reproducibleZip(code: Uint8Array): Uint8Array {
  return reproducibleZipOf({ "index.js": code });
}

function buildAll(): CacheEntry {
  // esbuild is loaded only when a bundle is needed: validation failures and unrelated tests never pay for it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require("esbuild") as typeof import("esbuild");
  builds++;
  const names = Object.keys(LAMBDA_ENTRIES) as LambdaName[];
  const result = esbuild.buildSync({
    entryPoints: Object.fromEntries(names.map((name) => [name, path.join(PROJECT_ROOT, LAMBDA_ENTRIES[name])])),
    // Never written: outdir only names the outputs and anchors relative paths inside the project.
    outdir: path.join(PROJECT_ROOT, ".lambda-bundles"),
    write: false,
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: "node",
    target: BUNDLE_TARGET,
    format: "cjs",
    minify: false,
    keepNames: true,
    sourcemap: false,
    charset: "utf8",
    metafile: true,
    logLevel: "silent",
  });
  if (result.errors.length > 0) {
    throw new Error(`Bundling the Lambda functions failed:\n${result.errors.map((e) => `  - ${e.text}`).join("\n")}`);
  }
  const inputs = Object.keys(result.metafile!.inputs).sort();
  const absolute = inputs.filter((input) => path.isAbsolute(input));
  if (absolute.length > 0) {
    throw new Error(`Lambda bundle inputs outside the project root would leak build-machine paths: ${absolute.join(", ")}`);
  }
  const dir = zipDirectory();
  const bundles = new Map<LambdaName, LambdaBundle>();
  for (const name of names) {
    const output = result.outputFiles!.find((file) => path.basename(file.path) === `${name}.js`);
    if (!output) throw new Error(`esbuild produced no output for the ${name} function`);
    const zip = reproducibleZip(output.contents);
    const zipPath = path.join(dir, `${name}.zip`);
    fs.writeFileSync(zipPath, zip);
    const digest = crypto.createHash("sha256").update(zip).digest();
    const own = Object.keys(result.metafile!.outputs[path.relative(PROJECT_ROOT, output.path)]?.inputs ?? {}).sort();
    bundles.set(name, {
      name,
      zipPath,
      sha256Hex: digest.toString("hex"),
      sha256Base64: digest.toString("base64"),
      zipSize: zip.length,
      codeSize: output.contents.length,
      inputs: own,
    });
  }
  return { bundles, fingerprint: fingerprintOf(inputs), inputs };
}

/**
 * The bundle of one function. All functions are bundled together on the first
 * call; later calls reuse them while no input file has changed.
 */
export function lambdaBundle(name: LambdaName): LambdaBundle {
  if (!cache || fingerprintOf(cache.inputs) !== cache.fingerprint) cache = buildAll();
  return cache.bundles.get(name)!;
}

export interface LambdaCodeAssetProps {
  readonly bundle: LambdaBundle;
}

/**
 * The zip of one function as a Terraform file asset of the stack it is created
 * in: copied to `assets/<construct id>/<sha256>/<name>.zip` of that stack's
 * output directory, referenced by a path relative to it.
 */
export class LambdaCodeAsset extends Construct {
  readonly asset: TerraformAsset;
  /** Path of the zip relative to the stack's directory: the function's `filename`. */
  readonly path: string;
  /** Base64 SHA-256 of the zip: the function's `source_code_hash`. */
  readonly sourceCodeHash: string;

  constructor(scope: Construct, id: string, props: LambdaCodeAssetProps) {
    super(scope, id);
    this.asset = new TerraformAsset(this, "zip", {
      path: props.bundle.zipPath,
      type: AssetType.FILE,
      assetHash: props.bundle.sha256Hex,
    });
    this.path = this.asset.path;
    this.sourceCodeHash = props.bundle.sha256Base64;
  }
}
