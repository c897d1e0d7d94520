/**
 * The failover orchestrator's steps (failover-orchestrator/*.ts), each called
 * alone against mocked AWS clients of both regions: what it changes (commands
 * sent, with their inputs), what it leaves in the run record, and which typed
 * error it ends with. How the runbook chains the steps is tested only by
 * running the emitted state machine (the drill, P8).
 */
import { RegisterScalableTargetCommand } from "@aws-sdk/client-application-auto-scaling";
import { GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DeleteItemCommand, GetItemCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { ModifyRuleCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeDBClustersCommand, DescribeGlobalClustersCommand, FailoverGlobalClusterCommand, SwitchoverGlobalClusterCommand } from "@aws-sdk/client-rds";
import { PublishCommand } from "@aws-sdk/client-sns";
import { FailoverState, RunRecord, STEP_NAMES, StepEvent } from "../../lambda/failover-orchestrator/contract";
import * as steps from "../../lambda/failover-orchestrator/steps";
import {
  abort,
  assess,
  awaitWriter,
  complete,
  createStepHandler,
  decide,
  fence,
  openGate,
  promote,
  raiseCapacity,
  requestApproval,
  runStep,
  STATE_STEPS,
  standDown,
  verify,
} from "../../lambda/failover-orchestrator/steps";
import { auditKey, failureAuditKey, noticeKey } from "../../lambda/failover-orchestrator/report";
import { approverOf, describeError, normalizeRequest, withApprover } from "../../lambda/failover-orchestrator/run";
import { APPROVAL_ITEM_TTL_SECONDS, approvalKey } from "../../lambda/shared/approval";
import { CONTROL_KEYS } from "../../lambda/shared/control-table";
import { Plain, TABLE_KEY } from "../../lambda/shared/dynamo";
import { ERROR_NAMES } from "../../lambda/shared/errors";
import { FailoverRequest } from "../../lambda/shared/failover-request";
import {
  ACTIVE,
  ACTIVE_MIN,
  awsError,
  AwsMocks,
  CLUSTER_ARN,
  conditionFailed,
  CONTROL_TABLE,
  EXEC,
  evidenceRecord,
  fenced,
  fenceItem,
  givenGate,
  givenScalableTarget,
  GLOBAL_ID,
  heartbeatItem,
  globalCluster,
  LOCK_KEY,
  lockItem,
  MAX,
  mockAws,
  MONITOR_REQUEST,
  OTHER_EXEC,
  published,
  putItems,
  regionalUrl,
  HEALTH_PATH,
  RESOURCE_ID,
  runRecord,
  STANDBY,
  STANDBY_MIN,
  STATE_TABLE,
  stateOf,
  T0,
  THIRD_ARN,
  throttling,
  timeout,
} from "./support/fixtures";
import { OrchestratorWorld, WriterRegion } from "./support/orchestrator-world";
import { GATE_PATH } from "../../lambda/shared/gate-rule";

let mocks: AwsMocks;
beforeEach(() => {
  mocks = mockAws();
});
afterEach(() => mocks.restore());

const OWN_ARN = CLUSTER_ARN[STANDBY] as string;
const OLD_ARN = CLUSTER_ARN[ACTIVE] as string;
const EXPIRES = Math.floor(T0 / 1000) + 1800;
const ACQUIRE = "attribute_not_exists(#pk) OR #exp < :now OR #holder = :holder";
const MONITOR = MONITOR_REQUEST;
const OPERATOR: FailoverRequest = { mode: "failover", requestedBy: "operator" };

function heartbeatItemAt(at: number): Record<string, Plain> {
  return { ...heartbeatItem(ACTIVE, { at }) };
}

function world(options: ConstructorParameters<typeof OrchestratorWorld>[1] = {}): OrchestratorWorld {
  return new OrchestratorWorld(mocks, options);
}

function assessState(request: FailoverRequest, extra: Partial<FailoverState> = {}): FailoverState {
  return { executionId: EXEC, request, ...extra };
}

function fenceWrites(region: string): Record<string, Plain>[] {
  return putItems(mocks.dynamodb, CONTROL_KEYS.fence(region));
}

function gateStates(elb: AwsMocks["elb"]): boolean[] {
  return elb.commandCalls(ModifyRuleCommand).map((c) => c.args[0].input.Actions?.[0]?.FixedResponseConfig?.StatusCode === "200");
}

function registered(autoscaling: AwsMocks["autoscaling"]): { min?: number; max?: number }[] {
  return autoscaling.commandCalls(RegisterScalableTargetCommand).map((c) => ({ min: c.args[0].input.MinCapacity, max: c.args[0].input.MaxCapacity }));
}

function lockUpdates(dynamodb: AwsMocks["dynamodb"]) {
  return dynamodb.commandCalls(UpdateItemCommand).filter((c) => c.args[0].input.Key?.[TABLE_KEY]?.S === LOCK_KEY);
}

function deletes(dynamodb: AwsMocks["dynamodb"]) {
  return dynamodb.commandCalls(DeleteItemCommand).map((c) => ({ key: c.args[0].input.Key?.[TABLE_KEY]?.S, holder: c.args[0].input.ExpressionAttributeValues?.[":holder"]?.S }));
}

async function run(step: Promise<FailoverState>): Promise<RunRecord> {
  const state = await step;
  if (!state.run) throw new Error("no run");
  return state.run;
}

// ---------------------------------------------------------------------------------------------
describe("assess: locks", () => {
  it("takes this region's lock, then the other region's, as this execution", async () => {
    const w = world();
    const r = await run(assess(w.deps, assessState(MONITOR)));
    const own = lockUpdates(mocks.dynamodb);
    const peer = lockUpdates(mocks.peer.dynamodb);
    expect(own).toHaveLength(1);
    expect(peer).toHaveLength(1);
    expect(own[0]?.calledBefore(peer[0] as never)).toBe(true);
    for (const call of [own[0], peer[0]]) {
      expect(call?.args[0].input).toMatchObject({
        TableName: STATE_TABLE,
        ConditionExpression: ACQUIRE,
        ExpressionAttributeValues: expect.objectContaining({ ":holder": { S: EXEC }, ":exp": { N: String(EXPIRES) } }),
      });
    }
    expect(r.locks).toEqual({ own: "done", peer: "held" });
    expect(r.lockExpiresAt).toBe(EXPIRES);
  });

  it("refuses when this region's lock is held by another run, without touching the other region", async () => {
    const w = world({ items: [lockItem(OTHER_EXEC, EXPIRES)] });
    mocks.dynamodb.on(UpdateItemCommand, { ConditionExpression: ACQUIRE }).rejects(conditionFailed());
    await expect(assess(w.deps, assessState(MONITOR))).rejects.toMatchObject({ name: ERROR_NAMES.lockHeld, message: expect.stringContaining(OTHER_EXEC) });
    expect(mocks.peer.dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
  });

  it("refuses when the other region's lock is held, and releases its own", async () => {
    const w = world();
    mocks.peer.dynamodb.on(UpdateItemCommand).rejects(conditionFailed());
    mocks.peer.dynamodb.on(GetItemCommand).resolves({ Item: { pk: { S: LOCK_KEY }, holder: { S: OTHER_EXEC }, expiresAt: { N: String(EXPIRES) } } });
    await expect(assess(w.deps, assessState(MONITOR))).rejects.toMatchObject({ name: ERROR_NAMES.lockHeld, message: expect.stringContaining(`The lock in ${ACTIVE} is held by another run`) });
    expect(deletes(mocks.dynamodb)).toEqual([{ key: LOCK_KEY, holder: EXEC }]);
  });

  it("proceeds with its own lock when the other region cannot be reached (failover)", async () => {
    const w = world({ peerLock: "unreachable" });
    const r = await run(assess(w.deps, assessState(MONITOR)));
    expect(r.locks).toEqual({ own: "done", peer: "unreachable" });
    expect(mocks.dynamodb).not.toHaveReceivedCommand(DeleteItemCommand);
  });

  it("refuses a failback when the other region's lock cannot be taken, and releases its own", async () => {
    const w = world({ peerLock: "unreachable", writerRegion: "healthy" });
    await expect(assess(w.deps, assessState({ mode: "failback", requestedBy: "operator" }))).rejects.toMatchObject({
      name: ERROR_NAMES.preconditionFailed,
      message: expect.stringContaining("A failback needs the lock"),
    });
    expect(deletes(mocks.dynamodb)).toEqual([{ key: LOCK_KEY, holder: EXEC }]);
  });

  it("dry run: takes no lock, reports whether it could", async () => {
    const w = world({ items: [lockItem(OTHER_EXEC, EXPIRES)], env: { FAILOVER_AUTHORITY: "approval" } });
    const r = await run(assess(w.deps, assessState({ ...MONITOR, dryRun: true })));
    expect(mocks.dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
    expect(mocks.peer.dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
    expect(r.checks).toEqual(
      expect.arrayContaining([
        { name: "lock-available", ok: false, detail: `held; holder ${OTHER_EXEC}` },
        { name: "peer-lock-available", ok: true, detail: "free" },
        { name: "approval-not-needed", ok: false, detail: "failover.authority is approval" },
      ]),
    );
    expect(r.locks).toEqual({ own: "planned", peer: "planned" });
    expect(r.needsApproval).toBe(false);
    expect(r.plan).toEqual([expect.stringContaining(`take lock ${LOCK_KEY}`)]);
  });

  it("dry run of a failback: an unreachable peer lock is a failed check", async () => {
    const w = world({ peerLock: "unreachable", writerRegion: "healthy" });
    const r = await run(assess(w.deps, assessState({ mode: "failback", requestedBy: "operator", dryRun: true })));
    expect(r.locks.peer).toBe("unreachable");
    expect(r.checks).toContainEqual(expect.objectContaining({ name: "peer-lock-available", ok: false }));
  });
});

describe("assess: preconditions", () => {
  it("refuses when the writer changed since the monitor saw it", async () => {
    const w = world();
    await expect(assess(w.deps, assessState({ ...MONITOR, observedWriterArn: THIRD_ARN }))).rejects.toMatchObject({
      name: ERROR_NAMES.preconditionFailed,
      message: expect.stringContaining("writer-unchanged-since-detection"),
    });
  });

  it("refuses while a promotion to another cluster runs (retryable)", async () => {
    const w = world({ global: { failover: { to: THIRD_ARN } } });
    await expect(assess(w.deps, assessState(MONITOR))).rejects.toMatchObject({ name: ERROR_NAMES.globalClusterBusy });
  });

  it("leaves an already-promoted region to decide (intended none)", async () => {
    const w = world({ global: { writer: STANDBY } });
    const r = await run(assess(w.deps, assessState(MONITOR)));
    expect(r).toMatchObject({ intended: "none", promotion: "already-writer" });
  });

  it("a failback whose secondary is not synchronized fails its checks", async () => {
    const w = world({ writerRegion: "lagging" });
    await expect(assess(w.deps, assessState({ mode: "failback", requestedBy: "operator" }))).rejects.toMatchObject({
      name: ERROR_NAMES.preconditionFailed,
      message: expect.stringContaining("own-cluster-synchronized"),
    });
  });

  it.each<[string, FailoverRequest]>([
    ["an unplanned failback", { mode: "failback", strategy: "unplanned" }],
    ["an unknown mode", { mode: "sideways" as never }],
  ])("refuses %s", async (_name, request) => {
    const w = world();
    await expect(assess(w.deps, assessState(request))).rejects.toMatchObject({ name: ERROR_NAMES.preconditionFailed });
  });

  it("refuses when this region's cluster is not a member of the global cluster", async () => {
    const w = world();
    mocks.rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ DBClusterIdentifier: "stray", DBClusterArn: THIRD_ARN.replace("euw1", "stray"), Status: "available" }] });
    await expect(assess(w.deps, assessState(OPERATOR))).rejects.toMatchObject({ name: ERROR_NAMES.preconditionFailed, message: expect.stringContaining("member-of-global-cluster") });
  });

  it.each<[string, WriterRegion, Parameters<typeof globalCluster>[0], string]>([
    ["its writer database unreachable", "region-down", {}, "writer-database-reachable"],
    ["the global cluster busy", "healthy", { status: "modifying" }, "global-cluster-available"],
  ])("a failback fails its checks with %s", async (_name, writerRegion, global, check) => {
    const w = world({ writerRegion, global });
    await expect(assess(w.deps, assessState({ mode: "failback", requestedBy: "operator" }))).rejects.toMatchObject({
      name: ERROR_NAMES.preconditionFailed,
      details: { failed: expect.arrayContaining([check]) },
    });
  });

  it("dry run: reports a promotion elsewhere as a failed check instead of failing", async () => {
    const w = world({ global: { failover: { to: THIRD_ARN, status: "switching-over" } } });
    const r = await run(assess(w.deps, assessState({ ...OPERATOR, dryRun: true })));
    expect(r.checks).toContainEqual({ name: "no-other-promotion-in-progress", ok: false, detail: `a promotion to ${THIRD_ARN} is switching-over` });
  });

  it("dry run: reports failed checks instead of failing", async () => {
    const w = world();
    const r = await run(assess(w.deps, assessState({ ...MONITOR, observedWriterArn: THIRD_ARN, dryRun: true })));
    expect(r.checks).toContainEqual({ name: "writer-unchanged-since-detection", ok: false, detail: `now ${OLD_ARN}, detected ${THIRD_ARN}` });
    expect(r.timeline.at(-1)).toMatchObject({ step: "assess", event: "dry-run-checked" });
  });

  it("keeps the timeline when assess runs again after an approval", async () => {
    const w = world();
    const earlier = { at: "2024-12-31T23:00:00.000Z", step: "assess" as const, event: "assessed" };
    const r = await run(assess(w.deps, assessState(MONITOR, { run: runRecord({ timeline: [earlier] }), approval: {} })));
    expect(r.timeline).toEqual([earlier, expect.objectContaining({ step: "assess", event: "assessed", detail: expect.objectContaining({ intended: "failover", verdict: "region-down", incidentId: "i-1" }) })]);
  });

  it("names the writer the request saw as the old writer once this region already holds the writer", async () => {
    const w = world({ global: { writer: STANDBY } });
    expect((await run(assess(w.deps, assessState(MONITOR)))).oldWriterArn).toBe(OLD_ARN);
    expect((await run(assess(w.deps, assessState(OPERATOR)))).oldWriterArn).toBeNull();
  });

  it("refuses a state whose execution id is missing", async () => {
    const w = world();
    await expect(assess(w.deps, { request: MONITOR } as unknown as FailoverState)).rejects.toMatchObject({ message: "state.executionId is required" });
  });

  it("names the writer it reads as the old writer when the request names none", async () => {
    const w = world();
    expect((await run(assess(w.deps, assessState(OPERATOR)))).oldWriterArn).toBe(OLD_ARN);
  });

  it("refuses a state without an execution id", async () => {
    const w = world();
    await expect(assess(w.deps, { executionId: "", request: MONITOR })).rejects.toMatchObject({ name: ERROR_NAMES.preconditionFailed, message: "state.executionId is required" });
    expect(mocks.dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
  });

  it("leaves a region being promoted to decide (intended none)", async () => {
    const w = world({ global: { failover: { to: STANDBY } } });
    expect(await run(assess(w.deps, assessState(MONITOR)))).toMatchObject({ intended: "none", promotion: "in-progress" });
  });

  it("dry run: another run's live lock in the other region is a failed check; an unreachable one is not, for a failover", async () => {
    const w = world();
    mocks.peer.dynamodb.on(GetItemCommand).resolves({ Item: { pk: { S: LOCK_KEY }, holder: { S: OTHER_EXEC }, expiresAt: { N: String(EXPIRES) } } });
    const held = await run(assess(w.deps, assessState({ ...OPERATOR, dryRun: true })));
    expect(held.checks).toContainEqual({ name: "peer-lock-available", ok: false, detail: `held; holder ${OTHER_EXEC}` });
    expect(held.checks).toContainEqual({ name: "lock-available", ok: true, detail: "free" });
    mocks.peer.dynamodb.on(GetItemCommand).rejects(timeout());
    const unreachablePeer = await run(assess(w.deps, assessState({ ...OPERATOR, dryRun: true })));
    expect(unreachablePeer.checks).toContainEqual({ name: "peer-lock-available", ok: true, detail: expect.stringMatching(new RegExp(`^${ACTIVE} unreachable: .*TimeoutError`)) });
  });

  it("dry run without anything to approve has no approval check", async () => {
    const w = world();
    const r = await run(assess(w.deps, assessState({ ...MONITOR, dryRun: true })));
    expect(r.checks.map((c) => c.name)).not.toContain("approval-not-needed");
  });

  it("starts a fresh run with nothing planned, nothing promoted and no loss", async () => {
    const w = world();
    const r = await run(assess(w.deps, assessState(MONITOR)));
    expect(r).toMatchObject({ plan: [], strategy: "none", fence: null, decision: null, dataLoss: { kind: "none", estimatedMs: null, reason: "no promotion yet", stores: null } });
    expect(r.timeline).toHaveLength(1);
  });

  it("records the run: regions, writers, evidence", async () => {
    const w = world();
    const r = await run(assess(w.deps, assessState(MONITOR)));
    expect(r).toMatchObject({
      executionId: EXEC,
      mode: "failover",
      requestedBy: "health-monitor",
      newRegion: STANDBY,
      oldRegion: ACTIVE,
      newWriterArn: OWN_ARN,
      oldWriterArn: OLD_ARN,
      promotion: "pending",
      rpoSeconds: 60,
      assessment: { verdict: "region-down", dataLossAllowed: true, unreachableEverywhere: true, primaryReachable: false, replicationLagMs: 800 },
    });
  });
});

describe("assess: the intended strategy", () => {
  it.each<[string, WriterRegion, FailoverRequest, RunRecord["intended"]]>([
    ["the monitor's run on independent evidence: failover", "region-down", MONITOR, "failover"],
    ["the monitor's run when the writer region looks healthy again: stand down", "healthy", MONITOR, "stand-down"],
    ["the monitor's run when the evidence no longer holds and no switchover is possible: stand down", "lagging", MONITOR, "stand-down"],
    ["the monitor's run when only the probe still fails (suspect): stand down, a suspect verdict never promotes", "suspect", MONITOR, "stand-down"],
    ["the monitor's run on a service-down verdict with a reachable synchronized primary: switchover (no data loss)", "service-down", MONITOR, "switchover"],
    ["an operator's run on a suspect verdict with a reachable synchronized primary: switchover", "suspect", OPERATOR, "switchover"],
    ["an operator's run with a reachable synchronized primary: switchover", "healthy", OPERATOR, "switchover"],
    ["a planned request: switchover", "healthy", { ...OPERATOR, strategy: "planned" }, "switchover"],
    ["a failback: switchover", "healthy", { mode: "failback", requestedBy: "operator" }, "switchover"],
  ])("%s", async (_name, writerRegion, request, intended) => {
    const w = world({ writerRegion });
    expect((await run(assess(w.deps, assessState(request)))).intended).toBe(intended);
  });
});

describe("assess: approvals", () => {
  it("approval authority: the monitor's runs wait for a person", async () => {
    const w = world({ env: { FAILOVER_AUTHORITY: "approval" } });
    const r = await run(assess(w.deps, assessState(MONITOR)));
    expect(r.needsApproval).toBe(true);
    expect(r.approval).toMatchObject({ required: true, kinds: ["authority"], granted: false, reasons: ["failover.authority is approval"] });
  });

  it("approval authority does not apply to an operator's runs", async () => {
    const w = world({ env: { FAILOVER_AUTHORITY: "approval" } });
    expect((await run(assess(w.deps, assessState(OPERATOR)))).needsApproval).toBe(false);
  });

  it("an RPO at risk (lag unknown) with ON_RPO_BREACH escalate waits for a person", async () => {
    const w = world({ writerRegion: "region-down-unknown-lag" });
    const r = await run(assess(w.deps, assessState(MONITOR)));
    expect(r.needsApproval).toBe(true);
    expect(r.approval.kinds).toEqual(["rpo"]);
    expect(r.approval.reasons).toEqual(["replication lag unknown against an RPO of 60 s"]);
  });

  it("ON_RPO_BREACH proceed goes on without a person", async () => {
    const w = world({ writerRegion: "region-down-unknown-lag", env: { ON_RPO_BREACH: "proceed" } });
    expect((await run(assess(w.deps, assessState(MONITOR)))).needsApproval).toBe(false);
  });

  it("a lag above the RPO escalates too", async () => {
    const w = world();
    w.downLagMs = 60_001;
    expect((await run(assess(w.deps, assessState(MONITOR)))).approval.reasons).toEqual(["replication lag 60001 ms against an RPO of 60 s"]);
  });

  it("a person asking for a forced failover without evidence waits for an approval", async () => {
    const w = world({ writerRegion: "lagging" });
    const r = await run(assess(w.deps, assessState({ ...OPERATOR, strategy: "unplanned" })));
    expect(r.intended).toBe("failover");
    expect(r.approval.kinds).toEqual(["no-evidence"]);
    expect(r.needsApproval).toBe(true);
  });

  it("a request that asks for an approval gets one", async () => {
    const w = world();
    expect((await run(assess(w.deps, assessState({ ...OPERATOR, approvalRequired: true })))).approval.kinds).toEqual(["request"]);
  });

  it("an answered approval lets the run go on", async () => {
    const w = world({ env: { FAILOVER_AUTHORITY: "approval" } });
    const r = await run(assess(w.deps, assessState(MONITOR, { approval: { approvedBy: "ana" } })));
    expect(r.needsApproval).toBe(false);
    expect(r.approval).toMatchObject({ required: true, granted: true, timedOut: false, approvedBy: ["ana"] });
  });

  it("keeps no approver when nobody was asked", async () => {
    const w = world();
    expect((await run(assess(w.deps, assessState(MONITOR)))).approval.approvedBy).toEqual([]);
  });

  it("keeps who approved and when, as npm run approve sends it, for the audit record", async () => {
    const w = world({ env: { FAILOVER_AUTHORITY: "approval" } });
    const r = await run(assess(w.deps, assessState(MONITOR, { approval: { approvedBy: "ana", approvedAt: "2025-03-14T09:40:00.000Z" } })));
    expect(r.approval.approvedBy).toEqual(["ana at 2025-03-14T09:40:00.000Z"]);
  });

  it("the timeout stands in for an authority approval (where configured)", async () => {
    const w = world({ env: { FAILOVER_AUTHORITY: "approval" } });
    const r = await run(assess(w.deps, assessState(MONITOR, { approvalTimedOut: { Error: "States.Timeout" } })));
    expect(r.needsApproval).toBe(false);
    expect(r.approval).toMatchObject({ granted: true, timedOut: true });
  });

  it("the timeout never stands in for an RPO approval", async () => {
    const w = world({ writerRegion: "region-down-unknown-lag", env: { FAILOVER_AUTHORITY: "approval" } });
    await expect(assess(w.deps, assessState(MONITOR, { approvalTimedOut: { Error: "States.Timeout" } }))).rejects.toMatchObject({
      name: ERROR_NAMES.preconditionFailed,
      message: expect.stringContaining("the timeout may not stand in for: replication lag unknown"),
    });
  });

  it("the timeout never stands in for the approval the request asked for", async () => {
    const w = world();
    await expect(assess(w.deps, assessState({ ...OPERATOR, approvalRequired: true }, { approvalTimedOut: {} }))).rejects.toMatchObject({
      name: ERROR_NAMES.preconditionFailed,
      message: "No approval arrived in time, and the timeout may not stand in for: the request asks for an approval",
    });
  });

  it("a null answer is no answer", async () => {
    const w = world({ env: { FAILOVER_AUTHORITY: "approval" } });
    const r = await run(assess(w.deps, assessState(MONITOR, { approval: null, approvalTimedOut: null })));
    expect(r.needsApproval).toBe(true);
    expect(r.approval).toMatchObject({ granted: false, timedOut: false });
  });

  it("no RPO approval for a run that does not intend a forced failover", async () => {
    const w = world({ writerRegion: "lagging", env: { RPO_SECONDS: "1" } });
    const r = await run(assess(w.deps, assessState(MONITOR)));
    expect(r.intended).toBe("stand-down");
    expect(r.approval.kinds).toEqual([]);
  });

  it("an unplanned request intends a forced failover even with a reachable synchronized primary (decide still switches over, P3)", async () => {
    const w = world({ writerRegion: "healthy" });
    const r = await run(assess(w.deps, assessState({ ...OPERATOR, strategy: "unplanned" })));
    expect(r.intended).toBe("failover");
    expect(r.approval.reasons).toEqual([expect.stringMatching(/^a person asked for a forced failover without independent evidence \(healthy \(probe=up/)]);
  });

  it("the timeout never stands in for a person's forced failover without evidence", async () => {
    const w = world({ writerRegion: "lagging" });
    await expect(assess(w.deps, assessState({ ...OPERATOR, strategy: "unplanned" }, { approvalTimedOut: {} }))).rejects.toMatchObject({ name: ERROR_NAMES.preconditionFailed });
  });
});

// ---------------------------------------------------------------------------------------------
describe("raiseCapacity", () => {
  it("raises this region's service to the active minimum and renews the lock", async () => {
    const w = world();
    w.timing.advance(60_000);
    const r = await run(raiseCapacity(w.deps, stateOf(runRecord())));
    expect(mocks.autoscaling).toHaveReceivedCommandWith(RegisterScalableTargetCommand, { ResourceId: RESOURCE_ID, MinCapacity: ACTIVE_MIN, MaxCapacity: MAX });
    expect(r.capacity).toEqual({ status: "done", min: ACTIVE_MIN, previousMin: STANDBY_MIN });
    expect(mocks.dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, { ConditionExpression: "#holder = :holder", ExpressionAttributeValues: expect.objectContaining({ ":holder": { S: EXEC } }) });
    expect(r.lockExpiresAt).toBe(EXPIRES + 60);
  });

  it("records the change in the timeline and plans nothing when it changed something", async () => {
    const w = world();
    const r = await run(raiseCapacity(w.deps, stateOf(runRecord())));
    expect(r.plan).toEqual([]);
    expect(r.timeline.at(-1)).toMatchObject({ step: "raiseCapacity", event: "done", detail: { min: ACTIVE_MIN, previousMin: STANDBY_MIN } });
  });

  it("stops with LockLostError when another run took the lock over", async () => {
    const w = world({ items: [lockItem(OTHER_EXEC, EXPIRES)] });
    mocks.dynamodb.on(UpdateItemCommand).rejects(conditionFailed());
    await expect(raiseCapacity(w.deps, stateOf(runRecord()))).rejects.toMatchObject({ name: ERROR_NAMES.lockLost, message: expect.stringContaining(OTHER_EXEC) });
    expect(mocks.autoscaling).not.toHaveReceivedCommand(RegisterScalableTargetCommand);
  });

  it("dry run: changes nothing and plans the change", async () => {
    const w = world();
    const r = await run(raiseCapacity(w.deps, stateOf(runRecord({ dryRun: true }))));
    expect(mocks.autoscaling).not.toHaveReceivedCommand(RegisterScalableTargetCommand);
    expect(mocks.dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
    expect(r.plan).toEqual([expect.stringContaining(`min>=${ACTIVE_MIN}`)]);
  });
});

// ---------------------------------------------------------------------------------------------
describe("fence", () => {
  it("writes fence#old with the lock's renewed expiry as its lease", async () => {
    const w = world();
    w.timing.advance(30_000);
    await fence(w.deps, stateOf(runRecord()));
    expect(mocks.dynamodb).toHaveReceivedCommandWith(PutItemCommand, { TableName: CONTROL_TABLE });
    expect(fenceWrites(ACTIVE)).toEqual([
      expect.objectContaining({ region: ACTIVE, fenced: true, by: EXEC, byRegion: STANDBY, at: T0 + 30_000, leaseExpiresAt: (EXPIRES + 30) * 1000, capacity: "zero" }),
    ]);
  });

  it("says why it fenced, in the fence item and the run", async () => {
    const w = world();
    const r = await run(fence(w.deps, stateOf(runRecord({ assessment: evidenceRecord({ summary: "region-down (x)" }) }))));
    expect(fenceWrites(ACTIVE)[0]?.reason).toBe(`failover to ${STANDBY} (failover): region-down (x)`);
    expect(r.fence?.reason).toBe(`failover to ${STANDBY} (failover): region-down (x)`);
    expect(r.timeline.at(-1)).toMatchObject({ step: "fence", event: "done" });
  });

  it("closes the old region's gate and scales it to zero through its own endpoints", async () => {
    const w = world();
    const r = await run(fence(w.deps, stateOf(runRecord())));
    expect(gateStates(mocks.peer.elb)).toEqual([false]);
    expect(registered(mocks.peer.autoscaling)).toEqual([{ min: 0, max: 0 }]);
    expect(mocks.elb).not.toHaveReceivedCommand(ModifyRuleCommand);
    expect(r.fence).toMatchObject({ written: "done", capacity: "zero", gateOldRegion: "done", capacityOldRegion: "done", errors: [] });
  });

  it("holds the old region at the standby minimum ahead of a switchover", async () => {
    const w = world({ writerRegion: "healthy" });
    const r = await run(fence(w.deps, stateOf(runRecord({ intended: "switchover" }))));
    expect(fenceWrites(ACTIVE)[0]?.capacity).toBe("standby");
    expect(registered(mocks.peer.autoscaling)).toEqual([{ min: STANDBY_MIN, max: MAX }]);
    expect(r.fence?.capacity).toBe("standby");
  });

  it("drains only in-flight requests when the old gate was closed directly", async () => {
    const w = world({ env: { INFLIGHT_ALLOWANCE_SECONDS: "13" } });
    expect((await run(fence(w.deps, stateOf(runRecord({ assessment: evidenceRecord({ unreachableEverywhere: false }) }))))).drainSeconds).toBe(13);
  });

  it("records the old region's unreachable APIs without failing, and drains a sample plus allowances", async () => {
    const w = world();
    mocks.peer.elb.on(ModifyRuleCommand).rejects(timeout());
    mocks.peer.autoscaling.on(RegisterScalableTargetCommand).rejects(timeout());
    const r = await run(fence(w.deps, stateOf(runRecord({ assessment: evidenceRecord({ unreachableEverywhere: false }) }))));
    expect(r.fence).toMatchObject({ written: "done", gateOldRegion: "failed", capacityOldRegion: "failed" });
    expect(r.fence?.errors).toEqual([expect.stringMatching(new RegExp(`^gate in ${ACTIVE}: .*TimeoutError`)), expect.stringContaining(`scalable target in ${ACTIVE}`)]);
    expect(r.drainSeconds).toBe(10 + 10 + 10);
  });

  it("does not drain a region that nothing reaches", async () => {
    const w = world();
    mocks.peer.elb.on(ModifyRuleCommand).rejects(timeout());
    expect((await run(fence(w.deps, stateOf(runRecord({ assessment: evidenceRecord({ unreachableEverywhere: true }) }))))).drainSeconds).toBe(0);
  });

  it("P5: refuses to fence when the writer moved since assess", async () => {
    const w = world({ global: { writerArn: THIRD_ARN } });
    await expect(fence(w.deps, stateOf(runRecord()))).rejects.toMatchObject({ name: ERROR_NAMES.preconditionFailed, message: expect.stringContaining("The writer moved since assess") });
    expect(mocks.dynamodb).not.toHaveReceivedCommand(PutItemCommand);
    expect(mocks.peer.elb).not.toHaveReceivedCommand(ModifyRuleCommand);
  });

  it.each<[string, Parameters<typeof globalCluster>[0], Partial<RunRecord>]>([
    ["this region already is the writer", { writer: STANDBY }, {}],
    ["no writer is visible", { writer: null }, {}],
    ["the run never knew the old writer", { writerArn: THIRD_ARN }, { oldWriterArn: null }],
  ])("fences when %s (nothing to refuse)", async (_name, global, fields) => {
    const w = world({ global });
    await fence(w.deps, stateOf(runRecord(fields)));
    expect(fenceWrites(ACTIVE)).toHaveLength(1);
  });

  it("dry run: plans the fence", async () => {
    const w = world();
    const r = await run(fence(w.deps, stateOf(runRecord({ dryRun: true }))));
    expect(r.plan).toEqual([`fence ${ACTIVE} in ${CONTROL_TABLE} (zero); close its gate and scale it (best effort)`]);
  });

  it("records the fence in the timeline with what it could do in the old region", async () => {
    const w = world();
    const r = await run(fence(w.deps, stateOf(runRecord({ assessment: evidenceRecord({ unreachableEverywhere: false }) }))));
    expect(r.timeline.at(-1)).toMatchObject({ step: "fence", event: "done", detail: { gateOldRegion: "done", capacityOldRegion: "done", drainSeconds: 10 } });
  });

  it("an old gate already closed counts as closed directly", async () => {
    const w = world();
    givenGate(mocks.peer.elb, false, ACTIVE);
    const r = await run(fence(w.deps, stateOf(runRecord({ assessment: evidenceRecord({ unreachableEverywhere: false }) }))));
    expect(r.fence?.gateOldRegion).toBe("unchanged");
    expect(r.drainSeconds).toBe(10);
  });

  it("refuses while a promotion to another cluster runs", async () => {
    const w = world({ global: { failover: { to: THIRD_ARN } } });
    await expect(fence(w.deps, stateOf(runRecord()))).rejects.toMatchObject({ name: ERROR_NAMES.globalClusterBusy });
  });

  it("a fence that cannot be written fails the step (it is what reaches the old region)", async () => {
    const w = world();
    mocks.dynamodb.on(PutItemCommand).rejects(awsError("AccessDeniedException"));
    await expect(fence(w.deps, stateOf(runRecord()))).rejects.toMatchObject({ name: "AccessDeniedException" });
  });

  it("a partial fence says so in the timeline", async () => {
    const w = world();
    mocks.peer.elb.on(ModifyRuleCommand).rejects(timeout());
    const r = await run(fence(w.deps, stateOf(runRecord())));
    expect(r.timeline.at(-1)).toMatchObject({ step: "fence", event: "partial" });
  });

  it("dry run: writes nothing, changes nothing, drains nothing", async () => {
    const w = world();
    const r = await run(fence(w.deps, stateOf(runRecord({ dryRun: true }))));
    expect(mocks.dynamodb).not.toHaveReceivedCommand(PutItemCommand);
    expect(mocks.peer.elb).not.toHaveReceivedCommand(ModifyRuleCommand);
    expect(mocks.peer.autoscaling).not.toHaveReceivedCommand(RegisterScalableTargetCommand);
    expect(r.fence).toMatchObject({ written: "planned", gateOldRegion: "planned", capacityOldRegion: "planned" });
    expect(r.drainSeconds).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
describe("decide (P3)", () => {
  const afterFence = (fields: Partial<RunRecord> = {}) => runRecord({ fence: fenced(), ...fields });

  it("a reachable synchronized primary gets a switchover, never a forced failover", async () => {
    const w = world({ writerRegion: "healthy" });
    const r = await run(decide(w.deps, stateOf(afterFence())));
    expect(r.decision?.kind).toBe("switchover");
    expect(r.strategy).toBe("planned");
    expect(r.decisionEvidence).toMatchObject({ primaryReachable: true, synchronized: true });
  });

  it("the region still down on independent evidence: forced failover", async () => {
    const w = world();
    const r = await run(decide(w.deps, stateOf(afterFence())));
    expect(r.decision?.kind).toBe("failover");
    expect(r.strategy).toBe("unplanned");
    expect(r.needsApproval).toBe(false);
  });

  it("the evidence gone since assess: stand down", async () => {
    const w = world({ writerRegion: "lagging" });
    const r = await run(decide(w.deps, stateOf(afterFence())));
    expect(r.decision?.kind).toBe("stand-down");
    expect(r.strategy).toBe("none");
  });

  it("the writer moved since assess: stand down without touching anything", async () => {
    const w = world({ global: { writerArn: THIRD_ARN } });
    const r = await run(decide(w.deps, stateOf(afterFence())));
    expect(r.decision).toMatchObject({ kind: "stand-down", reason: expect.stringContaining("the writer moved since assess") });
    expect(mocks.cloudwatch).not.toHaveReceivedCommand(GetMetricDataCommand);
  });

  it("decides on the evidence when the run never knew the old writer", async () => {
    const w = world();
    expect((await run(decide(w.deps, stateOf(afterFence({ oldWriterArn: null }))))).decision?.kind).toBe("failover");
  });

  it("decides on the evidence when no writer is visible (a forced failover is what brings one back)", async () => {
    const w = world({ global: { writer: null } });
    const r = await run(decide(w.deps, stateOf(afterFence())));
    expect(r.decision?.kind).not.toBe("stand-down");
    expect(r.timeline.at(-1)).toMatchObject({ step: "decide", event: r.decision?.kind, detail: { reason: r.decision?.reason, verdict: r.decisionEvidence?.verdict } });
  });

  it("already promoted by this execution: keeps its decision", async () => {
    const w = world({ global: { writer: STANDBY } });
    w.lockExtra = { promotionRequestedBy: EXEC, promotionStrategy: "unplanned" };
    const r = await run(decide(w.deps, stateOf(afterFence())));
    expect(r.decision).toMatchObject({ kind: "failover", reason: "this run already asked for the promotion" });
  });

  it("already the writer, not by this execution: stand down", async () => {
    const w = world({ global: { failover: { to: STANDBY } } });
    w.lockExtra = { promotionRequestedBy: OTHER_EXEC, promotionStrategy: "unplanned" };
    expect((await run(decide(w.deps, stateOf(afterFence())))).decision?.kind).toBe("stand-down");
  });

  it("a lag above the RPO escalates to a person, with the fence held", async () => {
    const w = world({ writerRegion: "region-down-unknown-lag" });
    const r = await run(decide(w.deps, stateOf(afterFence())));
    expect(r.decision?.kind).toBe("escalate");
    expect(r.needsApproval).toBe(true);
    expect(r.approval).toMatchObject({ required: true, granted: false, kinds: ["rpo"], reasons: [r.decision?.reason] });
    expect(mocks.dynamodb).not.toHaveReceivedCommandWith(PutItemCommand, { Item: expect.objectContaining({ fenced: { BOOL: false } }) });
  });

  it("dry run: an escalation is planned, never waited for", async () => {
    const w = world({ writerRegion: "region-down-unknown-lag" });
    const r = await run(decide(w.deps, stateOf(afterFence({ dryRun: true }))));
    expect(r.decision?.kind).toBe("escalate");
    expect(r.needsApproval).toBe(false);
    expect(r.approval.kinds).toEqual([]);
    expect(r.plan).toEqual([`decide: escalate (${r.decision?.reason})`]);
  });

  it("an operator's forced failover the person approved (no evidence) goes ahead", async () => {
    const w = world({ writerRegion: "lagging" });
    const approved = afterFence({ requestedBy: "operator", approval: { required: true, reasons: ["x"], kinds: ["no-evidence"], granted: true, timedOut: false } });
    expect((await run(decide(w.deps, stateOf(approved, { ...OPERATOR, strategy: "unplanned" })))).decision?.kind).toBe("failover");
  });

  it("an operator's run approved for its own sake (approvalRequired) counts as approving a forced failover", async () => {
    const w = world({ writerRegion: "lagging" });
    const approved = afterFence({ requestedBy: "operator", approval: { required: true, reasons: ["x"], kinds: ["request"], granted: true, timedOut: false } });
    expect((await run(decide(w.deps, stateOf(approved, OPERATOR)))).decision?.kind).toBe("failover");
  });

  it("an approval of another kind does not approve a forced failover without evidence", async () => {
    const w = world({ writerRegion: "lagging" });
    const approved = afterFence({ requestedBy: "operator", approval: { required: true, reasons: ["x"], kinds: ["authority"], granted: true, timedOut: false } });
    expect((await run(decide(w.deps, stateOf(approved, OPERATOR)))).decision?.kind).toBe("stand-down");
  });

  it("an asked approval that was not granted does not approve a forced failover", async () => {
    const w = world({ writerRegion: "lagging" });
    const asked = afterFence({ requestedBy: "operator", approval: { required: true, reasons: ["x"], kinds: ["no-evidence"], granted: false, timedOut: false } });
    expect((await run(decide(w.deps, stateOf(asked, OPERATOR)))).decision?.kind).toBe("stand-down");
  });

  it("already promoted by this execution with a switchover: keeps the switchover", async () => {
    const w = world({ global: { failover: { to: STANDBY } } });
    w.lockExtra = { promotionRequestedBy: EXEC, promotionStrategy: "planned" };
    const r = await run(decide(w.deps, stateOf(afterFence())));
    expect(r).toMatchObject({ decision: { kind: "switchover" }, strategy: "planned" });
  });

  it("says why it stands down when this region already is the writer or being promoted", async () => {
    const w = world({ global: { writer: STANDBY } });
    expect((await run(decide(w.deps, stateOf(afterFence())))).decision?.reason).toBe("this region is already the writer: nothing to do");
    w.global = { failover: { to: STANDBY } };
    expect((await run(decide(w.deps, stateOf(afterFence())))).decision?.reason).toBe("this region is already being promoted: nothing to do");
  });

  it("the person's answer to the escalation lets the failover go on", async () => {
    const w = world({ writerRegion: "region-down-unknown-lag" });
    const r = await run(decide(w.deps, stateOf(afterFence(), MONITOR, { decisionApproval: { approvedBy: "ana" } })));
    expect(r.decision?.kind).toBe("failover");
    expect(r.needsApproval).toBe(false);
  });

  it("a planned request never becomes a forced failover: a switchover or nothing", async () => {
    // GIVEN an operator's planned failover, assessed as a switchover; the writer region then went down
    const w = world({ writerRegion: "region-down" });
    // WHEN
    const r = await run(decide(w.deps, stateOf(afterFence({ intended: "switchover", requestedBy: "operator" }), { ...OPERATOR, strategy: "planned" })));
    // THEN
    expect(r.decision?.kind).toBe("stand-down");
    expect(r.strategy).toBe("none");
  });

  it("an auto request assessed as a switchover may still become a forced failover on independent evidence", async () => {
    const w = world({ writerRegion: "region-down" });
    const r = await run(decide(w.deps, stateOf(afterFence({ intended: "switchover", requestedBy: "operator" }), { ...OPERATOR, strategy: "auto" })));
    expect(r.decision?.kind).toBe("failover");
  });

  it("an RPO risk a person approved at assess is not asked again (the state every task returns has no $.approval)", async () => {
    // GIVEN assess escalated the unknown lag and a person approved it; the state reaches decide as each task returns it
    const w = world({ writerRegion: "region-down-unknown-lag" });
    const approved = afterFence({ approval: { required: true, reasons: ["replication lag unknown against an RPO of 60 s"], kinds: ["rpo"], granted: true, timedOut: false } });
    // WHEN
    const r = await run(decide(w.deps, stateOf(approved)));
    // THEN
    expect(r.decision?.kind).toBe("failover");
    expect(r.needsApproval).toBe(false);
  });

  it("adds the decision's approver to the assess-time one, once even when decide runs again", async () => {
    const w = world({ writerRegion: "region-down-unknown-lag" });
    const approved = afterFence({ approval: { required: true, reasons: ["failover.authority is approval"], kinds: ["authority"], granted: true, timedOut: false, approvedBy: ["ana"] } });
    const first = await run(decide(w.deps, stateOf(approved, undefined, { decisionApproval: { approvedBy: "bo" } })));
    expect(first.approval.approvedBy).toEqual(["ana", "bo"]);
    const again = await run(decide(w.deps, stateOf(first, undefined, { decisionApproval: { approvedBy: "bo" } })));
    expect(again.approval.approvedBy).toEqual(["ana", "bo"]);
  });

  it("an authority approval at assess does not approve an RPO risk that appears at decide", async () => {
    const w = world({ writerRegion: "region-down-unknown-lag" });
    const approved = afterFence({ approval: { required: true, reasons: ["failover.authority is approval"], kinds: ["authority"], granted: true, timedOut: false } });
    expect((await run(decide(w.deps, stateOf(approved)))).decision?.kind).toBe("escalate");
  });

  it("refuses while a promotion to another cluster runs", async () => {
    const w = world({ global: { failover: { to: THIRD_ARN } } });
    await expect(decide(w.deps, stateOf(afterFence()))).rejects.toMatchObject({ name: ERROR_NAMES.globalClusterBusy });
  });

  it("renews the fence's lease with the lock while nothing is promoted", async () => {
    const w = world();
    w.timing.advance(20_000);
    await decide(w.deps, stateOf(afterFence()));
    expect(fenceWrites(ACTIVE)).toEqual([expect.objectContaining({ fenced: true, by: EXEC, leaseExpiresAt: (EXPIRES + 20) * 1000 })]);
  });
});

// ---------------------------------------------------------------------------------------------
describe("decide: when a switchover is possible (the writer's database and this secondary, as decide reads them)", () => {
  const afterFence = (fields: Partial<RunRecord> = {}) => runRecord({ fence: fenced(), ...fields });

  it("a writer database that answers but is not available is not reachable: no switchover, and nothing down to fail over on", async () => {
    const w = world({ writerRegion: "healthy" });
    mocks.peer.rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ DBClusterIdentifier: "active", DBClusterArn: OLD_ARN, Status: "failing-over" }] });
    const r = await run(decide(w.deps, stateOf(afterFence())));
    expect(r.decisionEvidence).toMatchObject({ primaryReachable: false, synchronized: true });
    expect(r.decision?.kind).toBe("stand-down");
    expect(r.strategy).toBe("none");
  });

  it("no writer visible: there is no primary to switch over from, whatever the lag", async () => {
    const w = world({ writerRegion: "healthy", global: { writer: null } });
    const r = await run(decide(w.deps, stateOf(afterFence())));
    expect(r.decisionEvidence?.primaryReachable).toBe(false);
    expect(r.decision?.kind).not.toBe("switchover");
    expect(mocks.peer.rds).not.toHaveReceivedCommand(DescribeDBClustersCommand);
  });

  it("a secondary that is not connected to replication is not synchronized, however small its lag: no switchover", async () => {
    const w = world({ writerRegion: "healthy", global: { sync: { [STANDBY]: "pending-resync" } } });
    const r = await run(decide(w.deps, stateOf(afterFence())));
    expect(r.decisionEvidence).toMatchObject({ primaryReachable: true, synchronized: false });
    expect(r.decision?.kind).not.toBe("switchover");
  });

  it("a secondary whose engine reports no synchronization status is synchronized on its lag alone", async () => {
    const w = world({ writerRegion: "healthy", global: { sync: { [STANDBY]: undefined } } });
    const r = await run(decide(w.deps, stateOf(afterFence())));
    expect(r.decisionEvidence).toMatchObject({ primaryReachable: true, synchronized: true });
    expect(r.decision?.kind).toBe("switchover");
  });

  it("a lag exactly at FAILBACK_MAX_LAG_MS is synchronized; one millisecond less allowed is not", async () => {
    const at = world({ writerRegion: "healthy", env: { FAILBACK_MAX_LAG_MS: "100" } });
    expect((await run(decide(at.deps, stateOf(afterFence())))).decision?.kind).toBe("switchover");
    mocks.restore();
    mocks = mockAws();
    const under = world({ writerRegion: "healthy", env: { FAILBACK_MAX_LAG_MS: "99" } });
    const r = await run(decide(under.deps, stateOf(afterFence())));
    expect(r.decisionEvidence?.synchronized).toBe(false);
    expect(r.decision?.kind).not.toBe("switchover");
  });
});

describe("assess: the writer database's health, as the failback checks report it", () => {
  it("names the writer's status when its database answers but is not available", async () => {
    const w = world({ writerRegion: "healthy" });
    mocks.peer.rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ DBClusterIdentifier: "active", DBClusterArn: OLD_ARN, Status: "modifying" }] });
    const r = await run(assess(w.deps, assessState({ mode: "failback", requestedBy: "operator", dryRun: true })));
    expect(r.checks.find((c) => c.name === "writer-database-reachable")).toEqual({ name: "writer-database-reachable", ok: false, detail: expect.stringMatching(/: modifying$/) });
  });

  it("says there is no writer member when none is visible", async () => {
    const w = world({ writerRegion: "healthy", global: { writer: null } });
    const r = await run(assess(w.deps, assessState({ mode: "failback", requestedBy: "operator", dryRun: true })));
    expect(r.checks.find((c) => c.name === "writer-database-reachable")).toEqual({ name: "writer-database-reachable", ok: false, detail: "no writer member" });
  });

  it("names the writer region and the error when its endpoint cannot be reached", async () => {
    const w = world({ writerRegion: "region-down" });
    const r = await run(assess(w.deps, assessState({ mode: "failback", requestedBy: "operator", dryRun: true })));
    expect(r.checks.find((c) => c.name === "writer-database-reachable")).toEqual({ name: "writer-database-reachable", ok: false, detail: expect.stringMatching(new RegExp(`^${ACTIVE} unreachable: .+`)) });
  });
});

// ---------------------------------------------------------------------------------------------
describe("promote", () => {
  const decided = (kind: "switchover" | "failover", fields: Partial<RunRecord> = {}) =>
    runRecord({ fence: fenced(), decision: { at: new Date(T0).toISOString(), kind, reason: "test" }, strategy: kind === "failover" ? "unplanned" : "planned", decisionEvidence: evidenceRecord(), ...fields });

  it("a switchover calls SwitchoverGlobalCluster in this region, to this region's cluster", async () => {
    const w = world();
    const r = await run(promote(w.deps, stateOf(decided("switchover"))));
    expect(mocks.rds).toHaveReceivedCommandWith(SwitchoverGlobalClusterCommand, { GlobalClusterIdentifier: GLOBAL_ID, TargetDbClusterIdentifier: OWN_ARN });
    expect(mocks.rds).not.toHaveReceivedCommand(FailoverGlobalClusterCommand);
    expect(mocks.peer.rds).not.toHaveReceivedCommand(SwitchoverGlobalClusterCommand);
    expect(r).toMatchObject({ promotion: "requested", strategy: "planned", dataLoss: { kind: "none", estimatedMs: 0 } });
  });

  it("a forced failover calls FailoverGlobalCluster with AllowDataLoss and records the loss window", async () => {
    const w = world();
    const r = await run(promote(w.deps, stateOf(decided("failover"))));
    expect(mocks.rds).toHaveReceivedCommandWith(FailoverGlobalClusterCommand, { GlobalClusterIdentifier: GLOBAL_ID, TargetDbClusterIdentifier: OWN_ARN, AllowDataLoss: true });
    expect(mocks.rds).not.toHaveReceivedCommand(SwitchoverGlobalClusterCommand);
    expect(r).toMatchObject({ promotion: "requested", strategy: "unplanned", promotionRequestedAt: new Date(T0).toISOString(), dataLoss: { kind: "estimated", estimatedMs: 800 + 5_000 } });
  });

  it("records the intent on the lock before the call", async () => {
    const w = world();
    await promote(w.deps, stateOf(decided("failover")));
    const intent = lockUpdates(mocks.dynamodb).find((c) => JSON.stringify(c.args[0].input.ExpressionAttributeValues).includes(EXEC) && c.args[0].input.UpdateExpression?.includes("#x0"));
    expect(intent?.args[0].input).toMatchObject({ ConditionExpression: "#holder = :holder" });
    expect(Object.values(intent?.args[0].input.ExpressionAttributeNames ?? {})).toEqual(expect.arrayContaining(["promotionRequestedBy", "promotionRequestedAt", "promotionStrategy"]));
    expect(Object.values(intent?.args[0].input.ExpressionAttributeValues ?? {})).toEqual(expect.arrayContaining([{ S: "unplanned" }]));
    expect(intent?.calledBefore(mocks.rds.commandCalls(FailoverGlobalClusterCommand)[0] as never)).toBe(true);
  });

  it("a lost response is not repeated: the retry looks first and finds the promotion under way", async () => {
    // GIVEN the call takes effect but its response is lost
    const w = world();
    mocks.rds.on(FailoverGlobalClusterCommand).callsFake(() => {
      w.global = { failover: { to: STANDBY, dataLoss: true } };
      return Promise.reject(timeout());
    });
    // WHEN
    const state = await promote(w.deps, stateOf(decided("failover")));
    // THEN
    expect(mocks.rds).toHaveReceivedCommandTimes(FailoverGlobalClusterCommand, 1);
    expect(state.run?.promotion).toBe("requested");
    expect(state.run?.timeline.at(-1)).toMatchObject({ event: "already-under-way" });
  });

  it("a throttled call that did not take effect is made again", async () => {
    const w = world();
    mocks.rds.on(SwitchoverGlobalClusterCommand).rejectsOnce(throttling()).resolves({});
    await promote(w.deps, stateOf(decided("switchover")));
    expect(mocks.rds).toHaveReceivedCommandTimes(SwitchoverGlobalClusterCommand, 2);
  });

  it.each<[string, Parameters<typeof globalCluster>[0], string]>([
    ["a promotion to this region under way: done", { failover: { to: STANDBY } }, "ok"],
    ["the global cluster busy: retryable", { status: "modifying" }, ERROR_NAMES.globalClusterBusy],
    ["a refusal with the cluster available: permanent", {}, ERROR_NAMES.preconditionFailed],
  ])("InvalidGlobalClusterStateFault with %s", async (_name, after, outcome) => {
    const w = world();
    mocks.rds.on(FailoverGlobalClusterCommand).callsFake(() => {
      w.global = after ?? {};
      return Promise.reject(awsError("InvalidGlobalClusterStateFault"));
    });
    const step = promote(w.deps, stateOf(decided("failover")));
    if (outcome === "ok") expect((await step).run?.promotion).toBe("requested");
    else await expect(step).rejects.toMatchObject({ name: outcome });
  });

  it("records the lag it read on the lock with the intent", async () => {
    const w = world();
    await promote(w.deps, stateOf(decided("failover")));
    const intent = lockUpdates(mocks.dynamodb).find((c) => c.args[0].input.UpdateExpression?.includes("#x4"));
    const names = intent?.args[0].input.ExpressionAttributeNames ?? {};
    const values = intent?.args[0].input.ExpressionAttributeValues ?? {};
    const byName = Object.fromEntries(Object.entries(names).filter(([k]) => k.startsWith("#x")).map(([k, v]) => [v, values[k.replace("#", ":")]]));
    expect(byName).toEqual({
      promotionRequestedBy: { S: EXEC },
      promotionRequestedAt: { S: new Date(T0).toISOString() },
      promotionStrategy: { S: "unplanned" },
      replicationLagMs: { N: "800" },
      rpoLagMs: { NULL: true },
      // When the old region was last seen working (the lag datapoint's or its heartbeat's time): before the promotion.
      oldRegionLastSeenMs: { N: expect.stringMatching(/^\d+$/) },
    });
    expect(Number(byName.oldRegionLastSeenMs.N)).toBeLessThanOrEqual(T0);
  });

  describe("records when the old region was last seen working: the older of its last replication datapoint and its heartbeat", () => {
    const lastSeen = () => {
      const intent = lockUpdates(mocks.dynamodb).find((c) => c.args[0].input.UpdateExpression?.includes("#x5"));
      const names = intent?.args[0].input.ExpressionAttributeNames ?? {};
      const key = Object.entries(names).find(([, v]) => v === "oldRegionLastSeenMs")?.[0] ?? "#none";
      return intent?.args[0].input.ExpressionAttributeValues?.[key.replace("#", ":")];
    };
    const HEARTBEAT_KEY = CONTROL_KEYS.heartbeat(ACTIVE);

    it("the heartbeat when it is older", async () => {
      // The world's old region: last lag datapoint 200 s before the promotion, last heartbeat 600 s before.
      const w = world();
      const r = await run(promote(w.deps, stateOf(decided("failover"), { ...MONITOR, detectedAt: new Date(T0).toISOString() })));
      expect(lastSeen()).toEqual({ N: String(T0 - 600_000) });
      const { replicationAllowanceSeconds: allowance, dataLossMarginSeconds: margin } = w.deps.config;
      expect(r.dataLoss.stores?.dynamodb.from).toBe(new Date(T0 - 600_000 - (allowance + margin) * 1000).toISOString());
    });

    it("the replication datapoint when it is older", async () => {
      const w = world({ items: [{ ...heartbeatItemAt(T0 - 100_000) }] });
      await promote(w.deps, stateOf(decided("failover")));
      expect(lastSeen()).toEqual({ N: String(T0 - 200_000) });
    });

    it("the heartbeat alone when the lag cannot be read", async () => {
      const w = world();
      mocks.cloudwatch.on(GetMetricDataCommand).rejects(awsError("AccessDeniedException"));
      await promote(w.deps, stateOf(decided("failover")));
      expect(lastSeen()).toEqual({ N: String(T0 - 600_000) });
    });

    it("nothing when neither can be read", async () => {
      const w = world();
      mocks.cloudwatch.on(GetMetricDataCommand).rejects(awsError("AccessDeniedException"));
      mocks.dynamodb.on(GetItemCommand, { Key: { [TABLE_KEY]: { S: HEARTBEAT_KEY } } }).rejects(awsError("AccessDeniedException"));
      await promote(w.deps, stateOf(decided("failover")));
      expect(lastSeen()).toEqual({ NULL: true });
    });

    it("a re-run after a crash takes it from the lock, with the promotion time recorded there", async () => {
      const w = world({ global: { failover: { to: STANDBY } } });
      w.lockExtra = { promotionRequestedBy: EXEC, promotionRequestedAt: new Date(T0).toISOString(), promotionStrategy: "unplanned", oldRegionLastSeenMs: T0 - 300_000 };
      const r = await run(promote(w.deps, stateOf(decided("failover"), { ...OPERATOR })));
      const { replicationAllowanceSeconds: allowance, dataLossMarginSeconds: margin } = w.deps.config;
      expect(r.dataLoss.stores?.dynamodb.from).toBe(new Date(T0 - 300_000 - (allowance + margin) * 1000).toISOString());
    });

    it("a re-run whose lock holds no last sight knows no start without a detection time", async () => {
      const w = world({ global: { failover: { to: STANDBY } } });
      w.lockExtra = { promotionRequestedBy: EXEC, promotionRequestedAt: new Date(T0).toISOString(), promotionStrategy: "unplanned", oldRegionLastSeenMs: "T0" };
      const r = await run(promote(w.deps, stateOf(decided("failover"), { ...OPERATOR })));
      expect(r.dataLoss.stores?.dynamodb.from).toBeNull();
    });
  });

  it("an unreadable lag at promotion makes the loss window unknown, and the failover still goes ahead", async () => {
    const w = world();
    mocks.cloudwatch.on(GetMetricDataCommand).rejects(awsError("AccessDeniedException"));
    const r = await run(promote(w.deps, stateOf(decided("failover", { decisionEvidence: evidenceRecord({ replicationLagMs: null }), assessment: evidenceRecord({ replicationLagMs: null }) }))));
    expect(mocks.rds).toHaveReceivedCommandTimes(FailoverGlobalClusterCommand, 1);
    expect(r).toMatchObject({ replicationLagMsAtPromotion: null, rpoLagMsAtPromotion: null, dataLoss: { kind: "unknown" } });
  });

  it("a re-run after a crash keeps the old region fenced for good after a forced failover", async () => {
    const w = world({ global: { failover: { to: STANDBY } } });
    w.lockExtra = { promotionRequestedBy: EXEC, promotionRequestedAt: new Date(T0).toISOString(), promotionStrategy: "unplanned" };
    await promote(w.deps, stateOf(decided("failover")));
    expect(fenceWrites(ACTIVE).at(-1)).toMatchObject({ fenced: true, leaseExpiresAt: null });
  });

  it("looks at the global cluster once before an ordinary call", async () => {
    const w = world();
    await promote(w.deps, stateOf(decided("failover")));
    expect(mocks.rds).toHaveReceivedCommandTimes(DescribeGlobalClustersCommand, 1);
    expect((await run(promote(w.deps, stateOf(decided("failover"))))).timeline.at(-1)).toMatchObject({ step: "promote", event: "requested", detail: { strategy: "unplanned", attempts: 1, dataLossMs: 5_800 } });
  });

  it("a lost response whose switchover already finished is not repeated either", async () => {
    const w = world();
    mocks.rds.on(SwitchoverGlobalClusterCommand).callsFake(() => {
      w.global = { writer: STANDBY };
      return Promise.reject(timeout());
    });
    const r = await run(promote(w.deps, stateOf(decided("switchover"))));
    expect(mocks.rds).toHaveReceivedCommandTimes(SwitchoverGlobalClusterCommand, 1);
    expect(r.timeline.at(-1)).toMatchObject({ event: "already-under-way", detail: { attempts: 2 } });
  });

  it("names the call that kept failing", async () => {
    const w = world();
    mocks.rds.on(SwitchoverGlobalClusterCommand).rejects(throttling());
    await expect(promote(w.deps, stateOf(decided("switchover")))).rejects.toMatchObject({ name: ERROR_NAMES.transient, message: expect.stringMatching(/^SwitchoverGlobalCluster failed after 4 attempts/) });
    mocks.rds.on(FailoverGlobalClusterCommand).rejects(throttling());
    await expect(promote(w.deps, stateOf(decided("failover")))).rejects.toMatchObject({ message: expect.stringMatching(/^FailoverGlobalCluster failed after 4 attempts/) });
  });

  it("rethrows a refusal that is not about the cluster's state", async () => {
    const w = world();
    mocks.rds.on(FailoverGlobalClusterCommand).rejects(awsError("AccessDeniedException"));
    await expect(promote(w.deps, stateOf(decided("failover")))).rejects.toMatchObject({ name: "AccessDeniedException" });
  });

  it.each<[string, Parameters<typeof globalCluster>[0], string]>([
    ["InvalidDBClusterStateFault with this region already the writer: done", { writer: STANDBY }, "InvalidDBClusterStateFault"],
    ["InvalidGlobalClusterStateFault with this region already the writer: done", { writer: STANDBY }, "InvalidGlobalClusterStateFault"],
  ])("%s", async (_name, after, fault) => {
    const w = world();
    mocks.rds.on(SwitchoverGlobalClusterCommand).callsFake(() => {
      w.global = after ?? {};
      return Promise.reject(awsError(fault));
    });
    expect((await run(promote(w.deps, stateOf(decided("switchover"))))).promotion).toBe("requested");
  });

  it("a state fault while a promotion elsewhere runs is retryable, and says the status", async () => {
    const w = world();
    mocks.rds.on(FailoverGlobalClusterCommand).callsFake(() => {
      w.global = { failover: { to: THIRD_ARN } };
      return Promise.reject(awsError("InvalidGlobalClusterStateFault", "busy"));
    });
    await expect(promote(w.deps, stateOf(decided("failover")))).rejects.toMatchObject({
      name: ERROR_NAMES.globalClusterBusy,
      message: `Global cluster ${GLOBAL_ID} is available: InvalidGlobalClusterStateFault: busy`,
      details: { status: "available" },
    });
  });

  it("a refused forced failover says so", async () => {
    const w = world();
    mocks.rds.on(FailoverGlobalClusterCommand).rejects(awsError("InvalidDBClusterStateFault", "no"));
    await expect(promote(w.deps, stateOf(decided("failover")))).rejects.toMatchObject({ message: "FailoverGlobalCluster refused: InvalidDBClusterStateFault: no", details: { strategy: "unplanned" } });
  });

  it("a refused call says which one and why", async () => {
    const w = world();
    mocks.rds.on(SwitchoverGlobalClusterCommand).rejects(awsError("InvalidGlobalClusterStateFault", "not allowed"));
    await expect(promote(w.deps, stateOf(decided("switchover")))).rejects.toMatchObject({
      name: ERROR_NAMES.preconditionFailed,
      message: "SwitchoverGlobalCluster refused: InvalidGlobalClusterStateFault: not allowed",
      details: { strategy: "planned" },
    });
  });

  it("does not make a fence permanent that this run never wrote", async () => {
    const w = world();
    await promote(w.deps, stateOf(decided("failover", { fence: fenced({ written: "planned" }) })));
    expect(fenceWrites(ACTIVE)).toEqual([]);
  });

  it("a re-run that finds another execution's promotion takes nothing from its lock item", async () => {
    const w = world({ global: { failover: { to: STANDBY } } });
    w.lockExtra = { promotionRequestedBy: OTHER_EXEC, promotionRequestedAt: new Date(T0 - 5_000).toISOString() };
    const r = await run(promote(w.deps, stateOf(decided("failover"))));
    expect(r).toMatchObject({ promotion: "in-progress", promotionRequestedAt: null });
    expect(r.timeline.at(-1)).toMatchObject({ step: "promote", event: "not-needed", detail: { reason: "in-progress", promotion: "in-progress" } });
  });

  it("a re-run of its own promotion without a recorded time keeps the time it had", async () => {
    const w = world({ global: { failover: { to: STANDBY } } });
    w.lockExtra = { promotionRequestedBy: EXEC };
    expect((await run(promote(w.deps, stateOf(decided("failover"))))).promotionRequestedAt).toBeNull();
  });

  it("makes the old region's fence permanent after a forced failover", async () => {
    const w = world();
    await promote(w.deps, stateOf(decided("failover")));
    expect(fenceWrites(ACTIVE).at(-1)).toMatchObject({ fenced: true, leaseExpiresAt: null, capacity: "zero", by: EXEC });
  });

  it("leaves the fence's lease after a switchover (the old region becomes a standby)", async () => {
    const w = world();
    await promote(w.deps, stateOf(decided("switchover")));
    expect(fenceWrites(ACTIVE).every((f) => f.leaseExpiresAt !== null)).toBe(true);
  });

  it("a re-run after a crash finds its own promotion on the lock and calls nothing", async () => {
    const w = world({ global: { failover: { to: STANDBY } } });
    w.lockExtra = { promotionRequestedBy: EXEC, promotionRequestedAt: new Date(T0 - 5_000).toISOString(), promotionStrategy: "unplanned" };
    const r = await run(promote(w.deps, stateOf(decided("failover"))));
    expect(mocks.rds).not.toHaveReceivedCommand(FailoverGlobalClusterCommand);
    expect(r).toMatchObject({ promotion: "requested", promotionRequestedAt: new Date(T0 - 5_000).toISOString(), dataLoss: { kind: "estimated" } });
  });

  it("finds another's promotion of this region and calls nothing", async () => {
    const w = world({ global: { writer: STANDBY } });
    const r = await run(promote(w.deps, stateOf(decided("switchover"))));
    expect(mocks.rds).not.toHaveReceivedCommand(SwitchoverGlobalClusterCommand);
    expect(r.promotion).toBe("already-writer");
  });

  it("dry run of a switchover plans the call and its target", async () => {
    const w = world();
    const r = await run(promote(w.deps, stateOf(decided("switchover", { dryRun: true }))));
    expect(mocks.rds).not.toHaveReceivedCommand(SwitchoverGlobalClusterCommand);
    expect(r.plan).toEqual([`SwitchoverGlobalCluster ${GLOBAL_ID} -> ${OWN_ARN} (in ${STANDBY})`]);
  });

  it("dry run of a forced failover plans the call with its loss window", async () => {
    const w = world();
    const r = await run(promote(w.deps, stateOf(decided("failover", { dryRun: true }))));
    expect(r.plan).toEqual([`FailoverGlobalCluster ${GLOBAL_ID} -> ${OWN_ARN} with AllowDataLoss (in ${STANDBY}; data-loss window 5800 ms)`]);
    expect(r.timeline.at(-1)).toMatchObject({ step: "promote", event: "planned", detail: { strategy: "unplanned" } });
  });

  it("refuses without a decision to promote", async () => {
    const w = world();
    await expect(promote(w.deps, stateOf(runRecord({ decision: { at: "", kind: "stand-down", reason: "" } })))).rejects.toMatchObject({ name: ERROR_NAMES.preconditionFailed });
  });

  it("says what it got instead of a decision to promote", async () => {
    const w = world();
    await expect(promote(w.deps, stateOf(runRecord()))).rejects.toMatchObject({ message: "promote needs a decision to promote (got none)" });
  });

  it("refuses while a promotion to another cluster runs", async () => {
    const w = world({ global: { failover: { to: THIRD_ARN } } });
    await expect(promote(w.deps, stateOf(decided("failover")))).rejects.toMatchObject({ name: ERROR_NAMES.globalClusterBusy });
  });

  it("dry run: sends nothing", async () => {
    const w = world();
    const r = await run(promote(w.deps, stateOf(decided("failover", { dryRun: true }))));
    expect(mocks.rds).not.toHaveReceivedCommand(FailoverGlobalClusterCommand);
    expect(mocks.dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
    expect(mocks.dynamodb).not.toHaveReceivedCommand(PutItemCommand);
    expect(r.promotion).toBe("would-promote");
    expect(r.plan).toEqual([expect.stringContaining("FailoverGlobalCluster")]);
  });
});

// ---------------------------------------------------------------------------------------------
describe("awaitWriter", () => {
  const promoted = (fields: Partial<RunRecord> = {}) => runRecord({ fence: fenced(), promotion: "requested", strategy: "unplanned", ...fields });

  it("polls until this region's cluster is the writer", async () => {
    const w = world({ global: { failover: { to: STANDBY } } });
    let polls = 0;
    mocks.rds.on(DescribeGlobalClustersCommand).callsFake(() => ({ GlobalClusters: [globalCluster(++polls < 3 ? { failover: { to: STANDBY } } : { writer: STANDBY })] }));
    const r = await run(awaitWriter(w.deps, stateOf(promoted())));
    expect(polls).toBe(3);
    // A constant interval (not growing): the poll after the promotion ends is at most one interval late.
    expect(w.timing.sleeps).toEqual([10_000, 10_000]);
    expect(r.writerConfirmedAt).toBe(new Date(T0 + 20_000).toISOString());
  });

  it("uses the request's poll interval", async () => {
    const w = world({ global: { failover: { to: STANDBY } } });
    let polls = 0;
    mocks.rds.on(DescribeGlobalClustersCommand).callsFake(() => ({ GlobalClusters: [globalCluster(++polls < 2 ? {} : { writer: STANDBY })] }));
    await awaitWriter(w.deps, stateOf(promoted(), { ...MONITOR, pollIntervalSeconds: 2 }));
    expect(w.timing.sleeps).toEqual([2_000]);
  });

  it("WriterNotReadyError once this invocation's budget is spent", async () => {
    const w = world({ env: { MAX_WAIT_SECONDS: "60" }, global: { failover: { to: STANDBY } } });
    await expect(awaitWriter(w.deps, stateOf(promoted()))).rejects.toMatchObject({ name: ERROR_NAMES.writerNotReady });
    expect(w.timing.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(60_000);
    expect(w.timing.sleeps.length).toBeGreaterThan(1);
  });

  it("says how far the promotion got when the budget is spent", async () => {
    const w = world({ env: { MAX_WAIT_SECONDS: "60" }, global: { failover: { to: STANDBY, status: "failing-over" } } });
    await expect(awaitWriter(w.deps, stateOf(promoted()))).rejects.toMatchObject({
      message: expect.stringMatching(new RegExp(`^${OWN_ARN} is not the writer of ${GLOBAL_ID} yet \\(status available, failover failing-over\\) after \\d+ polls$`)),
      details: { status: "available", polls: expect.any(Number) },
    });
  });

  it("renews the lock before it waits", async () => {
    const w = world({ global: { writer: STANDBY } });
    await awaitWriter(w.deps, stateOf(promoted()));
    expect(lockUpdates(mocks.dynamodb)).toHaveLength(1);
  });

  it("records the confirmation in the timeline", async () => {
    const w = world({ global: { writer: STANDBY } });
    const r = await run(awaitWriter(w.deps, stateOf(promoted())));
    expect(r.timeline.at(-1)).toMatchObject({ step: "awaitWriter", event: "writer-confirmed", detail: { polls: 1, writer: OWN_ARN } });
  });

  it("dry run: waits for nothing", async () => {
    const w = world();
    const r = await run(awaitWriter(w.deps, stateOf(promoted({ dryRun: true }))));
    expect(mocks.rds).not.toHaveReceivedCommand(DescribeGlobalClustersCommand);
    expect(r.timeline.at(-1)).toMatchObject({ step: "awaitWriter", event: "skipped-dry-run" });
  });
});

// ---------------------------------------------------------------------------------------------
describe("openGate", () => {
  const confirmed = (strategy: RunRecord["strategy"], fields: Partial<RunRecord> = {}) =>
    runRecord({ fence: fenced(), promotion: "requested", strategy, writerConfirmedAt: new Date(T0).toISOString(), ...fields });

  it("P5: refuses to open this region's gate while its cluster is not the writer", async () => {
    const w = world();
    await expect(openGate(w.deps, stateOf(confirmed("unplanned")))).rejects.toMatchObject({ name: ERROR_NAMES.writerNotReady });
    expect(mocks.elb).not.toHaveReceivedCommand(ModifyRuleCommand);
    expect(mocks.dynamodb).not.toHaveReceivedCommand(PutItemCommand);
  });

  it("says why it keeps the gate closed", async () => {
    const w = world();
    await expect(openGate(w.deps, stateOf(confirmed("unplanned")))).rejects.toMatchObject({ message: `${OWN_ARN} is not the writer (writer: ${OLD_ARN}); the gate stays closed` });
    w.global = { writer: null };
    await expect(openGate(w.deps, stateOf(confirmed("unplanned")))).rejects.toMatchObject({ message: `${OWN_ARN} is not the writer (writer: none); the gate stays closed` });
  });

  it("records the fence changes with their reasons and the gate in the timeline", async () => {
    const w = world({ global: { writer: STANDBY }, items: [fenceItem(STANDBY, { by: OTHER_EXEC })] });
    const r = await run(openGate(w.deps, stateOf(confirmed("unplanned"))));
    expect(fenceWrites(STANDBY)[0]?.reason).toBe(`${STANDBY} holds the writer after ${EXEC}`);
    expect(fenceWrites(ACTIVE)[0]?.reason).toBe(`forced failover to ${STANDBY} by ${EXEC}`);
    expect(r.timeline.at(-1)).toMatchObject({ step: "openGate", event: "done", detail: { oldRegionFence: "permanent" } });
    const planned = await run(openGate(w.deps, stateOf(confirmed("planned"))));
    expect(fenceWrites(ACTIVE).at(-1)?.reason).toBe(`switchover to ${STANDBY} by ${EXEC}`);
    expect(planned.gate?.oldRegionFence).toBe("lifted");
  });

  it("clears this region's own fence and opens its gate", async () => {
    const w = world({ global: { writer: STANDBY }, items: [fenceItem(STANDBY, { by: OTHER_EXEC, leaseExpiresAt: null, capacity: "standby" })] });
    const r = await run(openGate(w.deps, stateOf(confirmed("unplanned"))));
    expect(fenceWrites(STANDBY)).toEqual([expect.objectContaining({ fenced: false, by: EXEC, byRegion: STANDBY, leaseExpiresAt: null, capacity: "standby" })]);
    expect(gateStates(mocks.elb)).toEqual([true]);
    expect(r.gate?.own).toBe("done");
  });

  it("writes no own fence when there is none", async () => {
    const w = world({ global: { writer: STANDBY } });
    await openGate(w.deps, stateOf(confirmed("unplanned")));
    expect(fenceWrites(STANDBY)).toEqual([]);
  });

  it("after a forced failover the old region stays fenced for good", async () => {
    const w = world({ global: { writer: STANDBY } });
    const r = await run(openGate(w.deps, stateOf(confirmed("unplanned"))));
    expect(fenceWrites(ACTIVE)).toEqual([expect.objectContaining({ fenced: true, leaseExpiresAt: null, capacity: "zero", by: EXEC })]);
    expect(r.gate?.oldRegionFence).toBe("permanent");
    expect(mocks.peer.autoscaling).not.toHaveReceivedCommand(RegisterScalableTargetCommand);
  });

  it("after a switchover the old region's fence is lifted and it goes back to standby capacity", async () => {
    const w = world({ global: { writer: STANDBY } });
    const r = await run(openGate(w.deps, stateOf(confirmed("planned"))));
    expect(fenceWrites(ACTIVE)).toEqual([expect.objectContaining({ fenced: false, capacity: "standby", leaseExpiresAt: null })]);
    expect(registered(mocks.peer.autoscaling)).toEqual([{ min: STANDBY_MIN, max: MAX }]);
    expect(r.gate).toEqual({ own: "done", oldRegionFence: "lifted", errors: [] });
  });

  it("records an unreachable old region's capacity, and still lifts the fence", async () => {
    const w = world({ global: { writer: STANDBY } });
    mocks.peer.autoscaling.on(RegisterScalableTargetCommand).rejects(timeout());
    const r = await run(openGate(w.deps, stateOf(confirmed("planned"))));
    expect(r.gate?.oldRegionFence).toBe("lifted");
    expect(r.gate?.errors).toEqual([expect.stringContaining(`standby capacity in ${ACTIVE}`)]);
  });

  it.each<[RunRecord["intended"], string]>([
    ["failover", "keep"],
    ["switchover", "lift"],
  ])("dry run (%s): writes nothing, plans to open the gate and %s the old fence", async (intended, verb) => {
    const w = world({ items: [fenceItem(STANDBY, { by: OTHER_EXEC })] });
    const r = await run(openGate(w.deps, stateOf(confirmed("unplanned", { dryRun: true, intended }))));
    expect(mocks.dynamodb).not.toHaveReceivedCommand(PutItemCommand);
    expect(mocks.elb).not.toHaveReceivedCommand(ModifyRuleCommand);
    expect(r.gate).toEqual({ own: "planned", oldRegionFence: "planned", errors: [] });
    expect(r.plan).toEqual([`open the gate of ${STANDBY}; ${verb} the fence of ${ACTIVE}`]);
  });

  it("a fence that cannot be made permanent is recorded as failed", async () => {
    const w = world({ global: { writer: STANDBY } });
    mocks.dynamodb.on(PutItemCommand).rejects(awsError("AccessDeniedException"));
    const r = await run(openGate(w.deps, stateOf(confirmed("unplanned"))));
    expect(r.gate?.oldRegionFence).toBe("failed");
    expect(r.gate?.errors).toEqual([expect.stringContaining(`fence of ${ACTIVE}: AccessDeniedException`)]);
  });

  it("touches no old fence this run did not write", async () => {
    const w = world({ global: { writer: STANDBY } });
    await openGate(w.deps, stateOf(confirmed("unplanned", { fence: fenced({ written: "planned" }) })));
    expect(fenceWrites(ACTIVE)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
describe("verify", () => {
  it("probes this region's gate and health paths", async () => {
    const w = world();
    const probed: string[] = [];
    const deps = { ...w.deps, probe: async (url: string) => (probed.push(url), { ok: true, status: 200, latencyMs: 1 }) };
    const r = await run(verify(deps, stateOf(runRecord())));
    expect(probed.sort()).toEqual([regionalUrl(STANDBY, GATE_PATH), regionalUrl(STANDBY, HEALTH_PATH)].sort());
    expect(r.verification).toEqual({ ok: true, attempts: 1, status: 200 });
  });

  it("probes again after VERIFY_INTERVAL_SECONDS until it answers", async () => {
    const w = world({ env: { VERIFY_INTERVAL_SECONDS: "7" } });
    w.ownServing = false;
    const deps = { ...w.deps, sleep: async (ms: number) => (w.timing.sleeps.push(ms), (w.ownServing = true), undefined) };
    const r = await run(verify(deps, stateOf(runRecord())));
    expect(r.verification).toMatchObject({ ok: true, attempts: 2 });
    expect(w.timing.sleeps).toEqual([7_000]);
  });

  it("reports the gate's answer when the gate refuses while the health path answers", async () => {
    const w = world({ env: { VERIFY_ATTEMPTS: "1" } });
    const deps = { ...w.deps, probe: async (url: string) => (url.endsWith(GATE_PATH) ? { ok: false, status: 503, latencyMs: 1 } : { ok: true, status: 200, latencyMs: 1 }) };
    await expect(verify(deps, stateOf(runRecord()))).rejects.toMatchObject({ name: ERROR_NAMES.endpointUnhealthy, details: { attempts: 1, status: 503 } });
  });

  it("reports the health path's error when the gate answers", async () => {
    const w = world({ env: { VERIFY_ATTEMPTS: "1" } });
    const deps = { ...w.deps, probe: async (url: string) => (url.endsWith(GATE_PATH) ? { ok: true, status: 200, latencyMs: 1 } : { ok: false, latencyMs: 1, error: "timeout after 5000 ms" }) };
    await expect(verify(deps, stateOf(runRecord()))).rejects.toMatchObject({ message: expect.stringContaining("timeout after 5000 ms") });
  });

  it("records the verification in the timeline", async () => {
    const w = world();
    const r = await run(verify(w.deps, stateOf(runRecord())));
    expect(r.timeline.at(-1)).toMatchObject({ step: "verify", event: "healthy", detail: { attempts: 1, status: 200 } });
    expect(r.checks).toEqual([]);
  });

  it("dry run: reports an unanswered probe as such", async () => {
    const w = world();
    const deps = { ...w.deps, probe: async () => ({ ok: false, latencyMs: 1, error: "timeout after 5000 ms" }) };
    const r = await run(verify(deps, stateOf(runRecord({ dryRun: true }))));
    expect(r.checks).toEqual([{ name: "new-region-endpoint-healthy", ok: false, detail: `${regionalUrl(STANDBY, GATE_PATH)}, ${regionalUrl(STANDBY, HEALTH_PATH)}: timeout after 5000 ms` }]);
    expect(r.verification).toEqual({ ok: false, attempts: 1, error: "timeout after 5000 ms" });
    expect(r.timeline.at(-1)).toMatchObject({ event: "unhealthy", detail: { status: null } });
  });

  it("EndpointUnhealthyError after VERIFY_ATTEMPTS probes", async () => {
    const w = world({ env: { VERIFY_ATTEMPTS: "3" } });
    w.ownServing = false;
    await expect(verify(w.deps, stateOf(runRecord()))).rejects.toMatchObject({ name: ERROR_NAMES.endpointUnhealthy, message: expect.stringContaining("after 3 probes: 503") });
    expect(w.timing.sleeps).toHaveLength(2);
  });

  it("dry run: one probe, reported as a check, never an error", async () => {
    const w = world();
    w.ownServing = false;
    const r = await run(verify(w.deps, stateOf(runRecord({ dryRun: true }))));
    expect(r.checks).toContainEqual(expect.objectContaining({ name: "new-region-endpoint-healthy", ok: false }));
    expect(w.timing.sleeps).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
describe("complete", () => {
  const done = (fields: Partial<RunRecord> = {}) =>
    runRecord({ fence: fenced(), decision: { at: new Date(T0).toISOString(), kind: "failover", reason: "test" }, strategy: "unplanned", promotion: "requested", ...fields });

  it("writes the audit record once, sends one notification, releases both locks", async () => {
    const w = world();
    const r = await run(complete(w.deps, stateOf(done(), MONITOR)));
    expect(r.outcome).toBe("completed");
    // The audit item is created, never overwritten: the write is conditional on the key being new.
    expect(mocks.dynamodb).toHaveReceivedCommandWith(PutItemCommand, { TableName: STATE_TABLE, ConditionExpression: "attribute_not_exists(#key)", ExpressionAttributeNames: { "#key": "pk" } });
    const audit = putItems(mocks.dynamodb, auditKey(EXEC));
    expect(audit).toEqual([expect.objectContaining({ kind: "failover-audit", outcome: "completed", decision: "failover", strategy: "unplanned", incidentId: "i-1", oldRegion: ACTIVE, newRegion: STANDBY })]);
    expect(published(mocks.sns)).toEqual([expect.objectContaining({ kind: "failover-completed", executionId: EXEC })]);
    // After the page went out, a marker of its own (the audit item is not touched again).
    expect(putItems(mocks.dynamodb, noticeKey(EXEC, "failover-completed"))).toEqual([expect.objectContaining({ kind: "failover-notice", executionId: EXEC })]);
    expect(mocks.dynamodb.commandCalls(UpdateItemCommand).filter((c) => c.args[0].input.Key?.pk?.S === auditKey(EXEC))).toHaveLength(0);
    expect(deletes(mocks.dynamodb)).toEqual([{ key: LOCK_KEY, holder: EXEC }]);
    expect(deletes(mocks.peer.dynamodb)).toEqual([{ key: LOCK_KEY, holder: EXEC }]);
  });

  it("a re-run after the notification went out sends nothing again, and still releases the locks", async () => {
    const w = world();
    w.items.set(noticeKey(EXEC, "failover-completed"), { pk: noticeKey(EXEC, "failover-completed"), kind: "failover-notice" });
    mocks.dynamodb.on(PutItemCommand).rejects(conditionFailed());
    await complete(w.deps, stateOf(done()));
    expect(mocks.sns).not.toHaveReceivedCommand(PublishCommand);
    expect(deletes(mocks.dynamodb)).toHaveLength(1);
  });

  it("a re-run that finds its audit record written but no notice keeps the first record and sends the notification (at least once)", async () => {
    const w = world();
    refusePutOf(auditKey(EXEC));
    await complete(w.deps, stateOf(done()));
    expect(published(mocks.sns)).toEqual([expect.objectContaining({ kind: "failover-completed", executionId: EXEC })]);
    expect(putItems(mocks.dynamodb, noticeKey(EXEC, "failover-completed"))).toHaveLength(1);
    expect(mocks.dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
  });

  it("reads the notice consistently, so a re-run right after the page does not send it twice", async () => {
    const w = world();
    await complete(w.deps, stateOf(done()));
    expect(mocks.dynamodb).toHaveReceivedCommandWith(GetItemCommand, { TableName: STATE_TABLE, Key: { pk: { S: noticeKey(EXEC, "failover-completed") } }, ConsistentRead: true });
  });

  it("an unreachable other region does not keep the run from completing", async () => {
    const w = world({ peerLock: "unreachable" });
    await expect(complete(w.deps, stateOf(done()))).resolves.toBeDefined();
  });

  it("dry run: no audit, no notification, no lock", async () => {
    const w = world();
    const r = await run(complete(w.deps, stateOf(done({ dryRun: true }))));
    expect(r.outcome).toBe("dry-run");
    expect(mocks.dynamodb).not.toHaveReceivedCommand(PutItemCommand);
    expect(mocks.sns).not.toHaveReceivedCommand(PublishCommand);
    expect(mocks.dynamodb).not.toHaveReceivedCommand(DeleteItemCommand);
  });

  it("a failure after Complete recorded the run (its page or lock release failed) gets a record and a page of its own; the first record stands", async () => {
    // GIVEN Complete wrote audit#<exec> (completed) and its page went out, then a later call failed past its retries
    const w = world();
    w.items.set(auditKey(EXEC), { pk: auditKey(EXEC), kind: "failover-audit", outcome: "completed" });
    w.items.set(noticeKey(EXEC, "failover-completed"), { pk: noticeKey(EXEC, "failover-completed"), kind: "failover-notice" });
    refusePutOf(auditKey(EXEC));
    // WHEN Abort runs
    await abort(w.deps, stateOf(done(), MONITOR, { error: { Error: "Lambda.Unknown", Cause: "{}" } }));
    // THEN the failure has its own record and its own page; nothing updates the first record
    expect(putItems(mocks.dynamodb, `audit#${EXEC}#failed`)).toEqual([expect.objectContaining({ outcome: "failed", error: expect.stringContaining("Lambda.Unknown") })]);
    expect(published(mocks.sns)).toEqual([expect.objectContaining({ kind: "failover-failed", executionId: EXEC })]);
    expect(mocks.dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
    expect(mocks.dynamodb).toHaveReceivedCommandWith(GetItemCommand, { Key: { pk: { S: auditKey(EXEC) } }, ConsistentRead: true });
  });

  it("a failure record is written too when the first record cannot be read back, or says nothing of its outcome", async () => {
    for (const first of [undefined, { pk: auditKey(EXEC), kind: "failover-audit" }]) {
      mocks.dynamodb.resetHistory();
      const w = world();
      if (first) w.items.set(auditKey(EXEC), first);
      refusePutOf(auditKey(EXEC));
      await abort(w.deps, stateOf(done(), MONITOR, { error: { Error: "Lambda.Unknown", Cause: "{}" } }));
      expect(putItems(mocks.dynamodb, failureAuditKey(EXEC))).toHaveLength(1);
    }
  });

  it("an Abort that writes the run's first record writes no failure record beside it", async () => {
    const w = world();
    await abort(w.deps, stateOf(done(), MONITOR, { error: { Error: "Lambda.Unknown", Cause: "{}" } }));
    expect(putItems(mocks.dynamodb, auditKey(EXEC))).toHaveLength(1);
    expect(putItems(mocks.dynamodb, failureAuditKey(EXEC))).toEqual([]);
  });

  it("a re-run of Complete that finds its record written adds no failure record", async () => {
    const w = world();
    w.items.set(auditKey(EXEC), { pk: auditKey(EXEC), kind: "failover-audit", outcome: "completed" });
    refusePutOf(auditKey(EXEC));
    await complete(w.deps, stateOf(done()));
    expect(putItems(mocks.dynamodb, failureAuditKey(EXEC))).toEqual([]);
  });

  it("an Abort that runs again after its own record writes no second one and pages once", async () => {
    const w = world();
    w.items.set(auditKey(EXEC), { pk: auditKey(EXEC), kind: "failover-audit", outcome: "failed" });
    w.items.set(noticeKey(EXEC, "failover-failed"), { pk: noticeKey(EXEC, "failover-failed"), kind: "failover-notice" });
    refusePutOf(auditKey(EXEC));
    await abort(w.deps, stateOf(done(), MONITOR, { error: { Error: "Lambda.Unknown", Cause: "{}" } }));
    expect(putItems(mocks.dynamodb, failureAuditKey(EXEC))).toEqual([]);
    expect(mocks.sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it("records nobody as approver when no one approved", async () => {
    const w = world();
    await complete(w.deps, stateOf(done()));
    expect(putItems(mocks.dynamodb, auditKey(EXEC))[0]).toMatchObject({ approvedBy: [] });
  });

  it("records who approved in the audit", async () => {
    const w = world();
    await complete(w.deps, stateOf(done({ approval: { required: true, reasons: ["r"], kinds: ["authority"], granted: true, timedOut: false, approvedBy: ["ana at 2025-03-14T09:40:00.000Z"] } })));
    expect(putItems(mocks.dynamodb, auditKey(EXEC))[0]).toMatchObject({ approvalGranted: true, approvedBy: ["ana at 2025-03-14T09:40:00.000Z"] });
  });

  it("records the data-loss window in the audit", async () => {
    const w = world();
    const dataLoss = { kind: "estimated" as const, estimatedMs: 5_800, reason: "r", stores: null };
    await complete(w.deps, stateOf(done({ dataLoss })));
    expect(putItems(mocks.dynamodb, auditKey(EXEC))[0]).toMatchObject({ dataLossKind: "estimated", estimatedDataLossMs: 5_800, dataLossReason: "r" });
  });
});

// ---------------------------------------------------------------------------------------------
describe("standDown and abort: rolling the fence back", () => {
  const fencedRun = (fields: Partial<RunRecord> = {}) => runRecord({ fence: fenced(), decision: { at: "", kind: "stand-down", reason: "the evidence no longer holds" }, ...fields });
  const ourFence = () => fenceItem(ACTIVE, { by: EXEC });

  it("standDown lifts this execution's fence of the old region, reopens its gate and restores its capacity", async () => {
    const w = world({ writerRegion: "healthy", items: [ourFence()] });
    const r = await run(standDown(w.deps, stateOf(fencedRun())));
    expect(fenceWrites(ACTIVE)).toEqual([expect.objectContaining({ fenced: false, leaseExpiresAt: null, by: EXEC, reason: expect.stringContaining("rolled back") })]);
    expect(gateStates(mocks.peer.elb)).toEqual([]); // already open
    expect(mocks.peer.autoscaling).not.toHaveReceivedCommand(RegisterScalableTargetCommand); // already at the active minimum
    expect(r.outcome).toBe("stood-down");
    expect(r.timeline.at(-1)).toMatchObject({ event: "fence-rolled-back" });
  });

  it("reopens the old writer's gate and raises its capacity when the fence had changed them", async () => {
    const w = world({ writerRegion: "healthy", items: [ourFence()] });
    givenGateClosedAndScaledDown();
    await standDown(w.deps, stateOf(fencedRun()));
    expect(gateStates(mocks.peer.elb)).toEqual([true]);
    expect(registered(mocks.peer.autoscaling)).toEqual([{ min: ACTIVE_MIN, max: MAX }]);
  });

  it("never lifts a fence another execution wrote", async () => {
    const w = world({ items: [fenceItem(ACTIVE, { by: OTHER_EXEC })] });
    await standDown(w.deps, stateOf(fencedRun()));
    expect(fenceWrites(ACTIVE)).toEqual([]);
  });

  it("keeps the fence once this execution asked for a promotion", async () => {
    const w = world({ items: [ourFence(), lockItem(EXEC, EXPIRES, { promotionRequestedBy: EXEC })] });
    await abort(w.deps, stateOf(fencedRun(), MONITOR, { error: { Error: "WriterNotReadyError", Cause: "{}" } }));
    expect(fenceWrites(ACTIVE)).toEqual([]);
  });

  it("lifts its fence when this region became the writer outside this run, leaving the old region a warm standby (not at zero until the lease ends)", async () => {
    // GIVEN this run fenced the old region, then the writer moved here without it (an out-of-band promotion)
    const w = world({ global: { writer: STANDBY }, items: [ourFence()] });
    givenGateClosedAndScaledDown();
    // WHEN it stands down
    await standDown(w.deps, stateOf(fencedRun()));
    // THEN its fence is lifted, the old region's gate is left closed (not the writer) and it runs the standby minimum
    expect(fenceWrites(ACTIVE)).toEqual([expect.objectContaining({ fenced: false })]);
    expect(gateStates(mocks.peer.elb)).toEqual([]);
    expect(registered(mocks.peer.autoscaling)).toEqual([{ min: STANDBY_MIN, max: MAX }]);
  });

  it("keeps the fence while a promotion to this region is under way, by anyone", async () => {
    const w = world({ global: { writer: ACTIVE, failover: { to: STANDBY } }, items: [ourFence()] });
    await standDown(w.deps, stateOf(fencedRun()));
    expect(fenceWrites(ACTIVE)).toEqual([]);
  });

  it("standDown audits once, notifies once and releases the locks", async () => {
    const w = world({ items: [ourFence()] });
    await standDown(w.deps, stateOf(fencedRun()));
    expect(putItems(mocks.dynamodb, auditKey(EXEC))).toEqual([expect.objectContaining({ outcome: "stood-down" })]);
    expect(published(mocks.sns)).toEqual([expect.objectContaining({ kind: "failover-stood-down" })]);
    expect(deletes(mocks.dynamodb)).toEqual([{ key: LOCK_KEY, holder: EXEC }]);
  });

  it("standDown of a run that never fenced changes nothing but the audit and the locks", async () => {
    const w = world();
    await standDown(w.deps, stateOf(runRecord({ intended: "stand-down" })));
    expect(fenceWrites(ACTIVE)).toEqual([]);
    expect(mocks.peer.elb).not.toHaveReceivedCommand(ModifyRuleCommand);
  });

  it("abort rolls the fence back when nothing was promoted, and records the failure", async () => {
    const w = world({ writerRegion: "healthy", items: [ourFence()] });
    const r = await run(abort(w.deps, stateOf(fencedRun({ decision: null }), MONITOR, { error: { Error: "States.TaskFailed", Cause: JSON.stringify({ errorType: "X", errorMessage: "boom" }) } })));
    expect(fenceWrites(ACTIVE)).toEqual([expect.objectContaining({ fenced: false })]);
    expect(r).toMatchObject({ outcome: "failed", error: { name: "States.TaskFailed", message: "boom" } });
    expect(putItems(mocks.dynamodb, auditKey(EXEC))).toEqual([expect.objectContaining({ outcome: "failed", error: "States.TaskFailed: boom" })]);
    expect(published(mocks.sns)).toEqual([expect.objectContaining({ kind: "failover-failed" })]);
  });

  it("abort never releases another execution's lock", async () => {
    // GIVEN assess failed because another run holds the lock
    const w = world({ items: [lockItem(OTHER_EXEC, EXPIRES)] });
    mocks.dynamodb.on(DeleteItemCommand).rejects(conditionFailed());
    mocks.peer.dynamodb.on(DeleteItemCommand).rejects(conditionFailed());
    // WHEN
    const state = await abort(w.deps, assessState(MONITOR, { error: { Error: ERROR_NAMES.lockHeld, Cause: "held" } }));
    // THEN only conditional deletes as this execution were sent, and the run says it failed
    expect(deletes(mocks.dynamodb)).toEqual([{ key: LOCK_KEY, holder: EXEC }]);
    expect(mocks.dynamodb.commandCalls(DeleteItemCommand)[0]?.args[0].input.ConditionExpression).toBe("#holder = :holder");
    expect(state.run).toMatchObject({ outcome: "failed", error: { name: ERROR_NAMES.lockHeld, message: "held" }, oldWriterArn: OLD_ARN });
  });

  it("abort survives a rollback that fails, and still audits", async () => {
    const w = world({ items: [ourFence()] });
    mocks.rds.on(DescribeGlobalClustersCommand).rejects(awsError("AccessDeniedException"));
    await abort(w.deps, stateOf(fencedRun(), MONITOR, { error: { Error: "X" } }));
    expect(putItems(mocks.dynamodb, auditKey(EXEC))).toHaveLength(1);
  });

  it("abort of a dry run sends nothing", async () => {
    const w = world();
    await abort(w.deps, assessState({ ...MONITOR, dryRun: true }, { error: { Error: "X" } }));
    expect(mocks.dynamodb).not.toHaveReceivedCommand(PutItemCommand);
    expect(mocks.sns).not.toHaveReceivedCommand(PublishCommand);
    expect(mocks.dynamodb).not.toHaveReceivedCommand(DeleteItemCommand);
  });
});

/** The fence closed the old writer's gate and scaled it to zero. */
function givenGateClosedAndScaledDown(): void {
  givenGate(mocks.peer.elb, false, ACTIVE);
  givenScalableTarget(mocks.peer.autoscaling, 0, 0);
}

/** The state table refuses the conditional create of `key` (it exists); every other PutItem succeeds. */
function refusePutOf(key: string): void {
  mocks.dynamodb.on(PutItemCommand).callsFake((input: { Item?: Record<string, { S?: string }> }) => {
    if (input.Item?.pk?.S === key) throw conditionFailed();
    return {};
  });
}

describe("normalizeRequest: the execution input, validated once", () => {
  it("fills the defaults: failover, auto, asked by an operator, no approval, not a dry run", () => {
    expect(normalizeRequest({})).toEqual({ mode: "failover", strategy: "auto", requestedBy: "operator", approvalRequired: false, dryRun: false });
  });

  it("keeps what the request says, and only true counts as true", () => {
    expect(normalizeRequest({ mode: "failback", strategy: "planned", requestedBy: "health-monitor", approvalRequired: true, dryRun: true, reason: "r", pollIntervalSeconds: 2 })).toEqual({
      mode: "failback",
      strategy: "planned",
      requestedBy: "health-monitor",
      approvalRequired: true,
      dryRun: true,
      reason: "r",
      pollIntervalSeconds: 2,
    });
    expect(normalizeRequest({ approvalRequired: "yes", dryRun: 1 } as never)).toMatchObject({ approvalRequired: false, dryRun: false });
  });

  it.each<[string, unknown, string]>([
    ["no request", undefined, "The execution input (request) is missing"],
    ["a request that is not an object", "failover", "The execution input (request) is missing"],
    ["an unknown mode", { mode: "sideways" }, "request.mode must be one of failover, failback"],
    ["an unknown strategy", { strategy: "fast" }, "request.strategy must be one of auto, planned, unplanned"],
    ["an unplanned failback", { mode: "failback", strategy: "unplanned" }, "A failback is always a planned switchover; strategy unplanned is not allowed"],
    ["an unknown requester", { requestedBy: "cron" }, "request.requestedBy must be one of health-monitor, operator"],
    ["a poll interval that is not a number", { pollIntervalSeconds: "5" }, "request.pollIntervalSeconds must be a positive number"],
    ["a poll interval of zero", { pollIntervalSeconds: 0 }, "request.pollIntervalSeconds must be a positive number"],
    ["a negative poll interval", { pollIntervalSeconds: -1 }, "request.pollIntervalSeconds must be a positive number"],
    ["an infinite poll interval", { pollIntervalSeconds: Infinity }, "request.pollIntervalSeconds must be a positive number"],
  ])("refuses %s, permanently, saying which field", (_name, request, message) => {
    let thrown: unknown;
    try {
      normalizeRequest(request as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ name: ERROR_NAMES.preconditionFailed, message });
  });

  it("a failback may be planned or auto", () => {
    expect(normalizeRequest({ mode: "failback" }).strategy).toBe("auto");
    expect(normalizeRequest({ mode: "failback", strategy: "planned" }).strategy).toBe("planned");
  });
});

describe("describeError", () => {
  it("names the error and says its message", () => {
    expect(describeError(Object.assign(new Error("not authorized"), { name: "AccessDeniedException" }))).toBe("AccessDeniedException: not authorized");
  });
});

describe("approverOf and withApprover: who an answer names", () => {
  it.each<[string, unknown, string | null]>([
    ["no answer", undefined, null],
    ["a null answer", null, null],
    ["a string", "ana", null],
    ["an object without approvedBy", {}, null],
    ["an empty approvedBy", { approvedBy: "" }, null],
    ["an approvedBy that is not a string", { approvedBy: 5 }, null],
    ["a name", { approvedBy: "ana" }, "ana"],
    ["a name and an empty time", { approvedBy: "ana", approvedAt: "" }, "ana"],
    ["a name and a time that is not a string", { approvedBy: "ana", approvedAt: 5 }, "ana"],
    ["a name and a time", { approvedBy: "ana", approvedAt: "2025-03-14T09:40:00Z" }, "ana at 2025-03-14T09:40:00Z"],
  ])("%s", (_name, answer, expected) => {
    expect(approverOf(answer)).toBe(expected);
  });

  it("adds a new approver, keeps the known ones, and adds nobody for an answer that names nobody", () => {
    expect(withApprover(undefined, { approvedBy: "ana" })).toEqual(["ana"]);
    expect(withApprover(undefined, undefined)).toEqual([]);
    expect(withApprover(["ana"], {})).toEqual(["ana"]);
    expect(withApprover(["ana"], { approvedBy: "ana" })).toEqual(["ana"]);
    expect(withApprover(["ana"], { approvedBy: "bo" })).toEqual(["ana", "bo"]);
  });
});

// ---------------------------------------------------------------------------------------------
describe("requestApproval", () => {
  it("pages the task token with the reasons", async () => {
    const w = world();
    const r = runRecord({ approval: { required: true, reasons: ["failover.authority is approval"], kinds: ["authority"], granted: false, timedOut: false }, needsApproval: true });
    const state = stateOf(r, MONITOR);
    expect(await requestApproval(w.deps, state, "token-1", "RequestApproval")).toBe(state);
    expect(published(mocks.sns)).toEqual([
      expect.objectContaining({
        kind: "failover-approval-request",
        why: ["failover.authority is approval"],
        targetRegion: STANDBY,
        request: "RequestApproval",
        approve: `npm run approve -- --region ${STANDBY} --table ${STATE_TABLE} --execution ${EXEC} --request RequestApproval --approver "<your name>"`,
        refuse: expect.stringContaining(`--execution ${EXEC} --request RequestApproval --approver "<your name>" --refuse "<why>"`),
      }),
    ]);
  });

  it("keeps the task token out of the page: it waits in the state table under approval#<execution>, until TTL removes it", async () => {
    const w = world();
    const r = runRecord({ approval: { required: true, reasons: ["failover.authority is approval"], kinds: ["authority"], granted: false, timedOut: false }, needsApproval: true });
    await requestApproval(w.deps, stateOf(r, MONITOR), "token-1", "RequestApproval");
    expect(JSON.stringify(published(mocks.sns))).not.toContain("token-1");
    expect(putItems(mocks.dynamodb, approvalKey(EXEC, "RequestApproval"))).toEqual([
      expect.objectContaining({ kind: "approval-request", executionId: EXEC, request: "RequestApproval", taskToken: "token-1", ttl: Math.floor(w.timing.now() / 1000) + APPROVAL_ITEM_TTL_SECONDS }),
    ]);
  });

  it("keeps each request of a run apart: the decision's approval never shares an item (or a command) with the first", async () => {
    const w = world();
    const r = runRecord({ approval: { required: true, reasons: ["r"], kinds: ["rpo"], granted: false, timedOut: false }, needsApproval: true });
    await requestApproval(w.deps, stateOf(r, MONITOR), "token-1", "RequestApproval");
    await requestApproval(w.deps, stateOf(r, MONITOR), "token-2", "RequestDecisionApproval");
    expect(putItems(mocks.dynamodb, approvalKey(EXEC, "RequestApproval"))).toEqual([expect.objectContaining({ taskToken: "token-1" })]);
    expect(putItems(mocks.dynamodb, approvalKey(EXEC, "RequestDecisionApproval"))).toEqual([expect.objectContaining({ taskToken: "token-2" })]);
    const [first, second] = published(mocks.sns);
    expect(first?.approve).toContain("--request RequestApproval ");
    expect(second?.approve).toContain("--request RequestDecisionApproval ");
  });

  it("refuses without the asking state's name", async () => {
    const w = world();
    await expect(requestApproval(w.deps, stateOf(runRecord(), MONITOR), "token-1", undefined)).rejects.toMatchObject({ name: ERROR_NAMES.preconditionFailed });
    await expect(requestApproval(w.deps, stateOf(runRecord(), MONITOR), "token-1", "Request#Approval")).rejects.toMatchObject({ name: ERROR_NAMES.preconditionFailed });
    expect(mocks.sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it("pages nothing when the token cannot be stored (the step fails and is retried)", async () => {
    const w = world();
    mocks.dynamodb.on(PutItemCommand).rejects(Object.assign(new Error("throttled"), { name: "ProvisionedThroughputExceededException" }));
    await expect(requestApproval(w.deps, stateOf(runRecord(), MONITOR), "token-1", "RequestApproval")).rejects.toThrow();
    expect(mocks.sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it("refuses without a task token", async () => {
    const w = world();
    await expect(requestApproval(w.deps, stateOf(runRecord()), undefined, "RequestApproval")).rejects.toMatchObject({ name: ERROR_NAMES.preconditionFailed });
  });
});

describe("the step handler", () => {
  it("dispatches on event.step", async () => {
    const w = world();
    const state = await runStep({ step: "verify", state: stateOf(runRecord()) }, w.deps);
    expect(state.run?.verification?.ok).toBe(true);
  });

  it("runs, for every step name the runbooks send, the step function of that name (requestApproval with its token and request)", () => {
    const exported = steps as unknown as Record<string, unknown>;
    expect([...Object.keys(STATE_STEPS), "requestApproval"].sort()).toEqual([...STEP_NAMES].sort());
    for (const [name, fn] of Object.entries(STATE_STEPS)) expect([name, fn]).toEqual([name, exported[name]]);
  });

  it("dispatches requestApproval with the event's task token and asking state", async () => {
    const w = world();
    await runStep({ step: "requestApproval", state: stateOf(runRecord()), taskToken: "token-9", request: "RequestDecisionApproval" } as StepEvent, w.deps);
    expect(putItems(mocks.dynamodb, approvalKey(EXEC, "RequestDecisionApproval"))).toEqual([expect.objectContaining({ taskToken: "token-9" })]);
  });

  it.each<[string, unknown]>([
    ["no event", undefined],
    ["null", null],
    ["a string", "assess"],
    ["an event without a state", { step: "assess" }],
  ])("refuses %s, naming the shape it expects", async (_name, event) => {
    const w = world();
    await expect(runStep(event as StepEvent, w.deps)).rejects.toThrow("The event must be { step, state }");
    await expect(createStepHandler(w.deps)(event as StepEvent)).rejects.toMatchObject({ name: ERROR_NAMES.preconditionFailed });
  });

  it("refuses an unknown step, naming it and the steps it knows, and never a name inherited from Object", async () => {
    const w = world();
    for (const step of ["jump", "toString", "constructor"]) {
      await expect(runStep({ step, state: stateOf(runRecord()) } as unknown as StepEvent, w.deps)).rejects.toThrow(
        `Unknown step "${step}"; expected one of ${STEP_NAMES.join(", ")}`,
      );
    }
  });

  it.each<[string, () => void, StepEvent, string]>([
    ["a typed error keeps its name", () => mocks.dynamodb.on(UpdateItemCommand).rejects(conditionFailed()), { step: "raiseCapacity", state: stateOf(runRecord()) }, ERROR_NAMES.lockLost],
    ["throttling beyond the retries is TransientError", () => mocks.autoscaling.on(RegisterScalableTargetCommand).rejects(throttling()), { step: "raiseCapacity", state: stateOf(runRecord()) }, ERROR_NAMES.transient],
    ["an AWS refusal is PermanentError", () => mocks.autoscaling.on(RegisterScalableTargetCommand).rejects(awsError("AccessDeniedException")), { step: "raiseCapacity", state: stateOf(runRecord()) }, ERROR_NAMES.permanent],
    ["an unknown step is PreconditionFailedError", () => undefined, { step: "jump" as never, state: stateOf(runRecord()) }, ERROR_NAMES.preconditionFailed],
    ["a step without the run is PreconditionFailedError", () => undefined, { step: "fence", state: stateOf(undefined) }, ERROR_NAMES.preconditionFailed],
    ["an event without a state is PreconditionFailedError", () => undefined, { step: "fence" } as StepEvent, ERROR_NAMES.preconditionFailed],
  ])("maps failures to typed names: %s", async (_name, arrange, event, name) => {
    const w = world();
    arrange();
    await expect(createStepHandler(w.deps)(event)).rejects.toMatchObject({ name });
    expect(w.logger.lines.find((l) => l.event === "step.failed")).toMatchObject({ step: event.step });
  });
});
