/**
 * fence, raiseCapacity, openGate, verify: capacity and traffic. Own-region
 * calls must succeed; peer-region calls are best effort (the old region may be
 * gone) and their errors are recorded, never thrown.
 *
 * Every gate value published is first persisted as a decision (shared/gate-store.ts)
 * in the same region's state table, from which that region's health monitor
 * republishes it every minute.
 */
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { GateValue, publishGate } from "../shared/cloudwatch";
import { EndpointUnhealthyError } from "../shared/errors";
import { GateDecision, gateKey, recordGateDecision } from "../shared/gate-store";
import { Caller } from "../shared/retry";
import { ActionStatus, FailoverState, RunRecord } from "./contract";
import { ecsResourceId, EcsService } from "./config";
import { OrchestratorDeps } from "./deps";
import { describeError, holdLock, output, requireRun, withEvent } from "./run";

const ECS_SCALABLE = { ServiceNamespace: "ecs", ScalableDimension: "ecs:service:DesiredCount" } as const;

export interface CapacityResult {
  readonly status: ActionStatus;
  readonly previousMin: number | null;
  readonly previousMax: number | null;
}

/**
 * Sets the ECS service's scalable target to [min, max] with
 * RegisterScalableTarget (so target tracking and the next deploy keep it),
 * unless it already is. Dry run: reads only.
 */
export async function ensureScalableTarget(
  client: ApplicationAutoScalingClient,
  call: Caller,
  service: EcsService,
  min: number,
  max: number,
  dryRun: boolean,
): Promise<CapacityResult> {
  const resourceId = ecsResourceId(service);
  const described = await call("DescribeScalableTargets", () =>
    client.send(new DescribeScalableTargetsCommand({ ...ECS_SCALABLE, ResourceIds: [resourceId] })),
  );
  const current = described.ScalableTargets?.find((t) => t.ResourceId === resourceId);
  const previousMin = current?.MinCapacity ?? null;
  const previousMax = current?.MaxCapacity ?? null;
  if (previousMin === min && previousMax === max) return { status: "unchanged", previousMin, previousMax };
  if (dryRun) return { status: "planned", previousMin, previousMax };
  await call("RegisterScalableTarget", () =>
    client.send(new RegisterScalableTargetCommand({ ...ECS_SCALABLE, ResourceId: resourceId, MinCapacity: min, MaxCapacity: max })),
  );
  return { status: "done", previousMin, previousMax };
}

/**
 * Persists, then publishes, gate decisions, region by region.
 *
 * Own (surviving) region, must succeed (a failure is thrown and the step retried):
 * the decision in the state table, then the metric. A gate whose item already
 * holds a newer decision (decidedAt) is left alone: neither recorded nor
 * published, and noted in `errors`.
 * Peer region, best effort (errors returned, never thrown): the decision in the
 * peer's state table (same name), then the metric, for the gates recorded in
 * the own region and not superseded in the peer's table.
 *
 * Persisting first means a decision the metric call lost is still republished
 * by the monitor within a minute. Metric timestamps are taken after the write
 * (the clock at publication), so a monitor that read the previous decision just
 * before the write republishes it with an earlier timestamp: at worst the old
 * value shares one period with the new one, and with Minimum that period reads
 * closed (the safe side).
 */
async function publishGates(deps: OrchestratorDeps, run: RunRecord, gates: readonly GateValue[]): Promise<{ own: ActionStatus; peer: ActionStatus; errors: string[] }> {
  if (run.dryRun) return { own: "planned", peer: "planned", errors: [] };
  const { config } = deps;
  const decidedAt = deps.clock();
  const decisions: GateDecision[] = gates.map((g) => ({ region: g.region, open: g.open, decidedAt, decidedIn: config.region, executionId: run.executionId }));
  const errors: string[] = [];

  const current: GateDecision[] = [];
  for (const decision of decisions) {
    const stored = await recordGateDecision(deps.own.dynamodb, deps.call, config.stateTableName, config.globalClusterId, decision);
    if (stored === "superseded") errors.push(`gate ${decision.region} in ${config.region}: a newer decision is recorded; not changed`);
    else current.push(decision);
  }
  if (current.length === 0) return { own: "skipped", peer: "skipped", errors };
  await publishGate(deps.own.cloudwatch, deps.call, config.environment, current, deps.clock());

  let peer: ActionStatus = "done";
  const supersededInPeer = new Set<string>();
  try {
    for (const decision of current) {
      const stored = await recordGateDecision(deps.peer.dynamodb, deps.peerCall, config.stateTableName, config.globalClusterId, decision);
      if (stored === "superseded") {
        supersededInPeer.add(decision.region);
        errors.push(`gate ${decision.region} in ${config.peerRegion}: a newer decision is recorded there; not changed`);
      }
    }
  } catch (error) {
    // The first failure ends the peer writes: an unreachable region costs one timeout, not one per gate.
    peer = "failed";
    errors.push(`gate record in ${config.peerRegion}: ${describeError(error)}`);
  }
  const peerCurrent = current.filter((d) => !supersededInPeer.has(d.region));
  if (peerCurrent.length > 0) {
    try {
      await publishGate(deps.peer.cloudwatch, deps.peerCall, config.environment, peerCurrent, deps.clock());
    } catch (error) {
      peer = "failed";
      errors.push(`gate in ${config.peerRegion}: ${describeError(error)}`);
    }
  }
  return { own: "done", peer, errors };
}

function describeGates(gates: readonly GateValue[]): string {
  return gates.map((g) => `${g.region}=${g.open ? "open" : "closed"}`).join(", ");
}

function gatePlan(deps: OrchestratorDeps, gates: readonly GateValue[]): string {
  const { config } = deps;
  const keys = gates.map((g) => gateKey(config.globalClusterId, g.region)).join(", ");
  return `PutItem ${keys} in ${config.stateTableName} and PutMetricData gate ${describeGates(gates)} (in ${config.region}, and ${config.peerRegion} best effort)`;
}

export async function fence(deps: OrchestratorDeps, state: FailoverState): Promise<FailoverState> {
  const { config } = deps;
  let run = requireRun(state, "fence");
  run = (await holdLock(deps, run)).run;
  const errors: string[] = [];
  // Failover: the old region serves nothing. Failback: it becomes the warm standby.
  const min = run.mode === "failback" ? config.standbyMinCapacity : 0;
  const max = run.mode === "failback" ? config.maxCapacity : 0;

  let capacity: ActionStatus;
  try {
    capacity = (await ensureScalableTarget(deps.peer.autoscaling, deps.peerCall, config.peerService, min, max, run.dryRun)).status;
  } catch (error) {
    capacity = "failed";
    errors.push(`scalable target in ${config.peerRegion}: ${describeError(error)}`);
  }
  const gates: GateValue[] = [{ region: config.peerRegion, open: false }];
  const gate = await publishGates(deps, run, gates);
  errors.push(...gate.errors);

  const plan = run.dryRun
    ? [
        ...run.plan,
        ...(capacity === "planned" ? [`RegisterScalableTarget ${ecsResourceId(config.peerService)} min=${min} max=${max} (in ${config.peerRegion}, best effort)`] : []),
        gatePlan(deps, gates),
      ]
    : run.plan;
  run = { ...run, plan, fencing: { capacity, gateOwnRegion: gate.own, gatePeerRegion: gate.peer, errors } };
  if (errors.length > 0) deps.log.warn("fence.partial", { executionId: run.executionId, errors });
  return output(state, withEvent(deps, run, "fence", errors.length > 0 ? "partial" : "done", { capacity, gatePeerRegion: gate.peer, errors: errors.length }));
}

export async function raiseCapacity(deps: OrchestratorDeps, state: FailoverState): Promise<FailoverState> {
  const { config } = deps;
  let run = requireRun(state, "raiseCapacity");
  run = (await holdLock(deps, run)).run;
  const result = await ensureScalableTarget(deps.own.autoscaling, deps.call, config.ownService, config.activeMinCapacity, config.maxCapacity, run.dryRun);
  run = {
    ...run,
    capacity: { status: result.status, min: config.activeMinCapacity, max: config.maxCapacity, previousMin: result.previousMin, previousMax: result.previousMax },
    plan:
      result.status === "planned"
        ? [...run.plan, `RegisterScalableTarget ${ecsResourceId(config.ownService)} min=${config.activeMinCapacity} max=${config.maxCapacity} (in ${config.region})`]
        : run.plan,
  };
  return output(state, withEvent(deps, run, "raiseCapacity", result.status, { min: config.activeMinCapacity, previousMin: result.previousMin }));
}

export async function openGate(deps: OrchestratorDeps, state: FailoverState): Promise<FailoverState> {
  const { config } = deps;
  let run = requireRun(state, "openGate");
  run = (await holdLock(deps, run)).run;
  const gates: GateValue[] = [
    { region: config.region, open: true },
    { region: config.peerRegion, open: false },
  ];
  const gate = await publishGates(deps, run, gates);
  run = {
    ...run,
    gate: { openRegion: config.region, closedRegion: config.peerRegion, ownRegion: gate.own, peerRegion: gate.peer, errors: gate.errors },
    plan: run.dryRun ? [...run.plan, gatePlan(deps, gates)] : run.plan,
  };
  return output(state, withEvent(deps, run, "openGate", run.dryRun ? "planned" : "opened", { open: config.region, peerRegion: gate.peer }));
}

export async function verify(deps: OrchestratorDeps, state: FailoverState): Promise<FailoverState> {
  const { config } = deps;
  let run = requireRun(state, "verify");
  const attempts = run.dryRun ? 1 : config.verifyAttempts;
  let last = await deps.probe(config.ownEndpointUrl, config.probeTimeoutMs);
  let made = 1;
  while (!last.ok && made < attempts) {
    await deps.sleep(config.verifyIntervalSeconds * 1000);
    last = await deps.probe(config.ownEndpointUrl, config.probeTimeoutMs);
    made++;
  }
  run = {
    ...run,
    verification: { ok: last.ok, attempts: made, ...(last.status !== undefined ? { status: last.status } : {}), ...(last.error ? { error: last.error } : {}) },
    checks: run.dryRun ? [...run.checks, { name: "new-region-endpoint-healthy", ok: last.ok, detail: `${config.ownEndpointUrl}: ${last.status ?? last.error ?? "no answer"}` }] : run.checks,
  };
  if (!last.ok && !run.dryRun) {
    throw new EndpointUnhealthyError(`${config.ownEndpointUrl} not healthy after ${made} probes: ${last.status ?? last.error ?? "no answer"}`, {
      attempts: made,
      status: last.status,
    });
  }
  return output(state, withEvent(deps, run, "verify", last.ok ? "healthy" : "unhealthy", { attempts: made, status: last.status ?? null }));
}
