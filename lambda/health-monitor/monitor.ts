/**
 * One health check: probe the active region, read the global cluster and the
 * replication lag in this region, count, act (decider only), publish the verdict.
 * Alongside, in both roles: keep the traffic gates alive, i.e. republish in
 * this region the gate decisions this region's state table holds (see
 * shared/gate-store.ts); that path never changes or fails the verdict.
 *
 * Everything it calls is in the Lambda's own region except the HTTPS probe of
 * the region it judges. It never calls Route 53 and reads no us-east-1-only metric.
 */
import { CloudWatchClient, PutMetricDataCommand, StandardUnit } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { RDSClient } from "@aws-sdk/client-rds";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { publishGate, readLag, LagReading } from "../shared/cloudwatch";
import { errorMessage, errorName, isAwsError, toOutcomeError } from "../shared/errors";
import { FailoverRequest } from "../shared/failover-request";
import { GATE_CLOSED, GATE_OPEN } from "../shared/gate";
import { GateDecision, readGateDecision } from "../shared/gate-store";
import { describeDbCluster, describeGlobalCluster, GlobalClusterView, MemberView } from "../shared/global-cluster";
import { Logger } from "../shared/log";
import { MONITOR_METRICS, monitorDimensions } from "../shared/monitor-metrics";
import { Probe, ProbeResult } from "../shared/probe";
import { Caller, Clock } from "../shared/retry";
import { MonitorConfig } from "./config";
import { checkBucket, counterKey, CounterState, markActed, recordCheck } from "./counter";
import { incidentExecutionName } from "./incident";

export interface MonitorClients {
  readonly rds: RDSClient;
  readonly cloudwatch: CloudWatchClient;
  readonly dynamodb: DynamoDBClient;
  readonly sfn: SFNClient;
  readonly sns: SNSClient;
}

export interface MonitorDeps {
  readonly config: MonitorConfig;
  readonly clients: MonitorClients;
  readonly probe: Probe;
  readonly clock: Clock;
  readonly call: Caller;
  readonly log: Logger;
}

/** What the check decided to do. */
export type MonitorAction =
  | "none" // healthy, or observer
  | "below-threshold" // bad, but fewer than N consecutive checks
  | "own-region-is-writer" // nothing to fail over to: this region already holds the writer
  | "failover-in-progress" // the global cluster is already failing over
  | "not-a-member" // this region's cluster is not in the global cluster: cannot promote
  | "already-acted" // this incident was already handled
  | "started" // automatic: execution started (or it already existed)
  | "approval-requested" // approval: execution started waiting for approval, and paged
  | "paged"; // manual: paged only

export interface CheckOutcome {
  readonly role: MonitorConfig["role"];
  readonly activeRegionHealthy: boolean;
  readonly probe: ProbeResult;
  readonly consecutiveFailures: number | null;
  readonly threshold: number;
  readonly action: MonitorAction;
  readonly incident?: string;
  readonly executionArn?: string;
  readonly writerArn?: string;
  readonly ownIsWriter: boolean;
  readonly lag: LagReading;
  readonly promotionReady: boolean;
  readonly gates: GateKeepAlive;
}

/** The traffic-gate keep-alive of one run. */
export interface GateKeepAlive {
  /** published: at least one gate republished; none: no decision stored (nothing to publish); failed: nothing published. */
  readonly status: "published" | "none" | "failed";
  /** Values republished in this region, by gated region (GATE_OPEN / GATE_CLOSED). */
  readonly published: Readonly<Record<string, number>>;
  readonly errors: readonly string[];
}

/**
 * Runs the health check and, concurrently, the gate keep-alive (started first
 * so it runs during the probe; awaited before returning or throwing, so no work
 * outlives the invocation). The keep-alive never throws.
 */
export async function runHealthCheck(deps: MonitorDeps): Promise<CheckOutcome> {
  const nowMs = deps.clock();
  const keepAlive = keepGatesAlive(deps, nowMs);
  let verdict: Omit<CheckOutcome, "gates">;
  try {
    verdict = await judge(deps, nowMs);
    await publishVerdict(deps, verdict, nowMs);
  } catch (error) {
    await keepAlive;
    throw error;
  }
  const outcome: CheckOutcome = { ...verdict, gates: await keepAlive };
  deps.log.info("check.done", { outcome });
  return outcome;
}

/**
 * Republishes, in this region, every gate decision stored in this region's
 * state table, for both regions' gates: the gate is a metric "the automation
 * keeps publishing", not only on change. No decision: nothing is published (no
 * data = never fenced = open, which the gate's health check treats as healthy).
 *
 * The timestamp is the start of this run, taken before the read: if the
 * orchestrator records a new decision while this run republishes the previous
 * one, the previous value is never timestamped after the new one (see
 * failover-orchestrator/traffic.ts publishGates).
 *
 * Errors are logged and returned, never thrown: the gate is not the verdict.
 */
export async function keepGatesAlive(deps: MonitorDeps, nowMs: number): Promise<GateKeepAlive> {
  const { config, clients, call, log } = deps;
  const errors: string[] = [];
  const decisions: GateDecision[] = [];
  for (const region of [config.region, config.peerRegion]) {
    try {
      const decision = await readGateDecision(clients.dynamodb, call, config.stateTableName, config.globalClusterId, region);
      if (decision) decisions.push(decision);
    } catch (error) {
      errors.push(`read gate ${region}: ${errorName(error)}: ${errorMessage(error)}`);
    }
  }
  let status: GateKeepAlive["status"] = errors.length > 0 ? "failed" : "none";
  let published: Record<string, number> = {};
  if (decisions.length > 0) {
    try {
      await publishGate(clients.cloudwatch, call, config.environment, decisions, nowMs);
      status = "published";
      published = Object.fromEntries(decisions.map((d) => [d.region, d.open ? GATE_OPEN : GATE_CLOSED]));
    } catch (error) {
      status = "failed";
      errors.push(`publish gates: ${errorName(error)}: ${errorMessage(error)}`);
    }
  }
  if (errors.length > 0) log.warn("gates.keep-alive-failed", { status, errors, published });
  else log.debug("gates.kept-alive", { status, published });
  return { status, published, errors };
}

async function judge(deps: MonitorDeps, nowMs: number): Promise<Omit<CheckOutcome, "gates">> {
  const { config, clients, call, log } = deps;

  const probe = await deps.probe(config.activeEndpointUrl, config.probeTimeoutMs);
  const healthy = probe.ok;
  log.info(healthy ? "probe.ok" : "probe.failed", { url: config.activeEndpointUrl, probe });

  const global = await describeGlobalCluster(clients.rds, call, config.globalClusterId);
  const own = await describeDbCluster(clients.rds, call, config.dbClusterId);
  const ownMember = global.members.find((m) => m.arn === own.arn);
  const ownIsWriter = ownMember?.isWriter === true;
  const lag = await readLagTolerant(deps, nowMs);
  const promotionReady = isPromotionReady(global, ownMember, own.status, lag, config.promotionReadyMaxLagMs);

  let counter: CounterState | null = null;
  let action: MonitorAction | "act" = "none";
  let incident: string | undefined;
  let executionArn: string | undefined;
  const decider = config.role === "decider" ? config.decider : undefined;
  if (decider) {
    counter = await recordCheck(clients.dynamodb, call, {
      tableName: decider.stateTableName,
      key: counterKey(config.globalClusterId),
      healthy,
      checkAt: checkBucket(nowMs, config.checkIntervalSeconds),
      nowMs,
    });
    if (counter.duplicate) log.info("check.duplicate-tick", { lastCheckAt: counter.lastCheckAt });
    action = decide(healthy, counter, config.failureThreshold, global, ownMember);
    if (action === "act" && counter.streakStartedAt !== null && global.writer) {
      incident = incidentExecutionName(config.globalClusterId, global.writer.arn, counter.streakStartedAt);
      if (counter.actedIncident === incident) {
        action = "already-acted";
      } else {
        const acted = await act(deps, decider, { incident, writer: global.writer, streakStartedAt: counter.streakStartedAt, probe, lag });
        action = acted.action;
        executionArn = acted.executionArn;
        await markActed(clients.dynamodb, call, {
          tableName: decider.stateTableName,
          key: counterKey(config.globalClusterId),
          streakStartedAt: counter.streakStartedAt,
          incident,
          nowMs: deps.clock(),
        });
      }
    }
  }

  return {
    role: config.role,
    activeRegionHealthy: healthy,
    probe,
    consecutiveFailures: counter ? counter.consecutiveFailures : null,
    threshold: config.failureThreshold,
    action: action === "act" ? "none" : action,
    ...(incident ? { incident } : {}),
    ...(executionArn ? { executionArn } : {}),
    ...(global.writer ? { writerArn: global.writer.arn } : {}),
    ownIsWriter,
    lag,
    promotionReady,
  };
}

function decide(
  healthy: boolean,
  counter: CounterState,
  threshold: number,
  global: GlobalClusterView,
  ownMember: MemberView | undefined,
): MonitorAction | "act" {
  if (healthy) return "none";
  if (counter.consecutiveFailures < threshold) return "below-threshold";
  if (!ownMember) return "not-a-member";
  if (ownMember.isWriter) return "own-region-is-writer";
  if (global.failover) return "failover-in-progress";
  if (!global.writer) return "failover-in-progress"; // no writer visible: a failover is settling
  return "act";
}

function isPromotionReady(global: GlobalClusterView, ownMember: MemberView | undefined, ownStatus: string, lag: LagReading, maxLagMs: number): boolean {
  if (!ownMember || ownMember.isWriter || global.failover) return false;
  if (ownStatus !== "available" || global.status !== "available") return false;
  if (ownMember.synchronizationStatus !== undefined && ownMember.synchronizationStatus !== "connected") return false;
  return lag.replicationLagMs !== null && lag.replicationLagMs <= maxLagMs;
}

async function readLagTolerant(deps: MonitorDeps, nowMs: number): Promise<LagReading> {
  try {
    return await readLag(deps.clients.cloudwatch, deps.call, deps.config.dbClusterId, nowMs, deps.config.lagLookbackSeconds);
  } catch (error) {
    // The verdict does not depend on lag; a failed read must not hide a failed region.
    deps.log.warn("lag.read-failed", { error: errorName(error), message: errorMessage(error) });
    return { replicationLagMs: null, rpoLagMs: null };
  }
}

async function act(
  deps: MonitorDeps,
  decider: NonNullable<MonitorConfig["decider"]>,
  incident: { incident: string; writer: MemberView; streakStartedAt: number; probe: ProbeResult; lag: LagReading },
): Promise<{ action: MonitorAction; executionArn?: string }> {
  const { config, clients, call, log } = deps;
  const detectedAt = new Date(incident.streakStartedAt * 1000).toISOString();
  const reason =
    `${config.failureThreshold} consecutive failed checks of ${config.activeEndpointUrl} ` +
    `(last: ${incident.probe.status ?? incident.probe.error ?? "not ok"}) from ${config.region}`;
  // Deterministic input: a repeated StartExecution with the same name and input is accepted by Step Functions.
  const request: FailoverRequest = {
    mode: "failover",
    strategy: "auto",
    approvalRequired: decider.authority === "approval",
    dryRun: false,
    reason,
    incidentId: incident.incident,
    observedWriterArn: incident.writer.arn,
    detectedAt,
  };

  let executionArn: string | undefined;
  if (decider.authority !== "manual" && decider.stateMachineArn) {
    const stateMachineArn = decider.stateMachineArn;
    try {
      const started = await call("StartExecution", () =>
        clients.sfn.send(new StartExecutionCommand({ stateMachineArn, name: incident.incident, input: JSON.stringify(request) })),
      );
      executionArn = started.executionArn;
      log.warn("failover.started", { incident: incident.incident, executionArn, authority: decider.authority });
    } catch (error) {
      if (!isAwsError(error, "ExecutionAlreadyExists")) throw error;
      executionArn = executionArnFor(stateMachineArn, incident.incident);
      log.info("failover.already-started", { incident: incident.incident, executionArn });
    }
  }

  if (decider.authority !== "automatic") {
    const subject =
      decider.authority === "approval"
        ? `[DR ${config.environment}] Failover to ${config.region} awaits approval`
        : `[DR ${config.environment}] Active region failed: manual failover to ${config.region} required`;
    await call("Publish", () =>
      clients.sns.send(
        new PublishCommand({
          TopicArn: decider.topicArn,
          Subject: subject.slice(0, 100),
          Message: JSON.stringify({
            kind: decider.authority === "approval" ? "failover-approval-required" : "failover-manual-action-required",
            environment: config.environment,
            standbyRegion: config.region,
            globalClusterId: config.globalClusterId,
            writerArn: incident.writer.arn,
            incident: incident.incident,
            detectedAt,
            reason,
            replicationLagMs: incident.lag.replicationLagMs,
            ...(executionArn ? { executionArn } : {}),
            instructions:
              decider.authority === "approval"
                ? "The failover execution waits for approval: its approval step pages the task token; send task success to proceed, failure to refuse."
                : `Start the failover state machine in ${config.region} with input ${JSON.stringify({ mode: "failover", reason })}.`,
          }),
        }),
      ),
    );
    log.warn("failover.paged", { incident: incident.incident, authority: decider.authority });
  }
  return { action: decider.authority === "automatic" ? "started" : decider.authority === "approval" ? "approval-requested" : "paged", executionArn };
}

/** arn:aws:states:r:acct:stateMachine:name + execution -> arn:aws:states:r:acct:execution:name:execution */
export function executionArnFor(stateMachineArn: string, executionName: string): string {
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${executionName}`;
}

async function publishVerdict(deps: MonitorDeps, outcome: Omit<CheckOutcome, "gates">, nowMs: number): Promise<void> {
  const { config } = deps;
  const dimensions = monitorDimensions(config.environment, config.region);
  const timestamp = new Date(nowMs);
  const datum = (name: string, value: number, unit: StandardUnit) => ({ MetricName: name, Dimensions: dimensions, Value: value, Unit: unit, Timestamp: timestamp });
  const data = [
    datum(MONITOR_METRICS.activeRegionHealthy, outcome.activeRegionHealthy ? 1 : 0, "None"),
    datum(MONITOR_METRICS.promotionReady, outcome.promotionReady ? 1 : 0, "None"),
    datum(MONITOR_METRICS.probeLatency, outcome.probe.latencyMs, "Milliseconds"),
  ];
  if (outcome.consecutiveFailures !== null) data.push(datum(MONITOR_METRICS.consecutiveFailures, outcome.consecutiveFailures, "Count"));
  if (outcome.lag.replicationLagMs !== null) data.push(datum(MONITOR_METRICS.replicationLag, outcome.lag.replicationLagMs, "Milliseconds"));
  if (outcome.lag.rpoLagMs !== null) data.push(datum(MONITOR_METRICS.rpoLag, outcome.lag.rpoLagMs, "Milliseconds"));
  await deps.call("PutMetricData", () => deps.clients.cloudwatch.send(new PutMetricDataCommand({ Namespace: config.metricNamespace, MetricData: data })));
}

/** The Lambda handler over the given collaborators: failures become typed errors (see shared/errors.ts). */
export function createMonitorHandler(deps: MonitorDeps): () => Promise<CheckOutcome> {
  return async () => {
    try {
      return await runHealthCheck(deps);
    } catch (error) {
      const outcome = toOutcomeError(error);
      deps.log.error("check.failed", { error: outcome, retryable: outcome.retryable });
      throw outcome;
    }
  };
}
