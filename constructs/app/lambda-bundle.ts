/**
 * The project's Lambda code, bundled with esbuild into reproducible zip files
 * and handed to Terraform as file assets.
 *
 * Why not cdktf's AssetType.ARCHIVE: it zips a directory with each file's
 * modification time, so touching a source (or a checkout, or another time
 * zone) changes the zip and every synthesis differs. Here the zip is built in
 * memory with fflate: `index.js` and its source map `index.js.map`, a fixed
 * DOS time stamp, fixed Unix permissions and a fixed compression level, so the
 * same sources always give the same bytes, and the asset hash (the SHA-256 of
 * the zip) only changes when the code does.
 *
 * What a bundle holds: the handler and what it imports, including the AWS SDK
 * v3 clients at the versions package-lock.json pins (what was tested is what
 * runs), and only those the function imports. The SDK's ES module builds are
 * preferred (`mainFields`), which esbuild can tree-shake, unlike their CommonJS
 * builds. Output is CommonJS for Node.js 22, minified with names kept (a stack
 * trace still names the functions and error classes), plus a source map with
 * paths relative to the project root only (no absolute path of the build
 * machine ends up in the zip): set NODE_OPTIONS=--enable-source-maps on a
 * function to get TypeScript lines in its stack traces.
 *
 * Bundling is cached by content, on disk under node_modules/.cache/dr-lambda:
 * the cache key covers esbuild's version, every option below, the entry points,
 * package-lock.json and the names of the files under lambda/; an entry is used
 * only while every input esbuild read (listed in the entry, by content; under
 * node_modules, by the package-lock.json that pins them) is unchanged, so a warm
 * cache never hides a changed source. Every function is
 * bundled in one esbuild call (shared modules such as the AWS SDK are parsed
 * once), and both regions deploy the same bytes.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Construct, IConstruct } from "constructs";
import { AssetType, TerraformAsset } from "cdktf";

/** The project root (where cdktf.json and lambda/ live). */
const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** The functions the project deploys, by name, with their entry points relative to the project root. */
export const LAMBDA_ENTRIES = {
  "health-monitor": "lambda/health-monitor/index.ts",
  "failover-orchestrator": "lambda/failover-orchestrator/index.ts",
  "transaction-processor": "lambda/transaction-processor/index.ts",
  reconciler: "lambda/reconciler/index.ts",
  "paging-forwarder": "lambda/paging-forwarder/index.ts",
} as const;

export type LambdaName = keyof typeof LAMBDA_ENTRIES;

/** Handler of every bundle: `index.js` exports `handler`. */
export const LAMBDA_HANDLER = "index.handler";

/** The Node.js version the bundles are compiled for (the nodejs22.x runtime). */
export const BUNDLE_TARGET = "node22";

/** esbuild options of every bundle (besides entry points and output names); part of the cache key. */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: "node",
  target: BUNDLE_TARGET,
  format: "cjs",
  // ES module builds first: the AWS SDK's dist-es tree-shakes, its dist-cjs does not.
  mainFields: ["module", "main"],
  minify: true,
  keepNames: true,
  sourcemap: "external",
  sourcesContent: false,
  charset: "utf8",
  legalComments: "none",
} as const;

/** Appended to index.js: where Node finds the map when source maps are enabled. */
const SOURCE_MAP_COMMENT = "\n//# sourceMappingURL=index.js.map\n";

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
  readonly name: string;
  /** The zip file on disk (in the bundle cache), read by TerraformAsset at synthesis. */
  readonly zipPath: string;
  /** SHA-256 of the zip, hex: the asset hash (it names the asset's directory in cdktf.out). */
  readonly sha256Hex: string;
  /** SHA-256 of the zip, base64: Terraform's `source_code_hash` (what filebase64sha256 would give). */
  readonly sha256Base64: string;
  /** Bytes of the zip. */
  readonly zipSize: number;
  /** Bytes of the bundled index.js. */
  readonly codeSize: number;
  /** Files esbuild read for this function, relative to the project root, sorted. */
  readonly inputs: readonly string[];
}

/** Where and what to bundle; the defaults are the project's functions. */
export interface BundleSet {
  /** Directory the entry points and inputs are relative to. */
  readonly root: string;
  readonly entries: Readonly<Record<string, string>>;
  /** Directory of the on-disk cache. */
  readonly cacheDir: string;
}

/** The project's functions; DR_LAMBDA_CACHE_DIR moves the cache (tests use an empty one to force a build). */
export const PROJECT_BUNDLES: BundleSet = {
  root: PROJECT_ROOT,
  entries: LAMBDA_ENTRIES,
  cacheDir: process.env.DR_LAMBDA_CACHE_DIR || path.join(PROJECT_ROOT, "node_modules", ".cache", "dr-lambda"),
};

interface CacheManifest {
  /** Every file esbuild read, relative to the root, with the SHA-256 of its content. */
  readonly inputs: Readonly<Record<string, string>>;
  readonly bundles: Readonly<Record<string, Omit<LambdaBundle, "zipPath">>>;
}

let builds = 0;
/** Entries validated in this process, with each input's size and mtime then: a re-check is a stat, not a read. */
const validated = new Map<string, { manifest: CacheManifest; stamps: string }>();
/** How many times this process ran esbuild (for tests: a warm cache runs it zero times, a changed input once). */
export function bundleBuildCount(): number {
  return builds;
}

const sha256 = (data: string | Uint8Array) => crypto.createHash("sha256").update(data).digest("hex");

/**
 * What stands for an input's content in the cache: the SHA-256 of the file
 * for the project's own sources; for files under node_modules, which npm ci
 * installs exactly as package-lock.json pins, the lock file (part of the cache
 * key) instead, which spares reading or even stat-ing the whole SDK on every
 * synthesis.
 */
function contentHash(root: string, file: string): string {
  try {
    if (file.startsWith("node_modules/")) return "pinned by package-lock.json";
    return sha256(fs.readFileSync(path.join(root, file)));
  } catch {
    return "(missing)";
  }
}

/** Names (not contents) of the files under the entries' top directories: a new file can change module resolution. */
function sourceListing(set: BundleSet): string {
  const tops = [...new Set(Object.values(set.entries).map((e) => e.split(/[\\/]/)[0]))].sort();
  const names: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(set.root, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else names.push(rel);
    }
  };
  for (const top of tops) if (fs.statSync(path.join(set.root, top), { throwIfNoEntry: false })?.isDirectory()) walk(top);
  return names.sort().join("\n");
}

function cacheKey(set: BundleSet): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuildVersion = (require("esbuild/package.json") as { version: string }).version;
  const lock = path.join(set.root, "package-lock.json");
  return sha256(
    JSON.stringify({
      // Inputs are paths relative to the root: entries of another checkout never apply here.
      root: set.root,
      esbuildVersion,
      options: BUNDLE_OPTIONS,
      entries: set.entries,
      lock: fs.existsSync(lock) ? sha256(fs.readFileSync(lock)) : "",
      listing: sha256(sourceListing(set)),
      zip: { level: ZIP_LEVEL, attributes: ZIP_ENTRY_ATTRIBUTES, madeBy: ZIP_MADE_BY_UNIX },
    }),
  );
}

/** The cache entry, when every input still has the content it was bundled from. */
function cached(set: BundleSet, dir: string): CacheManifest | undefined {
  let manifest: CacheManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
  } catch {
    return undefined;
  }
  for (const [input, hash] of Object.entries(manifest.inputs)) if (contentHash(set.root, input) !== hash) return undefined;
  for (const name of Object.keys(set.entries)) if (!fs.existsSync(path.join(dir, `${name}.zip`))) return undefined;
  return manifest;
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

/** A function's zip: `index.js` (pointing at its map) and `index.js.map`, byte-identical for identical code. */
export function reproducibleZip(code: Uint8Array, sourceMap?: Uint8Array): Uint8Array {
  if (!sourceMap) return reproducibleZipOf({ "index.js": code });
  const withComment = Buffer.concat([Buffer.from(code), Buffer.from(SOURCE_MAP_COMMENT)]);
  return reproducibleZipOf({ "index.js": withComment, "index.js.map": sourceMap });
}

function build(set: BundleSet, dir: string): CacheManifest {
  // esbuild is loaded only when a bundle must be built: a warm cache and unrelated tests never pay for it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require("esbuild") as typeof import("esbuild");
  builds++;
  const names = Object.keys(set.entries);
  const result = esbuild.buildSync({
    ...BUNDLE_OPTIONS,
    mainFields: [...BUNDLE_OPTIONS.mainFields],
    entryPoints: Object.fromEntries(names.map((name) => [name, path.join(set.root, set.entries[name])])),
    // Never written: outdir only names the outputs and anchors relative paths inside the root.
    outdir: path.join(set.root, ".lambda-bundles"),
    write: false,
    absWorkingDir: set.root,
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
  const staging = `${dir}.${process.pid}.tmp`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  const bundles: Record<string, Omit<LambdaBundle, "zipPath">> = {};
  for (const name of names) {
    const output = result.outputFiles!.find((file) => path.basename(file.path) === `${name}.js`);
    const map = result.outputFiles!.find((file) => path.basename(file.path) === `${name}.js.map`);
    if (!output || !map) throw new Error(`esbuild produced no output for the ${name} function`);
    const zip = reproducibleZip(output.contents, map.contents);
    fs.writeFileSync(path.join(staging, `${name}.zip`), zip);
    const digest = crypto.createHash("sha256").update(zip).digest();
    const own = Object.keys(result.metafile!.outputs[path.relative(set.root, output.path).split(path.sep).join("/")]?.inputs ?? {}).sort();
    bundles[name] = {
      name,
      sha256Hex: digest.toString("hex"),
      sha256Base64: digest.toString("base64"),
      zipSize: zip.length,
      codeSize: output.contents.length,
      inputs: own,
    };
  }
  const manifest: CacheManifest = { inputs: Object.fromEntries(inputs.map((i) => [i, contentHash(set.root, i)])), bundles };
  fs.writeFileSync(path.join(staging, "manifest.json"), JSON.stringify(manifest));
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  // Another process may have filled the same entry meanwhile (parallel syntheses): a valid entry is the
  // same content, so it stays, and readers of its files never see it disappear.
  const current = cached(set, dir);
  if (current) {
    fs.rmSync(staging, { recursive: true, force: true });
    return current;
  }
  // A stale entry (inputs changed since) is moved aside before the new one takes its place.
  const retired = `${dir}.retired-${process.pid}`;
  if (fs.existsSync(dir)) fs.renameSync(dir, retired);
  try {
    fs.renameSync(staging, dir);
  } catch (error) {
    const raced = cached(set, dir);
    fs.rmSync(staging, { recursive: true, force: true });
    if (!raced) throw error;
    return raced;
  } finally {
    fs.rmSync(retired, { recursive: true, force: true });
  }
  return manifest;
}

/**
 * The bundles of a set: from the cache when every input is unchanged, built
 * (all functions in one esbuild call) otherwise.
 */
export function bundleSet(set: BundleSet): ReadonlyMap<string, LambdaBundle> {
  const dir = path.join(set.cacheDir, cacheKey(set));
  const known = validated.get(dir);
  let manifest = known && stampsOf(set, known.manifest) === known.stamps ? known.manifest : undefined;
  manifest ??= cached(set, dir) ?? build(set, dir);
  validated.set(dir, { manifest, stamps: stampsOf(set, manifest) });
  return new Map(Object.entries(manifest.bundles).map(([name, b]) => [name, { ...b, zipPath: path.join(dir, `${name}.zip`) }]));
}

/** Size and modification time of every project input: unchanged stamps mean the content hashes checked earlier still hold. */
function stampsOf(set: BundleSet, manifest: CacheManifest): string {
  return Object.keys(manifest.inputs)
    .filter((input) => !input.startsWith("node_modules/"))
    .map((input) => {
      try {
        const stat = fs.statSync(path.join(set.root, input));
        return `${stat.size}:${stat.mtimeMs}`;
      } catch {
        return "-";
      }
    })
    .join(",");
}

/** Bundles already resolved for one app (one synthesis): its stacks share them without checking the inputs again. */
const perApp = new WeakMap<object, ReadonlyMap<string, LambdaBundle>>();

/**
 * The bundle of one of the project's functions. Within one app (`scope`'s
 * root) the bundles are resolved once; a new app checks the inputs again.
 */
export function lambdaBundle(name: LambdaName, scope?: IConstruct): LambdaBundle {
  if (!scope) return bundleSet(PROJECT_BUNDLES).get(name)!;
  const root = scope.node.root;
  let bundles = perApp.get(root);
  if (!bundles) {
    bundles = bundleSet(PROJECT_BUNDLES);
    perApp.set(root, bundles);
  }
  return bundles.get(name)!;
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
