/**
 * The orchestrator's reporting steps (failover-orchestrator/report.ts) as people and tools read them: the approval
 * request's page, the audit record, the completion / stand-down / failure pages, the run's timeline, the fence rolled
 * back (or kept) and the errors the steps end with. Each test calls one step against the mocked AWS clients of both
 * regions (support/orchestrator-world.ts), like failover-orchestrator.test.ts.
 */
import { ApplicationAutoScalingClient, RegisterScalableTargetCommand } from "@aws-sdk/client-application-auto-scaling";
import { DeleteItemCommand, GetItemCommand, GetItemCommandInput, PutItemCommand, PutItemCommandInput } from "@aws-sdk/client-dynamodb";
import { ModifyRuleCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeGlobalClustersCommand } from "@aws-sdk/client-rds";
import { PublishCommand } from "@aws-sdk/client-sns";
import { AwsClientStub } from "aws-sdk-client-mock";
import { FailoverState, RunRecord } from "../../lambda/failover-orchestrator/contract";
import { abort, complete, requestApproval, standDown } from "../../lambda/failover-orchestrator/steps";
import { auditKey, failureAuditKey, noticeKey } from "../../lambda/failover-orchestrator/report";
import { CONTROL_KEYS } from "../../lambda/shared/control-table";
import { Plain, TABLE_KEY, toItem } from "../../lambda/shared/dynamo";
import { ERROR_NAMES } from "../../lambda/shared/errors";
import { FailoverRequest } from "../../lambda/shared/failover-request";
import {
  ACTIVE,
  ACTIVE_MIN,
  awsError,
  AwsMocks,
  CLUSTER_ARN,
  conditionFailed,
  ENVIRONMENT,
  EXEC,
  evidenceRecord,
  fenced,
  fenceItem,
  givenGate,
  givenScalableTarget,
  GLOBAL_ID,
  LOCK_KEY,
  MAX,
  mockAws,
  MONITOR_REQUEST,
  OTHER_EXEC,
  published,
  putItems,
  runRecord,
  STANDBY,
  STANDBY_MIN,
  STATE_TABLE,
  stateOf,
  T0,
  throttling,
  TOPIC_ARN,
} from "./support/fixtures";
import { OrchestratorWorld } from "./support/orchestrator-world";

let mocks: AwsMocks;
beforeEach(() => {
  mocks = mockAws();
});
afterEach(() => mocks.restore());

const OLD_ARN = CLUSTER_ARN[ACTIVE] as string;
const MONITOR = MONITOR_REQUEST;
const AUTHORITY = { required: true, reasons: ["failover.authority is approval", "lag unknown"], kinds: ["authority" as const, "rpo" as const], granted: false, timedOut: false };

function world(options: ConstructorParameters<typeof OrchestratorWorld>[1] = {}): OrchestratorWorld {
  return new OrchestratorWorld(mocks, options);
}

function subjects(): (string | undefined)[] {
  return mocks.sns.commandCalls(PublishCommand).map((c) => c.args[0].input.Subject);
}

function fenceWrites(): Record<string, Plain>[] {
  return putItems(mocks.dynamodb, CONTROL_KEYS.fence(ACTIVE));
}

function deletes(dynamodb: AwsMocks["dynamodb"]): (string | undefined)[] {
  return dynamodb.commandCalls(DeleteItemCommand).map((c) => c.args[0].input.Key?.[TABLE_KEY]?.S);
}

function registered(autoscaling: AwsClientStub<ApplicationAutoScalingClient>): { min?: number; max?: number }[] {
  return autoscaling.commandCalls(RegisterScalableTargetCommand).map((c) => ({ min: c.args[0].input.MinCapacity, max: c.args[0].input.MaxCapacity }));
}

function lastEvent(state: FailoverState): unknown {
  return state.run?.timeline.at(-1);
}

/** The own state table answers `key` with `error`; every other item as the world holds it. */
function failGetOf(w: OrchestratorWorld, key: string, error: Error): void {
  mocks.dynamodb.on(GetItemCommand).callsFake((input: GetItemCommandInput) => {
    const asked = input.Key?.[TABLE_KEY]?.S ?? "";
    if (asked === key) throw error;
    const item = w.items.get(asked);
    return item ? { Item: toItem(item) } : {};
  });
}

/** The own state table refuses the PutItem of `key` with `error`; every other PutItem succeeds. */
function failPutOf(key: string, error: () => Error): void {
  mocks.dynamodb.on(PutItemCommand).callsFake((input: PutItemCommandInput) => {
    if (input.Item?.[TABLE_KEY]?.S === key) throw error();
    return {};
  });
}

const ourFence = () => fenceItem(ACTIVE, { by: EXEC });
const fencedRun = (fields: Partial<RunRecord> = {}) => runRecord({ fence: fenced(), decision: { at: "", kind: "stand-down", reason: "the evidence no longer holds" }, ...fields });
const failure = (Error: string, Cause?: string) => ({ error: Cause === undefined ? { Error } : { Error, Cause } });

// ---------------------------------------------------------------------------------------------
describe("requestApproval: the page", () => {
  it("names what is to be approved, where, why, on which evidence, and how to answer", async () => {
    const w = world();
    const r = runRecord({
      intended: "failover",
      decision: { at: new Date(T0).toISOString(), kind: "switchover", reason: "synchronized primary" },
      approval: AUTHORITY,
      decisionEvidence: evidenceRecord({ summary: "decided on this", replicationLagMs: 700 }),
      assessment: evidenceRecord({ summary: "assessed on that", replicationLagMs: 100 }),
    });
    await requestApproval(w.deps, stateOf(r, { ...MONITOR, reason: "game day", incidentId: "i-9" }), "token-1", "RequestDecisionApproval");
    expect(subjects()).toEqual([`[DR ${ENVIRONMENT}] Approve switchover to ${STANDBY}?`]);
    const approve = `npm run approve -- --region ${STANDBY} --table ${STATE_TABLE} --execution ${EXEC} --request RequestDecisionApproval --approver "<your name>"`;
    expect(published(mocks.sns)).toEqual([
      {
        kind: "failover-approval-request",
        environment: ENVIRONMENT,
        executionId: EXEC,
        mode: "failover",
        targetRegion: STANDBY,
        globalClusterId: GLOBAL_ID,
        intended: "switchover",
        why: ["failover.authority is approval", "lag unknown"],
        evidence: "decided on this",
        replicationLagMs: 700,
        rpoSeconds: 60,
        reason: "game day",
        incidentId: "i-9",
        request: "RequestDecisionApproval",
        approve,
        refuse: `${approve} --refuse "<why>"`,
        refuseError: expect.any(String),
      },
    ]);
    expect(mocks.sns).toHaveReceivedCommandWith(PublishCommand, { TopicArn: TOPIC_ARN[STANDBY] });
  });

  it("before any decision: the intended kind (not the request's mode) and the assessment's evidence", async () => {
    const w = world();
    const r = runRecord({ intended: "failover", decision: null, approval: AUTHORITY, decisionEvidence: null, assessment: evidenceRecord({ summary: "assessed on that", replicationLagMs: 100 }) });
    await requestApproval(w.deps, stateOf(r, { mode: "failback", requestedBy: "operator" }), "token-1", "RequestApproval");
    expect(subjects()).toEqual([`[DR ${ENVIRONMENT}] Approve failover to ${STANDBY}?`]);
    expect(published(mocks.sns)[0]).toMatchObject({ mode: "failback", intended: "failover", evidence: "assessed on that", replicationLagMs: 100, reason: null, incidentId: null });
  });

  it("a run without evidence pages none", async () => {
    const w = world();
    const r = runRecord({ approval: AUTHORITY, decisionEvidence: null, assessment: null });
    await requestApproval(w.deps, stateOf(r, MONITOR), "token-1", "RequestApproval");
    expect(published(mocks.sns)[0]).toMatchObject({ evidence: null, replicationLagMs: null });
  });

  it("a state without a run asks about the request's mode, with no reasons and no evidence", async () => {
    const w = world();
    await requestApproval(w.deps, stateOf(undefined, { mode: "failback", requestedBy: "operator" }), "token-1", "RequestApproval");
    expect(subjects()).toEqual([`[DR ${ENVIRONMENT}] Approve failback to ${STANDBY}?`]);
    expect(published(mocks.sns)[0]).toMatchObject({ mode: "failback", intended: null, why: [], evidence: null, replicationLagMs: null });
  });

  it("keeps the subject within SNS's 100 characters", async () => {
    const environment = "e".repeat(120);
    const w = world({ env: { ENVIRONMENT: environment } });
    await requestApproval(w.deps, stateOf(runRecord({ approval: AUTHORITY }), MONITOR), "token-1", "RequestApproval");
    expect(subjects()).toEqual([`[DR ${environment}] Approve failover to ${STANDBY}?`.slice(0, 100)]);
  });

  it("refuses a state without a request, a missing task token and a bad asking state, saying what it needs", async () => {
    const w = world();
    await expect(requestApproval(w.deps, undefined as unknown as FailoverState, "token-1", "RequestApproval")).rejects.toMatchObject({
      name: ERROR_NAMES.preconditionFailed,
      message: "The execution input (request) is missing",
    });
    await expect(requestApproval(w.deps, stateOf(runRecord(), MONITOR), undefined, "RequestApproval")).rejects.toMatchObject({
      name: ERROR_NAMES.preconditionFailed,
      message: expect.stringContaining("taskToken"),
    });
    await expect(requestApproval(w.deps, stateOf(runRecord(), MONITOR), "token-1", "Request#Approval")).rejects.toMatchObject({
      name: ERROR_NAMES.preconditionFailed,
      message: expect.stringContaining('got "Request#Approval"'),
    });
    expect(mocks.sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it("names the call that kept failing", async () => {
    const w = world();
    mocks.sns.on(PublishCommand).rejects(throttling());
    await expect(requestApproval(w.deps, stateOf(runRecord(), MONITOR), "token-1", "RequestApproval")).rejects.toMatchObject({
      name: ERROR_NAMES.transient,
      message: expect.stringMatching(/^Publish failed after \d+ attempts/),
    });
  });
});

// ---------------------------------------------------------------------------------------------
describe("the audit record", () => {
  it("holds the whole run and what the request said, from the run's first event to the end", async () => {
    const w = world();
    w.timing.advance(90_000);
    const r = runRecord({
      decision: { at: new Date(T0).toISOString(), kind: "failover", reason: "region down on independent evidence" },
      strategy: "unplanned",
      promotion: "requested",
      promotionRequestedAt: new Date(T0 + 60_000).toISOString(),
      approval: { ...AUTHORITY, granted: true, approvedBy: ["ana"] },
      dataLoss: { kind: "estimated", estimatedMs: 5_800, reason: "lag at promotion", stores: null },
      replicationLagMsAtPromotion: 800,
      rpoLagMsAtPromotion: 900,
    });
    const state = await complete(w.deps, stateOf(r, { ...MONITOR, reason: "game day", incidentId: "i-9" }));
    const [audit] = putItems(mocks.dynamodb, auditKey(EXEC));
    expect(audit).toEqual({
      [TABLE_KEY]: auditKey(EXEC),
      kind: "failover-audit",
      executionId: EXEC,
      outcome: "completed",
      mode: "failover",
      requestedBy: "health-monitor",
      globalClusterId: GLOBAL_ID,
      newRegion: STANDBY,
      oldRegion: ACTIVE,
      newWriterArn: CLUSTER_ARN[STANDBY],
      oldWriterArn: OLD_ARN,
      decision: "failover",
      decisionReason: "region down on independent evidence",
      strategy: "unplanned",
      promotion: "requested",
      promotionRequestedAt: new Date(T0 + 60_000).toISOString(),
      dataLossKind: "estimated",
      estimatedDataLossMs: 5_800,
      dataLossReason: "lag at promotion",
      dataLossWindow: null,
      replicationLagMsAtPromotion: 800,
      rpoLagMsAtPromotion: 900,
      rpoSeconds: 60,
      approvalReasons: ["failover.authority is approval", "lag unknown"],
      approvalGranted: true,
      approvedBy: ["ana"],
      reason: "game day",
      incidentId: "i-9",
      startedAt: new Date(T0).toISOString(),
      finishedAt: new Date(T0 + 90_000).toISOString(),
      error: null,
      record: expect.any(String),
    });
    expect(JSON.parse(String(audit?.record))).toEqual(state.run);
  });

  it("a failure before any run and without a request is audited with no reason, incident or decision reason", async () => {
    const w = world();
    await abort(w.deps, { executionId: EXEC, ...failure("LockHeldError", "held") } as FailoverState);
    expect(putItems(mocks.dynamodb, auditKey(EXEC))).toEqual([expect.objectContaining({ outcome: "failed", reason: null, incidentId: null, decisionReason: null, error: "LockHeldError: held" })]);
  });

  it("a write of the audit record refused for any other reason than its existence fails the step: no page, no marker, the locks kept", async () => {
    const w = world();
    failPutOf(auditKey(EXEC), () => awsError("AccessDeniedException"));
    await expect(complete(w.deps, stateOf(runRecord(), MONITOR))).rejects.toMatchObject({ name: "AccessDeniedException" });
    expect(mocks.sns).not.toHaveReceivedCommand(PublishCommand);
    expect(putItems(mocks.dynamodb, noticeKey(EXEC, "failover-completed"))).toEqual([]);
    expect(mocks.dynamodb).not.toHaveReceivedCommand(DeleteItemCommand);
  });

  it.each<[string, (w: OrchestratorWorld) => void, RegExp]>([
    ["the audit record's write", () => failPutOf(auditKey(EXEC), throttling), /^PutItem failed after \d+ attempts/],
    ["the notice marker's read", (w) => failGetOf(w, noticeKey(EXEC, "failover-failed"), throttling()), /^GetItem failed after \d+ attempts/],
    ["the page", () => mocks.sns.on(PublishCommand).rejects(throttling()), /^Publish failed after \d+ attempts/],
    ["the notice marker's write", () => failPutOf(noticeKey(EXEC, "failover-failed"), throttling), /^PutItem failed after \d+ attempts/],
    [
      "the first record's read back",
      (w) => {
        failPutOf(auditKey(EXEC), conditionFailed);
        failGetOf(w, auditKey(EXEC), throttling());
      },
      /^GetItem failed after \d+ attempts/,
    ],
  ])("names the call that kept failing: %s", async (_name, arrange, message) => {
    const w = world();
    arrange(w);
    await expect(abort(w.deps, stateOf(runRecord(), MONITOR, failure("X")))).rejects.toMatchObject({ name: ERROR_NAMES.transient, message: expect.stringMatching(message) });
  });

  it("the failure's own record keeps the first one's fields but its key", async () => {
    const w = world();
    w.items.set(auditKey(EXEC), { pk: auditKey(EXEC), kind: "failover-audit", outcome: "completed" });
    failPutOf(auditKey(EXEC), conditionFailed);
    await abort(w.deps, stateOf(runRecord(), MONITOR, failure("X", "boom")));
    expect(putItems(mocks.dynamodb, failureAuditKey(EXEC))).toEqual([expect.objectContaining({ [TABLE_KEY]: failureAuditKey(EXEC), kind: "failover-audit", outcome: "failed", error: "X: boom" })]);
  });
});

// ---------------------------------------------------------------------------------------------
describe("complete: the page and the timeline", () => {
  const done = (fields: Partial<RunRecord> = {}) =>
    runRecord({
      fence: fenced(),
      decision: { at: new Date(T0).toISOString(), kind: "failover", reason: "region down" },
      strategy: "unplanned",
      promotion: "requested",
      dataLoss: { kind: "estimated", estimatedMs: 5_800, reason: "lag at promotion", stores: null },
      ...fields,
    });

  it("pages what was done, to which region, with the run's record", async () => {
    const w = world();
    w.timing.advance(30_000);
    const state = await complete(w.deps, stateOf(done(), MONITOR));
    expect(subjects()).toEqual([`[DR ${ENVIRONMENT}] Failover to ${STANDBY} completed (failover)`]);
    const run = state.run as RunRecord;
    expect(published(mocks.sns)).toEqual([
      {
        kind: "failover-completed",
        environment: ENVIRONMENT,
        executionId: EXEC,
        outcome: "completed",
        mode: "failover",
        decision: run.decision,
        strategy: "unplanned",
        promotion: "requested",
        newRegion: STANDBY,
        oldRegion: ACTIVE,
        dataLoss: run.dataLoss,
        fence: run.fence,
        verification: null,
        error: null,
        timeline: run.timeline,
      },
    ]);
    expect(run.timeline.at(-1)).toEqual({ at: new Date(T0 + 30_000).toISOString(), step: "complete", event: "completed", detail: { dataLossMs: 5_800 } });
    expect(putItems(mocks.dynamodb, noticeKey(EXEC, "failover-completed"))).toEqual([
      { [TABLE_KEY]: noticeKey(EXEC, "failover-completed"), kind: "failover-notice", notice: "failover-completed", executionId: EXEC, sentAt: new Date(T0 + 30_000).toISOString() },
    ]);
  });

  it("logs whether it paged: sent the first time, already sent on a re-run", async () => {
    const w = world();
    await complete(w.deps, stateOf(done(), MONITOR));
    w.items.set(noticeKey(EXEC, "failover-completed"), { [TABLE_KEY]: noticeKey(EXEC, "failover-completed"), kind: "failover-notice" });
    await complete(w.deps, stateOf(done(), MONITOR));
    expect(w.logger.lines.filter((l) => l.event === "complete.done").map((l) => l.notified)).toEqual(["sent", "already-sent"]);
    expect(mocks.sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it("a failback without a decision says failback and its strategy", async () => {
    const w = world();
    await complete(w.deps, stateOf(done({ mode: "failback", decision: null, strategy: "planned" }), MONITOR));
    expect(subjects()).toEqual([`[DR ${ENVIRONMENT}] Failback to ${STANDBY} completed (planned)`]);
  });

  it("a dry run reports its failed checks and planned changes in the timeline", async () => {
    const w = world();
    const checks = [
      { name: "lock", ok: true },
      { name: "writer", ok: false, detail: "moved" },
      { name: "sync", ok: false },
    ];
    const state = await complete(w.deps, stateOf(done({ dryRun: true, checks, plan: ["raise capacity"] }), MONITOR));
    expect(state.run?.outcome).toBe("dry-run");
    expect(lastEvent(state)).toEqual({ at: new Date(T0).toISOString(), step: "complete", event: "dry-run-finished", detail: { failedChecks: 2, plannedChanges: 1 } });
  });

  it("refuses without the run, saying what it needs", async () => {
    const w = world();
    for (const state of [undefined, stateOf(undefined, MONITOR)]) {
      await expect(complete(w.deps, state as FailoverState)).rejects.toMatchObject({ name: ERROR_NAMES.preconditionFailed, message: expect.stringContaining("Step complete needs the state returned by assess") });
    }
    expect(mocks.sns).not.toHaveReceivedCommand(PublishCommand);
  });
});

// ---------------------------------------------------------------------------------------------
describe("standDown: the fence, the page and the timeline", () => {
  it("pages why it stood down, and records it with the number of rollback errors", async () => {
    const w = world();
    const state = await standDown(w.deps, stateOf(runRecord({ decision: { at: "", kind: "stand-down", reason: "the writer moved" }, intended: "failover" }), MONITOR));
    expect(subjects()).toEqual([`[DR ${ENVIRONMENT}] Failover to ${STANDBY} stood down: the writer moved`]);
    expect(published(mocks.sns)).toEqual([expect.objectContaining({ kind: "failover-stood-down", outcome: "stood-down" })]);
    expect(lastEvent(state)).toEqual({ at: new Date(T0).toISOString(), step: "standDown", event: "nothing-to-undo", detail: { reason: "the writer moved", errors: 0 } });
  });

  it("a failback stood down without a decision says so and records the intended kind", async () => {
    const w = world();
    const state = await standDown(w.deps, stateOf(runRecord({ mode: "failback", decision: null, intended: "none" }), MONITOR));
    expect(subjects()).toEqual([`[DR ${ENVIRONMENT}] Failback to ${STANDBY} stood down: nothing to do`]);
    expect(lastEvent(state)).toMatchObject({ detail: { reason: "none", errors: 0 } });
  });

  it("keeps the subject within SNS's 100 characters", async () => {
    const w = world();
    const reason = "r".repeat(150);
    await standDown(w.deps, stateOf(runRecord({ decision: { at: "", kind: "stand-down", reason } }), MONITOR));
    expect(subjects()).toEqual([`[DR ${ENVIRONMENT}] Failover to ${STANDBY} stood down: ${reason}`.slice(0, 100)]);
  });

  it("a dry run changes nothing, even with its fence written: no rollback, no audit, no page, no lock", async () => {
    const w = world({ writerRegion: "healthy", items: [ourFence()] });
    const state = await standDown(w.deps, stateOf(fencedRun({ dryRun: true }), MONITOR));
    expect(state.run?.outcome).toBe("dry-run");
    expect(lastEvent(state)).toMatchObject({ step: "standDown", event: "nothing-to-undo" });
    expect(mocks.dynamodb).not.toHaveReceivedCommand(PutItemCommand);
    expect(mocks.sns).not.toHaveReceivedCommand(PublishCommand);
    expect(mocks.dynamodb).not.toHaveReceivedCommand(DeleteItemCommand);
  });

  it("lifts no fence the run does not record as written, even one of this execution", async () => {
    const w = world({ writerRegion: "healthy", items: [ourFence()] });
    for (const fence of [null, fenced({ written: "failed" })]) {
      const state = await standDown(w.deps, stateOf(fencedRun({ fence }), MONITOR));
      expect(lastEvent(state)).toMatchObject({ event: "nothing-to-undo", detail: { errors: 0 } });
    }
    expect(fenceWrites()).toEqual([]);
  });

  it("keeps the fence once the run asked for a promotion, even when the lock does not say so, and counts why", async () => {
    const w = world({ writerRegion: "healthy", items: [ourFence()] });
    const state = await standDown(w.deps, stateOf(fencedRun({ promotion: "requested" }), MONITOR));
    expect(fenceWrites()).toEqual([]);
    expect(lastEvent(state)).toMatchObject({ event: "nothing-to-undo", detail: { errors: 1 } });
  });

  it("an unreadable lock does not keep it from lifting its fence (the run itself says nothing was promoted)", async () => {
    const w = world({ writerRegion: "healthy", items: [ourFence()] });
    failGetOf(w, LOCK_KEY, awsError("AccessDeniedException"));
    const state = await standDown(w.deps, stateOf(fencedRun(), MONITOR));
    expect(fenceWrites()).toEqual([expect.objectContaining({ fenced: false, by: EXEC })]);
    expect(lastEvent(state)).toMatchObject({ event: "fence-rolled-back", detail: { errors: 0 } });
  });

  it("has nothing to undo when the fence item is gone or is another execution's", async () => {
    for (const items of [[], [fenceItem(ACTIVE, { by: OTHER_EXEC })], [fenceItem(ACTIVE, { by: EXEC, fenced: false })]]) {
      mocks.dynamodb.resetHistory();
      const w = world({ writerRegion: "healthy", items });
      const state = await standDown(w.deps, stateOf(fencedRun(), MONITOR));
      expect(lastEvent(state)).toMatchObject({ event: "nothing-to-undo", detail: { errors: 0 } });
      expect(fenceWrites()).toEqual([]);
    }
  });

  it("lifts its fence when no writer is visible, leaving the old region at the standby minimum with its gate closed", async () => {
    const w = world({ global: { writer: null }, items: [ourFence()] });
    givenGate(mocks.peer.elb, false, ACTIVE);
    givenScalableTarget(mocks.peer.autoscaling, 0, 0);
    const state = await standDown(w.deps, stateOf(fencedRun(), MONITOR));
    expect(fenceWrites()).toEqual([expect.objectContaining({ fenced: false, by: EXEC })]);
    expect(mocks.peer.elb).not.toHaveReceivedCommand(ModifyRuleCommand);
    expect(registered(mocks.peer.autoscaling)).toEqual([{ min: STANDBY_MIN, max: MAX }]);
    expect(lastEvent(state)).toMatchObject({ event: "fence-rolled-back", detail: { errors: 0 } });
  });

  it("counts the old writer's gate and capacity it could not restore, and still lifts the fence", async () => {
    const w = world({ writerRegion: "healthy", items: [ourFence()] });
    givenGate(mocks.peer.elb, false, ACTIVE);
    givenScalableTarget(mocks.peer.autoscaling, 0, 0);
    mocks.peer.elb.on(ModifyRuleCommand).rejects(awsError("AccessDeniedException"));
    mocks.peer.autoscaling.on(RegisterScalableTargetCommand).rejects(awsError("AccessDeniedException"));
    const state = await standDown(w.deps, stateOf(fencedRun(), MONITOR));
    expect(fenceWrites()).toEqual([expect.objectContaining({ fenced: false })]);
    expect(registered(mocks.peer.autoscaling)).toEqual([{ min: ACTIVE_MIN, max: MAX }]);
    expect(lastEvent(state)).toMatchObject({ event: "fence-rolled-back", detail: { errors: 2 } });
  });

  it("counts the standby capacity it could not restore when the old region is no longer the writer", async () => {
    const w = world({ global: { writer: STANDBY }, items: [ourFence()] });
    givenScalableTarget(mocks.peer.autoscaling, 0, 0);
    mocks.peer.autoscaling.on(RegisterScalableTargetCommand).rejects(awsError("AccessDeniedException"));
    const state = await standDown(w.deps, stateOf(fencedRun(), MONITOR));
    expect(fenceWrites()).toEqual([expect.objectContaining({ fenced: false })]);
    expect(lastEvent(state)).toMatchObject({ event: "fence-rolled-back", detail: { errors: 1 } });
  });

  it("refuses without the run, saying what it needs", async () => {
    const w = world();
    for (const state of [undefined, stateOf(undefined, MONITOR)]) {
      await expect(standDown(w.deps, state as FailoverState)).rejects.toMatchObject({ name: ERROR_NAMES.preconditionFailed, message: expect.stringContaining("Step standDown needs the state returned by assess") });
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe("abort: the failure as recorded and paged", () => {
  it("pages the failure with its error, and records it in the timeline", async () => {
    const w = world();
    const state = await abort(w.deps, stateOf(runRecord(), MONITOR, failure("States.TaskFailed", JSON.stringify({ errorType: "X", errorMessage: "boom" }))));
    expect(subjects()).toEqual([`[DR ${ENVIRONMENT}] Failover to ${STANDBY} FAILED: States.TaskFailed`]);
    expect(published(mocks.sns)).toEqual([expect.objectContaining({ kind: "failover-failed", outcome: "failed", error: { name: "States.TaskFailed", message: "boom" } })]);
    expect(lastEvent(state)).toEqual({ at: new Date(T0).toISOString(), step: "abort", event: "failed", detail: { error: "States.TaskFailed", message: "boom", fenceRolledBack: false } });
    expect(state.run?.lockExpiresAt).toBeNull();
  });

  it("a failback's failure says failback", async () => {
    const w = world();
    await abort(w.deps, stateOf(runRecord({ mode: "failback" }), MONITOR, failure("WriterNotReadyError", "{}")));
    expect(subjects()).toEqual([`[DR ${ENVIRONMENT}] Failback to ${STANDBY} FAILED: WriterNotReadyError`]);
  });

  it.each<[string, Partial<FailoverState>, { name: string; message: string }]>([
    ["no error at all", {}, { name: "Unknown", message: "no error in state" }],
    ["an error without a cause", failure("X"), { name: "X", message: "" }],
    ["a plain-text cause", failure("X", "it broke"), { name: "X", message: "it broke" }],
    ["a JSON cause without an error message", failure("X", '{"errorType":"Y"}'), { name: "X", message: '{"errorType":"Y"}' }],
    ["a JSON cause whose error message is not a string", failure("X", '{"errorMessage":5}'), { name: "X", message: '{"errorMessage":5}' }],
    ["a Lambda error's cause", failure("X", '{"errorType":"Y","errorMessage":"boom"}'), { name: "X", message: "boom" }],
  ])("reads the error from the state: %s", async (_name, extra, error) => {
    const w = world();
    const state = await abort(w.deps, stateOf(runRecord(), MONITOR, extra));
    expect(state.run?.error).toEqual(error);
    expect(putItems(mocks.dynamodb, auditKey(EXEC))).toEqual([expect.objectContaining({ error: `${error.name}: ${error.message}` })]);
    expect(subjects()).toEqual([`[DR ${ENVIRONMENT}] Failover to ${STANDBY} FAILED: ${error.name}`]);
  });

  it("a failure before any run records a fresh run: nothing assessed, fenced, promoted or lost", async () => {
    const w = world();
    const request: FailoverRequest = { mode: "failback", requestedBy: "health-monitor", observedWriterArn: OLD_ARN };
    const state = await abort(w.deps, { executionId: EXEC, request, ...failure("LockHeldError", "held") });
    expect(state).toEqual({
      executionId: EXEC,
      request,
      run: {
        executionId: EXEC,
        mode: "failback",
        dryRun: false,
        requestedBy: "health-monitor",
        globalClusterId: GLOBAL_ID,
        newRegion: STANDBY,
        oldRegion: ACTIVE,
        newWriterArn: "",
        oldWriterArn: OLD_ARN,
        locks: { own: "skipped", peer: "planned" },
        assessment: null,
        intended: "none",
        approval: { required: false, reasons: [], kinds: [], granted: false, timedOut: false },
        needsApproval: false,
        rpoSeconds: 60,
        fence: null,
        drainSeconds: 0,
        decisionEvidence: null,
        decision: null,
        strategy: "none",
        promotion: "pending",
        promotionRequestedAt: null,
        replicationLagMsAtPromotion: null,
        rpoLagMsAtPromotion: null,
        dataLoss: { kind: "none", estimatedMs: null, reason: "failed before any promotion", stores: null },
        writerConfirmedAt: null,
        lockExpiresAt: null,
        capacity: null,
        gate: null,
        verification: null,
        checks: [],
        plan: [],
        timeline: [{ at: new Date(T0).toISOString(), step: "abort", event: "failed", detail: { error: "LockHeldError", message: "held", fenceRolledBack: false } }],
        outcome: "failed",
        error: { name: "LockHeldError", message: "held" },
      },
    });
    expect(subjects()).toEqual([`[DR ${ENVIRONMENT}] Failback to ${STANDBY} FAILED: LockHeldError`]);
    expect(putItems(mocks.dynamodb, auditKey(EXEC))).toEqual([expect.objectContaining({ mode: "failback", requestedBy: "health-monitor", newWriterArn: "", oldWriterArn: OLD_ARN })]);
  });

  it("a failure before any run of an operator's failover, or without any request, names an operator and no old writer", async () => {
    for (const request of [{ mode: "failover", requestedBy: "operator" } as FailoverRequest, undefined]) {
      mocks.sns.resetHistory();
      const w = world();
      const state = await abort(w.deps, { executionId: EXEC, request, ...failure("X") } as FailoverState);
      expect(state.run).toMatchObject({ mode: "failover", requestedBy: "operator", oldWriterArn: null, outcome: "failed" });
      expect(subjects()).toEqual([`[DR ${ENVIRONMENT}] Failover to ${STANDBY} FAILED: X`]);
    }
  });

  it("a rollback that fails is recorded as not rolled back, and the failure is still audited and paged", async () => {
    const w = world({ items: [ourFence()] });
    mocks.rds.on(DescribeGlobalClustersCommand).rejects(awsError("AccessDeniedException"));
    const state = await abort(w.deps, stateOf(fencedRun(), MONITOR, failure("X")));
    expect(lastEvent(state)).toMatchObject({ step: "abort", event: "failed", detail: { fenceRolledBack: false } });
    expect(published(mocks.sns)).toEqual([expect.objectContaining({ kind: "failover-failed" })]);
  });

  it("a rolled-back fence is recorded as such", async () => {
    const w = world({ writerRegion: "healthy", items: [ourFence()] });
    const state = await abort(w.deps, stateOf(fencedRun(), MONITOR, failure("X")));
    expect(lastEvent(state)).toMatchObject({ detail: { fenceRolledBack: true } });
  });

  it("a dry run (its request before any run, or its run) sends nothing, rolls nothing back and returns the failed run", async () => {
    for (const [request, run] of [
      [{ ...MONITOR, dryRun: true }, undefined],
      [MONITOR, fencedRun({ dryRun: true })],
    ] as const) {
      const w = world({ writerRegion: "healthy", items: [ourFence()] });
      const state = await abort(w.deps, stateOf(run, request, failure("X")));
      expect(state).toEqual({ executionId: EXEC, request, run: expect.objectContaining({ dryRun: true, outcome: "failed", error: { name: "X", message: "" } }) });
    }
    expect(mocks.dynamodb).not.toHaveReceivedCommand(PutItemCommand);
    expect(mocks.sns).not.toHaveReceivedCommand(PublishCommand);
    expect(mocks.dynamodb).not.toHaveReceivedCommand(DeleteItemCommand);
  });

  // The rollback's outcome (why the old region's fence stays, or what could not be restored) is in no page or audit
  // field: the failover.failed log line is where the on-call engineer reads it.
  describe("logs what became of the fence", () => {
    const rollbackLogged = (w: OrchestratorWorld) => w.logger.lines.find((l) => l.event === "failover.failed")?.rollback;

    it("skipped: nothing was fenced", async () => {
      const w = world();
      await abort(w.deps, stateOf(runRecord(), MONITOR, failure("X")));
      expect(rollbackLogged(w)).toEqual({ rolledBack: false, status: "skipped", errors: [] });
    });

    it("skipped: a promotion was asked for, and it says so", async () => {
      const w = world({ writerRegion: "healthy", items: [ourFence()] });
      await abort(w.deps, stateOf(fencedRun({ promotion: "requested" }), MONITOR, failure("X")));
      expect(rollbackLogged(w)).toEqual({ rolledBack: false, status: "skipped", errors: [expect.stringContaining("promotion")] });
    });

    it("unchanged: the fence is another execution's", async () => {
      const w = world({ writerRegion: "healthy", items: [fenceItem(ACTIVE, { by: OTHER_EXEC })] });
      await abort(w.deps, stateOf(fencedRun(), MONITOR, failure("X")));
      expect(rollbackLogged(w)).toEqual({ rolledBack: false, status: "unchanged", errors: [] });
    });

    it("done, naming the old region's gate and capacity it could not restore", async () => {
      const w = world({ writerRegion: "healthy", items: [ourFence()] });
      givenGate(mocks.peer.elb, false, ACTIVE);
      givenScalableTarget(mocks.peer.autoscaling, 0, 0);
      mocks.peer.elb.on(ModifyRuleCommand).rejects(awsError("AccessDeniedException", "no gate"));
      mocks.peer.autoscaling.on(RegisterScalableTargetCommand).rejects(awsError("AccessDeniedException", "no capacity"));
      await abort(w.deps, stateOf(fencedRun(), MONITOR, failure("X")));
      expect(rollbackLogged(w)).toEqual({
        rolledBack: true,
        status: "done",
        errors: [`gate in ${ACTIVE}: AccessDeniedException: no gate`, `capacity in ${ACTIVE}: AccessDeniedException: no capacity`],
      });
    });

    it("done, naming the standby capacity it could not restore", async () => {
      const w = world({ global: { writer: STANDBY }, items: [ourFence()] });
      givenScalableTarget(mocks.peer.autoscaling, 0, 0);
      mocks.peer.autoscaling.on(RegisterScalableTargetCommand).rejects(awsError("AccessDeniedException", "no capacity"));
      await abort(w.deps, stateOf(fencedRun(), MONITOR, failure("X")));
      expect(rollbackLogged(w)).toEqual({ rolledBack: true, status: "done", errors: [`capacity in ${ACTIVE}: AccessDeniedException: no capacity`] });
    });

    it("failed, with the error that stopped it", async () => {
      const w = world({ items: [ourFence()] });
      mocks.rds.on(DescribeGlobalClustersCommand).rejects(awsError("AccessDeniedException", "no view"));
      await abort(w.deps, stateOf(fencedRun(), MONITOR, failure("X")));
      expect(rollbackLogged(w)).toEqual({ rolledBack: false, status: "failed", errors: [expect.stringContaining("no view")] });
    });
  });

  it("refuses a state without an execution id, saying so", async () => {
    const w = world();
    for (const state of [undefined, {}, { executionId: "" }, { executionId: 5 }]) {
      await expect(abort(w.deps, state as unknown as FailoverState)).rejects.toMatchObject({ name: ERROR_NAMES.preconditionFailed, message: "abort needs state.executionId" });
    }
    expect(mocks.dynamodb).not.toHaveReceivedCommand(PutItemCommand);
    expect(mocks.sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it("keeps the lock's expiry when this region's lock could not be released", async () => {
    const w = world();
    mocks.dynamodb.on(DeleteItemCommand).rejects(conditionFailed());
    const state = await abort(w.deps, stateOf(runRecord(), MONITOR, failure("X")));
    expect(deletes(mocks.dynamodb)).toEqual([LOCK_KEY]);
    expect(state.run?.lockExpiresAt).toBe(runRecord().lockExpiresAt);
  });
});
