/**
 * The health monitor: mock-based unit tests of each decision, then a short
 * drill against the stateful model (monitor ticks -> one execution -> failover).
 */
import "aws-sdk-client-mock-jest";
import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { AttributeValue, DynamoDBClient, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeDBClustersCommand, DescribeGlobalClustersCommand, DescribeGlobalClustersCommandOutput, RDSClient } from "@aws-sdk/client-rds";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { loadMonitorConfig } from "../../lambda/health-monitor/config";
import { checkBucket } from "../../lambda/health-monitor/counter";
import { incidentExecutionName } from "../../lambda/health-monitor/incident";
import { createMonitorHandler, runHealthCheck } from "../../lambda/health-monitor/monitor";
import { createStepHandler } from "../../lambda/failover-orchestrator/steps";
import { ConfigurationError, ERROR_NAMES } from "../../lambda/shared/errors";
import { FailoverRequest } from "../../lambda/shared/failover-request";
import { GATE_METRIC_NAME, GATE_METRIC_NAMESPACE, gateDimensions } from "../../lambda/shared/gate";
import { gateKey } from "../../lambda/shared/gate-store";
import { MONITOR_METRIC_NAMESPACE_DEFAULT, MONITOR_METRICS, monitorDimensions } from "../../lambda/shared/monitor-metrics";
import { Probe } from "../../lambda/shared/probe";
import { AwsModel, awsError } from "./support/aws-model";
import { Execution } from "./support/state-machine";
import {
  ACTIVE,
  CLUSTER_ARN,
  CLUSTER_ID,
  ENDPOINT,
  ENVIRONMENT,
  fakeTiming,
  failingProbe,
  GLOBAL_ID,
  monitorDeps,
  monitorEnv,
  okProbe,
  orchestratorDeps,
  STANDBY,
  standardModel,
  STATE_MACHINE_ARN,
  TABLE,
  TOPIC_ARN,
} from "./support/fixtures";

function globalCluster(writer: string, failoverTo?: string): DescribeGlobalClustersCommandOutput {
  return {
    $metadata: {},
    GlobalClusters: [
      {
        GlobalClusterIdentifier: GLOBAL_ID,
        Status: failoverTo ? "failing-over" : "available",
        GlobalClusterMembers: [ACTIVE, STANDBY].map((r) => ({ DBClusterArn: CLUSTER_ARN[r], IsWriter: r === writer, SynchronizationStatus: "connected" as const })),
        ...(failoverTo ? { FailoverState: { Status: "failing-over" as const, FromDbClusterArn: CLUSTER_ARN[writer], ToDbClusterArn: CLUSTER_ARN[failoverTo] } } : {}),
      },
    ],
  };
}

describe("health monitor (mocked clients)", () => {
  const rds = mockClient(RDSClient);
  const cloudwatch = mockClient(CloudWatchClient);
  const dynamodb = mockClient(DynamoDBClient);
  const sfn = mockClient(SFNClient);
  const sns = mockClient(SNSClient);
  const START = Date.UTC(2025, 0, 1, 12, 0, 30);

  /** Counter item as DynamoDB returns it after the update. */
  function counter(consecutiveFailures: number, streakStartedAt: number | null, actedIncident?: string) {
    return {
      Attributes: {
        pk: { S: `monitor#${GLOBAL_ID}` },
        consecutiveFailures: { N: String(consecutiveFailures) },
        lastCheckAt: { N: String(checkBucket(START, 60)) },
        ...(streakStartedAt === null ? {} : { streakStartedAt: { N: String(streakStartedAt) } }),
        ...(actedIncident ? { actedIncident: { S: actedIncident } } : {}),
      },
    };
  }

  const STREAK = checkBucket(START, 60) - 120;
  const INCIDENT = incidentExecutionName(GLOBAL_ID, CLUSTER_ARN[ACTIVE] as string, STREAK);

  beforeEach(() => {
    for (const m of [rds, cloudwatch, dynamodb, sfn, sns]) m.reset();
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(ACTIVE));
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ DBClusterIdentifier: CLUSTER_ID[STANDBY], DBClusterArn: CLUSTER_ARN[STANDBY], Status: "available" }] });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: "replicationLag", Values: [420] }, { Id: "rpoLag", Values: [] }] });
    cloudwatch.on(PutMetricDataCommand).resolves({});
    dynamodb.on(UpdateItemCommand).resolves(counter(0, null));
    dynamodb.on(GetItemCommand).resolves({}); // no traffic-gate decision stored
    sfn.on(StartExecutionCommand).resolves({ executionArn: "arn:exec", startDate: new Date(START) });
    sns.on(PublishCommand).resolves({ MessageId: "m" });
  });

  function deps(probe: Probe, env: Record<string, string | undefined> = {}) {
    const timing = fakeTiming(START);
    return monitorDeps({ probe, timing, env });
  }

  function verdictMetric(name: string) {
    const calls = cloudwatch.commandCalls(PutMetricDataCommand).filter((c) => c.args[0].input.Namespace === MONITOR_METRIC_NAMESPACE_DEFAULT);
    const data = calls[calls.length - 1]?.args[0].input.MetricData ?? [];
    return data.find((d) => d.MetricName === name)?.Value;
  }

  it("does nothing when the system is healthy, and resets the counter", async () => {
    const outcome = await runHealthCheck(deps(okProbe));

    expect(outcome.action).toBe("none");
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      TableName: TABLE,
      Key: { pk: { S: `monitor#${GLOBAL_ID}` } },
      ConditionExpression: "attribute_not_exists(#l) OR #l < :checkAt",
      UpdateExpression: expect.stringContaining("REMOVE"),
    });
    expect(verdictMetric(MONITOR_METRICS.activeRegionHealthy)).toBe(1);
    expect(verdictMetric(MONITOR_METRICS.replicationLag)).toBe(420);
    expect(cloudwatch).toHaveReceivedCommandWith(PutMetricDataCommand, {
      Namespace: MONITOR_METRIC_NAMESPACE_DEFAULT,
      MetricData: expect.arrayContaining([expect.objectContaining({ MetricName: MONITOR_METRICS.activeRegionHealthy, Dimensions: monitorDimensions(ENVIRONMENT, STANDBY) })]),
    });
  });

  it("does nothing after one bad check", async () => {
    dynamodb.on(UpdateItemCommand).resolves(counter(1, checkBucket(START, 60)));

    const outcome = await runHealthCheck(deps(failingProbe));

    expect(outcome.action).toBe("below-threshold");
    expect(outcome.consecutiveFailures).toBe(1);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
    expect(verdictMetric(MONITOR_METRICS.activeRegionHealthy)).toBe(0);
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, { UpdateExpression: expect.stringContaining("if_not_exists(#c, :zero) + :one") });
  });

  it("starts exactly one execution after N consecutive bad checks, named after the incident", async () => {
    dynamodb
      .on(UpdateItemCommand)
      .resolvesOnce(counter(1, STREAK))
      .resolvesOnce(counter(2, STREAK))
      .resolvesOnce(counter(3, STREAK))
      .resolvesOnce({}) // markActed
      .resolves(counter(4, STREAK, INCIDENT));
    const d = deps(failingProbe);

    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await runHealthCheck(d));

    expect(outcomes.map((o) => o.action)).toEqual(["below-threshold", "below-threshold", "started", "already-acted"]);
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: STATE_MACHINE_ARN[STANDBY], name: INCIDENT });
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? "{}") as FailoverRequest;
    expect(input).toMatchObject({ mode: "failover", strategy: "auto", approvalRequired: false, incidentId: INCIDENT, observedWriterArn: CLUSTER_ARN[ACTIVE] });
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      ConditionExpression: "#s = :streak",
      ExpressionAttributeValues: expect.objectContaining({ ":incident": { S: INCIDENT } }),
    });
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it("treats ExecutionAlreadyExists as success", async () => {
    dynamodb.on(UpdateItemCommand).resolves(counter(3, STREAK));
    sfn.on(StartExecutionCommand).rejects(awsError("ExecutionAlreadyExists", "Execution already exists"));

    const outcome = await runHealthCheck(deps(failingProbe));

    expect(outcome.action).toBe("started");
    expect(outcome.executionArn).toBe(`arn:aws:states:${STANDBY}:111122223333:execution:dr-prod-failover:${INCIDENT}`);
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, { ConditionExpression: "#s = :streak" });
  });

  it("in approval mode starts the execution waiting for approval and pages", async () => {
    dynamodb.on(UpdateItemCommand).resolves(counter(3, STREAK));

    const outcome = await runHealthCheck(deps(failingProbe, { FAILOVER_AUTHORITY: "approval" }));

    expect(outcome.action).toBe("approval-requested");
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? "{}") as FailoverRequest;
    expect(input.approvalRequired).toBe(true);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, { TopicArn: TOPIC_ARN[STANDBY], Subject: expect.stringContaining("awaits approval") });
  });

  it("in manual mode only pages", async () => {
    dynamodb.on(UpdateItemCommand).resolves(counter(3, STREAK));

    const outcome = await runHealthCheck(deps(failingProbe, { FAILOVER_AUTHORITY: "manual", STATE_MACHINE_ARN: undefined }));

    expect(outcome.action).toBe("paged");
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(JSON.parse(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? "{}")).toMatchObject({ kind: "failover-manual-action-required", incident: INCIDENT });
  });

  it("does not start a failover when this region's cluster is already the writer", async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(STANDBY));
    dynamodb.on(UpdateItemCommand).resolves(counter(5, STREAK));

    const outcome = await runHealthCheck(deps(failingProbe));

    expect(outcome.action).toBe("own-region-is-writer");
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it("does not start a failover while one is in progress", async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(ACTIVE, STANDBY));
    dynamodb.on(UpdateItemCommand).resolves(counter(4, STREAK));

    const outcome = await runHealthCheck(deps(failingProbe));

    expect(outcome.action).toBe("failover-in-progress");
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it("reads replication and RPO lag from AWS/RDS in its own region, for its own cluster", async () => {
    await runHealthCheck(deps(okProbe));

    const call = cloudwatch.commandCalls(GetMetricDataCommand)[0];
    const expressions = (call?.args[0].input.MetricDataQueries ?? []).map((q) => q.Expression ?? "");
    expect(expressions).toEqual([
      expect.stringMatching(/Namespace="AWS\/RDS" MetricName="AuroraGlobalDBReplicationLag" DBClusterIdentifier="dr-prod-usw2"/),
      expect.stringMatching(/MetricName="AuroraGlobalDBRPOLag"/),
    ]);
    const region = await (call?.thisValue as { config: { region: () => Promise<string> } }).config.region();
    expect(region).toBe(STANDBY);
  });

  it("still judges the active region when the lag cannot be read", async () => {
    cloudwatch.on(GetMetricDataCommand).rejects(awsError("AccessDenied", "no", "client", 403));
    dynamodb.on(UpdateItemCommand).resolves(counter(3, STREAK));

    const outcome = await runHealthCheck(deps(failingProbe));

    expect(outcome.action).toBe("started");
    expect(outcome.lag).toEqual({ replicationLagMs: null, rpoLagMs: null });
  });

  it("as an observer publishes metrics and never counts, starts or pages", async () => {
    const outcome = await runHealthCheck(deps(failingProbe, { ROLE: "observer" }));

    expect(outcome.consecutiveFailures).toBeNull();
    expect(dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
    expect(cloudwatch).toHaveReceivedCommand(PutMetricDataCommand);
  });

  describe("traffic-gate keep-alive", () => {
    const DECIDED_AT = START - 3_600_000;
    /** Gate decisions as the orchestrator stores them (shared/gate-store.ts), by item key. */
    function decision(region: string, value: 0 | 1): [string, Record<string, AttributeValue>] {
      const key = gateKey(GLOBAL_ID, region);
      return [
        key,
        {
          pk: { S: key },
          kind: { S: "traffic-gate" },
          gatedRegion: { S: region },
          value: { N: String(value) },
          decidedAt: { N: String(DECIDED_AT) },
          decidedIn: { S: STANDBY },
          executionId: { S: "arn:aws:states:us-west-2:111122223333:execution:dr-prod-failover:run-1" },
        },
      ];
    }
    function storedDecisions(...items: [string, Record<string, AttributeValue>][]): void {
      const byKey = Object.fromEntries(items);
      dynamodb.on(GetItemCommand).callsFake(async (input: { Key: { pk: { S: string } } }) => ({ Item: byKey[input.Key.pk.S] }));
    }
    const gatePublications = () => cloudwatch.commandCalls(PutMetricDataCommand).filter((c) => c.args[0].input.Namespace === GATE_METRIC_NAMESPACE);
    async function regionOfCall(call: { thisValue: unknown }): Promise<string> {
      return (call.thisValue as { config: { region: () => Promise<string> } }).config.region();
    }

    it.each(["decider", "observer"])("as %s republishes both regions' stored gates in its own region, with the gate metric's name and dimensions", async (role) => {
      storedDecisions(decision(STANDBY, 1), decision(ACTIVE, 0));

      const outcome = await runHealthCheck(deps(okProbe, { ROLE: role }));

      for (const region of [STANDBY, ACTIVE]) {
        expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, { TableName: TABLE, Key: { pk: { S: gateKey(GLOBAL_ID, region) } }, ConsistentRead: true });
      }
      const calls = gatePublications();
      expect(calls).toHaveLength(1);
      expect(calls[0]?.args[0].input).toEqual({
        Namespace: GATE_METRIC_NAMESPACE,
        MetricData: [
          { MetricName: GATE_METRIC_NAME, Dimensions: gateDimensions(ENVIRONMENT, STANDBY), Value: 1, Unit: "None", Timestamp: new Date(START) },
          { MetricName: GATE_METRIC_NAME, Dimensions: gateDimensions(ENVIRONMENT, ACTIVE), Value: 0, Unit: "None", Timestamp: new Date(START) },
        ],
      });
      expect(calls[0] && (await regionOfCall(calls[0]))).toBe(STANDBY);
      expect(outcome.gates).toEqual({ status: "published", published: { [STANDBY]: 1, [ACTIVE]: 0 }, errors: [] });
      expect(verdictMetric(MONITOR_METRICS.activeRegionHealthy)).toBe(1);
    });

    it("republishes only the gates that have a decision, and none without any (never fenced = open)", async () => {
      storedDecisions(decision(ACTIVE, 0));
      await runHealthCheck(deps(okProbe));
      expect(gatePublications().map((c) => c.args[0].input.MetricData?.map((d) => [d.Dimensions?.[1]?.Value, d.Value]))).toEqual([[[ACTIVE, 0]]]);

      cloudwatch.resetHistory();
      storedDecisions();
      const outcome = await runHealthCheck(deps(okProbe));
      expect(gatePublications()).toHaveLength(0);
      expect(outcome.gates).toEqual({ status: "none", published: {}, errors: [] });
      expect(verdictMetric(MONITOR_METRICS.activeRegionHealthy)).toBe(1);
    });

    it("ignores an item under a gate key that is not a gate decision", async () => {
      storedDecisions([gateKey(GLOBAL_ID, STANDBY), { pk: { S: gateKey(GLOBAL_ID, STANDBY) }, value: { S: "open" } }]);
      const outcome = await runHealthCheck(deps(okProbe));
      expect(gatePublications()).toHaveLength(0);
      expect(outcome.gates.status).toBe("none");
    });

    it("keeps its verdict and action when the gate decisions cannot be read", async () => {
      dynamodb.on(UpdateItemCommand).resolves(counter(3, STREAK));
      dynamodb.on(GetItemCommand).rejects(awsError("AccessDeniedException", "not authorized to perform dynamodb:GetItem", "client", 403));

      const outcome = await createMonitorHandler(deps(failingProbe))();

      expect(outcome).toMatchObject({ activeRegionHealthy: false, consecutiveFailures: 3, action: "started", incident: INCIDENT });
      expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
      expect(verdictMetric(MONITOR_METRICS.activeRegionHealthy)).toBe(0);
      expect(gatePublications()).toHaveLength(0);
      expect(outcome.gates.status).toBe("failed");
      expect(outcome.gates.errors.join(" ")).toMatch(/AccessDeniedException/);
    });

    it("still republishes the gate it could read when the other read fails", async () => {
      const [key, item] = decision(ACTIVE, 0);
      dynamodb.on(GetItemCommand).callsFake(async (input: { Key: { pk: { S: string } } }) => {
        if (input.Key.pk.S === key) return { Item: item };
        throw awsError("InternalServerError", "boom", "server", 500);
      });

      const outcome = await runHealthCheck(deps(okProbe));

      expect(outcome.gates).toMatchObject({ status: "published", published: { [ACTIVE]: 0 } });
      expect(outcome.gates.errors).toHaveLength(1);
    });

    it("keeps its verdict and action when the gates cannot be published", async () => {
      storedDecisions(decision(STANDBY, 1), decision(ACTIVE, 0));
      dynamodb.on(UpdateItemCommand).resolves(counter(3, STREAK));
      cloudwatch.on(PutMetricDataCommand).callsFake(async (input: { Namespace?: string }) => {
        if (input.Namespace === GATE_METRIC_NAMESPACE) throw awsError("InternalFailure", "boom", "server", 500);
        return {};
      });

      const outcome = await createMonitorHandler(deps(failingProbe))();

      expect(outcome).toMatchObject({ activeRegionHealthy: false, consecutiveFailures: 3, action: "started" });
      expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
      expect(verdictMetric(MONITOR_METRICS.activeRegionHealthy)).toBe(0);
      expect(gatePublications().length).toBeGreaterThan(0); // tried (with retries)
      expect(outcome.gates).toMatchObject({ status: "failed", published: {} });
    });

    it("still publishes the gates when the check itself fails, before the handler reports the failure", async () => {
      storedDecisions(decision(STANDBY, 1));
      rds.on(DescribeGlobalClustersCommand).rejects(awsError("InternalFailure", "boom", "server", 500));

      await expect(createMonitorHandler(deps(okProbe))()).rejects.toMatchObject({ name: ERROR_NAMES.transient });
      expect(gatePublications()).toHaveLength(1);
    });
  });

  it("reads a duplicate delivery of the same tick instead of counting it twice", async () => {
    dynamodb.on(UpdateItemCommand).rejects(awsError("ConditionalCheckFailedException"));
    dynamodb.on(GetItemCommand).resolves({ Item: counter(2, STREAK).Attributes });

    const outcome = await runHealthCheck(deps(failingProbe));

    expect(outcome.consecutiveFailures).toBe(2);
    expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, { ConsistentRead: true });
  });

  it("the handler reports an RDS outage in its own region as TransientError", async () => {
    rds.on(DescribeGlobalClustersCommand).rejects(awsError("InternalFailure", "boom", "server", 500));

    await expect(createMonitorHandler(deps(okProbe))()).rejects.toMatchObject({ name: ERROR_NAMES.transient });
  });

  it("is wired from the environment with module-scope clients", async () => {
    const env = { ...process.env };
    Object.assign(process.env, monitorEnv(STANDBY), { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", LOG_LEVEL: "error" });
    const fetchSpy = jest.spyOn(globalThis, "fetch").mockResolvedValue(new Response(null, { status: 200 }));
    try {
      const { handler } = require("../../lambda/health-monitor/index") as typeof import("../../lambda/health-monitor/index");
      const outcome = await handler();
      expect(outcome.activeRegionHealthy).toBe(true);
      expect(fetchSpy).toHaveBeenCalledWith(ENDPOINT[ACTIVE], expect.objectContaining({ method: "GET" }));
    } finally {
      fetchSpy.mockRestore();
      process.env = env;
    }
  });
});

describe("health monitor configuration", () => {
  it("fails fast naming a missing variable", () => {
    expect(() => loadMonitorConfig(monitorEnv(STANDBY, { STATE_MACHINE_ARN: undefined }))).toThrow(ConfigurationError);
    expect(() => loadMonitorConfig(monitorEnv(STANDBY, { STATE_MACHINE_ARN: undefined }))).toThrow(/STATE_MACHINE_ARN/);
  });

  it("names an invalid value and what is allowed", () => {
    expect(() => loadMonitorConfig(monitorEnv(STANDBY, { FAILOVER_AUTHORITY: "yolo" }))).toThrow(/FAILOVER_AUTHORITY must be one of automatic, approval, manual \(got "yolo"\)/);
    expect(() => loadMonitorConfig(monitorEnv(STANDBY, { FAILURE_THRESHOLD: "0" }))).toThrow(/FAILURE_THRESHOLD must be at least 1/);
    expect(() => loadMonitorConfig(monitorEnv(STANDBY, { ACTIVE_ENDPOINT_URL: "http://x" }))).toThrow(/ACTIVE_ENDPOINT_URL must use https/);
  });

  it("needs the peer region and the state table in both roles", () => {
    expect(() => loadMonitorConfig(monitorEnv(STANDBY, { PEER_REGION: undefined }))).toThrow(/PEER_REGION is required/);
    expect(() => loadMonitorConfig(monitorEnv(STANDBY, { PEER_REGION: STANDBY }))).toThrow(/PEER_REGION must differ/);
    expect(() => loadMonitorConfig(monitorEnv(STANDBY, { ROLE: "observer", STATE_TABLE_NAME: undefined }))).toThrow(/STATE_TABLE_NAME is required/);
    expect(loadMonitorConfig(monitorEnv(STANDBY, { ROLE: "observer" }))).toMatchObject({ peerRegion: ACTIVE, stateTableName: TABLE });
  });

  it("has documented defaults for timing", () => {
    const config = loadMonitorConfig(monitorEnv(STANDBY, { FAILURE_THRESHOLD: undefined }));
    expect(config).toMatchObject({ failureThreshold: 3, checkIntervalSeconds: 60, probeTimeoutMs: 5000, metricNamespace: MONITOR_METRIC_NAMESPACE_DEFAULT });
  });
});

describe("incident execution names", () => {
  it("are deterministic, valid Step Functions names of at most 80 characters", () => {
    const long = "x".repeat(63);
    const a = incidentExecutionName(long, CLUSTER_ARN[ACTIVE] as string, 1735732800);
    expect(a).toBe(incidentExecutionName(long, CLUSTER_ARN[ACTIVE] as string, 1735732800));
    expect(a.length).toBeLessThanOrEqual(80);
    expect(a).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("differ per writer and per streak", () => {
    const base = incidentExecutionName(GLOBAL_ID, CLUSTER_ARN[ACTIVE] as string, 1735732800);
    expect(incidentExecutionName(GLOBAL_ID, CLUSTER_ARN[STANDBY] as string, 1735732800)).not.toBe(base);
    expect(incidentExecutionName(GLOBAL_ID, CLUSTER_ARN[ACTIVE] as string, 1735732860)).not.toBe(base);
  });
});

describe("health monitor against the stateful model", () => {
  let model: AwsModel;

  beforeEach(() => {
    model = standardModel();
    model.install();
    model.advance(30_000);
  });

  afterEach(() => model.restore());

  const monitor = () => createMonitorHandler(monitorDeps({ probe: model.probe, timing: model }));

  it("one blip never fails over", async () => {
    const check = monitor();
    model.setEndpointHealthy(ACTIVE, false);
    await check();
    model.advance(60_000);
    model.setEndpointHealthy(ACTIVE, true);
    await check();
    for (let i = 0; i < 2; i++) {
      model.advance(60_000);
      model.setEndpointHealthy(ACTIVE, false);
      await check();
    }

    expect(model.executions(STANDBY)).toHaveLength(0);
    expect(model.item(STANDBY, TABLE, `monitor#${GLOBAL_ID}`)?.consecutiveFailures?.N).toBe("2");
  });

  it("counts a duplicated tick once, starts one execution at the threshold, and the started failover completes", async () => {
    const check = monitor();
    model.setRegionDown(ACTIVE);

    const actions: string[] = [];
    for (let minute = 0; minute < 5; minute++) {
      actions.push((await check()).action);
      if (minute === 0) actions.push((await check()).action); // EventBridge delivered the same tick twice
      model.advance(60_000);
    }

    expect(actions).toEqual(["below-threshold", "below-threshold", "below-threshold", "started", "already-acted", "already-acted"]);
    const executions = model.executions(STANDBY);
    expect(executions).toHaveLength(1);

    // The state machine runs the started execution in the standby region.
    const started = executions[0];
    const orchestrator = createStepHandler(orchestratorDeps({ probe: model.probe, timing: model }));
    const run = await new Execution(orchestrator, started?.arn ?? "", JSON.parse(started?.input ?? "{}") as FailoverRequest).run();
    expect(run.status).toBe("SUCCEEDED");
    expect(model.writer()?.arn).toBe(CLUSTER_ARN[STANDBY]);

    // Later checks see this region as writer: nothing more to start.
    model.advance(60_000);
    const after = await check();
    expect(after.action).toBe("own-region-is-writer");
    expect(model.executions(STANDBY)).toHaveLength(1);
    expect(model.promotions).toHaveLength(1);
  });
});
