/**
 * raiseCapacity, fence, openGate, verify: capacity and traffic. Calls in this
 * region must succeed (a failure is retried by the state machine); calls into
 * the old region are best effort (it may be gone) and are recorded, never thrown:
 * the control table carries the fence to the old region's own monitor anyway.
 */
import { ensureScalableTarget, ecsResourceId, raiseScalableTarget } from "../shared/capacity";
import { FenceCapacity, readFence, writeFence } from "../shared/control-table";
import { EndpointUnhealthyError, GlobalClusterBusyError, PreconditionFailedError, WriterNotReadyError } from "../shared/errors";
import { applyGate } from "../shared/gate-api";
import { ActionStatus, FailoverState, RunRecord } from "./contract";
import { readWriter } from "./assessment";
import { OrchestratorDeps } from "./deps";
import { describeError, holdLock, isoAt, output, requireRun, withEvent } from "./run";

function statusOf(change: "done" | "unchanged" | "planned"): ActionStatus {
  return change;
}

export async function raiseCapacity(deps: OrchestratorDeps, state: FailoverState): Promise<FailoverState> {
  const { config } = deps;
  let run = requireRun(state, "raiseCapacity");
  run = (await holdLock(deps, run)).run;
  const result = await raiseScalableTarget(deps.own.autoscaling, deps.call, config.service, config.activeMinCapacity, config.maxCapacity, run.dryRun);
  run = {
    ...run,
    capacity: { status: statusOf(result.change), min: config.activeMinCapacity, previousMin: result.previous.min },
    plan: result.change === "planned" ? [...run.plan, `RegisterScalableTarget ${ecsResourceId(config.service)} min>=${config.activeMinCapacity} (in ${config.region})`] : run.plan,
  };
  return output(state, withEvent(deps, run, "raiseCapacity", result.change, { min: config.activeMinCapacity, previousMin: result.previous.min }));
}

/** Drain time after the fence: what it takes for no request to be served by the old region any more. */
export function drainSeconds(deps: OrchestratorDeps, run: RunRecord, gateClosedDirectly: boolean): number {
  const { config } = deps;
  if (run.dryRun) return 0;
  // Nothing reaches a region that no vantage point reaches.
  if (run.assessment?.unreachableEverywhere) return 0;
  if (gateClosedDirectly) return config.inflightAllowanceSeconds;
  // The old region's monitor applies the fence from its replica within one sample.
  return config.sampleIntervalSeconds + config.replicationAllowanceSeconds + config.inflightAllowanceSeconds;
}

export async function fence(deps: OrchestratorDeps, state: FailoverState): Promise<FailoverState> {
  const { config } = deps;
  let run = requireRun(state, "fence");
  run = (await holdLock(deps, run)).run;
  const view = await readWriter(deps);
  if (view.promotion === "other-in-progress") throw new GlobalClusterBusyError(`Global cluster ${view.global.id}: a promotion to another cluster is in progress`);
  // P5: fence only the region this run takes the writer from. If the writer moved elsewhere since assess, stop.
  const ownIsWriter = view.writer?.arn === run.newWriterArn;
  if (!ownIsWriter && view.writer && run.oldWriterArn && view.writer.arn !== run.oldWriterArn) {
    throw new PreconditionFailedError(`The writer moved since assess (now ${view.writer.arn}, assessed ${run.oldWriterArn}); not fencing`);
  }
  const capacity: FenceCapacity = run.intended === "failover" ? "zero" : "standby";
  const reason = `${run.mode} to ${config.region} (${run.intended}): ${run.assessment?.summary ?? "no assessment"}`;
  const nowMs = deps.clock();
  const errors: string[] = [];

  let written: ActionStatus = "planned";
  if (!run.dryRun) {
    // Must succeed: this is what reaches the old region's monitor and transaction path through replication.
    await writeFence(deps.own.dynamodb, deps.call, config.controlTableName, {
      region: config.peerRegion,
      fenced: true,
      by: run.executionId,
      byRegion: config.region,
      at: nowMs,
      leaseExpiresAt: (run.lockExpiresAt ?? Math.floor(nowMs / 1000) + config.lockTtlSeconds) * 1000,
      capacity,
      reason,
    });
    written = "done";
  }

  let gateOldRegion: ActionStatus;
  try {
    gateOldRegion = statusOf((await applyGate(deps.peer.elb, deps.peerCall, config.loadBalancerName, false, { dryRun: run.dryRun })).change);
  } catch (error) {
    gateOldRegion = "failed";
    errors.push(`gate in ${config.peerRegion}: ${describeError(error)}`);
  }
  let capacityOldRegion: ActionStatus;
  try {
    const [min, max] = capacity === "zero" ? [0, 0] : [config.standbyMinCapacity, config.maxCapacity];
    capacityOldRegion = statusOf((await ensureScalableTarget(deps.peer.autoscaling, deps.peerCall, config.service, min, max, run.dryRun)).change);
  } catch (error) {
    capacityOldRegion = "failed";
    errors.push(`scalable target in ${config.peerRegion}: ${describeError(error)}`);
  }

  const closedDirectly = gateOldRegion === "done" || gateOldRegion === "unchanged";
  run = {
    ...run,
    fence: { written, at: isoAt(deps, nowMs), capacity, reason, gateOldRegion, capacityOldRegion, errors },
    drainSeconds: drainSeconds(deps, run, closedDirectly),
    plan: run.dryRun
      ? [...run.plan, `fence ${config.peerRegion} in ${config.controlTableName} (${capacity}); close its gate and scale it (best effort)`]
      : run.plan,
  };
  if (errors.length > 0) deps.log.warn("fence.partial", { executionId: run.executionId, errors });
  return output(state, withEvent(deps, run, "fence", errors.length > 0 ? "partial" : "done", { gateOldRegion, capacityOldRegion, drainSeconds: run.drainSeconds }));
}

export async function openGate(deps: OrchestratorDeps, state: FailoverState): Promise<FailoverState> {
  const { config } = deps;
  let run = requireRun(state, "openGate");
  run = (await holdLock(deps, run)).run;
  const view = await readWriter(deps);
  if (!run.dryRun && view.writer?.arn !== run.newWriterArn) {
    // P5: never open a region whose cluster is not the writer.
    throw new WriterNotReadyError(`${run.newWriterArn} is not the writer (writer: ${view.writer?.arn ?? "none"}); the gate stays closed`);
  }
  const errors: string[] = [];
  const nowMs = deps.clock();
  if (!run.dryRun) {
    const ownFence = await readFence(deps.own.dynamodb, deps.call, config.controlTableName, config.region);
    if (ownFence?.fenced) {
      await writeFence(deps.own.dynamodb, deps.call, config.controlTableName, {
        ...ownFence,
        fenced: false,
        by: run.executionId,
        byRegion: config.region,
        at: nowMs,
        leaseExpiresAt: null,
        reason: `${config.region} holds the writer after ${run.executionId}`,
      });
    }
  }
  const own = statusOf((await applyGate(deps.own.elb, deps.call, config.loadBalancerName, true, { dryRun: run.dryRun })).change);

  let oldRegionFence: NonNullable<RunRecord["gate"]>["oldRegionFence"] = "planned";
  if (!run.dryRun && run.fence?.written === "done") {
    try {
      if (run.strategy === "unplanned") {
        // The old region stays fenced until a failback clears it (it may come back believing it is the writer).
        await writeFence(deps.own.dynamodb, deps.call, config.controlTableName, {
          region: config.peerRegion,
          fenced: true,
          by: run.executionId,
          byRegion: config.region,
          at: nowMs,
          leaseExpiresAt: null,
          capacity: "zero",
          reason: `forced failover to ${config.region} by ${run.executionId}`,
        });
        oldRegionFence = "permanent";
      } else {
        // Planned: the old region is a healthy standby now; its gate stays closed because it is not the writer.
        await writeFence(deps.own.dynamodb, deps.call, config.controlTableName, {
          region: config.peerRegion,
          fenced: false,
          by: run.executionId,
          byRegion: config.region,
          at: nowMs,
          leaseExpiresAt: null,
          capacity: "standby",
          reason: `switchover to ${config.region} by ${run.executionId}`,
        });
        oldRegionFence = "lifted";
        await ensureScalableTarget(deps.peer.autoscaling, deps.peerCall, config.service, config.standbyMinCapacity, config.maxCapacity).catch((error) =>
          errors.push(`standby capacity in ${config.peerRegion}: ${describeError(error)}`),
        );
      }
    } catch (error) {
      oldRegionFence = "failed";
      errors.push(`fence of ${config.peerRegion}: ${describeError(error)}`);
    }
  }
  run = {
    ...run,
    gate: { own, oldRegionFence, errors },
    plan: run.dryRun ? [...run.plan, `open the gate of ${config.region}; ${run.intended === "failover" ? "keep" : "lift"} the fence of ${config.peerRegion}`] : run.plan,
  };
  return output(state, withEvent(deps, run, "openGate", own, { oldRegionFence }));
}

export async function verify(deps: OrchestratorDeps, state: FailoverState): Promise<FailoverState> {
  const { config } = deps;
  let run = requireRun(state, "verify");
  const attempts = run.dryRun ? 1 : config.verifyAttempts;
  const probeBoth = async () => {
    const [gate, health] = await Promise.all([deps.probe(config.ownGateUrl, config.probeTimeoutMs), deps.probe(config.ownHealthUrl, config.probeTimeoutMs)]);
    return { ok: gate.ok && health.ok, status: gate.ok ? health.status : gate.status, error: gate.error ?? health.error };
  };
  let last = await probeBoth();
  let made = 1;
  while (!last.ok && made < attempts) {
    await deps.sleep(config.verifyIntervalSeconds * 1000);
    last = await probeBoth();
    made++;
  }
  run = {
    ...run,
    verification: { ok: last.ok, attempts: made, ...(last.status !== undefined ? { status: last.status } : {}), ...(last.error ? { error: last.error } : {}) },
    checks: run.dryRun ? [...run.checks, { name: "new-region-endpoint-healthy", ok: last.ok, detail: `${config.ownGateUrl}, ${config.ownHealthUrl}: ${last.status ?? last.error ?? "no answer"}` }] : run.checks,
  };
  if (!last.ok && !run.dryRun) {
    throw new EndpointUnhealthyError(`${config.region} not serving after ${made} probes: ${last.status ?? last.error ?? "no answer"}`, { attempts: made, status: last.status });
  }
  return output(state, withEvent(deps, run, "verify", last.ok ? "healthy" : "unhealthy", { attempts: made, status: last.status ?? null }));
}
