/**
 * The Amazon States Language definitions of the failover runbooks, built next
 * to the orchestrator whose steps they run (contract.ts) and emitted by
 * constructs/failover-state-machine.ts. Pure: no cdktf. Each runbook runs in
 * the region it promotes:
 *
 * - `failover`: moves the writer here because the other region is failing
 *   (strategy auto: a switchover when the writer is reachable and synchronized,
 *   a forced failover only on independent evidence; or asked with `strategy`).
 *   The health monitor starts this one.
 * - `failback`: a planned switchover back here; it needs both regions' locks
 *   and a synchronized secondary, and never loses data.
 *
 * Both exist in both regions (addresses follow the region, never its role) and
 * differ only in the mode they force on the request, so an operator who starts
 * the failback machine cannot get a forced, data-losing failover by forgetting
 * a field. Both accept a dry run.
 *
 *   Init → Normalize → Assess → AfterAssess
 *     stand-down → StandDown → StoodDown
 *     approval   → RequestApproval → Assess
 *     otherwise  → RaiseCapacity → Fence → Drain → Decide → AfterDecide
 *                    escalate → RequestDecisionApproval → Decide
 *                    stand-down / none → StandDown → StoodDown
 *                    switchover / failover → Promote → AwaitWriter → OpenGate → Verify → Complete → Succeeded
 *   any task failure after its retries → Abort → Failed
 *
 * The definition is a plain object in a fixed key order, JSON-stringified.
 */
import { StepName } from "./contract";
import { ERROR_NAMES, RETRYABLE_ERROR_NAMES } from "../shared/errors";
import { APPROVAL_REFUSED_ERROR, RUNBOOK_REFUSED_ERROR } from "../shared/failover-request";

export type RunbookMode = "failover" | "failback";
export type ApprovalTimeoutAction = "abort" | "proceed";

/** Errors of the Lambda service itself (not of the function): always worth retrying. */
export const LAMBDA_SERVICE_ERRORS = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.ClientExecutionTimeoutException",
  "Lambda.TooManyRequestsException",
] as const;

/**
 * The function crashed or ran out of time without reporting a typed error.
 * Every step is safe to re-run (contract.ts), so these are retried a little.
 */
export const LAMBDA_CRASH_ERRORS = ["Lambda.Unknown", "Sandbox.Timedout"] as const;

/** Retry of Lambda service errors and throttling: exponential backoff with full jitter. */
export const SERVICE_RETRY = { IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 30, JitterStrategy: "FULL" } as const;
/** Retry of the orchestrator's retryable errors (shared/errors.ts RETRYABLE_ERROR_NAMES). */
export const STEP_RETRY = { IntervalSeconds: 5, MaxAttempts: 5, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: "FULL" } as const;
/** Retry of a crashed or timed-out invocation. */
export const CRASH_RETRY = { IntervalSeconds: 5, MaxAttempts: 2, BackoffRate: 2 } as const;

/** Longest single awaitWriter invocation; the Lambda timeout (900 s) leaves room for the calls around the wait. */
export const AWAIT_WRITER_MAX_SLICE_SECONDS = 780;
/** Margin between one awaitWriter wait and the lock expiry (the lock is renewed at the start of each invocation). */
export const LOCK_MARGIN_SECONDS = 120;

/** Task state names per orchestrator step. */
export const STEP_STATES: Readonly<Record<StepName, string>> = {
  assess: "Assess",
  requestApproval: "RequestApproval",
  raiseCapacity: "RaiseCapacity",
  fence: "Fence",
  decide: "Decide",
  promote: "Promote",
  awaitWriter: "AwaitWriter",
  openGate: "OpenGate",
  verify: "Verify",
  complete: "Complete",
  standDown: "StandDown",
  abort: "Abort",
};

/** The other states. */
export const CONTROL_STATES = {
  init: "Init",
  normalize: "Normalize",
  afterAssess: "AfterAssess",
  drain: "Drain",
  afterDecide: "AfterDecide",
  requestDecisionApproval: "RequestDecisionApproval",
  succeeded: "Succeeded",
  stoodDown: "StoodDown",
  afterAbort: "AfterAbort",
  refused: "Refused",
  failed: "Failed",
} as const;

export interface AwaitWriterBudget {
  /** MAX_WAIT_SECONDS of the orchestrator: one invocation's wait. */
  readonly sliceSeconds: number;
  /** Extra invocations (Retry of WriterNotReadyError) so that slices add up to the configured wait. */
  readonly extraAttempts: number;
}

/**
 * Splits failover.maxWaitSeconds into invocations short enough for the Lambda
 * timeout and for the lock (which each awaitWriter invocation renews once, at
 * its start), and long enough together to wait the configured time.
 */
export function awaitWriterBudget(maxWaitSeconds: number, lockTtlSeconds: number): AwaitWriterBudget {
  const cap = Math.max(60, Math.min(AWAIT_WRITER_MAX_SLICE_SECONDS, lockTtlSeconds - LOCK_MARGIN_SECONDS));
  const invocations = Math.max(1, Math.ceil(maxWaitSeconds / cap));
  return { sliceSeconds: Math.ceil(maxWaitSeconds / invocations), extraAttempts: invocations - 1 };
}

export interface DefinitionProps {
  readonly mode: RunbookMode;
  /** ARN of the orchestrator function. */
  readonly functionArn: string;
  /** AWS partition (aws, aws-cn, aws-us-gov), for the integration ARNs. */
  readonly partition: string;
  /** failover.approvalTimeoutSeconds */
  readonly approvalTimeoutSeconds: number;
  /** failover.onApprovalTimeout: what a timed-out approval asked for by failover.authority does (others always abort). */
  readonly onApprovalTimeout: ApprovalTimeoutAction;
  readonly awaitWriter: AwaitWriterBudget;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type State = { [key: string]: Json };

const retryOf = (errors: readonly string[], policy: { readonly [key: string]: number | string }): State => ({ ErrorEquals: [...errors], ...policy });

const CATCH_ALL: State = { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: STEP_STATES.abort };

function lambdaTask(p: DefinitionProps, step: StepName, next: string, retryable: readonly string[] = RETRYABLE_ERROR_NAMES, extraRetry: State[] = []): State {
  return {
    Type: "Task",
    Comment: `Orchestrator step ${step}`,
    Resource: `arn:${p.partition}:states:::lambda:invoke`,
    Parameters: { FunctionName: p.functionArn, Payload: { step, "state.$": "$" } },
    OutputPath: "$.Payload",
    Retry: [...extraRetry, retryOf(LAMBDA_SERVICE_ERRORS, SERVICE_RETRY), retryOf(retryable, STEP_RETRY), retryOf(LAMBDA_CRASH_ERRORS, CRASH_RETRY)],
    Catch: [CATCH_ALL],
    Next: next,
  };
}

function approvalTask(p: DefinitionProps, resultPath: string, next: string, onTimeout: { resultPath: string; next: string } | null): State {
  return {
    Type: "Task",
    Comment: `Keeps the task token in the state table (approval#<execution>#<state>), pages the request without it, and waits up to ${p.approvalTimeoutSeconds} s for npm run approve (send-task-success) or a refusal (send-task-failure --error ${APPROVAL_REFUSED_ERROR}).`,
    Resource: `arn:${p.partition}:states:::lambda:invoke.waitForTaskToken`,
    Parameters: { FunctionName: p.functionArn, Payload: { step: "requestApproval", "state.$": "$", "taskToken.$": "$$.Task.Token", "request.$": "$$.State.Name" } },
    ResultPath: resultPath,
    TimeoutSeconds: p.approvalTimeoutSeconds,
    Retry: [retryOf(LAMBDA_SERVICE_ERRORS, SERVICE_RETRY), retryOf(RETRYABLE_ERROR_NAMES, STEP_RETRY), retryOf(LAMBDA_CRASH_ERRORS, CRASH_RETRY)],
    Catch: [
      ...(onTimeout ? [{ ErrorEquals: ["States.Timeout"], ResultPath: onTimeout.resultPath, Next: onTimeout.next }] : []),
      CATCH_ALL,
    ],
    Next: next,
  };
}

/** The Amazon States Language definition of one runbook, as a plain object. */
export function runbookDefinition(p: DefinitionProps): State {
  const S = STEP_STATES;
  const C = CONTROL_STATES;
  const states: State = {};
  states[C.init] = {
    Type: "Pass",
    Comment: "The execution input is the request (shared/failover-request.ts); the execution ARN is the lock holder and audit key.",
    Parameters: {
      "executionId.$": "$$.Execution.Id",
      "request.$": "$",
      defaults: { approvalRequired: false, dryRun: false },
      forced: { mode: p.mode },
    },
    Next: C.normalize,
  };
  states[C.normalize] = {
    Type: "Pass",
    Comment: `Fills approvalRequired and dryRun when absent and forces mode ${p.mode}.`,
    Parameters: {
      "executionId.$": "$.executionId",
      "request.$": "States.JsonMerge(States.JsonMerge($.defaults, $.request, false), $.forced, false)",
    },
    Next: S.assess,
  };
  states[S.assess] = lambdaTask(p, "assess", C.afterAssess);
  states[C.afterAssess] = {
    Type: "Choice",
    Comment: "Stand down when the evidence no longer calls for a run; ask a person first when assess says so (never in a dry run).",
    Choices: [
      { Variable: "$.run.intended", StringEquals: "stand-down", Next: S.standDown },
      { Variable: "$.run.needsApproval", BooleanEquals: true, Next: S.requestApproval },
    ],
    Default: S.raiseCapacity,
  };
  states[S.requestApproval] = approvalTask(
    p,
    "$.approval",
    S.assess,
    p.onApprovalTimeout === "proceed" ? { resultPath: "$.approvalTimedOut", next: S.assess } : null,
  );
  states[S.raiseCapacity] = lambdaTask(p, "raiseCapacity", S.fence);
  states[S.fence] = lambdaTask(p, "fence", C.drain);
  states[C.drain] = {
    Type: "Wait",
    Comment: "Lets the fence take effect: requests already accepted by the old region finish, and no new one is served there (run.drainSeconds, 0 when nothing reaches it).",
    SecondsPath: "$.run.drainSeconds",
    Next: S.decide,
  };
  states[S.decide] = lambdaTask(p, "decide", C.afterDecide);
  states[C.afterDecide] = {
    Type: "Choice",
    Comment: "The point of no return (P3): escalate a data loss above the RPO to a person, stand down, or promote.",
    Choices: [
      { Variable: "$.run.needsApproval", BooleanEquals: true, Next: C.requestDecisionApproval },
      { Variable: "$.run.decision.kind", StringEquals: "switchover", Next: S.promote },
      { Variable: "$.run.decision.kind", StringEquals: "failover", Next: S.promote },
    ],
    Default: S.standDown,
  };
  // A data loss above the RPO is never approved by a timeout.
  states[C.requestDecisionApproval] = approvalTask(p, "$.decisionApproval", S.decide, null);
  states[S.promote] = lambdaTask(p, "promote", S.awaitWriter);
  const awaitRetryable = RETRYABLE_ERROR_NAMES.filter((name) => name !== ERROR_NAMES.writerNotReady);
  states[S.awaitWriter] = lambdaTask(
    p,
    "awaitWriter",
    S.openGate,
    awaitRetryable,
    p.awaitWriter.extraAttempts > 0 ? [{ ErrorEquals: [ERROR_NAMES.writerNotReady], IntervalSeconds: 1, MaxAttempts: p.awaitWriter.extraAttempts, BackoffRate: 1 }] : [],
  );
  states[S.openGate] = lambdaTask(p, "openGate", S.verify);
  states[S.verify] = lambdaTask(p, "verify", S.complete);
  states[S.complete] = lambdaTask(p, "complete", C.succeeded);
  states[S.standDown] = lambdaTask(p, "standDown", C.stoodDown);
  states[S.abort] = {
    Type: "Task",
    Comment: "Records the failure (audit item, notification), rolls back a fence when nothing was promoted, releases this execution's locks; changes nothing in dry run.",
    Resource: `arn:${p.partition}:states:::lambda:invoke`,
    Parameters: { FunctionName: p.functionArn, Payload: { step: "abort", "state.$": "$" } },
    OutputPath: "$.Payload",
    Retry: [retryOf(LAMBDA_SERVICE_ERRORS, SERVICE_RETRY), retryOf(RETRYABLE_ERROR_NAMES, STEP_RETRY), retryOf(LAMBDA_CRASH_ERRORS, CRASH_RETRY)],
    Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.abortError", Next: C.afterAbort }],
    Next: C.afterAbort,
  };
  // The run ends with an error of its own when a person refused, so that the monitor stops asking for this incident.
  const refusedBy = (variable: string): State => ({ And: [{ Variable: variable, IsPresent: true }, { Variable: variable, StringEquals: APPROVAL_REFUSED_ERROR }], Next: C.refused });
  states[C.afterAbort] = {
    Type: "Choice",
    Comment: `A refused approval (send-task-failure --error ${APPROVAL_REFUSED_ERROR}) ends as ${RUNBOOK_REFUSED_ERROR}; every other failure as ${p.mode === "failback" ? "FailbackFailed" : "FailoverFailed"}.`,
    Choices: [refusedBy("$.run.error.name"), refusedBy("$.error.Error")],
    Default: C.failed,
  };
  states[C.refused] = {
    Type: "Fail",
    Error: RUNBOOK_REFUSED_ERROR,
    Cause: "A person refused the approval; nothing was promoted. The audit record (state table, audit#<execution ARN>) holds the reason they gave.",
  };
  states[C.succeeded] = { Type: "Succeed" };
  states[C.stoodDown] = { Type: "Succeed", Comment: "Nothing was promoted: the evidence did not call for it, or the writer was already here." };
  states[C.failed] = {
    Type: "Fail",
    Error: p.mode === "failback" ? "FailbackFailed" : "FailoverFailed",
    Cause: "A step failed; the audit record (state table, audit#<execution ARN>) and the execution history's failed event say why.",
  };
  return {
    Comment: `${p.mode === "failback" ? "Failback: planned switchover back to" : "Failover to"} this region (lambda/failover-orchestrator/contract.ts, docs/failover-protocol.md).`,
    StartAt: C.init,
    States: states,
  };
}
