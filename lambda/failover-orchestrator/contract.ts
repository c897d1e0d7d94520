/**
 * Input/output contract of the orchestrator's steps: one Lambda function,
 * dispatching on `event.step`, behind the states of the failover and failback
 * runbooks (state-machine.ts builds their definitions; docs/failover-protocol.md
 * explains the protocol).
 *
 * Execution input: a FailoverRequest (shared/failover-request.ts). Every task
 * sends `{ step, state.$: "$" }` (plus the task token for requestApproval) and
 * every step returns the next FailoverState (`OutputPath: "$.Payload"`).
 *
 *   Init → Normalize → Assess → NeedsApproval? → RequestApproval → Assess (again, with the answer)
 *        → RaiseCapacity → Fence → Drain (Wait $.run.drainSeconds) → Decide → AfterDecide?
 *            escalate → RequestApproval → Decide (again)
 *            stand down → StandDown → StoodDown (Succeed)
 *            promote → Promote → AwaitWriter → OpenGate → Verify → Complete → Succeeded
 *   any task failure after its retries → Abort → Failed
 *
 * Steps (in: { step, state }; out: the next state; every step is safe to re-run
 * after a crash: it reads the real state first and changes only what is not yet so):
 *
 * - assess          Takes this region's lock and, when reachable, the other region's (failback: required);
 *                   reads the writer (refuses when request.observedWriterArn no longer is the writer);
 *                   gathers the evidence (shared/signals.ts) and judges it (shared/evidence.ts); chooses the
 *                   intended strategy; decides whether an approval is needed (authority approval for the
 *                   monitor's runs, RPO policy, an unplanned request without evidence). Errors: LockHeldError,
 *                   PreconditionFailedError, TransientError.
 * - requestApproval Keeps the task token in the state table (approval#<execution>#<state>) and pages the reasons
 *                   and the npm run approve command, never the token; changes nothing else. The operator's answer
 *                   arrives as `$.approval` (send-task-success output) or the timeout as `$.approvalTimedOut`.
 * - raiseCapacity   This region's service to at least the active minimum (it is about to take the traffic).
 * - fence           fence#old in the control table (lease = the lock's expiry), then best effort in the old
 *                   region: its gate closed and its service scaled down. Computes run.drainSeconds.
 * - decide          The point of no return: re-reads the writer and the evidence; switchover for a reachable,
 *                   synchronized primary; a forced failover only on the region-down or database-down verdict
 *                   and within the RPO policy; otherwise stand down. Sets run.decision.
 * - promote         SwitchoverGlobalCluster or FailoverGlobalCluster(AllowDataLoss) in this region, recorded on
 *                   the lock first; a re-run after a lost response looks before it calls again.
 * - awaitWriter     Polls until this region's cluster is the writer (WriterNotReadyError, retried until
 *                   failover.maxWaitSeconds in total).
 * - openGate        Clears fence#own; applies this region's gate (open); the old region's fence becomes
 *                   permanent (unplanned) or is lifted with its capacity back to the standby minimum (planned).
 * - verify          Probes this region's gate and health paths. Errors: EndpointUnhealthyError (retried).
 * - complete        Audit record (once), notification (once), both locks released.
 * - standDown       The decision was not to promote: lifts this run's fence of the old region and restores its
 *                   capacity, audits, notifies, releases the locks.
 * - abort           A step failed: rolls the fence back unless a promotion was requested, audits, notifies,
 *                   releases the locks (only this execution's).
 *
 * Dry run (request.dryRun): every step reads and checks, records what it would do in run.plan, and
 * sends no mutating call; Drain waits 0 s.
 */
import { FenceCapacity } from "../shared/control-table";
import { FailoverMode, FailoverRequest, Requester } from "../shared/failover-request";

export const STEP_NAMES = [
  "assess",
  "requestApproval",
  "raiseCapacity",
  "fence",
  "decide",
  "promote",
  "awaitWriter",
  "openGate",
  "verify",
  "complete",
  "standDown",
  "abort",
] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** request: the request asked; authority: failover.authority is approval; rpo: lag above the RPO or unknown; no-evidence: a person asked for a forced failover without it. */
export type ApprovalKind = "request" | "authority" | "rpo" | "no-evidence";

export interface StepError {
  readonly Error: string;
  readonly Cause?: string;
}

/** The state passed from step to step. */
export interface FailoverState {
  /** The Step Functions execution ARN ($$.Execution.Id): the lock holder id and the audit key. */
  readonly executionId: string;
  readonly request: FailoverRequest;
  /** Set by assess; absent before. */
  readonly run?: RunRecord;
  /** The operator's answer to an approval request (send-task-success output). */
  readonly approval?: unknown;
  /** Set (by a Catch) when the approval request timed out and the configuration says proceed. */
  readonly approvalTimedOut?: unknown;
  /** The operator's answer to the decision's escalation (data loss above the RPO). */
  readonly decisionApproval?: unknown;
  /** Set by a Catch clause (ResultPath "$.error"); read by abort. */
  readonly error?: StepError;
}

export interface StepEvent {
  readonly step: StepName;
  readonly state: FailoverState;
  /** requestApproval only. */
  readonly taskToken?: string;
  /** requestApproval only: the asking state's name ($$.State.Name), which keys the approval item. */
  readonly request?: string;
}

export type Promotion =
  | "pending" // not yet asked
  | "requested" // this run called Switchover/Failover
  | "in-progress" // a promotion to this region was already under way
  | "already-writer" // this region's cluster was already the writer
  | "would-promote"; // dry run

/** done (changed) | unchanged (already so) | failed (recorded, tolerated) | planned (dry run) | skipped */
export type ActionStatus = "done" | "unchanged" | "failed" | "planned" | "skipped";

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail?: string;
}

export interface TimelineEntry {
  readonly at: string;
  readonly step: StepName;
  readonly event: string;
  readonly detail?: Readonly<Record<string, string | number | boolean | null>>;
}

export interface EvidenceRecord {
  readonly at: string;
  readonly verdict: string;
  readonly summary: string;
  readonly independentDown: readonly string[];
  readonly dataLossAllowed: boolean;
  readonly unreachableEverywhere: boolean;
  /** The writer region's primary database answered `available` through its own RDS endpoint (from this region). */
  readonly primaryReachable: boolean;
  /** This region's secondary is connected and its lag at or below FAILBACK_MAX_LAG_MS. */
  readonly synchronized: boolean;
  readonly replicationLagMs: number | null;
  readonly rpoLagMs: number | null;
}

export type DecisionKind = "switchover" | "failover" | "stand-down" | "escalate" | "none";

export interface Decision {
  readonly at: string;
  readonly kind: DecisionKind;
  readonly reason: string;
}

/**
 * The window in which writes accepted by the old region may be missing in this
 * one, per data store, or why it is unknown (P4; issue: reconciliation).
 */
export interface DataLossWindow {
  /** none: planned switchover (RPO 0) or no promotion; estimated: bounded below; unknown: see reason. */
  readonly kind: "none" | "estimated" | "unknown";
  /** Aurora: the replication lag at promotion plus the safety margin; null when unknown or none. */
  readonly estimatedMs: number | null;
  readonly reason: string;
  readonly stores: {
    readonly aurora: StoreWindow;
    readonly dynamodb: StoreWindow;
    readonly s3: StoreWindow;
  } | null;
}

export interface StoreWindow {
  /** Writes accepted by the old region from this instant on may be missing (ISO). */
  readonly from: string | null;
  /** ...up to this instant (ISO); null while the old region may still have accepted writes (never fenced effectively). */
  readonly to: string | null;
  /** The bound used: measured lag, documented replication figure, or the S3 RTC guarantee, plus the margin. */
  readonly basis: string;
}

export interface RunRecord {
  readonly executionId: string;
  readonly mode: FailoverMode;
  readonly dryRun: boolean;
  readonly requestedBy: Requester;
  readonly globalClusterId: string;
  /** The region being promoted (the Lambda's region). */
  readonly newRegion: string;
  /** The region losing the writer. */
  readonly oldRegion: string;
  readonly newWriterArn: string;
  readonly oldWriterArn: string | null;
  readonly locks: { readonly own: ActionStatus; readonly peer: "held" | "unreachable" | "planned" | "failed" };
  readonly assessment: EvidenceRecord | null;
  /** What assess expects to do; decide chooses for good. */
  readonly intended: DecisionKind;
  readonly approval: {
    readonly required: boolean;
    /** Why, in words (pages, audit). */
    readonly reasons: readonly string[];
    readonly kinds: readonly ApprovalKind[];
    /** A person answered (send-task-success), or the timeout stood in where configured. */
    readonly granted: boolean;
    readonly timedOut: boolean;
    /** Who approved, as each answer names them (npm run approve: "<approver> at <ISO time>"), in order. @default [] */
    readonly approvedBy?: readonly string[];
  };
  /** The state machine asks a person before going on (required, not yet granted, not a dry run). */
  readonly needsApproval: boolean;
  readonly rpoSeconds: number;
  readonly fence: {
    readonly written: ActionStatus;
    readonly at: string | null;
    /** What the old region's capacity is held at while fenced. */
    readonly capacity: FenceCapacity;
    readonly reason: string;
    readonly gateOldRegion: ActionStatus;
    readonly capacityOldRegion: ActionStatus;
    readonly errors: readonly string[];
  } | null;
  readonly drainSeconds: number;
  readonly decisionEvidence: EvidenceRecord | null;
  readonly decision: Decision | null;
  /** planned = SwitchoverGlobalCluster, unplanned = FailoverGlobalCluster with AllowDataLoss, none = nothing to promote. */
  readonly strategy: "planned" | "unplanned" | "none";
  readonly promotion: Promotion;
  readonly promotionRequestedAt: string | null;
  readonly replicationLagMsAtPromotion: number | null;
  readonly rpoLagMsAtPromotion: number | null;
  readonly dataLoss: DataLossWindow;
  /** When awaitWriter saw this region's cluster as the writer, ISO. */
  readonly writerConfirmedAt: string | null;
  readonly lockExpiresAt: number | null;
  readonly capacity: { readonly status: ActionStatus; readonly min: number; readonly previousMin: number | null } | null;
  readonly gate: { readonly own: ActionStatus; readonly oldRegionFence: "permanent" | "lifted" | "failed" | "planned"; readonly errors: readonly string[] } | null;
  readonly verification: { readonly ok: boolean; readonly attempts: number; readonly status?: number; readonly error?: string } | null;
  readonly checks: readonly Check[];
  /** Dry run: the changes that would be made. */
  readonly plan: readonly string[];
  readonly timeline: readonly TimelineEntry[];
  readonly outcome?: "completed" | "failed" | "stood-down" | "dry-run";
  readonly error?: { readonly name: string; readonly message: string };
}
