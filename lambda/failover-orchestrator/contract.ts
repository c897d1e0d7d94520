/**
 * Input/output contract of the orchestrator's steps. One Lambda function,
 * dispatching on `event.step`; the state machine passes the whole state on.
 *
 * Execution input: a FailoverRequest (shared/failover-request.ts).
 *
 * Every task sends the Lambda `{ step: "<name>", state.$: "$" }` (plus
 * `taskToken.$: "$$.Task.Token"` for requestApproval) and every step returns
 * the next FailoverState, so each task uses `OutputPath: "$.Payload"` (or the
 * optimized integration's default) and the state is always a FailoverState:
 *
 *   Init             Pass, Parameters { executionId.$: $$.Execution.Id, request.$: $ }
 *   NeedsApproval    Choice: $.request.approvalRequired == true and $.request.dryRun != true -> RequestApproval, else Begin
 *   RequestApproval  arn:aws:states:::lambda:invoke.waitForTaskToken, Payload { step: "requestApproval", state.$: $,
 *                    taskToken.$: $$.Task.Token }, ResultPath: null (state unchanged), TimeoutSeconds = approval window
 *   Begin -> Promote -> AwaitWriter -> Fence -> RaiseCapacity -> OpenGate -> Verify -> Complete -> Succeed
 *   every task:      Retry [{ ErrorEquals: RETRYABLE_ERROR_NAMES (shared/errors.ts) plus Lambda.ServiceException,
 *                    Lambda.AWSLambdaException, Lambda.SdkClientException, Lambda.TooManyRequestsException, with backoff }]
 *                    Catch [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Abort" }]
 *   Abort            Payload { step: "abort", state.$: $ } -> Fail
 *
 * A re-run after a crash (a Retry of the same task, a redrive of the
 * execution, or a new execution once the lock expired) is safe at every step:
 * each step reads the real state first and only changes what is not yet so.
 *
 * Steps:
 *
 * Each step: in { step, state: FailoverState }, out: FailoverState (without `error`).
 *
 * - requestApproval  needs taskToken; out = the state unchanged. Publishes the task token to TOPIC_ARN; changes nothing else.
 * - begin            needs state.request; out: state with `run`. Takes (or re-enters) the single-flight lock held by
 *                    executionId; checks preconditions; chooses the strategy (planned switchover when both
 *                    regions' databases are healthy, unplanned failover otherwise; failback is always planned
 *                    and needs this region's cluster to be a synchronized secondary with lag <= FAILBACK_MAX_LAG_MS).
 *                    When request.observedWriterArn is set, the writer must still be that cluster (a stale or
 *                    late-approved request fails instead of moving the writer again).
 *                    Errors: LockHeldError, PreconditionFailedError, GlobalClusterBusyError, TransientError.
 * - promote          needs state.run (as do all steps below). SwitchoverGlobalCluster (planned) or FailoverGlobalCluster
 *                    with AllowDataLoss: true (unplanned), target = this region's cluster, called in this region;
 *                    not called when this cluster is already the writer or a promotion to it is under way.
 *                    Records run.replicationLagMsAtPromotion and run.estimatedDataLossMs (0 when planned).
 *                    Errors: LockLostError, GlobalClusterBusyError, PreconditionFailedError, TransientError.
 * - awaitWriter      Polls DescribeGlobalClusters with backoff (request.pollIntervalSeconds ??
 *                    POLL_INTERVAL_SECONDS, up to request.maxWaitSeconds ?? MAX_WAIT_SECONDS) until this region's
 *                    cluster is the writer and no failover is in progress. Errors: WriterNotReadyError (retry).
 * - fence            Old (peer) region, best effort: its ECS service's scalable target set to min=max=0
 *                    (failback: min=STANDBY_MIN_CAPACITY, max=MAX_CAPACITY) and its gate closed (0), published in
 *                    this region (must succeed) and in the peer region (best effort). Peer errors are recorded in
 *                    run.fencing.errors and never fail the step. Each gate value is first persisted as a decision
 *                    (shared/gate-store.ts) in the same region's state table, which the health monitors republish
 *                    every minute; a gate whose item holds a newer decision is left unchanged (noted in errors).
 * - raiseCapacity    This region's scalable target set to min=ACTIVE_MIN_CAPACITY, max=MAX_CAPACITY
 *                    (RegisterScalableTarget; skipped when already so).
 * - openGate         Gate of this region = 1 and of the peer = 0, persisted and published in this region (must
 *                    succeed) and in the peer region (best effort), as in fence. No Route 53 call.
 * - verify           Probes OWN_ENDPOINT_URL up to VERIFY_ATTEMPTS times. Errors: EndpointUnhealthyError (retry).
 * - complete         Writes the audit record (timeline, data-loss window), publishes the SNS notification
 *                    once, releases the lock (conditional on holder). run.outcome = "completed" ("dry-run" in dry-run).
 * - abort            needs state.error; state.run may be absent (failure in begin). Out: state with
 *                    run.outcome = "failed". Writes the audit record, notifies,
 *                    releases the lock if this execution holds it (never another execution's lock).
 *
 * Dry run (request.dryRun): every step performs its reads and checks (a lock held by another execution is
 * reported as a failed check), records what it would do in run.plan, and sends no mutating call.
 */
import { FailoverMode, FailoverRequest } from "../shared/failover-request";

export const STEP_NAMES = [
  "requestApproval",
  "begin",
  "promote",
  "awaitWriter",
  "fence",
  "raiseCapacity",
  "openGate",
  "verify",
  "complete",
  "abort",
] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** The failover steps in state-machine order (requestApproval and abort are outside the main path). */
export const MAIN_PATH: readonly StepName[] = ["begin", "promote", "awaitWriter", "fence", "raiseCapacity", "openGate", "verify", "complete"];

export interface StepError {
  readonly Error: string;
  readonly Cause?: string;
}

/** The state passed from step to step. */
export interface FailoverState {
  /** The Step Functions execution ARN ($$.Execution.Id): the lock holder id and the audit key. */
  readonly executionId: string;
  readonly request: FailoverRequest;
  /** Set by begin; absent before. */
  readonly run?: RunRecord;
  /** Set by a Catch clause (ResultPath "$.error"); read by abort. */
  readonly error?: StepError;
}

export interface StepEvent {
  readonly step: StepName;
  readonly state: FailoverState;
  /** requestApproval only. */
  readonly taskToken?: string;
}

export type Promotion =
  | "pending" // not yet asked
  | "requested" // this run called Switchover/Failover
  | "in-progress" // a promotion to this region was already under way
  | "already-writer" // this region's cluster was already the writer
  | "would-promote"; // dry run

/** ok | done (changed) | unchanged (already so) | failed (recorded, tolerated) | planned (dry run) | skipped */
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

export interface RunRecord {
  readonly executionId: string;
  readonly mode: FailoverMode;
  readonly dryRun: boolean;
  readonly globalClusterId: string;
  /** The region being promoted (the Lambda's region). */
  readonly newRegion: string;
  /** The region losing the writer. */
  readonly oldRegion: string;
  readonly newWriterArn: string;
  readonly oldWriterArn: string | null;
  /** none: this region's cluster was already the writer, nothing to promote. */
  readonly strategy: "planned" | "unplanned" | "none";
  readonly promotion: Promotion;
  readonly replicationLagMsAtPromotion: number | null;
  readonly rpoLagMsAtPromotion: number | null;
  /** Estimated data-loss window: 0 for a planned switchover, the replication lag at promotion for an unplanned failover, null if unknown. */
  readonly estimatedDataLossMs: number | null;
  /** When awaitWriter saw this region's cluster as the writer, ISO. */
  readonly writerConfirmedAt: string | null;
  readonly lockExpiresAt: number | null;
  readonly fencing: { readonly capacity: ActionStatus; readonly gateOwnRegion: ActionStatus; readonly gatePeerRegion: ActionStatus; readonly errors: readonly string[] } | null;
  readonly capacity: { readonly status: ActionStatus; readonly min: number; readonly max: number; readonly previousMin: number | null; readonly previousMax: number | null } | null;
  readonly gate: { readonly openRegion: string; readonly closedRegion: string; readonly ownRegion: ActionStatus; readonly peerRegion: ActionStatus; readonly errors: readonly string[] } | null;
  readonly verification: { readonly ok: boolean; readonly attempts: number; readonly status?: number; readonly error?: string } | null;
  readonly checks: readonly Check[];
  /** Dry run: the changes that would be made. */
  readonly plan: readonly string[];
  readonly timeline: readonly TimelineEntry[];
  readonly outcome?: "completed" | "failed" | "dry-run";
  readonly error?: { readonly name: string; readonly message: string };
}
