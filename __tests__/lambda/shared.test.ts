/** The shared modules: gate contract, environment, errors, retry, logs, probe, lock, control table, metrics, capacity, global cluster. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { transformSync } from "esbuild";
import { EnvReader } from "../../lambda/shared/env";
import {
  ConfigurationError,
  ERROR_NAMES,
  isTransientAwsError,
  PERMANENT_ERROR_NAMES,
  RETRYABLE_ERROR_NAMES,
  toOutcomeError,
  TransientError,
  WriterNotReadyError,
} from "../../lambda/shared/errors";
import * as gate from "../../lambda/shared/gate";
import { createLogger } from "../../lambda/shared/log";
import { createHttpsProbe } from "../../lambda/shared/probe";
import { backoffDelay, createCaller, pollUntil, withRetry } from "../../lambda/shared/retry";
import { loadOrchestratorConfig } from "../../lambda/failover-orchestrator/config";
import { ApplicationAutoScalingClient, DescribeScalableTargetsCommand, RegisterScalableTargetCommand, ScalableTarget } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeDBClustersCommand, DescribeGlobalClustersCommand, RDSClient } from "@aws-sdk/client-rds";
import { DescribeServicesCommand, ECSClient } from "@aws-sdk/client-ecs";
import { DescribeTargetGroupsCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client, TargetHealthDescription } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ensureScalableTarget, raiseScalableTarget, readScalableTarget, readServiceHealth } from "../../lambda/shared/capacity";
import { lagExpression, readLag } from "../../lambda/shared/cloudwatch";
import { Fence, fenceInForce, Heartbeat, readFence, readHeartbeat, writeFence, writeHeartbeat } from "../../lambda/shared/control-table";
import { Plain, toItem } from "../../lambda/shared/dynamo";
import { clusterIdOfArn, describeDbCluster, describeGlobalCluster, regionOfArn } from "../../lambda/shared/global-cluster";
import { acquireLock, lockAvailability, lockKey, LockView, readLock, readLockItem, releaseLock, renewLock } from "../../lambda/shared/lock";
import { MONITOR_METRIC_NAMESPACE_DEFAULT, MONITOR_METRICS, monitorDimensions } from "../../lambda/shared/monitor-metrics";
import {
  ACTIVE,
  awsError,
  AwsMocks,
  CLUSTER_ARN,
  conditionFailed,
  CONTROL_TABLE,
  dbCluster,
  ECS_CLUSTER,
  ECS_SERVICE,
  EXEC,
  fakeTiming,
  givenScalableTarget,
  GLOBAL_ID,
  globalCluster,
  globalView,
  lagData,
  LOCK_KEY,
  lockItem,
  mockAws,
  orchestratorEnv,
  OTHER_EXEC,
  putItems,
  RESOURCE_ID,
  STANDBY,
  STATE_TABLE,
  T0,
  TARGET_GROUP,
  throttling,
} from "./support/fixtures";

const LAMBDA_DIR = join(__dirname, "..", "..", "lambda");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

describe("the traffic-gate contract", () => {
  it("is plain constants and a dimensions builder", () => {
    expect(gate.GATE_METRIC_NAMESPACE).toBe("DR/TrafficGate");
    expect(gate.GATE_METRIC_NAME).toBe("GateOpen");
    expect([gate.GATE_OPEN, gate.GATE_CLOSED]).toEqual([1, 0]);
    expect(gate.gateDimensions("prod", "us-west-2")).toEqual([
      { Name: "Environment", Value: "prod" },
      { Name: "Region", Value: "us-west-2" },
    ]);
    expect(gate.gateDimensionMap("prod", "us-west-2")).toEqual({ Environment: "prod", Region: "us-west-2" });
  });

  it("imports nothing, so the infrastructure code can use it without side effects", () => {
    // Run as CommonJS where there is no require and no process: an import or an environment read throws.
    // (Running it, rather than matching its text, also holds on the instrumented copy of the mutation run.)
    const { code } = transformSync(readFileSync(join(LAMBDA_DIR, "shared", "gate.ts"), "utf8"), { loader: "ts", format: "cjs" });
    const module = { exports: {} as Record<string, unknown> };
    runInNewContext(code, { module, exports: module.exports });
    expect(module.exports.GATE_METRIC_NAME).toBe("GateOpen");
    expect(() => runInNewContext(transformSync('import { x } from "./y"; export const z = x;', { loader: "ts", format: "cjs" }).code, { module, exports: {} })).toThrow(/require is not defined/);
    expect(() => runInNewContext(transformSync("export const z = process.env.Z;", { loader: "ts", format: "cjs" }).code, { module, exports: {} })).toThrow(/process is not defined/);
  });
});

describe("principle 2 in the Lambda code", () => {
  it("no Lambda source uses Route 53 or reads Route 53 health-check metrics", () => {
    for (const file of sourceFiles(LAMBDA_DIR)) {
      const source = readFileSync(file, "utf8");
      expect([file, /client-route-53|Route53Client|AWS\/Route53|HealthCheckStatus/.test(source)]).toEqual([file, false]);
    }
  });

  it("no Lambda module keeps mutable state at module scope", () => {
    for (const file of sourceFiles(LAMBDA_DIR)) {
      const source = readFileSync(file, "utf8");
      expect([file, /^(export\s+)?(let|var)\s/m.test(source)]).toEqual([file, false]);
    }
  });
});

describe("EnvReader", () => {
  it("names the missing variable", () => {
    const env = new EnvReader({});
    expect(() => env.string("GLOBAL_CLUSTER_ID")).toThrow(new ConfigurationError("GLOBAL_CLUSTER_ID", "is required and was not set"));
  });

  it("names the variable, the value and the rule for invalid values", () => {
    const env = new EnvReader({ N: "abc", M: "3", R: "useast1", A: "arn:aws:sns:us-east-1:1:t" });
    expect(() => env.int("N", 1)).toThrow('Environment variable N must be an integer (got "abc")');
    expect(() => env.int("M", 1, { max: 2 })).toThrow("must be at most 2");
    expect(() => env.region("R")).toThrow(/R must be an AWS region name/);
    expect(() => env.arn("A", "sns")).toThrow(/A must be an sns ARN/);
    expect(env.int("UNSET", 7)).toBe(7);
  });

  it("the orchestrator refuses a peer region equal to its own, and capacities out of order", () => {
    expect(() => loadOrchestratorConfig(orchestratorEnv(STANDBY, { PEER_REGION: STANDBY }))).toThrow(/PEER_REGION must differ/);
    expect(() => loadOrchestratorConfig(orchestratorEnv(STANDBY, { MAX_CAPACITY: "5" }))).toThrow(/MAX_CAPACITY must be at least 10/);
    expect(() => loadOrchestratorConfig(orchestratorEnv(STANDBY, { ECS_SERVICE: "" }))).toThrow(/ECS_SERVICE is required/);
    expect(() => loadOrchestratorConfig(orchestratorEnv(STANDBY, { ON_RPO_BREACH: "ignore" }))).toThrow(/ON_RPO_BREACH must be one of escalate, proceed/);
    expect(() => loadOrchestratorConfig(orchestratorEnv(STANDBY, { RPO_SECONDS: undefined }))).toThrow(/RPO_SECONDS is required/);
  });

  it("the orchestrator's timing defaults are the documented ones", () => {
    const config = loadOrchestratorConfig(orchestratorEnv(STANDBY, { VERIFY_INTERVAL_SECONDS: undefined }));
    expect(config).toMatchObject({
      lockTtlSeconds: 1800,
      pollIntervalSeconds: 10,
      maxWaitSeconds: 600,
      probeTimeoutMs: 5000,
      peerTimeoutMs: 5000,
      verifyAttempts: 6,
      verifyIntervalSeconds: 10,
      failbackMaxLagMs: 1000,
      onRpoBreach: "escalate",
      sampleIntervalSeconds: 10,
      staleHeartbeatSeconds: 30,
      replicationAllowanceSeconds: 10,
      inflightAllowanceSeconds: 10,
      dataLossMarginSeconds: 5,
      auditTableName: config.stateTableName,
    });
  });
});

describe("errors", () => {
  it("every error name is either retryable or permanent, never both", () => {
    const all = Object.values(ERROR_NAMES);
    expect([...RETRYABLE_ERROR_NAMES, ...PERMANENT_ERROR_NAMES].sort()).toEqual([...all].sort());
  });

  it("classifies AWS errors", () => {
    expect(isTransientAwsError(throttling())).toBe(true);
    expect(isTransientAwsError(awsError("ProvisionedThroughputExceededException"))).toBe(true);
    expect(isTransientAwsError(awsError("Whatever", "x", "server", 503))).toBe(true);
    expect(isTransientAwsError(Object.assign(new Error("x"), { code: "ECONNRESET" }))).toBe(true);
    expect(isTransientAwsError(awsError("AccessDeniedException", "x", "client", 403))).toBe(false);
    expect(isTransientAwsError(awsError("ConditionalCheckFailedException"))).toBe(false);
  });

  it("maps anything thrown to a named outcome", () => {
    expect(toOutcomeError(throttling()).name).toBe(ERROR_NAMES.transient);
    expect(toOutcomeError(awsError("ValidationException")).name).toBe(ERROR_NAMES.permanent);
    const typed = new WriterNotReadyError("x");
    expect(toOutcomeError(typed)).toBe(typed);
  });
});

describe("withRetry", () => {
  it("retries throttling with growing delays on the injected sleep", async () => {
    const timing = fakeTiming();
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw throttling();
        return "ok";
      },
      { policy: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 }, sleep: timing.sleep, random: () => 1 },
    );
    expect(result).toBe("ok");
    expect(timing.sleeps).toEqual([100, 200]);
  });

  it("rethrows a non-retryable error at once", async () => {
    const timing = fakeTiming();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw awsError("AccessDeniedException");
        },
        { policy: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 }, sleep: timing.sleep },
      ),
    ).rejects.toMatchObject({ name: "AccessDeniedException" });
    expect(calls).toBe(1);
  });

  it("gives up with TransientError after maxAttempts", async () => {
    const timing = fakeTiming();
    await expect(
      withRetry(async () => Promise.reject(throttling()), { policy: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10 }, sleep: timing.sleep, operation: "Op" }),
    ).rejects.toBeInstanceOf(TransientError);
    expect(timing.sleeps).toHaveLength(2);
  });

  it("caps the delay", () => {
    expect(backoffDelay({ maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000 }, 8, () => 1)).toBe(1000);
    expect(backoffDelay({ maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000 }, 1, () => 0)).toBe(50);
  });
});

describe("pollUntil", () => {
  it("stops when done and backs off between polls", async () => {
    const timing = fakeTiming();
    let polls = 0;
    const result = await pollUntil(async () => ({ done: ++polls === 3, value: polls }), {
      initialIntervalMs: 1000,
      maxIntervalMs: 10_000,
      factor: 2,
      maxWaitMs: 60_000,
      clock: timing.clock,
      sleep: timing.sleep,
    });
    expect(result).toEqual({ done: true, value: 3, polls: 3 });
    expect(timing.sleeps).toEqual([1000, 2000]);
  });

  it("gives up within the wait budget measured on the injected clock", async () => {
    const timing = fakeTiming();
    const result = await pollUntil(async () => ({ done: false, value: "x" }), {
      initialIntervalMs: 10_000,
      maxIntervalMs: 10_000,
      maxWaitMs: 35_000,
      clock: timing.clock,
      sleep: timing.sleep,
    });
    expect(result.done).toBe(false);
    expect(timing.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(35_000);
  });
});

describe("structured logs", () => {
  it("writes one JSON line per event with the base fields and serialized errors", () => {
    const lines: string[] = [];
    const log = createLogger({ function: "f" }, { sink: (l) => lines.push(l), clock: () => 0 }).child({ step: "begin" });
    log.info("a.b", { error: new WriterNotReadyError("not yet", { polls: 2 }), n: 1 });
    log.debug("dropped");
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("\n");
    expect(JSON.parse(lines[0] ?? "")).toEqual({
      level: "info",
      time: "1970-01-01T00:00:00.000Z",
      event: "a.b",
      function: "f",
      step: "begin",
      n: 1,
      error: { name: "WriterNotReadyError", message: "not yet", details: { polls: 2 } },
    });
  });
});

describe("the HTTPS probe", () => {
  it("is ok for 2xx and not for 5xx", async () => {
    const probe = createHttpsProbe(async (_url, _init) => ({ status: 204 }));
    expect((await probe("https://x/health", 1000)).ok).toBe(true);
    const failing = createHttpsProbe(async () => ({ status: 503 }));
    expect(await failing("https://x/health", 1000)).toMatchObject({ ok: false, status: 503 });
  });

  it("times out", async () => {
    const probe = createHttpsProbe(
      (_url, init) =>
        new Promise((_resolve, reject) => {
          init.signal.addEventListener("abort", () => reject(Object.assign(new Error("aborted"), { name: "AbortError" })));
        }),
    );
    expect(await probe("https://x/health", 20)).toMatchObject({ ok: false, error: "timeout after 20 ms" });
  });
});

// ---------------------------------------------------------------------------------------------
// Modules the protocol rewrite moved or changed: lock (now shared/lock.ts), control table,
// readLag (replicationLagAtMs), the monitor's metric names, capacity, the global cluster view.
// ---------------------------------------------------------------------------------------------

describe("the single-flight lock (shared/lock.ts)", () => {
  let mocks: AwsMocks;
  beforeEach(() => {
    mocks = mockAws();
  });
  afterEach(() => mocks.restore());

  const call = createCaller({ policy: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 }, sleep: async () => undefined });
  const ddb = () => new DynamoDBClient({ region: STANDBY });
  const params = { tableName: STATE_TABLE, key: LOCK_KEY, holder: EXEC, nowMs: T0, ttlSeconds: 1800 };

  it("keys the lock by global cluster", () => {
    expect(lockKey("g")).toBe("lock#failover#g");
  });

  it("takes the lock with a condition that lets the same holder re-enter and an expired lock be taken over", async () => {
    mocks.dynamodb.on(UpdateItemCommand).resolves({});
    expect(await acquireLock(ddb(), call, params)).toBe(Math.floor(T0 / 1000) + 1800);
    expect(mocks.dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      TableName: STATE_TABLE,
      Key: { pk: { S: LOCK_KEY } },
      ConditionExpression: "attribute_not_exists(#pk) OR #exp < :now OR #holder = :holder",
      ExpressionAttributeValues: expect.objectContaining({ ":now": { N: String(Math.floor(T0 / 1000)) }, ":holder": { S: EXEC } }),
    });
  });

  it("a lock held by another execution is LockHeldError naming the holder", async () => {
    mocks.dynamodb.on(UpdateItemCommand).rejects(conditionFailed());
    mocks.dynamodb.on(GetItemCommand).resolves({ Item: toItem(lockItem(OTHER_EXEC, 1_900_000_000)) });
    await expect(acquireLock(ddb(), call, params)).rejects.toMatchObject({ name: ERROR_NAMES.lockHeld, details: { holder: OTHER_EXEC, expiresAt: 1_900_000_000 } });
  });

  it("renews the lock only for its holder, storing extra attributes in the same write", async () => {
    mocks.dynamodb.on(UpdateItemCommand).resolves({ Attributes: toItem(lockItem(EXEC, 1, { promotionStrategy: "planned" })) });
    const renewed = await renewLock(ddb(), call, params, { promotionStrategy: "planned" });
    expect(renewed.item.promotionStrategy).toBe("planned");
    expect(mocks.dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      ConditionExpression: "#holder = :holder",
      ExpressionAttributeNames: expect.objectContaining({ "#x0": "promotionStrategy" }),
      ExpressionAttributeValues: expect.objectContaining({ ":x0": { S: "planned" } }),
      ReturnValues: "ALL_NEW",
    });
  });

  it("a lock taken over is LockLostError", async () => {
    mocks.dynamodb.on(UpdateItemCommand).rejects(conditionFailed());
    mocks.dynamodb.on(GetItemCommand).resolves({});
    await expect(renewLock(ddb(), call, params)).rejects.toMatchObject({ name: ERROR_NAMES.lockLost });
  });

  it("releases only its own lock: another holder's is left, and said so", async () => {
    mocks.dynamodb.on(DeleteItemCommand).resolvesOnce({}).rejects(conditionFailed());
    expect(await releaseLock(ddb(), call, params)).toBe(true);
    expect(await releaseLock(ddb(), call, params)).toBe(false);
    expect(mocks.dynamodb).toHaveReceivedCommandWith(DeleteItemCommand, { ConditionExpression: "#holder = :holder", ExpressionAttributeValues: { ":holder": { S: EXEC } } });
  });

  it("rethrows other failures of a release", async () => {
    mocks.dynamodb.on(DeleteItemCommand).rejects(awsError("AccessDeniedException"));
    await expect(releaseLock(ddb(), call, params)).rejects.toMatchObject({ name: "AccessDeniedException" });
  });

  it.each<[string, LockView | null, string]>([
    ["no lock is free", null, "free"],
    ["its own lock is mine", { holder: EXEC, expiresAt: 0 }, "mine"],
    ["another's expired lock is expired", { holder: OTHER_EXEC, expiresAt: Math.floor(T0 / 1000) - 1 }, "expired"],
    ["another's live lock is held", { holder: OTHER_EXEC, expiresAt: Math.floor(T0 / 1000) }, "held"],
  ])("lockAvailability: %s", (_name, lock, availability) => {
    expect(lockAvailability(lock, EXEC, T0)).toBe(availability);
  });

  it("reads the lock and its whole item", async () => {
    mocks.dynamodb.on(GetItemCommand).resolves({ Item: toItem(lockItem(EXEC, 42, { promotionRequestedBy: EXEC })) });
    expect(await readLock(ddb(), call, STATE_TABLE, LOCK_KEY)).toEqual({ holder: EXEC, expiresAt: 42 });
    expect(await readLockItem(ddb(), call, STATE_TABLE, LOCK_KEY)).toMatchObject({ promotionRequestedBy: EXEC });
    mocks.dynamodb.on(GetItemCommand).resolves({});
    expect(await readLock(ddb(), call, STATE_TABLE, LOCK_KEY)).toBeNull();
    expect(await readLockItem(ddb(), call, STATE_TABLE, LOCK_KEY)).toBeNull();
  });
});

describe("the control table (shared/control-table.ts)", () => {
  let mocks: AwsMocks;
  beforeEach(() => {
    mocks = mockAws();
  });
  afterEach(() => mocks.restore());
  const call = createCaller({ policy: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, sleep: async () => undefined });
  const ddb = () => new DynamoDBClient({ region: STANDBY });

  it.each<[string, Fence | null, boolean]>([
    ["no fence is not in force", null, false],
    ["a lifted fence is not in force", { ...fenceOf(), fenced: false }, false],
    ["a fence within its lease is in force", { ...fenceOf(), leaseExpiresAt: T0 + 1 }, true],
    ["a fence whose lease ran out is not in force", { ...fenceOf(), leaseExpiresAt: T0 }, false],
    ["a permanent fence is in force", { ...fenceOf(), leaseExpiresAt: null }, true],
  ])("fenceInForce: %s", (_name, fence, inForce) => {
    expect(fenceInForce(fence, T0)).toBe(inForce);
  });

  it("writes a fence and reads it back as written", async () => {
    await writeFence(ddb(), call, CONTROL_TABLE, fenceOf());
    const item = mocks.dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input.Item;
    expect(item?.pk).toEqual({ S: `fence#${ACTIVE}` });
    mocks.dynamodb.on(GetItemCommand).resolves({ Item: item });
    expect(await readFence(ddb(), call, CONTROL_TABLE, ACTIVE)).toEqual(fenceOf());
  });

  it("reads a heartbeat back as written, and none when the item is not one", async () => {
    const heartbeat: Heartbeat = { region: ACTIVE, at: T0, writerArn: null, ownIsWriter: false, databaseAvailable: false, serviceHealthy: null, fenced: true, gateOpen: false };
    await writeHeartbeat(ddb(), call, CONTROL_TABLE, heartbeat);
    const item = mocks.dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input.Item;
    mocks.dynamodb.on(GetItemCommand).resolves({ Item: item });
    expect(await readHeartbeat(ddb(), call, CONTROL_TABLE, ACTIVE)).toEqual(heartbeat);
    mocks.dynamodb.on(GetItemCommand).resolves({ Item: toItem({ pk: `heartbeat#${ACTIVE}` }) });
    expect(await readHeartbeat(ddb(), call, CONTROL_TABLE, ACTIVE)).toBeNull();
  });

  it("writes the heartbeat item of its region to the table given, and reads every field back as written", async () => {
    const heartbeat: Heartbeat = { region: ACTIVE, at: T0, writerArn: CLUSTER_ARN[ACTIVE] as string, ownIsWriter: true, databaseAvailable: true, serviceHealthy: false, fenced: false, gateOpen: true };
    await writeHeartbeat(ddb(), call, CONTROL_TABLE, heartbeat);
    expect(mocks.dynamodb.commandCalls(PutItemCommand).map((c) => c.args[0].input.TableName)).toEqual([CONTROL_TABLE]);
    expect(putItems(mocks.dynamodb, `heartbeat#${ACTIVE}`)).toEqual([{ pk: `heartbeat#${ACTIVE}`, kind: "heartbeat", ...heartbeat }]);
    mocks.dynamodb.on(GetItemCommand).resolves({ Item: mocks.dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input.Item });
    expect(await readHeartbeat(ddb(), call, CONTROL_TABLE, ACTIVE)).toStrictEqual(heartbeat);
    expect(mocks.dynamodb.commandCalls(GetItemCommand).map((c) => c.args[0].input)).toEqual([{ TableName: CONTROL_TABLE, Key: { pk: { S: `heartbeat#${ACTIVE}` } }, ConsistentRead: true }]);
  });

  it.each<[string, Record<string, Plain>]>([
    ["missing", {}],
    ["of the wrong type", { writerArn: 5, ownIsWriter: "true", databaseAvailable: 1, serviceHealthy: "yes", fenced: "true", gateOpen: "true" }],
  ])("a heartbeat whose fields are %s reads as no writer, false, and unknown service health", async (_name, fields) => {
    mocks.dynamodb.on(GetItemCommand).resolves({ Item: toItem({ pk: `heartbeat#${ACTIVE}`, at: T0, ...fields }) });
    expect(await readHeartbeat(ddb(), call, CONTROL_TABLE, ACTIVE)).toStrictEqual({
      region: ACTIVE,
      at: T0,
      writerArn: null,
      ownIsWriter: false,
      databaseAvailable: false,
      serviceHealthy: null,
      fenced: false,
      gateOpen: false,
    });
  });

  it.each<[string, Record<string, Plain> | null]>([
    ["no item", null],
    ["the item of another key", { pk: `heartbeat#${STANDBY}`, at: T0, ownIsWriter: true, gateOpen: true }],
    ["an item whose time is not a number", { pk: `heartbeat#${ACTIVE}`, at: String(T0), ownIsWriter: true, gateOpen: true }],
  ])("reads no heartbeat from %s", async (_name, item) => {
    mocks.dynamodb.on(GetItemCommand).resolves(item === null ? {} : { Item: toItem(item) });
    expect(await readHeartbeat(ddb(), call, CONTROL_TABLE, ACTIVE)).toBeNull();
  });

  it("writes the fence item of the fenced region to the table given, and asks for it by key, consistently", async () => {
    await writeFence(ddb(), call, CONTROL_TABLE, fenceOf());
    expect(mocks.dynamodb.commandCalls(PutItemCommand).map((c) => c.args[0].input.TableName)).toEqual([CONTROL_TABLE]);
    expect(putItems(mocks.dynamodb, `fence#${ACTIVE}`)).toEqual([{ pk: `fence#${ACTIVE}`, kind: "fence", ...fenceOf() }]);
    mocks.dynamodb.on(GetItemCommand).resolves({});
    await readFence(ddb(), call, CONTROL_TABLE, ACTIVE);
    expect(mocks.dynamodb.commandCalls(GetItemCommand).map((c) => c.args[0].input)).toEqual([{ TableName: CONTROL_TABLE, Key: { pk: { S: `fence#${ACTIVE}` } }, ConsistentRead: true }]);
  });

  it.each<[string, Record<string, Plain>]>([
    ["missing", {}],
    ["of the wrong type", { fenced: "true", by: 1, byRegion: false, at: String(T0), leaseExpiresAt: "later", capacity: "full", reason: 7 }],
    ["a time that is not a finite number", { at: Number.NaN }],
  ])("a fence whose fields are %s reads as lifted, by nobody, at 0, without lease, at zero capacity", async (_name, fields) => {
    mocks.dynamodb.on(GetItemCommand).resolves({ Item: toItem({ pk: `fence#${ACTIVE}`, ...fields }) });
    expect(await readFence(ddb(), call, CONTROL_TABLE, ACTIVE)).toStrictEqual({ region: ACTIVE, fenced: false, by: "", byRegion: "", at: 0, leaseExpiresAt: null, capacity: "zero", reason: "" });
  });

  it.each<[string, Record<string, Plain> | null]>([
    ["no item", null],
    ["the item of another key", { ...fenceOf(), pk: `fence#${STANDBY}` }],
  ])("reads no fence from %s", async (_name, item) => {
    mocks.dynamodb.on(GetItemCommand).resolves(item === null ? {} : { Item: toItem(item) });
    expect(await readFence(ddb(), call, CONTROL_TABLE, ACTIVE)).toBeNull();
  });

  it("names the operation when retries run out", async () => {
    mocks.dynamodb.on(PutItemCommand).rejects(throttling());
    mocks.dynamodb.on(GetItemCommand).rejects(throttling());
    const heartbeat: Heartbeat = { region: ACTIVE, at: T0, writerArn: null, ownIsWriter: false, databaseAvailable: false, serviceHealthy: null, fenced: false, gateOpen: false };
    const transient = (operation: string) => ({ name: ERROR_NAMES.transient, details: expect.objectContaining({ operation }) });
    await expect(writeHeartbeat(ddb(), call, CONTROL_TABLE, heartbeat)).rejects.toMatchObject(transient("PutItem"));
    await expect(readHeartbeat(ddb(), call, CONTROL_TABLE, ACTIVE)).rejects.toMatchObject(transient("GetItem"));
    await expect(writeFence(ddb(), call, CONTROL_TABLE, fenceOf())).rejects.toMatchObject(transient("PutItem"));
    await expect(readFence(ddb(), call, CONTROL_TABLE, ACTIVE)).rejects.toMatchObject(transient("GetItem"));
  });

  function fenceOf(): Fence {
    return { region: ACTIVE, fenced: true, by: EXEC, byRegion: STANDBY, at: T0, leaseExpiresAt: T0 + 60_000, capacity: "standby", reason: "test" };
  }
});

describe("readLag (shared/cloudwatch.ts)", () => {
  let mocks: AwsMocks;
  beforeEach(() => {
    mocks = mockAws();
  });
  afterEach(() => mocks.restore());
  const call = createCaller({ policy: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, sleep: async () => undefined });

  it("returns the latest replication lag, its timestamp and the RPO lag", async () => {
    mocks.cloudwatch.on(GetMetricDataCommand).resolves(lagData(250, T0 - 60_000, 900));
    expect(await readLag(new CloudWatchClient({ region: STANDBY }), call, "c1", T0, 300)).toEqual({ replicationLagMs: 250, rpoLagMs: 900, replicationLagAtMs: T0 - 60_000 });
    expect(mocks.cloudwatch).toHaveReceivedCommandWith(GetMetricDataCommand, {
      ScanBy: "TimestampDescending",
      MetricDataQueries: [expect.objectContaining({ Id: "replicationLag", Expression: lagExpression("AuroraGlobalDBReplicationLag", "c1") }), expect.objectContaining({ Id: "rpoLag" })],
    });
  });

  it("returns nulls without datapoints", async () => {
    mocks.cloudwatch.on(GetMetricDataCommand).resolves(lagData(null, 0));
    expect(await readLag(new CloudWatchClient({ region: STANDBY }), call, "c1", T0, 300)).toEqual({ replicationLagMs: null, rpoLagMs: null, replicationLagAtMs: null });
  });
});

describe("the monitor's metric contract (shared/monitor-metrics.ts)", () => {
  it("names the metrics dashboards and alarms read", () => {
    expect(MONITOR_METRIC_NAMESPACE_DEFAULT).toBe("DR/HealthMonitor");
    expect(MONITOR_METRICS).toEqual({
      activeRegionHealthy: "ActiveRegionHealthy",
      independentSignalsDown: "IndependentSignalsDown",
      actionable: "ActionableVerdict",
      promotionReady: "PromotionReady",
    });
    expect(monitorDimensions("prod", STANDBY)).toEqual([
      { Name: "Environment", Value: "prod" },
      { Name: "Region", Value: STANDBY },
    ]);
  });

  it("gate-store.ts is used by no Lambda source any more (only by the infrastructure's tests)", () => {
    for (const file of sourceFiles(LAMBDA_DIR)) {
      expect([file, /from "\.\/gate-store"|from "\.\.\/shared\/gate-store"/.test(readFileSync(file, "utf8"))]).toEqual([file, false]);
    }
  });
});

describe("capacity (shared/capacity.ts)", () => {
  let mocks: AwsMocks;
  beforeEach(() => {
    mocks = mockAws();
  });
  afterEach(() => mocks.restore());
  const call = createCaller({ policy: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, sleep: async () => undefined });
  const aas = () => new ApplicationAutoScalingClient({ region: STANDBY });
  const service = { cluster: ECS_CLUSTER, service: ECS_SERVICE };

  it.each<[string, number, number, { min: number; max: number } | null]>([
    ["raises a minimum below the floor", 2, 50, { min: 10, max: 50 }],
    ["keeps a minimum above the floor", 12, 50, null],
    ["raises the maximum with the minimum", 2, 5, { min: 10, max: 50 }],
  ])("raiseScalableTarget %s, never lowering", async (_name, min, max, expected) => {
    givenScalableTarget(mocks.autoscaling, min, max);
    await raiseScalableTarget(aas(), call, service, 10, 50);
    const sent = mocks.autoscaling.commandCalls(RegisterScalableTargetCommand).map((c) => ({ min: c.args[0].input.MinCapacity, max: c.args[0].input.MaxCapacity }));
    expect(sent).toEqual(expected ? [expected] : []);
  });

  it("ensureScalableTarget sets exactly [min, max], unless already so; dry run only reads", async () => {
    givenScalableTarget(mocks.autoscaling, 10, 50);
    expect((await ensureScalableTarget(aas(), call, service, 10, 50)).change).toBe("unchanged");
    expect((await ensureScalableTarget(aas(), call, service, 0, 0, true)).change).toBe("planned");
    expect(mocks.autoscaling).not.toHaveReceivedCommand(RegisterScalableTargetCommand);
    expect((await ensureScalableTarget(aas(), call, service, 0, 0)).change).toBe("done");
    expect(mocks.autoscaling).toHaveReceivedCommandWith(RegisterScalableTargetCommand, { ServiceNamespace: "ecs", ScalableDimension: "ecs:service:DesiredCount", ResourceId: RESOURCE_ID, MinCapacity: 0, MaxCapacity: 0 });
  });

  function target(resourceId: string, min: number, max: number): ScalableTarget {
    return { ServiceNamespace: "ecs", ScalableDimension: "ecs:service:DesiredCount", ResourceId: resourceId, MinCapacity: min, MaxCapacity: max, RoleARN: "arn:aws:iam::1:role/x", CreationTime: new Date(T0) };
  }
  const registered = () => mocks.autoscaling.commandCalls(RegisterScalableTargetCommand).map((c) => c.args[0].input);
  const ecsDesiredCount = { ServiceNamespace: "ecs", ScalableDimension: "ecs:service:DesiredCount" };

  it("reads the scalable target of exactly this service; none reads as null bounds", async () => {
    mocks.autoscaling.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [target(`service/other/${ECS_SERVICE}`, 1, 2), target(RESOURCE_ID, 3, 7)] });
    expect(await readScalableTarget(aas(), call, service)).toEqual({ min: 3, max: 7 });
    expect(mocks.autoscaling.commandCalls(DescribeScalableTargetsCommand).map((c) => c.args[0].input)).toEqual([{ ...ecsDesiredCount, ResourceIds: [RESOURCE_ID] }]);
    mocks.autoscaling.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [target(`service/other/${ECS_SERVICE}`, 1, 2)] });
    expect(await readScalableTarget(aas(), call, service)).toEqual({ min: null, max: null });
    mocks.autoscaling.on(DescribeScalableTargetsCommand).resolves({});
    expect(await readScalableTarget(aas(), call, service)).toEqual({ min: null, max: null });
  });

  it("ensureScalableTarget changes a target whose maximum alone differs", async () => {
    givenScalableTarget(mocks.autoscaling, 10, 50);
    expect(await ensureScalableTarget(aas(), call, service, 10, 60)).toEqual({ change: "done", previous: { min: 10, max: 50 } });
    expect(registered()).toEqual([{ ...ecsDesiredCount, ResourceId: RESOURCE_ID, MinCapacity: 10, MaxCapacity: 60 }]);
  });

  it("raiseScalableTarget keeps a maximum above the one asked while it raises the minimum", async () => {
    givenScalableTarget(mocks.autoscaling, 2, 60);
    expect(await raiseScalableTarget(aas(), call, service, 10, 50)).toEqual({ change: "done", previous: { min: 2, max: 60 } });
    expect(registered()).toEqual([{ ...ecsDesiredCount, ResourceId: RESOURCE_ID, MinCapacity: 10, MaxCapacity: 60 }]);
  });

  it("raiseScalableTarget raises a maximum below the one asked even when the minimum is already above the floor", async () => {
    givenScalableTarget(mocks.autoscaling, 12, 5);
    expect(await raiseScalableTarget(aas(), call, service, 10, 50)).toEqual({ change: "done", previous: { min: 12, max: 5 } });
    expect(registered()).toEqual([{ ...ecsDesiredCount, ResourceId: RESOURCE_ID, MinCapacity: 12, MaxCapacity: 50 }]);
  });

  it("names the operation when retries run out", async () => {
    const transient = (operation: string) => ({ name: ERROR_NAMES.transient, details: expect.objectContaining({ operation }) });
    mocks.autoscaling.on(DescribeScalableTargetsCommand).rejects(throttling());
    await expect(ensureScalableTarget(aas(), call, service, 10, 50)).rejects.toMatchObject(transient("DescribeScalableTargets"));
    await expect(raiseScalableTarget(aas(), call, service, 10, 50)).rejects.toMatchObject(transient("DescribeScalableTargets"));
    givenScalableTarget(mocks.autoscaling, 2, 50);
    mocks.autoscaling.on(RegisterScalableTargetCommand).rejects(throttling());
    await expect(ensureScalableTarget(aas(), call, service, 10, 50)).rejects.toMatchObject(transient("RegisterScalableTarget"));
    await expect(raiseScalableTarget(aas(), call, service, 10, 50)).rejects.toMatchObject(transient("RegisterScalableTarget"));
  });

  describe("readServiceHealth", () => {
    const ecs = () => new ECSClient({ region: STANDBY });
    const elb = () => new ElasticLoadBalancingV2Client({ region: STANDBY });
    const TARGET_GROUP_ARN = `arn:aws:elasticloadbalancing:${STANDBY}:111122223333:targetgroup/${TARGET_GROUP}/1`;
    const read = () => readServiceHealth(ecs(), elb(), call, service, TARGET_GROUP);
    function given(runningCount: number, targets: TargetHealthDescription[]): void {
      mocks.ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: ECS_SERVICE, runningCount }] });
      mocks.elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [{ TargetGroupArn: TARGET_GROUP_ARN }] });
      mocks.elb.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: targets });
    }
    const healthyTarget: TargetHealthDescription = { TargetHealth: { State: "healthy" } };

    it("asks for this service and its target group, and counts only the targets the load balancer finds healthy", async () => {
      given(3, [healthyTarget, { TargetHealth: { State: "unhealthy" } }, { TargetHealth: { State: "draining" } }, {}, healthyTarget]);
      expect(await read()).toEqual({ runningTasks: 3, healthyTargets: 2, healthy: true });
      expect(mocks.ecs.commandCalls(DescribeServicesCommand).map((c) => c.args[0].input)).toEqual([{ cluster: ECS_CLUSTER, services: [ECS_SERVICE] }]);
      expect(mocks.elb.commandCalls(DescribeTargetGroupsCommand).map((c) => c.args[0].input)).toEqual([{ Names: [TARGET_GROUP] }]);
      expect(mocks.elb.commandCalls(DescribeTargetHealthCommand).map((c) => c.args[0].input)).toEqual([{ TargetGroupArn: TARGET_GROUP_ARN }]);
    });

    it.each<[string, number, TargetHealthDescription[], boolean]>([
      ["running tasks and a healthy target are healthy", 1, [healthyTarget], true],
      ["running tasks without a healthy target are not healthy", 2, [{ TargetHealth: { State: "unhealthy" } }], false],
      ["a healthy target without running tasks is not healthy", 0, [healthyTarget], false],
      ["neither is not healthy", 0, [], false],
    ])("%s", async (_name, running, targets, healthy) => {
      given(running, targets);
      expect((await read()).healthy).toBe(healthy);
    });

    it.each<[string, () => void, { runningTasks: number; healthyTargets: number }]>([
      ["no services in the answer", () => mocks.ecs.on(DescribeServicesCommand).resolves({}), { runningTasks: 0, healthyTargets: 1 }],
      ["an empty list of services", () => mocks.ecs.on(DescribeServicesCommand).resolves({ services: [] }), { runningTasks: 0, healthyTargets: 1 }],
      ["a service without a running count", () => mocks.ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: ECS_SERVICE }] }), { runningTasks: 0, healthyTargets: 1 }],
      ["no target health in the answer", () => mocks.elb.on(DescribeTargetHealthCommand).resolves({}), { runningTasks: 2, healthyTargets: 0 }],
    ])("reads %s as none", async (_name, arrange, counts) => {
      given(2, [healthyTarget]);
      arrange();
      expect(await read()).toEqual({ ...counts, healthy: false });
    });

    it.each<[string, () => void]>([
      ["no target groups in the answer", () => mocks.elb.on(DescribeTargetGroupsCommand).resolves({})],
      ["an empty list of target groups", () => mocks.elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [] })],
      ["a target group without an ARN", () => mocks.elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [{ TargetGroupName: TARGET_GROUP }] })],
    ])("without a target group (%s) it counts no healthy target and asks for no target health", async (_name, arrange) => {
      given(2, [healthyTarget]);
      arrange();
      expect(await read()).toEqual({ runningTasks: 2, healthyTargets: 0, healthy: false });
      expect(mocks.elb).not.toHaveReceivedCommand(DescribeTargetHealthCommand);
    });

    it("names the operation when retries run out", async () => {
      const transient = (operation: string) => ({ name: ERROR_NAMES.transient, details: expect.objectContaining({ operation }) });
      given(2, [healthyTarget]);
      mocks.elb.on(DescribeTargetHealthCommand).rejects(throttling());
      await expect(read()).rejects.toMatchObject(transient("DescribeTargetHealth"));
      mocks.elb.on(DescribeTargetGroupsCommand).rejects(throttling());
      await expect(read()).rejects.toMatchObject(transient("DescribeTargetGroups"));
      mocks.ecs.on(DescribeServicesCommand).rejects(throttling());
      await expect(read()).rejects.toMatchObject(transient("DescribeServices"));
    });
  });
});

describe("the global cluster as read in this region (shared/global-cluster.ts)", () => {
  let mocks: AwsMocks;
  beforeEach(() => {
    mocks = mockAws();
  });
  afterEach(() => mocks.restore());
  const call = createCaller({ policy: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, sleep: async () => undefined });
  const rds = () => new RDSClient({ region: STANDBY });

  it("maps members, the writer and a promotion under way", async () => {
    mocks.rds.on(DescribeGlobalClustersCommand).resolves({ GlobalClusters: [globalCluster({ failover: { to: STANDBY, dataLoss: true } })] });
    expect(await describeGlobalCluster(rds(), call, GLOBAL_ID)).toEqual(globalView({ failover: { to: STANDBY, dataLoss: true } }));
  });

  it.each<[string, () => void]>([
    ["GlobalClusterNotFoundFault", () => mocks.rds.on(DescribeGlobalClustersCommand).rejects(awsError("GlobalClusterNotFoundFault"))],
    ["an empty answer", () => mocks.rds.on(DescribeGlobalClustersCommand).resolves({ GlobalClusters: [] })],
  ])("a missing global cluster (%s) is PreconditionFailedError", async (_name, arrange) => {
    arrange();
    await expect(describeGlobalCluster(rds(), call, GLOBAL_ID)).rejects.toMatchObject({ name: ERROR_NAMES.preconditionFailed });
  });

  it("reads a DB cluster's status, and a missing one is PreconditionFailedError", async () => {
    mocks.rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [dbCluster(STANDBY, "failing-over")] });
    expect(await describeDbCluster(rds(), call, "x")).toEqual({ id: "dr-prod-usw2", arn: CLUSTER_ARN[STANDBY], status: "failing-over" });
    mocks.rds.on(DescribeDBClustersCommand).rejects(awsError("DBClusterNotFoundFault"));
    await expect(describeDbCluster(rds(), call, "x")).rejects.toMatchObject({ name: ERROR_NAMES.preconditionFailed });
  });

  it("reads the region and id of a cluster ARN", () => {
    expect(regionOfArn(CLUSTER_ARN[ACTIVE] as string)).toBe(ACTIVE);
    expect(clusterIdOfArn(CLUSTER_ARN[ACTIVE] as string)).toBe("dr-prod-use1");
    expect(regionOfArn("not-an-arn")).toBe("");
  });

  it("asks for exactly the global cluster it was given, and takes the identifier and status RDS answers", async () => {
    mocks.rds.on(DescribeGlobalClustersCommand).resolves({ GlobalClusters: [{ GlobalClusterIdentifier: "renamed", Status: "modifying" }] });
    const view = await describeGlobalCluster(rds(), call, GLOBAL_ID);
    expect(mocks.rds.commandCalls(DescribeGlobalClustersCommand).map((c) => c.args[0].input)).toEqual([{ GlobalClusterIdentifier: GLOBAL_ID }]);
    expect(view).toEqual({ id: "renamed", status: "modifying", members: [], writer: undefined });
  });

  it("falls back to the asked identifier and status unknown when RDS leaves them out, and skips a member without an ARN", async () => {
    mocks.rds.on(DescribeGlobalClustersCommand).resolves({
      GlobalClusters: [{ GlobalClusterMembers: [{ IsWriter: true }, { DBClusterArn: CLUSTER_ARN[STANDBY], IsWriter: false }] }],
    });
    const view = await describeGlobalCluster(rds(), call, GLOBAL_ID);
    expect(view).toEqual({
      id: GLOBAL_ID,
      status: "unknown",
      members: [{ arn: CLUSTER_ARN[STANDBY], region: STANDBY, clusterId: "dr-prod-usw2", isWriter: false }],
      writer: undefined,
    });
  });

  it("says which global cluster does not exist, for a fault and for an answer without any", async () => {
    mocks.rds.on(DescribeGlobalClustersCommand).rejects(awsError("GlobalClusterNotFoundFault"));
    await expect(describeGlobalCluster(rds(), call, GLOBAL_ID)).rejects.toMatchObject({ message: `Global cluster ${GLOBAL_ID} does not exist`, details: { globalClusterId: GLOBAL_ID } });
    mocks.rds.on(DescribeGlobalClustersCommand).resolves({});
    await expect(describeGlobalCluster(rds(), call, GLOBAL_ID)).rejects.toMatchObject({ message: `Global cluster ${GLOBAL_ID} does not exist`, details: { globalClusterId: GLOBAL_ID } });
  });

  it("passes any other refusal on as it came, and names the operation when retries run out", async () => {
    mocks.rds.on(DescribeGlobalClustersCommand).rejects(awsError("AccessDeniedException"));
    await expect(describeGlobalCluster(rds(), call, GLOBAL_ID)).rejects.toMatchObject({ name: "AccessDeniedException" });
    mocks.rds.on(DescribeDBClustersCommand).rejects(awsError("AccessDeniedException"));
    await expect(describeDbCluster(rds(), call, "x")).rejects.toMatchObject({ name: "AccessDeniedException" });
    mocks.rds.on(DescribeGlobalClustersCommand).rejects(throttling());
    await expect(describeGlobalCluster(rds(), call, GLOBAL_ID)).rejects.toMatchObject({ name: ERROR_NAMES.transient, details: expect.objectContaining({ operation: "DescribeGlobalClusters" }) });
    mocks.rds.on(DescribeDBClustersCommand).rejects(throttling());
    await expect(describeDbCluster(rds(), call, "x")).rejects.toMatchObject({ name: ERROR_NAMES.transient, details: expect.objectContaining({ operation: "DescribeDBClusters" }) });
  });

  it("asks for exactly the DB cluster it was given; the identifier comes from the answer, else from its ARN, and the status defaults to unknown", async () => {
    mocks.rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ DBClusterIdentifier: "given-id", DBClusterArn: CLUSTER_ARN[STANDBY] }] });
    expect(await describeDbCluster(rds(), call, CLUSTER_ARN[STANDBY] as string)).toEqual({ id: "given-id", arn: CLUSTER_ARN[STANDBY], status: "unknown" });
    expect(mocks.rds.commandCalls(DescribeDBClustersCommand).map((c) => c.args[0].input)).toEqual([{ DBClusterIdentifier: CLUSTER_ARN[STANDBY] }]);
    mocks.rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ DBClusterArn: CLUSTER_ARN[STANDBY], Status: "available" }] });
    expect(await describeDbCluster(rds(), call, "x")).toEqual({ id: "dr-prod-usw2", arn: CLUSTER_ARN[STANDBY], status: "available" });
  });

  it.each<[string, () => void]>([
    ["DBClusterNotFoundFault", () => mocks.rds.on(DescribeDBClustersCommand).rejects(awsError("DBClusterNotFoundFault"))],
    ["an answer without clusters", () => mocks.rds.on(DescribeDBClustersCommand).resolves({})],
    ["a cluster without an ARN", () => mocks.rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ DBClusterIdentifier: "x", Status: "available" }] })],
  ])("says which DB cluster does not exist (%s)", async (_name, arrange) => {
    arrange();
    await expect(describeDbCluster(rds(), call, "x")).rejects.toMatchObject({ name: ERROR_NAMES.preconditionFailed, message: "DB cluster x does not exist", details: { cluster: "x" } });
  });
});
