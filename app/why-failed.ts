/**
 * Why did a runbook execution fail? (npm run why-failed -- <execution ARN>)
 *
 * Step Functions sets no output on a FAILED execution, and the runbooks' Fail
 * state carries only a generic error (FailoverFailed / FailbackFailed). The
 * reason is where the failure path puts it (lambda/failover-orchestrator/report.ts):
 *
 *   1. the audit record `audit#<execution ARN>` that the Abort step writes into
 *      the region's state table (`error` = "<name>: <message>", plus outcome,
 *      decision, promotion, data-loss window and the run's timeline in `record`);
 *   2. failing that (a dry run writes no audit record; an Abort that could not
 *      write it), the execution history: the `error` the Catch put into the
 *      Abort state's input (ResultPath `$.error`), and each task failure with
 *      the state it happened in.
 *
 * Read-only: DescribeExecution, GetExecutionHistory (Step Functions) and one
 * GetItem (DynamoDB), all in the execution's own region. The clients are
 * injected, so __tests__/operator-tools.test.ts drives it with aws-sdk-client-mock.
 */
import { GetItemCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DescribeExecutionCommand, GetExecutionHistoryCommand, HistoryEvent, SFNClient } from "@aws-sdk/client-sfn";
import { auditKey, failureAuditKey, parseStepError } from "../lambda/failover-orchestrator/report";
import { STEP_STATES } from "../lambda/failover-orchestrator/state-machine";
import { fromItem, TABLE_KEY } from "../lambda/shared/dynamo";
import { ERROR_NAMES } from "../lambda/shared/errors";
import { APPROVAL_REFUSED_ERROR, RUNBOOK_REFUSED_ERROR } from "../lambda/shared/failover-request";

export interface ExecutionArnParts {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly stateMachine: string;
  readonly name: string;
}

/** arn:<partition>:states:<region>:<account>:execution:<state machine>:<name> */
export function parseExecutionArn(arn: string): ExecutionArnParts {
  const parts = arn.split(":");
  if (parts.length < 8 || parts[0] !== "arn" || parts[2] !== "states" || parts[5] !== "execution") {
    throw new Error(`not a Step Functions execution ARN: ${arn} (expected arn:aws:states:<region>:<account>:execution:<state machine>:<name>)`);
  }
  return { partition: parts[1]!, region: parts[3]!, account: parts[4]!, stateMachine: parts[6]!, name: parts.slice(7).join(":") };
}

export interface StepFailure {
  /** The state the failure happened in (Assess, Promote, ...), when known. */
  readonly state: string | null;
  readonly error: string;
  readonly message: string;
}

export interface FailureExplanation {
  readonly executionArn: string;
  /** RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, ... */
  readonly status: string;
  /** Where the reason was read: the audit record, the execution history, or nothing found. */
  readonly source: "audit-record" | "execution-history" | "none";
  /** "<error name>: <message>" of the failing step, when known. */
  readonly error: string | null;
  /** The error name alone (LockHeldError, ...), for the hint. */
  readonly errorName: string | null;
  /** The audit record's plain fields (outcome, mode, decision, promotion, data loss...), when there is one. */
  readonly audit: Readonly<Record<string, unknown>> | null;
  /** Task failures in the order they happened (retried ones included), from the history. */
  readonly failures: readonly StepFailure[];
  /** What to do next, for this error. */
  readonly hint: string;
}

export interface WhyFailedDeps {
  readonly sfn: SFNClient;
  readonly dynamodb: DynamoDBClient;
  /** The state table of the execution's region (`<project>-failover-lock-<suffix>`). */
  readonly stateTableName: string;
}

/** What to do after each error the runbooks end with (docs/runbook.md, "When a run failed"). */
export const HINTS: Readonly<Record<string, string>> = {
  [ERROR_NAMES.lockHeld]:
    "Another execution holds the single-flight lock: list the RUNNING executions of both runbooks in this region; wait for it, or stop it and release the lock (docs/runbook.md, Pausing the automation).",
  [ERROR_NAMES.lockLost]: "The lock expired or was taken over during the run: check for a concurrent execution, then start a new run (dry run first).",
  [ERROR_NAMES.preconditionFailed]:
    "A precondition did not hold (for example writer-unchanged-since-detection: the writer moved since the monitor decided). Read the message; a new dry run shows the current checks.",
  [ERROR_NAMES.writerNotReady]:
    "The new writer was not confirmed within failover.maxWaitSeconds; the promotion may still finish. Start the same runbook again (dry run first): it sees the promotion under way or done and continues.",
  [ERROR_NAMES.endpointUnhealthy]:
    "The promoted region's endpoint did not answer healthy: check its ECS service and target group; re-run the runbook once it does (it promotes nothing already promoted).",
  [ERROR_NAMES.globalClusterBusy]: "The global cluster was busy with another operation: wait until DescribeGlobalClusters shows it available, then re-run (dry run first).",
  [ERROR_NAMES.configuration]: "The orchestrator's environment is wrong: the message names the variable; fix the configuration and deploy ops-<region>.",
  [ERROR_NAMES.transient]: "AWS kept throttling or timing out after every retry: re-run (dry run first).",
  [ERROR_NAMES.permanent]: "A call AWS refused for good (often a missing permission): the message names the operation.",
  [APPROVAL_REFUSED_ERROR]: "A person refused the approval (send-task-failure): nothing was promoted, and the monitor does not ask again for this incident. Fail over by hand if that is still wanted (docs/runbook.md, Manual failover).",
  [RUNBOOK_REFUSED_ERROR]: "A person refused the approval (send-task-failure): nothing was promoted, and the monitor does not ask again for this incident. Fail over by hand if that is still wanted (docs/runbook.md, Manual failover).",
  "States.Timeout": "A task or the approval timed out: for an approval, failover.onApprovalTimeout decided; start a new run if it is still needed.",
};

export function hintFor(errorName: string | null): string {
  if (!errorName) return "No error was recorded: read the execution history in the console, and the orchestrator's log group.";
  return HINTS[errorName] ?? "Read the message and the orchestrator's log group (/<project>/<suffix>/failover-orchestrator) around the failure time.";
}

const AUDIT_FIELDS = [
  "outcome",
  "mode",
  "requestedBy",
  "reason",
  "incidentId",
  "newRegion",
  "oldRegion",
  "decision",
  "decisionReason",
  "strategy",
  "promotion",
  "dataLossKind",
  "estimatedDataLossMs",
  "startedAt",
  "finishedAt",
  "approvedBy",
] as const;

/**
 * Reads the audit record of the run's failure, or null when there is none: the failure's own record
 * (audit#<execution>#failed, written when the run's first record said otherwise) first, else the run's record.
 */
export async function readAuditRecord(deps: WhyFailedDeps, executionArn: string): Promise<Record<string, unknown> | null> {
  for (const key of [failureAuditKey(executionArn), auditKey(executionArn)]) {
    const result = await deps.dynamodb.send(new GetItemCommand({ TableName: deps.stateTableName, Key: { [TABLE_KEY]: { S: key } }, ConsistentRead: true }));
    if (result?.Item) return fromItem(result.Item) as Record<string, unknown>;
  }
  return null;
}

async function readHistory(deps: WhyFailedDeps, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await deps.sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000, includeExecutionData: true }));
    events.push(...(page?.events ?? []));
    nextToken = page?.nextToken;
  } while (nextToken);
  return events;
}

/** The task failures of a history, each with the state it happened in, and the error the Catch handed to Abort. */
export function failuresFromHistory(events: readonly HistoryEvent[]): { failures: StepFailure[]; abortError: StepFailure | null } {
  const failures: StepFailure[] = [];
  let abortError: StepFailure | null = null;
  let state: string | null = null;
  let lastFailedState: string | null = null;
  for (const event of events) {
    const entered = event.stateEnteredEventDetails;
    if (entered?.name) {
      if (entered.name === STEP_STATES.abort) {
        let input: { error?: { Error: string; Cause?: string } } = {};
        try {
          input = JSON.parse(entered.input ?? "{}");
        } catch {
          // history without execution data: no input to read
        }
        if (input.error) {
          const parsed = parseStepError(input.error);
          abortError = { state: lastFailedState ?? state, error: parsed.name, message: parsed.message };
        }
      }
      state = entered.name;
    }
    const failed = event.taskFailedEventDetails ?? event.lambdaFunctionFailedEventDetails ?? event.taskTimedOutEventDetails;
    if (failed && (event.type === "TaskFailed" || event.type === "LambdaFunctionFailed" || event.type === "TaskTimedOut")) {
      const parsed = parseStepError({ Error: failed.error ?? event.type, Cause: failed.cause });
      failures.push({ state, error: parsed.name, message: parsed.message });
      lastFailedState = state;
    }
  }
  return { failures, abortError };
}

export async function explainExecution(deps: WhyFailedDeps, executionArn: string): Promise<FailureExplanation> {
  parseExecutionArn(executionArn);
  const described = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
  const status = described?.status ?? "UNKNOWN";
  const [auditRecord, events] = await Promise.all([readAuditRecord(deps, executionArn), readHistory(deps, executionArn)]);
  const { failures, abortError } = failuresFromHistory(events);
  if (auditRecord && typeof auditRecord.error === "string" && auditRecord.error !== "") {
    const errorName = auditRecord.error.split(":")[0]!.trim();
    const audit = Object.fromEntries(AUDIT_FIELDS.filter((f) => auditRecord[f] !== undefined && auditRecord[f] !== null).map((f) => [f, auditRecord[f]]));
    return { executionArn, status, source: "audit-record", error: auditRecord.error, errorName, audit, failures, hint: hintFor(errorName) };
  }
  const last = abortError ?? failures[failures.length - 1] ?? null;
  const fallback = last ?? (described?.error ? { state: null, error: described.error, message: described.cause ?? "" } : null);
  const audit = auditRecord ? Object.fromEntries(AUDIT_FIELDS.filter((f) => auditRecord[f] != null).map((f) => [f, auditRecord[f]])) : null;
  return {
    executionArn,
    status,
    source: fallback ? "execution-history" : "none",
    error: fallback ? `${fallback.error}: ${fallback.message}` : null,
    errorName: fallback?.error ?? null,
    audit,
    failures,
    hint: hintFor(fallback?.error ?? null),
  };
}

/** The explanation as text for a terminal. */
export function formatExplanation(e: FailureExplanation, stateTableName: string): string {
  const lines = [`execution  ${e.executionArn}`, `status     ${e.status}`];
  if (e.status === "RUNNING") lines.push("           (still running: what follows is what has failed so far)");
  if (e.source === "audit-record") lines.push(`source     audit record ${auditKey(e.executionArn)} in ${stateTableName}`);
  else if (e.source === "execution-history") lines.push("source     execution history (no audit record with an error: a dry run, or Abort could not write it)");
  else lines.push("source     nothing recorded a failure");
  lines.push(`error      ${e.error ?? "-"}`);
  if (e.audit) for (const [k, v] of Object.entries(e.audit)) lines.push(`  ${k.padEnd(20)} ${typeof v === "string" ? v : JSON.stringify(v)}`);
  if (e.failures.length > 0) {
    lines.push("task failures (oldest first; retried ones included):");
    for (const f of e.failures) lines.push(`  ${(f.state ?? "?").padEnd(14)} ${f.error}: ${f.message}`);
  }
  lines.push(`next       ${e.hint}`);
  return lines.join("\n") + "\n";
}
