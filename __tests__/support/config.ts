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

/** The shipped configuration `name` with a patch applied, validated. */
export function configVariant(name: string, patch: Patch = {}): DrConfig {
  return validateConfig(rawVariant(name, patch), `${name}.json (patched)`);
}
