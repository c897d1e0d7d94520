import { SynthesizedApp, TerraformJson } from "../app/layout-check";
import { auroraLagThresholdsMs } from "../lib/alarm-thresholds";
import { planStacks } from "../stacks/layout";
import { ORCHESTRATOR_ERROR_METRIC } from "../constructs/observability/ops-alarms";
import { configVariant } from "./support/config";
import { resourcesOf, resourcesOfType, synthConfig } from "./support/synth";

const all = resourcesOfType;
const alarmsOf = (stack: TerraformJson) => all(stack, "aws_cloudwatch_metric_alarm");
const byName = (stack: TerraformJson, name: string) => alarmsOf(stack).find((a) => a.alarm_name === name);

describe.each([
  [900, { auroraWarning: 450000, auroraCritical: 900000, dynamo: 900000, s3: 900 }],
  [60, { auroraWarning: 30000, auroraCritical: 60000, dynamo: 60000, s3: 60 }],
])("GIVEN an RPO of %i s", (rpo, expected) => {
  let app: SynthesizedApp;
  beforeAll(() => {
    app = synthConfig(configVariant("prod", { targets: { rpoSeconds: rpo } }));
  });

  test("the Aurora lag alarms warn at half the RPO and page at the RPO, in milliseconds", () => {
    for (const region of ["us-east-1", "us-east-2"]) {
      const stack = app.stacks[`ops-${region}`];
      expect(byName(stack, "txdr-aurora-lag-warning-prd")).toMatchObject({ metric_name: "AuroraGlobalDBReplicationLag", threshold: expected.auroraWarning, unit: "Milliseconds" });
      expect(byName(stack, "txdr-aurora-lag-critical-prd")).toMatchObject({ threshold: expected.auroraCritical });
      expect(byName(stack, "txdr-aurora-rpo-lag-critical-prd")).toMatchObject({ metric_name: "AuroraGlobalDBRPOLag", threshold: expected.auroraCritical });
    }
    expect(auroraLagThresholdsMs(rpo)).toEqual({ warning: expected.auroraWarning, critical: expected.auroraCritical });
  });

  test("DynamoDB replication latency (ms) and S3 replication latency (s) page at the RPO", () => {
    const stack = app.stacks["ops-us-east-1"];
    for (const table of ["sessions", "txmeta"]) {
      expect(byName(stack, `txdr-ddb-replication-${table}-prd`)).toMatchObject({
        namespace: "AWS/DynamoDB",
        metric_name: "ReplicationLatency",
        dimensions: { TableName: `txdr-${table}-prd`, ReceivingRegion: "us-east-2" },
        threshold: expected.dynamo,
        unit: "Milliseconds",
      });
    }
    for (const bucket of ["appdata", "txlogs"]) {
      expect(byName(stack, `txdr-s3-replication-latency-${bucket}-prd`)).toMatchObject({
        namespace: "AWS/S3",
        metric_name: "ReplicationLatency",
        dimensions: { SourceBucket: `txdr-${bucket}-use1-prd`, DestinationBucket: `txdr-${bucket}-use2-prd`, RuleId: `${bucket}-to-us-east-2` },
        threshold: expected.s3,
        unit: "Seconds",
      });
    }
  });
});

describe("alarms", () => {
  let prod: SynthesizedApp;
  beforeAll(() => {
    prod = synthConfig(configVariant("prod"));
  });

  test("every alarm pages the alert topic of its own region (the traffic gates are switches, not pages)", () => {
    const plans = new Map(planStacks(configVariant("prod")).map((p) => [p.id, p]));
    let checked = 0;
    for (const [id, stack] of Object.entries(prod.stacks)) {
      for (const alarm of [...alarmsOf(stack), ...all(stack, "aws_cloudwatch_composite_alarm")]) {
        if (alarm.alarm_name.startsWith("txdr-gate-")) {
          expect(alarm.alarm_actions).toBeUndefined();
          continue;
        }
        checked++;
        expect([alarm.alarm_name, alarm.alarm_actions?.length]).toEqual([alarm.alarm_name, 1]);
        const action: string = alarm.alarm_actions[0];
        expect(action).toMatch(/aws_sns_topic.*alerts_topic/);
        const remote = /terraform_remote_state\.([^.]+)\./.exec(action)?.[1];
        if (remote) {
          const producer = remote.replace("cross-stack-reference-input-", "");
          expect([id, plans.get(producer)!.stateRegion]).toEqual([id, plans.get(id)!.homeRegion]);
        }
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  test("missing data is treated deliberately: silence of continuously published metrics is breaching", () => {
    const stack = prod.stacks["ops-us-east-2"];
    expect(byName(stack, "txdr-alb-unhealthy-hosts-prd").treat_missing_data).toBe("breaching");
    expect(byName(stack, "txdr-ecs-running-tasks-prd").treat_missing_data).toBe("breaching");
    // The standby's verdict is absent in the writer region by design; the monitor's own silence has its alarm.
    expect(byName(stack, "txdr-monitor-active-unhealthy-prd").treat_missing_data).toBe("notBreaching");
    expect(byName(stack, "txdr-monitor-silent-prd")).toMatchObject({ treat_missing_data: "breaching", statistic: "SampleCount", evaluation_periods: 3 });
    // The standby cluster is the secondary: missing lag means it cannot be seen.
    expect(byName(stack, "txdr-aurora-lag-critical-prd").treat_missing_data).toBe("breaching");
    expect(byName(prod.stacks["ops-us-east-1"], "txdr-aurora-lag-critical-prd").treat_missing_data).toBe("notBreaching");
    expect(byName(stack, "txdr-lambda-errors-failover-orchestrator-prd").treat_missing_data).toBe("notBreaching");
  });

  test("ECS running tasks below the role's minimum, ALB 5xx rate by metric math, database CPU and connections", () => {
    expect(byName(prod.stacks["ops-us-east-1"], "txdr-ecs-running-tasks-prd")).toMatchObject({ threshold: 10, comparison_operator: "LessThanThreshold" });
    expect(byName(prod.stacks["ops-us-east-2"], "txdr-ecs-running-tasks-prd")).toMatchObject({ threshold: 2 });
    const rate = byName(prod.stacks["ops-us-east-1"], "txdr-alb-5xx-rate-prd");
    expect(rate.threshold).toBe(5);
    expect(rate.metric_query.map((q: any) => q.id)).toEqual(["rate", "errors", "requests"]);
    expect(byName(prod.stacks["ops-us-east-1"], "txdr-db-cpu-prd")).toMatchObject({ threshold: 80, dimensions: { DBClusterIdentifier: "txdr-db-use1-prd" } });
    expect(byName(prod.stacks["ops-us-east-1"], "txdr-db-connections-prd").threshold).toBe(1000);
  });

  test("Lambda errors and throttles of both failover functions, and failed runbook executions of both machines", () => {
    const names = alarmsOf(prod.stacks["ops-us-east-2"]).map((a) => a.alarm_name);
    for (const fn of ["health-monitor", "failover-orchestrator"]) {
      expect(names).toEqual(expect.arrayContaining([`txdr-lambda-errors-${fn}-prd`, `txdr-lambda-throttles-${fn}-prd`]));
    }
    expect(byName(prod.stacks["ops-us-east-2"], "txdr-sfn-failed-failover-prd").dimensions.StateMachineArn).toMatch(
      /:states:us-east-2:.*:stateMachine:txdr-failover-prd$/,
    );
  });

  test("the composite 'active region unhealthy' combines the active endpoint's canary and the monitor's verdict", () => {
    const composite = all(prod.stacks["ops-us-east-2"], "aws_cloudwatch_composite_alarm")[0];
    expect(composite.alarm_name).toBe("txdr-active-region-unhealthy-prd");
    // The monitor's alarm is referenced, so the composite is created after it.
    expect(composite.alarm_rule).toBe('ALARM("txdr-canary-pri-prd") OR ALARM("${aws_cloudwatch_metric_alarm.monitor-active-unhealthy.alarm_name}")');
    expect(byName(prod.stacks["ops-us-east-2"], "txdr-monitor-active-unhealthy-prd")).toBeDefined();
    const swapped = synthConfig(configVariant("prod", { regions: { active: "us-east-2" } }));
    expect(all(swapped.stacks["ops-us-east-1"], "aws_cloudwatch_composite_alarm")[0].alarm_rule).toContain('ALARM("txdr-canary-sec-prd")');
  });

  test("a metric filter counts the orchestrator's error lines, and an alarm pages on any", () => {
    const stack = prod.stacks["ops-us-east-1"];
    const [filter] = all(stack, "aws_cloudwatch_log_metric_filter");
    expect(filter).toMatchObject({
      log_group_name: "/txdr/prd/failover-orchestrator",
      pattern: '{ $.level = "error" }',
      metric_transformation: { name: ORCHESTRATOR_ERROR_METRIC.name, namespace: ORCHESTRATOR_ERROR_METRIC.namespace, value: "1" },
    });
    expect(byName(stack, "txdr-failover-orchestrator-errors-prd")).toMatchObject({ metric_name: ORCHESTRATOR_ERROR_METRIC.name, threshold: 0 });
  });
});

describe("tracing and logs", () => {
  test("every Lambda and every state machine is traced; every log group is encrypted and retained", () => {
    const prod = synthConfig(configVariant("prod"));
    let functions = 0;
    let machines = 0;
    let groups = 0;
    for (const stack of Object.values(prod.stacks)) {
      for (const [type, name, body] of resourcesOf(stack)) {
        if (type === "aws_lambda_function") {
          functions++;
          expect([name, body.tracing_config]).toEqual([name, { mode: "Active" }]);
        }
        if (type === "aws_sfn_state_machine") {
          machines++;
          expect([name, body.tracing_configuration]).toEqual([name, { enabled: true }]);
        }
        if (type === "aws_cloudwatch_log_group") {
          groups++;
          expect([name, typeof body.kms_key_id, body.retention_in_days]).toEqual([name, "string", 365]);
        }
      }
    }
    // Per region: monitor, orchestrator, transaction processor, reconciler, paging forwarder; failover, failback and reconciliation runs.
    expect([functions, machines]).toEqual([10, 6]);
    expect(groups).toBeGreaterThan(15);
  });
});

/** Every identifier a dashboard may reference, collected from the synthesized resources. */
function producedIdentifiers(app: SynthesizedApp): Set<string> {
  const ids = new Set<string>();
  for (const stack of Object.values(app.stacks)) {
    for (const [type, , body] of resourcesOf(stack)) {
      const add = (value: unknown) => typeof value === "string" && ids.add(value);
      if (type === "aws_rds_cluster") add(body.cluster_identifier);
      if (type === "aws_dynamodb_table") add(body.name);
      if (type === "aws_s3_bucket") add(body.bucket);
      if (type === "aws_lb") add(body.name);
      if (type === "aws_ecs_cluster" || type === "aws_ecs_service") add(body.name);
      if (type === "aws_sfn_state_machine") add(body.name);
      if (type === "aws_synthetics_canary") add(body.name);
      if (type === "aws_backup_vault") add(body.name);
      if (type === "aws_s3_bucket_replication_configuration") add(body.rule[0].id);
    }
  }
  return ids;
}

describe("dashboards", () => {
  test("each region has a dashboard, the DR region the overview, and every body parses and names only what this synthesis produces", () => {
    const prod = synthConfig(configVariant("prod"));
    const ids = producedIdentifiers(prod);
    const dashboards = Object.entries(prod.stacks).flatMap(([id, s]) => all(s, "aws_cloudwatch_dashboard").map((d) => [id, d] as const));
    expect(dashboards.map(([id, d]) => `${id}:${d.dashboard_name}`).sort()).toEqual([
      "ops-us-east-1:txdr-dr-use1-prd",
      "ops-us-east-2:txdr-dr-overview-use2-prd",
      "ops-us-east-2:txdr-dr-use2-prd",
    ]);
    let referenced = 0;
    for (const [, dashboard] of dashboards) {
      const body = JSON.parse(dashboard.dashboard_body);
      expect(body.widgets.length).toBeGreaterThanOrEqual(9);
      for (const widget of body.widgets) {
        for (const metric of widget.properties.metrics) {
          const dims = metric.filter((v: unknown) => typeof v === "string").slice(2);
          for (let i = 0; i < dims.length; i += 2) {
            const [key, value] = [dims[i], dims[i + 1]];
            if (["Environment", "Region", "ReceivingRegion"].includes(key)) continue;
            referenced++;
            if (key === "LoadBalancer") expect(value).toMatch(/^\$\{.*aws_lb.*arn_suffix\}$/);
            else if (key === "StateMachineArn") expect(ids).toContain(value.split(":stateMachine:")[1]);
            else expect([key, ids.has(value)]).toEqual([key, true]);
          }
        }
      }
    }
    expect(referenced).toBeGreaterThan(50);
  });

  test("lag widgets draw the RPO line in each metric's unit", () => {
    const prod = synthConfig(configVariant("prod"));
    const body = JSON.parse(all(prod.stacks["ops-us-east-1"], "aws_cloudwatch_dashboard")[0].dashboard_body);
    const aurora = body.widgets.find((w: any) => w.properties.title.startsWith("Aurora global replication lag"));
    expect(aurora.properties.annotations.horizontal[0]).toMatchObject({ label: "RPO", value: 60000 });
    const s3 = body.widgets.find((w: any) => w.properties.title.startsWith("S3 replication latency"));
    expect(s3.properties.annotations.horizontal[0].value).toBe(60);
  });
});
