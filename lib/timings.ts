/**
 * Health-check timings derived from the RTO instead of AWS defaults (an ALB's
 * default of 5 x 30 s to mark a target healthy and Route 53's 30 s x 3 would
 * spend minutes of a tight RTO). Detection is budgeted at about 5 % of the RTO,
 * within each service's allowed values.
 */

export const DETECTION_SHARE_OF_RTO = 0.05;

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

export interface TargetGroupHealthCheckTiming {
  /** Seconds between checks (ALB allows 5 to 300). */
  readonly intervalSeconds: number;
  /** Seconds before a check times out (2 to 120, less than the interval). */
  readonly timeoutSeconds: number;
  /** Consecutive successes to mark a target healthy (2 to 10). */
  readonly healthyThreshold: number;
  /** Consecutive failures to mark a target unhealthy (2 to 10). */
  readonly unhealthyThreshold: number;
}

export function targetGroupHealthCheck(rtoSeconds: number): TargetGroupHealthCheckTiming {
  const unhealthyThreshold = 2;
  const intervalSeconds = clamp(Math.floor((rtoSeconds * DETECTION_SHARE_OF_RTO) / unhealthyThreshold), 5, 30);
  return {
    intervalSeconds,
    timeoutSeconds: clamp(Math.min(intervalSeconds - 1, 5), 2, 120),
    healthyThreshold: rtoSeconds <= 1800 ? 2 : 3,
    unhealthyThreshold,
  };
}

/** Route 53 checks every 10 s (the fast interval); the threshold is how many failures declare an endpoint down (1 to 10). */
export const ROUTE53_REQUEST_INTERVAL_SECONDS = 10;

export function route53FailureThreshold(rtoSeconds: number): number {
  return clamp(Math.round((rtoSeconds * DETECTION_SHARE_OF_RTO) / ROUTE53_REQUEST_INTERVAL_SECONDS), 2, 10);
}
