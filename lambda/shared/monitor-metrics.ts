/**
 * The health monitor's published metrics (its verdict), for dashboards and
 * alarms. Plain constants, no side effects on import.
 *
 * Dimensions: Environment, Region (the region the monitor runs in, i.e. the
 * observer's region, not the observed one).
 */

export const MONITOR_METRIC_NAMESPACE_DEFAULT = "DR/HealthMonitor";

export const MONITOR_METRICS = {
  /** 1 when the active region's endpoint answered 2xx within the probe timeout, else 0. Unit None. */
  activeRegionHealthy: "ActiveRegionHealthy",
  /** Consecutive bad checks so far (decider only). Unit Count. */
  consecutiveFailures: "ConsecutiveFailures",
  /** AuroraGlobalDBReplicationLag of this region's cluster, as read in this region. Unit Milliseconds. */
  replicationLag: "ReplicationLag",
  /** AuroraGlobalDBRPOLag of this region's cluster (Aurora PostgreSQL only). Unit Milliseconds. */
  rpoLag: "RPOLag",
  /** 1 when this region's cluster is a synchronized secondary with lag below the failback threshold: a planned switchover to it (failback) may start. Unit None. */
  promotionReady: "PromotionReady",
  /** Latency of the HTTPS probe. Unit Milliseconds. */
  probeLatency: "ProbeLatency",
} as const;

export const MONITOR_DIMENSION_ENVIRONMENT = "Environment";
export const MONITOR_DIMENSION_REGION = "Region";

export function monitorDimensions(environment: string, region: string): { Name: string; Value: string }[] {
  return [
    { Name: MONITOR_DIMENSION_ENVIRONMENT, Value: environment },
    { Name: MONITOR_DIMENSION_REGION, Value: region },
  ];
}
