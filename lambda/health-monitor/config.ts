/**
 * Health monitor configuration, read once from the environment.
 *
 * | variable                    | meaning                                                                 | default            |
 * |-----------------------------|-------------------------------------------------------------------------|--------------------|
 * | ROLE                        | `decider` (standby region: counts, acts) or `observer` (metrics only)   | required           |
 * | ENVIRONMENT                 | environment name (metric dimension, logs)                               | required           |
 * | AWS_REGION                  | the Lambda's own region (set by Lambda)                                 | required           |
 * | PEER_REGION                 | the other region (its traffic gate is republished too)                  | required           |
 * | GLOBAL_CLUSTER_ID           | Aurora global cluster identifier                                        | required           |
 * | DB_CLUSTER_ID               | this region's member cluster identifier                                 | required           |
 * | ACTIVE_ENDPOINT_URL         | https URL probed: the active region's regional health endpoint          | required           |
 * | STATE_TABLE_NAME            | this region's (non-global) lock/state table, hash key `pk` (S): the     | required           |
 * |                             | decider's counter; both roles read the traffic-gate decisions from it   |                    |
 * | FAILOVER_AUTHORITY          | `automatic` \| `approval` \| `manual`                                  | required (decider) |
 * | STATE_MACHINE_ARN           | failover state machine in this region                                   | required (decider, not manual) |
 * | TOPIC_ARN                   | SNS topic paged in approval/manual mode                                 | required (decider) |
 * | FAILURE_THRESHOLD           | consecutive bad checks before acting (1-10)                             | 3                  |
 * | CHECK_INTERVAL_SECONDS      | schedule period; one counted check per period                           | 60                 |
 * | PROBE_TIMEOUT_MS            | HTTPS probe timeout                                                     | 5000               |
 * | PROMOTION_READY_MAX_LAG_MS  | lag under which this region counts as ready for a planned switchover    | 1000               |
 * | LAG_LOOKBACK_SECONDS        | how far back GetMetricData looks for the latest lag datapoint           | 300                |
 * | METRIC_NAMESPACE            | namespace of the verdict metrics                                        | DR/HealthMonitor   |
 * | RETRY_MAX_ATTEMPTS          | attempts per AWS call (throttling, 5xx)                                 | 3                  |
 * | RETRY_BASE_DELAY_MS         | first backoff delay, doubled per retry                                  | 200                |
 * | LOG_LEVEL                   | debug \| info \| warn \| error                                          | info               |
 */
import { EnvReader, EnvSource } from "../shared/env";
import { ConfigurationError } from "../shared/errors";
import { MONITOR_METRIC_NAMESPACE_DEFAULT } from "../shared/monitor-metrics";
import { RetryPolicy } from "../shared/retry";

export const MONITOR_ROLES = ["decider", "observer"] as const;
export type MonitorRole = (typeof MONITOR_ROLES)[number];

export const FAILOVER_AUTHORITIES = ["automatic", "approval", "manual"] as const;
export type FailoverAuthority = (typeof FAILOVER_AUTHORITIES)[number];

export interface DeciderSettings {
  readonly authority: FailoverAuthority;
  readonly stateTableName: string;
  readonly topicArn: string;
  /** Absent in manual mode. */
  readonly stateMachineArn?: string;
}

export interface MonitorConfig {
  readonly role: MonitorRole;
  readonly environment: string;
  readonly region: string;
  readonly peerRegion: string;
  /** This region's state table: the traffic-gate decisions (both roles) and the decider's counter. */
  readonly stateTableName: string;
  readonly globalClusterId: string;
  readonly dbClusterId: string;
  readonly activeEndpointUrl: string;
  /** Present when role is decider. */
  readonly decider?: DeciderSettings;
  readonly failureThreshold: number;
  readonly checkIntervalSeconds: number;
  readonly probeTimeoutMs: number;
  readonly promotionReadyMaxLagMs: number;
  readonly lagLookbackSeconds: number;
  readonly metricNamespace: string;
  readonly retry: RetryPolicy;
}

export function loadMonitorConfig(source: EnvSource): MonitorConfig {
  const env = new EnvReader(source);
  const role = env.oneOf("ROLE", MONITOR_ROLES);
  const region = env.region("AWS_REGION");
  const peerRegion = env.region("PEER_REGION");
  if (peerRegion === region) throw new ConfigurationError("PEER_REGION", "must differ from the Lambda's own region", peerRegion);
  const stateTableName = env.string("STATE_TABLE_NAME");
  let decider: DeciderSettings | undefined;
  if (role === "decider") {
    const authority = env.oneOf("FAILOVER_AUTHORITY", FAILOVER_AUTHORITIES);
    decider = {
      authority,
      stateTableName,
      topicArn: env.arn("TOPIC_ARN", "sns"),
      ...(authority === "manual" ? {} : { stateMachineArn: env.arn("STATE_MACHINE_ARN", "states") }),
    };
  }
  return {
    role,
    environment: env.string("ENVIRONMENT"),
    region,
    peerRegion,
    stateTableName,
    globalClusterId: env.string("GLOBAL_CLUSTER_ID"),
    dbClusterId: env.string("DB_CLUSTER_ID"),
    activeEndpointUrl: env.httpsUrl("ACTIVE_ENDPOINT_URL"),
    ...(decider ? { decider } : {}),
    failureThreshold: env.int("FAILURE_THRESHOLD", 3, { min: 1, max: 10 }),
    checkIntervalSeconds: env.int("CHECK_INTERVAL_SECONDS", 60, { min: 10, max: 3600 }),
    probeTimeoutMs: env.int("PROBE_TIMEOUT_MS", 5_000, { min: 100, max: 30_000 }),
    promotionReadyMaxLagMs: env.int("PROMOTION_READY_MAX_LAG_MS", 1_000, { min: 0 }),
    lagLookbackSeconds: env.int("LAG_LOOKBACK_SECONDS", 300, { min: 60, max: 3600 }),
    metricNamespace: env.optionalString("METRIC_NAMESPACE") ?? MONITOR_METRIC_NAMESPACE_DEFAULT,
    retry: {
      maxAttempts: env.int("RETRY_MAX_ATTEMPTS", 3, { min: 1, max: 10 }),
      baseDelayMs: env.int("RETRY_BASE_DELAY_MS", 200, { min: 0, max: 10_000 }),
      maxDelayMs: 5_000,
    },
  };
}
