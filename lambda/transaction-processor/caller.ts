/**
 * The retrying caller of every AWS call (shared/retry.ts): throttling, 5xx
 * and network errors are retried with exponential backoff and equal jitter;
 * when the attempts run out it throws TransientError, answered 503.
 * Each retry is logged with the error's name and HTTP status only (an AWS
 * error message adds nothing to "throttled" and may quote request data).
 */
import { errorName } from "../shared/errors";
import { Logger } from "../shared/log";
import { Caller, createCaller, RetryPolicy, Sleep } from "../shared/retry";

export function createProcessorCaller(policy: RetryPolicy, sleep: Sleep, log: Logger, random?: () => number): Caller {
  return createCaller({
    policy,
    sleep,
    random,
    onRetry: (operation, error, attempt, delayMs) =>
      log.warn("aws.retry", { operation, attempt, delayMs, error: errorName(error), httpStatusCode: (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode }),
  });
}
