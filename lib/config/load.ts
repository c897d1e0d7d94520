/**
 * Loading: DR_CONFIG=<path> loads any file, DR_ENV=<name> loads
 * config/<name>.json (default dev). The file is parsed, shape-checked,
 * resolved and cross-checked before any construct exists.
 */
import * as fs from "fs";
import * as path from "path";
import { ConfigSchema } from "./schema";
import { ConfigProblem, validateSemantics } from "./validate";
import { DrConfig, resolveConfig } from "./model";

export const CONFIG_DIR = path.resolve(__dirname, "..", "..", "config");

/** A configuration that cannot be used; carries every problem found. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(formatProblems(source, problems));
    this.name = "ConfigError";
  }
}

export function formatValue(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

export function formatProblems(source: string, problems: readonly ConfigProblem[]): string {
  const lines = problems.map((p) => `  - ${p.path || "(top level)"}: ${p.message} (got ${formatValue(p.value)})`);
  return `Invalid configuration in ${source}:\n${lines.join("\n")}`;
}

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
  return config;
}

export function readConfigFile(file: string): DrConfig {
  const source = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(source, [
      { path: "", value: file, message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})` },
    ]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(source, [{ path: "", value: undefined, message: `is not valid JSON: ${(error as Error).message}` }]);
  }
  return validateConfig(raw, source);
}

export function availableEnvironments(): string[] {
  if (!fs.existsSync(CONFIG_DIR)) return [];
  return fs
    .readdirSync(CONFIG_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.replace(/\.json$/, ""))
    .sort();
}

/** The file the environment selects: DR_CONFIG wins over DR_ENV; DR_ENV defaults to dev. */
export function selectedConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DR_CONFIG) return path.resolve(env.DR_CONFIG);
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
  return file;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): { config: DrConfig; file: string } {
  const file = selectedConfigFile(env);
  return { config: readConfigFile(file), file };
}
