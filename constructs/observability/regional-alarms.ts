/**
 * The alarms of one region, each in the region whose metrics it reads, each
 * with an action on that region's alert topic, and with missing data treated
 * deliberately: where a metric is published continuously, silence means the
 * thing is gone (breaching); where it exists only with traffic or only on a
 * secondary cluster, silence is normal (not breaching).
 *
 * Thresholds derived from the targets come from lib/alarm-thresholds.ts; the
 * rest from configuration.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudwatchCompositeAlarm } from "@cdktf/provider-aws/lib/cloudwatch-composite-alarm";
import { CloudwatchMetricAlarm, CloudwatchMetricAlarmConfig } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { RegionRole } from "../../lib/config/model";
import { auroraLagThresholdsMs, dynamoReplicationThresholdsMs, s3ReplicationLatencyThresholdSeconds } from "../../lib/alarm-thresholds";

export interface ReplicationRule {
  readonly sourceBucket: string;
  readonly destinationBucket: string;
  readonly ruleId: string;
  /** Short label for names: appdata, txlogs. */
  readonly label: string;
}

export interface RegionalAlarmsProps {
  readonly provider: AwsProvider;
  /** Builds an alarm name from a purpose (carries the project and suffix). */
  readonly alarmName: (purpose: string) => string;
  readonly role: RegionRole;
  readonly peerRegion: string;
  readonly alertTopicArn: string;
  readonly rpoSeconds: number;
  readonly clusterIdentifier: string;
  readonly tables: readonly { readonly name: string; readonly label: string }[];
  readonly replicationRules: readonly ReplicationRule[];
  readonly s3PendingOperationsThreshold: number;
  /** ALB dimensions: the load balancer's and target group's ARN suffixes. */
  readonly loadBalancerArnSuffix: string;
  readonly targetGroupArnSuffix: string;
  readonly http5xxRatePercent: number;
  readonly ecsClusterName: string;
  readonly ecsServiceName: string;
  /** The region's minimum task count for its role. */
  readonly minTasks: number;
  readonly databaseCpuPercent: number;
  readonly databaseConnections: number;
  readonly lambdaFunctions: readonly { readonly name: string; readonly label: string }[];
  readonly stateMachines: readonly { readonly arn: string; readonly label: string }[];
  /** Alarm names the composite "active region unhealthy" combines (canary of the active region's name, the monitor's verdict). */
  readonly activeRegionSignals: readonly string[];
}

export class RegionalAlarms extends Construct {
  readonly alarms: CloudwatchMetricAlarm[] = [];
  readonly composite: CloudwatchCompositeAlarm;
  private readonly props: RegionalAlarmsProps;

  constructor(scope: Construct, id: string, props: RegionalAlarmsProps) {
    super(scope, id);
    this.props = props;
    const aurora = auroraLagThresholdsMs(props.rpoSeconds);
    // Aurora publishes global lag only for secondary clusters: silence in the standby region means it cannot be seen.
    const lagMissing = props.role === "standby" ? "breaching" : "notBreaching";
    for (const [severity, threshold] of [
      ["warning", aurora.warning],
      ["critical", aurora.critical],
    ] as const) {
      this.alarm(`aurora-lag-${severity}`, {
        alarmDescription: `Aurora global replication lag of ${props.clusterIdentifier} above ${threshold} ms (${severity}; RPO ${props.rpoSeconds} s)`,
        namespace: "AWS/RDS",
        metricName: "AuroraGlobalDBReplicationLag",
        dimensions: { DBClusterIdentifier: props.clusterIdentifier },
        statistic: "Maximum",
        threshold,
        unit: "Milliseconds",
        treatMissingData: lagMissing,
      });
    }
    this.alarm("aurora-rpo-lag-critical", {
      alarmDescription: `Aurora RPO lag of ${props.clusterIdentifier} above the ${props.rpoSeconds} s RPO (${aurora.critical} ms)`,
      namespace: "AWS/RDS",
      metricName: "AuroraGlobalDBRPOLag",
      dimensions: { DBClusterIdentifier: props.clusterIdentifier },
      statistic: "Maximum",
      threshold: aurora.critical,
      unit: "Milliseconds",
      treatMissingData: lagMissing,
    });

    const dynamo = dynamoReplicationThresholdsMs(props.rpoSeconds);
    for (const table of props.tables) {
      this.alarm(`ddb-replication-${table.label}`, {
        alarmDescription: `DynamoDB replication of ${table.name} to ${props.peerRegion} slower than ${dynamo.critical} ms (RPO ${props.rpoSeconds} s)`,
        namespace: "AWS/DynamoDB",
        metricName: "ReplicationLatency",
        dimensions: { TableName: table.name, ReceivingRegion: props.peerRegion },
        statistic: "Average",
        threshold: dynamo.critical,
        unit: "Milliseconds",
        // Published only while items are written.
        treatMissingData: "notBreaching",
      });
    }

    for (const rule of props.replicationRules) {
      const dimensions = { SourceBucket: rule.sourceBucket, DestinationBucket: rule.destinationBucket, RuleId: rule.ruleId };
      this.alarm(`s3-replication-latency-${rule.label}`, {
        alarmDescription: `S3 replication of ${rule.sourceBucket} to ${rule.destinationBucket} slower than ${s3ReplicationLatencyThresholdSeconds(props.rpoSeconds)} s`,
        namespace: "AWS/S3",
        metricName: "ReplicationLatency",
        dimensions,
        statistic: "Maximum",
        threshold: s3ReplicationLatencyThresholdSeconds(props.rpoSeconds),
        unit: "Seconds",
        treatMissingData: "notBreaching",
      });
      this.alarm(`s3-replication-pending-${rule.label}`, {
        alarmDescription: `More than ${props.s3PendingOperationsThreshold} operations of ${rule.sourceBucket} wait for replication`,
        namespace: "AWS/S3",
        metricName: "OperationsPendingReplication",
        dimensions,
        statistic: "Maximum",
        threshold: props.s3PendingOperationsThreshold,
        treatMissingData: "notBreaching",
      });
    }

    this.alarm("alb-unhealthy-hosts", {
      alarmDescription: "Targets of the load balancer are failing health checks",
      namespace: "AWS/ApplicationELB",
      metricName: "UnHealthyHostCount",
      dimensions: { LoadBalancer: props.loadBalancerArnSuffix, TargetGroup: props.targetGroupArnSuffix },
      statistic: "Maximum",
      threshold: 0,
      // Published every minute while the load balancer exists: silence means it is gone.
      treatMissingData: "breaching",
    });
    new CloudwatchMetricAlarm(this, "alb-5xx-rate", {
      provider: props.provider,
      alarmName: props.alarmName("alb-5xx-rate"),
      alarmDescription: `More than ${props.http5xxRatePercent} % of requests answered 5xx by the targets`,
      comparisonOperator: "GreaterThanThreshold",
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      threshold: props.http5xxRatePercent,
      treatMissingData: "notBreaching",
      alarmActions: [props.alertTopicArn],
      okActions: [props.alertTopicArn],
      metricQuery: [
        { id: "rate", expression: "IF(requests > 0, 100 * errors / requests, 0)", label: "5xx rate (%)", returnData: true },
        {
          id: "errors",
          metric: {
            namespace: "AWS/ApplicationELB",
            metricName: "HTTPCode_Target_5XX_Count",
            dimensions: { LoadBalancer: props.loadBalancerArnSuffix },
            period: 60,
            stat: "Sum",
          },
        },
        {
          id: "requests",
          metric: {
            namespace: "AWS/ApplicationELB",
            metricName: "RequestCount",
            dimensions: { LoadBalancer: props.loadBalancerArnSuffix },
            period: 60,
            stat: "Sum",
          },
        },
      ],
    });

    this.alarm("ecs-running-tasks", {
      alarmDescription: `Fewer than ${props.minTasks} tasks running (the ${props.role} minimum)`,
      namespace: "ECS/ContainerInsights",
      metricName: "RunningTaskCount",
      dimensions: { ClusterName: props.ecsClusterName, ServiceName: props.ecsServiceName },
      statistic: "Minimum",
      comparisonOperator: "LessThanThreshold",
      threshold: props.minTasks,
      treatMissingData: "breaching",
    });

    this.alarm("db-cpu", {
      alarmDescription: `Database CPU of ${props.clusterIdentifier} above ${props.databaseCpuPercent} %`,
      namespace: "AWS/RDS",
      metricName: "CPUUtilization",
      dimensions: { DBClusterIdentifier: props.clusterIdentifier },
      statistic: "Maximum",
      threshold: props.databaseCpuPercent,
      evaluationPeriods: 5,
      treatMissingData: "breaching",
    });
    this.alarm("db-connections", {
      alarmDescription: `More than ${props.databaseConnections} connections to ${props.clusterIdentifier}`,
      namespace: "AWS/RDS",
      metricName: "DatabaseConnections",
      dimensions: { DBClusterIdentifier: props.clusterIdentifier },
      statistic: "Maximum",
      threshold: props.databaseConnections,
      treatMissingData: "notBreaching",
    });

    for (const fn of props.lambdaFunctions) {
      for (const metric of ["Errors", "Throttles"]) {
        this.alarm(`lambda-${metric.toLowerCase()}-${fn.label}`, {
          alarmDescription: `${fn.name} ${metric.toLowerCase()}: the failover path is impaired`,
          namespace: "AWS/Lambda",
          metricName: metric,
          dimensions: { FunctionName: fn.name },
          statistic: "Sum",
          period: 300,
          evaluationPeriods: 1,
          datapointsToAlarm: 1,
          threshold: 0,
          treatMissingData: "notBreaching",
        });
      }
    }
    props.stateMachines.forEach((machine) =>
      this.alarm(`sfn-failed-${machine.label}`, {
        alarmDescription: `A ${machine.label} runbook execution failed, timed out or was aborted`,
        namespace: "AWS/States",
        metricName: "ExecutionsFailed",
        dimensions: { StateMachineArn: machine.arn },
        statistic: "Sum",
        period: 60,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        threshold: 0,
        treatMissingData: "notBreaching",
      }),
    );

    this.composite = new CloudwatchCompositeAlarm(this, "active-region-unhealthy", {
      provider: props.provider,
      alarmName: props.alarmName("active-region-unhealthy"),
      alarmDescription:
        "For people: the active region looks unhealthy from here (its endpoint canary fails or the health monitor sees it down). " +
        "Check the failover runbook's executions before acting.",
      alarmRule: props.activeRegionSignals.map((name) => `ALARM("${name}")`).join(" OR "),
      alarmActions: [props.alertTopicArn],
      okActions: [props.alertTopicArn],
    });
  }

  private alarm(purpose: string, settings: Partial<CloudwatchMetricAlarmConfig> & Pick<CloudwatchMetricAlarmConfig, "metricName" | "namespace" | "threshold">) {
    const alarm = new CloudwatchMetricAlarm(this, purpose, {
      provider: this.props.provider,
      alarmName: this.props.alarmName(purpose),
      comparisonOperator: "GreaterThanThreshold",
      period: 60,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      alarmActions: [this.props.alertTopicArn],
      okActions: [this.props.alertTopicArn],
      ...settings,
    });
    this.alarms.push(alarm);
    return alarm;
  }
}
