/**
 * The failover orchestrator's environment contract: what the infrastructure
 * (constructs/failover/failover-automation.ts) writes and config.ts reads.
 * Tuning variables that configuration does not decide (retries, DNS and
 * verification settings, the drain and loss-window allowances other than the
 * in-flight one, LOG_LEVEL) keep config.ts's defaults.
 */
import { envContract } from "../shared/env-contract";

export interface OrchestratorEnvironment {
  readonly environment: string;
  readonly peerRegion: string;
  readonly globalClusterId: string;
  readonly dbClusterId: string;
  readonly stateTableName: string;
  readonly auditTableName: string;
  readonly controlTableName: string;
  readonly topicArn: string;
  readonly ecsCluster: string;
  readonly ecsService: string;
  readonly loadBalancerName: string;
  readonly ownHealthUrl: string;
  readonly ownGateUrl: string;
  readonly peerProbeUrl: string;
  readonly peerWitnessAliveName: string;
  readonly peerWitnessServiceName: string;
  readonly activeMinCapacity: number;
  readonly standbyMinCapacity: number;
  readonly maxCapacity: number;
  readonly authority: string;
  readonly rpoSeconds: number;
  readonly onRpoBreach: string;
  /** "database" where rds.global_db_rpo bounds what a forced failover can lose (Aurora PostgreSQL), else "alarm". */
  readonly rpoEnforcement: string;
  readonly sampleIntervalSeconds: number;
  readonly staleHeartbeatSeconds: number;
  readonly replicationStallSeconds: number;
  readonly inflightAllowanceSeconds: number;
  readonly lockTtlSeconds: number;
  readonly pollIntervalSeconds: number;
  /** One awaitWriter invocation's wait: failover.maxWaitSeconds split into slices that fit the Lambda timeout. */
  readonly maxWaitSeconds: number;
  readonly probeTimeoutMs: number;
  readonly peerTimeoutMs: number;
}

export const ORCHESTRATOR_ENVIRONMENT = envContract<OrchestratorEnvironment>({
  environment: "ENVIRONMENT",
  peerRegion: "PEER_REGION",
  globalClusterId: "GLOBAL_CLUSTER_ID",
  dbClusterId: "DB_CLUSTER_ID",
  stateTableName: "STATE_TABLE_NAME",
  auditTableName: "AUDIT_TABLE_NAME",
  controlTableName: "CONTROL_TABLE_NAME",
  topicArn: "TOPIC_ARN",
  ecsCluster: "ECS_CLUSTER",
  ecsService: "ECS_SERVICE",
  loadBalancerName: "LOAD_BALANCER_NAME",
  ownHealthUrl: "OWN_HEALTH_URL",
  ownGateUrl: "OWN_GATE_URL",
  peerProbeUrl: "PEER_PROBE_URL",
  peerWitnessAliveName: "PEER_WITNESS_ALIVE_NAME",
  peerWitnessServiceName: "PEER_WITNESS_SERVICE_NAME",
  activeMinCapacity: "ACTIVE_MIN_CAPACITY",
  standbyMinCapacity: "STANDBY_MIN_CAPACITY",
  maxCapacity: "MAX_CAPACITY",
  authority: "FAILOVER_AUTHORITY",
  rpoSeconds: "RPO_SECONDS",
  onRpoBreach: "ON_RPO_BREACH",
  rpoEnforcement: "RPO_ENFORCEMENT",
  sampleIntervalSeconds: "SAMPLE_INTERVAL_SECONDS",
  staleHeartbeatSeconds: "STALE_HEARTBEAT_SECONDS",
  replicationStallSeconds: "REPLICATION_STALL_SECONDS",
  inflightAllowanceSeconds: "INFLIGHT_ALLOWANCE_SECONDS",
  lockTtlSeconds: "LOCK_TTL_SECONDS",
  pollIntervalSeconds: "POLL_INTERVAL_SECONDS",
  maxWaitSeconds: "MAX_WAIT_SECONDS",
  probeTimeoutMs: "PROBE_TIMEOUT_MS",
  peerTimeoutMs: "PEER_TIMEOUT_MS",
});
