/**
 * The health monitor's environment contract: what the infrastructure
 * (constructs/failover/failover-automation.ts) writes and config.ts reads.
 * Tuning variables that configuration does not decide (RUN_SECONDS, DNS and
 * retry settings, LOG_LEVEL, PROMOTION_READY_MAX_LAG_MS, LAG_LOOKBACK_SECONDS,
 * METRIC_NAMESPACE, REPLICATION_STALL_MS) keep config.ts's defaults.
 */
import { envContract } from "../shared/env-contract";

export interface MonitorEnvironment {
  readonly environment: string;
  readonly peerRegion: string;
  readonly globalClusterId: string;
  readonly dbClusterId: string;
  readonly stateTableName: string;
  readonly controlTableName: string;
  readonly ecsCluster: string;
  readonly ecsService: string;
  readonly loadBalancerName: string;
  readonly targetGroupName: string;
  readonly activeMinCapacity: number;
  readonly standbyMinCapacity: number;
  readonly maxCapacity: number;
  readonly peerProbeUrl: string;
  readonly peerWitnessAliveName: string;
  readonly peerWitnessServiceName: string;
  readonly authority: string;
  /** Absent in manual mode. */
  readonly stateMachineArn?: string;
  readonly topicArn: string;
  readonly sampleIntervalSeconds: number;
  readonly consecutiveSamples: number;
  readonly staleHeartbeatSeconds: number;
  readonly replicationStallSeconds: number;
  readonly maxAttempts: number;
  readonly probeTimeoutMs: number;
  /** Own region's reconciliation state machine, started after an unplanned failover once the old region is back (lambda/reconciler/trigger.ts). Absent: never started. */
  readonly reconciliationStateMachineArn?: string;
}

export const MONITOR_ENVIRONMENT = envContract<MonitorEnvironment>({
  environment: "ENVIRONMENT",
  peerRegion: "PEER_REGION",
  globalClusterId: "GLOBAL_CLUSTER_ID",
  dbClusterId: "DB_CLUSTER_ID",
  stateTableName: "STATE_TABLE_NAME",
  controlTableName: "CONTROL_TABLE_NAME",
  ecsCluster: "ECS_CLUSTER",
  ecsService: "ECS_SERVICE",
  loadBalancerName: "LOAD_BALANCER_NAME",
  targetGroupName: "TARGET_GROUP_NAME",
  activeMinCapacity: "ACTIVE_MIN_CAPACITY",
  standbyMinCapacity: "STANDBY_MIN_CAPACITY",
  maxCapacity: "MAX_CAPACITY",
  peerProbeUrl: "PEER_PROBE_URL",
  peerWitnessAliveName: "PEER_WITNESS_ALIVE_NAME",
  peerWitnessServiceName: "PEER_WITNESS_SERVICE_NAME",
  authority: "FAILOVER_AUTHORITY",
  stateMachineArn: "STATE_MACHINE_ARN",
  topicArn: "TOPIC_ARN",
  sampleIntervalSeconds: "SAMPLE_INTERVAL_SECONDS",
  consecutiveSamples: "CONSECUTIVE_SAMPLES",
  staleHeartbeatSeconds: "STALE_HEARTBEAT_SECONDS",
  replicationStallSeconds: "REPLICATION_STALL_SECONDS",
  maxAttempts: "MAX_ATTEMPTS",
  probeTimeoutMs: "PROBE_TIMEOUT_MS",
  reconciliationStateMachineArn: "RECONCILIATION_STATE_MACHINE_ARN",
});
