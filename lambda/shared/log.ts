/**
 * Structured JSON logs: one line per event, with the fields given at creation
 * (function, region, execution...) on every line.
 */
import { errorMessage, errorName } from "./errors";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** Receives one serialized line. @default process.stdout.write */
  readonly sink?: (line: string) => void;
  /** @default Date.now */
  readonly clock?: () => number;
  /** Lines below this level are dropped. @default "info" (LOG_LEVEL is read by the handlers) */
  readonly level?: LogLevel;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const details = (value as { details?: unknown }).details;
    return { name: errorName(value), message: errorMessage(value), ...(details ? { details } : {}) };
  }
  if (typeof value === "bigint") return value.toString();
  return value;
}

export function serialize(record: Record<string, unknown>): string {
  try {
    return JSON.stringify(record, replacer);
  } catch {
    return JSON.stringify({ level: record.level, time: record.time, event: record.event, note: "fields not serializable" });
  }
}

export function createLogger(base: LogFields = {}, options: LoggerOptions = {}): Logger {
  const sink = options.sink ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const clock = options.clock ?? Date.now;
  const threshold = LEVELS[options.level ?? "info"];
  const emit = (level: LogLevel, event: string, fields?: LogFields): void => {
    if (LEVELS[level] < threshold) return;
    sink(serialize({ level, time: new Date(clock()).toISOString(), event, ...base, ...fields }));
  };
  return {
    debug: (event, fields) => emit("debug", event, fields),
    info: (event, fields) => emit("info", event, fields),
    warn: (event, fields) => emit("warn", event, fields),
    error: (event, fields) => emit("error", event, fields),
    child: (fields) => createLogger({ ...base, ...fields }, options),
  };
}

export function logLevelFrom(value: string | undefined): LogLevel {
  return value !== undefined && value in LEVELS ? (value as LogLevel) : "info";
}
