/**
 * The start of the reconciliation by the writer region's health monitor
 * (lambda/reconciler/trigger.ts): once per forced failover, when the old
 * region's heartbeat resumes after the fence; a page when it started.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SNSClient } from "@aws-sdk/client-sns";
import { auditKey } from "../../lambda/failover-orchestrator/report";
import { reconciliationExecutionName } from "../../lambda/reconciler/names";
import { executionArnOf, triggerReconciliation, TriggerDeps } from "../../lambda/reconciler/trigger";
import { CONTROL_KEYS } from "../../lambda/shared/control-keys";
import { toItem } from "../../lambda/shared/dynamo";
import { createLogger } from "../../lambda/shared/log";
import { createCaller } from "../../lambda/shared/retry";
import { awsError, FakeAws } from "./aws";
import { NEW, OLD } from "./fakes";

const CONTROL = "dr-prod-control";
const STATE = "dr-prod-failover-lock";
const MACHINE = "arn:aws:states:us-west-2:111122223333:stateMachine:dr-reconcile-prd";
const FAILOVER = "arn:aws:states:us-west-2:111122223333:execution:dr-failover-prd:failover-dr-global-prd-20250314T093000Z-0a1b2c3d4e-a1";
const FENCED_AT = Date.parse("2025-03-14T09:40:00Z");
const NOW = Date.parse("2025-03-14T10:10:00Z");

let aws: FakeAws;
const deps = (environment = "prod"): TriggerDeps => ({
  dynamodb: new DynamoDBClient({ region: NEW }),
  sfn: new SFNClient({ region: NEW }),
  sns: new SNSClient({ region: NEW }),
  call: createCaller({ policy: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 }, sleep: async () => undefined }),
  log: createLogger({}, { sink: () => undefined }),
  config: { environment, region: NEW, peerRegion: OLD, controlTableName: CONTROL, stateTableName: STATE, staleHeartbeatMs: 30_000, stateMachineArn: MACHINE, topicArn: "arn:aws:sns:us-west-2:111122223333:dr-alerts-prd" },
});

function fence(overrides: Record<string, unknown> = {}) {
  aws.table(NEW, CONTROL).set(
    CONTROL_KEYS.fence(OLD),
    toItem({ pk: CONTROL_KEYS.fence(OLD), kind: "fence", region: OLD, fenced: true, by: FAILOVER, byRegion: NEW, at: FENCED_AT, leaseExpiresAt: null, capacity: "zero", reason: "forced failover", ...overrides } as any),
  );
}
function heartbeat(at: number) {
  aws.table(NEW, CONTROL).set(CONTROL_KEYS.heartbeat(OLD), toItem({ pk: CONTROL_KEYS.heartbeat(OLD), kind: "heartbeat", region: OLD, at, writerArn: null, ownIsWriter: false, databaseAvailable: true, serviceHealthy: false, fenced: true, gateOpen: false }));
}
function audit(strategy = "unplanned", overrides: Record<string, unknown> = {}) {
  aws.table(NEW, STATE).set(auditKey(FAILOVER), toItem({ pk: auditKey(FAILOVER), executionId: FAILOVER, strategy, incidentId: "20250314T093000Z-0a1b2c3d4e", dataLossWindow: null, ...overrides } as any));
}
const throttled = () => awsError("ThrottlingException", 400, "Rate exceeded");

beforeEach(() => {
  aws = new FakeAws();
});
afterEach(() => aws.restore());

describe("starting the reconciliation from the writer's monitor", () => {
  test("GIVEN a forced failover's permanent fence and the old region's heartbeat newer than it THEN the run starts once, named after the failover, and pages that it started", async () => {
    fence();
    heartbeat(NOW - 5_000);
    audit();
    const first = await triggerReconciliation(deps(), NOW);
    const name = reconciliationExecutionName(FAILOVER);
    expect(first).toEqual({ outcome: "started", failoverExecutionArn: FAILOVER, executionArn: executionArnOf(MACHINE, name) });
    expect(name).toMatch(/^reconcile-failover-dr-global-prd-[A-Za-z0-9_-]+-[0-9a-f]{12}$/);
    expect(name.length).toBeLessThanOrEqual(80);
    const started = [...aws.executions.values()];
    expect(started).toHaveLength(1);
    expect(JSON.parse(started[0]!.input)).toEqual({ failoverExecutionArn: FAILOVER, requestedBy: "health-monitor", reason: expect.stringContaining("us-east-1 is back") });
    expect(aws.messages).toEqual([expect.objectContaining({ message: expect.objectContaining({ kind: "reconciliation-started", failoverExecutionArn: FAILOVER, returnedRegion: OLD }) })]);

    // Every later sample: the run exists, nothing else happens.
    for (let i = 1; i <= 3; i++) {
      heartbeat(NOW + i * 10_000 - 2_000);
      expect((await triggerReconciliation(deps(), NOW + i * 10_000)).outcome).toBe("already-started");
    }
    expect(aws.executions.size).toBe(1);
    expect(aws.messages).toHaveLength(1);
    expect(aws.count("StartExecution")).toBe(1);
  });

  test("GIVEN two monitors racing (the run exists by the time StartExecution is sent) THEN ExecutionAlreadyExists counts as started by the other, without a second page", async () => {
    fence();
    heartbeat(NOW - 5_000);
    audit();
    aws.fail("DescribeExecution", () => Object.assign(new Error("does not exist"), { name: "ExecutionDoesNotExist" }), { times: 1 });
    aws.executions.set(executionArnOf(MACHINE, reconciliationExecutionName(FAILOVER)), { name: "x", input: "{}" });
    expect((await triggerReconciliation(deps(), NOW)).outcome).toBe("already-started");
    expect(aws.messages).toEqual([]);
  });

  test("GIVEN the old region's heartbeat is still older than the fence, or stale THEN nothing starts", async () => {
    fence();
    audit();
    heartbeat(FENCED_AT - 60_000);
    expect((await triggerReconciliation(deps(), NOW)).outcome).toBe("peer-not-back");
    heartbeat(NOW - 31_000);
    expect((await triggerReconciliation(deps(), NOW)).outcome).toBe("peer-not-back");
    expect(aws.count("StartExecution")).toBe(0);
  });

  test("GIVEN no fence, a fence with a lease (a run not yet promoted), a lifted fence, or one written from the other region THEN nothing starts and no audit is read", async () => {
    heartbeat(NOW - 5_000);
    audit();
    expect((await triggerReconciliation(deps(), NOW)).outcome).toBe("no-forced-failover");
    for (const overrides of [{ leaseExpiresAt: NOW + 60_000 }, { fenced: false }, { byRegion: OLD }]) {
      fence(overrides);
      expect((await triggerReconciliation(deps(), NOW)).outcome).toBe("no-forced-failover");
    }
    expect(aws.count("GetItem", NEW)).toBeGreaterThan(0);
    expect(aws.calls.some((c) => c.operation === "GetItem" && c.input.TableName === STATE)).toBe(false);
    expect(aws.count("StartExecution")).toBe(0);
  });

  test("GIVEN the failover has not written its audit record yet, or it was not a forced failover THEN nothing starts (the next sample looks again)", async () => {
    fence();
    heartbeat(NOW - 5_000);
    expect((await triggerReconciliation(deps(), NOW)).outcome).toBe("audit-missing");
    audit("planned");
    expect((await triggerReconciliation(deps(), NOW)).outcome).toBe("not-unplanned");
    expect(aws.count("StartExecution")).toBe(0);
  });

  test("GIVEN the run starts THEN the page names the environment, the returned region, the incident, the run and the failover's data-loss window, and says an approval comes before any replay", async () => {
    fence();
    heartbeat(NOW - 5_000);
    const window = { aurora: { from: "2025-03-14T09:38:00.000Z", to: "2025-03-14T09:40:05.000Z", basis: "replication lag" }, dynamodb: { from: null, to: null, basis: "none" }, s3: { from: null, to: null, basis: "none" } };
    audit("unplanned", { dataLossWindow: window });
    await triggerReconciliation(deps(), NOW);
    expect(aws.messages).toEqual([
      {
        region: NEW,
        subject: "[DR prod] us-east-1 is back: reconciliation of the forced failover started",
        message: {
          kind: "reconciliation-started",
          environment: "prod",
          region: NEW,
          returnedRegion: OLD,
          failoverExecutionArn: FAILOVER,
          incidentId: "20250314T093000Z-0a1b2c3d4e",
          executionArn: executionArnOf(MACHINE, reconciliationExecutionName(FAILOVER)),
          dataLossWindow: window,
          next: expect.stringContaining("asks for an approval before it replays anything"),
        },
      },
    ]);
  });

  test("GIVEN an audit record that names no incident THEN the page says so (incidentId null)", async () => {
    fence();
    heartbeat(NOW - 5_000);
    audit("unplanned", { incidentId: undefined });
    expect((await triggerReconciliation(deps(), NOW)).outcome).toBe("started");
    expect(aws.messages).toHaveLength(1);
    expect(aws.messages[0]!.message.incidentId).toBeNull();
  });

  test("GIVEN a long environment name THEN the page's subject is cut to the 100 characters SNS accepts", async () => {
    fence();
    heartbeat(NOW - 5_000);
    audit();
    const environment = "disaster-recovery-rehearsal-environment-number-seven";
    expect((await triggerReconciliation(deps(environment), NOW)).outcome).toBe("started");
    const subject = aws.messages[0]!.subject!;
    expect(subject).toHaveLength(100);
    expect(`[DR ${environment}] us-east-1 is back: reconciliation of the forced failover started`.startsWith(subject)).toBe(true);
  });

  test("reads the failover's audit record from the state table with a consistent read", async () => {
    fence();
    heartbeat(NOW - 5_000);
    audit();
    await triggerReconciliation(deps(), NOW);
    expect(aws.calls.filter((c) => c.operation === "GetItem" && c.input.TableName === STATE).map((c) => c.input)).toEqual([
      { TableName: STATE, Key: { pk: { S: auditKey(FAILOVER) } }, ConsistentRead: true },
    ]);
  });

  test("GIVEN the old region's heartbeat exactly as old as the stale limit THEN it counts as back", async () => {
    fence();
    heartbeat(NOW - 30_000);
    audit();
    expect((await triggerReconciliation(deps(), NOW)).outcome).toBe("started");
  });

  test("GIVEN a fresh heartbeat that is not newer than the fence (the fence was just written) THEN the old region is not back; one newer than it is", async () => {
    fence();
    audit();
    const now = FENCED_AT + 10_000;
    heartbeat(FENCED_AT - 5_000);
    expect(await triggerReconciliation(deps(), now)).toEqual({ outcome: "peer-not-back", failoverExecutionArn: FAILOVER });
    heartbeat(FENCED_AT);
    expect(await triggerReconciliation(deps(), now)).toEqual({ outcome: "peer-not-back", failoverExecutionArn: FAILOVER });
    expect(aws.count("StartExecution")).toBe(0);
    heartbeat(FENCED_AT + 1);
    expect((await triggerReconciliation(deps(), now)).outcome).toBe("started");
  });

  test("GIVEN a permanent fence not written by an execution (its writer is no execution ARN) THEN it is not a forced failover: nothing starts", async () => {
    fence({ by: "operator:jane" });
    heartbeat(NOW - 5_000);
    audit();
    expect(await triggerReconciliation(deps(), NOW)).toEqual({ outcome: "no-forced-failover" });
    expect(aws.count("DescribeExecution")).toBe(0);
    expect(aws.count("StartExecution")).toBe(0);
  });

  test("GIVEN the run cannot be described for another reason than its absence THEN the sample fails with that error and nothing starts", async () => {
    fence();
    heartbeat(NOW - 5_000);
    audit();
    aws.fail("DescribeExecution", () => awsError("AccessDeniedException", 400, "not authorized to perform states:DescribeExecution"));
    await expect(triggerReconciliation(deps(), NOW)).rejects.toMatchObject({ name: "AccessDeniedException" });
    aws.fail("DescribeExecution", throttled, { times: 2 });
    await expect(triggerReconciliation(deps(), NOW)).rejects.toThrow("DescribeExecution failed after 2 attempts: ThrottlingException: Rate exceeded");
    expect(aws.count("StartExecution")).toBe(0);
    expect(aws.messages).toEqual([]);
  });

  test("GIVEN the audit record cannot be read THEN the sample fails naming the read and nothing starts", async () => {
    fence();
    heartbeat(NOW - 5_000);
    audit();
    aws.fail("GetItem", throttled, { where: (input) => input.TableName === STATE, times: 2 });
    await expect(triggerReconciliation(deps(), NOW)).rejects.toThrow("GetItem failed after 2 attempts: ThrottlingException: Rate exceeded");
    expect(aws.count("StartExecution")).toBe(0);
  });

  test("GIVEN StartExecution fails otherwise than ExecutionAlreadyExists THEN the sample fails with that error and pages nothing", async () => {
    fence();
    heartbeat(NOW - 5_000);
    audit();
    aws.fail("StartExecution", () => awsError("AccessDeniedException", 400, "not authorized to perform states:StartExecution"));
    await expect(triggerReconciliation(deps(), NOW)).rejects.toMatchObject({ name: "AccessDeniedException" });
    aws.fail("StartExecution", throttled, { times: 2 });
    await expect(triggerReconciliation(deps(), NOW)).rejects.toThrow("StartExecution failed after 2 attempts: ThrottlingException: Rate exceeded");
    expect(aws.executions.size).toBe(0);
    expect(aws.messages).toEqual([]);
  });

  test("GIVEN the page cannot be sent THEN the run has started but the sample fails naming the publish", async () => {
    fence();
    heartbeat(NOW - 5_000);
    audit();
    aws.fail("Publish", throttled, { times: 2 });
    await expect(triggerReconciliation(deps(), NOW)).rejects.toThrow("Publish failed after 2 attempts: ThrottlingException: Rate exceeded");
    expect(aws.executions.size).toBe(1);
  });
});
