/**
 * The traffic gate of a region, as a CloudWatch alarm that a Route 53
 * health check reads. It lives in the OTHER region: when the gated region is
 * lost, its gate must still be readable, and the failover automation publishes
 * the gate metric in the surviving region. The metric's namespace, name and
 * dimensions are imported from the Lambda code that publishes them.
 *
 * Gate open (1) or no data yet: OK/insufficient data, and the health check
 * treats insufficient data as healthy. Gate closed (0): ALARM, the health check
 * fails, and the gated region's record stops answering, without any Route 53
 * API call (principle 2).
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import {
  GATE_METRIC_NAME,
  GATE_METRIC_NAMESPACE,
  GATE_METRIC_PERIOD_SECONDS,
  GATE_OPEN,
  gateDimensionMap,
} from "../../lambda/shared/gate";

export interface GateAlarmProps {
  readonly provider: AwsProvider;
  readonly alarmName: string;
  readonly environment: string;
  /** The region whose traffic the gate controls (not the region the alarm lives in). */
  readonly gatedRegion: string;
}

export class GateAlarm extends Construct {
  readonly alarm: CloudwatchMetricAlarm;

  constructor(scope: Construct, id: string, props: GateAlarmProps) {
    super(scope, id);
    this.alarm = new CloudwatchMetricAlarm(this, "alarm", {
      provider: props.provider,
      alarmName: props.alarmName,
      alarmDescription: `Traffic gate of ${props.gatedRegion}: ALARM means the failover automation closed it (fenced region).`,
      namespace: GATE_METRIC_NAMESPACE,
      metricName: GATE_METRIC_NAME,
      dimensions: gateDimensionMap(props.environment, props.gatedRegion),
      statistic: "Minimum",
      period: GATE_METRIC_PERIOD_SECONDS,
      evaluationPeriods: 1,
      comparisonOperator: "LessThanThreshold",
      threshold: GATE_OPEN,
      // The gate keeps its last state between publications.
      treatMissingData: "ignore",
    });
  }
}
