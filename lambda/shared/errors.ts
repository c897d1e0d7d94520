/**
 * Typed errors and their outcome: retryable or permanent.
 *
 * Lambda reports a thrown error's `name` as `errorType`, and Step Functions
 * matches `Retry`/`Catch` clauses on it. Every class sets `name` explicitly
 * (a bundler may rename classes), so the names below are the contract:
 *  - RETRYABLE_ERROR_NAMES: put these in the task's `Retry` clause;
 *  - PERMANENT_ERROR_NAMES: let these fall through to the `Catch` clause
 *    (`States.ALL` -> the orchestrator's `abort` step).
 */

export const ERROR_NAMES = {
  configuration: "ConfigurationError",
  transient: "TransientError",
  writerNotReady: "WriterNotReadyError",
  endpointUnhealthy: "EndpointUnhealthyError",
  globalClusterBusy: "GlobalClusterBusyError",
  lockHeld: "LockHeldError",
  lockLost: "LockLostError",
  preconditionFailed: "PreconditionFailedError",
  permanent: "PermanentError",
} as const;

export type ErrorName = (typeof ERROR_NAMES)[keyof typeof ERROR_NAMES];

/** Step Functions `Retry` on these: the same input succeeds later. */
export const RETRYABLE_ERROR_NAMES: readonly ErrorName[] = [
  ERROR_NAMES.transient,
  ERROR_NAMES.writerNotReady,
  ERROR_NAMES.endpointUnhealthy,
  ERROR_NAMES.globalClusterBusy,
];

/** Step Functions `Catch` these: retrying the same input cannot succeed. */
export const PERMANENT_ERROR_NAMES: readonly ErrorName[] = [
  ERROR_NAMES.configuration,
  ERROR_NAMES.lockHeld,
  ERROR_NAMES.lockLost,
  ERROR_NAMES.preconditionFailed,
  ERROR_NAMES.permanent,
];

export type ErrorDetails = Readonly<Record<string, unknown>>;

export abstract class DrError extends Error {
  abstract readonly retryable: boolean;
  readonly details: ErrorDetails;

  protected constructor(name: ErrorName, message: string, details: ErrorDetails = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = name;
    this.details = details;
  }
}

/** An environment variable is missing or invalid; names the variable. */
export class ConfigurationError extends DrError {
  readonly retryable = false;
  readonly variable: string;
  constructor(variable: string, problem: string, value?: string) {
    super(
      ERROR_NAMES.configuration,
      `Environment variable ${variable} ${problem}` + (value === undefined ? "" : ` (got ${JSON.stringify(value)})`),
      { variable, value },
    );
    this.variable = variable;
  }
}

/** Throttling, timeouts, 5xx: retries inside the Lambda were exhausted; the state machine may retry the step. */
export class TransientError extends DrError {
  readonly retryable = true;
  constructor(message: string, details: ErrorDetails = {}, cause?: unknown) {
    super(ERROR_NAMES.transient, message, details, cause);
  }
}

/** The promoted cluster is not the writer yet (promotion still running). */
export class WriterNotReadyError extends DrError {
  readonly retryable = true;
  constructor(message: string, details: ErrorDetails = {}) {
    super(ERROR_NAMES.writerNotReady, message, details);
  }
}

/** The new region's endpoint did not answer healthy within the verification budget. */
export class EndpointUnhealthyError extends DrError {
  readonly retryable = true;
  constructor(message: string, details: ErrorDetails = {}) {
    super(ERROR_NAMES.endpointUnhealthy, message, details);
  }
}

/** The global cluster is changing state for another reason (modifying, an upgrade, another failover). */
export class GlobalClusterBusyError extends DrError {
  readonly retryable = true;
  constructor(message: string, details: ErrorDetails = {}) {
    super(ERROR_NAMES.globalClusterBusy, message, details);
  }
}

/** Another execution holds the single-flight lock and it has not expired. */
export class LockHeldError extends DrError {
  readonly retryable = false;
  constructor(message: string, details: ErrorDetails = {}) {
    super(ERROR_NAMES.lockHeld, message, details);
  }
}

/** This execution's lock expired and was taken over by another execution: stop. */
export class LockLostError extends DrError {
  readonly retryable = false;
  constructor(message: string, details: ErrorDetails = {}) {
    super(ERROR_NAMES.lockLost, message, details);
  }
}

/** A precondition does not hold (cluster not a member, lag too high for failback, bad input...). */
export class PreconditionFailedError extends DrError {
  readonly retryable = false;
  constructor(message: string, details: ErrorDetails = {}) {
    super(ERROR_NAMES.preconditionFailed, message, details);
  }
}

/** Any other failure (access denied, validation error, unknown): retrying will not help. */
export class PermanentError extends DrError {
  readonly retryable = false;
  constructor(message: string, details: ErrorDetails = {}, cause?: unknown) {
    super(ERROR_NAMES.permanent, message, details, cause);
  }
}

/** Error codes AWS services and the SDK use for throttling and transient faults. */
const TRANSIENT_AWS_ERROR_NAMES = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "ProvisionedThroughputExceededException",
  "TransactionConflictException",
  "SlowDown",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "InternalFailure",
  "InternalError",
  "InternalServerError",
  "InternalServerErrorException",
  "InternalServiceError",
  "InternalServiceErrorException",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
  "NetworkingError",
  "AbortError",
]);

const TRANSIENT_NODE_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH"]);

interface AwsLikeError {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** The name an AWS SDK v3 error (or any error) carries. */
export function errorName(error: unknown): string {
  if (error && typeof error === "object") {
    const { name, code } = error as AwsLikeError;
    if (typeof name === "string" && name !== "Error") return name;
    if (typeof code === "string") return code;
    if (typeof name === "string") return name;
  }
  return "UnknownError";
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** True for throttling, 5xx, timeouts and network errors: the same request may succeed later. */
export function isTransientAwsError(error: unknown): boolean {
  if (error instanceof DrError) return error.retryable;
  if (!error || typeof error !== "object") return false;
  const e = error as AwsLikeError;
  if (TRANSIENT_AWS_ERROR_NAMES.has(errorName(error))) return true;
  if (typeof e.code === "string" && TRANSIENT_NODE_CODES.has(e.code)) return true;
  if (e.$retryable && typeof e.$retryable === "object") return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === "number" && (status === 429 || status >= 500)) return true;
  return e.$fault === "server";
}

/** True when `error` is the AWS error named `name` (e.g. ConditionalCheckFailedException). */
export function isAwsError(error: unknown, ...names: string[]): boolean {
  return names.includes(errorName(error));
}

/**
 * Maps anything thrown to the outcome the state machine acts on: typed errors
 * pass through, transient AWS errors become TransientError, the rest PermanentError.
 */
export function toOutcomeError(error: unknown): DrError {
  if (error instanceof DrError) return error;
  const details = { cause: errorName(error), message: errorMessage(error) };
  if (isTransientAwsError(error)) return new TransientError(`${errorName(error)}: ${errorMessage(error)}`, details, error);
  return new PermanentError(`${errorName(error)}: ${errorMessage(error)}`, details, error);
}
