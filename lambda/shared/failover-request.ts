/**
 * The input of a failover or failback state-machine execution, written by the
 * health monitor (or an operator) and read by the orchestrator's steps.
 */

export const FAILOVER_MODES = ["failover", "failback"] as const;
export type FailoverMode = (typeof FAILOVER_MODES)[number];

export const FAILOVER_STRATEGIES = ["auto", "planned", "unplanned"] as const;
export type FailoverStrategy = (typeof FAILOVER_STRATEGIES)[number];

export interface FailoverRequest {
  /** failover: promote this region because the other is failing. failback: planned switchover back to this region. @default "failover" */
  readonly mode?: FailoverMode;
  /** auto: planned switchover when both regions' databases are healthy, unplanned failover otherwise. Failback is always planned. @default "auto" */
  readonly strategy?: FailoverStrategy;
  /** The state machine waits for an operator's task token before `begin`. @default false */
  readonly approvalRequired?: boolean;
  /** Check every precondition and change nothing. @default false */
  readonly dryRun?: boolean;
  readonly reason?: string;
  /** Deterministic incident id (the monitor uses the execution name). */
  readonly incidentId?: string;
  /** The writer cluster ARN the monitor saw when it decided. */
  readonly observedWriterArn?: string;
  /** ISO time of the first bad check of the incident. */
  readonly detectedAt?: string;
  /** Overrides POLL_INTERVAL_SECONDS for awaitWriter. */
  readonly pollIntervalSeconds?: number;
  /** Overrides MAX_WAIT_SECONDS for awaitWriter. */
  readonly maxWaitSeconds?: number;
}
