/**
 * Orchestrator steps with aws-sdk-client-mock: which commands each step sends,
 * with which input, to which region.
 */
import "aws-sdk-client-mock-jest";
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import {
  DescribeDBClustersCommand,
  DescribeGlobalClustersCommand,
  DescribeGlobalClustersCommandOutput,
  FailoverGlobalClusterCommand,
  RDSClient,
  SwitchoverGlobalClusterCommand,
} from "@aws-sdk/client-rds";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { FailoverState, RunRecord, StepName } from "../../lambda/failover-orchestrator/contract";
import { OrchestratorDeps } from "../../lambda/failover-orchestrator/deps";
import { lockKey } from "../../lambda/failover-orchestrator/lock";
import { createStepHandler, runStep } from "../../lambda/failover-orchestrator/steps";
import { ERROR_NAMES } from "../../lambda/shared/errors";
import { FailoverRequest } from "../../lambda/shared/failover-request";
import { GATE_METRIC_NAME, GATE_METRIC_NAMESPACE, gateDimensions } from "../../lambda/shared/gate";
import { gateKey } from "../../lambda/shared/gate-store";
import { Probe } from "../../lambda/shared/probe";
import { awsError, throttling, unreachable } from "./support/aws-model";
import {
  ACTIVE,
  ACTIVE_MIN,
  CLUSTER_ARN,
  CLUSTER_ID,
  ENVIRONMENT,
  executionId,
  fakeTiming,
  GLOBAL_ID,
  MAX,
  okProbe,
  orchestratorDeps,
  RESOURCE_ID,
  STANDBY,
  STANDBY_MIN,
  TABLE,
  TOPIC_ARN,
} from "./support/fixtures";

const rds = mockClient(RDSClient);
const cloudwatch = mockClient(CloudWatchClient);
const dynamodb = mockClient(DynamoDBClient);
const autoscaling = mockClient(ApplicationAutoScalingClient);
const sns = mockClient(SNSClient);

const EXECUTION = executionId("run-1");

function globalCluster(writer: string, failoverTo?: string, status = "available"): DescribeGlobalClustersCommandOutput {
  return {
    $metadata: {},
    GlobalClusters: [
      {
        GlobalClusterIdentifier: GLOBAL_ID,
        Status: status,
        GlobalClusterMembers: [ACTIVE, STANDBY].map((r) => ({ DBClusterArn: CLUSTER_ARN[r], IsWriter: r === writer, SynchronizationStatus: "connected" })),
        ...(failoverTo ? { FailoverState: { Status: "failing-over" as const, FromDbClusterArn: CLUSTER_ARN[writer], ToDbClusterArn: CLUSTER_ARN[failoverTo], IsDataLossAllowed: true } } : {}),
      },
    ],
  };
}

function dbCluster(region: string, status = "available") {
  return { DBClusters: [{ DBClusterIdentifier: CLUSTER_ID[region], DBClusterArn: CLUSTER_ARN[region], Status: status }] };
}

function lagResult(replicationLagMs: number | null, rpoLagMs: number | null = null) {
  return {
    MetricDataResults: [
      { Id: "replicationLag", Values: replicationLagMs === null ? [] : [replicationLagMs] },
      { Id: "rpoLag", Values: rpoLagMs === null ? [] : [rpoLagMs] },
    ],
  };
}

async function regionOf(call: { thisValue: unknown }): Promise<string> {
  return (call.thisValue as { config: { region: () => Promise<string> } }).config.region();
}

/** Both regions healthy, active region's cluster is writer, lock free, scalable targets at their usual values. */
function healthySystem(): void {
  rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(ACTIVE));
  rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: CLUSTER_ID[STANDBY] }).resolves(dbCluster(STANDBY));
  rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: CLUSTER_ARN[ACTIVE] }).resolves(dbCluster(ACTIVE));
  rds.on(FailoverGlobalClusterCommand).resolves({});
  rds.on(SwitchoverGlobalClusterCommand).resolves({});
  cloudwatch.on(GetMetricDataCommand).resolves(lagResult(640, 900));
  cloudwatch.on(PutMetricDataCommand).resolves({});
  dynamodb.on(UpdateItemCommand).resolves({ Attributes: {} });
  dynamodb.on(PutItemCommand).resolves({});
  dynamodb.on(DeleteItemCommand).resolves({});
  dynamodb.on(GetItemCommand).resolves({});
  autoscaling.on(DescribeScalableTargetsCommand).callsFake(async (input: { ResourceIds: string[] }) => ({
    ScalableTargets: input.ResourceIds.map((id) => ({
      ResourceId: id,
      MinCapacity: id === RESOURCE_ID[ACTIVE] ? ACTIVE_MIN : STANDBY_MIN,
      MaxCapacity: MAX,
    })),
  }));
  autoscaling.on(RegisterScalableTargetCommand).resolves({});
  sns.on(PublishCommand).resolves({ MessageId: "m-1" });
}

/** The active region's APIs time out. */
function activeRegionDown(): void {
  rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: CLUSTER_ARN[ACTIVE] }).rejects(unreachable(ACTIVE));
}

let deps: OrchestratorDeps;
let timing: ReturnType<typeof fakeTiming>;

function makeDeps(options: { probe?: Probe; env?: Record<string, string>; own?: string } = {}): OrchestratorDeps {
  timing = fakeTiming();
  deps = orchestratorDeps({ own: options.own ?? STANDBY, probe: options.probe ?? okProbe, timing, env: options.env });
  return deps;
}

async function runSteps(request: FailoverRequest, steps: readonly StepName[], d: OrchestratorDeps = deps): Promise<FailoverState> {
  let state: FailoverState = { executionId: EXECUTION, request };
  for (const step of steps) state = await runStep({ step, state }, d);
  return state;
}

function runOf(state: FailoverState): RunRecord {
  if (!state.run) throw new Error("no run in state");
  return state.run;
}

beforeEach(() => {
  rds.reset();
  cloudwatch.reset();
  dynamodb.reset();
  autoscaling.reset();
  sns.reset();
  healthySystem();
  makeDeps();
});

describe("begin", () => {
  it("takes the lock with the expiry checked in the write condition, in the standby region's table", async () => {
    await runSteps({ mode: "failover" }, ["begin"]);

    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      TableName: TABLE,
      Key: { pk: { S: lockKey(GLOBAL_ID) } },
      ConditionExpression: "attribute_not_exists(#pk) OR #exp < :now OR #holder = :holder",
      ExpressionAttributeValues: expect.objectContaining({ ":holder": { S: EXECUTION }, ":now": { N: String(Date.UTC(2025, 0, 1) / 1000) } }),
    });
    const call = dynamodb.commandCalls(UpdateItemCommand)[0];
    expect(call && (await regionOf(call))).toBe(STANDBY);
  });

  it("fails with LockHeldError naming the holder when another execution holds the lock", async () => {
    dynamodb.on(UpdateItemCommand).rejects(awsError("ConditionalCheckFailedException"));
    dynamodb.on(GetItemCommand).resolves({ Item: { pk: { S: lockKey(GLOBAL_ID) }, holder: { S: "arn:other" }, expiresAt: { N: "1735690000" } } });

    await expect(runSteps({ mode: "failover" }, ["begin"])).rejects.toMatchObject({ name: ERROR_NAMES.lockHeld, message: expect.stringContaining("arn:other") });
  });

  it("chooses an unplanned failover when the active region's database cannot be reached", async () => {
    activeRegionDown();

    const run = runOf(await runSteps({ mode: "failover" }, ["begin"]));

    expect(run.strategy).toBe("unplanned");
    expect(run.oldWriterArn).toBe(CLUSTER_ARN[ACTIVE]);
  });

  it("refuses a request whose observed writer is no longer the writer (stale or late approval)", async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(ACTIVE));

    await expect(runSteps({ mode: "failover", observedWriterArn: "arn:aws:rds:us-east-1:111122223333:cluster:previous-writer" }, ["begin"])).rejects.toMatchObject({
      name: ERROR_NAMES.preconditionFailed,
      message: expect.stringContaining("writer-unchanged-since-detection"),
    });
    expect(rds).not.toHaveReceivedCommand(FailoverGlobalClusterCommand);
  });

  it("rejects a failback input asking for an unplanned failover", async () => {
    await expect(runSteps({ mode: "failback", strategy: "unplanned" }, ["begin"])).rejects.toMatchObject({ name: ERROR_NAMES.preconditionFailed });
    expect(dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
  });
});

describe("promote", () => {
  it("calls FailoverGlobalCluster with AllowDataLoss: true against the standby region's cluster when the active region is gone", async () => {
    activeRegionDown();

    const run = runOf(await runSteps({ mode: "failover" }, ["begin", "promote"]));

    expect(rds).toHaveReceivedCommandWith(FailoverGlobalClusterCommand, {
      GlobalClusterIdentifier: GLOBAL_ID,
      TargetDbClusterIdentifier: CLUSTER_ARN[STANDBY],
      AllowDataLoss: true,
    });
    expect(rds).toHaveReceivedCommandTimes(FailoverGlobalClusterCommand, 1);
    expect(rds).not.toHaveReceivedCommand(SwitchoverGlobalClusterCommand);
    const call = rds.commandCalls(FailoverGlobalClusterCommand)[0];
    expect(call && (await regionOf(call))).toBe(STANDBY);
    expect(run.promotion).toBe("requested");
    expect(run.estimatedDataLossMs).toBe(640);
    expect(run.replicationLagMsAtPromotion).toBe(640);
    expect(run.rpoLagMsAtPromotion).toBe(900);
  });

  it("records the promotion intent on the lock, conditional on holding it, before calling", async () => {
    activeRegionDown();

    await runSteps({ mode: "failover" }, ["begin", "promote"]);

    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      ConditionExpression: "#holder = :holder",
      ExpressionAttributeValues: expect.objectContaining({ ":holder": { S: EXECUTION } }),
      ExpressionAttributeNames: expect.objectContaining({ "#x0": "promotionRequestedBy" }),
    });
  });

  it("uses a planned SwitchoverGlobalCluster when both regions are healthy", async () => {
    const run = runOf(await runSteps({ mode: "failover" }, ["begin", "promote"]));

    expect(rds).toHaveReceivedCommandWith(SwitchoverGlobalClusterCommand, { GlobalClusterIdentifier: GLOBAL_ID, TargetDbClusterIdentifier: CLUSTER_ARN[STANDBY] });
    expect(rds).not.toHaveReceivedCommand(FailoverGlobalClusterCommand);
    expect(run.strategy).toBe("planned");
    expect(run.estimatedDataLossMs).toBe(0);
  });

  it("does nothing when the standby region's cluster is already the writer", async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(STANDBY));

    const run = runOf(await runSteps({ mode: "failover" }, ["begin", "promote", "awaitWriter"]));

    expect(rds).not.toHaveReceivedCommand(FailoverGlobalClusterCommand);
    expect(rds).not.toHaveReceivedCommand(SwitchoverGlobalClusterCommand);
    expect(run.promotion).toBe("already-writer");
    expect(run.writerConfirmedAt).not.toBeNull();
  });

  it("does not ask again while a promotion to this region is under way", async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(ACTIVE, STANDBY, "failing-over"));

    const run = runOf(await runSteps({ mode: "failover" }, ["begin", "promote"]));

    expect(rds).not.toHaveReceivedCommand(FailoverGlobalClusterCommand);
    expect(run.promotion).toBe("in-progress");
  });

  it("treats InvalidGlobalClusterStateFault as success when the promotion to this region turns out to be under way", async () => {
    activeRegionDown();
    const state = await runSteps({ mode: "failover" }, ["begin"]);
    rds.on(FailoverGlobalClusterCommand).rejects(awsError("InvalidGlobalClusterStateFault", "already failing over"));
    let describes = 0;
    rds.on(DescribeGlobalClustersCommand).callsFake(async () => (describes++ === 0 ? globalCluster(ACTIVE) : globalCluster(ACTIVE, STANDBY, "failing-over")));

    const run = runOf(await runStep({ step: "promote", state }, deps));

    expect(run.promotion).toBe("requested");
    expect(rds).toHaveReceivedCommandTimes(FailoverGlobalClusterCommand, 1);
  });

  it("reports InvalidGlobalClusterStateFault as PreconditionFailedError when nothing is under way", async () => {
    activeRegionDown();
    const state = await runSteps({ mode: "failover" }, ["begin"]);
    rds.on(FailoverGlobalClusterCommand).rejects(awsError("InvalidGlobalClusterStateFault", "cluster not in a valid state"));

    await expect(runStep({ step: "promote", state }, deps)).rejects.toMatchObject({ name: ERROR_NAMES.preconditionFailed });
  });

  it("reports a failover to another cluster in progress as GlobalClusterBusyError (retryable)", async () => {
    const state = await runSteps({ mode: "failover" }, ["begin"]);
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(STANDBY, ACTIVE, "failing-over"));

    await expect(runStep({ step: "promote", state }, deps)).rejects.toMatchObject({ name: ERROR_NAMES.globalClusterBusy, retryable: true });
  });
});

describe("awaitWriter", () => {
  it("polls DescribeGlobalClusters with growing intervals until the standby cluster is the writer", async () => {
    activeRegionDown();
    const state = await runSteps({ mode: "failover", pollIntervalSeconds: 2 }, ["begin", "promote"]);
    let describes = 0;
    rds.on(DescribeGlobalClustersCommand).callsFake(async () => (describes++ < 2 ? globalCluster(ACTIVE, STANDBY, "failing-over") : globalCluster(STANDBY)));
    timing.sleeps.length = 0;

    const run = runOf(await runStep({ step: "awaitWriter", state }, deps));

    expect(run.writerConfirmedAt).not.toBeNull();
    expect(timing.sleeps).toEqual([2_000, 3_000]);
  });

  it("fails with WriterNotReadyError (retryable) when the wait budget runs out", async () => {
    activeRegionDown();
    const state = await runSteps({ mode: "failover", pollIntervalSeconds: 10, maxWaitSeconds: 30 }, ["begin", "promote"]);
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(ACTIVE, STANDBY, "failing-over"));

    await expect(runStep({ step: "awaitWriter", state }, deps)).rejects.toMatchObject({ name: ERROR_NAMES.writerNotReady, retryable: true });
  });
});

describe("fence", () => {
  it("scales the old region to zero and closes its gate when it is reachable", async () => {
    const state = await runSteps({ mode: "failover" }, ["begin", "promote", "awaitWriter"].slice(0, 1) as StepName[]);

    const run = runOf(await runStep({ step: "fence", state }, deps));

    expect(autoscaling).toHaveReceivedCommandWith(RegisterScalableTargetCommand, {
      ServiceNamespace: "ecs",
      ScalableDimension: "ecs:service:DesiredCount",
      ResourceId: RESOURCE_ID[ACTIVE],
      MinCapacity: 0,
      MaxCapacity: 0,
    });
    const registered = autoscaling.commandCalls(RegisterScalableTargetCommand)[0];
    expect(registered && (await regionOf(registered))).toBe(ACTIVE);
    expect(cloudwatch).toHaveReceivedCommandWith(PutMetricDataCommand, {
      Namespace: GATE_METRIC_NAMESPACE,
      MetricData: [expect.objectContaining({ MetricName: GATE_METRIC_NAME, Dimensions: gateDimensions(ENVIRONMENT, ACTIVE), Value: 0 })],
    });
    expect(run.fencing).toEqual({ capacity: "done", gateOwnRegion: "done", gatePeerRegion: "done", errors: [] });
  });

  it("records, and does not throw, errors from an unreachable old region", async () => {
    const state = await runSteps({ mode: "failover" }, ["begin"]);
    autoscaling.on(DescribeScalableTargetsCommand).rejects(unreachable(ACTIVE));
    cloudwatch.on(PutMetricDataCommand).callsFake(async (_input, getClient) => {
      if ((await getClient().config.region()) === ACTIVE) throw unreachable(ACTIVE);
      return {};
    });

    const run = runOf(await runStep({ step: "fence", state }, deps));

    expect(run.fencing?.capacity).toBe("failed");
    expect(run.fencing?.gateOwnRegion).toBe("done");
    expect(run.fencing?.gatePeerRegion).toBe("failed");
    expect(run.fencing?.errors).toHaveLength(2);
  });

  it("in a failback leaves the old region at the standby minimum instead of zero", async () => {
    const d = makeDeps({ own: ACTIVE });
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(STANDBY));
    rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: CLUSTER_ID[ACTIVE] }).resolves(dbCluster(ACTIVE));
    rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: CLUSTER_ARN[STANDBY] }).resolves(dbCluster(STANDBY));
    cloudwatch.on(GetMetricDataCommand).resolves(lagResult(300));
    autoscaling.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [] });

    await runSteps({ mode: "failback" }, ["begin", "fence"], d);

    expect(autoscaling).toHaveReceivedCommandWith(RegisterScalableTargetCommand, { ResourceId: RESOURCE_ID[STANDBY], MinCapacity: STANDBY_MIN, MaxCapacity: MAX });
  });
});

describe("raiseCapacity", () => {
  it("registers the standby region's scalable target with the active region's minimum", async () => {
    const run = runOf(await runSteps({ mode: "failover" }, ["begin", "raiseCapacity"]));

    expect(autoscaling).toHaveReceivedCommandWith(RegisterScalableTargetCommand, {
      ServiceNamespace: "ecs",
      ResourceId: RESOURCE_ID[STANDBY],
      ScalableDimension: "ecs:service:DesiredCount",
      MinCapacity: ACTIVE_MIN,
      MaxCapacity: MAX,
    });
    expect(run.capacity).toEqual({ status: "done", min: ACTIVE_MIN, max: MAX, previousMin: STANDBY_MIN, previousMax: MAX });
  });

  it("changes nothing when the capacity is already raised", async () => {
    autoscaling.on(DescribeScalableTargetsCommand).resolves({
      ScalableTargets: [
        { ServiceNamespace: "ecs", ScalableDimension: "ecs:service:DesiredCount", ResourceId: RESOURCE_ID[STANDBY], MinCapacity: ACTIVE_MIN, MaxCapacity: MAX, RoleARN: "arn:role", CreationTime: new Date(0) },
      ],
    });

    const run = runOf(await runSteps({ mode: "failover" }, ["begin", "raiseCapacity"]));

    expect(autoscaling).not.toHaveReceivedCommand(RegisterScalableTargetCommand);
    expect(run.capacity?.status).toBe("unchanged");
  });
});

describe("openGate", () => {
  it("publishes gate 1 for the new region and 0 for the old one, in both regions, without any Route 53 call", async () => {
    await runSteps({ mode: "failover" }, ["begin", "openGate"]);

    const expected = {
      Namespace: GATE_METRIC_NAMESPACE,
      MetricData: [
        expect.objectContaining({ MetricName: GATE_METRIC_NAME, Dimensions: gateDimensions(ENVIRONMENT, STANDBY), Value: 1 }),
        expect.objectContaining({ MetricName: GATE_METRIC_NAME, Dimensions: gateDimensions(ENVIRONMENT, ACTIVE), Value: 0 }),
      ],
    };
    expect(cloudwatch).toHaveReceivedCommandWith(PutMetricDataCommand, expected);
    const regions = await Promise.all(cloudwatch.commandCalls(PutMetricDataCommand).map(regionOf));
    expect(regions).toEqual([STANDBY, ACTIVE]);
  });

  it("fails (to be retried) when the gate cannot be published in its own region", async () => {
    const state = await runSteps({ mode: "failover" }, ["begin"]);
    cloudwatch.on(PutMetricDataCommand).rejects(awsError("InternalFailure", "boom", "server", 500));

    await expect(createStepHandler(deps)({ step: "openGate", state })).rejects.toMatchObject({ name: ERROR_NAMES.transient });
  });

  const gateWrites = () => dynamodb.commandCalls(PutItemCommand).filter((c) => c.args[0].input.Item?.pk?.S?.startsWith("gate#"));

  it("persists each decision in its own region's state table, then in the peer region's table of the same name, conditional on decidedAt", async () => {
    const state = await runSteps({ mode: "failover" }, ["begin"]);
    timing.advance(5_000);
    const decidedAt = timing.now();

    const run = runOf(await runStep({ step: "openGate", state }, deps));

    const writes = gateWrites();
    expect(await Promise.all(writes.map(regionOf))).toEqual([STANDBY, STANDBY, ACTIVE, ACTIVE]);
    const item = (region: string, value: number) => ({
      pk: { S: gateKey(GLOBAL_ID, region) },
      kind: { S: "traffic-gate" },
      gatedRegion: { S: region },
      value: { N: String(value) },
      decidedAt: { N: String(decidedAt) },
      decidedIn: { S: STANDBY },
      executionId: { S: EXECUTION },
    });
    for (const [i, expected] of [item(STANDBY, 1), item(ACTIVE, 0), item(STANDBY, 1), item(ACTIVE, 0)].entries()) {
      expect(writes[i]?.args[0].input).toEqual({
        TableName: TABLE,
        Item: expected,
        ConditionExpression: "attribute_not_exists(#pk) OR #decidedAt <= :decidedAt",
        ExpressionAttributeNames: { "#pk": "pk", "#decidedAt": "decidedAt" },
        ExpressionAttributeValues: { ":decidedAt": { N: String(decidedAt) } },
      });
    }
    expect(run.gate).toEqual({ openRegion: STANDBY, closedRegion: ACTIVE, ownRegion: "done", peerRegion: "done", errors: [] });
  });

  it("fence persists the old region's closed gate in both tables too", async () => {
    const state = await runSteps({ mode: "failover" }, ["begin"]);

    await runStep({ step: "fence", state }, deps);

    expect(gateWrites().map((c) => [c.args[0].input.Item?.pk?.S, c.args[0].input.Item?.value?.N])).toEqual([
      [gateKey(GLOBAL_ID, ACTIVE), "0"],
      [gateKey(GLOBAL_ID, ACTIVE), "0"],
    ]);
  });

  it("records, and does not throw, a failure of the peer region's table; its own table and both metrics are still written", async () => {
    const state = await runSteps({ mode: "failover" }, ["begin"]);
    dynamodb.on(PutItemCommand).callsFake(async (_input, getClient) => {
      if ((await getClient().config.region()) === ACTIVE) throw unreachable(ACTIVE);
      return {};
    });

    const run = runOf(await runStep({ step: "openGate", state }, deps));

    expect(run.gate?.ownRegion).toBe("done");
    expect(run.gate?.peerRegion).toBe("failed");
    expect(run.gate?.errors).toEqual([expect.stringMatching(new RegExp(`^gate record in ${ACTIVE}: .*ETIMEDOUT`))]);
    // The first gate's peer write, tried PEER_RETRY_MAX_ATTEMPTS (2) times, ends the peer writes.
    expect(await Promise.all(gateWrites().map(regionOf))).toEqual([STANDBY, STANDBY, ACTIVE, ACTIVE]);
    expect(gateWrites().slice(2).map((c) => c.args[0].input.Item?.pk?.S)).toEqual([gateKey(GLOBAL_ID, STANDBY), gateKey(GLOBAL_ID, STANDBY)]);
    expect(await Promise.all(cloudwatch.commandCalls(PutMetricDataCommand).map(regionOf))).toEqual([STANDBY, ACTIVE]);
  });

  it("leaves a gate whose item holds a newer decision unchanged, without failing", async () => {
    const state = await runSteps({ mode: "failover" }, ["begin"]);
    dynamodb.on(PutItemCommand).callsFake(async (input: { Item: { pk: { S: string } } }, getClient) => {
      if ((await getClient().config.region()) === STANDBY && input.Item.pk.S === gateKey(GLOBAL_ID, STANDBY)) throw awsError("ConditionalCheckFailedException");
      return {};
    });

    const run = runOf(await runStep({ step: "openGate", state }, deps));

    expect(run.gate?.ownRegion).toBe("done");
    expect(run.gate?.errors).toEqual([`gate ${STANDBY} in ${STANDBY}: a newer decision is recorded; not changed`]);
    expect(gateWrites().map((c) => c.args[0].input.Item?.pk?.S)).toEqual([gateKey(GLOBAL_ID, STANDBY), gateKey(GLOBAL_ID, ACTIVE), gateKey(GLOBAL_ID, ACTIVE)]);
    for (const call of cloudwatch.commandCalls(PutMetricDataCommand)) {
      expect(call.args[0].input.MetricData).toEqual([expect.objectContaining({ Dimensions: gateDimensions(ENVIRONMENT, ACTIVE), Value: 0 })]);
    }
  });

  it("fails (to be retried), before publishing, when the decision cannot be recorded in its own region", async () => {
    const state = await runSteps({ mode: "failover" }, ["begin"]);
    dynamodb.on(PutItemCommand).rejects(awsError("InternalServerError", "boom", "server", 500));

    await expect(createStepHandler(deps)({ step: "openGate", state })).rejects.toMatchObject({ name: ERROR_NAMES.transient });
    expect(cloudwatch).not.toHaveReceivedCommand(PutMetricDataCommand);
  });
});

describe("verify", () => {
  it("probes the new region's endpoint until it is healthy", async () => {
    const probes: string[] = [];
    let calls = 0;
    const d = makeDeps({
      probe: async (url) => {
        probes.push(url);
        calls++;
        return calls < 3 ? { ok: false, status: 502, latencyMs: 10 } : { ok: true, status: 200, latencyMs: 10 };
      },
    });

    const run = runOf(await runSteps({ mode: "failover" }, ["begin", "verify"], d));

    expect(run.verification).toEqual({ ok: true, attempts: 3, status: 200 });
    expect(new Set(probes)).toEqual(new Set([d.config.ownEndpointUrl]));
  });

  it("fails with EndpointUnhealthyError (retryable) after VERIFY_ATTEMPTS failures", async () => {
    const d = makeDeps({ probe: async () => ({ ok: false, error: "timeout after 5000 ms", latencyMs: 5000 }), env: { VERIFY_ATTEMPTS: "3" } });

    await expect(runSteps({ mode: "failover" }, ["begin", "verify"], d)).rejects.toMatchObject({ name: ERROR_NAMES.endpointUnhealthy, details: { attempts: 3 } });
  });
});

describe("complete", () => {
  it("writes the audit record once, notifies, and releases the lock conditionally on the holder", async () => {
    activeRegionDown();
    await runSteps({ mode: "failover" }, ["begin", "promote", "complete"]);

    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: TABLE,
      ConditionExpression: "attribute_not_exists(#notified)",
      Item: expect.objectContaining({ pk: { S: `audit#${EXECUTION}` }, outcome: { S: "completed" }, estimatedDataLossMs: { N: "640" } }),
    });
    expect(sns).toHaveReceivedCommandWith(PublishCommand, { TopicArn: TOPIC_ARN[STANDBY], Subject: expect.stringContaining("completed") });
    expect(dynamodb).toHaveReceivedCommandWith(DeleteItemCommand, {
      Key: { pk: { S: lockKey(GLOBAL_ID) } },
      ConditionExpression: "#holder = :holder",
      ExpressionAttributeValues: { ":holder": { S: EXECUTION } },
    });
  });

  it("does not notify again when the audit record says it was already sent", async () => {
    const state = await runSteps({ mode: "failover" }, ["begin"]);
    dynamodb.on(PutItemCommand).rejects(awsError("ConditionalCheckFailedException"));

    await runStep({ step: "complete", state }, deps);

    expect(sns).not.toHaveReceivedCommand(PublishCommand);
    expect(dynamodb).toHaveReceivedCommand(DeleteItemCommand);
  });
});

describe("abort", () => {
  it("reports a failure of begin (no run yet), audits it and releases only this execution's lock", async () => {
    const state: FailoverState = {
      executionId: EXECUTION,
      request: { mode: "failover" },
      error: { Error: "PreconditionFailedError", Cause: JSON.stringify({ errorType: "PreconditionFailedError", errorMessage: "Preconditions failed: x" }) },
    };

    const out = await runStep({ step: "abort", state }, deps);

    expect(out.run?.outcome).toBe("failed");
    expect(out.run?.error).toEqual({ name: "PreconditionFailedError", message: "Preconditions failed: x" });
    expect(sns).toHaveReceivedCommandWith(PublishCommand, { Subject: expect.stringContaining("FAILED: PreconditionFailedError") });
    expect(dynamodb).toHaveReceivedCommandWith(DeleteItemCommand, { ConditionExpression: "#holder = :holder", ExpressionAttributeValues: { ":holder": { S: EXECUTION } } });
  });
});

describe("requestApproval", () => {
  it("pages the task token and changes nothing else", async () => {
    const out = await runStep({ step: "requestApproval", state: { executionId: EXECUTION, request: { mode: "failover", approvalRequired: true } }, taskToken: "tok-123" }, deps);

    expect(out).toEqual({ executionId: EXECUTION, request: { mode: "failover", approvalRequired: true } });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const message = JSON.parse(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? "{}");
    expect(message).toMatchObject({ kind: "failover-approval-request", taskToken: "tok-123", executionId: EXECUTION });
    expect(dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
    expect(rds).not.toHaveReceivedCommand(DescribeGlobalClustersCommand);
  });
});

describe("a dry run", () => {
  it("checks every precondition and sends no mutating command", async () => {
    activeRegionDown();

    const state = await runSteps({ mode: "failover", dryRun: true }, ["begin", "promote", "awaitWriter", "fence", "raiseCapacity", "openGate", "verify", "complete"]);

    const run = runOf(state);
    expect(run.outcome).toBe("dry-run");
    expect(run.plan.some((p) => p.startsWith("FailoverGlobalCluster"))).toBe(true);
    expect(run.checks.map((c) => c.name)).toEqual(expect.arrayContaining(["lock-available", "member-of-global-cluster", "own-cluster-available", "new-region-endpoint-healthy"]));
    expect(rds).not.toHaveReceivedCommand(FailoverGlobalClusterCommand);
    expect(rds).not.toHaveReceivedCommand(SwitchoverGlobalClusterCommand);
    expect(autoscaling).not.toHaveReceivedCommand(RegisterScalableTargetCommand);
    expect(cloudwatch).not.toHaveReceivedCommand(PutMetricDataCommand);
    expect(dynamodb).not.toHaveReceivedCommand(PutItemCommand);
    expect(dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
    expect(dynamodb).not.toHaveReceivedCommand(DeleteItemCommand);
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
    expect(dynamodb).toHaveReceivedCommand(GetItemCommand);
  });

  it("reports a lock held by another execution as a failed check instead of failing", async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: { pk: { S: lockKey(GLOBAL_ID) }, holder: { S: "arn:other" }, expiresAt: { N: String(Date.UTC(2025, 0, 1) / 1000 + 600) } } });

    const run = runOf(await runSteps({ mode: "failover", dryRun: true }, ["begin"]));

    expect(run.checks).toContainEqual({ name: "lock-available", ok: false, detail: "held; holder arn:other" });
  });
});

describe("the handler", () => {
  it("maps AccessDenied to PermanentError and exhausted throttling to TransientError", async () => {
    const state = await runSteps({ mode: "failover" }, ["begin"]);
    const handler = createStepHandler(deps);

    autoscaling.on(RegisterScalableTargetCommand).rejects(awsError("AccessDeniedException", "denied", "client", 403));
    await expect(handler({ step: "raiseCapacity", state })).rejects.toMatchObject({ name: ERROR_NAMES.permanent, retryable: false });

    autoscaling.on(RegisterScalableTargetCommand).rejects(throttling());
    await expect(handler({ step: "raiseCapacity", state })).rejects.toMatchObject({ name: ERROR_NAMES.transient, retryable: true });
    expect(autoscaling).toHaveReceivedCommandTimes(RegisterScalableTargetCommand, 1 + deps.config.retry.maxAttempts);
  });

  it("rejects an unknown step as PreconditionFailedError", async () => {
    await expect(createStepHandler(deps)({ step: "nope" as StepName, state: { executionId: EXECUTION, request: {} } })).rejects.toMatchObject({
      name: ERROR_NAMES.preconditionFailed,
    });
  });

  it("is wired from the environment with module-scope clients for the own and peer regions", async () => {
    activeRegionDown();
    const env = { ...process.env };
    Object.assign(process.env, {
      AWS_REGION: STANDBY,
      PEER_REGION: ACTIVE,
      ENVIRONMENT,
      GLOBAL_CLUSTER_ID: GLOBAL_ID,
      DB_CLUSTER_ID: CLUSTER_ID[STANDBY],
      STATE_TABLE_NAME: TABLE,
      TOPIC_ARN: TOPIC_ARN[STANDBY],
      OWN_ENDPOINT_URL: `https://${STANDBY}.app.example.com/health`,
      OWN_ECS_CLUSTER: "c",
      OWN_ECS_SERVICE: "s",
      PEER_ECS_CLUSTER: "c",
      PEER_ECS_SERVICE: "s",
      ACTIVE_MIN_CAPACITY: "10",
      STANDBY_MIN_CAPACITY: "2",
      MAX_CAPACITY: "50",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      LOG_LEVEL: "error",
    });
    try {
      // Required (not imported) so the module reads this environment; same SDK classes as the mocks above.
      const { handler } = require("../../lambda/failover-orchestrator/index") as typeof import("../../lambda/failover-orchestrator/index");
      const out = await handler({ step: "begin", state: { executionId: EXECUTION, request: { mode: "failover" } } });
      expect(out?.run?.strategy).toBe("unplanned");
      const peerCall = rds.commandCalls(DescribeDBClustersCommand).find((c) => c.args[0].input.DBClusterIdentifier === CLUSTER_ARN[ACTIVE]);
      expect(peerCall && (await regionOf(peerCall))).toBe(ACTIVE);
    } finally {
      process.env = env;
    }
  });
});
