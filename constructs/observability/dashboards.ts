/**
 * CloudWatch dashboards an on-call engineer reads during an incident: one per
 * region, and one cross-region overview (each widget names the region of its
 * metrics). Replication lag against the RPO line, endpoint health in both
 * regions, failover executions and their durations, ECS capacity, and backup,
 * copy and restore-test outcomes.
 *
 * Bodies are built as plain objects from identifiers the same synthesis
 * produces (cluster, table, bucket, load balancer, service, state machine),
 * and serialized once: a test parses them back and checks every identifier.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { GATE_METRIC_NAME, GATE_METRIC_NAMESPACE, GATE_DIMENSION_ENVIRONMENT, GATE_DIMENSION_REGION } from "../../lambda/shared/gate";

/** What one region contributes to the dashboards. */
export interface RegionMetrics {
  readonly region: string;
  readonly clusterIdentifier: string;
  readonly tableNames: readonly string[];
  readonly replicatedBuckets: readonly { readonly source: string; readonly destination: string; readonly ruleId: string }[];
  /** Load balancer name (the overview finds its metrics by name) and, in the region's own dashboard, its ARN suffix. */
  readonly loadBalancerName: string;
  /**
   * The load balancer's ARN suffix, in the region's own dashboard (the overview finds it by name).
   * @default none: widgets search by the load balancer's name
   */
  readonly loadBalancerArnSuffix?: string;
  readonly ecsClusterName: string;
  readonly ecsServiceName: string;
  readonly stateMachineArns: readonly string[];
  readonly canaryNames: readonly string[];
  readonly backupVaultName: string;
}

export interface DashboardsProps {
  readonly provider: AwsProvider;
  readonly environment: string;
  readonly rpoSeconds: number;
  readonly home: RegionMetrics;
  readonly peer: RegionMetrics;
  readonly regionalDashboardName: string;
  /**
   * Name of the cross-region overview; created only where given (one region is enough).
   * @default no overview here
   */
  readonly overviewDashboardName?: string;
  /**
   * Widgets appended to the regional dashboard (the reconciliation's, constructs/failover/reconciliation.ts).
   * @default none
   */
  readonly additionalWidgets?: readonly DashboardWidget[];
}

type Metric = (string | Record<string, unknown>)[];

interface Widget {
  type: "metric";
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

/** One metric widget of a dashboard. */
export type DashboardWidget = Widget;

export function graph(title: string, region: string, metrics: Metric[], extra: Record<string, unknown> = {}): Widget {
  return { type: "metric", width: 12, height: 6, properties: { title, region, view: "timeSeries", stacked: false, period: 60, metrics, ...extra } };
}

const rpoLine = (rpoMs: number) => ({ annotations: { horizontal: [{ label: "RPO", value: rpoMs, color: "#d13212" }] } });

/** Widgets of one region's own metrics; `withRegion` marks each metric with its region for the overview. */
export function regionWidgets(m: RegionMetrics, environment: string, rpoSeconds: number, peerRegion: string, withRegion: boolean): Widget[] {
  const tag = (options: Record<string, unknown> = {}) => (withRegion ? { region: m.region, ...options } : options);
  const rpoMs = rpoSeconds * 1000;
  const lb: Metric[] = m.loadBalancerArnSuffix
    ? [
        ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", m.loadBalancerArnSuffix, tag({ stat: "Sum" })],
        ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", m.loadBalancerArnSuffix, tag({ stat: "Sum" })],
      ]
    : [
        [{ expression: `SEARCH('{AWS/ApplicationELB,LoadBalancer} MetricName="HTTPCode_Target_5XX_Count" "app/${m.loadBalancerName}/"', 'Sum', 60)`, id: `e5xx${m.region.replace(/-/g, "")}`, ...tag() }],
      ];
  return [
    graph(
      `Aurora global replication lag (ms) — ${m.clusterIdentifier}`,
      m.region,
      [
        ["AWS/RDS", "AuroraGlobalDBReplicationLag", "DBClusterIdentifier", m.clusterIdentifier, tag({ stat: "Maximum" })],
        ["AWS/RDS", "AuroraGlobalDBRPOLag", "DBClusterIdentifier", m.clusterIdentifier, tag({ stat: "Maximum" })],
      ],
      rpoLine(rpoMs),
    ),
    graph(
      `DynamoDB replication latency to ${peerRegion} (ms)`,
      m.region,
      m.tableNames.map((t) => ["AWS/DynamoDB", "ReplicationLatency", "TableName", t, "ReceivingRegion", peerRegion, tag({ stat: "Average" })]),
      rpoLine(rpoMs),
    ),
    graph(
      "S3 replication latency (s)",
      m.region,
      m.replicatedBuckets.map((b) => ["AWS/S3", "ReplicationLatency", "SourceBucket", b.source, "DestinationBucket", b.destination, "RuleId", b.ruleId, tag({ stat: "Maximum" })]),
      { annotations: { horizontal: [{ label: "RPO", value: rpoSeconds, color: "#d13212" }] } },
    ),
    graph("Endpoint health: canary success (%)", m.region, m.canaryNames.map((c) => ["CloudWatchSynthetics", "SuccessPercent", "CanaryName", c, tag({ stat: "Average" })])),
    graph("Load balancer requests and 5xx", m.region, lb),
    graph("ECS capacity (tasks)", m.region, [
      ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", m.ecsClusterName, "ServiceName", m.ecsServiceName, tag({ stat: "Minimum" })],
      ["ECS/ContainerInsights", "DesiredTaskCount", "ClusterName", m.ecsClusterName, "ServiceName", m.ecsServiceName, tag({ stat: "Maximum" })],
    ]),
    graph(
      "Failover runbook executions and durations",
      m.region,
      m.stateMachineArns.flatMap((arn) => [
        ["AWS/States", "ExecutionsStarted", "StateMachineArn", arn, tag({ stat: "Sum" })],
        ["AWS/States", "ExecutionsFailed", "StateMachineArn", arn, tag({ stat: "Sum" })],
        ["AWS/States", "ExecutionTime", "StateMachineArn", arn, tag({ stat: "Maximum", yAxis: "right" })],
      ]),
    ),
    graph("Backup, copy and restore-test outcomes", m.region, [
      ["AWS/Backup", "NumberOfBackupJobsCompleted", "BackupVaultName", m.backupVaultName, tag({ stat: "Sum" })],
      ["AWS/Backup", "NumberOfBackupJobsFailed", "BackupVaultName", m.backupVaultName, tag({ stat: "Sum" })],
      ["AWS/Backup", "NumberOfCopyJobsFailed", "BackupVaultName", m.backupVaultName, tag({ stat: "Sum" })],
      ["AWS/Backup", "NumberOfRestoreJobsFailed", "BackupVaultName", m.backupVaultName, tag({ stat: "Sum" })],
    ]),
    graph(`Traffic gate of ${m.region} (1 open, 0 closed), as its health monitor applies it`, m.region, [
      [GATE_METRIC_NAMESPACE, GATE_METRIC_NAME, GATE_DIMENSION_ENVIRONMENT, environment, GATE_DIMENSION_REGION, m.region, tag({ stat: "Minimum" })],
    ]),
  ];
}

/** Lays widgets out two per row. */
export function dashboardBody(widgets: Widget[]): string {
  return JSON.stringify({
    widgets: widgets.map((w, i) => ({ ...w, x: (i % 2) * 12, y: Math.floor(i / 2) * 6 })),
  });
}

export class Dashboards extends Construct {
  readonly regional: CloudwatchDashboard;
  readonly overview?: CloudwatchDashboard;

  constructor(scope: Construct, id: string, props: DashboardsProps) {
    super(scope, id);
    this.regional = new CloudwatchDashboard(this, "regional", {
      provider: props.provider,
      dashboardName: props.regionalDashboardName,
      dashboardBody: dashboardBody([...regionWidgets(props.home, props.environment, props.rpoSeconds, props.peer.region, false), ...(props.additionalWidgets ?? [])]),
    });
    if (props.overviewDashboardName) {
      const names = (m: RegionMetrics): RegionMetrics => ({ ...m, loadBalancerArnSuffix: undefined });
      this.overview = new CloudwatchDashboard(this, "overview", {
        provider: props.provider,
        dashboardName: props.overviewDashboardName,
        dashboardBody: dashboardBody([
          ...regionWidgets(names(props.home), props.environment, props.rpoSeconds, props.peer.region, true),
          ...regionWidgets(props.peer, props.environment, props.rpoSeconds, props.home.region, true),
        ]),
      });
    }
  }
}
