/**
 * begin, promote, awaitWriter: the lock, the preconditions, the one call that
 * changes the writer, and the wait for it. Every RDS call goes to the Lambda's
 * own region (the surviving one); the peer region is only read, with a short
 * timeout, to decide between a planned switchover and an unplanned failover.
 */
import { FailoverGlobalClusterCommand, SwitchoverGlobalClusterCommand } from "@aws-sdk/client-rds";
import { LagReading, readLag } from "../shared/cloudwatch";
import { GlobalClusterBusyError, isAwsError, PreconditionFailedError, WriterNotReadyError } from "../shared/errors";
import { describeDbCluster, describeGlobalCluster, GlobalClusterView, MemberView } from "../shared/global-cluster";
import { pollUntil, withRetry } from "../shared/retry";
import { Check, FailoverState, Promotion, RunRecord } from "./contract";
import { OrchestratorDeps } from "./deps";
import { acquireLock, lockAvailability, lockKey, readLock } from "./lock";
import { describeError, holdLock, lockParams, normalizeRequest, output, requireRun, withEvent } from "./run";

/** Cluster states that pass by themselves: wait (retry) rather than give up. */
const TRANSITIONAL_CLUSTER_STATES = new Set([
  "backing-up",
  "modifying",
  "upgrading",
  "maintenance",
  "renaming",
  "resetting-master-credentials",
  "failing-over",
  "promoting",
  "starting",
  "rebooting",
  "configuring-iam-database-auth",
  "switching-over",
]);

function promotionState(global: GlobalClusterView, ownArn: string): "already-writer" | "in-progress" | "other-in-progress" | "pending" {
  if (global.failover) return global.failover.toArn === ownArn ? "in-progress" : "other-in-progress";
  if (global.members.find((m) => m.arn === ownArn)?.isWriter) return "already-writer";
  return "pending";
}

async function peerDatabaseHealth(deps: OrchestratorDeps, writer: MemberView | undefined): Promise<{ healthy: boolean; detail: string }> {
  if (!writer) return { healthy: false, detail: "no writer member" };
  try {
    const cluster = await describeDbCluster(deps.peer.rds, deps.peerCall, writer.arn);
    return { healthy: cluster.status === "available", detail: `${writer.clusterId} in ${writer.region}: ${cluster.status}` };
  } catch (error) {
    return { healthy: false, detail: `${writer.region} unreachable: ${describeError(error)}` };
  }
}

async function lagOrNull(deps: OrchestratorDeps): Promise<LagReading & { error?: string }> {
  try {
    return await readLag(deps.own.cloudwatch, deps.call, deps.config.dbClusterId, deps.clock(), deps.config.lagLookbackSeconds);
  } catch (error) {
    return { replicationLagMs: null, rpoLagMs: null, error: describeError(error) };
  }
}

export async function begin(deps: OrchestratorDeps, state: FailoverState): Promise<FailoverState> {
  const { config } = deps;
  const request = normalizeRequest(state?.request);
  if (typeof state.executionId !== "string" || state.executionId === "") throw new PreconditionFailedError("state.executionId is required");
  const checks: Check[] = [];
  const plan: string[] = [];
  const check = (name: string, ok: boolean, detail?: string) => checks.push({ name, ok, ...(detail === undefined ? {} : { detail }) });

  let lockExpiresAt: number | null = null;
  if (request.dryRun) {
    const lock = await readLock(deps.own.dynamodb, deps.call, config.stateTableName, lockKey(config.globalClusterId));
    const availability = lockAvailability(lock, state.executionId, deps.clock());
    check("lock-available", availability !== "held", lock ? `${availability}; holder ${lock.holder}` : availability);
    plan.push(`take lock ${lockKey(config.globalClusterId)} in ${config.stateTableName} (${config.region})`);
  } else {
    lockExpiresAt = await acquireLock(deps.own.dynamodb, deps.call, lockParams(deps, state.executionId));
  }

  const global = await describeGlobalCluster(deps.own.rds, deps.call, config.globalClusterId);
  const ownCluster = await describeDbCluster(deps.own.rds, deps.call, config.dbClusterId);
  const ownMember = global.members.find((m) => m.arn === ownCluster.arn);
  const oldWriter = global.writer && global.writer.arn !== ownCluster.arn ? global.writer : undefined;
  check("member-of-global-cluster", ownMember !== undefined, `${ownCluster.arn} in ${global.id}`);

  const current = promotionState(global, ownCluster.arn);
  if (current === "other-in-progress") {
    const detail = `a failover to ${global.failover?.toArn ?? "another cluster"} is ${global.failover?.status ?? "in progress"}`;
    if (!request.dryRun) throw new GlobalClusterBusyError(`Global cluster ${global.id}: ${detail}`, { failover: global.failover?.status });
    check("no-other-failover-in-progress", false, detail);
  }

  let promotion: Promotion = current === "already-writer" ? "already-writer" : current === "in-progress" ? "in-progress" : "pending";
  let strategy: RunRecord["strategy"] = promotion === "already-writer" ? "none" : global.failover?.dataLossAllowed ? "unplanned" : "planned";

  if (promotion === "pending") {
    if (TRANSITIONAL_CLUSTER_STATES.has(ownCluster.status) && !request.dryRun) {
      throw new GlobalClusterBusyError(`Cluster ${ownCluster.id} is ${ownCluster.status}`, { status: ownCluster.status });
    }
    check("own-cluster-available", ownCluster.status === "available", ownCluster.status);
    check("old-writer-present", oldWriter !== undefined, oldWriter?.arn ?? "no writer member");
    if (request.observedWriterArn !== undefined) {
      // A stale request (e.g. approved long after the incident, after a failback) must not move the writer again.
      check("writer-unchanged-since-detection", oldWriter?.arn === request.observedWriterArn, `now ${oldWriter?.arn ?? "none"}, detected ${request.observedWriterArn}`);
    }

    if (request.mode === "failback") {
      strategy = "planned";
      const sync = ownMember?.synchronizationStatus;
      check("own-cluster-synchronized", sync === undefined || sync === "connected", sync ?? "not reported");
      const lag = await lagOrNull(deps);
      check(
        "replication-lag-below-threshold",
        lag.replicationLagMs !== null && lag.replicationLagMs <= config.failbackMaxLagMs,
        `${lag.replicationLagMs ?? "unknown"} ms <= ${config.failbackMaxLagMs} ms${lag.error ? ` (${lag.error})` : ""}`,
      );
      check("global-cluster-available", global.status === "available", global.status);
      const peer = await peerDatabaseHealth(deps, oldWriter);
      check("old-region-database-healthy", peer.healthy, peer.detail);
    } else if (request.strategy === "unplanned") {
      strategy = "unplanned";
    } else {
      const peer = await peerDatabaseHealth(deps, oldWriter);
      const bothHealthy = peer.healthy && global.status === "available";
      if (request.strategy === "planned") {
        check("both-regions-healthy-for-switchover", bothHealthy, `${peer.detail}; global cluster ${global.status}`);
        strategy = "planned";
      } else {
        strategy = bothHealthy ? "planned" : "unplanned";
        check("strategy-chosen", true, `${strategy}: ${peer.detail}; global cluster ${global.status}`);
      }
    }
  }

  if (request.dryRun && promotion === "pending") promotion = "would-promote";
  let run: RunRecord = {
    executionId: state.executionId,
    mode: request.mode,
    dryRun: request.dryRun,
    globalClusterId: global.id,
    newRegion: config.region,
    oldRegion: config.peerRegion,
    newWriterArn: ownCluster.arn,
    oldWriterArn: oldWriter?.arn ?? request.observedWriterArn ?? null,
    strategy,
    promotion: promotion === "would-promote" ? "pending" : promotion,
    replicationLagMsAtPromotion: null,
    rpoLagMsAtPromotion: null,
    estimatedDataLossMs: promotion === "already-writer" ? null : strategy === "planned" ? 0 : null,
    writerConfirmedAt: null,
    lockExpiresAt,
    fencing: null,
    capacity: null,
    gate: null,
    verification: null,
    checks,
    plan,
    timeline: [],
  };
  run = withEvent(deps, run, "begin", request.dryRun ? "dry-run-checked" : "lock-acquired", {
    mode: request.mode,
    strategy,
    promotion: run.promotion,
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

export async function promote(deps: OrchestratorDeps, state: FailoverState): Promise<FailoverState> {
  const { config } = deps;
  let run = requireRun(state, "promote");
  const global = await describeGlobalCluster(deps.own.rds, deps.call, config.globalClusterId);
  const current = promotionState(global, run.newWriterArn);
  if (current === "other-in-progress") {
    throw new GlobalClusterBusyError(`Global cluster ${global.id}: a failover to ${global.failover?.toArn ?? "another cluster"} is in progress`);
  }

  if (current !== "pending") {
    // Nothing to call. If this execution asked for the promotion before a crash, the lock item says so.
    const held = await holdLock(deps, run);
    run = held.run;
    const mine = held.item?.promotionRequestedBy === run.executionId;
    const promotion: Promotion = mine ? "requested" : current === "already-writer" && run.promotion !== "in-progress" ? "already-writer" : "in-progress";
    run = {
      ...run,
      promotion,
      ...(mine
        ? {
            strategy: held.item?.promotionStrategy === "unplanned" ? "unplanned" : "planned",
            replicationLagMsAtPromotion: numberOrNull(held.item?.replicationLagMs),
            rpoLagMsAtPromotion: numberOrNull(held.item?.rpoLagMs),
            estimatedDataLossMs: numberOrNull(held.item?.estimatedDataLossMs),
          }
        : {}),
    };
    return output(state, withEvent(deps, run, "promote", "not-needed", { reason: current, promotion }));
  }

  const strategy = run.strategy === "unplanned" ? "unplanned" : "planned";
  const lag = await lagOrNull(deps);
  const estimatedDataLossMs = strategy === "planned" ? 0 : lag.replicationLagMs;
  run = { ...run, strategy, replicationLagMsAtPromotion: lag.replicationLagMs, rpoLagMsAtPromotion: lag.rpoLagMs, estimatedDataLossMs };
  const target = { GlobalClusterIdentifier: config.globalClusterId, TargetDbClusterIdentifier: run.newWriterArn };
  const description =
    strategy === "planned"
      ? `SwitchoverGlobalCluster ${config.globalClusterId} -> ${run.newWriterArn} (in ${config.region})`
      : `FailoverGlobalCluster ${config.globalClusterId} -> ${run.newWriterArn} with AllowDataLoss (in ${config.region}; estimated data loss ${estimatedDataLossMs ?? "unknown"} ms)`;

  if (run.dryRun) {
    run = { ...run, promotion: "would-promote", plan: [...run.plan, description] };
    return output(state, withEvent(deps, run, "promote", "planned", { strategy }));
  }

  // Record the intent on the lock (and prove we still hold it) before the one call that moves the writer.
  run = (
    await holdLock(deps, run, {
      promotionRequestedBy: run.executionId,
      promotionRequestedAt: new Date(deps.clock()).toISOString(),
      promotionStrategy: strategy,
      replicationLagMs: lag.replicationLagMs,
      rpoLagMs: lag.rpoLagMs,
      estimatedDataLossMs,
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
        if (strategy === "planned") {
          await deps.own.rds.send(new SwitchoverGlobalClusterCommand(target));
        } else {
          await deps.own.rds.send(new FailoverGlobalClusterCommand({ ...target, AllowDataLoss: true }));
        }
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
      throw new PreconditionFailedError(`${strategy === "planned" ? "SwitchoverGlobalCluster" : "FailoverGlobalCluster"} refused: ${describeError(error)}`, {
        strategy,
      });
    }
  }
  if (outcome === "under-way") {
    run = { ...run, promotion: "requested" };
    return output(state, withEvent(deps, run, "promote", "already-under-way", { strategy, attempts: attempt }));
  }
  run = { ...run, promotion: "requested" };
  return output(state, withEvent(deps, run, "promote", "requested", { strategy, estimatedDataLossMs, replicationLagMs: lag.replicationLagMs }));
}

function numberOrNull(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

export async function awaitWriter(deps: OrchestratorDeps, state: FailoverState): Promise<FailoverState> {
  const { config } = deps;
  let run = requireRun(state, "awaitWriter");
  if (run.dryRun) return output(state, withEvent(deps, run, "awaitWriter", "skipped-dry-run"));
  run = (await holdLock(deps, run)).run;
  const request = state.request ?? {};
  const intervalMs = (request.pollIntervalSeconds ?? config.pollIntervalSeconds) * 1000;
  const maxWaitMs = (request.maxWaitSeconds ?? config.maxWaitSeconds) * 1000;
  const result = await pollUntil(
    async () => {
      const global = await describeGlobalCluster(deps.own.rds, deps.call, config.globalClusterId);
      return { done: promotionState(global, run.newWriterArn) === "already-writer", value: global };
    },
    { initialIntervalMs: intervalMs, maxIntervalMs: config.maxPollIntervalSeconds * 1000, maxWaitMs, clock: deps.clock, sleep: deps.sleep },
  );
  if (!result.done) {
    const last = result.last;
    throw new WriterNotReadyError(`${run.newWriterArn} is not the writer of ${last.id} yet (status ${last.status}, failover ${last.failover?.status ?? "none"}) after ${result.polls} polls`, {
      polls: result.polls,
      status: last.status,
    });
  }
  run = { ...run, writerConfirmedAt: new Date(deps.clock()).toISOString() };
  return output(state, withEvent(deps, run, "awaitWriter", "writer-confirmed", { polls: result.polls, writer: run.newWriterArn }));
}
