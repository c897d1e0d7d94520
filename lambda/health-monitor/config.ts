/**
 * Health monitor configuration, read once from the environment. The same
 * function runs in both regions with the same variables except the region's
 * own values; which part of its work applies (writer or standby) follows the
 * global cluster's writer as read at each sample, never a deploy-time role.
 *
 * | variable                    | meaning                                                                       | default            |
 * |-----------------------------|-------------------------------------------------------------------------------|--------------------|
 * | ENVIRONMENT                 | environment name (metric dimension, logs)                                     | required           |
 * | AWS_REGION                  | own region (set by Lambda)                                                    | required           |
 * | PEER_REGION                 | the other region                                                              | required           |
 * | GLOBAL_CLUSTER_ID           | Aurora global cluster identifier                                              | required           |
 * | DB_CLUSTER_ID               | own region's member cluster identifier                                        | required           |
 * | STATE_TABLE_NAME            | own region's regional state table (counter, lock), hash key `pk` (S)          | required           |
 * | CONTROL_TABLE_NAME          | the global control table (heartbeats, fences), hash key `pk` (S)              | required           |
 * | ECS_CLUSTER / ECS_SERVICE   | the service (same names in both regions)                                      | required           |
 * | LOAD_BALANCER_NAME          | the region's load balancer (its gate rule), same name in both regions         | required           |
 * | TARGET_GROUP_NAME           | the service's target group (healthy targets)                                  | required           |
 * | ACTIVE_MIN_CAPACITY         | task minimum of the writer region                                             | required           |
 * | STANDBY_MIN_CAPACITY        | task minimum of the standby region                                            | required           |
 * | MAX_CAPACITY                | task maximum                                                                  | required           |
 * | PEER_PROBE_URL              | https URL of the peer's health path on its regional name                      | required           |
 * | PEER_WITNESS_ALIVE_NAME     | TXT witness of the peer's load balancer (Route 53 `alive` check)              | required           |
 * | PEER_WITNESS_SERVICE_NAME   | TXT witness of the peer's service (Route 53 `app` check)                      | required           |
 * | FAILOVER_AUTHORITY          | `automatic` \| `approval` \| `manual`                                         | required           |
 * | STATE_MACHINE_ARN           | own region's failover runbook                                                 | required unless manual |
 * | TOPIC_ARN                   | SNS topic paged                                                               | required           |
 * | SAMPLE_INTERVAL_SECONDS     | seconds between samples within one invocation                                 | 10                 |
 * | RUN_SECONDS                 | how long one invocation keeps sampling (below the schedule period and timeout)| 55                 |
 * | CONSECUTIVE_SAMPLES         | consecutive actionable samples before an incident starts (2-10)               | 3                  |
 * | STALE_HEARTBEAT_SECONDS     | a heartbeat older than this is stale                                          | 30                 |
 * | REPLICATION_STALL_MS        | replication lag at or above this is a stall                                   | 30000              |
 * | REPLICATION_STALL_SECONDS   | no lag datapoint newer than this is a stall                                   | 180                |
 * | MAX_ATTEMPTS                | executions started per incident before it is escalated to a person            | 3                  |
 * | PROBE_TIMEOUT_MS            | HTTPS probe timeout                                                           | 5000               |
 * | DNS_TIMEOUT_MS              | witness lookup timeout                                                        | 2000               |
 * | PROMOTION_READY_MAX_LAG_MS  | lag under which this region is ready for a planned switchover                 | 1000               |
 * | LAG_LOOKBACK_SECONDS        | how far back GetMetricData looks for the latest lag                           | 300                |
 * | METRIC_NAMESPACE            | namespace of the verdict metrics                                              | DR/HealthMonitor   |
 * | RETRY_MAX_ATTEMPTS          | attempts per AWS call (throttling, 5xx)                                       | 3                  |
 * | RETRY_BASE_DELAY_MS         | first backoff delay, doubled per retry                                        | 200                |
 * | LOG_LEVEL                   | debug \| info \| warn \| error                                                | info               |
 * | RECONCILIATION_STATE_MACHINE_ARN | own region's reconciliation run, started once the old region is back after a forced failover | unset: never |
 */
import { EcsService } from "../shared/capacity";
import { EnvReader, EnvSource } from "../shared/env";
import { ConfigurationError } from "../shared/errors";
import { MONITOR_METRIC_NAMESPACE_DEFAULT } from "../shared/monitor-metrics";
import { RetryPolicy } from "../shared/retry";
import { MONITOR_ENVIRONMENT } from "./environment";

/** The variables the infrastructure writes (environment.ts). */
const W = MONITOR_ENVIRONMENT.names;

export const FAILOVER_AUTHORITIES = ["automatic", "approval", "manual"] as const;
export type FailoverAuthority = (typeof FAILOVER_AUTHORITIES)[number];

export interface MonitorConfig {
  readonly environment: string;
  readonly region: string;
  readonly peerRegion: string;
  readonly globalClusterId: string;
  readonly dbClusterId: string;
  readonly stateTableName: string;
  readonly controlTableName: string;
  readonly service: EcsService;
  readonly loadBalancerName: string;
  readonly targetGroupName: string;
  readonly activeMinCapacity: number;
  readonly standbyMinCapacity: number;
  readonly maxCapacity: number;
  readonly peerProbeUrl: string;
  readonly peerWitnessAliveName: string;
  readonly peerWitnessServiceName: string;
  readonly authority: FailoverAuthority;
  /** Absent in manual mode. */
  readonly stateMachineArn?: string;
  readonly topicArn: string;
  readonly sampleIntervalSeconds: number;
  readonly runSeconds: number;
  readonly consecutiveSamples: number;
  readonly staleHeartbeatSeconds: number;
  readonly replicationStallMs: number;
  readonly replicationStallSeconds: number;
  readonly maxAttempts: number;
  readonly probeTimeoutMs: number;
  readonly dnsTimeoutMs: number;
  readonly promotionReadyMaxLagMs: number;
  readonly lagLookbackSeconds: number;
  readonly metricNamespace: string;
  readonly retry: RetryPolicy;
  /** Unset: the reconciliation is never started by the monitor. */
  readonly reconciliationStateMachineArn?: string;
}

export function loadMonitorConfig(source: EnvSource): MonitorConfig {
  const env = new EnvReader(source);
  const region = env.region("AWS_REGION");
  const peerRegion = env.region(W.peerRegion);
  if (peerRegion === region) throw new ConfigurationError(W.peerRegion, "must differ from the Lambda's own region", peerRegion);
  const authority = env.oneOf(W.authority, FAILOVER_AUTHORITIES);
  const activeMinCapacity = env.requiredInt(W.activeMinCapacity, { min: 1 });
  const standbyMinCapacity = env.requiredInt(W.standbyMinCapacity, { min: 0, max: activeMinCapacity });
  const sampleIntervalSeconds = env.int(W.sampleIntervalSeconds, 10, { min: 1, max: 60 });
  const probeTimeoutMs = env.int(W.probeTimeoutMs, 5_000, { min: 100, max: 30_000 });
  if (probeTimeoutMs >= sampleIntervalSeconds * 1000) {
    throw new ConfigurationError(W.probeTimeoutMs, `must be below SAMPLE_INTERVAL_SECONDS (${sampleIntervalSeconds} s) so that samples do not overlap`, String(probeTimeoutMs));
  }
  return {
    environment: env.string(W.environment),
    region,
    peerRegion,
    globalClusterId: env.string(W.globalClusterId),
    dbClusterId: env.string(W.dbClusterId),
    stateTableName: env.string(W.stateTableName),
    controlTableName: env.string(W.controlTableName),
    service: { cluster: env.string(W.ecsCluster), service: env.string(W.ecsService) },
    loadBalancerName: env.string(W.loadBalancerName),
    targetGroupName: env.string(W.targetGroupName),
    activeMinCapacity,
    standbyMinCapacity,
    maxCapacity: env.requiredInt(W.maxCapacity, { min: activeMinCapacity }),
    peerProbeUrl: env.httpsUrl(W.peerProbeUrl),
    peerWitnessAliveName: env.string(W.peerWitnessAliveName),
    peerWitnessServiceName: env.string(W.peerWitnessServiceName),
    authority,
    ...(authority === "manual" ? {} : { stateMachineArn: env.arn(W.stateMachineArn, "states") }),
    topicArn: env.arn(W.topicArn, "sns"),
    sampleIntervalSeconds,
    runSeconds: env.int("RUN_SECONDS", 55, { min: 0, max: 840 }),
    consecutiveSamples: env.int(W.consecutiveSamples, 3, { min: 2, max: 10 }),
    staleHeartbeatSeconds: env.int(W.staleHeartbeatSeconds, 30, { min: sampleIntervalSeconds * 2, max: 3_600 }),
    replicationStallMs: env.int("REPLICATION_STALL_MS", 30_000, { min: 1_000 }),
    replicationStallSeconds: env.int(W.replicationStallSeconds, 180, { min: 60, max: 3_600 }),
    maxAttempts: env.int(W.maxAttempts, 3, { min: 1, max: 10 }),
    probeTimeoutMs,
    dnsTimeoutMs: env.int("DNS_TIMEOUT_MS", 2_000, { min: 100, max: 10_000 }),
    promotionReadyMaxLagMs: env.int("PROMOTION_READY_MAX_LAG_MS", 1_000, { min: 0 }),
    lagLookbackSeconds: env.int("LAG_LOOKBACK_SECONDS", 300, { min: 60, max: 3_600 }),
    metricNamespace: env.optionalString("METRIC_NAMESPACE") ?? MONITOR_METRIC_NAMESPACE_DEFAULT,
    retry: {
      maxAttempts: env.int("RETRY_MAX_ATTEMPTS", 3, { min: 1, max: 10 }),
      baseDelayMs: env.int("RETRY_BASE_DELAY_MS", 200, { min: 0, max: 10_000 }),
      maxDelayMs: 5_000,
    },
    ...(env.optionalString(W.reconciliationStateMachineArn) ? { reconciliationStateMachineArn: env.arn(W.reconciliationStateMachineArn, "states") } : {}),
  };
}
