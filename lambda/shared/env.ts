/**
 * Reads the environment once and fails fast: every accessor throws a
 * ConfigurationError naming the variable, the value and what is allowed.
 */
import { ConfigurationError } from "./errors";

export type EnvSource = Readonly<Record<string, string | undefined>>;

export interface IntOptions {
  readonly min?: number;
  readonly max?: number;
}

export class EnvReader {
  constructor(private readonly source: EnvSource) {}

  /** A required, non-empty string. */
  string(name: string): string {
    const value = this.source[name];
    if (value === undefined || value.trim() === "") throw new ConfigurationError(name, "is required and was not set");
    return value.trim();
  }

  /** An optional string: undefined when unset or empty. */
  optionalString(name: string): string | undefined {
    const value = this.source[name];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  }

  /** An integer with a default used when the variable is unset or empty. */
  int(name: string, defaultValue: number, options: IntOptions = {}): number {
    const raw = this.optionalString(name);
    const value = raw === undefined ? defaultValue : Number(raw);
    if (!Number.isInteger(value)) throw new ConfigurationError(name, "must be an integer", raw);
    if (options.min !== undefined && value < options.min) throw new ConfigurationError(name, `must be at least ${options.min}`, raw);
    if (options.max !== undefined && value > options.max) throw new ConfigurationError(name, `must be at most ${options.max}`, raw);
    return value;
  }

  /** A required integer. */
  requiredInt(name: string, options: IntOptions = {}): number {
    this.string(name);
    return this.int(name, Number.NaN, options);
  }

  /** One of `allowed`; required unless a default is given. */
  oneOf<T extends string>(name: string, allowed: readonly T[], defaultValue?: T): T {
    const raw = this.optionalString(name);
    if (raw === undefined) {
      if (defaultValue !== undefined) return defaultValue;
      throw new ConfigurationError(name, `is required; allowed: ${allowed.join(", ")}`);
    }
    if (!(allowed as readonly string[]).includes(raw)) throw new ConfigurationError(name, `must be one of ${allowed.join(", ")}`, raw);
    return raw as T;
  }

  /** A required https:// URL. */
  httpsUrl(name: string): string {
    const raw = this.string(name);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConfigurationError(name, "must be an absolute https:// URL", raw);
    }
    if (url.protocol !== "https:") throw new ConfigurationError(name, "must use https://", raw);
    return url.toString();
  }

  /** A required ARN of the given service (e.g. "states", "sns"). */
  arn(name: string, service: string): string {
    const raw = this.string(name);
    if (!new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:.+$`).test(raw)) {
      throw new ConfigurationError(name, `must be an ${service} ARN`, raw);
    }
    return raw;
  }

  /** A required AWS region name. */
  region(name: string): string {
    const raw = this.string(name);
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(raw)) throw new ConfigurationError(name, "must be an AWS region name such as us-east-1", raw);
    return raw;
  }
}
