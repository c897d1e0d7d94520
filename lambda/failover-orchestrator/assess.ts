/**
 * assess: the locks, the preconditions, the evidence, the intended strategy
 * and whether a person must approve. Changes nothing but the locks. Re-entered
 * after an approval request with the answer in the state.
 */
import { GlobalClusterBusyError, LockHeldError, PreconditionFailedError } from "../shared/errors";
import { isActionable } from "../shared/evidence";
import { acquireLock, lockAvailability, lockKey, readLock, releaseLock } from "../shared/lock";
import { assessWriterRegion, rpoAtRisk, readWriter, switchoverPossible } from "./assessment";
import { ApprovalKind, Check, DecisionKind, FailoverState, RunRecord } from "./contract";
import { OrchestratorDeps } from "./deps";
import { describeError, lockParams, normalizeRequest, NormalizedRequest, output, withEvent } from "./run";

type PeerLock = RunRecord["locks"]["peer"];

/** Takes this region's lock, then the other region's; a failback needs both. */
async function takeLocks(deps: OrchestratorDeps, executionId: string, request: NormalizedRequest, checks: Check[]): Promise<{ own: RunRecord["locks"]["own"]; peer: PeerLock; expiresAt: number | null }> {
  const { config } = deps;
  const key = lockKey(config.globalClusterId);
  if (request.dryRun) {
    const own = await readLock(deps.own.dynamodb, deps.call, config.stateTableName, key);
    const ownAvailability = lockAvailability(own, executionId, deps.clock());
    checks.push({ name: "lock-available", ok: ownAvailability !== "held", detail: own ? `${ownAvailability}; holder ${own.holder}` : ownAvailability });
    let peer: PeerLock = "planned";
    try {
      const peerLock = await readLock(deps.peer.dynamodb, deps.peerCall, config.stateTableName, key);
      const availability = lockAvailability(peerLock, executionId, deps.clock());
      checks.push({ name: "peer-lock-available", ok: availability !== "held", detail: peerLock ? `${availability}; holder ${peerLock.holder}` : availability });
    } catch (error) {
      peer = "unreachable";
      checks.push({ name: "peer-lock-available", ok: request.mode !== "failback", detail: `${config.peerRegion} unreachable: ${describeError(error)}` });
    }
    return { own: "planned", peer, expiresAt: null };
  }
  const expiresAt = await acquireLock(deps.own.dynamodb, deps.call, lockParams(deps, executionId));
  try {
    await acquireLock(deps.peer.dynamodb, deps.peerCall, lockParams(deps, executionId));
    return { own: "done", peer: "held", expiresAt };
  } catch (error) {
    if (error instanceof LockHeldError) {
      // Another run in the other region: only one of the two may go on.
      await releaseLock(deps.own.dynamodb, deps.call, { tableName: config.stateTableName, key, holder: executionId });
      throw new LockHeldError(`The lock in ${config.peerRegion} is held by another run: ${error.message}`, error.details);
    }
    if (request.mode === "failback") {
      await releaseLock(deps.own.dynamodb, deps.call, { tableName: config.stateTableName, key, holder: executionId });
      throw new PreconditionFailedError(`A failback needs the lock of ${config.peerRegion} too, and it cannot be reached: ${describeError(error)}`);
    }
    deps.log.warn("lock.peer-unreachable", { executionId, error: describeError(error) });
    return { own: "done", peer: "unreachable", expiresAt };
  }
}

interface ApprovalReason {
  readonly kind: ApprovalKind;
  readonly reason: string;
  /** The configured onApprovalTimeout "proceed" may stand in for this approval. */
  readonly timeoutMayProceed: boolean;
}

export async function assess(deps: OrchestratorDeps, state: FailoverState): Promise<FailoverState> {
  const { config } = deps;
  const request = normalizeRequest(state?.request);
  if (typeof state.executionId !== "string" || state.executionId === "") throw new PreconditionFailedError("state.executionId is required");
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail?: string) => checks.push({ name, ok, ...(detail === undefined ? {} : { detail }) });

  const locks = await takeLocks(deps, state.executionId, request, checks);
  const view = await readWriter(deps);
  check("member-of-global-cluster", view.ownMember !== undefined, `${view.ownCluster.arn} in ${view.global.id}`);
  if (view.promotion === "other-in-progress") {
    const detail = `a promotion to ${view.global.failover?.toArn ?? "another cluster"} is ${view.global.failover?.status ?? "in progress"}`;
    if (!request.dryRun) throw new GlobalClusterBusyError(`Global cluster ${view.global.id}: ${detail}`, { failover: view.global.failover?.status });
    check("no-other-promotion-in-progress", false, detail);
  }
  if (request.observedWriterArn !== undefined && view.promotion === "pending") {
    // A stale request (approved long after the incident, or after a failback) must not move the writer again.
    check("writer-unchanged-since-detection", view.writer?.arn === request.observedWriterArn, `now ${view.writer?.arn ?? "none"}, detected ${request.observedWriterArn}`);
  }

  const assessed = await assessWriterRegion(deps, view);
  const evidence = assessed.record;
  let intended: DecisionKind;
  const approvals: ApprovalReason[] = [];
  if (request.approvalRequired) approvals.push({ kind: "request", reason: "the request asks for an approval", timeoutMayProceed: false });
  if (config.authority !== "automatic" && request.requestedBy === "health-monitor") {
    approvals.push({ kind: "authority", reason: `failover.authority is ${config.authority}`, timeoutMayProceed: true });
  }

  if (view.promotion === "already-writer" || view.promotion === "in-progress") {
    // Re-entered after a promotion (a redrive or a new attempt after a crash): decide handles it.
    intended = "none";
  } else if (request.mode === "failback" || request.strategy === "planned") {
    intended = "switchover";
    check("writer-database-reachable", evidence.primaryReachable, assessed.primaryDetail);
    check("own-cluster-synchronized", evidence.synchronized, `${view.ownMember?.synchronizationStatus ?? "not reported"}, lag ${evidence.replicationLagMs ?? "unknown"} ms <= ${config.failbackMaxLagMs} ms`);
    check("global-cluster-available", view.global.status === "available", view.global.status);
  } else if (switchoverPossible(evidence, view) && request.strategy === "auto") {
    // The monitor's run promotes only while its actionable verdict holds: healthy or merely suspect stands down.
    intended = request.requestedBy === "health-monitor" && !isActionable(assessed.judgement.verdict) ? "stand-down" : "switchover";
  } else if (evidence.dataLossAllowed) {
    intended = "failover";
  } else if (request.requestedBy === "health-monitor") {
    // The monitor's verdict no longer holds here: nothing is fenced, nothing moves.
    intended = "stand-down";
  } else {
    intended = "failover";
    approvals.push({ kind: "no-evidence", reason: `a person asked for a forced failover without independent evidence (${evidence.summary})`, timeoutMayProceed: false });
  }
  if (intended === "failover" && rpoAtRisk(evidence, config.rpoSeconds, config.rpoEnforcement) && config.onRpoBreach === "escalate") {
    const lag = evidence.rpoLagMs ?? evidence.replicationLagMs;
    approvals.push({ kind: "rpo", reason: `replication lag ${lag === null ? "unknown" : `${lag} ms`} against an RPO of ${config.rpoSeconds} s`, timeoutMayProceed: false });
  }

  const granted = state.approval !== undefined && state.approval !== null;
  const timedOut = state.approvalTimedOut !== undefined && state.approvalTimedOut !== null;
  const timeoutCovers = timedOut && approvals.every((a) => a.timeoutMayProceed);
  const required = approvals.length > 0 && !request.dryRun;
  if (approvals.length > 0 && request.dryRun) check("approval-not-needed", false, approvals.map((a) => a.reason).join("; "));
  if (timedOut && approvals.length > 0 && !timeoutCovers) {
    throw new PreconditionFailedError(`No approval arrived in time, and the timeout may not stand in for: ${approvals.filter((a) => !a.timeoutMayProceed).map((a) => a.reason).join("; ")}`);
  }

  let run: RunRecord = {
    executionId: state.executionId,
    mode: request.mode,
    dryRun: request.dryRun,
    requestedBy: request.requestedBy,
    globalClusterId: view.global.id,
    newRegion: config.region,
    oldRegion: config.peerRegion,
    newWriterArn: view.ownCluster.arn,
    oldWriterArn: view.writer && view.writer.arn !== view.ownCluster.arn ? view.writer.arn : (request.observedWriterArn ?? null),
    locks: { own: locks.own, peer: locks.peer },
    assessment: evidence,
    intended,
    approval: {
      required,
      reasons: approvals.map((a) => a.reason),
      kinds: approvals.map((a) => a.kind),
      granted: granted || timeoutCovers,
      timedOut,
    },
    needsApproval: required && !(granted || timeoutCovers),
    rpoSeconds: config.rpoSeconds,
    fence: null,
    drainSeconds: 0,
    decisionEvidence: null,
    decision: null,
    strategy: "none",
    promotion: view.promotion === "already-writer" || view.promotion === "in-progress" ? view.promotion : "pending",
    promotionRequestedAt: null,
    replicationLagMsAtPromotion: null,
    rpoLagMsAtPromotion: null,
    dataLoss: { kind: "none", estimatedMs: null, reason: "no promotion yet", stores: null },
    writerConfirmedAt: null,
    lockExpiresAt: locks.expiresAt,
    capacity: null,
    gate: null,
    verification: null,
    checks,
    plan: request.dryRun ? [`take lock ${lockKey(config.globalClusterId)} in ${config.stateTableName} (${config.region}, and ${config.peerRegion})`] : [],
    timeline: state.run?.timeline ?? [],
  };
  run = withEvent(deps, run, "assess", request.dryRun ? "dry-run-checked" : "assessed", {
    mode: request.mode,
    intended,
    verdict: evidence.verdict,
    approvalRequired: run.needsApproval,
    peerLock: locks.peer,
    reason: request.reason ?? null,
    incidentId: request.incidentId ?? null,
  });

  const failed = checks.filter((c) => !c.ok);
  if (failed.length > 0 && !request.dryRun) {
    throw new PreconditionFailedError(`Preconditions failed: ${failed.map((c) => `${c.name} (${c.detail ?? "no detail"})`).join("; ")}`, {
      failed: failed.map((c) => c.name),
    });
  }
  return output(state, run);
}
