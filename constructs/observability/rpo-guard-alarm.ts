/**
 * The RPO guard: pages before the replication lag of this region's cluster
 * (while it is a secondary) reaches the RPO bound. With database enforcement
 * that bound is where the writer starts refusing commits, so the page must
 * come first; with alarm-only enforcement it is where data loss would exceed
 * the target.
 *
 * Aurora publishes AuroraGlobalDBRPOLag (milliseconds) for secondary clusters
 * only. In the standby region missing data therefore means the lag cannot be
 * seen (an outage, a broken replication) and counts as breaching; in the
 * active region, whose cluster is the writer, missing data is normal.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { RegionRole } from "../../lib/config/model";

/** The guard fires at this fraction of the RPO. */
export const RPO_GUARD_FRACTION = 0.8;

export interface RpoGuardAlarmProps {
  readonly provider: AwsProvider;
  readonly alarmName: string;
  readonly clusterIdentifier: string;
  readonly rpoSeconds: number;
  readonly enforcement: "database" | "alarm";
  readonly role: RegionRole;
  readonly alertTopicArn: string;
}

export function rpoGuardThresholdMs(rpoSeconds: number): number {
  return Math.floor(rpoSeconds * 1000 * RPO_GUARD_FRACTION);
}

export class RpoGuardAlarm extends Construct {
  readonly alarm: CloudwatchMetricAlarm;

  constructor(scope: Construct, id: string, props: RpoGuardAlarmProps) {
    super(scope, id);
    const consequence =
      props.enforcement === "database"
        ? "the writer will refuse commits at the RPO (rds.global_db_rpo); if the DR region is down, relax enforcement (README runbook)"
        : "data loss in a failover now would exceed the RPO target";
    this.alarm = new CloudwatchMetricAlarm(this, "alarm", {
      provider: props.provider,
      alarmName: props.alarmName,
      alarmDescription: `Aurora global RPO lag of ${props.clusterIdentifier} is above ${RPO_GUARD_FRACTION * 100}% of the ${props.rpoSeconds} s RPO: ${consequence}.`,
      namespace: "AWS/RDS",
      metricName: "AuroraGlobalDBRPOLag",
      dimensions: { DBClusterIdentifier: props.clusterIdentifier },
      statistic: "Maximum",
      period: 60,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      comparisonOperator: "GreaterThanThreshold",
      threshold: rpoGuardThresholdMs(props.rpoSeconds),
      unit: "Milliseconds",
      treatMissingData: props.role === "standby" ? "breaching" : "notBreaching",
      alarmActions: [props.alertTopicArn],
      okActions: [props.alertTopicArn],
    });
  }
}
