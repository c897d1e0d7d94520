/**
 * Loads the app's TypeScript without type-checking it: `npm test` runs tsc over
 * the whole project, so synthesis only needs the types stripped. esbuild's
 * transform does that per file (no bundling: `__dirname` and module identity
 * stay what they are), and the output is kept in node_modules/.cache/dr-ts,
 * keyed by the file's content, esbuild's version and the options below, so an
 * unchanged file is not transformed again and a changed one always is.
 *
 * Why not ts-node: loading the TypeScript compiler and its source-map support
 * alone took longer than the whole synthesis of the minimal app.
 *
 * Usage: node -r ./app/register.js main.ts (the app command of cdktf.json).
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const CACHE_DIR = process.env.DR_TS_CACHE_DIR || path.join(ROOT, "node_modules", ".cache", "dr-ts");
const OPTIONS = { loader: "ts", format: "cjs", target: "node20", sourcemap: "inline" };

function transform(source, filename) {
  // Loaded only on a cache miss: a warm run never starts esbuild.
  return require("esbuild").transformSync(source, { ...OPTIONS, sourcefile: filename }).code;
}

function compiled(source, filename) {
  const key = crypto
    .createHash("sha256")
    .update(`${require("esbuild/package.json").version}\0${JSON.stringify(OPTIONS)}\0${path.relative(ROOT, filename)}\0`)
    .update(source)
    .digest("hex");
  const cached = path.join(CACHE_DIR, `${key}.js`);
  try {
    return fs.readFileSync(cached, "utf8");
  } catch {
    const code = transform(source, filename);
    try {
      fs.mkdirSync(CACHE_DIR, { recursive: true });
      const partial = `${cached}.${process.pid}.tmp`;
      fs.writeFileSync(partial, code);
      fs.renameSync(partial, cached);
    } catch {
      // A read-only checkout still synthesizes; it only transforms again next time.
    }
    return code;
  }
}

/**
 * Synthesis calls no AWS API, but the catalog imports the state table's key
 * formats from the Lambda code that owns them, and that code imports AWS SDK
 * clients at its top. Those clients are loaded on first use only: in a
 * synthesis, never (a sixth of its time otherwise).
 */
const Module = require("module");
const LAMBDA_DIR = path.join(ROOT, "lambda") + path.sep;
const loadModule = Module._load;
Module._load = function loadLazily(request, parent, isMain) {
  if (request.startsWith("@aws-sdk/client-") && parent?.filename?.startsWith(LAMBDA_DIR)) {
    let real;
    const load = () => (real ??= loadModule.call(this, request, parent, isMain));
    return new Proxy(
      {},
      {
        get: (_, key) => load()[key],
        has: (_, key) => key in load(),
        ownKeys: () => Reflect.ownKeys(load()),
        getOwnPropertyDescriptor: (_, key) => {
          const descriptor = Object.getOwnPropertyDescriptor(load(), key);
          return descriptor && { ...descriptor, configurable: true };
        },
      },
    );
  }
  return loadModule.call(this, request, parent, isMain);
};

require.extensions[".ts"] = function loadTypeScript(module, filename) {
  module._compile(compiled(fs.readFileSync(filename, "utf8"), filename), filename);
};

module.exports = { CACHE_DIR, OPTIONS };
