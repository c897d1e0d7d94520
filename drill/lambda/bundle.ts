/**
 * The Lambda bundles as the drill runs them: built by esbuild with exactly the
 * options of the production bundles (BUNDLE_OPTIONS of
 * constructs/app/lambda-bundle.ts: the same entries, CommonJS for node22,
 * minified with names kept, the ES-module builds of dependencies preferred,
 * external source map), imported, not copied, with ONE difference:
 * `external: ["@aws-sdk/*"]`.
 *
 * Why: the drill answers every AWS call from its in-memory model, installed
 * behind aws-sdk-client-mock, which replaces `send` on the SDK's client classes
 * of the process. A bundle that carries its own copy of the SDK would build
 * its clients from classes the mock never sees, and would try to reach AWS.
 * With the SDK external, the bundle's `require("@aws-sdk/client-rds")` gets
 * the project's installed package (the same version package-lock.json pins and
 * the production bundle embeds), and the mock intercepts it. Everything else
 * (the handlers, shared/, their npm dependencies) is bundled exactly as shipped.
 */
import * as path from "path";
import { BUNDLE_OPTIONS, LAMBDA_ENTRIES, LambdaName } from "../../constructs/app/lambda-bundle";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** The one difference from the production bundles: the SDK stays external (see above). */
export const DRILL_EXTERNAL = ["@aws-sdk/*"] as const;

/** esbuild options of the drill bundles: the production BUNDLE_OPTIONS plus the one difference. */
export const DRILL_BUNDLE_OPTIONS = { ...BUNDLE_OPTIONS, external: DRILL_EXTERNAL } as const;

let cache: Map<LambdaName, string> | undefined;

/** The code of every function's drill bundle (built once per process). */
export function drillBundles(): ReadonlyMap<LambdaName, string> {
  if (cache) return cache;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require("esbuild") as typeof import("esbuild");
  const names = Object.keys(LAMBDA_ENTRIES) as LambdaName[];
  const result = esbuild.buildSync({
    ...DRILL_BUNDLE_OPTIONS,
    mainFields: [...DRILL_BUNDLE_OPTIONS.mainFields],
    external: [...DRILL_BUNDLE_OPTIONS.external],
    entryPoints: Object.fromEntries(names.map((name) => [name, path.join(PROJECT_ROOT, LAMBDA_ENTRIES[name])])),
    outdir: path.join(PROJECT_ROOT, ".drill-bundles"),
    write: false,
    absWorkingDir: PROJECT_ROOT,
    logLevel: "silent",
  });
  if (result.errors.length > 0) throw new Error(`Bundling the Lambda functions for the drill failed:\n${result.errors.map((e) => `  - ${e.text}`).join("\n")}`);
  const out = new Map<LambdaName, string>();
  for (const name of names) {
    const file = result.outputFiles?.find((f) => path.basename(f.path) === `${name}.js`);
    if (!file) throw new Error(`esbuild produced no drill bundle for ${name}`);
    out.set(name, file.text);
  }
  cache = out;
  return out;
}

/** The function a synthesized zip path (assets/<id>/<hash>/<name>.zip) is the bundle of. */
export function bundleNameOf(filename: string): LambdaName | undefined {
  const base = path.basename(filename).replace(/\.zip$/, "");
  return base in LAMBDA_ENTRIES ? (base as LambdaName) : undefined;
}

type Json = Record<string, unknown>;

/**
 * The uploaded object a synthesized aws_lambda_function deploys, followed as Terraform would: its `s3_key` is the
 * signed object of a signing job of the same stack, whose source is that upload, whose `source` is the bundle's zip
 * (constructs/security/lambda-code-signing.ts). Undefined for a function that does not deploy that way.
 */
export function uploadOfFunction(stack: Json, fn: Json): Json | undefined {
  const resources = (stack.resource ?? {}) as Record<string, Record<string, Json> | undefined>;
  const referenced = (value: unknown, type: string): Json | undefined => {
    const match = new RegExp(`^\\$\\{${type}\\.([^.}]+)\\.`).exec(String(value ?? ""));
    return match ? resources[type]?.[match[1]] : undefined;
  };
  const job = referenced(fn.s3_key, "aws_signer_signing_job");
  return referenced(((job?.source as Json | undefined)?.s3 as Json | undefined)?.key, "aws_s3_object");
}

/** The bundle a synthesized aws_lambda_function deploys (uploadOfFunction, then the zip's name). */
export function bundleOfFunction(stack: Json, fn: Json): LambdaName | undefined {
  const upload = uploadOfFunction(stack, fn);
  return upload ? bundleNameOf(String(upload.source ?? "")) : undefined;
}
