/**
 * The alarms of one region's ops layer: a metric filter and an alarm on the
 * failover orchestrator's error log lines, the health monitor's verdict on the
 * active region, and the region's alarms derived from the recovery targets
 * (regional-alarms.ts), with the composite "active region unhealthy" for people.
 * Each alarm lives in the region whose metrics it reads and pages that
 * region's alert topic.
 *
 * Keeps its children's addresses: these resources were created directly by
 * the ops stack before this construct existed.
 */
import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { RegionRole } from "../../lib/config/model";
import {
  MONITOR_DIMENSION_ENVIRONMENT,
  MONITOR_DIMENSION_REGION,
  MONITOR_METRICS,
  MONITOR_METRIC_NAMESPACE_DEFAULT,
} from "../../lambda/shared/monitor-metrics";
import { keepChildAddresses } from "../addressing";
import { RegionalAlarms, RegionalAlarmsProps } from "./regional-alarms";

/** Metric the filter on the orchestrator's log group counts: one per error line. */
export const ORCHESTRATOR_ERROR_METRIC = { namespace: "DR/FailoverOrchestrator", name: "ErrorLogLines" } as const;

export interface OpsAlarmsProps extends Omit<RegionalAlarmsProps, "activeRegionSignals"> {
  readonly provider: AwsProvider;
  readonly region: string;
  readonly environment: string;
  readonly role: RegionRole;
  /** The orchestrator's log group: its name, and the group itself (the filter needs it to exist). */
  readonly orchestratorLogGroup: { readonly name: string; readonly resource: ITerraformDependable };
  /**
   * Name of the alarm of the canary that probes the active region's own name.
   * @default no canary: the composite alarm reads the monitor's verdict only
   */
  readonly activeCanaryAlarmName?: string;
}

export class OpsAlarms extends Construct {
  readonly monitorVerdict: CloudwatchMetricAlarm;
  readonly regional: RegionalAlarms;

  constructor(scope: Construct, id: string, props: OpsAlarmsProps) {
    super(scope, id);
    keepChildAddresses(this);
    const { provider, alarmName } = props;
    const topicArn = props.alertTopicArn;
    new CloudwatchLogMetricFilter(this, "orchestrator-errors", {
      provider,
      name: alarmName("failover-orchestrator-errors"),
      logGroupName: props.orchestratorLogGroup.name,
      pattern: '{ $.level = "error" }',
      metricTransformation: { name: ORCHESTRATOR_ERROR_METRIC.name, namespace: ORCHESTRATOR_ERROR_METRIC.namespace, value: "1", defaultValue: "0" },
      dependsOn: [props.orchestratorLogGroup.resource],
    });
    new CloudwatchMetricAlarm(this, "orchestrator-errors-alarm", {
      provider,
      alarmName: alarmName("failover-orchestrator-errors"),
      alarmDescription: "The failover orchestrator logged an error: a runbook step failed or was retried to exhaustion",
      namespace: ORCHESTRATOR_ERROR_METRIC.namespace,
      metricName: ORCHESTRATOR_ERROR_METRIC.name,
      statistic: "Sum",
      period: 60,
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      treatMissingData: "notBreaching",
      alarmActions: [topicArn],
      okActions: [topicArn],
    });
    this.monitorVerdict = new CloudwatchMetricAlarm(this, "monitor-active-unhealthy", {
      provider,
      alarmName: alarmName("monitor-active-unhealthy"),
      alarmDescription: `Seen from ${props.region} while it is the standby, the writer region is down (service, database or region) on independent evidence`,
      namespace: MONITOR_METRIC_NAMESPACE_DEFAULT,
      metricName: MONITOR_METRICS.activeRegionHealthy,
      dimensions: { [MONITOR_DIMENSION_ENVIRONMENT]: props.environment, [MONITOR_DIMENSION_REGION]: props.region },
      statistic: "Minimum",
      period: 60,
      evaluationPeriods: 1,
      comparisonOperator: "LessThanThreshold",
      threshold: 1,
      // Only the standby's monitor publishes this verdict: in the writer region it is absent by design.
      treatMissingData: "notBreaching",
      alarmActions: [topicArn],
      okActions: [topicArn],
    });
    new CloudwatchMetricAlarm(this, "monitor-silent", {
      provider,
      alarmName: alarmName("monitor-silent"),
      alarmDescription: `The health monitor of ${props.region} published no sample for 3 minutes: its gate, heartbeat and evidence are not being kept`,
      namespace: MONITOR_METRIC_NAMESPACE_DEFAULT,
      metricName: MONITOR_METRICS.promotionReady,
      dimensions: { [MONITOR_DIMENSION_ENVIRONMENT]: props.environment, [MONITOR_DIMENSION_REGION]: props.region },
      statistic: "SampleCount",
      period: 60,
      evaluationPeriods: 3,
      comparisonOperator: "LessThanThreshold",
      threshold: 1,
      // Every sample publishes PromotionReady, in both roles: silence means the monitor itself is down.
      treatMissingData: "breaching",
      alarmActions: [topicArn],
      okActions: [topicArn],
    });
    this.regional = new RegionalAlarms(this, "alarms", {
      ...props,
      activeRegionSignals: [...(props.activeCanaryAlarmName ? [props.activeCanaryAlarmName] : []), this.monitorVerdict.alarmName],
    });
  }
}
