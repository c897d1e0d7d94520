/**
 * The command-line side of the first deploy (app/first-deploy.ts) and of the delegation check
 * (app/delegation.ts): argument parsing, the configuration the environment selects (DR_CONFIG, DR_ENV), and
 * the real runner, resolver and clock.
 */
import * as path from "path";
import { spawn } from "child_process";
import { ConfigError, loadConfig } from "../lib/config/load";
import { DrConfig } from "../lib/config/model";
import { CommandResult } from "../app/first-deploy";

export const PROJECT_ROOT = path.resolve(__dirname, "..");

export interface CliArgs {
  /** --wait <seconds> */
  readonly waitSeconds?: number;
  /** --expect ns1,ns2,... */
  readonly expect?: string[];
  /** --resolver <ip>, repeatable */
  readonly resolvers: string[];
  /** Everything else, passed to `cdktf deploy` (for example --auto-approve). */
  readonly rest: string[];
}

export function parseArgs(argv: readonly string[]): CliArgs {
  const resolvers: string[] = [];
  const rest: string[] = [];
  let waitSeconds: number | undefined;
  let expect: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === "--wait") {
      waitSeconds = Number(value());
      if (!Number.isInteger(waitSeconds) || waitSeconds < 0) throw new Error("--wait takes a whole number of seconds");
    } else if (arg === "--expect") expect = value().split(",").map((s) => s.trim()).filter(Boolean);
    else if (arg === "--resolver") resolvers.push(value());
    else rest.push(arg);
  }
  return { waitSeconds, expect, resolvers, rest };
}

/** The selected configuration, or exits with the validation messages. */
export function selectedConfig(): DrConfig {
  try {
    return loadConfig(process.env).config;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

export function run(command: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, [...args], { cwd: PROJECT_ROOT, stdio: "inherit", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
    child.on("error", () => resolve(127));
    child.on("close", (code) => resolve(code ?? 1));
  });
}

export function capture(command: string, args: readonly string[]): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(command, [...args], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.on("error", () => resolve({ code: 127, stdout }));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout }));
  });
}
