/**
 * The traffic-gate metric contract, shared by the Lambda code that publishes
 * the gate and the infrastructure code that alarms on it (a CloudWatch alarm
 * behind a Route 53 health check). Plain constants and pure functions only:
 * importing this module has no side effects and pulls in no SDK.
 *
 * Semantics:
 *  - one time series per (Environment, Region), where Region is the region
 *    whose traffic the gate controls (not the region that published it);
 *  - value GATE_OPEN (1) = send traffic to that region, GATE_CLOSED (0) = keep it away;
 *  - published when it changes (by the failover orchestrator) and republished
 *    every minute (by the health monitor of each region, from the decisions the
 *    orchestrator persists: gate-store.ts). The alarm still keeps its state
 *    between publications (a missed minute must not reopen a gate): treat
 *    missing data as "ignore", statistic Minimum over GATE_METRIC_PERIOD_SECONDS,
 *    evaluation 1 of 1, ALARM when value < 1 (so ALARM = gate closed = health
 *    check unhealthy);
 *  - the orchestrator publishes and persists both regions' gates in the region it
 *    runs in (the surviving region) and, best effort, in the other region too, so
 *    an alarm in either region sees the same values while that region is up; each
 *    region's monitor republishes what its own region's state table holds.
 */

export const GATE_METRIC_NAMESPACE = "DR/TrafficGate";
export const GATE_METRIC_NAME = "GateOpen";
export const GATE_METRIC_UNIT = "None";
export const GATE_METRIC_PERIOD_SECONDS = 60;
export const GATE_OPEN = 1;
export const GATE_CLOSED = 0;

export const GATE_DIMENSION_ENVIRONMENT = "Environment";
export const GATE_DIMENSION_REGION = "Region";

export interface GateDimension {
  Name: string;
  Value: string;
}

/** Dimensions in the shape of the CloudWatch API (`PutMetricData`, `GetMetricData`). */
export function gateDimensions(environment: string, region: string): GateDimension[] {
  return [
    { Name: GATE_DIMENSION_ENVIRONMENT, Value: environment },
    { Name: GATE_DIMENSION_REGION, Value: region },
  ];
}

/** The same dimensions as a map, the shape of Terraform's `aws_cloudwatch_metric_alarm.dimensions`. */
export function gateDimensionMap(environment: string, region: string): Record<string, string> {
  return { [GATE_DIMENSION_ENVIRONMENT]: environment, [GATE_DIMENSION_REGION]: region };
}
