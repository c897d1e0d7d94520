/** The counts as CloudWatch metrics in the surviving region (dashboard: constructs/failover/reconciliation.ts). */
import { PutMetricDataCommand, StandardUnit } from "@aws-sdk/client-cloudwatch";
import { ReportSummary } from "./contract";
import { ReconcilerDeps } from "./deps";
import {
  RECONCILIATION_DIMENSION_CURRENCY,
  RECONCILIATION_DIMENSION_ENVIRONMENT,
  RECONCILIATION_DIMENSION_REGION,
  RECONCILIATION_METRICS,
} from "./names";
import { ReplayCounts } from "./replay";

function datum(deps: ReconcilerDeps, name: string, value: number, unit: StandardUnit, extra: { Name: string; Value: string }[] = []) {
  return {
    MetricName: name,
    Dimensions: [
      { Name: RECONCILIATION_DIMENSION_ENVIRONMENT, Value: deps.config.environment },
      { Name: RECONCILIATION_DIMENSION_REGION, Value: deps.config.region },
      ...extra,
    ],
    Value: value,
    Unit: unit,
    Timestamp: new Date(deps.clock()),
  };
}

async function put(deps: ReconcilerDeps, data: ReturnType<typeof datum>[]): Promise<void> {
  for (let i = 0; i < data.length; i += 500) {
    const slice = data.slice(i, i + 500);
    await deps.call("PutMetricData", () => deps.own.cloudwatch.send(new PutMetricDataCommand({ Namespace: deps.config.metricNamespace, MetricData: slice })));
  }
}

export async function publishReport(deps: ReconcilerDeps, summary: ReportSummary): Promise<void> {
  const M = RECONCILIATION_METRICS;
  await put(deps, [
    datum(deps, M.missingRecords, summary.missingRecords.count, "Count"),
    datum(deps, M.missingObjects, summary.missingObjects.count, "Count"),
    datum(deps, M.conflicts, summary.conflicts.count, "Count"),
    // One series per currency: ISO 4217 codes, a small and bounded set.
    ...Object.entries(summary.missingRecords.totals).map(([currency, amount]) =>
      datum(deps, M.missingAmount, Number(amount), "None", [{ Name: RECONCILIATION_DIMENSION_CURRENCY, Value: currency }]),
    ),
  ]);
}

export async function publishReplay(deps: ReconcilerDeps, counts: ReplayCounts): Promise<void> {
  const M = RECONCILIATION_METRICS;
  await put(deps, [datum(deps, M.replayedRecords, counts.records.written, "Count"), datum(deps, M.replayedObjects, counts.objects.written, "Count")]);
}
