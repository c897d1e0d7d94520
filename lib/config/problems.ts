/**
 * How a refused configuration is reported: one problem per line, naming the
 * field, what is allowed and the bad value. The same format serves the
 * validator, the file reader and refusals computed after synthesis.
 */

export interface ConfigProblem {
  /** Dotted path of the field, as written in the JSON file ("" for the file itself). */
  readonly path: string;
  readonly value: unknown;
  readonly message: string;
}

/** A warning has the same shape: legal, but probably a mistake; printed, never fatal. */
export type ConfigWarning = ConfigProblem;

export function formatValue(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function lines(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `  - ${p.path || "(top level)"}: ${p.message} (got ${formatValue(p.value)})`).join("\n");
}

export function formatProblems(source: string, problems: readonly ConfigProblem[]): string {
  return `Invalid configuration in ${source}:\n${lines(problems)}`;
}

export function formatWarnings(source: string, warnings: readonly ConfigWarning[]): string {
  return `Warning${warnings.length > 1 ? "s" : ""} for ${source} (synthesis continues):\n${lines(warnings)}`;
}

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

/**
 * Builds one problem in the gate's format: `field: <message>; allowed: <allowed> (got <value>)`.
 *
 * For refusals computed elsewhere, for example after synthesis from the Terraform JSON:
 *
 *     throw refuseConfiguration(source, [
 *       configProblem("targets.rtoSeconds", config.targets.rtoSeconds,
 *         "is below what detection, decision and promotion can achieve (about 420 s)",
 *         "at least 420, or lower failover.consecutiveFailures"),
 *     ]);
 *
 * main.ts prints a ConfigError thrown during synthesis like any other refusal (exit 1), and
 * synthesizeAtomically leaves an existing cdktf.out as it was.
 */
export function configProblem(path: string, value: unknown, message: string, allowed?: string): ConfigProblem {
  return { path, value, message: allowed === undefined ? message : `${message}; allowed: ${allowed}` };
}

/** The error to throw for refusals computed outside the validator; `source` names the configuration file. */
export function refuseConfiguration(source: string, problems: readonly ConfigProblem[]): ConfigError {
  return new ConfigError(source, problems);
}
