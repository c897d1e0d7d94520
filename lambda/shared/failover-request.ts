/**
 * The input of a failover or failback state-machine execution, written by the
 * health monitor (or an operator) and read by the orchestrator's steps.
 */

export const FAILOVER_MODES = ["failover", "failback"] as const;
export type FailoverMode = (typeof FAILOVER_MODES)[number];

export const FAILOVER_STRATEGIES = ["auto", "planned", "unplanned"] as const;
export type FailoverStrategy = (typeof FAILOVER_STRATEGIES)[number];

/**
 * The error an approver sends to refuse (send-task-failure --error Refused), and the error the
 * execution then ends with, so that the monitor can tell a person's "no" from a failed run and
 * does not ask again for the same incident.
 */
export const APPROVAL_REFUSED_ERROR = "Refused";
export const RUNBOOK_REFUSED_ERROR = "ApprovalRefused";

/** Who asked: the health monitor's incident handling, or a person (the default). */
export const REQUESTERS = ["health-monitor", "operator"] as const;
export type Requester = (typeof REQUESTERS)[number];

export interface FailoverRequest {
  /** failover: promote this region because the other is failing. failback: planned switchover back to this region. @default "failover" */
  readonly mode?: FailoverMode;
  /**
   * auto: a switchover when the writer is reachable and synchronized, a forced failover when the evidence allows it.
   * planned: a switchover or nothing. unplanned: a forced failover; asked by a person without the evidence for it,
   * it waits for an approval. Failback is always planned. @default "auto"
   */
  readonly strategy?: FailoverStrategy;
  /** The runbook waits for an operator's approval (task token) before it changes anything. @default false */
  readonly approvalRequired?: boolean;
  /** Check every precondition and change nothing. @default false */
  readonly dryRun?: boolean;
  readonly reason?: string;
  /** @default "operator" */
  readonly requestedBy?: Requester;
  /** The monitor's incident id (incident.ts). */
  readonly incidentId?: string;
  /** Attempt number within the incident (1 for the first execution). */
  readonly attempt?: number;
  /** The writer cluster ARN the requester saw when it decided: the run refuses to move the writer if it changed since. */
  readonly observedWriterArn?: string;
  /** ISO time of the first sample of the incident. */
  readonly detectedAt?: string;
  /** The monitor's verdict when it started the run. */
  readonly verdict?: string;
  /** Overrides POLL_INTERVAL_SECONDS for awaitWriter. */
  readonly pollIntervalSeconds?: number;
}
