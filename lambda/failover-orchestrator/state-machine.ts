/**
 * The Amazon States Language definitions of the failover runbooks (pure: no cdktf), emitted by constructs/failover-state-machine.ts, each
 * running the orchestrator's steps (lambda/failover-orchestrator/contract.ts)
 * in this region, so that each promotes this region:
 *
 * - `failover`: moves the writer here because the other region is failing
 *   (strategy auto: a planned switchover when both databases are healthy, an
 *   unplanned failover with data loss allowed otherwise; or forced with
 *   `strategy`). The health monitor starts this one. The old region is fenced
 *   to zero tasks.
 * - `failback`: a planned switchover back here once the other region is
 *   healthy again and this region's replica has caught up. Never loses data;
 *   the old region stays as the warm standby.
 *
 * Both exist in both regions (addresses follow the region, never its role)
 * and differ only in the mode they force on the request, so an operator who
 * starts the failback machine cannot get an unplanned, data-losing failover by
 * forgetting a field. Both accept a dry run.
 *
 * The definition is a plain object in a fixed key order, JSON-stringified:
 *
 *   Init -> Normalize -> NeedsApproval -(approvalRequired, not dryRun)-> RequestApproval
 *        -> Begin -> Promote -> AwaitWriter -> Fence -> RaiseCapacity -> OpenGate -> Verify -> Complete -> Succeeded
 *   any task error (after its retries) -> Abort -> Failed
 */
import { MAIN_PATH, StepName } from "./contract";
import { ERROR_NAMES, RETRYABLE_ERROR_NAMES } from "../shared/errors";

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
  requestApproval: "RequestApproval",
  begin: "Begin",
  promote: "Promote",
  awaitWriter: "AwaitWriter",
  fence: "Fence",
  raiseCapacity: "RaiseCapacity",
  openGate: "OpenGate",
  verify: "Verify",
  complete: "Complete",
  abort: "Abort",
};

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
  /** failover.onApprovalTimeout */
  readonly onApprovalTimeout: ApprovalTimeoutAction;
  readonly awaitWriter: AwaitWriterBudget;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type State = { [key: string]: Json };

const retryOf = (errors: readonly string[], policy: { readonly [key: string]: number | string }): State => ({ ErrorEquals: [...errors], ...policy });

function lambdaTask(p: DefinitionProps, step: StepName, next: string, extraRetry: State[] = []): State {
  return {
    Type: "Task",
    Comment: `Orchestrator step ${step}`,
    Resource: `arn:${p.partition}:states:::lambda:invoke`,
    Parameters: { FunctionName: p.functionArn, Payload: { step, "state.$": "$" } },
    OutputPath: "$.Payload",
    Retry: [
      ...extraRetry,
      retryOf(LAMBDA_SERVICE_ERRORS, SERVICE_RETRY),
      retryOf(RETRYABLE_ERROR_NAMES, STEP_RETRY),
      retryOf(LAMBDA_CRASH_ERRORS, CRASH_RETRY),
    ],
    Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: STEP_STATES.abort }],
    Next: next,
  };
}

/** The Amazon States Language definition of one runbook, as a plain object. */
export function runbookDefinition(p: DefinitionProps): State {
  const states: State = {};
  states.Init = {
    Type: "Pass",
    Comment: "The execution input is the request (shared/failover-request.ts); the execution ARN is the lock holder and audit key.",
    Parameters: {
      "executionId.$": "$$.Execution.Id",
      "request.$": "$",
      defaults: { approvalRequired: false, dryRun: false },
      forced: { mode: p.mode },
    },
    Next: "Normalize",
  };
  states.Normalize = {
    Type: "Pass",
    Comment: `Fills approvalRequired and dryRun when absent and forces mode ${p.mode}.`,
    Parameters: {
      "executionId.$": "$.executionId",
      "request.$": "States.JsonMerge(States.JsonMerge($.defaults, $.request, false), $.forced, false)",
    },
    Next: "NeedsApproval",
  };
  states.NeedsApproval = {
    Type: "Choice",
    Comment: "A dry run changes nothing, so it never waits for approval.",
    Choices: [
      { Variable: "$.request.dryRun", BooleanEquals: true, Next: STEP_STATES.begin },
      { Variable: "$.request.approvalRequired", BooleanEquals: true, Next: STEP_STATES.requestApproval },
    ],
    Default: STEP_STATES.begin,
  };
  const timeoutNext = p.onApprovalTimeout === "proceed" ? STEP_STATES.begin : STEP_STATES.abort;
  states[STEP_STATES.requestApproval] = {
    Type: "Task",
    Comment: `Pages the task token and waits up to ${p.approvalTimeoutSeconds} s for send-task-success (approve) or send-task-failure (refuse); on timeout: ${p.onApprovalTimeout}.`,
    Resource: `arn:${p.partition}:states:::lambda:invoke.waitForTaskToken`,
    Parameters: {
      FunctionName: p.functionArn,
      Payload: { step: "requestApproval", "state.$": "$", "taskToken.$": "$$.Task.Token" },
    },
    ResultPath: null,
    TimeoutSeconds: p.approvalTimeoutSeconds,
    Retry: [retryOf(LAMBDA_SERVICE_ERRORS, SERVICE_RETRY), retryOf(RETRYABLE_ERROR_NAMES, STEP_RETRY), retryOf(LAMBDA_CRASH_ERRORS, CRASH_RETRY)],
    Catch: [
      { ErrorEquals: ["States.Timeout"], ResultPath: p.onApprovalTimeout === "proceed" ? "$.approvalTimedOut" : "$.error", Next: timeoutNext },
      { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: STEP_STATES.abort },
    ],
    Next: STEP_STATES.begin,
  };
  MAIN_PATH.forEach((step, i) => {
    const next = i + 1 < MAIN_PATH.length ? STEP_STATES[MAIN_PATH[i + 1]] : "Succeeded";
    const extra =
      step === "awaitWriter"
        ? [{ ErrorEquals: [ERROR_NAMES.writerNotReady], IntervalSeconds: 1, MaxAttempts: p.awaitWriter.extraAttempts, BackoffRate: 1 }]
        : [];
    states[STEP_STATES[step]] = lambdaTask(p, step, next, extra);
  });
  states[STEP_STATES.abort] = {
    Type: "Task",
    Comment: "Records the failure (audit item, notification) and releases this execution's lock; changes nothing in dry run.",
    Resource: `arn:${p.partition}:states:::lambda:invoke`,
    Parameters: { FunctionName: p.functionArn, Payload: { step: "abort", "state.$": "$" } },
    OutputPath: "$.Payload",
    Retry: [retryOf(LAMBDA_SERVICE_ERRORS, SERVICE_RETRY), retryOf(RETRYABLE_ERROR_NAMES, STEP_RETRY), retryOf(LAMBDA_CRASH_ERRORS, CRASH_RETRY)],
    Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.abortError", Next: "Failed" }],
    Next: "Failed",
  };
  states.Succeeded = { Type: "Succeed" };
  states.Failed = {
    Type: "Fail",
    Error: p.mode === "failback" ? "FailbackFailed" : "FailoverFailed",
    Cause: "A step failed; see the execution output (run.error, run.timeline) and the audit item in the state table.",
  };
  return {
    Comment: `${p.mode === "failback" ? "Failback: planned switchover back to" : "Failover to"} this region (lambda/failover-orchestrator/contract.ts).`,
    StartAt: "Init",
    States: states,
  };
}

