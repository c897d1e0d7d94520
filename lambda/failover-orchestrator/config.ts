/**
 * Failover orchestrator configuration, read once from the environment.
 * "Own" region = the Lambda's region = the region being promoted.
 * "Peer" region = the other region (the old writer region during a failover).
 * Names of the service, load balancer, target group and tables are the same in
 * both regions; the client's region decides which region's resource it is.
 *
 * | variable                     | meaning                                                                     | default          |
 * |------------------------------|-----------------------------------------------------------------------------|------------------|
 * | ENVIRONMENT                  | environment name (logs, pages)                                              | required         |
 * | AWS_REGION                   | own region (set by Lambda)                                                  | required         |
 * | PEER_REGION                  | the other region                                                            | required         |
 * | GLOBAL_CLUSTER_ID            | Aurora global cluster identifier                                            | required         |
 * | DB_CLUSTER_ID                | own region's member cluster identifier                                      | required         |
 * | STATE_TABLE_NAME             | regional state table (locks, audit) of each region, hash key `pk` (S)       | required         |
 * | AUDIT_TABLE_NAME             | table for audit records                                                     | STATE_TABLE_NAME |
 * | CONTROL_TABLE_NAME           | the global control table (heartbeats, fences)                               | required         |
 * | TOPIC_ARN                    | SNS topic for notifications and approval requests                           | required         |
 * | ECS_CLUSTER / ECS_SERVICE    | the service (same names in both regions)                                    | required         |
 * | LOAD_BALANCER_NAME           | the load balancer whose gate rule is the region's gate                      | required         |
 * | OWN_HEALTH_URL               | https URL of own health path on own regional name (verify)                  | required         |
 * | OWN_GATE_URL                 | https URL of own gate path on own regional name (verify)                    | required         |
 * | PEER_PROBE_URL               | https URL of the peer's health path on its regional name (evidence)         | required         |
 * | PEER_WITNESS_ALIVE_NAME      | TXT witness of the peer's load balancer                                     | required         |
 * | PEER_WITNESS_SERVICE_NAME    | TXT witness of the peer's service                                           | required         |
 * | ACTIVE_MIN_CAPACITY          | task minimum of the writer region                                           | required         |
 * | STANDBY_MIN_CAPACITY         | task minimum of the standby region                                          | required         |
 * | MAX_CAPACITY                 | task maximum                                                                | required         |
 * | FAILOVER_AUTHORITY           | automatic \| approval \| manual (approval: the monitor's runs wait for one) | required         |
 * | RPO_SECONDS                  | targets.rpoSeconds                                                          | required         |
 * | ON_RPO_BREACH                | escalate \| proceed: a forced failover with lag above the RPO or unknown    | escalate         |
 * | RPO_ENFORCEMENT              | database (rds.global_db_rpo bounds the loss: nothing to escalate) \| alarm  | alarm            |
 * | SAMPLE_INTERVAL_SECONDS      | the monitors' sample interval (a fence reaches the old region's gate within one sample) | 10   |
 * | STALE_HEARTBEAT_SECONDS      | a heartbeat older than this is stale                                        | 30               |
 * | REPLICATION_STALL_MS         | replication lag at or above this is a stall                                 | 30000            |
 * | REPLICATION_STALL_SECONDS    | no lag datapoint newer than this is a stall                                 | 180              |
 * | REPLICATION_ALLOWANCE_SECONDS| worst-case control-table replication between the regions (drain, loss window) | 10             |
 * | INFLIGHT_ALLOWANCE_SECONDS   | time a request accepted before the gate closed may still take (drain)       | 10               |
 * | DATA_LOSS_MARGIN_SECONDS     | safety margin added to each store's loss window                             | 5                |
 * | LOCK_TTL_SECONDS             | lock lifetime (and fence lease), renewed at every mutating step             | 1800             |
 * | POLL_INTERVAL_SECONDS        | interval between DescribeGlobalClusters polls while awaiting the writer     | 10               |
 * | MAX_WAIT_SECONDS             | awaitWriter budget per invocation (keep below the Lambda timeout)           | 600              |
 * | PROBE_TIMEOUT_MS             | HTTPS probe timeout                                                         | 5000             |
 * | DNS_TIMEOUT_MS               | witness lookup timeout                                                      | 2000             |
 * | PEER_TIMEOUT_MS              | request timeout of calls to the peer region                                 | 5000             |
 * | VERIFY_ATTEMPTS              | probes of this region before EndpointUnhealthyError                         | 6                |
 * | VERIFY_INTERVAL_SECONDS      | pause between verification probes                                           | 10               |
 * | FAILBACK_MAX_LAG_MS          | a secondary at or below this lag counts as synchronized                     | 1000             |
 * | LAG_LOOKBACK_SECONDS         | how far back GetMetricData looks for the latest lag                         | 3600             |
 * | RETRY_MAX_ATTEMPTS           | attempts per own-region AWS call (throttling, 5xx)                          | 4                |
 * | RETRY_BASE_DELAY_MS          | first backoff delay, doubled per retry                                      | 200              |
 * | PEER_RETRY_MAX_ATTEMPTS      | attempts per peer-region call                                               | 2                |
 * | LOG_LEVEL                    | debug \| info \| warn \| error                                              | info             |
 */
import { EcsService } from "../shared/capacity";
import { EnvReader, EnvSource } from "../shared/env";
import { ConfigurationError } from "../shared/errors";
import { RetryPolicy } from "../shared/retry";
import { ORCHESTRATOR_ENVIRONMENT } from "./environment";

/** The variables the infrastructure writes (environment.ts). */
const W = ORCHESTRATOR_ENVIRONMENT.names;

export const AUTHORITIES = ["automatic", "approval", "manual"] as const;
export type Authority = (typeof AUTHORITIES)[number];
export const RPO_BREACH_ACTIONS = ["escalate", "proceed"] as const;
export type RpoBreachAction = (typeof RPO_BREACH_ACTIONS)[number];
export const RPO_ENFORCEMENTS = ["database", "alarm"] as const;
export type RpoEnforcement = (typeof RPO_ENFORCEMENTS)[number];

export interface OrchestratorConfig {
  readonly environment: string;
  readonly region: string;
  readonly peerRegion: string;
  readonly globalClusterId: string;
  readonly dbClusterId: string;
  readonly stateTableName: string;
  readonly auditTableName: string;
  readonly controlTableName: string;
  readonly topicArn: string;
  readonly service: EcsService;
  readonly loadBalancerName: string;
  readonly ownHealthUrl: string;
  readonly ownGateUrl: string;
  readonly peerProbeUrl: string;
  readonly peerWitnessAliveName: string;
  readonly peerWitnessServiceName: string;
  readonly activeMinCapacity: number;
  readonly standbyMinCapacity: number;
  readonly maxCapacity: number;
  readonly authority: Authority;
  readonly rpoSeconds: number;
  readonly onRpoBreach: RpoBreachAction;
  /** database: the primary refuses commits that no secondary holds within the RPO, so a forced failover loses at most the RPO. */
  readonly rpoEnforcement: RpoEnforcement;
  readonly sampleIntervalSeconds: number;
  readonly staleHeartbeatSeconds: number;
  readonly replicationStallMs: number;
  readonly replicationStallSeconds: number;
  readonly replicationAllowanceSeconds: number;
  readonly inflightAllowanceSeconds: number;
  readonly dataLossMarginSeconds: number;
  readonly lockTtlSeconds: number;
  readonly pollIntervalSeconds: number;
  readonly maxWaitSeconds: number;
  readonly probeTimeoutMs: number;
  readonly dnsTimeoutMs: number;
  readonly peerTimeoutMs: number;
  readonly verifyAttempts: number;
  readonly verifyIntervalSeconds: number;
  readonly failbackMaxLagMs: number;
  readonly lagLookbackSeconds: number;
  readonly retry: RetryPolicy;
  readonly peerRetry: RetryPolicy;
}

export function loadOrchestratorConfig(source: EnvSource): OrchestratorConfig {
  const env = new EnvReader(source);
  const region = env.region("AWS_REGION");
  const peerRegion = env.region(W.peerRegion);
  if (peerRegion === region) throw new ConfigurationError(W.peerRegion, "must differ from the Lambda's own region", peerRegion);
  const stateTableName = env.string(W.stateTableName);
  const activeMinCapacity = env.requiredInt(W.activeMinCapacity, { min: 1 });
  const standbyMinCapacity = env.requiredInt(W.standbyMinCapacity, { min: 0, max: activeMinCapacity });
  const maxCapacity = env.requiredInt(W.maxCapacity, { min: activeMinCapacity });
  const baseDelayMs = env.int("RETRY_BASE_DELAY_MS", 200, { min: 0, max: 10_000 });
  return {
    environment: env.string(W.environment),
    region,
    peerRegion,
    globalClusterId: env.string(W.globalClusterId),
    dbClusterId: env.string(W.dbClusterId),
    stateTableName,
    auditTableName: env.optionalString(W.auditTableName) ?? stateTableName,
    controlTableName: env.string(W.controlTableName),
    topicArn: env.arn(W.topicArn, "sns"),
    service: { cluster: env.string(W.ecsCluster), service: env.string(W.ecsService) },
    loadBalancerName: env.string(W.loadBalancerName),
    ownHealthUrl: env.httpsUrl(W.ownHealthUrl),
    ownGateUrl: env.httpsUrl(W.ownGateUrl),
    peerProbeUrl: env.httpsUrl(W.peerProbeUrl),
    peerWitnessAliveName: env.string(W.peerWitnessAliveName),
    peerWitnessServiceName: env.string(W.peerWitnessServiceName),
    activeMinCapacity,
    standbyMinCapacity,
    maxCapacity,
    authority: env.oneOf(W.authority, AUTHORITIES),
    rpoSeconds: env.requiredInt(W.rpoSeconds, { min: 1 }),
    onRpoBreach: env.oneOf(W.onRpoBreach, RPO_BREACH_ACTIONS, "escalate"),
    rpoEnforcement: env.oneOf(W.rpoEnforcement, RPO_ENFORCEMENTS, "alarm"),
    sampleIntervalSeconds: env.int(W.sampleIntervalSeconds, 10, { min: 1, max: 60 }),
    staleHeartbeatSeconds: env.int(W.staleHeartbeatSeconds, 30, { min: 2, max: 3_600 }),
    replicationStallMs: env.int("REPLICATION_STALL_MS", 30_000, { min: 1_000 }),
    replicationStallSeconds: env.int(W.replicationStallSeconds, 180, { min: 60, max: 3_600 }),
    replicationAllowanceSeconds: env.int("REPLICATION_ALLOWANCE_SECONDS", 10, { min: 0, max: 600 }),
    inflightAllowanceSeconds: env.int(W.inflightAllowanceSeconds, 10, { min: 0, max: 600 }),
    dataLossMarginSeconds: env.int("DATA_LOSS_MARGIN_SECONDS", 5, { min: 0, max: 3_600 }),
    lockTtlSeconds: env.int(W.lockTtlSeconds, 1_800, { min: 60, max: 86_400 }),
    pollIntervalSeconds: env.int(W.pollIntervalSeconds, 10, { min: 1, max: 300 }),
    maxWaitSeconds: env.int(W.maxWaitSeconds, 600, { min: 0, max: 870 }),
    probeTimeoutMs: env.int(W.probeTimeoutMs, 5_000, { min: 100, max: 30_000 }),
    dnsTimeoutMs: env.int("DNS_TIMEOUT_MS", 2_000, { min: 100, max: 10_000 }),
    peerTimeoutMs: env.int(W.peerTimeoutMs, 5_000, { min: 100, max: 60_000 }),
    verifyAttempts: env.int("VERIFY_ATTEMPTS", 6, { min: 1, max: 100 }),
    verifyIntervalSeconds: env.int("VERIFY_INTERVAL_SECONDS", 10, { min: 0, max: 300 }),
    failbackMaxLagMs: env.int("FAILBACK_MAX_LAG_MS", 1_000, { min: 0 }),
    lagLookbackSeconds: env.int("LAG_LOOKBACK_SECONDS", 3_600, { min: 60, max: 3_600 }),
    retry: { maxAttempts: env.int("RETRY_MAX_ATTEMPTS", 4, { min: 1, max: 10 }), baseDelayMs, maxDelayMs: 5_000 },
    peerRetry: { maxAttempts: env.int("PEER_RETRY_MAX_ATTEMPTS", 2, { min: 1, max: 5 }), baseDelayMs, maxDelayMs: 2_000 },
  };
}
