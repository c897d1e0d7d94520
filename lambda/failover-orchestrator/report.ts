/**
 * requestApproval, complete, abort: notification, audit record, lock release.
 * The audit record is keyed by execution and notification is sent once per
 * execution and outcome: a re-run after a crash neither duplicates the record
 * nor (once `notifiedAt` is stored) re-sends the notification.
 */
import { PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { PublishCommand } from "@aws-sdk/client-sns";
import { isAwsError, PreconditionFailedError } from "../shared/errors";
import { Plain, TABLE_KEY, toItem } from "../shared/dynamo";
import { FailoverState, RunRecord, StepError } from "./contract";
import { OrchestratorDeps } from "./deps";
import { lockKey, releaseLock } from "./lock";
import { normalizeRequest, output, withEvent } from "./run";

export function auditKey(executionId: string): string {
  return `audit#${executionId}`;
}

export async function requestApproval(deps: OrchestratorDeps, state: FailoverState, taskToken: string | undefined): Promise<FailoverState> {
  const { config } = deps;
  const request = normalizeRequest(state?.request);
  if (!taskToken) throw new PreconditionFailedError("requestApproval needs taskToken ($$.Task.Token)");
  await deps.call("Publish", () =>
    deps.own.sns.send(
      new PublishCommand({
        TopicArn: config.topicArn,
        Subject: `[DR ${config.environment}] Approve ${request.mode} to ${config.region}?`.slice(0, 100),
        Message: JSON.stringify({
          kind: "failover-approval-request",
          environment: config.environment,
          executionId: state.executionId,
          mode: request.mode,
          targetRegion: config.region,
          globalClusterId: config.globalClusterId,
          reason: request.reason ?? null,
          incidentId: request.incidentId ?? null,
          detectedAt: request.detectedAt ?? null,
          approve: `aws stepfunctions send-task-success --region ${config.region} --task-output '{}' --task-token <taskToken>`,
          refuse: `aws stepfunctions send-task-failure --region ${config.region} --error Refused --task-token <taskToken>`,
          taskToken,
        }),
      }),
    ),
  );
  deps.log.warn("approval.requested", { executionId: state.executionId, mode: request.mode });
  return { executionId: state.executionId, request: state.request };
}

function auditItem(run: RunRecord, request: FailoverState["request"], finishedAt: string): Record<string, Plain | undefined> {
  return {
    [TABLE_KEY]: auditKey(run.executionId),
    kind: "failover-audit",
    executionId: run.executionId,
    outcome: run.outcome ?? null,
    mode: run.mode,
    globalClusterId: run.globalClusterId,
    newRegion: run.newRegion,
    oldRegion: run.oldRegion,
    newWriterArn: run.newWriterArn,
    oldWriterArn: run.oldWriterArn,
    strategy: run.strategy,
    promotion: run.promotion,
    estimatedDataLossMs: run.estimatedDataLossMs,
    replicationLagMsAtPromotion: run.replicationLagMsAtPromotion,
    rpoLagMsAtPromotion: run.rpoLagMsAtPromotion,
    reason: request?.reason ?? null,
    incidentId: request?.incidentId ?? null,
    startedAt: run.timeline[0]?.at ?? finishedAt,
    finishedAt,
    error: run.error ? `${run.error.name}: ${run.error.message}` : null,
    // The whole run (timeline, fencing, capacity, gate, verification) as JSON.
    record: JSON.stringify(run),
  };
}

/** Writes the audit record and sends the notification, each at most once per execution. */
async function recordAndNotify(deps: OrchestratorDeps, run: RunRecord, request: FailoverState["request"], subject: string): Promise<"sent" | "already-sent"> {
  const { config } = deps;
  const finishedAt = new Date(deps.clock()).toISOString();
  try {
    await deps.call("PutItem", () =>
      deps.own.dynamodb.send(
        new PutItemCommand({
          TableName: config.auditTableName,
          Item: toItem(auditItem(run, request, finishedAt)),
          ConditionExpression: "attribute_not_exists(#notified)",
          ExpressionAttributeNames: { "#notified": "notifiedAt" },
        }),
      ),
    );
  } catch (error) {
    if (isAwsError(error, "ConditionalCheckFailedException")) return "already-sent";
    throw error;
  }
  await deps.call("Publish", () =>
    deps.own.sns.send(
      new PublishCommand({
        TopicArn: config.topicArn,
        Subject: subject.slice(0, 100),
        Message: JSON.stringify({
          kind: run.outcome === "completed" ? "failover-completed" : "failover-failed",
          environment: config.environment,
          executionId: run.executionId,
          outcome: run.outcome,
          mode: run.mode,
          strategy: run.strategy,
          promotion: run.promotion,
          newRegion: run.newRegion,
          oldRegion: run.oldRegion,
          estimatedDataLossMs: run.estimatedDataLossMs,
          fencingErrors: run.fencing?.errors ?? [],
          verification: run.verification,
          error: run.error ?? null,
          timeline: run.timeline,
        }),
      }),
    ),
  );
  await deps.call("UpdateItem", () =>
    deps.own.dynamodb.send(
      new UpdateItemCommand({
        TableName: config.auditTableName,
        Key: { [TABLE_KEY]: { S: auditKey(run.executionId) } },
        UpdateExpression: "SET #notified = :now",
        ExpressionAttributeNames: { "#notified": "notifiedAt" },
        ExpressionAttributeValues: { ":now": { S: new Date(deps.clock()).toISOString() } },
      }),
    ),
  );
  return "sent";
}

async function release(deps: OrchestratorDeps, executionId: string): Promise<boolean> {
  return releaseLock(deps.own.dynamodb, deps.call, { tableName: deps.config.stateTableName, key: lockKey(deps.config.globalClusterId), holder: executionId });
}

export async function complete(deps: OrchestratorDeps, state: FailoverState): Promise<FailoverState> {
  const { config } = deps;
  if (!state?.run) throw new PreconditionFailedError("Step complete needs the state returned by begin (executionId, request, run)");
  let run: RunRecord = { ...state.run, outcome: state.run.dryRun ? "dry-run" : "completed" };
  if (run.dryRun) {
    const failed = run.checks.filter((c) => !c.ok);
    run = withEvent(deps, run, "complete", "dry-run-finished", { failedChecks: failed.length, plannedChanges: run.plan.length });
    deps.log.info("dry-run.report", { executionId: run.executionId, checks: run.checks, plan: run.plan });
    return output(state, run);
  }
  run = withEvent(deps, run, "complete", "completed", { estimatedDataLossMs: run.estimatedDataLossMs });
  const subject = `[DR ${config.environment}] ${run.mode === "failback" ? "Failback" : "Failover"} to ${run.newRegion} completed (${run.strategy})`;
  const notified = await recordAndNotify(deps, run, state.request, subject);
  const released = await release(deps, run.executionId);
  deps.log.info("complete.done", { executionId: run.executionId, notified, lockReleased: released });
  return output(state, run);
}

/** Lambda failures arrive as { Error, Cause: '{"errorType","errorMessage",...}' }. */
export function parseStepError(error: StepError | undefined): { name: string; message: string } {
  if (!error) return { name: "Unknown", message: "no error in state" };
  let message = error.Cause ?? "";
  try {
    const cause = JSON.parse(error.Cause ?? "") as { errorMessage?: unknown };
    if (typeof cause.errorMessage === "string") message = cause.errorMessage;
  } catch {
    // Cause is plain text.
  }
  return { name: error.Error, message };
}

export async function abort(deps: OrchestratorDeps, state: FailoverState): Promise<FailoverState> {
  const { config } = deps;
  const error = parseStepError(state?.error);
  const executionId = state?.executionId;
  if (typeof executionId !== "string" || executionId === "") throw new PreconditionFailedError("abort needs state.executionId");
  const dryRun = state.request?.dryRun === true || state.run?.dryRun === true;
  const base: RunRecord =
    state.run ??
    ({
      executionId,
      mode: state.request?.mode === "failback" ? "failback" : "failover",
      dryRun,
      globalClusterId: config.globalClusterId,
      newRegion: config.region,
      oldRegion: config.peerRegion,
      newWriterArn: "",
      oldWriterArn: state.request?.observedWriterArn ?? null,
      strategy: "none",
      promotion: "pending",
      replicationLagMsAtPromotion: null,
      rpoLagMsAtPromotion: null,
      estimatedDataLossMs: null,
      writerConfirmedAt: null,
      lockExpiresAt: null,
      fencing: null,
      capacity: null,
      gate: null,
      verification: null,
      checks: [],
      plan: [],
      timeline: [],
    } satisfies RunRecord);
  let run: RunRecord = withEvent(deps, { ...base, outcome: "failed", error }, "abort", "failed", { error: error.name, message: error.message });
  deps.log.error("failover.failed", { executionId, error });
  if (dryRun) return { executionId, request: state.request, run };
  const subject = `[DR ${config.environment}] ${run.mode === "failback" ? "Failback" : "Failover"} to ${config.region} FAILED: ${error.name}`;
  await recordAndNotify(deps, run, state.request, subject);
  // Only this execution's lock: a refused second execution must not free the first one's.
  const released = await release(deps, executionId);
  run = { ...run, lockExpiresAt: released ? null : run.lockExpiresAt };
  return { executionId, request: state.request, run };
}
