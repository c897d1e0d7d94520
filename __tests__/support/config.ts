/** Test helpers for configurations: the shipped files, and variations of them. */
import * as fs from "fs";
import * as path from "path";
import { CONFIG_DIR, validateConfig } from "../../lib/config/load";
import { DrConfig } from "../../lib/config/model";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

export function shippedConfigFiles(): string[] {
  return fs
    .readdirSync(CONFIG_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => path.join(CONFIG_DIR, f));
}

export function readRawConfig(name: string): Record<string, any> {
  return JSON.parse(fs.readFileSync(path.join(CONFIG_DIR, `${name}.json`), "utf8"));
}

type Patch = Record<string, any>;

/** Deep merge for plain objects; arrays and scalars replace; `undefined` deletes a key. */
export function merge<T extends Record<string, any>>(base: T, patch: Patch): T {
  const result: Record<string, any> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete result[key];
    else if (value && typeof value === "object" && !Array.isArray(value) && result[key] && typeof result[key] === "object") {
      result[key] = merge(result[key], value);
    } else result[key] = value;
  }
  return result as T;
}

/** The shipped configuration `name` with a patch applied, as raw JSON. */
export function rawVariant(name: string, patch: Patch = {}): Record<string, any> {
  return merge(readRawConfig(name), patch);
}

/** A digest for patched variants that turn a destroyable configuration protected (the gate requires a pinned image there). */
export const TEST_IMAGE_DIGEST = `sha256:${"0".repeat(64)}`;

/**
 * The shipped configuration `name` with a patch applied, validated. A patch that makes a configuration protected
 * without naming an image gets the placeholder digest, as the shipped protected configurations have: the image gate
 * itself is tested on raw variants (__tests__/security-api.test.ts, "finding 4").
 */
export function configVariant(name: string, patch: Patch = {}): DrConfig {
  const raw = rawVariant(name, patch);
  if (raw.destroyProfile === "protected" && raw.service?.imageDigest === undefined && raw.service?.image === undefined && raw.service?.imageTag === undefined) {
    raw.service = { ...(raw.service ?? {}), imageDigest: TEST_IMAGE_DIGEST };
  }
  return validateConfig(raw, `${name}.json (patched)`);
}
