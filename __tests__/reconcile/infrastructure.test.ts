/**
 * The reconciliation's infrastructure on the synthesized Terraform JSON: the
 * time index on txmeta, the reconciler function and its least-privilege role,
 * the state machine, the health monitor's trigger wiring, the dashboard, and
 * the switch that turns it all off.
 */
import { SynthesizedApp, TerraformJson } from "../../app/layout-check";
import { loadReconcilerConfig } from "../../lambda/reconciler/config";
import { RECONCILIATION_METRIC_NAMESPACE } from "../../lambda/reconciler/names";
import { RECONCILIATION_STATES as S } from "../../lambda/reconciler/state-machine";
import { TIME_INDEX } from "../../lambda/transaction-processor/record";
import { asList } from "../support/policy";
import { configVariant } from "../support/config";
import { synthConfig } from "../support/synth";

const FAKE_ACCOUNT = "123456789012";
const REGIONS = ["us-east-1", "us-east-2"] as const;
const peerOf = (region: string) => (region === "us-east-1" ? "us-east-2" : "us-east-1");
const codeOf = (region: string) => (region === "us-east-1" ? "use1" : "use2");

let dev: SynthesizedApp;
let off: SynthesizedApp;
beforeAll(() => {
  dev = synthConfig(configVariant("dev"));
  off = synthConfig(configVariant("dev", { reconciliation: { enabled: false } }));
});

const ops = (app: SynthesizedApp, region: string) => app.stacks[`ops-${region}`] as TerraformJson;
const byType = (stack: TerraformJson, type: string): [string, any][] => Object.entries<any>(stack.resource?.[type] ?? {});
const bodies = (stack: TerraformJson, type: string) => byType(stack, type).map(([, b]) => b);

interface Statement {
  sid?: string;
  effect: string;
  actions: string[];
  resources: string[];
  condition?: { test: string; variable: string; values: string[] }[];
}

function roleStatements(stack: TerraformJson, roleName: string): Statement[] {
  const role = byType(stack, "aws_iam_role").find(([, r]) => r.name === roleName);
  if (!role) throw new Error(`No role ${roleName}`);
  return bodies(stack, "aws_iam_role_policy")
    .filter((p) => p.role === `\${aws_iam_role.${role[0]}.id}`)
    .flatMap((p) => asList<Statement>(stack.data.aws_iam_policy_document[/^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$/.exec(p.policy)![1]!].statement));
}

function resolve(value: string): string {
  return value
    .replace(/\$\{data\.aws_caller_identity\.[^}]+\.account_id\}/g, FAKE_ACCOUNT)
    .replace(/\$\{data\.aws_partition\.[^}]+\.partition\}/g, "aws")
    .replace(/\$\{data\.aws_kms_alias\.keys_data_[A-F0-9]+\.target_key_arn\}/g, `arn:aws:kms:REGION:${FAKE_ACCOUNT}:key/data`)
    .replace(/\$\{data\.terraform_remote_state\.[^}]+aws_sns_topicalerts_topic_[A-F0-9]+arn\}/g, `arn:aws:sns:REGION:${FAKE_ACCOUNT}:txdr-alerts-dev`);
}

const reconciler = (app: SynthesizedApp, region: string) => bodies(ops(app, region), "aws_lambda_function").find((f) => f.function_name === "txdr-reconciler-dev");
const machine = (app: SynthesizedApp, region: string) => bodies(ops(app, region), "aws_sfn_state_machine").find((m) => m.name === "txdr-reconcile-dev");
const monitor = (app: SynthesizedApp, region: string) => bodies(ops(app, region), "aws_lambda_function").find((f) => f.function_name === "txdr-health-monitor-dev");

describe("the time index of txmeta", () => {
  test("GIVEN the founding region's data stack THEN txmeta, keyed per client (recordKey), has the byReceivedMinute index (minute, receivedAt#recordKey), keys only, and the other tables none", () => {
    const tables = bodies(dev.stacks["data-us-east-1"] as TerraformJson, "aws_dynamodb_table");
    const txmeta = tables.find((t) => t.name === "txdr-txmeta-dev");
    expect(txmeta.global_secondary_index).toEqual([{ name: TIME_INDEX.name, hash_key: "receivedMinute", range_key: "receivedSort", projection_type: "KEYS_ONLY" }]);
    expect(txmeta.attribute).toEqual([
      { name: "recordKey", type: "S" },
      { name: "receivedMinute", type: "S" },
      { name: "receivedSort", type: "S" },
    ]);
    expect(txmeta.billing_mode).toBe("PAY_PER_REQUEST");
    for (const other of tables.filter((t) => t !== txmeta)) expect(other.global_secondary_index).toBeUndefined();
  });

  test("GIVEN the other region THEN its replica is the same aws_dynamodb_table_replica as before (DynamoDB creates the index on every replica)", () => {
    const replicas = bodies(dev.stacks["replicas-us-east-2"] as TerraformJson, "aws_dynamodb_table_replica");
    expect(replicas.find((r) => String(r.global_table_arn).endsWith(":table/txdr-txmeta-dev"))).toMatchObject({ point_in_time_recovery: true });
  });
});

describe("the reconciler function", () => {
  test.each(REGIONS)("GIVEN %s THEN it runs in the private subnets with the failover group, two at most, and its environment loads, pointing at the other region", (region) => {
    const fn = reconciler(dev, region);
    expect(fn).toMatchObject({ runtime: "nodejs22.x", memory_size: 512, timeout: 300, reserved_concurrent_executions: 2, tracing_config: { mode: "Active" } });
    expect(fn.vpc_config.security_group_ids).toHaveLength(1);
    const env = Object.fromEntries(Object.entries<string>(fn.environment.variables).map(([k, v]) => [k, resolve(v).replace("REGION", region)]));
    const config = loadReconcilerConfig({ ...env, AWS_REGION: region });
    expect(config).toMatchObject({
      region,
      peerRegion: peerOf(region),
      tableName: "txdr-txmeta-dev",
      bucketName: `txdr-txlogs-${codeOf(region)}-dev`,
      peerBucketName: `txdr-txlogs-${codeOf(peerOf(region))}-dev`,
      stateTableName: "txdr-failover-lock-dev",
      clockSkewSeconds: 5,
      lookbackSeconds: 3600,
    });
  });

  test.each(REGIONS)("GIVEN %s THEN its role reads the other region (index, records, log objects) and writes only its own region: records, log objects under transactions/, reports under reconciliation/", (region) => {
    const statements = roleStatements(ops(dev, region), `txdr-reconciler-${codeOf(region)}-dev`);
    const peer = peerOf(region);
    const resourcesOf = (action: string) => statements.filter((s) => s.actions.includes(action)).flatMap((s) => s.resources.map(resolve)).sort();
    expect(resourcesOf("dynamodb:Query")).toEqual([`arn:aws:dynamodb:${peer}:${FAKE_ACCOUNT}:table/txdr-txmeta-dev/index/${TIME_INDEX.name}`]);
    expect(resourcesOf("dynamodb:BatchGetItem")).toEqual([`arn:aws:dynamodb:${peer}:${FAKE_ACCOUNT}:table/txdr-txmeta-dev`, `arn:aws:dynamodb:${region}:${FAKE_ACCOUNT}:table/txdr-txmeta-dev`].sort());
    expect(resourcesOf("dynamodb:PutItem")).toEqual([`arn:aws:dynamodb:${region}:${FAKE_ACCOUNT}:table/txdr-txmeta-dev`]);
    expect(resourcesOf("s3:PutObject")).toEqual([`arn:aws:s3:::txdr-txlogs-${codeOf(region)}-dev/reconciliation/*`, `arn:aws:s3:::txdr-txlogs-${codeOf(region)}-dev/transactions/*`]);
    expect(resourcesOf("s3:GetObject")).toEqual(
      [`arn:aws:s3:::txdr-txlogs-${codeOf(peer)}-dev/transactions/*`, `arn:aws:s3:::txdr-txlogs-${codeOf(region)}-dev/reconciliation/*`, `arn:aws:s3:::txdr-txlogs-${codeOf(region)}-dev/transactions/*`].sort(),
    );
    // Nothing of the other region is written.
    const writes = statements.filter((s) => s.actions.some((a) => /:(Put|Update|Delete|BatchWrite)/.test(a)));
    for (const s of writes) for (const r of s.resources.map(resolve)) expect([r, r.includes(`:${peer}:`) || r.includes(`-${codeOf(peer)}-`)]).toEqual([r, false]);
    // The state table: audit records only, read only.
    const audit = statements.find((s) => s.sid === "ReadFailoverAuditRecords")!;
    expect(audit.actions).toEqual(["dynamodb:GetItem"]);
    expect(audit.condition).toEqual([{ test: "ForAllValues:StringLike", variable: "dynamodb:LeadingKeys", values: ["audit#*"] }]);
    // Keys only through the services that use them.
    for (const s of statements.filter((x) => x.actions.some((a) => a.startsWith("kms:")))) expect(s.condition?.[0]?.variable).toBe("kms:ViaService");
    expect(statements.find((s) => s.actions.includes("cloudwatch:PutMetricData"))!.condition).toEqual(
      expect.arrayContaining([{ test: "StringEquals", variable: "cloudwatch:namespace", values: [RECONCILIATION_METRIC_NAMESPACE] }]),
    );
  });
});

describe("the reconciliation state machine", () => {
  test.each(REGIONS)("GIVEN %s THEN it is STANDARD, traced, logs ALL without execution data (the task token), and every task invokes its own region's reconciler", (region) => {
    const sm = machine(dev, region);
    expect(sm).toMatchObject({ type: "STANDARD", tracing_configuration: { enabled: true }, logging_configuration: { level: "ALL", include_execution_data: false } });
    const definition = JSON.parse(sm.definition);
    const fnAddress = Object.entries<any>(ops(dev, region).resource.aws_lambda_function).find(([, f]) => f.function_name === "txdr-reconciler-dev")![0];
    const tasks = Object.values<any>(definition.States).filter((s) => s.Type === "Task");
    expect(tasks.length).toBeGreaterThan(5);
    for (const t of tasks) expect(t.Parameters.FunctionName).toBe(`\${aws_lambda_function.${fnAddress}.arn}`);
  });

  test("GIVEN the definition THEN it settles before comparing, loops the compare and replay slices, and asks a person (task token, refusal and timeout handled) before any replay", () => {
    const d = JSON.parse(machine(dev, "us-east-2").definition);
    expect(d.States[S.settle]).toMatchObject({ Type: "Wait", SecondsPath: "$.request.settleSeconds" });
    expect(d.States[S.init].Parameters.defaults).toEqual({ settleSeconds: 120, dryRun: false });
    expect(d.States[S.compareDone].Choices).toEqual([{ Variable: "$.run.compare.done", BooleanEquals: false, Next: S.compare }]);
    expect(d.States[S.needsApproval].Choices).toEqual([
      { Variable: "$.request.dryRun", BooleanEquals: true, Next: S.done },
      { Variable: "$.run.report.summary.replayable", NumericGreaterThan: 0, Next: S.requestApproval },
    ]);
    const approval = d.States[S.requestApproval];
    expect(approval).toMatchObject({ TimeoutSeconds: 86_400, Next: S.replay });
    expect(resolve(approval.Resource)).toBe("arn:aws:states:::lambda:invoke.waitForTaskToken");
    expect(approval.Parameters.Payload).toEqual({ step: "requestApproval", "state.$": "$", "taskToken.$": "$$.Task.Token" });
    expect(approval.Catch.map((c: any) => [c.ErrorEquals, c.Next])).toEqual([
      [["Refused"], S.notifyRefused],
      [["States.Timeout"], S.notifyExpired],
      [["States.ALL"], S.notifyFailed],
    ]);
    // The only way into Replay is through the approval.
    const into = Object.entries<any>(d.States).filter(([, s]) => s.Next === S.replay || s.Default === S.replay || (s.Choices ?? []).some((c: any) => c.Next === S.replay)).map(([n]) => n);
    expect(into.sort()).toEqual([S.replayDone, S.requestApproval].sort());
    expect(d.States[S.failed].Type).toBe("Fail");
  });

  test("GIVEN reconciliation settings in configuration THEN the settle time and the approval timeout follow them", () => {
    const custom = synthConfig(configVariant("dev", { reconciliation: { settleSeconds: 300, approvalTimeoutSeconds: 3600 } }));
    const d = JSON.parse(machine(custom, "us-east-1").definition);
    expect(d.States[S.init].Parameters.defaults.settleSeconds).toBe(300);
    expect(d.States[S.requestApproval].TimeoutSeconds).toBe(3600);
  });
});

describe("the trigger: the writer region's health monitor", () => {
  test.each(REGIONS)("GIVEN %s THEN the monitor knows its own region's reconciliation state machine and may start and follow it, read the other region's fence and the audit records", (region) => {
    const env = monitor(dev, region).environment.variables;
    expect(resolve(env.RECONCILIATION_STATE_MACHINE_ARN)).toBe(`arn:aws:states:${region}:${FAKE_ACCOUNT}:stateMachine:txdr-reconcile-dev`);
    const statements = roleStatements(ops(dev, region), `txdr-health-monitor-${codeOf(region)}-dev`);
    const sid = (name: string) => statements.find((s) => s.sid === name)!;
    expect(sid("StartReconciliation").resources.map(resolve)).toEqual([`arn:aws:states:${region}:${FAKE_ACCOUNT}:stateMachine:txdr-reconcile-dev`]);
    expect(sid("FollowReconciliations").resources.map(resolve)).toEqual([`arn:aws:states:${region}:${FAKE_ACCOUNT}:execution:txdr-reconcile-dev:*`]);
    expect(sid("ReadPeerFenceForReconciliation").condition![0]!.values).toEqual([`fence#${peerOf(region)}`]);
    expect(sid("ReadFailoverAuditForReconciliation").condition![0]!.values).toEqual(["audit#*"]);
  });

  test("GIVEN reconciliation.enabled false THEN there is no reconciler, no state machine, no monitor variable or grant", () => {
    for (const region of REGIONS) {
      expect(reconciler(off, region)).toBeUndefined();
      expect(machine(off, region)).toBeUndefined();
      expect(monitor(off, region).environment.variables.RECONCILIATION_STATE_MACHINE_ARN).toBeUndefined();
      expect(roleStatements(ops(off, region), `txdr-health-monitor-${codeOf(region)}-dev`).find((s) => s.sid === "StartReconciliation")).toBeUndefined();
    }
  });
});

describe("observability", () => {
  test.each(REGIONS)("GIVEN %s THEN its regional dashboard shows the missing, conflicting and replayed counts and the missing amount per currency, and a failed run alarms", (region) => {
    const dashboard = bodies(ops(dev, region), "aws_cloudwatch_dashboard").find((d) => d.dashboard_name === `txdr-dr-${codeOf(region)}-dev`);
    const body = dashboard.dashboard_body as string;
    expect(body).toContain(`"${RECONCILIATION_METRIC_NAMESPACE}","MissingRecords","Environment","dev","Region","${region}"`);
    expect(body).toContain("MetricName=\\\"MissingAmount\\\"");
    const alarms = bodies(ops(dev, region), "aws_cloudwatch_metric_alarm").filter((a) => a.metric_name === "ExecutionsFailed").map((a) => resolve(a.dimensions.StateMachineArn));
    expect(alarms).toContain(`arn:aws:states:${region}:${FAKE_ACCOUNT}:stateMachine:txdr-reconcile-dev`);
  });
});
