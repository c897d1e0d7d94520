/**
 * CloudWatch reads and writes used by both functions: the Aurora global
 * replication metrics (read in the Lambda's own region) and the traffic gate.
 */
import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { GATE_METRIC_NAME, GATE_METRIC_NAMESPACE, GATE_METRIC_UNIT, GATE_CLOSED, GATE_OPEN, gateDimensions } from "./gate";
import { Caller } from "./retry";

export const AURORA_REPLICATION_LAG_METRIC = "AuroraGlobalDBReplicationLag";
export const AURORA_RPO_LAG_METRIC = "AuroraGlobalDBRPOLag";

export interface LagReading {
  /** Latest AuroraGlobalDBReplicationLag of the cluster, milliseconds; null when no datapoint in the lookback. */
  readonly replicationLagMs: number | null;
  /** Latest AuroraGlobalDBRPOLag (Aurora PostgreSQL only), milliseconds; null when none. */
  readonly rpoLagMs: number | null;
  /** Timestamp (epoch ms) of the latest replication-lag datapoint; null when none. */
  readonly replicationLagAtMs?: number | null;
}

/**
 * A search rather than a fixed dimension set: Aurora publishes these metrics
 * for a secondary cluster, in the secondary's region, under DBClusterIdentifier
 * (with SourceRegion in some engines' dimension sets); MAX() folds whatever
 * series match into one.
 */
export function lagExpression(metricName: string, dbClusterId: string, periodSeconds = 60): string {
  return `MAX(SEARCH('Namespace="AWS/RDS" MetricName="${metricName}" DBClusterIdentifier="${dbClusterId}"', 'Maximum', ${periodSeconds}))`;
}

export async function readLag(cloudwatch: CloudWatchClient, call: Caller, dbClusterId: string, nowMs: number, lookbackSeconds: number): Promise<LagReading> {
  const end = new Date(Math.floor(nowMs / 60_000) * 60_000 + 60_000);
  const start = new Date(end.getTime() - lookbackSeconds * 1000);
  const result = await call("GetMetricData", () =>
    cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: start,
        EndTime: end,
        ScanBy: "TimestampDescending",
        MetricDataQueries: [
          { Id: "replicationLag", Expression: lagExpression(AURORA_REPLICATION_LAG_METRIC, dbClusterId), ReturnData: true },
          { Id: "rpoLag", Expression: lagExpression(AURORA_RPO_LAG_METRIC, dbClusterId), ReturnData: true },
        ],
      }),
    ),
  );
  const series = (id: string) => result.MetricDataResults?.find((r) => r.Id === id);
  const latest = (id: string): number | null => {
    const value = series(id)?.Values?.[0];
    return typeof value === "number" && Number.isFinite(value) ? value : null;
  };
  const at = series("replicationLag")?.Timestamps?.[0];
  return { replicationLagMs: latest("replicationLag"), rpoLagMs: latest("rpoLag"), replicationLagAtMs: at ? new Date(at).getTime() : null };
}

export interface GateValue {
  /** The region whose traffic the gate controls. */
  readonly region: string;
  readonly open: boolean;
}

/** Publishes gate values (see gate.ts) to the region of `cloudwatch`. */
export async function publishGate(cloudwatch: CloudWatchClient, call: Caller, environment: string, gates: readonly GateValue[], nowMs: number): Promise<void> {
  await call("PutMetricData", () =>
    cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: GATE_METRIC_NAMESPACE,
        MetricData: gates.map((g) => ({
          MetricName: GATE_METRIC_NAME,
          Dimensions: gateDimensions(environment, g.region),
          Value: g.open ? GATE_OPEN : GATE_CLOSED,
          Unit: GATE_METRIC_UNIT,
          Timestamp: new Date(nowMs),
        })),
      }),
    ),
  );
}
