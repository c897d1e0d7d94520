/**
 * The reconciler's steps over the AWS SDK (aws-sdk-client-mock, a two-region
 * in-memory stand-in: aws.ts), driven in the order of the state machine:
 * locate, compare (slices), report, notify, requestApproval, replay (slices),
 * notify. Then a second replay and a second run, throttling, and a returned
 * region that does not answer yet.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { loadReconcilerConfig } from "../../lambda/reconciler/config";
import { ReconcileState, Report, ReplayResult, StepEvent } from "../../lambda/reconciler/contract";
import { ReconcilerDeps } from "../../lambda/reconciler/deps";
import { RECONCILIATION_METRICS } from "../../lambda/reconciler/names";
import { createStepHandler, runStep } from "../../lambda/reconciler/steps";
import { auditKey } from "../../lambda/failover-orchestrator/report";
import { toItem } from "../../lambda/shared/dynamo";
import { ERROR_NAMES } from "../../lambda/shared/errors";
import { createLogger } from "../../lambda/shared/log";
import { createCaller } from "../../lambda/shared/retry";
import { logDocument } from "../../lambda/transaction-processor/log-object";
import { recordFromItem, TransactionRecord } from "../../lambda/transaction-processor/record";
import { awsError, FakeAws } from "./aws";
import { NEW, OLD, record } from "./fakes";

const TABLE = "dr-prod-txmeta";
const STATE_TABLE = "dr-prod-failover-lock";
const OWN_BUCKET = "dr-prod-txlogs-usw2";
const PEER_BUCKET = "dr-prod-txlogs-use1";
const FAILOVER = "arn:aws:states:us-west-2:111122223333:execution:dr-failover-prd:failover-dr-global-prd-20250314T093000Z-0a1b2c3d4e-a1";
const NOW = Date.parse("2025-03-14T10:30:00.000Z");
const DEBIT = "DE89370400440532013000";

let aws: FakeAws;

function deps(env: Record<string, string> = {}): ReconcilerDeps {
  const config = loadReconcilerConfig({
    AWS_REGION: NEW,
    ENVIRONMENT: "prod",
    PEER_REGION: OLD,
    STATE_TABLE_NAME: STATE_TABLE,
    TXMETA_TABLE_NAME: TABLE,
    TXLOGS_BUCKET_NAME: OWN_BUCKET,
    PEER_TXLOGS_BUCKET_NAME: PEER_BUCKET,
    REPORT_KMS_KEY_ARN: "arn:aws:kms:us-west-2:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
    TOPIC_ARN: "arn:aws:sns:us-west-2:111122223333:dr-alerts-prd",
    MAX_RECORDS_PER_STEP: "3",
    RETRY_BASE_DELAY_MS: "0",
    ...env,
  });
  const sleep = async () => undefined;
  const call = createCaller({ policy: config.retry, sleep });
  return {
    config,
    own: { dynamodb: new DynamoDBClient({ region: NEW }), s3: new S3Client({ region: NEW }), sns: new SNSClient({ region: NEW }), cloudwatch: new CloudWatchClient({ region: NEW }) },
    peer: { dynamodb: new DynamoDBClient({ region: OLD }), s3: new S3Client({ region: OLD }) },
    clock: () => NOW,
    sleep,
    call,
    peerCall: call,
    log: createLogger({}, { sink: () => undefined }),
  };
}

function putRecord(region: string, r: TransactionRecord, bucket?: string): TransactionRecord {
  aws.table(region, TABLE).set(r.recordKey, toItem({ ...r }));
  if (bucket) aws.bucket(bucket).set(r.logObjectKey, { body: logDocument(r), metadata: { "payload-sha256": r.payloadSha256 } });
  return r;
}

function putAudit(overrides: Record<string, unknown> = {}): void {
  aws.table(NEW, STATE_TABLE).set(
    auditKey(FAILOVER),
    toItem({
      pk: auditKey(FAILOVER),
      kind: "failover-audit",
      executionId: FAILOVER,
      outcome: "completed",
      strategy: "unplanned",
      oldRegion: OLD,
      newRegion: NEW,
      oldWriterArn: "arn:aws:rds:us-east-1:111122223333:cluster:dr-db-use1-prd",
      promotionRequestedAt: "2025-03-14T09:40:00.000Z",
      dataLossKind: "estimated",
      estimatedDataLossMs: 6200,
      dataLossReason: "Aurora replication lag at promotion 1200 ms plus margin",
      incidentId: "20250314T093000Z-0a1b2c3d4e",
      dataLossWindow: {
        aurora: { from: "2025-03-14T09:37:58.800Z", to: "2025-03-14T09:40:05.000Z", basis: "Aurora lag 1200 ms + 5 s margin" },
        dynamodb: { from: "2025-03-14T09:37:45.000Z", to: "2025-03-14T09:40:05.000Z", basis: "global-table replication allowance 10 s + 5 s margin" },
        s3: { from: "2025-03-14T09:22:55.000Z", to: "2025-03-14T09:40:05.000Z", basis: "S3 Replication Time Control guarantee 15 min + 5 s margin" },
      },
      ...overrides,
    } as any),
  );
}

const initial = (runId: string, request: Record<string, unknown> = { failoverExecutionArn: FAILOVER, requestedBy: "health-monitor" }): ReconcileState => ({
  executionId: `arn:aws:states:us-west-2:111122223333:execution:dr-reconcile-prd:${runId}`,
  runId,
  request,
});

/** The state machine's path, step by step, with the real step handler. */
async function runToApproval(d: ReconcilerDeps, state: ReconcileState): Promise<ReconcileState> {
  const step = (s: ReconcileState, name: StepEvent["step"], extra: Partial<StepEvent> = {}) => runStep({ step: name, state: s, ...extra }, d);
  let s = await step(state, "locate");
  do s = await step(s, "compare");
  while (!s.run!.compare.done);
  s = await step(s, "report");
  s = await step(s, "notify", { kind: "report" });
  if (s.run!.report!.summary.replayable > 0) s = await step(s, "requestApproval", { taskToken: "token-1" });
  return s;
}

async function replayAll(d: ReconcilerDeps, state: ReconcileState): Promise<ReconcileState> {
  let s = state;
  do s = await runStep({ step: "replay", state: s }, d);
  while (!s.run!.replay!.done);
  return runStep({ step: "notify", state: s, kind: "replayed" }, d);
}

function ownObject(key: string) {
  return aws.bucket(OWN_BUCKET).get(key);
}

// The incident: A and E never reached the survivor; B did; C is a conflict (another payload under its id in the survivor);
// D's record replicated but not its log object; F is outside the window.
let A: TransactionRecord, B: TransactionRecord, C: TransactionRecord, D: TransactionRecord, E: TransactionRecord, F: TransactionRecord, C2: TransactionRecord;

beforeEach(() => {
  aws = new FakeAws();
  putAudit();
  A = putRecord(OLD, record("2025-03-14T09:39:58.120Z", { amount: "125.50", currency: "EUR" }), PEER_BUCKET);
  E = putRecord(OLD, record("2025-03-14T09:39:59.400Z", { amount: "0.10", currency: "USD" }), PEER_BUCKET);
  B = putRecord(OLD, record("2025-03-14T09:39:30.000Z", { amount: "7.00" }), PEER_BUCKET);
  putRecord(NEW, B, OWN_BUCKET);
  C = putRecord(OLD, record("2025-03-14T09:39:57.000Z", { transactionId: "clash-1", amount: "300.00" }), PEER_BUCKET);
  C2 = putRecord(NEW, record("2025-03-14T09:41:10.000Z", { transactionId: "clash-1", amount: "301.00", timestamp: C.timestamp }, NEW), OWN_BUCKET);
  D = putRecord(OLD, record("2025-03-14T09:30:00.000Z", { amount: "2.20", currency: "GBP" }), PEER_BUCKET);
  putRecord(NEW, D);
  F = putRecord(OLD, record("2025-03-14T09:50:00.000Z"), PEER_BUCKET);
});

afterEach(() => aws.restore());

describe("a reconciliation run, step by step as the state machine runs it", () => {
  test("GIVEN an unplanned failover's audit record WHEN the run compares and reports THEN the encrypted report lists exactly the missing records, the missing log object and the conflict, with totals per currency, and no account number", async () => {
    const s = await runToApproval(deps(), initial("reconcile-1"));
    const run = s.run!;
    expect(run.window).toMatchObject({ source: "audit", statedFrom: "2025-03-14T09:22:55.000Z", statedTo: "2025-03-14T09:40:05.000Z", from: "2025-03-14T09:22:50.000Z", to: "2025-03-14T09:40:10.000Z" });
    expect(run.compare.parts).toBeGreaterThan(1);
    const put = aws.calls.find((c) => c.operation === "PutObject" && c.input.Key === run.report!.key)!;
    expect(put.input).toMatchObject({ Bucket: OWN_BUCKET, ServerSideEncryption: "aws:kms", SSEKMSKeyId: expect.stringContaining(":key/") });
    expect(run.report!.key).toBe(`reconciliation/failover-dr-global-prd-20250314T093000Z-0a1b2c3d4e-a1/reconcile-1/report.json`);
    const body = aws.bucket(OWN_BUCKET).get(run.report!.key)!.body;
    const report = JSON.parse(body) as Report;
    expect(report.missingRecords.map((f) => f.transactionId)).toEqual([A.transactionId, E.transactionId]);
    expect(report.missingObjects.map((f) => f.transactionId)).toEqual([D.transactionId]);
    expect(report.conflicts).toEqual([expect.objectContaining({ transactionId: "clash-1", record: "conflict", survivorPayloadSha256: C2.payloadSha256 })]);
    expect(report.summary).toEqual({
      missingRecords: { count: 2, totals: { EUR: "125.50", USD: "0.10" } },
      missingObjects: { count: 1 },
      conflicts: { count: 1, totals: { EUR: "300.00" } },
      replayable: 3,
      compared: 5,
    });
    expect(report.aurora).toMatchObject({ snapshotPattern: "rds:unplanned-global-failover-dr-db-use1-prd-*", oldRegion: OLD });
    expect(body).not.toContain(DEBIT);
    expect(report.missingRecords.map((f) => f.transactionId)).not.toContain(F.transactionId);
  });

  test("GIVEN the report THEN one page summarizes it (counts, totals, where the report is) and the approval page carries the token and both commands", async () => {
    await runToApproval(deps(), initial("reconcile-1"));
    const [summary, approval] = aws.messages;
    expect(summary!.subject).toBe("[DR prod] Reconciliation with us-east-1: 2 missing, 1 log objects, 1 conflicts");
    expect(summary!.message).toMatchObject({
      kind: "reconciliation-report",
      missingRecords: { count: 2, totalsByCurrency: { EUR: "125.50", USD: "0.10" }, ids: { first: [A.recordKey, E.recordKey], more: 0 } },
      conflicts: { count: 1, ids: { first: [C.recordKey] } },
      report: expect.stringMatching(/^s3:\/\/dr-prod-txlogs-usw2\/reconciliation\/.*\/report\.json$/),
    });
    expect(approval!.message).toMatchObject({
      kind: "reconciliation-approval-request",
      taskToken: "token-1",
      approve: expect.stringContaining("aws stepfunctions send-task-success --region us-west-2"),
      refuse: expect.stringContaining("send-task-failure --region us-west-2 --error Refused"),
    });
    const published = aws.metrics.flatMap((m) => m.data.map((d: any) => [d.MetricName, d.Value, d.Dimensions.find((x: any) => x.Name === "Currency")?.Value ?? null]));
    expect(published).toEqual(
      expect.arrayContaining([
        [RECONCILIATION_METRICS.missingRecords, 2, null],
        [RECONCILIATION_METRICS.missingObjects, 1, null],
        [RECONCILIATION_METRICS.conflicts, 1, null],
        [RECONCILIATION_METRICS.missingAmount, 125.5, "EUR"],
        [RECONCILIATION_METRICS.missingAmount, 0.1, "USD"],
      ]),
    );
  });

  test("GIVEN the approval WHEN the replay runs THEN the missing records and objects are written into the survivor with conditional writes only, the conflict is left alone, and nothing is written to the returned region", async () => {
    const d = deps();
    const s = await replayAll(d, await runToApproval(d, initial("reconcile-1")));
    expect(s.run!.replay!.counts).toEqual({ records: { written: 2, present: 1, conflict: 0, skipped: 0 }, objects: { written: 3, present: 0, conflict: 0, skipped: 0 } });
    const survivor = aws.table(NEW, TABLE);
    expect(recordFromItem(survivor.get(A.recordKey)!)).toEqual(A);
    expect(recordFromItem(survivor.get(E.recordKey)!)).toEqual(E);
    expect(recordFromItem(survivor.get(C2.recordKey)!).payloadSha256).toBe(C2.payloadSha256);
    expect(ownObject(D.logObjectKey)!.body).toBe(logDocument(D));
    expect(ownObject(A.logObjectKey)!.metadata).toEqual({ "payload-sha256": A.payloadSha256 });
    const writes = aws.calls.filter((c) => c.operation === "PutItem" || (c.operation === "PutObject" && c.input.Key.startsWith("transactions/")));
    expect(writes.every((c) => c.region === NEW)).toBe(true);
    for (const w of writes.filter((c) => c.operation === "PutItem")) expect(w.input.ConditionExpression).toBe("attribute_not_exists(recordKey)");
    for (const w of writes.filter((c) => c.operation === "PutObject")) expect(w.input).toMatchObject({ IfNoneMatch: "*", ServerSideEncryption: "aws:kms" });
    const result = JSON.parse(ownObject(s.run!.replay!.resultKey!)!.body) as ReplayResult;
    expect(result.outcomes.map((o) => [o.transactionId, o.record, o.object]).sort()).toEqual(
      [
        [A.transactionId, "written", "written"],
        [E.transactionId, "written", "written"],
        [D.transactionId, "present", "written"],
      ].sort(),
    );
    expect(aws.messages.at(-1)!.message).toMatchObject({ kind: "reconciliation-replayed", records: { written: 2 }, objects: { written: 3 } });
  });

  test("GIVEN a finished replay WHEN the same replay set is replayed again THEN nothing is written (every conditional write finds the data)", async () => {
    const d = deps();
    const first = await replayAll(d, await runToApproval(d, initial("reconcile-1")));
    const writesBefore = aws.count("PutItem", NEW, "ok") + aws.calls.filter((c) => c.operation === "PutObject" && c.input.Key.startsWith("transactions/") && c.outcome === "ok").length;
    const again = await replayAll(d, { ...first, runId: "reconcile-1-again", run: { ...first.run!, prefix: "reconciliation/x/again/", replay: null } });
    expect(again.run!.replay!.counts).toEqual({ records: { written: 0, present: 3, conflict: 0, skipped: 0 }, objects: { written: 0, present: 3, conflict: 0, skipped: 0 } });
    const writesAfter = aws.count("PutItem", NEW, "ok") + aws.calls.filter((c) => c.operation === "PutObject" && c.input.Key.startsWith("transactions/") && c.outcome === "ok").length;
    expect(writesAfter).toBe(writesBefore);
  });

  test("GIVEN a replay done WHEN a second run compares the same failover THEN it finds only the conflict and asks no approval", async () => {
    const d = deps();
    await replayAll(d, await runToApproval(d, initial("reconcile-1")));
    const second = await runToApproval(d, initial("reconcile-2"));
    expect(second.run!.report!.summary).toMatchObject({ missingRecords: { count: 0 }, missingObjects: { count: 0 }, conflicts: { count: 1 }, replayable: 0 });
    expect(aws.messages.filter((m) => m.message.kind === "reconciliation-approval-request")).toHaveLength(1);
  });

  test("GIVEN a record that replication brought to the survivor between the comparison and the replay THEN the replay counts it present and writes nothing for it", async () => {
    const d = deps();
    const s = await runToApproval(d, initial("reconcile-1"));
    putRecord(NEW, A, OWN_BUCKET);
    const done = await replayAll(d, s);
    const outcome = (JSON.parse(ownObject(done.run!.replay!.resultKey!)!.body) as ReplayResult).outcomes.find((o) => o.transactionId === A.transactionId);
    expect(outcome).toMatchObject({ record: "present", object: "present" });
  });

  test("GIVEN a dry run THEN the report is written and paged, and the replay step refuses to run", async () => {
    const d = deps();
    const s = await runToApproval(d, initial("dry", { failoverExecutionArn: FAILOVER, dryRun: true }));
    expect(aws.messages[0]!.message.next).toBe("dry run: nothing is replayed");
    await expect(runStep({ step: "replay", state: s }, d)).rejects.toMatchObject({ name: ERROR_NAMES.preconditionFailed });
  });

  test("GIVEN an operator's window instead of a failover THEN the same comparison runs over it, filed under the window", async () => {
    const s = await runToApproval(deps(), initial("manual-1", { from: "2025-03-14T09:39:50Z", to: "2025-03-14T09:40:00Z" }));
    expect(s.run!.incidentKey).toBe("window-20250314T093950Z-20250314T094000Z");
    expect(s.run!.report!.summary).toMatchObject({ missingRecords: { count: 2 }, conflicts: { count: 1 }, missingObjects: { count: 0 } });
  });
});

describe("failures", () => {
  test("GIVEN the returned region's index throttles twice THEN the calls are retried and the comparison completes", async () => {
    aws.fail("Query", () => awsError("ThrottlingException", 400, "Rate exceeded"), { region: OLD, times: 2 });
    const s = await runToApproval(deps(), initial("reconcile-1"));
    expect(s.run!.report!.summary.missingRecords.count).toBe(2);
    expect(aws.count("Query", OLD, "injected")).toBe(2);
  });

  test("GIVEN the returned region does not answer yet THEN locate fails with a retryable error that names it, before anything is written", async () => {
    aws.fail("Query", () => Object.assign(new Error("socket hang up"), { name: "TimeoutError" }), { region: OLD, times: 100 });
    const handler = createStepHandler(deps());
    await expect(handler({ step: "locate", state: initial("reconcile-1") })).rejects.toMatchObject({
      name: ERROR_NAMES.transient,
      message: expect.stringContaining("the returned region us-east-1 is not reachable yet"),
    });
    expect(aws.count("PutObject")).toBe(0);
  });

  test("GIVEN the survivor's batch read keeps failing with a server error THEN the compare step fails retryably (the state machine retries it)", async () => {
    const d = deps();
    const s = await runStep({ step: "locate", state: initial("reconcile-1") }, d);
    aws.fail("BatchGetItem", () => awsError("InternalServerError", 500), { region: NEW, times: 100 });
    await expect(createStepHandler(d)({ step: "compare", state: s })).rejects.toMatchObject({ name: ERROR_NAMES.transient });
  });

  test("GIVEN a planned switchover's audit record THEN locate refuses: nothing to reconcile", async () => {
    putAudit({ strategy: "planned", dataLossWindow: null, dataLossKind: "none" });
    await expect(createStepHandler(deps())({ step: "locate", state: initial("reconcile-1") })).rejects.toMatchObject({
      name: ERROR_NAMES.preconditionFailed,
      message: expect.stringContaining("planned switchover"),
    });
  });

  test("GIVEN no audit record of the failover in this region THEN locate refuses and says so", async () => {
    aws.table(NEW, STATE_TABLE).clear();
    await expect(createStepHandler(deps())({ step: "locate", state: initial("reconcile-1") })).rejects.toMatchObject({ message: expect.stringContaining("no audit record") });
  });

  test("GIVEN an audit record whose end is open (old region not confirmed fenced) and start unknown THEN the window runs from now minus the lookback to now, and the report says why", async () => {
    putAudit({ dataLossWindow: { aurora: { from: null, to: null, basis: "x" }, dynamodb: { from: null, to: null, basis: "y" }, s3: { from: null, to: null, basis: "z" } }, dataLossReason: "the failure start is unknown" });
    const s = await runStep({ step: "locate", state: initial("reconcile-1") }, deps({ LOOKBACK_SECONDS: "3600" }));
    expect(s.run!.window).toMatchObject({ statedFrom: new Date(NOW - 3_600_000).toISOString(), statedTo: new Date(NOW).toISOString() });
    expect(s.run!.window.notes.join(" ")).toMatch(/end open.*start unknown/s);
  });

  test("GIVEN a failed run THEN the failure notice names the error", async () => {
    const d = deps();
    await runStep({ step: "notify", kind: "failed", state: { ...initial("reconcile-1"), error: { Error: "TransientError", Cause: JSON.stringify({ errorMessage: "the returned region us-east-1 is not reachable yet" }) } } }, d);
    expect(aws.messages[0]!.message).toMatchObject({ kind: "reconciliation-failed", error: { name: "TransientError", message: "the returned region us-east-1 is not reachable yet" } });
  });
});
