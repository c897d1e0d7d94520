/**
 * The health monitor's published metrics (its verdict), for dashboards and
 * alarms. Plain constants, no side effects on import.
 *
 * Dimensions: Environment, Region (the region the monitor runs in, i.e. the
 * observer's region, not the observed one).
 */

export const MONITOR_METRIC_NAMESPACE_DEFAULT = "DR/HealthMonitor";

export const MONITOR_METRICS = {
  /** Standby only: 0 when the verdict on the writer region is actionable (service, database or region down), 1 when healthy or merely suspect. Unit None. */
  activeRegionHealthy: "ActiveRegionHealthy",
  /** Standby only: how many of the independent signals (heartbeat, witness, replication) say the writer region is down. Unit Count. */
  independentSignalsDown: "IndependentSignalsDown",
  /** Standby only: 1 when the sample's verdict is actionable. Unit None. */
  actionable: "ActionableVerdict",
  /** 1 when this region's cluster is a synchronized secondary with lag below the failback threshold: a planned switchover to it (failback) may start. Unit None. */
  promotionReady: "PromotionReady",
} as const;

export const MONITOR_DIMENSION_ENVIRONMENT = "Environment";
export const MONITOR_DIMENSION_REGION = "Region";

export function monitorDimensions(environment: string, region: string): { Name: string; Value: string }[] {
  return [
    { Name: MONITOR_DIMENSION_ENVIRONMENT, Value: environment },
    { Name: MONITOR_DIMENSION_REGION, Value: region },
  ];
}
