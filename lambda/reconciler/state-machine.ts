/**
 * The Amazon States Language definition of the reconciliation run, built next
 * to the reconciler whose steps it runs (contract.ts) and emitted by
 * constructs/failover/reconciliation.ts. Pure: no cdktf. It runs in the
 * surviving region:
 *
 *   Init → Normalize → Locate → Settle (Wait) → Compare → CompareDone? ⟲ → Report → NotifyReport → NeedsApproval?
 *     dry run or nothing to replay → Done
 *     otherwise → RequestApproval (waitForTaskToken) → Replay → ReplayDone? ⟲ → NotifyReplayed → Done
 *   refused (send-task-failure) → NotifyRefused → Refused
 *   no answer within the approval timeout → NotifyExpired → Expired
 *   any other failure after its retries → NotifyFailed → Failed
 *
 * The retry policies are the failover runbook's (lambda/failover-orchestrator/state-machine.ts).
 */
import { RETRYABLE_ERROR_NAMES } from "../shared/errors";
import { APPROVAL_REFUSED_ERROR } from "../shared/failover-request";
import { CRASH_RETRY, Json, LAMBDA_CRASH_ERRORS, LAMBDA_SERVICE_ERRORS, SERVICE_RETRY, State, STEP_RETRY } from "../failover-orchestrator/state-machine";
import { NoticeKind, StepName } from "./contract";

export interface ReconciliationDefinitionProps {
  /** ARN of the reconciler function. */
  readonly functionArn: string;
  /** AWS partition, for the integration ARNs. */
  readonly partition: string;
  /** Default wait before comparing, for replication resumed by the return to land (the request may override it). */
  readonly settleSeconds: number;
  /** How long the run waits for an operator's approval of the replay. */
  readonly approvalTimeoutSeconds: number;
}

/** The refusal an operator sends (npm run approve --refuse): the same error the failover runbooks read. */
export const REFUSED_ERROR = APPROVAL_REFUSED_ERROR;

export const RECONCILIATION_STATES = {
  init: "Init",
  normalize: "Normalize",
  locate: "Locate",
  settle: "Settle",
  compare: "Compare",
  compareDone: "CompareDone",
  report: "Report",
  notifyReport: "NotifyReport",
  needsApproval: "NeedsApproval",
  requestApproval: "RequestApproval",
  replay: "Replay",
  replayDone: "ReplayDone",
  notifyReplayed: "NotifyReplayed",
  notifyRefused: "NotifyRefused",
  notifyExpired: "NotifyExpired",
  notifyFailed: "NotifyFailed",
  done: "Done",
  refused: "Refused",
  expired: "Expired",
  failed: "Failed",
} as const;

const S = RECONCILIATION_STATES;
const retryOf = (errors: readonly string[], policy: { readonly [key: string]: number | string }): State => ({ ErrorEquals: [...errors], ...policy });
const RETRIES: Json[] = [retryOf(LAMBDA_SERVICE_ERRORS, SERVICE_RETRY), retryOf(RETRYABLE_ERROR_NAMES, STEP_RETRY), retryOf(LAMBDA_CRASH_ERRORS, CRASH_RETRY)];
const CATCH_ALL: State = { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: S.notifyFailed };

function task(p: ReconciliationDefinitionProps, step: StepName, next: string, comment: string, extra: { kind?: NoticeKind; catchAll?: boolean } = {}): State {
  return {
    Type: "Task",
    Comment: comment,
    Resource: `arn:${p.partition}:states:::lambda:invoke`,
    Parameters: { FunctionName: p.functionArn, Payload: { step, ...(extra.kind ? { kind: extra.kind } : {}), "state.$": "$" } },
    OutputPath: "$.Payload",
    Retry: RETRIES,
    ...(extra.catchAll === false ? {} : { Catch: [CATCH_ALL] }),
    Next: next,
  };
}

/** A notice on the way out: its own failure must not hide the outcome, so it is caught into the end state. */
function notice(p: ReconciliationDefinitionProps, kind: NoticeKind, next: string): State {
  return {
    ...task(p, "notify", next, `Pages the ${kind} notice (SNS).`, { kind, catchAll: false }),
    Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.noticeError", Next: next }],
  };
}

export function reconciliationDefinition(p: ReconciliationDefinitionProps): State {
  const states: State = {};
  states[S.init] = {
    Type: "Pass",
    Comment: "The execution input is the request (lambda/reconciler/contract.ts); the execution name is the run id.",
    Parameters: {
      "executionId.$": "$$.Execution.Id",
      "runId.$": "$$.Execution.Name",
      "request.$": "$",
      defaults: { settleSeconds: p.settleSeconds, dryRun: false },
    },
    Next: S.normalize,
  };
  states[S.normalize] = {
    Type: "Pass",
    Comment: "Fills settleSeconds and dryRun when the request has none.",
    Parameters: {
      "executionId.$": "$.executionId",
      "runId.$": "$.runId",
      "request.$": "States.JsonMerge($.defaults, $.request, false)",
    },
    Next: S.locate,
  };
  states[S.locate] = task(p, "locate", S.settle, "The window (the failover's audit record, or the request's bounds) and the run's files; fails while the returned region does not answer.");
  states[S.settle] = {
    Type: "Wait",
    Comment: "Lets the writes whose replication resumed with the region's return land first: what is missing is what replication did not bring back.",
    SecondsPath: "$.request.settleSeconds",
    Next: S.compare,
  };
  states[S.compare] = task(p, "compare", S.compareDone, "One bounded slice of the window (time index of the returned region, records and log objects of both).");
  states[S.compareDone] = {
    Type: "Choice",
    Choices: [{ Variable: "$.run.compare.done", BooleanEquals: false, Next: S.compare }],
    Default: S.report,
  };
  states[S.report] = task(p, "report", S.notifyReport, "The encrypted report (ids, counts, totals per currency) and the replay set in this region's bucket; the counts as metrics.");
  states[S.notifyReport] = task(p, "notify", S.needsApproval, "Pages the summary and where the report is.", { kind: "report" });
  states[S.needsApproval] = {
    Type: "Choice",
    Comment: "A dry run, or nothing to replay, ends here.",
    Choices: [
      { Variable: "$.request.dryRun", BooleanEquals: true, Next: S.done },
      { Variable: "$.run.report.summary.replayable", NumericGreaterThan: 0, Next: S.requestApproval },
    ],
    Default: S.done,
  };
  states[S.requestApproval] = {
    Type: "Task",
    Comment: `Keeps the task token in the state table (approval#<execution>#<state>), pages the request without it, and waits up to ${p.approvalTimeoutSeconds} s for npm run approve (send-task-success) or a refusal (send-task-failure --error ${REFUSED_ERROR}).`,
    Resource: `arn:${p.partition}:states:::lambda:invoke.waitForTaskToken`,
    Parameters: { FunctionName: p.functionArn, Payload: { step: "requestApproval", "state.$": "$", "taskToken.$": "$$.Task.Token", "request.$": "$$.State.Name" } },
    ResultPath: "$.approval",
    TimeoutSeconds: p.approvalTimeoutSeconds,
    Retry: RETRIES,
    Catch: [
      { ErrorEquals: [REFUSED_ERROR], ResultPath: "$.error", Next: S.notifyRefused },
      { ErrorEquals: ["States.Timeout"], ResultPath: "$.error", Next: S.notifyExpired },
      CATCH_ALL,
    ],
    Next: S.replay,
  };
  states[S.replay] = task(p, "replay", S.replayDone, "One bounded slice of the replay set into this region: conditional writes only (records attribute_not_exists, objects If-None-Match).");
  states[S.replayDone] = {
    Type: "Choice",
    Choices: [{ Variable: "$.run.replay.done", BooleanEquals: false, Next: S.replay }],
    Default: S.notifyReplayed,
  };
  states[S.notifyReplayed] = notice(p, "replayed", S.done);
  states[S.notifyRefused] = notice(p, "refused", S.refused);
  states[S.notifyExpired] = notice(p, "expired", S.expired);
  states[S.notifyFailed] = notice(p, "failed", S.failed);
  states[S.done] = { Type: "Succeed" };
  states[S.refused] = { Type: "Succeed", Comment: "An operator refused the replay: the report stands, nothing was written." };
  states[S.expired] = { Type: "Succeed", Comment: "Nobody approved in time: the report stands, nothing was written." };
  states[S.failed] = { Type: "Fail", Error: "ReconciliationFailed", Cause: "A step failed; the failure notice and the execution history's failed event say why." };
  return {
    Comment: "Reconciliation after an unplanned failover: what the returned region accepted and this region lacks (lambda/reconciler/contract.ts, docs/reconciliation.md).",
    StartAt: S.init,
    States: states,
  };
}
