/**
 * The health monitor's handler (health-monitor/monitor.ts) against mocked AWS
 * clients: what each sample applies in its own region (gate, heartbeat,
 * capacity) and, as standby, how it counts, starts, retries, escalates and pages
 * (docs/failover-protocol.md, "The reconciler", P5 and P7). The probe and the
 * TXT resolver are injected; time is a fake clock.
 */
import { DescribeScalableTargetsCommand, RegisterScalableTargetCommand } from "@aws-sdk/client-application-auto-scaling";
import { GetMetricDataCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { GetItemCommand, GetItemCommandInput, PutItemCommand, PutItemCommandInput } from "@aws-sdk/client-dynamodb";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { DescribeLoadBalancersCommand, ModifyRuleCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeDBClustersCommand, DescribeGlobalClustersCommand } from "@aws-sdk/client-rds";
import { DescribeExecutionCommand, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { PublishCommand } from "@aws-sdk/client-sns";
import { loadMonitorConfig } from "../../lambda/health-monitor/config";
import { counterKey, IncidentState, INITIAL_STATE, MonitorState, sampleSlot } from "../../lambda/health-monitor/counter";
import { executionArnFor, executionName, incidentId } from "../../lambda/health-monitor/incident";
import { createMonitorHandler, MonitorDeps, runInvocation, runSample } from "../../lambda/health-monitor/monitor";
import { CONTROL_KEYS, Fence } from "../../lambda/shared/control-table";
import { fromItem, Item, Plain, TABLE_KEY, toItem } from "../../lambda/shared/dynamo";
import { ERROR_NAMES } from "../../lambda/shared/errors";
import { FailoverRequest } from "../../lambda/shared/failover-request";
import { Probe } from "../../lambda/shared/probe";
import { TxtResolver } from "../../lambda/shared/signals";
import {
  ACTIVE,
  ACTIVE_MIN,
  awsError,
  AwsMocks,
  CLUSTER_ARN,
  CONTROL_TABLE,
  conditionFailed,
  Env,
  fakeTiming,
  fenceItem,
  givenGate,
  givenRds,
  givenScalableTarget,
  givenService,
  GLOBAL_ID,
  globalCluster,
  heartbeatItem,
  lagData,
  LOCK_KEY,
  lockItem,
  MAX,
  mockAws,
  monitorDeps,
  monitorEnv,
  published,
  RESOURCE_ID,
  STANDBY,
  STANDBY_MIN,
  STATE_MACHINE_ARN,
  STATE_TABLE,
  T0,
  testLogger,
  throttling,
  witnesses,
} from "./support/fixtures";

/** How the writer region looks from the standby. */
type Peer = "healthy" | "region-down" | "service-down" | "suspect";

let mocks: AwsMocks;
beforeEach(() => {
  mocks = mockAws();
});
afterEach(() => mocks.restore());

const WRITER_ARN = CLUSTER_ARN[ACTIVE] as string;
const COUNTER = counterKey(GLOBAL_ID);

/**
 * One region's monitor and the world it reads: a key/value view of the tables
 * (GetItem answers the last item put under a key), the writer region's
 * condition as the standby's signals show it, and the own region's resources.
 */
class World {
  readonly timing = fakeTiming(T0);
  readonly logger = testLogger(this.timing.clock);
  peer: Peer = "healthy";
  readonly items = new Map<string, Item>();
  readonly deps: MonitorDeps;

  constructor(options: { own?: string; env?: Env; writer?: string | null; items?: Record<string, Plain>[]; gateOpen?: boolean; scalableMin?: number; serviceHealthy?: boolean } = {}) {
    const own = options.own ?? STANDBY;
    const probe: Probe = async () => (this.peer === "healthy" || this.peer === "service-down" ? { ok: true, status: 200, latencyMs: 5 } : { ok: false, latencyMs: 5000, error: "timeout after 5000 ms" });
    const resolveTxt: TxtResolver = (name) =>
      witnesses({ alive: this.peer === "region-down" ? "down" : "up", app: this.peer === "region-down" || this.peer === "service-down" ? "down" : "up" })(name);
    this.deps = monitorDeps({ own, env: options.env, probe, resolveTxt, timing: this.timing, log: this.logger.log });
    givenRds(mocks, { writer: options.writer === undefined ? ACTIVE : options.writer }, own);
    givenGate(mocks.elb, options.gateOpen ?? options.writer === own, own);
    givenService(mocks, options.serviceHealthy ?? true);
    givenScalableTarget(mocks.autoscaling, options.scalableMin ?? (own === ACTIVE ? ACTIVE_MIN : STANDBY_MIN));
    for (const item of options.items ?? []) this.items.set(String(item[TABLE_KEY]), toItem(item));
    mocks.dynamodb.on(GetItemCommand).callsFake((input: GetItemCommandInput) => {
      const key = input.Key?.[TABLE_KEY]?.S ?? "";
      if (key === CONTROL_KEYS.heartbeat(ACTIVE) && !this.items.has(key)) return { Item: toItem(this.peerHeartbeat()) };
      const item = this.items.get(key);
      return item ? { Item: item } : {};
    });
    mocks.dynamodb.on(PutItemCommand).callsFake((input: PutItemCommandInput) => {
      if (input.Item) this.items.set(input.Item[TABLE_KEY]?.S ?? "", input.Item);
      return {};
    });
    mocks.cloudwatch.on(GetMetricDataCommand).callsFake(() => (this.peer === "region-down" ? lagData(null, 0) : lagData(100, this.timing.now() - 30_000)));
    mocks.cloudwatch.on(PutMetricDataCommand).resolves({});
    mocks.sfn.on(StartExecutionCommand).callsFake((input: { stateMachineArn: string; name: string }) => ({ executionArn: executionArnFor(input.stateMachineArn, input.name), startDate: new Date() }));
    mocks.sfn.on(DescribeExecutionCommand).resolves({ status: "RUNNING" });
    mocks.sns.on(PublishCommand).resolves({ MessageId: "m" });
  }

  private peerHeartbeat(): Record<string, Plain> {
    if (this.peer === "region-down") return heartbeatItem(ACTIVE, { at: T0 - 600_000 });
    return heartbeatItem(ACTIVE, { at: this.timing.now() - 2_000, serviceHealthy: this.peer !== "service-down" });
  }

  counter(): MonitorState & { raw: Record<string, Plain> } {
    const item = this.items.get(COUNTER);
    const raw = item ? fromItem(item) : {};
    return { ...(raw as unknown as MonitorState), raw };
  }

  /** One sample, then the clock moves to the next slot. */
  async sample() {
    const outcome = await runSample(this.deps);
    this.timing.advance(10_000);
    return outcome;
  }

  async samples(n: number) {
    const outcomes = [];
    for (let i = 0; i < n; i++) outcomes.push(await this.sample());
    return outcomes;
  }
}

function counterItem(state: Partial<MonitorState>): Record<string, Plain> {
  return { [TABLE_KEY]: COUNTER, kind: "monitor-counter", ...(JSON.parse(JSON.stringify({ ...INITIAL_STATE, ...state })) as Record<string, Plain>) };
}

function openIncident(fields: Partial<IncidentState> = {}): IncidentState {
  const id = incidentId(GLOBAL_ID, WRITER_ARN, Math.floor(T0 / 1000) - 60);
  const name = executionName(GLOBAL_ID, id, fields.attempts ?? 1);
  return {
    id,
    writerArn: WRITER_ARN,
    verdict: "region-down",
    openedAt: Math.floor(T0 / 1000) - 40,
    attempts: 1,
    executionName: name,
    executionArn: executionArnFor(STATE_MACHINE_ARN[STANDBY] as string, name),
    escalated: false,
    paged: false,
    ...fields,
  };
}

/** A counter in the middle of an actionable streak long enough to act (three samples, the previous slot). */
function streak(fields: Partial<MonitorState> = {}): Record<string, Plain> {
  return counterItem({ lastSlot: sampleSlot(T0, 10) - 1, lastVerdict: "region-down", actionable: 3, streakStartedAt: Math.floor(T0 / 1000) - 60, ...fields });
}

function modifyRuleStates(): boolean[] {
  return mocks.elb.commandCalls(ModifyRuleCommand).map((c) => c.args[0].input.Actions?.[0]?.FixedResponseConfig?.StatusCode === "200");
}

function registered(): { min?: number; max?: number }[] {
  return mocks.autoscaling.commandCalls(RegisterScalableTargetCommand).map((c) => ({ min: c.args[0].input.MinCapacity, max: c.args[0].input.MaxCapacity }));
}

function heartbeatWritten(region: string): Record<string, Plain> | undefined {
  const call = mocks.dynamodb.commandCalls(PutItemCommand).find((c) => c.args[0].input.Item?.[TABLE_KEY]?.S === CONTROL_KEYS.heartbeat(region));
  return call ? fromItem(call.args[0].input.Item) : undefined;
}

function pagesOfKind(kind: string): Record<string, unknown>[] {
  return published(mocks.sns).filter((m) => m.kind === kind);
}

function fence(region: string, fields: Partial<Fence> = {}): Record<string, Plain> {
  return fenceItem(region, { leaseExpiresAt: T0 + 600_000, ...fields });
}

describe("the gate of the monitor's own region (P5: derived from the writer and the fence)", () => {
  it("opens the writer region's gate when no fence is in force", async () => {
    // GIVEN the writer region, its gate closed
    const world = new World({ own: ACTIVE, writer: ACTIVE, gateOpen: false });
    // WHEN
    const outcome = await world.sample();
    // THEN
    expect(modifyRuleStates()).toEqual([true]);
    expect(outcome.gate).toEqual({ desired: true, change: "done" });
  });

  it("closes a fenced writer region's gate", async () => {
    const world = new World({ own: ACTIVE, writer: ACTIVE, gateOpen: true, items: [fence(ACTIVE)] });
    const outcome = await world.sample();
    expect(modifyRuleStates()).toEqual([false]);
    expect(outcome.fenced).toBe(true);
  });

  it.each<[string, Partial<Fence>]>([
    ["a fence whose lease ran out", { leaseExpiresAt: T0 - 1 }],
    ["a lifted fence", { fenced: false, leaseExpiresAt: null }],
  ])("ignores %s: the writer's gate opens", async (_name, fields) => {
    const world = new World({ own: ACTIVE, writer: ACTIVE, gateOpen: false, items: [fence(ACTIVE, fields)] });
    await world.sample();
    expect(modifyRuleStates()).toEqual([true]);
  });

  it("holds no capacity at a fence whose lease ran out: the writer gets its active minimum", async () => {
    const world = new World({ own: ACTIVE, writer: ACTIVE, items: [fence(ACTIVE, { leaseExpiresAt: T0 - 1 })], scalableMin: STANDBY_MIN });
    const outcome = await world.sample();
    expect(registered()).toEqual([{ min: ACTIVE_MIN, max: MAX }]);
    expect(outcome).toMatchObject({ fenced: false, capacity: "writer:done", writerArn: WRITER_ARN, role: "writer" });
  });

  it("keeps a permanent fence (no lease) in force", async () => {
    const world = new World({ own: ACTIVE, writer: ACTIVE, gateOpen: true, items: [fence(ACTIVE, { leaseExpiresAt: null })] });
    await world.sample();
    expect(modifyRuleStates()).toEqual([false]);
  });

  it("closes the standby region's gate", async () => {
    const world = new World({ gateOpen: true });
    await world.sample();
    expect(modifyRuleStates()).toEqual([false]);
  });

  it("closes the gate when no writer is visible", async () => {
    const world = new World({ writer: null, gateOpen: true });
    const outcome = await world.sample();
    expect(outcome.role).toBe("unknown");
    expect(modifyRuleStates()).toEqual([false]);
  });

  it("leaves a gate already in the desired state alone", async () => {
    const world = new World({ own: ACTIVE, writer: ACTIVE, gateOpen: true });
    const outcome = await world.sample();
    expect(mocks.elb).not.toHaveReceivedCommand(ModifyRuleCommand);
    expect(outcome.gate.change).toBe("unchanged");
  });

  describe("a stale replica: a run of the other region holds this region's lock, and may have fenced it", () => {
    const execution = (region: string) => `arn:aws:states:${region}:111122223333:execution:txdr-failover:run-1`;
    const unexpired = Math.floor(T0 / 1000) + 60;

    it("does not reopen the writer region's gate its Fence closed, though no fence has reached this replica", async () => {
      const world = new World({ own: ACTIVE, writer: ACTIVE, gateOpen: false, items: [lockItem(execution(STANDBY), unexpired)] });
      const outcome = await world.sample();
      expect(mocks.elb).not.toHaveReceivedCommand(ModifyRuleCommand);
      expect(outcome.gate).toEqual({ desired: true, change: "held-by-peer-run" });
    });

    it("still closes a gate that must close", async () => {
      const world = new World({ own: ACTIVE, writer: STANDBY, gateOpen: true, items: [lockItem(execution(STANDBY), unexpired)] });
      const outcome = await world.sample();
      expect(modifyRuleStates()).toEqual([false]);
      expect(outcome.gate).toEqual({ desired: false, change: "done" });
    });

    it.each([
      ["a run of its own region holds the lock", execution(ACTIVE), unexpired],
      ["the other region's run let its lock expire", execution(STANDBY), Math.floor(T0 / 1000) - 1],
    ])("opens it when %s", async (_name, holder, expiresAt) => {
      const world = new World({ own: ACTIVE, writer: ACTIVE, gateOpen: false, items: [lockItem(holder, expiresAt)] });
      const outcome = await world.sample();
      expect(modifyRuleStates()).toEqual([true]);
      expect(outcome.gate).toEqual({ desired: true, change: "done" });
    });
  });

  it("leaves the gate untouched when the fence cannot be read", async () => {
    // GIVEN the writer region, whose fence item is unreadable
    const world = new World({ own: ACTIVE, writer: ACTIVE, gateOpen: false });
    mocks.dynamodb.on(GetItemCommand, { Key: { pk: { S: CONTROL_KEYS.fence(ACTIVE) } } }).rejects(awsError("AccessDeniedException"));
    // WHEN
    const outcome = await world.sample();
    // THEN no gate call at all, and the sample says why
    expect(mocks.elb).not.toHaveReceivedCommand(DescribeLoadBalancersCommand);
    expect(outcome.gate.change).toBe("skipped");
    expect(outcome.errors).toEqual([expect.stringContaining("fence unreadable: AccessDeniedException")]);
  });

  it("a gate that cannot be set is recorded and the sample goes on", async () => {
    const world = new World({ own: ACTIVE, writer: ACTIVE });
    mocks.elb.on(DescribeLoadBalancersCommand).rejects(awsError("AccessDenied"));
    const outcome = await world.sample();
    expect(outcome.gate.change).toBe("failed");
    expect(outcome.errors).toEqual([expect.stringContaining("gate: AccessDenied")]);
    expect(heartbeatWritten(ACTIVE)).toBeDefined();
  });
});

describe("the heartbeat", () => {
  it("reports what the writer region sees of itself", async () => {
    const world = new World({ own: ACTIVE, writer: ACTIVE });
    await world.sample();
    expect(mocks.dynamodb).toHaveReceivedCommandWith(PutItemCommand, { TableName: CONTROL_TABLE });
    expect(heartbeatWritten(ACTIVE)).toEqual({
      pk: `heartbeat#${ACTIVE}`,
      kind: "heartbeat",
      region: ACTIVE,
      at: T0,
      writerArn: WRITER_ARN,
      ownIsWriter: true,
      databaseAvailable: true,
      serviceHealthy: true,
      fenced: false,
      gateOpen: true,
    });
  });

  it("reports a fenced standby, its unavailable database and unhealthy service", async () => {
    const world = new World({ items: [fence(STANDBY)], serviceHealthy: false });
    givenRds(mocks, { writer: ACTIVE }, STANDBY, "failing-over");
    await world.sample();
    expect(heartbeatWritten(STANDBY)).toMatchObject({ ownIsWriter: false, writerArn: WRITER_ARN, databaseAvailable: false, serviceHealthy: false, fenced: true, gateOpen: false });
  });

  it("reports the service health as unknown (null) when it cannot be read", async () => {
    const world = new World({ own: ACTIVE, writer: ACTIVE });
    mocks.ecs.on(DescribeServicesCommand).rejects(awsError("AccessDeniedException"));
    const outcome = await world.sample();
    expect(heartbeatWritten(ACTIVE)?.serviceHealthy).toBeNull();
    expect(outcome.errors).toEqual([expect.stringContaining("service health")]);
  });

  it("reports no writer when none is visible", async () => {
    const world = new World({ writer: null });
    await world.sample();
    expect(heartbeatWritten(STANDBY)?.writerArn).toBeNull();
  });

  it("a heartbeat that cannot be written is recorded, not thrown", async () => {
    const world = new World({ own: ACTIVE, writer: ACTIVE });
    mocks.dynamodb.on(PutItemCommand).rejects(awsError("AccessDeniedException"));
    const outcome = await world.sample();
    expect(outcome.errors).toEqual([expect.stringContaining("heartbeat: AccessDeniedException")]);
  });
});

describe("the capacity of the monitor's own region", () => {
  it.each<[string, Fence["capacity"], { min: number; max: number }]>([
    ["zero", "zero", { min: 0, max: 0 }],
    ["the standby minimum", "standby", { min: STANDBY_MIN, max: MAX }],
  ])("holds a fenced region at the fence's capacity (%s)", async (_name, capacity, expected) => {
    const world = new World({ own: ACTIVE, writer: ACTIVE, items: [fence(ACTIVE, { capacity })], scalableMin: ACTIVE_MIN });
    const outcome = await world.sample();
    expect(registered()).toEqual([expected]);
    expect(outcome.capacity).toBe("fenced:done");
  });

  it("raises the writer region to the active minimum", async () => {
    const world = new World({ own: ACTIVE, writer: ACTIVE, scalableMin: STANDBY_MIN });
    await world.sample();
    expect(mocks.autoscaling).toHaveReceivedCommandWith(RegisterScalableTargetCommand, { ResourceId: RESOURCE_ID, MinCapacity: ACTIVE_MIN, MaxCapacity: MAX });
  });

  it("never lowers the writer region's capacity", async () => {
    const world = new World({ own: ACTIVE, writer: ACTIVE, scalableMin: ACTIVE_MIN + 5 });
    const outcome = await world.sample();
    expect(mocks.autoscaling).not.toHaveReceivedCommand(RegisterScalableTargetCommand);
    expect(outcome.capacity).toBe("writer:unchanged");
  });

  it("hands off to a run that holds this region's lock", async () => {
    // GIVEN a runbook holding the lock, and the region fenced
    const world = new World({ own: ACTIVE, writer: ACTIVE, items: [fence(ACTIVE), lockItem("arn:run", Math.floor(T0 / 1000) + 60)] });
    // WHEN
    const outcome = await world.sample();
    // THEN
    expect(mocks.autoscaling).not.toHaveReceivedCommand(DescribeScalableTargetsCommand);
    expect(outcome.capacity).toBe("run-holds-lock");
    expect(mocks.dynamodb).toHaveReceivedCommandWith(GetItemCommand, { TableName: STATE_TABLE, Key: { pk: { S: LOCK_KEY } } });
  });

  it("takes capacity back from a run whose lock expired", async () => {
    const world = new World({ own: ACTIVE, writer: ACTIVE, items: [fence(ACTIVE), lockItem("arn:run", Math.floor(T0 / 1000))] });
    await world.sample();
    expect(registered()).toEqual([{ min: 0, max: 0 }]);
  });

  it("leaves a healthy standby's capacity alone", async () => {
    const world = new World();
    const outcome = await world.sample();
    expect(mocks.autoscaling).not.toHaveReceivedCommand(RegisterScalableTargetCommand);
    expect(outcome.capacity).toBe("unchanged");
  });

  it("a capacity failure is recorded and the sample goes on", async () => {
    const world = new World({ own: ACTIVE, writer: ACTIVE });
    mocks.autoscaling.on(DescribeScalableTargetsCommand).rejects(awsError("AccessDeniedException"));
    const outcome = await world.sample();
    expect(outcome.capacity).toBe("failed");
    expect(outcome.errors).toEqual([expect.stringContaining("capacity: AccessDeniedException")]);
  });
});

describe("a sample's reads that may fail", () => {
  it("an unreadable lock is recorded and capacity is converged as if no run held it", async () => {
    const world = new World({ own: ACTIVE, writer: ACTIVE, scalableMin: STANDBY_MIN });
    mocks.dynamodb.on(GetItemCommand, { Key: { pk: { S: LOCK_KEY } } }).rejects(awsError("AccessDeniedException"));
    const outcome = await world.sample();
    expect(outcome.errors).toEqual([expect.stringContaining("lock unreadable: AccessDeniedException")]);
    expect(registered()).toEqual([{ min: ACTIVE_MIN, max: MAX }]);
  });

  it("a counter the writer region cannot read is recorded, not thrown", async () => {
    const world = new World({ writer: STANDBY });
    mocks.dynamodb.on(GetItemCommand, { Key: { pk: { S: COUNTER } } }).rejects(awsError("AccessDeniedException"));
    const outcome = await world.sample();
    expect(outcome.errors).toEqual([expect.stringContaining("counter: AccessDeniedException")]);
  });

  it("metrics that cannot be published are recorded, not thrown", async () => {
    const world = new World();
    mocks.cloudwatch.on(PutMetricDataCommand).rejects(awsError("AccessDenied"));
    const outcome = await world.sample();
    expect(outcome.errors).toEqual([expect.stringContaining("metrics: AccessDenied")]);
  });
});

describe("as standby: evidence and counting", () => {
  it("judges a healthy writer region healthy and acts on nothing", async () => {
    const world = new World();
    const outcome = await world.sample();
    expect(outcome.judgement?.verdict).toBe("healthy");
    expect(outcome.action).toBe("none");
    expect(mocks.cloudwatch.commandCalls(PutMetricDataCommand)[0]?.args[0].input.MetricData?.find((d) => d.MetricName === "ActiveRegionHealthy")?.Value).toBe(1);
    expect(mocks.sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(mocks.sns).not.toHaveReceivedCommand(PublishCommand);
    expect(mocks.dynamodb).toHaveReceivedCommandWith(GetItemCommand, { TableName: CONTROL_TABLE, Key: { pk: { S: `heartbeat#${ACTIVE}` } } });
    expect(world.counter()).toMatchObject({ lastSlot: sampleSlot(T0, 10), lastVerdict: "healthy", healthy: 1 });
  });

  it("counts each slot once: a duplicate delivery acts on nothing", async () => {
    // GIVEN the counter item already holds this slot (the conditional write fails)
    const world = new World({ items: [streak()] });
    world.peer = "region-down";
    mocks.dynamodb.on(PutItemCommand, { Item: { pk: { S: COUNTER } } }).rejects(conditionFailed());
    // WHEN
    const outcome = await world.sample();
    // THEN
    expect(outcome.action).toBe("duplicate");
    expect(mocks.sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(mocks.sfn).not.toHaveReceivedCommand(DescribeExecutionCommand);
    expect(mocks.sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it("writes the sample under the condition that its slot is new", async () => {
    const world = new World();
    await world.sample();
    expect(mocks.dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: STATE_TABLE,
      Item: expect.objectContaining({ pk: { S: COUNTER } }),
      ConditionExpression: "attribute_not_exists(#pk) OR #slot < :slot",
      ExpressionAttributeValues: { ":slot": { N: String(sampleSlot(T0, 10)) } },
    });
  });

  it("publishes the verdict and the gate as metrics", async () => {
    const world = new World();
    world.peer = "region-down";
    await world.sample();
    const data = mocks.cloudwatch.commandCalls(PutMetricDataCommand).flatMap((c) => (c.args[0].input.MetricData ?? []).map((d) => [c.args[0].input.Namespace, d.MetricName, d.Value]));
    expect(data).toEqual([
      ["DR/HealthMonitor", "PromotionReady", 0],
      ["DR/HealthMonitor", "ActiveRegionHealthy", 0],
      ["DR/HealthMonitor", "IndependentSignalsDown", 3],
      ["DR/HealthMonitor", "ActionableVerdict", 1],
      ["DR/TrafficGate", "GateOpen", 0],
    ]);
  });

  it("is ready for a planned switchover when synchronized with a small lag, and says so", async () => {
    const world = new World();
    const outcome = await world.sample();
    expect(outcome.promotionReady).toBe(true);
    const ready = mocks.cloudwatch.commandCalls(PutMetricDataCommand)[0]?.args[0].input.MetricData?.find((d) => d.MetricName === "PromotionReady");
    expect(ready?.Value).toBe(1);
  });

  it("is ready with a lag exactly at PROMOTION_READY_MAX_LAG_MS", async () => {
    const world = new World({ env: { PROMOTION_READY_MAX_LAG_MS: "100" } });
    expect((await world.sample()).promotionReady).toBe(true);
  });

  it("is not ready when its cluster is not a member of the global cluster", async () => {
    const world = new World();
    mocks.rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ DBClusterIdentifier: "stray", DBClusterArn: "arn:aws:rds:us-west-2:111122223333:cluster:stray", Status: "available" }] });
    expect((await world.sample()).promotionReady).toBe(false);
  });

  it.each<[string, Parameters<typeof givenRds>[1]]>([
    ["a promotion under way", { failover: { to: STANDBY } }],
    ["the global cluster busy", { status: "modifying" }],
    ["its member not connected", { sync: { [STANDBY]: "pending-resync" } }],
  ])("is not ready for a switchover with %s", async (_name, spec) => {
    const world = new World();
    givenRds(mocks, spec, STANDBY);
    expect((await world.sample()).promotionReady).toBe(false);
  });

  it("labels every metric with the environment and its own region, and a unit", async () => {
    const world = new World();
    await world.sample();
    const datum = mocks.cloudwatch.commandCalls(PutMetricDataCommand)[0]?.args[0].input.MetricData?.find((d) => d.MetricName === "IndependentSignalsDown");
    expect(datum).toEqual({
      MetricName: "IndependentSignalsDown",
      Dimensions: [
        { Name: "Environment", Value: "prod" },
        { Name: "Region", Value: STANDBY },
      ],
      Value: 0,
      Unit: "Count",
      Timestamp: new Date(T0),
    });
    const gate = mocks.cloudwatch.commandCalls(PutMetricDataCommand)[1]?.args[0].input;
    expect(gate?.MetricData?.[0]).toMatchObject({ Dimensions: [{ Name: "Environment", Value: "prod" }, { Name: "Region", Value: STANDBY }], Unit: "None", Timestamp: new Date(T0) });
  });

  it("publishes no verdict metrics where it judged nothing (the writer region)", async () => {
    const world = new World({ own: ACTIVE, writer: ACTIVE });
    await world.sample();
    const names = mocks.cloudwatch.commandCalls(PutMetricDataCommand).flatMap((c) => (c.args[0].input.MetricData ?? []).map((d) => d.MetricName));
    expect(names).toEqual(["PromotionReady", "GateOpen"]);
    expect(mocks.cloudwatch.commandCalls(PutMetricDataCommand)[0]?.args[0].input.MetricData?.[0]?.Value).toBe(0);
  });

  it("counts a suspect writer region as healthy in ActiveRegionHealthy", async () => {
    const world = new World();
    world.peer = "suspect";
    await world.sample();
    const datum = mocks.cloudwatch.commandCalls(PutMetricDataCommand)[0]?.args[0].input.MetricData?.find((d) => d.MetricName === "ActiveRegionHealthy");
    expect(datum?.Value).toBe(1);
  });

  it("is ready when its engine reports no synchronization status (the lag decides)", async () => {
    const world = new World();
    givenRds(mocks, { sync: { [STANDBY]: undefined } }, STANDBY);
    expect((await world.sample()).promotionReady).toBe(true);
  });

  it("is not ready on a small lag whose latest datapoint is older than REPLICATION_STALL_SECONDS (replication stalled)", async () => {
    const world = new World();
    mocks.cloudwatch.on(GetMetricDataCommand).resolves(lagData(100, T0 - 200_000));
    const outcome = await world.sample();
    expect(outcome.promotionReady).toBe(false);
  });

  it("is not ready for a switchover with a lag above PROMOTION_READY_MAX_LAG_MS", async () => {
    const world = new World({ env: { PROMOTION_READY_MAX_LAG_MS: "99" } });
    expect((await world.sample()).promotionReady).toBe(false);
  });
});

describe("as standby: incidents", () => {
  it("starts the failover runbook after exactly CONSECUTIVE_SAMPLES actionable samples", async () => {
    // GIVEN a writer region that went down
    const world = new World();
    world.peer = "region-down";
    // WHEN two samples, then the third
    await world.samples(2);
    expect(mocks.sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    const third = await world.sample();
    // THEN exactly one execution, named after the incident and its attempt
    const id = incidentId(GLOBAL_ID, WRITER_ARN, Math.floor(T0 / 1000));
    const name = executionName(GLOBAL_ID, id, 1);
    expect(mocks.sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(mocks.sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: STATE_MACHINE_ARN[STANDBY], name });
    expect(third).toMatchObject({ action: "start", incident: id, executionArn: executionArnFor(STATE_MACHINE_ARN[STANDBY] as string, name) });
  });

  it("gives the runbook a FailoverRequest naming the monitor, the writer it saw, the incident and the attempt", async () => {
    const world = new World();
    world.peer = "region-down";
    await world.samples(3);
    const input = JSON.parse(mocks.sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? "{}") as FailoverRequest;
    expect(input).toEqual({
      mode: "failover",
      strategy: "auto",
      requestedBy: "health-monitor",
      reason: expect.stringContaining("region-down"),
      incidentId: incidentId(GLOBAL_ID, WRITER_ARN, Math.floor(T0 / 1000)),
      attempt: 1,
      observedWriterArn: WRITER_ARN,
      detectedAt: new Date(T0).toISOString(),
      verdict: "region-down",
    });
  });

  it("remembers the incident and its execution, and pages once that it started", async () => {
    const world = new World();
    world.peer = "region-down";
    await world.samples(3);
    expect(world.counter().incident).toMatchObject({ writerArn: WRITER_ARN, attempts: 1, verdict: "region-down", escalated: false, paged: false });
    expect(pagesOfKind("failover-started")).toEqual([expect.objectContaining({ attempt: 1, region: STANDBY, environment: "prod" })]);
  });

  it("pages the start with the incident, the attempt, the execution and the evidence", async () => {
    const world = new World({ items: [streak()] });
    world.peer = "region-down";
    await world.sample();
    const publish = mocks.sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(publish?.TopicArn).toBe(`arn:aws:sns:${STANDBY}:111122223333:dr-prod-failover-events`);
    expect(publish?.Subject).toBe(`[DR prod] Failover to ${STANDBY} started (attempt 1)`);
    expect(JSON.parse(publish?.Message ?? "{}")).toEqual({
      environment: "prod",
      region: STANDBY,
      globalClusterId: GLOBAL_ID,
      kind: "failover-started",
      incident: incidentId(GLOBAL_ID, WRITER_ARN, Math.floor(T0 / 1000) - 60),
      attempt: 1,
      executionArn: expect.stringContaining(":execution:"),
      verdict: "region-down",
      evidence: expect.stringMatching(/^region-down \(probe=down/),
      authority: "automatic",
    });
  });

  it("explains in the request why it started", async () => {
    const world = new World({ items: [streak()] });
    world.peer = "region-down";
    await world.sample();
    const input = JSON.parse(mocks.sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? "{}") as FailoverRequest;
    expect(input.reason).toBe(`region-down (probe=down, heartbeat=down, witness=down, replication=down, serviceWitness=down) for 3 samples, seen from ${STANDBY}`);
  });

  it("keeps the execution ARN Step Functions returns", async () => {
    const world = new World({ items: [streak()] });
    world.peer = "region-down";
    mocks.sfn.on(StartExecutionCommand).resolves({ executionArn: "arn:aws:states:us-west-2:111122223333:execution:x:returned", startDate: new Date() });
    expect((await world.sample()).executionArn).toBe("arn:aws:states:us-west-2:111122223333:execution:x:returned");
  });

  it("stores what the sample did under the condition that no later sample moved on", async () => {
    const world = new World({ items: [streak()] });
    world.peer = "region-down";
    await world.sample();
    expect(mocks.dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      Item: expect.objectContaining({ pk: { S: COUNTER }, kind: { S: "monitor-counter" }, updatedAt: { S: new Date(T0).toISOString() } }),
      ConditionExpression: "#slot = :slot",
    });
  });

  it("a later sample that moved on wins: its outcome is not overwritten, and this one does not fail", async () => {
    const world = new World({ items: [streak()] });
    world.peer = "region-down";
    mocks.dynamodb.on(PutItemCommand, { ConditionExpression: "#slot = :slot" }).rejects(conditionFailed());
    await expect(world.sample()).resolves.toMatchObject({ action: "start" });
  });

  it("a failed write of the outcome fails the sample", async () => {
    const world = new World({ items: [streak()] });
    world.peer = "region-down";
    mocks.dynamodb.on(PutItemCommand, { ConditionExpression: "#slot = :slot" }).rejects(awsError("AccessDeniedException"));
    await expect(runSample(world.deps)).rejects.toMatchObject({ name: "AccessDeniedException" });
  });

  it("treats ExecutionAlreadyExists as started (a duplicate start of the same attempt)", async () => {
    const world = new World({ items: [streak()] });
    world.peer = "region-down";
    mocks.sfn.on(StartExecutionCommand).rejects(awsError("ExecutionAlreadyExists"));
    const outcome = await world.sample();
    const id = incidentId(GLOBAL_ID, WRITER_ARN, Math.floor(T0 / 1000) - 60);
    expect(outcome.executionArn).toBe(executionArnFor(STATE_MACHINE_ARN[STANDBY] as string, executionName(GLOBAL_ID, id, 1)));
    expect(world.counter().incident).toMatchObject({ id, attempts: 1 });
  });

  it("a failed StartExecution fails the sample, and the next sample starts the same attempt", async () => {
    const world = new World({ items: [streak()] });
    world.peer = "region-down";
    mocks.sfn
      .on(StartExecutionCommand)
      .rejectsOnce(awsError("AccessDeniedException"))
      .callsFake((input: { stateMachineArn: string; name: string }) => ({ executionArn: executionArnFor(input.stateMachineArn, input.name) }));
    await expect(runSample(world.deps)).rejects.toMatchObject({ name: "AccessDeniedException" });
    world.timing.advance(10_000);
    await world.sample();
    const names = mocks.sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(names).toHaveLength(2);
    expect(names[0]).toBe(names[1]);
  });

  it("does not start another attempt while the execution runs", async () => {
    const world = new World({ items: [streak({ incident: openIncident() })] });
    world.peer = "region-down";
    const outcome = await world.sample();
    expect(mocks.sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: openIncident().executionArn as string });
    expect(mocks.sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(outcome.action).toBe("in-progress");
  });

  it("starts the next attempt of the same incident after the execution FAILED while the verdict holds", async () => {
    const incident = openIncident();
    const world = new World({ items: [streak({ incident })] });
    world.peer = "region-down";
    mocks.sfn.on(DescribeExecutionCommand).resolves({ status: "FAILED" });
    await world.sample();
    expect(mocks.sfn).toHaveReceivedCommandWith(StartExecutionCommand, { name: executionName(GLOBAL_ID, incident.id, 2) });
    expect(JSON.parse(mocks.sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? "{}")).toMatchObject({ attempt: 2, incidentId: incident.id });
    expect(world.counter().incident).toMatchObject({ id: incident.id, attempts: 2 });
  });

  it("stops for the incident when a person refused: pages once, starts nothing, and keeps quiet after", async () => {
    // GIVEN the incident's first run ended because the approver refused (the runbook's ApprovalRefused)
    const world = new World({ items: [streak({ incident: openIncident() })] });
    world.peer = "region-down";
    mocks.sfn.on(DescribeExecutionCommand).resolves({ status: "FAILED", error: "ApprovalRefused" });
    // WHEN two more samples still find the writer region down
    const [first, second] = await world.samples(2);
    // THEN no second run asks the person again; one page says the automation stopped, with the way to go on by hand
    expect(mocks.sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(first?.action).toBe("refused");
    expect(second?.action).toBe("escalated");
    expect(pagesOfKind("failover-refused")).toEqual([expect.objectContaining({ incident: openIncident().id, attempts: 1, instructions: expect.stringContaining('"mode":"failover"') })]);
    expect(world.counter().incident).toMatchObject({ escalated: true, attempts: 1 });
  });

  it("does not start the next attempt while the global cluster still reports the last run's promotion under way", async () => {
    // GIVEN attempt 1 ended (AwaitWriter ran out) while FailoverGlobalCluster is still moving the writer here
    const world = new World({ items: [streak({ incident: openIncident() })] });
    world.peer = "region-down";
    givenRds(mocks, { writer: ACTIVE, failover: { to: STANDBY, dataLoss: true } }, STANDBY);
    mocks.sfn.on(DescribeExecutionCommand).resolves({ status: "FAILED", error: "FailoverFailed" });
    // WHEN the verdict still holds
    const outcome = await world.sample();
    // THEN it waits for that promotion instead of starting another run against it
    expect(outcome.action).toBe("promotion-in-progress");
    expect(mocks.sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(world.counter().incident).toMatchObject({ attempts: 1 });
  });

  it("does not open an incident's first run while a promotion someone else started is under way", async () => {
    const world = new World({ items: [streak()] });
    world.peer = "region-down";
    givenRds(mocks, { writer: ACTIVE, failover: { to: STANDBY, status: "pending" } }, STANDBY);
    const outcome = await world.sample();
    expect(outcome.action).toBe("promotion-in-progress");
    expect(mocks.sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it("tells a retry when the incident was first detected, not when the retry started", async () => {
    // GIVEN an incident opened at the third sample of a streak that began 60 s ago; its first attempt failed
    const incident = openIncident({ openedAt: Math.floor(T0 / 1000) - 40 });
    const world = new World({ items: [streak({ incident, streakStartedAt: Math.floor(T0 / 1000) - 20 })] });
    world.peer = "region-down";
    mocks.sfn.on(DescribeExecutionCommand).resolves({ status: "FAILED" });
    // WHEN the next attempt starts
    await world.sample();
    // THEN detectedAt is the incident's first sample (two samples before it opened), as FailoverRequest documents
    const input = JSON.parse(mocks.sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? "{}") as FailoverRequest;
    expect(input.detectedAt).toBe(new Date(T0 - 60_000).toISOString());
  });

  it("does not start on a guess when the execution's status cannot be read", async () => {
    const world = new World({ items: [streak({ incident: openIncident() })] });
    world.peer = "region-down";
    mocks.sfn.on(DescribeExecutionCommand).rejects(awsError("AccessDeniedException"));
    const outcome = await world.sample();
    expect(mocks.sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(outcome.errors).toEqual([expect.stringContaining("execution status")]);
  });

  it("starts the next attempt when Step Functions no longer knows the execution", async () => {
    const world = new World({ items: [streak({ incident: openIncident() })] });
    world.peer = "region-down";
    mocks.sfn.on(DescribeExecutionCommand).rejects(awsError("ExecutionDoesNotExist"));
    await world.sample();
    expect(mocks.sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });

  it("pages exactly once that it escalated after maxAttempts failed executions", async () => {
    // GIVEN the last allowed attempt failed
    const world = new World({ items: [streak({ incident: openIncident({ attempts: 3 }) })] });
    world.peer = "region-down";
    mocks.sfn.on(DescribeExecutionCommand).resolves({ status: "FAILED" });
    // WHEN two more samples
    await world.samples(2);
    // THEN one page, no new execution
    expect(pagesOfKind("failover-escalated")).toEqual([expect.objectContaining({ attempts: 3, lastExecutionArn: openIncident({ attempts: 3 }).executionArn })]);
    expect(mocks.sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(mocks.sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(world.counter().incident?.escalated).toBe(true);
  });

  it("resolves the incident after a healthy streak as long as the threshold", async () => {
    const world = new World({ items: [counterItem({ lastSlot: sampleSlot(T0, 10) - 1, incident: openIncident(), prewarmedAt: Math.floor(T0 / 1000) - 60 })] });
    mocks.sfn.on(DescribeExecutionCommand).resolves({ status: "FAILED" });
    await world.samples(2);
    expect(world.counter().incident).not.toBeNull();
    const third = await world.sample();
    expect(third.action).toBe("resolve");
    expect(world.counter().incident).toBeNull();
  });

  it("pages the escalation and the manual action with their subjects", async () => {
    const world = new World({ items: [streak({ incident: openIncident({ attempts: 3 }) })] });
    world.peer = "region-down";
    mocks.sfn.on(DescribeExecutionCommand).resolves({ status: "FAILED" });
    await world.sample();
    expect(mocks.sns.commandCalls(PublishCommand)[0]?.args[0].input.Subject).toBe(`[DR prod] Failover to ${STANDBY} needs a person: 3 attempt(s) did not move the writer`);
  });

  it("pages a suspect writer region with its subject and why it does not fail over", async () => {
    const world = new World();
    world.peer = "suspect";
    await world.sample();
    const publish = mocks.sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(publish?.Subject).toBe(`[DR prod] Health of the writer region is in doubt from ${STANDBY}; not failing over`);
    expect(JSON.parse(publish?.Message ?? "{}")).toMatchObject({ kind: "failover-suspect", verdict: "suspect", why: expect.stringContaining("A failover needs independent evidence") });
  });

  it("manual authority pages once that a person must act, and never starts", async () => {
    const world = new World({ env: { FAILOVER_AUTHORITY: "manual", STATE_MACHINE_ARN: undefined } });
    world.peer = "region-down";
    await world.samples(5);
    expect(mocks.sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(pagesOfKind("failover-manual-action-required")).toEqual([
      expect.objectContaining({ verdict: "region-down", instructions: expect.stringContaining(`"observedWriterArn":"${WRITER_ARN}"`) }),
    ]);
  });

  it("approval authority starts the runbook (which asks the person)", async () => {
    const world = new World({ env: { FAILOVER_AUTHORITY: "approval" } });
    world.peer = "region-down";
    await world.samples(3);
    expect(mocks.sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });

  it("a service-down writer region starts the runbook too", async () => {
    const world = new World();
    world.peer = "service-down";
    const outcomes = await world.samples(3);
    expect(outcomes.map((o) => o.judgement?.verdict)).toEqual(["service-down", "service-down", "service-down"]);
    expect(JSON.parse(mocks.sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? "{}")).toMatchObject({ verdict: "service-down" });
  });

  it("pages once per run of suspect samples and never starts", async () => {
    const world = new World();
    world.peer = "suspect";
    await world.samples(4);
    world.peer = "healthy";
    await world.sample();
    world.peer = "suspect";
    await world.sample();
    expect(pagesOfKind("failover-suspect")).toHaveLength(2);
    expect(mocks.sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it("truncates a page's subject to SNS's 100 characters", async () => {
    const world = new World({ env: { ENVIRONMENT: "e".repeat(120) } });
    world.peer = "suspect";
    await world.sample();
    expect(mocks.sns.commandCalls(PublishCommand)[0]?.args[0].input.Subject).toBe(`[DR ${"e".repeat(120)}`.slice(0, 100));
  });

  it("a counter that cannot be written fails the sample", async () => {
    const world = new World();
    mocks.dynamodb.on(PutItemCommand, { ConditionExpression: "attribute_not_exists(#pk) OR #slot < :slot" }).rejects(awsError("AccessDeniedException"));
    await expect(runSample(world.deps)).rejects.toMatchObject({ name: "AccessDeniedException" });
  });

  it("reads the counter strongly consistent and writes it with its exact conditions", async () => {
    const world = new World();
    await world.sample();
    expect(mocks.dynamodb).toHaveReceivedCommandWith(GetItemCommand, { TableName: STATE_TABLE, Key: { pk: { S: COUNTER } }, ConsistentRead: true });
    const puts = mocks.dynamodb.commandCalls(PutItemCommand).filter((c) => c.args[0].input.Item?.[TABLE_KEY]?.S === COUNTER).map((c) => c.args[0].input);
    expect(puts.map((p) => [p.ConditionExpression, p.ExpressionAttributeNames, p.ExpressionAttributeValues])).toEqual([
      ["attribute_not_exists(#pk) OR #slot < :slot", { "#pk": "pk", "#slot": "lastSlot" }, { ":slot": { N: String(sampleSlot(T0, 10)) } }],
      ["#slot = :slot", { "#slot": "lastSlot" }, { ":slot": { N: String(sampleSlot(T0, 10)) } }],
    ]);
  });

  it("remembers that it paged a manual incident", async () => {
    const world = new World({ env: { FAILOVER_AUTHORITY: "manual", STATE_MACHINE_ARN: undefined }, items: [streak()] });
    world.peer = "region-down";
    await world.sample();
    expect(world.counter().incident).toMatchObject({ paged: true, attempts: 0, escalated: false });
    expect(mocks.sns.commandCalls(PublishCommand)[0]?.args[0].input.Subject).toBe(`[DR prod] Active region failed: manual failover to ${STANDBY} required`);
  });

  it("a page that cannot be sent after a start is recorded, not thrown", async () => {
    const world = new World({ items: [streak()] });
    world.peer = "region-down";
    mocks.sns.on(PublishCommand).rejects(awsError("AuthorizationErrorException"));
    const outcome = await world.sample();
    expect(outcome.action).toBe("start");
    expect(outcome.errors).toEqual([expect.stringContaining("page: AuthorizationErrorException")]);
  });
});

describe("as standby: pre-warming", () => {
  it("raises its capacity to the active minimum at the first sample that is not healthy, once", async () => {
    const world = new World();
    world.peer = "suspect";
    await world.samples(2);
    expect(registered()).toEqual([{ min: ACTIVE_MIN, max: MAX }]);
    expect(world.counter().prewarmedAt).toBe(Math.floor(T0 / 1000));
  });

  it("lowers it back to the standby minimum after a healthy streak as long as the threshold", async () => {
    const world = new World({ items: [counterItem({ lastSlot: sampleSlot(T0, 10) - 1, prewarmedAt: Math.floor(T0 / 1000) - 60 })], scalableMin: ACTIVE_MIN });
    await world.samples(2);
    expect(mocks.autoscaling).not.toHaveReceivedCommand(RegisterScalableTargetCommand);
    await world.sample();
    expect(registered()).toEqual([{ min: STANDBY_MIN, max: MAX }]);
    expect(world.counter().prewarmedAt).toBeNull();
  });

  it("releases it on the sample that resolves an incident (never while one is open)", async () => {
    const world = new World({ items: [counterItem({ lastSlot: sampleSlot(T0, 10) - 1, healthy: 2, prewarmedAt: Math.floor(T0 / 1000) - 60, incident: openIncident() })], scalableMin: ACTIVE_MIN });
    mocks.sfn.on(DescribeExecutionCommand).resolves({ status: "FAILED" });
    const outcome = await world.sample();
    expect(outcome.action).toBe("resolve");
    expect(registered()).toEqual([{ min: STANDBY_MIN, max: MAX }]);
  });

  it("lowers nothing after a healthy streak when it never pre-warmed", async () => {
    const world = new World();
    await world.samples(4);
    expect(mocks.autoscaling).not.toHaveReceivedCommand(RegisterScalableTargetCommand);
  });

  it("lowers to the standby minimum with the configured maximum when the target has none", async () => {
    const world = new World({ items: [counterItem({ lastSlot: sampleSlot(T0, 10) - 1, healthy: 2, prewarmedAt: 1 })] });
    givenScalableTarget(mocks.autoscaling, null);
    await world.sample();
    expect(registered()).toEqual([{ min: STANDBY_MIN, max: MAX }]);
  });

  it("a pre-warm that fails is recorded and tried again at the next sample", async () => {
    const world = new World();
    world.peer = "suspect";
    mocks.autoscaling.on(RegisterScalableTargetCommand).rejectsOnce(awsError("AccessDeniedException")).resolves({});
    const first = await world.sample();
    expect(first.errors).toEqual([expect.stringContaining("prewarm: AccessDeniedException")]);
    await world.sample();
    expect(mocks.autoscaling).toHaveReceivedCommandTimes(RegisterScalableTargetCommand, 2);
  });

  it("does not pre-warm a fenced standby", async () => {
    const world = new World({ items: [fence(STANDBY, { capacity: "standby" })], scalableMin: STANDBY_MIN });
    world.peer = "suspect";
    await world.sample();
    expect(registered()).toEqual([]);
  });

  it("does not pre-warm while a run holds the lock", async () => {
    const world = new World({ items: [lockItem("arn:run", Math.floor(T0 / 1000) + 60)] });
    world.peer = "suspect";
    await world.sample();
    expect(mocks.autoscaling).not.toHaveReceivedCommand(RegisterScalableTargetCommand);
  });
});

describe("as writer", () => {
  it("closes the incident this region was handling once it holds the writer", async () => {
    const world = new World({ writer: STANDBY, items: [streak({ incident: openIncident(), prewarmedAt: 1 })] });
    await world.sample();
    expect(world.counter()).toMatchObject({ incident: null, prewarmedAt: null, actionable: 0, streakStartedAt: null });
    expect(mocks.sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it.each<[string, Partial<MonitorState>]>([
    ["a pre-warm", { prewarmedAt: 1 }],
    ["an actionable streak", { actionable: 2, streakStartedAt: 1 }],
  ])("clears %s left in the counter once it holds the writer", async (_name, fields) => {
    const world = new World({ writer: STANDBY, items: [counterItem({ lastSlot: 1, ...fields })] });
    await world.sample();
    expect(world.counter()).toMatchObject({ prewarmedAt: null, actionable: 0, streakStartedAt: null, lastSlot: sampleSlot(T0, 10) });
  });

  it("closes an incident left alone in the counter (no streak, no pre-warm)", async () => {
    const world = new World({ writer: STANDBY, items: [counterItem({ lastSlot: 1, incident: openIncident() })] });
    await world.sample();
    expect(world.counter().incident).toBeNull();
  });

  it("leaves the counter alone while no writer is visible", async () => {
    const world = new World({ writer: null, items: [streak({ incident: openIncident() })] });
    await world.sample();
    expect(mocks.dynamodb.commandCalls(PutItemCommand).filter((c) => c.args[0].input.Item?.[TABLE_KEY]?.S === COUNTER)).toEqual([]);
  });

  it("a writer sample without a reconciliation to trigger records no error", async () => {
    const world = new World({ own: ACTIVE, writer: ACTIVE });
    expect((await world.sample()).errors).toEqual([]);
  });

  it("writes nothing to a counter that has nothing to close", async () => {
    const world = new World({ own: ACTIVE, writer: ACTIVE });
    await world.sample();
    expect(mocks.dynamodb.commandCalls(PutItemCommand).filter((c) => c.args[0].input.Item?.[TABLE_KEY]?.S === COUNTER)).toEqual([]);
  });
});

describe("runInvocation: the sampling loop", () => {
  it("runs RUN_SECONDS / SAMPLE_INTERVAL_SECONDS samples on the injected clock", async () => {
    const world = new World({ env: { RUN_SECONDS: "50", SAMPLE_INTERVAL_SECONDS: "10" } });
    const outcomes = await runInvocation(world.deps);
    expect(outcomes).toHaveLength(5);
    expect(world.timing.sleeps).toEqual([10_000, 10_000, 10_000, 10_000]);
    expect(outcomes.map((o) => o.at)).toEqual([0, 10, 20, 30, 40].map((s) => new Date(T0 + s * 1000).toISOString()));
  });

  it("sleeps only what is left of the interval after a slow sample", async () => {
    const world = new World({ env: { RUN_SECONDS: "20", SAMPLE_INTERVAL_SECONDS: "10" } });
    const slowProbe: Probe = async () => {
      world.timing.advance(3_000);
      return { ok: true, status: 200, latencyMs: 3_000 };
    };
    await runInvocation({ ...world.deps, probe: slowProbe });
    expect(world.timing.sleeps).toEqual([7_000]);
  });

  it("does not sleep when a sample took the whole interval", async () => {
    const world = new World({ env: { RUN_SECONDS: "20", SAMPLE_INTERVAL_SECONDS: "10" } });
    const slowProbe: Probe = async () => {
      world.timing.advance(10_000);
      return { ok: true, status: 200, latencyMs: 10_000 };
    };
    expect(await runInvocation({ ...world.deps, probe: slowProbe })).toHaveLength(2);
    expect(world.timing.sleeps).toEqual([]);
  });

  it("RUN_SECONDS 0 is one sample", async () => {
    const world = new World({ env: { RUN_SECONDS: "0" } });
    expect(await runInvocation(world.deps)).toHaveLength(1);
    expect(world.timing.sleeps).toEqual([]);
  });

  it("starts one execution in an invocation whose samples all find the writer region down", async () => {
    const world = new World({ env: { RUN_SECONDS: "50" } });
    world.peer = "region-down";
    const outcomes = await runInvocation(world.deps);
    expect(outcomes.map((o) => o.action)).toEqual(["below-threshold", "below-threshold", "start", "in-progress", "in-progress"]);
    expect(mocks.sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });
});

describe("runInvocation: a failed sample", () => {
  it("does not end the invocation: the next sample runs on time and acts", async () => {
    // GIVEN the first sample's global-cluster read fails beyond the caller's retries
    const world = new World({ env: { RUN_SECONDS: "30", SAMPLE_INTERVAL_SECONDS: "10" } });
    mocks.rds.on(DescribeGlobalClustersCommand).rejectsOnce(awsError("AccessDenied", "not authorized", "client", 403)).resolves({ GlobalClusters: [globalCluster()] });
    // WHEN
    const outcomes = await runInvocation(world.deps);
    // THEN the two later samples ran at their own times, and the failure is logged
    expect(outcomes.map((o) => o.at)).toEqual([10, 20].map((s) => new Date(T0 + s * 1000).toISOString()));
    expect(world.logger.lines.filter((l) => l.event === "sample.failed")).toHaveLength(1);
  });

  it("fails the invocation with the typed error when no sample succeeded", async () => {
    const world = new World({ env: { RUN_SECONDS: "30", SAMPLE_INTERVAL_SECONDS: "10" } });
    mocks.rds.on(DescribeGlobalClustersCommand).rejects(awsError("GlobalClusterNotFoundFault"));
    await expect(createMonitorHandler(world.deps)()).rejects.toMatchObject({ name: ERROR_NAMES.preconditionFailed });
    expect(world.logger.lines.filter((l) => l.event === "sample.failed")).toHaveLength(3);
  });
});

describe("the handler: failures", () => {
  it("retries a throttled call through the caller", async () => {
    const world = new World();
    mocks.rds.on(DescribeGlobalClustersCommand).rejectsOnce(throttling()).resolves({ GlobalClusters: [globalCluster()] });
    const outcome = await world.sample();
    expect(outcome.role).toBe("standby");
    expect(mocks.rds).toHaveReceivedCommandTimes(DescribeGlobalClustersCommand, 2);
  });

  it("reports throttling that outlasts the retries as TransientError (the schedule runs again)", async () => {
    const world = new World({ env: { RUN_SECONDS: "0" } });
    mocks.rds.on(DescribeGlobalClustersCommand).rejects(throttling());
    await expect(createMonitorHandler(world.deps)()).rejects.toMatchObject({ name: ERROR_NAMES.transient });
    expect(world.logger.lines.some((l) => l.event === "check.failed")).toBe(true);
  });

  it("reports a missing global cluster as PreconditionFailedError", async () => {
    const world = new World({ env: { RUN_SECONDS: "0" } });
    mocks.rds.on(DescribeGlobalClustersCommand).rejects(awsError("GlobalClusterNotFoundFault"));
    await expect(createMonitorHandler(world.deps)()).rejects.toMatchObject({ name: ERROR_NAMES.preconditionFailed });
  });

  it("reports access denied as PermanentError", async () => {
    const world = new World({ env: { RUN_SECONDS: "0" } });
    mocks.rds.on(DescribeDBClustersCommand).rejects(awsError("AccessDenied", "not authorized", "client", 403));
    await expect(createMonitorHandler(world.deps)()).rejects.toMatchObject({ name: ERROR_NAMES.permanent });
  });
});

describe("configuration", () => {
  it("reads the documented defaults", () => {
    expect(loadMonitorConfig(monitorEnv(STANDBY, { CONSECUTIVE_SAMPLES: undefined, MAX_ATTEMPTS: undefined }))).toMatchObject({
      region: STANDBY,
      peerRegion: ACTIVE,
      sampleIntervalSeconds: 10,
      runSeconds: 55,
      consecutiveSamples: 3,
      staleHeartbeatSeconds: 30,
      replicationStallMs: 30_000,
      replicationStallSeconds: 180,
      maxAttempts: 3,
      probeTimeoutMs: 5_000,
      metricNamespace: "DR/HealthMonitor",
      stateMachineArn: STATE_MACHINE_ARN[STANDBY],
    });
  });

  it("needs no state machine in manual mode", () => {
    expect(loadMonitorConfig(monitorEnv(STANDBY, { FAILOVER_AUTHORITY: "manual", STATE_MACHINE_ARN: undefined })).stateMachineArn).toBeUndefined();
  });

  it.each<[string, Env, RegExp]>([
    ["a missing table", { CONTROL_TABLE_NAME: undefined }, /CONTROL_TABLE_NAME is required/],
    ["the own region as peer", { PEER_REGION: STANDBY }, /PEER_REGION must differ/],
    ["an unknown authority", { FAILOVER_AUTHORITY: "yolo" }, /FAILOVER_AUTHORITY must be one of automatic, approval, manual/],
    ["no state machine for automatic authority", { STATE_MACHINE_ARN: undefined }, /STATE_MACHINE_ARN is required/],
    ["a probe timeout as long as a sample", { PROBE_TIMEOUT_MS: "10000" }, /PROBE_TIMEOUT_MS must be below SAMPLE_INTERVAL_SECONDS/],
    ["a standby minimum above the active one", { STANDBY_MIN_CAPACITY: "11" }, /STANDBY_MIN_CAPACITY must be at most 10/],
    ["a heartbeat staleness shorter than two samples", { STALE_HEARTBEAT_SECONDS: "19" }, /STALE_HEARTBEAT_SECONDS must be at least 20/],
    ["a threshold of one sample", { CONSECUTIVE_SAMPLES: "1" }, /CONSECUTIVE_SAMPLES must be at least 2/],
    ["a plain-http probe URL", { PEER_PROBE_URL: "http://x/health" }, /PEER_PROBE_URL must use https/],
  ])("names the variable: %s", (_name, overrides, message) => {
    expect(() => loadMonitorConfig(monitorEnv(STANDBY, overrides))).toThrow(message);
  });
});
