/**
 * Failover orchestrator configuration, read once from the environment.
 * "Own" region = the Lambda's region = the region being promoted.
 * "Peer" region = the other region (the old active region during a failover).
 *
 * | variable                  | meaning                                                                    | default          |
 * |---------------------------|----------------------------------------------------------------------------|------------------|
 * | ENVIRONMENT               | environment name (gate metric dimension, logs)                             | required         |
 * | AWS_REGION                | own region (set by Lambda)                                                 | required         |
 * | PEER_REGION               | the other region                                                           | required         |
 * | GLOBAL_CLUSTER_ID         | Aurora global cluster identifier                                           | required         |
 * | DB_CLUSTER_ID             | own region's member cluster identifier                                     | required         |
 * | STATE_TABLE_NAME          | own region's non-global lock/state table, hash key `pk` (S)                | required         |
 * | AUDIT_TABLE_NAME          | table for audit records, hash key `pk` (S)                                 | STATE_TABLE_NAME |
 * | TOPIC_ARN                 | SNS topic for notifications and approval requests                          | required         |
 * | OWN_ENDPOINT_URL          | https health URL of own region's regional endpoint (verify step)           | required         |
 * | OWN_ECS_CLUSTER           | own region's ECS cluster name                                              | required         |
 * | OWN_ECS_SERVICE           | own region's ECS service name                                              | required         |
 * | PEER_ECS_CLUSTER          | peer region's ECS cluster name                                             | required         |
 * | PEER_ECS_SERVICE          | peer region's ECS service name                                             | required         |
 * | ACTIVE_MIN_CAPACITY       | task minimum of the active region                                          | required         |
 * | STANDBY_MIN_CAPACITY      | task minimum of the standby region (old region after failback)             | required         |
 * | MAX_CAPACITY              | task maximum of the active region                                          | required         |
 * | LOCK_TTL_SECONDS          | single-flight lock lifetime, renewed at every mutating step                | 1800             |
 * | POLL_INTERVAL_SECONDS     | first DescribeGlobalClusters poll interval (x1.5 per poll)                 | 10               |
 * | MAX_POLL_INTERVAL_SECONDS | poll interval cap                                                          | 60               |
 * | MAX_WAIT_SECONDS          | awaitWriter budget per invocation (keep < Lambda timeout)                  | 600              |
 * | PROBE_TIMEOUT_MS          | HTTPS probe timeout                                                        | 5000             |
 * | PEER_TIMEOUT_MS           | request timeout of calls to the peer region (fencing, health)              | 5000             |
 * | VERIFY_ATTEMPTS           | probes of the new region before EndpointUnhealthyError                     | 6                |
 * | VERIFY_INTERVAL_SECONDS   | pause between verification probes                                          | 10               |
 * | FAILBACK_MAX_LAG_MS       | failback needs own replication lag at or below this                        | 1000             |
 * | LAG_LOOKBACK_SECONDS      | how far back GetMetricData looks for the latest lag                        | 300              |
 * | RETRY_MAX_ATTEMPTS        | attempts per own-region AWS call (throttling, 5xx)                         | 4                |
 * | RETRY_BASE_DELAY_MS       | first backoff delay, doubled per retry                                     | 200              |
 * | PEER_RETRY_MAX_ATTEMPTS   | attempts per peer-region call                                              | 2                |
 * | LOG_LEVEL                 | debug \| info \| warn \| error                                             | info             |
 */
import { EnvReader, EnvSource } from "../shared/env";
import { ConfigurationError } from "../shared/errors";
import { RetryPolicy } from "../shared/retry";

export interface EcsService {
  readonly cluster: string;
  readonly service: string;
}

export interface OrchestratorConfig {
  readonly environment: string;
  readonly region: string;
  readonly peerRegion: string;
  readonly globalClusterId: string;
  readonly dbClusterId: string;
  readonly stateTableName: string;
  readonly auditTableName: string;
  readonly topicArn: string;
  readonly ownEndpointUrl: string;
  readonly ownService: EcsService;
  readonly peerService: EcsService;
  readonly activeMinCapacity: number;
  readonly standbyMinCapacity: number;
  readonly maxCapacity: number;
  readonly lockTtlSeconds: number;
  readonly pollIntervalSeconds: number;
  readonly maxPollIntervalSeconds: number;
  readonly maxWaitSeconds: number;
  readonly probeTimeoutMs: number;
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
  const peerRegion = env.region("PEER_REGION");
  if (peerRegion === region) throw new ConfigurationError("PEER_REGION", "must differ from the Lambda's own region", peerRegion);
  const stateTableName = env.string("STATE_TABLE_NAME");
  const activeMinCapacity = env.requiredInt("ACTIVE_MIN_CAPACITY", { min: 1 });
  const standbyMinCapacity = env.requiredInt("STANDBY_MIN_CAPACITY", { min: 0, max: activeMinCapacity });
  const maxCapacity = env.requiredInt("MAX_CAPACITY", { min: activeMinCapacity });
  const baseDelayMs = env.int("RETRY_BASE_DELAY_MS", 200, { min: 0, max: 10_000 });
  return {
    environment: env.string("ENVIRONMENT"),
    region,
    peerRegion,
    globalClusterId: env.string("GLOBAL_CLUSTER_ID"),
    dbClusterId: env.string("DB_CLUSTER_ID"),
    stateTableName,
    auditTableName: env.optionalString("AUDIT_TABLE_NAME") ?? stateTableName,
    topicArn: env.arn("TOPIC_ARN", "sns"),
    ownEndpointUrl: env.httpsUrl("OWN_ENDPOINT_URL"),
    ownService: { cluster: env.string("OWN_ECS_CLUSTER"), service: env.string("OWN_ECS_SERVICE") },
    peerService: { cluster: env.string("PEER_ECS_CLUSTER"), service: env.string("PEER_ECS_SERVICE") },
    activeMinCapacity,
    standbyMinCapacity,
    maxCapacity,
    lockTtlSeconds: env.int("LOCK_TTL_SECONDS", 1_800, { min: 60, max: 86_400 }),
    pollIntervalSeconds: env.int("POLL_INTERVAL_SECONDS", 10, { min: 1, max: 300 }),
    maxPollIntervalSeconds: env.int("MAX_POLL_INTERVAL_SECONDS", 60, { min: 1, max: 600 }),
    maxWaitSeconds: env.int("MAX_WAIT_SECONDS", 600, { min: 0, max: 870 }),
    probeTimeoutMs: env.int("PROBE_TIMEOUT_MS", 5_000, { min: 100, max: 30_000 }),
    peerTimeoutMs: env.int("PEER_TIMEOUT_MS", 5_000, { min: 100, max: 60_000 }),
    verifyAttempts: env.int("VERIFY_ATTEMPTS", 6, { min: 1, max: 100 }),
    verifyIntervalSeconds: env.int("VERIFY_INTERVAL_SECONDS", 10, { min: 0, max: 300 }),
    failbackMaxLagMs: env.int("FAILBACK_MAX_LAG_MS", 1_000, { min: 0 }),
    lagLookbackSeconds: env.int("LAG_LOOKBACK_SECONDS", 300, { min: 60, max: 3_600 }),
    retry: { maxAttempts: env.int("RETRY_MAX_ATTEMPTS", 4, { min: 1, max: 10 }), baseDelayMs, maxDelayMs: 5_000 },
    peerRetry: { maxAttempts: env.int("PEER_RETRY_MAX_ATTEMPTS", 2, { min: 1, max: 5 }), baseDelayMs, maxDelayMs: 2_000 },
  };
}

/** Application Auto Scaling resource id of an ECS service. */
export function ecsResourceId(service: EcsService): string {
  return `service/${service.cluster}/${service.service}`;
}
