/**
 * The health monitor: a reconciler that runs in both regions, sampling every
 * SAMPLE_INTERVAL_SECONDS for RUN_SECONDS per scheduled invocation
 * (docs/failover-protocol.md, "The reconciler"). At every sample, in order:
 *
 *  1. reads its own region's view of the global cluster (the writer is the fencing token);
 *  2. applies its own region's gate: open exactly when its cluster is the writer and no fence is in force;
 *  3. writes its heartbeat to the control table (what the other region reads about this one);
 *  4. converges its own capacity (unless a runbook holds this region's lock: the run owns it then);
 *  5. as standby: gathers the evidence about the writer region, counts, and opens, retries, escalates or
 *     resolves an incident; pre-warms its own capacity at the first sample that is not healthy;
 *  6. publishes its verdict as metrics.
 *
 * Every call but the probe of the other region stays in this region. It never
 * calls Route 53 and reads no metric that exists only in us-east-1.
 */
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient, PutMetricDataCommand, StandardUnit } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { RDSClient } from "@aws-sdk/client-rds";
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { ensureScalableTarget, raiseScalableTarget, readScalableTarget, readServiceHealth, ServiceHealth } from "../shared/capacity";
import { Fence, fenceInForce, readFence, writeHeartbeat } from "../shared/control-table";
import { errorMessage, errorName, isAwsError, toOutcomeError } from "../shared/errors";
import { isActionable, judge, Judgement } from "../shared/evidence";
import { FailoverRequest } from "../shared/failover-request";
import { GATE_CLOSED, GATE_METRIC_NAME, GATE_METRIC_NAMESPACE, GATE_OPEN, gateDimensions } from "../shared/gate";
import { applyGate } from "../shared/gate-api";
import { describeDbCluster, describeGlobalCluster, GlobalClusterView, MemberView, regionOfArn } from "../shared/global-cluster";
import { lockKey, readLock } from "../shared/lock";
import { Logger } from "../shared/log";
import { MONITOR_METRICS, monitorDimensions } from "../shared/monitor-metrics";
import { Probe } from "../shared/probe";
import { Caller, Clock, Sleep } from "../shared/retry";
import { gatherEvidence, GatheredEvidence, TxtResolver } from "../shared/signals";
import { triggerReconciliation } from "../reconciler/trigger";
import { MonitorConfig } from "./config";
import {
  advance,
  counterKey,
  ExecutionStatus,
  IncidentState,
  loadState,
  MonitorAction,
  MonitorState,
  nextAction,
  sampleSlot,
  saveOutcome,
  saveSample,
} from "./counter";
import { executionArnFor, executionName, incidentId } from "./incident";

export interface MonitorClients {
  readonly rds: RDSClient;
  readonly cloudwatch: CloudWatchClient;
  readonly dynamodb: DynamoDBClient;
  readonly sfn: SFNClient;
  readonly sns: SNSClient;
  readonly ecs: ECSClient;
  readonly elb: ElasticLoadBalancingV2Client;
  readonly autoscaling: ApplicationAutoScalingClient;
}

export interface MonitorDeps {
  readonly config: MonitorConfig;
  readonly clients: MonitorClients;
  readonly probe: Probe;
  readonly resolveTxt: TxtResolver;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly call: Caller;
  readonly log: Logger;
}

export type Role = "writer" | "standby" | "unknown";

export interface SampleOutcome {
  readonly at: string;
  readonly role: Role;
  readonly writerArn: string | null;
  readonly fenced: boolean;
  readonly gate: { readonly desired: boolean; readonly change: string };
  readonly capacity: string;
  readonly service: ServiceHealth | null;
  readonly judgement?: Judgement;
  readonly action?: MonitorAction["kind"] | "duplicate";
  readonly incident?: string;
  readonly executionArn?: string;
  readonly promotionReady: boolean;
  /** Non-fatal failures of this sample (gate, heartbeat, capacity, pages). */
  readonly errors: readonly string[];
}

function describe(error: unknown): string {
  return `${errorName(error)}: ${errorMessage(error)}`;
}

/**
 * Runs one sample, then keeps sampling every SAMPLE_INTERVAL_SECONDS until RUN_SECONDS have passed since the start.
 * A failed sample (an AWS error that outlasted the caller's retries) is logged and the next one runs on time: one
 * throttled call must not silence the gate, the heartbeat and the evidence for the rest of the minute. The
 * invocation fails, with the last sample's error, only when no sample succeeded.
 */
export async function runInvocation(deps: MonitorDeps): Promise<SampleOutcome[]> {
  const { config } = deps;
  const startedAt = deps.clock();
  const outcomes: SampleOutcome[] = [];
  let lastError: unknown = undefined;
  for (let n = 0; ; n++) {
    try {
      outcomes.push(await runSample(deps));
    } catch (error) {
      lastError = error;
      const outcome = toOutcomeError(error);
      deps.log.error("sample.failed", { sample: n, error: outcome, retryable: outcome.retryable });
    }
    const nextAt = startedAt + (n + 1) * config.sampleIntervalSeconds * 1000;
    if (nextAt - startedAt >= config.runSeconds * 1000) break;
    const wait = nextAt - deps.clock();
    if (wait > 0) await deps.sleep(wait);
  }
  if (outcomes.length === 0) throw lastError;
  return outcomes;
}

export async function runSample(deps: MonitorDeps): Promise<SampleOutcome> {
  const { config, clients, call, log } = deps;
  const nowMs = deps.clock();
  const errors: string[] = [];

  const global = await describeGlobalCluster(clients.rds, call, config.globalClusterId);
  const ownCluster = await describeDbCluster(clients.rds, call, config.dbClusterId);
  const ownMember = global.members.find((m) => m.arn === ownCluster.arn);
  const ownIsWriter = ownMember?.isWriter === true;
  const writer = global.writer;
  const role: Role = ownIsWriter ? "writer" : writer && writer.arn !== ownCluster.arn ? "standby" : "unknown";

  let fence: Fence | null = null;
  let fenceKnown = true;
  try {
    fence = await readFence(clients.dynamodb, call, config.controlTableName, config.region);
  } catch (error) {
    fenceKnown = false;
    errors.push(`fence unreadable: ${describe(error)}`);
  }
  const fenced = fenceInForce(fence, nowMs);
  const lock = await readLock(clients.dynamodb, call, config.stateTableName, lockKey(config.globalClusterId)).catch((error) => {
    errors.push(`lock unreadable: ${describe(error)}`);
    return null;
  });
  const lockHolder = lock !== null && lock.expiresAt * 1000 > nowMs ? lock.holder : undefined;
  const runHoldsLock = lockHolder !== undefined;

  // 2. The gate: derived from the writer and the fence, never remembered. An unreadable fence leaves it as it is. Nor
  //    is it opened while a run of the other region holds this region's lock: that run may have fenced this region,
  //    and its fence may not have reached this region's replica of the control table yet (a stale replica must not
  //    reopen the gate the run's Fence closed). The run's OpenGate, its rollback or the lock's expiry settles it.
  const gateDesired = ownIsWriter && !fenced;
  const peerRunHoldsLock = lockHolder !== undefined && regionOfArn(lockHolder) !== config.region;
  let gateChange = "skipped";
  if (fenceKnown && gateDesired && peerRunHoldsLock) {
    gateChange = "held-by-peer-run";
  } else if (fenceKnown) {
    try {
      gateChange = (await applyGate(clients.elb, call, config.loadBalancerName, gateDesired)).change;
    } catch (error) {
      gateChange = "failed";
      errors.push(`gate: ${describe(error)}`);
    }
  }

  // 3. The heartbeat.
  const service = await readServiceHealth(clients.ecs, clients.elb, call, config.service, config.targetGroupName).catch((error) => {
    errors.push(`service health: ${describe(error)}`);
    return null;
  });
  try {
    await writeHeartbeat(clients.dynamodb, call, config.controlTableName, {
      region: config.region,
      at: nowMs,
      writerArn: writer?.arn ?? null,
      ownIsWriter,
      databaseAvailable: ownCluster.status === "available",
      serviceHealthy: service ? service.healthy : null,
      fenced,
      gateOpen: gateDesired,
    });
  } catch (error) {
    errors.push(`heartbeat: ${describe(error)}`);
  }

  // 4. Capacity of this region, unless a runbook holding this region's lock is changing it.
  let capacity = runHoldsLock ? "run-holds-lock" : "unchanged";
  if (!runHoldsLock) {
    try {
      if (fenced && fence) {
        const min = fence.capacity === "zero" ? 0 : config.standbyMinCapacity;
        const max = fence.capacity === "zero" ? 0 : config.maxCapacity;
        capacity = `fenced:${(await ensureScalableTarget(clients.autoscaling, call, config.service, min, max)).change}`;
      } else if (ownIsWriter) {
        capacity = `writer:${(await raiseScalableTarget(clients.autoscaling, call, config.service, config.activeMinCapacity, config.maxCapacity)).change}`;
      }
    } catch (error) {
      capacity = "failed";
      errors.push(`capacity: ${describe(error)}`);
    }
  }

  let standby: Pick<SampleOutcome, "judgement" | "action" | "incident" | "executionArn" | "promotionReady"> = { promotionReady: false };
  if (role === "standby" && writer) {
    standby = await standbySample(deps, { nowMs, global, ownMember, writer, fenced, runHoldsLock, errors });
  } else if (role === "writer") {
    await writerSample(deps, nowMs, errors);
  }

  const outcome: SampleOutcome = {
    at: new Date(nowMs).toISOString(),
    role,
    writerArn: writer?.arn ?? null,
    fenced,
    gate: { desired: gateDesired, change: gateChange },
    capacity,
    service,
    ...standby,
    errors,
  };
  await publishMetrics(deps, outcome, nowMs).catch((error) => errors.push(`metrics: ${describe(error)}`));
  if (errors.length > 0) log.warn("sample.partial", { outcome });
  else log.info("sample.done", { outcome });
  return outcome;
}

interface StandbyContext {
  readonly nowMs: number;
  readonly global: GlobalClusterView;
  readonly ownMember: MemberView | undefined;
  readonly writer: MemberView;
  readonly fenced: boolean;
  readonly runHoldsLock: boolean;
  readonly errors: string[];
}

async function standbySample(deps: MonitorDeps, ctx: StandbyContext): Promise<Pick<SampleOutcome, "judgement" | "action" | "incident" | "executionArn" | "promotionReady">> {
  const { config, clients, call, log } = deps;
  const gathered = await gatherEvidence(
    { dynamodb: clients.dynamodb, cloudwatch: clients.cloudwatch, probe: deps.probe, resolveTxt: deps.resolveTxt, clock: deps.clock, call },
    {
      controlTableName: config.controlTableName,
      writerRegion: ctx.writer.region,
      probeUrl: config.peerProbeUrl,
      probeTimeoutMs: config.probeTimeoutMs,
      witnessAliveName: config.peerWitnessAliveName,
      witnessServiceName: config.peerWitnessServiceName,
      staleHeartbeatMs: config.staleHeartbeatSeconds * 1000,
      ownClusterId: config.dbClusterId,
      ownMember: ctx.ownMember,
      replicationStallMs: config.replicationStallMs,
      replicationStallSeconds: config.replicationStallSeconds,
      lagLookbackSeconds: config.lagLookbackSeconds,
    },
  );
  const judgement = judge(gathered.evidence);
  const promotionReady = isPromotionReady(ctx.global, ctx.ownMember, gathered, config.promotionReadyMaxLagMs);
  log.info("evidence", { verdict: judgement.verdict, summary: judgement.summary, evidence: gathered.evidence });

  const key = counterKey(config.globalClusterId);
  const slot = sampleSlot(ctx.nowMs, config.sampleIntervalSeconds);
  const previous = await loadState(clients.dynamodb, call, config.stateTableName, key);
  let state = advance(previous, judgement.verdict, slot, Math.floor(ctx.nowMs / 1000));
  if (!(await saveSample(clients.dynamodb, call, config.stateTableName, key, state, ctx.nowMs))) {
    log.info("sample.duplicate", { slot });
    return { judgement, action: "duplicate", promotionReady };
  }

  const execution = state.incident?.executionArn ? await describeExecution(deps, state.incident.executionArn, ctx.errors) : null;
  const action = nextAction({
    state,
    verdict: judgement.verdict,
    threshold: config.consecutiveSamples,
    maxAttempts: config.maxAttempts,
    authority: config.authority,
    executionStatus: execution?.status ?? null,
    executionError: execution?.error ?? null,
    promotionInProgress: ctx.global.failover !== undefined,
  });
  state = await perform(deps, action, state, { ...ctx, judgement, gathered });
  state = await prewarm(deps, state, judgement, ctx);
  await saveOutcome(clients.dynamodb, call, config.stateTableName, key, state, ctx.nowMs);
  return {
    judgement,
    action: action.kind,
    ...(state.incident ? { incident: state.incident.id } : {}),
    ...(state.incident?.executionArn ? { executionArn: state.incident.executionArn } : {}),
    promotionReady,
  };
}

async function describeExecution(deps: MonitorDeps, executionArn: string, errors: string[]): Promise<{ readonly status: ExecutionStatus | null; readonly error: string | null } | null> {
  try {
    const result = await deps.call("DescribeExecution", () => deps.clients.sfn.send(new DescribeExecutionCommand({ executionArn })));
    return { status: (result.status ?? null) as ExecutionStatus | null, error: result.error ?? null };
  } catch (error) {
    if (isAwsError(error, "ExecutionDoesNotExist")) return null;
    errors.push(`execution status: ${describe(error)}`);
    // Unknown: do not start another attempt on a guess.
    return { status: "RUNNING", error: null };
  }
}

type PerformContext = StandbyContext & { readonly judgement: Judgement; readonly gathered: GatheredEvidence };

async function perform(deps: MonitorDeps, action: MonitorAction, state: MonitorState, ctx: PerformContext): Promise<MonitorState> {
  const { config, log } = deps;
  switch (action.kind) {
    case "start": {
      const incident = state.incident ?? openIncident(deps, state, ctx);
      const name = executionName(config.globalClusterId, incident.id, action.attempt);
      const executionArn = await startExecution(deps, name, incident, action.attempt, ctx);
      log.warn("incident.execution-started", { incident: incident.id, attempt: action.attempt, executionArn });
      await page(deps, `Failover to ${config.region} started (attempt ${action.attempt})`, {
        kind: "failover-started",
        incident: incident.id,
        attempt: action.attempt,
        executionArn,
        verdict: ctx.judgement.verdict,
        evidence: ctx.judgement.summary,
        authority: config.authority,
      }).catch((error) => ctx.errors.push(`page: ${describe(error)}`));
      return { ...state, incident: { ...incident, attempts: action.attempt, executionName: name, executionArn } };
    }
    case "page-incident": {
      const incident = state.incident ?? openIncident(deps, state, ctx);
      await page(deps, `Active region failed: manual failover to ${config.region} required`, {
        kind: "failover-manual-action-required",
        incident: incident.id,
        verdict: ctx.judgement.verdict,
        evidence: ctx.judgement.summary,
        replicationLagMs: ctx.gathered.replicationLagMs,
        instructions: `Start the failover runbook in ${config.region} (dry run first) with input {"mode":"failover","observedWriterArn":"${ctx.writer.arn}"}.`,
      });
      return { ...state, incident: { ...incident, paged: true } };
    }
    case "escalate": {
      const incident = state.incident as IncidentState;
      await page(deps, `Failover to ${config.region} needs a person: ${incident.attempts} attempt(s) did not move the writer`, {
        kind: "failover-escalated",
        incident: incident.id,
        attempts: incident.attempts,
        lastExecutionArn: incident.executionArn,
        verdict: ctx.judgement.verdict,
        evidence: ctx.judgement.summary,
      });
      return { ...state, incident: { ...incident, escalated: true } };
    }
    case "refused": {
      const incident = state.incident as IncidentState;
      await page(deps, `Failover to ${config.region} refused by a person: the automation starts no more attempts for this incident`, {
        kind: "failover-refused",
        incident: incident.id,
        attempts: incident.attempts,
        lastExecutionArn: incident.executionArn,
        verdict: ctx.judgement.verdict,
        evidence: ctx.judgement.summary,
        instructions: `The incident stays open until the writer region is healthy again. To fail over after all, start the failover runbook in ${config.region} (dry run first) with input {"mode":"failover","observedWriterArn":"${ctx.writer.arn}"}.`,
      });
      return { ...state, incident: { ...incident, escalated: true } };
    }
    case "promotion-in-progress":
      log.warn("incident.promotion-in-progress", { incident: state.incident?.id, failover: ctx.global.failover });
      return state;
    case "page-suspect": {
      await page(deps, `Health of the writer region is in doubt from ${config.region}; not failing over`, {
        kind: "failover-suspect",
        verdict: ctx.judgement.verdict,
        evidence: ctx.judgement.summary,
        why: "Only signals that share a failure domain with this region (its egress, its DNS) or that are not corroborated say down. A failover needs independent evidence.",
      });
      return { ...state, suspectPaged: true };
    }
    case "resolve":
      log.info("incident.resolved", { incident: state.incident?.id });
      return { ...state, incident: null };
    default:
      return state;
  }
}

function openIncident(deps: MonitorDeps, state: MonitorState, ctx: PerformContext): IncidentState {
  const streak = state.streakStartedAt ?? Math.floor(ctx.nowMs / 1000);
  return {
    id: incidentId(deps.config.globalClusterId, ctx.writer.arn, streak),
    writerArn: ctx.writer.arn,
    verdict: ctx.judgement.verdict,
    openedAt: Math.floor(ctx.nowMs / 1000),
    attempts: 0,
    executionName: null,
    executionArn: null,
    escalated: false,
    paged: false,
  };
}

async function startExecution(deps: MonitorDeps, name: string, incident: IncidentState, attempt: number, ctx: PerformContext): Promise<string> {
  const { config, clients, call } = deps;
  const stateMachineArn = config.stateMachineArn as string;
  const request: FailoverRequest = {
    mode: "failover",
    strategy: "auto",
    requestedBy: "health-monitor",
    reason: `${ctx.judgement.summary} for ${config.consecutiveSamples} samples, seen from ${config.region}`,
    incidentId: incident.id,
    attempt,
    observedWriterArn: incident.writerArn,
    // The incident's first sample: the one consecutiveSamples - 1 samples before the sample that opened it (the same for every attempt).
    detectedAt: new Date((incident.openedAt - (config.consecutiveSamples - 1) * config.sampleIntervalSeconds) * 1000).toISOString(),
    verdict: ctx.judgement.verdict,
  };
  try {
    const started = await call("StartExecution", () => clients.sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(request) })));
    return started.executionArn ?? executionArnFor(stateMachineArn, name);
  } catch (error) {
    if (!isAwsError(error, "ExecutionAlreadyExists")) throw error;
    return executionArnFor(stateMachineArn, name);
  }
}

/**
 * Capacity ahead of the decision: the first sample that is not healthy raises
 * this region's minimum to the writer's (only costs money; saves the task start
 * from the RTO). A healthy streak as long as the threshold, with no incident,
 * lowers it back to the standby minimum.
 */
async function prewarm(deps: MonitorDeps, state: MonitorState, judgement: Judgement, ctx: StandbyContext): Promise<MonitorState> {
  const { config, clients, call, log } = deps;
  if (ctx.runHoldsLock || ctx.fenced) return state;
  try {
    if (judgement.verdict !== "healthy" && state.prewarmedAt === null) {
      const result = await raiseScalableTarget(clients.autoscaling, call, config.service, config.activeMinCapacity, config.maxCapacity);
      log.warn("capacity.prewarmed", { verdict: judgement.verdict, change: result.change });
      return { ...state, prewarmedAt: Math.floor(ctx.nowMs / 1000) };
    }
    // A healthy streak counts only healthy verdicts (counter.ts, advance), and a streak as long as the threshold has
    // already resolved any incident (nextAction, before this): the streak alone says healthy and no incident.
    if (state.prewarmedAt !== null && state.healthy >= config.consecutiveSamples) {
      const current = await readScalableTarget(clients.autoscaling, call, config.service);
      await ensureScalableTarget(clients.autoscaling, call, config.service, config.standbyMinCapacity, current.max ?? config.maxCapacity);
      log.info("capacity.prewarm-released");
      return { ...state, prewarmedAt: null };
    }
  } catch (error) {
    ctx.errors.push(`prewarm: ${describe(error)}`);
  }
  return state;
}

/**
 * As the writer: an incident this region was handling is over (the failover it started completed); and after
 * a forced failover, once the old region is back, the reconciliation of what it lost starts (once per failover).
 */
async function writerSample(deps: MonitorDeps, nowMs: number, errors: string[]): Promise<void> {
  const { config, clients, call, log } = deps;
  if (config.reconciliationStateMachineArn) {
    const reconciliation = { ...config, stateMachineArn: config.reconciliationStateMachineArn, staleHeartbeatMs: config.staleHeartbeatSeconds * 1000 };
    await triggerReconciliation({ dynamodb: clients.dynamodb, sfn: clients.sfn, sns: clients.sns, call, log, config: reconciliation }, nowMs).catch((error) =>
      errors.push(`reconciliation: ${describe(error)}`),
    );
  }
  const key = counterKey(config.globalClusterId);
  try {
    const previous = await loadState(clients.dynamodb, call, config.stateTableName, key);
    if (previous.incident === null && previous.prewarmedAt === null && previous.actionable === 0) return;
    const state: MonitorState = { ...previous, lastSlot: sampleSlot(nowMs, config.sampleIntervalSeconds), actionable: 0, streakStartedAt: null, incident: null, prewarmedAt: null };
    if (await saveSample(clients.dynamodb, call, config.stateTableName, key, state, nowMs)) log.info("incident.completed", { incident: previous.incident?.id });
  } catch (error) {
    errors.push(`counter: ${describe(error)}`);
  }
}

function isPromotionReady(global: GlobalClusterView, ownMember: MemberView | undefined, gathered: GatheredEvidence, maxLagMs: number): boolean {
  if (!ownMember || ownMember.isWriter || global.failover || global.status !== "available") return false;
  // Replication "up" already means this member is connected (or reports no status) with a fresh, small lag (signals.ts).
  return gathered.replicationLagMs !== null && gathered.replicationLagMs <= maxLagMs && gathered.evidence.replication.state === "up";
}

async function page(deps: MonitorDeps, subject: string, body: Record<string, unknown>): Promise<void> {
  const { config, clients, call } = deps;
  await call("Publish", () =>
    clients.sns.send(
      new PublishCommand({
        TopicArn: config.topicArn,
        Subject: `[DR ${config.environment}] ${subject}`.slice(0, 100),
        Message: JSON.stringify({ environment: config.environment, region: config.region, globalClusterId: config.globalClusterId, ...body }),
      }),
    ),
  );
}

async function publishMetrics(deps: MonitorDeps, outcome: SampleOutcome, nowMs: number): Promise<void> {
  const { config } = deps;
  const dimensions = monitorDimensions(config.environment, config.region);
  const timestamp = new Date(nowMs);
  const datum = (name: string, value: number, unit: StandardUnit) => ({ MetricName: name, Dimensions: dimensions, Value: value, Unit: unit, Timestamp: timestamp });
  const data = [datum(MONITOR_METRICS.promotionReady, outcome.promotionReady ? 1 : 0, "None")];
  if (outcome.judgement) {
    const verdict = outcome.judgement.verdict;
    data.push(datum(MONITOR_METRICS.activeRegionHealthy, verdict === "healthy" || verdict === "suspect" ? 1 : 0, "None"));
    data.push(datum(MONITOR_METRICS.independentSignalsDown, outcome.judgement.independentDown.length, "Count"));
    data.push(datum(MONITOR_METRICS.actionable, isActionable(verdict) ? 1 : 0, "None"));
  }
  await deps.call("PutMetricData", () => deps.clients.cloudwatch.send(new PutMetricDataCommand({ Namespace: config.metricNamespace, MetricData: data })));
  // The gate's state, mirrored as a metric for dashboards (the gate itself is the load balancer rule).
  await deps.call("PutMetricData", () =>
    deps.clients.cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: GATE_METRIC_NAMESPACE,
        MetricData: [
          { MetricName: GATE_METRIC_NAME, Dimensions: gateDimensions(config.environment, config.region), Value: outcome.gate.desired ? GATE_OPEN : GATE_CLOSED, Unit: "None", Timestamp: timestamp },
        ],
      }),
    ),
  );
}

/** The Lambda handler over the given collaborators: failures become typed errors (see shared/errors.ts). */
export function createMonitorHandler(deps: MonitorDeps): () => Promise<SampleOutcome[]> {
  return async () => {
    try {
      return await runInvocation(deps);
    } catch (error) {
      const outcome = toOutcomeError(error);
      deps.log.error("check.failed", { error: outcome, retryable: outcome.retryable });
      throw outcome;
    }
  };
}

export { fenceInForce };
