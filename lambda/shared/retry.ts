/**
 * Backoff helpers. The clock and sleep are parameters, never globals, so tests
 * and an offline drill run them instantly and deterministically.
 */
import { TransientError, errorMessage, errorName, isTransientAwsError } from "./errors";

/** Milliseconds since the epoch. */
export type Clock = () => number;
export type Sleep = (ms: number) => Promise<void>;

export const systemClock: Clock = () => Date.now();
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryPolicy {
  /** Attempts including the first one. @default 4 */
  readonly maxAttempts: number;
  /** Delay before the first retry; doubles each retry. @default 200 */
  readonly baseDelayMs: number;
  /** Upper bound of one delay. @default 5000 */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 5_000 };

export interface RetryOptions {
  readonly policy: RetryPolicy;
  readonly sleep: Sleep;
  /** Which errors to retry. @default isTransientAwsError */
  readonly isRetryable?: (error: unknown) => boolean;
  /** Called before each sleep. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Names the operation in the TransientError thrown when attempts run out. */
  readonly operation?: string;
}

/** Delay before retry number `retry` (1-based): exponential with "equal jitter". */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(exponential / 2 + (exponential / 2) * random());
}

/**
 * Runs `operation`, retrying transient failures with backoff. A non-retryable
 * error is rethrown unchanged (callers handle expected AWS errors such as
 * ConditionalCheckFailedException); when attempts run out a TransientError is thrown.
 */
export async function withRetry<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
  const isRetryable = options.isRetryable ?? isTransientAwsError;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!isRetryable(error)) throw error;
      if (attempt >= options.policy.maxAttempts) {
        throw new TransientError(
          `${options.operation ?? "operation"} failed after ${attempt} attempts: ${errorName(error)}: ${errorMessage(error)}`,
          { operation: options.operation, attempts: attempt, cause: errorName(error) },
          error,
        );
      }
      const delayMs = backoffDelay(options.policy, attempt, random);
      options.onRetry?.(error, attempt, delayMs);
      await options.sleep(delayMs);
    }
  }
}

export interface PollOptions {
  readonly initialIntervalMs: number;
  readonly maxIntervalMs: number;
  /** Interval multiplier after each unsuccessful poll. @default 1.5 */
  readonly factor?: number;
  readonly maxWaitMs: number;
  readonly clock: Clock;
  readonly sleep: Sleep;
}

export type PollResult<T> = { readonly done: true; readonly value: T; readonly polls: number } | { readonly done: false; readonly last: T; readonly polls: number };

/**
 * Calls `check` until it reports done or `maxWaitMs` (measured on the injected
 * clock) would be exceeded by the next sleep. Never throws on "not done": the
 * caller decides what running out of time means.
 */
export async function pollUntil<T>(check: () => Promise<{ done: boolean; value: T }>, options: PollOptions): Promise<PollResult<T>> {
  const start = options.clock();
  const factor = options.factor ?? 1.5;
  let interval = options.initialIntervalMs;
  for (let polls = 1; ; polls++) {
    const { done, value } = await check();
    if (done) return { done: true, value, polls };
    const elapsed = options.clock() - start;
    if (elapsed + interval > options.maxWaitMs) return { done: false, last: value, polls };
    await options.sleep(interval);
    interval = Math.min(options.maxIntervalMs, Math.round(interval * factor));
  }
}

/** Runs one named AWS call with the retry policy (see createCaller). */
export type Caller = <T>(operation: string, call: () => Promise<T>) => Promise<T>;

export interface CallerOptions {
  readonly policy: RetryPolicy;
  readonly sleep: Sleep;
  readonly random?: () => number;
  readonly onRetry?: (operation: string, error: unknown, attempt: number, delayMs: number) => void;
}

export function createCaller(options: CallerOptions): Caller {
  return (operation, call) =>
    withRetry(call, {
      policy: options.policy,
      sleep: options.sleep,
      random: options.random,
      operation,
      onRetry: options.onRetry ? (error, attempt, delayMs) => options.onRetry?.(operation, error, attempt, delayMs) : undefined,
    });
}
