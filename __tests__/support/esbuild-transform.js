/**
 * Jest transform: strips TypeScript types with esbuild (no type-check: `npm test`
 * runs tsc over the whole project first). Replaces ts-jest, which loaded the
 * TypeScript compiler in every worker. Source maps are inline, so failures
 * point at TypeScript lines.
 */
"use strict";
const crypto = require("crypto");
const esbuild = require("esbuild");

const OPTIONS = { loader: "ts", format: "cjs", target: "node20", sourcemap: "inline" };

module.exports = {
  process(source, filename) {
    const { code } = esbuild.transformSync(source, { ...OPTIONS, sourcefile: filename });
    return { code };
  },
  getCacheKey(source, filename) {
    return crypto.createHash("sha256").update(`${esbuild.version}\0${JSON.stringify(OPTIONS)}\0${filename}\0`).update(source).digest("hex");
  },
};
