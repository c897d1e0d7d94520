/**
 * Loading: DR_CONFIG=<path> loads any file, DR_ENV=<name> loads
 * config/<name>.json (default dev). The file is read strictly (json.ts),
 * shape-checked, resolved and cross-checked before any construct exists.
 */
import * as fs from "fs";
import * as path from "path";
import { ConfigSchema } from "./schema";
import { configWarnings, validateSemantics } from "./validate";
import { DrConfig, resolveConfig } from "./model";
import { ConfigError, ConfigProblem, ConfigWarning } from "./problems";
import { readJsonText } from "./json";

export { ConfigError, formatProblems, formatValue } from "./problems";
export type { ConfigProblem, ConfigWarning } from "./problems";

export const CONFIG_DIR = path.resolve(__dirname, "..", "..", "config");

function valueAt(input: unknown, keys: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of keys) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** Validates an already-parsed JSON value; throws ConfigError with every problem. */
export function validateConfig(raw: unknown, source: string): DrConfig {
  return checkConfig(raw, source).config;
}

/** Validates and also returns the warnings (legal, but probably a mistake). */
export function checkConfig(raw: unknown, source: string, today: Date = new Date()): { config: DrConfig; warnings: ConfigWarning[] } {
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue): ConfigProblem => {
      const keys = issue.path as PropertyKey[];
      const value = issue.code === "unrecognized_keys" ? issue.keys : valueAt(raw, keys);
      const message = issue.code === "invalid_type" && value === undefined ? "is required" : issue.message;
      return { path: keys.map(String).join("."), value, message };
    });
    throw new ConfigError(source, problems);
  }
  const config = resolveConfig(parsed.data);
  const problems = validateSemantics(config);
  if (problems.length > 0) throw new ConfigError(source, problems);
  return { config, warnings: configWarnings(config, today) };
}

/** Reads the file's text, or says in a sentence why it cannot. */
function readText(file: string, source: string): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === "ENOENT"
        ? `does not exist; set DR_CONFIG to a configuration file or DR_ENV to one of: ${availableEnvironments().join(", ")}`
        : code === "EACCES"
          ? "cannot be read: permission denied"
          : `cannot be read (${code ?? String(error)})`;
    throw new ConfigError(source, [{ path: "", value: file, message }]);
  }
  if (stat.isDirectory()) {
    throw new ConfigError(source, [
      { path: "", value: file, message: "is a directory, not a configuration file; name a .json file such as config/dev.json" },
    ]);
  }
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(source, [
      { path: "", value: file, message: code === "EACCES" ? "cannot be read: permission denied" : `cannot be read (${code ?? String(error)})` },
    ]);
  }
}

/** Reads, parses and validates a file; throws ConfigError with every problem. */
export function readConfigFile(file: string): DrConfig {
  return checkConfigFile(file).config;
}

/** readConfigFile, also returning the warnings. */
export function checkConfigFile(file: string, today: Date = new Date()): { config: DrConfig; warnings: ConfigWarning[] } {
  const source = path.relative(process.cwd(), file) || file;
  const read = readJsonText(readText(file, source));
  if (!read.ok) throw new ConfigError(source, read.problems);
  return checkConfig(read.value, source, today);
}

export function availableEnvironments(): string[] {
  if (!fs.existsSync(CONFIG_DIR)) return [];
  return fs
    .readdirSync(CONFIG_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.replace(/\.json$/, ""))
    .sort();
}

export interface ConfigSelection {
  readonly file: string;
  /** Why this file: "DR_CONFIG", "DR_ENV" or "default". */
  readonly reason: "DR_CONFIG" | "DR_ENV" | "default";
}

/** The file the environment selects, and why: DR_CONFIG wins over DR_ENV; DR_ENV defaults to dev. */
export function selectConfigFile(env: NodeJS.ProcessEnv = process.env): ConfigSelection {
  if (env.DR_CONFIG !== undefined) {
    if (env.DR_CONFIG.trim() === "") {
      throw new ConfigError("DR_CONFIG", [
        {
          path: "DR_CONFIG",
          value: env.DR_CONFIG,
          message: `is set but empty; give it the path of a configuration file, or unset it to use DR_ENV (available: ${availableEnvironments().join(", ")})`,
        },
      ]);
    }
    return { file: path.resolve(env.DR_CONFIG), reason: "DR_CONFIG" };
  }
  const name = env.DR_ENV ?? "dev";
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) {
    throw new ConfigError("DR_ENV", [
      { path: "DR_ENV", value: name, message: `must name a file in config/ (lowercase letters, digits, '-'); available: ${availableEnvironments().join(", ")}` },
    ]);
  }
  const file = path.join(CONFIG_DIR, `${name}.json`);
  if (!fs.existsSync(file)) {
    throw new ConfigError("DR_ENV", [
      { path: "DR_ENV", value: name, message: `has no file config/${name}.json; available: ${availableEnvironments().join(", ")}` },
    ]);
  }
  return { file, reason: env.DR_ENV === undefined ? "default" : "DR_ENV" };
}

/** The file the environment selects (see selectConfigFile). */
export function selectedConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  return selectConfigFile(env).file;
}

/** The sentence synthesis prints first: which file, and why that one. */
export function describeSelection(selection: ConfigSelection, env: NodeJS.ProcessEnv = process.env): string {
  const shown = path.relative(process.cwd(), selection.file) || selection.file;
  const why =
    selection.reason === "DR_CONFIG"
      ? "DR_CONFIG is set"
      : selection.reason === "DR_ENV"
        ? `DR_ENV=${env.DR_ENV}`
        : "the default: neither DR_CONFIG nor DR_ENV is set";
  return `Configuration: ${shown} (${why})`;
}

export interface LoadedConfig {
  readonly config: DrConfig;
  readonly file: string;
  readonly reason: ConfigSelection["reason"];
  readonly warnings: readonly ConfigWarning[];
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, today: Date = new Date()): LoadedConfig {
  const selection = selectConfigFile(env);
  const { config, warnings } = checkConfigFile(selection.file, today);
  return { config, file: selection.file, reason: selection.reason, warnings };
}

