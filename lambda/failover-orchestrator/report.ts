/**
 * requestApproval, complete, standDown, abort: approval requests, the audit
 * record, notification, rollback of a fence that led nowhere, lock release.
 * The audit record is keyed by execution and created once, never changed (a failure
 * after it gets audit#<execution>#failed); the notification is sent at least once
 * per execution and kind (a re-run after a crash finds the notice#<execution>#<kind>
 * marker written after the page).
 */
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { PublishCommand } from "@aws-sdk/client-sns";
import { ensureScalableTarget } from "../shared/capacity";
import { readFence, writeFence } from "../shared/control-table";
import { Plain, TABLE_KEY, toItem } from "../shared/dynamo";
import { approvalCommands, APPROVAL_REQUEST_PATTERN, storeApprovalToken } from "../shared/approval";
import { isAwsError, PreconditionFailedError } from "../shared/errors";
import { applyGate } from "../shared/gate-api";
import { lockKey, readLockItem, releaseLock } from "../shared/lock";
import { readWriter } from "./assessment";
import { ActionStatus, FailoverState, RunRecord, StepError, StepName } from "./contract";
import { OrchestratorDeps } from "./deps";
import { describeError, normalizeRequest, output, withEvent } from "./run";

export function auditKey(executionId: string): string {
  return `audit#${executionId}`;
}

/** The marker that the run's notification was sent (the audit item itself is written once and never changed). */
export function noticeKey(executionId: string, kind: string): string {
  return `notice#${executionId}#${kind}`;
}

/** The failure's own record when the run's first audit record said otherwise (append-only: the first is kept). */
export function failureAuditKey(executionId: string): string {
  return `${auditKey(executionId)}#failed`;
}


export async function requestApproval(deps: OrchestratorDeps, state: FailoverState, taskToken: string | undefined, asking: string | undefined): Promise<FailoverState> {
  const { config } = deps;
  const request = normalizeRequest(state?.request);
  if (!taskToken) throw new PreconditionFailedError("requestApproval needs taskToken ($$.Task.Token)");
  if (!asking || !APPROVAL_REQUEST_PATTERN.test(asking)) throw new PreconditionFailedError(`requestApproval needs the asking state's name ($$.State.Name), got ${JSON.stringify(asking)}`);
  const run = state.run;
  const nowMs = deps.clock();
  await storeApprovalToken(deps.own.dynamodb, deps.call, { tableName: config.stateTableName, executionId: state.executionId, request: asking, taskToken, nowMs });
  await deps.call("Publish", () =>
    deps.own.sns.send(
      new PublishCommand({
        TopicArn: config.topicArn,
        Subject: `[DR ${config.environment}] Approve ${run?.decision?.kind ?? run?.intended ?? request.mode} to ${config.region}?`.slice(0, 100),
        Message: JSON.stringify({
          kind: "failover-approval-request",
          environment: config.environment,
          executionId: state.executionId,
          mode: request.mode,
          targetRegion: config.region,
          globalClusterId: config.globalClusterId,
          intended: run?.decision?.kind ?? run?.intended ?? null,
          why: run?.approval.reasons ?? [],
          evidence: (run?.decisionEvidence ?? run?.assessment)?.summary ?? null,
          replicationLagMs: (run?.decisionEvidence ?? run?.assessment)?.replicationLagMs ?? null,
          rpoSeconds: config.rpoSeconds,
          reason: request.reason ?? null,
          incidentId: request.incidentId ?? null,
          // The token stays in the state table: answering needs the failover operator role, not this message.
          request: asking,
          ...approvalCommands(config.region, config.stateTableName, state.executionId, asking),
        }),
      }),
    ),
  );
  deps.log.warn("approval.requested", { executionId: state.executionId, mode: request.mode, why: run?.approval.reasons ?? [] });
  return state;
}

function auditItem(run: RunRecord, request: FailoverState["request"], finishedAt: string): Record<string, Plain | undefined> {
  return {
    [TABLE_KEY]: auditKey(run.executionId),
    kind: "failover-audit",
    executionId: run.executionId,
    outcome: run.outcome ?? null,
    mode: run.mode,
    requestedBy: run.requestedBy,
    globalClusterId: run.globalClusterId,
    newRegion: run.newRegion,
    oldRegion: run.oldRegion,
    newWriterArn: run.newWriterArn,
    oldWriterArn: run.oldWriterArn,
    decision: run.decision?.kind ?? null,
    decisionReason: run.decision?.reason ?? null,
    strategy: run.strategy,
    promotion: run.promotion,
    promotionRequestedAt: run.promotionRequestedAt,
    dataLossKind: run.dataLoss.kind,
    estimatedDataLossMs: run.dataLoss.estimatedMs,
    dataLossReason: run.dataLoss.reason,
    dataLossWindow: run.dataLoss.stores ? (JSON.parse(JSON.stringify(run.dataLoss.stores)) as Plain) : null,
    replicationLagMsAtPromotion: run.replicationLagMsAtPromotion,
    rpoLagMsAtPromotion: run.rpoLagMsAtPromotion,
    rpoSeconds: run.rpoSeconds,
    approvalReasons: [...run.approval.reasons],
    approvalGranted: run.approval.granted,
    // Who approved, as their answers name them; Step Functions and CloudTrail hold the IAM identity that sent each.
    approvedBy: [...(run.approval.approvedBy ?? [])],
    reason: request?.reason ?? null,
    incidentId: request?.incidentId ?? null,
    startedAt: run.timeline[0]?.at ?? finishedAt,
    finishedAt,
    error: run.error ? `${run.error.name}: ${run.error.message}` : null,
    // The whole run (evidence, fence, timeline...) as JSON.
    record: JSON.stringify(run),
  };
}

/** Creates an audit item unless its key exists; false when it did (the record is append-only). */
async function createAuditItem(deps: OrchestratorDeps, item: Record<string, Plain | undefined>): Promise<boolean> {
  try {
    await deps.call("PutItem", () =>
      deps.own.dynamodb.send(
        new PutItemCommand({
          TableName: deps.config.auditTableName,
          Item: toItem(item),
          ConditionExpression: "attribute_not_exists(#key)",
          ExpressionAttributeNames: { "#key": TABLE_KEY },
        }),
      ),
    );
    return true;
  } catch (error) {
    if (!isAwsError(error, "ConditionalCheckFailedException")) throw error;
    return false;
  }
}

/**
 * Writes the audit record once and sends the notification at least once per execution and kind. The audit item is
 * append-only: a retried step finds it written and keeps the first record (the role may not update or delete it).
 * A failure after the run's first record said otherwise (Complete wrote "completed", then its page or lock release
 * failed past its retries) gets a record of its own, audit#<execution>#failed. Whether a notification went out is a
 * separate marker per kind, written after it was sent, so a completion page never silences the failure page.
 */
async function recordAndNotify(deps: OrchestratorDeps, run: RunRecord, request: FailoverState["request"], subject: string): Promise<"sent" | "already-sent"> {
  const { config } = deps;
  const finishedAt = new Date(deps.clock()).toISOString();
  const item = auditItem(run, request, finishedAt);
  if (!(await createAuditItem(deps, item))) {
    deps.log.info("audit.already-written", { executionId: run.executionId });
    if (run.outcome === "failed") {
      const first = await deps.call("GetItem", () =>
        deps.own.dynamodb.send(new GetItemCommand({ TableName: config.auditTableName, Key: { [TABLE_KEY]: { S: auditKey(run.executionId) } }, ConsistentRead: true })),
      );
      if (first.Item?.outcome?.S !== "failed") await createAuditItem(deps, { ...item, [TABLE_KEY]: failureAuditKey(run.executionId) });
    }
  }
  const kind = run.outcome === "completed" ? "failover-completed" : run.outcome === "stood-down" ? "failover-stood-down" : "failover-failed";
  const notice = await deps.call("GetItem", () =>
    deps.own.dynamodb.send(new GetItemCommand({ TableName: config.auditTableName, Key: { [TABLE_KEY]: { S: noticeKey(run.executionId, kind) } }, ConsistentRead: true })),
  );
  if (notice.Item) return "already-sent";
  await deps.call("Publish", () =>
    deps.own.sns.send(
      new PublishCommand({
        TopicArn: config.topicArn,
        Subject: subject.slice(0, 100),
        Message: JSON.stringify({
          kind,
          environment: config.environment,
          executionId: run.executionId,
          outcome: run.outcome,
          mode: run.mode,
          decision: run.decision,
          strategy: run.strategy,
          promotion: run.promotion,
          newRegion: run.newRegion,
          oldRegion: run.oldRegion,
          dataLoss: run.dataLoss,
          fence: run.fence,
          verification: run.verification,
          error: run.error ?? null,
          timeline: run.timeline,
        }),
      }),
    ),
  );
  await deps.call("PutItem", () =>
    deps.own.dynamodb.send(
      new PutItemCommand({
        TableName: config.auditTableName,
        Item: toItem({ [TABLE_KEY]: noticeKey(run.executionId, kind), kind: "failover-notice", notice: kind, executionId: run.executionId, sentAt: new Date(deps.clock()).toISOString() }),
      }),
    ),
  );
  return "sent";
}

/** Releases this execution's locks (never another execution's): this region's, and the other region's best effort. */
async function releaseLocks(deps: OrchestratorDeps, executionId: string): Promise<boolean> {
  const params = { tableName: deps.config.stateTableName, key: lockKey(deps.config.globalClusterId), holder: executionId };
  const own = await releaseLock(deps.own.dynamodb, deps.call, params);
  await releaseLock(deps.peer.dynamodb, deps.peerCall, params).catch((error) => {
    deps.log.warn("lock.peer-release-failed", { executionId, error: describeError(error) });
  });
  return own;
}

/**
 * Undoes this run's fence of the old region when nothing was promoted: the old
 * region is still the writer and must serve again. The fence item is lifted
 * only if this execution wrote it; the old region's monitor reopens its gate
 * within a sample, and this step also reopens it directly when it can.
 */
async function rollbackFence(deps: OrchestratorDeps, run: RunRecord): Promise<{ rolledBack: boolean; status: ActionStatus; errors: string[] }> {
  const { config } = deps;
  const errors: string[] = [];
  if (run.dryRun || run.fence?.written !== "done") return { rolledBack: false, status: "skipped", errors };
  const lockItem = await readLockItem(deps.own.dynamodb, deps.call, config.stateTableName, lockKey(config.globalClusterId)).catch(() => undefined);
  const view = await readWriter(deps);
  // This run asked for a promotion (the lock says so): its fence protects it. A promotion to this region that is under
  // way by anyone else still needs the old region kept away until it completes.
  if (lockItem?.promotionRequestedBy === run.executionId || run.promotion === "requested" || view.promotion === "in-progress") {
    return { rolledBack: false, status: "skipped", errors: ["a promotion was asked for: the fence stays"] };
  }
  const fence = await readFence(deps.own.dynamodb, deps.call, config.controlTableName, config.peerRegion);
  if (!fence?.fenced || fence.by !== run.executionId) return { rolledBack: false, status: "unchanged", errors };
  await writeFence(deps.own.dynamodb, deps.call, config.controlTableName, {
    ...fence,
    fenced: false,
    leaseExpiresAt: null,
    at: deps.clock(),
    reason: `rolled back by ${run.executionId}: nothing was promoted`,
  });
  const oldIsWriter = view.writer?.region === config.peerRegion;
  if (oldIsWriter) {
    await applyGate(deps.peer.elb, deps.peerCall, config.loadBalancerName, true).catch((error) => errors.push(`gate in ${config.peerRegion}: ${describeError(error)}`));
    await ensureScalableTarget(deps.peer.autoscaling, deps.peerCall, config.service, config.activeMinCapacity, config.maxCapacity).catch((error) =>
      errors.push(`capacity in ${config.peerRegion}: ${describeError(error)}`),
    );
  } else {
    // This region became the writer without this run (outside it): the old region is the standby now. Its gate stays
    // closed (it is not the writer); it must not sit at zero tasks until the lease runs out.
    await ensureScalableTarget(deps.peer.autoscaling, deps.peerCall, config.service, config.standbyMinCapacity, config.maxCapacity).catch((error) =>
      errors.push(`capacity in ${config.peerRegion}: ${describeError(error)}`),
    );
  }
  return { rolledBack: true, status: "done", errors };
}

export async function complete(deps: OrchestratorDeps, state: FailoverState): Promise<FailoverState> {
  const { config } = deps;
  if (!state?.run) throw new PreconditionFailedError("Step complete needs the state returned by assess (executionId, request, run)");
  let run: RunRecord = { ...state.run, outcome: state.run.dryRun ? "dry-run" : "completed" };
  if (run.dryRun) {
    const failed = run.checks.filter((c) => !c.ok);
    run = withEvent(deps, run, "complete", "dry-run-finished", { failedChecks: failed.length, plannedChanges: run.plan.length });
    deps.log.info("dry-run.report", { executionId: run.executionId, checks: run.checks, plan: run.plan });
    return output(state, run);
  }
  run = withEvent(deps, run, "complete", "completed", { dataLossMs: run.dataLoss.estimatedMs });
  const subject = `[DR ${config.environment}] ${run.mode === "failback" ? "Failback" : "Failover"} to ${run.newRegion} completed (${run.decision?.kind ?? run.strategy})`;
  const notified = await recordAndNotify(deps, run, state.request, subject);
  const released = await releaseLocks(deps, run.executionId);
  deps.log.info("complete.done", { executionId: run.executionId, notified, lockReleased: released });
  return output(state, run);
}

export async function standDown(deps: OrchestratorDeps, state: FailoverState): Promise<FailoverState> {
  const { config } = deps;
  if (!state?.run) throw new PreconditionFailedError("Step standDown needs the state returned by assess");
  let run: RunRecord = { ...state.run, outcome: state.run.dryRun ? "dry-run" : "stood-down" };
  const rollback = await rollbackFence(deps, run);
  run = withEvent(deps, run, "standDown", rollback.rolledBack ? "fence-rolled-back" : "nothing-to-undo", {
    reason: run.decision?.reason ?? run.intended,
    errors: rollback.errors.length,
  });
  if (run.dryRun) return output(state, run);
  const subject = `[DR ${config.environment}] ${run.mode === "failback" ? "Failback" : "Failover"} to ${config.region} stood down: ${run.decision?.reason ?? "nothing to do"}`;
  await recordAndNotify(deps, run, state.request, subject);
  await releaseLocks(deps, run.executionId);
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

function emptyRun(deps: OrchestratorDeps, state: FailoverState, dryRun: boolean): RunRecord {
  const { config } = deps;
  return {
    executionId: state.executionId,
    mode: state.request?.mode === "failback" ? "failback" : "failover",
    dryRun,
    requestedBy: state.request?.requestedBy === "health-monitor" ? "health-monitor" : "operator",
    globalClusterId: config.globalClusterId,
    newRegion: config.region,
    oldRegion: config.peerRegion,
    newWriterArn: "",
    oldWriterArn: state.request?.observedWriterArn ?? null,
    locks: { own: "skipped", peer: "planned" },
    assessment: null,
    intended: "none",
    approval: { required: false, reasons: [], kinds: [], granted: false, timedOut: false },
    needsApproval: false,
    rpoSeconds: config.rpoSeconds,
    fence: null,
    drainSeconds: 0,
    decisionEvidence: null,
    decision: null,
    strategy: "none",
    promotion: "pending",
    promotionRequestedAt: null,
    replicationLagMsAtPromotion: null,
    rpoLagMsAtPromotion: null,
    dataLoss: { kind: "none", estimatedMs: null, reason: "failed before any promotion", stores: null },
    writerConfirmedAt: null,
    lockExpiresAt: null,
    capacity: null,
    gate: null,
    verification: null,
    checks: [],
    plan: [],
    timeline: [],
  };
}

export async function abort(deps: OrchestratorDeps, state: FailoverState): Promise<FailoverState> {
  const { config } = deps;
  const error = parseStepError(state?.error);
  const executionId = state?.executionId;
  if (typeof executionId !== "string" || executionId === "") throw new PreconditionFailedError("abort needs state.executionId");
  const dryRun = state.request?.dryRun === true || state.run?.dryRun === true;
  let run: RunRecord = { ...(state.run ?? emptyRun(deps, state, dryRun)), outcome: "failed", error };
  const rollback = await rollbackFence(deps, run).catch((e) => ({ rolledBack: false, status: "failed" as ActionStatus, errors: [describeError(e)] }));
  const step: StepName = "abort";
  run = withEvent(deps, run, step, "failed", { error: error.name, message: error.message, fenceRolledBack: rollback.rolledBack });
  deps.log.error("failover.failed", { executionId, error, rollback });
  if (dryRun) return { executionId, request: state.request, run };
  const subject = `[DR ${config.environment}] ${run.mode === "failback" ? "Failback" : "Failover"} to ${config.region} FAILED: ${error.name}`;
  await recordAndNotify(deps, run, state.request, subject);
  const released = await releaseLocks(deps, executionId);
  run = { ...run, lockExpiresAt: released ? null : run.lockExpiresAt };
  return { executionId, request: state.request, run };
}
