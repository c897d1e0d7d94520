/**
 * decide, promote, awaitWriter: the point of no return, the one call that
 * moves the writer, and the wait for it. Every RDS call that changes anything
 * goes to this region's endpoint (the surviving one).
 */
import { FailoverGlobalClusterCommand, SwitchoverGlobalClusterCommand } from "@aws-sdk/client-rds";
import { readLag } from "../shared/cloudwatch";
import { readHeartbeat, writeFence } from "../shared/control-table";
import { GlobalClusterBusyError, isAwsError, PreconditionFailedError, WriterNotReadyError } from "../shared/errors";
import { FailoverStrategy } from "../shared/failover-request";
import { describeGlobalCluster } from "../shared/global-cluster";
import { pollUntil, withRetry } from "../shared/retry";
import { assessWriterRegion, lossLagMs, promotionState, readWriter, rpoAtRisk, switchoverPossible } from "./assessment";
import { DataLossWindow, Decision, DecisionKind, FailoverState, Promotion, RunRecord } from "./contract";
import { OrchestratorDeps } from "./deps";
import { describeError, holdLock, isoAt, output, requireRun, withApprover, withEvent } from "./run";

/** The decision at the point of no return (pure): P3 first, then the evidence, then the RPO policy. */
export function chooseDecision(input: {
  readonly run: Pick<RunRecord, "mode" | "intended" | "requestedBy">;
  /** The request's strategy: "planned" means a switchover or nothing. */
  readonly requestedStrategy: FailoverStrategy;
  readonly switchoverPossible: boolean;
  readonly dataLossAllowed: boolean;
  readonly rpoAtRisk: boolean;
  readonly onRpoBreach: "escalate" | "proceed";
  /** A person approved a forced failover (the request's own approval, or the RPO escalation). */
  readonly forcedApproved: boolean;
  /** A person approved the RPO escalation at this point. */
  readonly rpoApproved: boolean;
}): { kind: DecisionKind; reason: string } {
  const { run } = input;
  if (input.switchoverPossible) return { kind: "switchover", reason: "the writer is reachable and this secondary is synchronized: switchover, no data loss" };
  if (run.mode === "failback" || run.intended === "switchover") {
    if (run.mode !== "failback" && input.requestedStrategy !== "planned" && input.dataLossAllowed && !input.rpoAtRisk) {
      return { kind: "failover", reason: "a switchover is no longer possible and the writer region is down on independent evidence" };
    }
    return { kind: "stand-down", reason: "a switchover is not possible now (writer unreachable or secondary not synchronized)" };
  }
  const evidenceOrPerson = input.dataLossAllowed || (run.requestedBy === "operator" && input.forcedApproved);
  if (!evidenceOrPerson) return { kind: "stand-down", reason: "the independent evidence that the writer region is down no longer holds" };
  if (input.rpoAtRisk && input.onRpoBreach === "escalate" && !input.rpoApproved) {
    return { kind: "escalate", reason: "the replication lag is above the RPO or unknown: a person must approve the data loss" };
  }
  return { kind: "failover", reason: input.dataLossAllowed ? "the writer region is down on independent evidence" : "a person approved a forced failover" };
}

export async function decide(deps: OrchestratorDeps, state: FailoverState): Promise<FailoverState> {
  const { config } = deps;
  let run = requireRun(state, "decide");
  const held = await holdLock(deps, run);
  run = held.run;
  const view = await readWriter(deps);
  if (view.promotion === "other-in-progress") throw new GlobalClusterBusyError(`Global cluster ${view.global.id}: a promotion to another cluster is in progress`);

  let decision: Decision;
  if (view.promotion === "already-writer" || view.promotion === "in-progress") {
    const mine = held.item?.promotionRequestedBy === run.executionId;
    const kind: DecisionKind = mine ? (held.item?.promotionStrategy === "unplanned" ? "failover" : "switchover") : "stand-down";
    decision = { at: isoAt(deps), kind, reason: mine ? "this run already asked for the promotion" : `this region is already ${view.promotion === "in-progress" ? "being promoted" : "the writer"}: nothing to do` };
  } else if (run.oldWriterArn && view.writer && view.writer.arn !== run.oldWriterArn) {
    decision = { at: isoAt(deps), kind: "stand-down", reason: `the writer moved since assess (now ${view.writer.arn})` };
  } else {
    const assessed = await assessWriterRegion(deps, view);
    run = { ...run, decisionEvidence: assessed.record };
    // The data loss above the RPO is approved when a person answered an approval that named it (at assess or here).
    // The assess-time answer survives in run.approval only: every task returns { executionId, request, run }.
    const rpoApproved = state.decisionApproval !== undefined || (run.approval.granted && run.approval.kinds.includes("rpo"));
    const chosen = chooseDecision({
      run,
      requestedStrategy: state.request?.strategy ?? "auto",
      switchoverPossible: switchoverPossible(assessed.record, view),
      dataLossAllowed: assessed.record.dataLossAllowed,
      rpoAtRisk: rpoAtRisk(assessed.record, config.rpoSeconds, config.rpoEnforcement),
      onRpoBreach: config.onRpoBreach,
      forcedApproved: run.approval.granted && (run.approval.kinds.includes("no-evidence") || run.approval.kinds.includes("request")),
      rpoApproved,
    });
    decision = { at: isoAt(deps), ...chosen };
  }
  const needsApproval = decision.kind === "escalate" && !run.dryRun;
  run = { ...run, approval: { ...run.approval, approvedBy: withApprover(run.approval.approvedBy, state.decisionApproval) } };
  run = {
    ...run,
    decision,
    needsApproval,
    strategy: decision.kind === "switchover" ? "planned" : decision.kind === "failover" ? "unplanned" : run.strategy,
    approval: needsApproval ? { ...run.approval, required: true, reasons: [...run.approval.reasons, decision.reason], kinds: [...run.approval.kinds, "rpo"], granted: false } : run.approval,
    plan: run.dryRun ? [...run.plan, `decide: ${decision.kind} (${decision.reason})`] : run.plan,
  };
  return output(state, withEvent(deps, run, "decide", decision.kind, { reason: decision.reason, verdict: run.decisionEvidence?.verdict ?? null }));
}

/**
 * The loss window of a forced failover (P4), per store, or why it is unknown. `lastSeenMs`: when the
 * old region was last seen working (the timestamp of the latest replication-lag datapoint, or of the
 * old region's latest heartbeat, whichever is older); the failure began after it.
 */
export function dataLossWindow(deps: OrchestratorDeps, run: RunRecord, promotionAtMs: number, request: FailoverState["request"], lastSeenMs: number | null = null): DataLossWindow {
  const { config } = deps;
  if (run.strategy !== "unplanned") return { kind: "none", estimatedMs: 0, reason: "switchover: Aurora waits for the secondary to catch up (RPO 0)", stores: null };
  const evidence = run.decisionEvidence ?? run.assessment;
  const measured = evidence ? lossLagMs(evidence) : null;
  // Where the database enforces the RPO, an unreadable lag is still bounded: the primary refused what no secondary held.
  const enforcedBound = config.rpoEnforcement === "database" ? config.rpoSeconds * 1000 : null;
  const lag = measured ?? enforcedBound;
  const marginMs = config.dataLossMarginSeconds * 1000;
  const detectedMs = request?.detectedAt ? Date.parse(request.detectedAt) : NaN;
  // The failure began at most one sample before the first bad sample (detectedAt, set by the monitor), and after
  // the old region was last seen working (replication flowing, or its heartbeat): detection needs two signals
  // and takes longer than a sample, so the failure may be older than detectedAt. A run with neither (an
  // operator's, before the old region was ever seen) knows no bound: promotion time would be a guess, so the
  // start is unknown.
  const bounds = [
    ...(Number.isFinite(detectedMs) ? [Math.min(detectedMs, promotionAtMs) - config.sampleIntervalSeconds * 1000] : []),
    ...(lastSeenMs !== null && Number.isFinite(lastSeenMs) ? [lastSeenMs] : []),
  ];
  const startKnown = bounds.length > 0;
  const failedBy = startKnown ? Math.min(...bounds) : NaN;
  const closed = run.fence && (run.fence.gateOldRegion === "done" || run.fence.gateOldRegion === "unchanged");
  const unreachable = run.assessment?.unreachableEverywhere === true;
  // The margin widens both ends: the instants are this region's clock, the writes carry the old region's.
  const endMs = closed || unreachable ? Math.min(promotionAtMs, Date.parse(run.fence?.at ?? new Date(promotionAtMs).toISOString()) + run.drainSeconds * 1000) + marginMs : null;
  const to = endMs === null ? null : new Date(endMs).toISOString();
  const endNote = endMs === null ? "; end open: the old region was not confirmed fenced (its monitor applies the fence when it can read it)" : "";
  const startNote = startKnown ? "" : "; start unknown: the run has no detectedAt (an operator started it) and the old region was never seen working";
  const window = (boundMs: number, basis: string) => ({
    from: startKnown ? new Date(failedBy - boundMs - marginMs).toISOString() : null,
    to,
    basis: `${basis} + ${config.dataLossMarginSeconds} s margin${startKnown ? "" : "; start unknown (no detectedAt)"}`,
  });
  const stores = {
    aurora: lag === null ? { from: null, to, basis: "replication lag unknown" } : window(lag, measured === null ? `rds.global_db_rpo ${config.rpoSeconds} s (lag unreadable)` : `Aurora lag ${lag} ms`),
    dynamodb: window(config.replicationAllowanceSeconds * 1000, `global-table replication allowance ${config.replicationAllowanceSeconds} s`),
    s3: window(15 * 60 * 1000, "S3 Replication Time Control guarantee 15 min"),
  };
  if (lag === null) return { kind: "unknown", estimatedMs: null, reason: `the replication lag could not be read at promotion${endNote}${startNote}`, stores };
  const basis = measured === null ? `the lag could not be read; the database enforces an RPO of ${config.rpoSeconds} s (rds.global_db_rpo), plus margin` : `Aurora replication lag at promotion ${lag} ms plus margin`;
  return { kind: "estimated", estimatedMs: lag + marginMs, reason: `${basis}${endNote}${startNote}`, stores };
}

export async function promote(deps: OrchestratorDeps, state: FailoverState): Promise<FailoverState> {
  const { config } = deps;
  let run = requireRun(state, "promote");
  const global = await describeGlobalCluster(deps.own.rds, deps.call, config.globalClusterId);
  const current = promotionState(global, run.newWriterArn);
  if (current === "other-in-progress") {
    throw new GlobalClusterBusyError(`Global cluster ${global.id}: a promotion to ${global.failover?.toArn ?? "another cluster"} is in progress`);
  }
  const kind = run.decision?.kind;
  if (kind !== "switchover" && kind !== "failover") throw new PreconditionFailedError(`promote needs a decision to promote (got ${kind ?? "none"})`);
  const strategy = kind === "failover" ? "unplanned" : "planned";

  if (current !== "pending") {
    // Nothing to call. If this execution asked for the promotion before a crash, the lock item says so.
    const held = await holdLock(deps, run);
    run = held.run;
    const mine = held.item?.promotionRequestedBy === run.executionId;
    const promotion: Promotion = mine ? "requested" : current;
    run = { ...run, promotion, strategy };
    if (mine && typeof held.item?.promotionRequestedAt === "string") {
      const at = held.item.promotionRequestedAt;
      const lastSeenMs = typeof held.item?.oldRegionLastSeenMs === "number" ? held.item.oldRegionLastSeenMs : null;
      run = { ...run, promotionRequestedAt: at, dataLoss: dataLossWindow(deps, { ...run, strategy }, Date.parse(at), state.request, lastSeenMs) };
    }
    await keepOldRegionFenced(deps, run);
    return output(state, withEvent(deps, run, "promote", "not-needed", { reason: current, promotion }));
  }

  const lag = await readLag(deps.own.cloudwatch, deps.call, config.dbClusterId, deps.clock(), config.lagLookbackSeconds).catch(() => ({ replicationLagMs: null, rpoLagMs: null, replicationLagAtMs: null }));
  const heartbeat = await readHeartbeat(deps.own.dynamodb, deps.call, config.controlTableName, run.oldRegion).catch(() => null);
  const seen = [lag.replicationLagAtMs ?? null, heartbeat?.at ?? null].filter((t): t is number => t !== null && Number.isFinite(t));
  const lastSeenMs = seen.length > 0 ? Math.min(...seen) : null;
  const nowMs = deps.clock();
  run = { ...run, strategy, replicationLagMsAtPromotion: lag.replicationLagMs, rpoLagMsAtPromotion: lag.rpoLagMs, promotionRequestedAt: isoAt(deps, nowMs) };
  run = { ...run, dataLoss: dataLossWindow(deps, run, nowMs, state.request, lastSeenMs) };
  const target = { GlobalClusterIdentifier: config.globalClusterId, TargetDbClusterIdentifier: run.newWriterArn };
  const description =
    strategy === "planned"
      ? `SwitchoverGlobalCluster ${config.globalClusterId} -> ${run.newWriterArn} (in ${config.region})`
      : `FailoverGlobalCluster ${config.globalClusterId} -> ${run.newWriterArn} with AllowDataLoss (in ${config.region}; data-loss window ${run.dataLoss.estimatedMs ?? "unknown"} ms)`;
  if (run.dryRun) {
    run = { ...run, promotion: "would-promote", plan: [...run.plan, description] };
    return output(state, withEvent(deps, run, "promote", "planned", { strategy }));
  }

  // Record the intent on the lock (and prove we still hold it) before the one call that moves the writer.
  run = (
    await holdLock(deps, run, {
      promotionRequestedBy: run.executionId,
      promotionRequestedAt: run.promotionRequestedAt,
      promotionStrategy: strategy,
      replicationLagMs: lag.replicationLagMs,
      rpoLagMs: lag.rpoLagMs,
      oldRegionLastSeenMs: lastSeenMs,
    })
  ).run;

  // Not a blind retry: after a timeout or 5xx the call may have taken effect, so every
  // retry first looks at the global cluster and stops if the promotion is under way.
  let attempt = 0;
  let outcome: "called" | "under-way";
  try {
    outcome = await withRetry(
      async () => {
        attempt++;
        if (attempt > 1) {
          const seen = promotionState(await describeGlobalCluster(deps.own.rds, deps.call, config.globalClusterId), run.newWriterArn);
          if (seen === "already-writer" || seen === "in-progress") return "under-way" as const;
        }
        if (strategy === "planned") await deps.own.rds.send(new SwitchoverGlobalClusterCommand(target));
        else await deps.own.rds.send(new FailoverGlobalClusterCommand({ ...target, AllowDataLoss: true }));
        return "called" as const;
      },
      { policy: config.retry, sleep: deps.sleep, operation: strategy === "planned" ? "SwitchoverGlobalCluster" : "FailoverGlobalCluster" },
    );
  } catch (error) {
    if (!isAwsError(error, "InvalidGlobalClusterStateFault", "InvalidDBClusterStateFault")) throw error;
    // "Already in progress" or a state change we raced with: look before deciding.
    const after = await describeGlobalCluster(deps.own.rds, deps.call, config.globalClusterId);
    const now = promotionState(after, run.newWriterArn);
    if (now === "already-writer" || now === "in-progress") outcome = "under-way";
    else if (after.status !== "available" || now === "other-in-progress") {
      throw new GlobalClusterBusyError(`Global cluster ${after.id} is ${after.status}: ${describeError(error)}`, { status: after.status });
    } else {
      throw new PreconditionFailedError(`${strategy === "planned" ? "SwitchoverGlobalCluster" : "FailoverGlobalCluster"} refused: ${describeError(error)}`, { strategy });
    }
  }
  run = { ...run, promotion: "requested" };
  await keepOldRegionFenced(deps, run);
  return output(state, withEvent(deps, run, "promote", outcome === "called" ? "requested" : "already-under-way", { strategy, attempts: attempt, dataLossMs: run.dataLoss.estimatedMs }));
}

/** Once a forced failover is asked for, the old region's fence no longer expires with this run. */
async function keepOldRegionFenced(deps: OrchestratorDeps, run: RunRecord): Promise<void> {
  if (run.dryRun || run.strategy !== "unplanned" || run.fence?.written !== "done") return;
  await writeFence(deps.own.dynamodb, deps.call, deps.config.controlTableName, {
    region: run.oldRegion,
    fenced: true,
    by: run.executionId,
    byRegion: run.newRegion,
    at: deps.clock(),
    leaseExpiresAt: null,
    capacity: "zero",
    reason: `forced failover to ${run.newRegion} by ${run.executionId}`,
  });
}

export async function awaitWriter(deps: OrchestratorDeps, state: FailoverState): Promise<FailoverState> {
  const { config } = deps;
  let run = requireRun(state, "awaitWriter");
  if (run.dryRun) return output(state, withEvent(deps, run, "awaitWriter", "skipped-dry-run"));
  run = (await holdLock(deps, run)).run;
  const intervalMs = (state.request?.pollIntervalSeconds ?? config.pollIntervalSeconds) * 1000;
  const result = await pollUntil(
    async () => {
      const global = await describeGlobalCluster(deps.own.rds, deps.call, config.globalClusterId);
      return { done: promotionState(global, run.newWriterArn) === "already-writer", value: global };
    },
    // A constant interval: the RTO waits for the first poll after the promotion ends, so that poll is at most one
    // interval late (the budget's "one poll"); a growing interval would leave the longest gap where promotions end.
    { initialIntervalMs: intervalMs, maxIntervalMs: intervalMs, factor: 1, maxWaitMs: config.maxWaitSeconds * 1000, clock: deps.clock, sleep: deps.sleep },
  );
  if (!result.done) {
    const last = result.last;
    throw new WriterNotReadyError(`${run.newWriterArn} is not the writer of ${last.id} yet (status ${last.status}, failover ${last.failover?.status ?? "none"}) after ${result.polls} polls`, {
      polls: result.polls,
      status: last.status,
    });
  }
  run = { ...run, writerConfirmedAt: isoAt(deps) };
  return output(state, withEvent(deps, run, "awaitWriter", "writer-confirmed", { polls: result.polls, writer: run.newWriterArn }));
}
