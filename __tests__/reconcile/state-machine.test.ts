/**
 * The reconciliation state machine AS SYNTHESIZED (config/dev.json, ops-us-east-2),
 * run by the drill's ASL runner on a virtual clock with the real step handler
 * over the two-region stand-in (aws.ts): the approved path, a refusal, an
 * approval that never comes, nothing to replay, and a returned region that
 * never answers.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { LocalRunbook } from "../../drill/asl/local-runbook";
import { VirtualClock } from "../../drill/clock";
import { TerraformApp } from "../../drill/terraform/app";
import { loadReconcilerConfig } from "../../lambda/reconciler/config";
import { createStepHandler } from "../../lambda/reconciler/steps";
import { RECONCILIATION_STATES as S } from "../../lambda/reconciler/state-machine";
import { toItem } from "../../lambda/shared/dynamo";
import { createLogger } from "../../lambda/shared/log";
import { createCaller } from "../../lambda/shared/retry";
import { logDocument } from "../../lambda/transaction-processor/log-object";
import { TransactionRecord } from "../../lambda/transaction-processor/record";
import { auditKey } from "../../lambda/failover-orchestrator/report";
import { configVariant } from "../support/config";
import { synthConfig } from "../support/synth";
import { FakeAws } from "./aws";
import { NEW, OLD, record } from "./fakes";

const TABLE = "txdr-txmeta-dev";
const STATE_TABLE = "txdr-failover-lock-dev";
const OWN_BUCKET = "txdr-txlogs-usw2-dev";
const PEER_BUCKET = "txdr-txlogs-use1-dev";
const FAILOVER = "arn:aws:states:us-west-2:111122223333:execution:txdr-failover-dev:failover-txdr-global-dev-20250101T000500Z-0a1b2c3d4e-a1";

let definition: string;
let aws: FakeAws;
let clock: VirtualClock;
let runbook: LocalRunbook;

beforeAll(() => {
  const app = TerraformApp.of(synthConfig(configVariant("dev")).stacks);
  const sm = app.resources("aws_sfn_state_machine").find((r) => r.region === "us-east-2" && String(r.body.name).includes("-reconcile-"));
  if (!sm) throw new Error("no reconciliation state machine in us-east-2");
  definition = app.resolveString(sm.stack, String(sm.body.definition));
});

function put(region: string, r: TransactionRecord, bucket?: string): TransactionRecord {
  aws.table(region, TABLE).set(r.recordKey, toItem({ ...r }));
  if (bucket) aws.bucket(bucket).set(r.logObjectKey, { body: logDocument(r), metadata: { "payload-sha256": r.payloadSha256 } });
  return r;
}

beforeEach(() => {
  clock = new VirtualClock({ startMs: Date.parse("2025-01-01T01:00:00Z") }).install();
  aws = new FakeAws();
  aws.table(NEW, STATE_TABLE).set(
    auditKey(FAILOVER),
    toItem({
      pk: auditKey(FAILOVER),
      executionId: FAILOVER,
      strategy: "unplanned",
      oldRegion: OLD,
      newRegion: NEW,
      oldWriterArn: null,
      dataLossReason: "lag",
      dataLossWindow: { aurora: { from: null, to: null, basis: "x" }, dynamodb: { from: "2025-01-01T00:09:00.000Z", to: "2025-01-01T00:10:00.000Z", basis: "y" }, s3: { from: "2025-01-01T00:00:00.000Z", to: "2025-01-01T00:10:00.000Z", basis: "z" } },
    }),
  );
  const config = loadReconcilerConfig({
    AWS_REGION: NEW,
    ENVIRONMENT: "dev",
    PEER_REGION: OLD,
    STATE_TABLE_NAME: STATE_TABLE,
    TXMETA_TABLE_NAME: TABLE,
    TXLOGS_BUCKET_NAME: OWN_BUCKET,
    PEER_TXLOGS_BUCKET_NAME: PEER_BUCKET,
    REPORT_KMS_KEY_ARN: "arn:aws:kms:us-west-2:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
    TOPIC_ARN: "arn:aws:sns:us-west-2:111122223333:txdr-alerts-dev",
    MAX_RECORDS_PER_STEP: "2",
  });
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const call = createCaller({ policy: config.retry, sleep });
  const handler = createStepHandler({
    config,
    own: { dynamodb: new DynamoDBClient({ region: NEW }), s3: new S3Client({ region: NEW }), sns: new SNSClient({ region: NEW }), cloudwatch: new CloudWatchClient({ region: NEW }) },
    peer: { dynamodb: new DynamoDBClient({ region: OLD }), s3: new S3Client({ region: OLD }) },
    clock: () => Date.now(),
    sleep,
    call,
    peerCall: call,
    log: createLogger({}, { sink: () => undefined }),
  });
  runbook = new LocalRunbook({ definition, handler: handler as (event: unknown) => Promise<unknown>, clock, name: "txdr-reconcile-dev" });
});

afterEach(() => {
  aws.restore();
  clock.uninstall();
});

async function untilToken(): Promise<string> {
  for (let i = 0; i < 1000; i++) {
    const [pending] = runbook.sfn.pendingTokens();
    if (pending) return pending.token;
    await clock.tick(10_000);
  }
  throw new Error("no task token");
}

function incident(): TransactionRecord[] {
  const lost = [put(OLD, record("2025-01-01T00:09:58.000Z", { amount: "12.34" }), PEER_BUCKET), put(OLD, record("2025-01-01T00:09:59.000Z", { amount: "0.66" }), PEER_BUCKET), put(OLD, record("2025-01-01T00:05:00.000Z"), PEER_BUCKET)];
  const replicated = put(OLD, record("2025-01-01T00:08:00.000Z"), PEER_BUCKET);
  put(NEW, replicated, OWN_BUCKET);
  return lost;
}

describe("the emitted reconciliation state machine", () => {
  test("GIVEN missing transactions WHEN an operator approves THEN it settles, compares in slices, reports, pages, replays and pages again; the survivor then holds them", async () => {
    const lost = incident();
    const arn = runbook.start("reconcile-1", { failoverExecutionArn: FAILOVER, requestedBy: "health-monitor" });
    const token = await untilToken();
    const startedAt = clock.startMs;
    runbook.sfn.sendTaskSuccess("us-east-2", { taskToken: token, output: JSON.stringify({ approvedBy: "test" }) });
    const done = await runbook.finish(arn);
    expect(done.status).toBe("SUCCEEDED");
    const path = done.states.filter((s, i, all) => s !== all[i - 1]);
    expect(path).toEqual([S.locate, S.compare, S.report, S.notifyReport, S.requestApproval, S.replay, S.notifyReplayed]);
    expect(done.invocations[S.compare]).toBeGreaterThan(1);
    // The default settle time (reconciliation.settleSeconds, 120 s) passed before the comparison.
    const compareAt = done.history.find((h) => h.type === "TaskStateEntered" && (h.details?.stateEnteredEventDetails as { name?: string })?.name === S.compare)!.timestamp.getTime();
    expect(compareAt - startedAt).toBeGreaterThanOrEqual(120_000);
    for (const r of lost) expect(aws.table(NEW, TABLE).has(r.recordKey)).toBe(true);
    expect(aws.messages.map((m) => m.message.kind)).toEqual(["reconciliation-report", "reconciliation-approval-request", "reconciliation-replayed"]);
  });

  test("GIVEN the operator refuses THEN it pages the refusal and ends without writing anything", async () => {
    const lost = incident();
    const arn = runbook.start("reconcile-1", { failoverExecutionArn: FAILOVER });
    runbook.sfn.sendTaskFailure("us-east-2", { taskToken: await untilToken(), error: "Refused", cause: "checking by hand" });
    const done = await runbook.finish(arn);
    expect(done.status).toBe("SUCCEEDED");
    expect(done.states).not.toContain(S.replay);
    expect(done.states).toContain(S.notifyRefused);
    for (const r of lost) expect(aws.table(NEW, TABLE).has(r.recordKey)).toBe(false);
    expect(aws.messages.at(-1)!.message.kind).toBe("reconciliation-refused");
  });

  test("GIVEN nobody answers within reconciliation.approvalTimeoutSeconds THEN it pages that the approval expired and ends, the report standing", async () => {
    incident();
    const arn = runbook.start("reconcile-1", { failoverExecutionArn: FAILOVER });
    await untilToken();
    const done = await runbook.finish(arn, 3 * 86_400);
    expect(done.status).toBe("SUCCEEDED");
    expect(done.states).toContain(S.notifyExpired);
    expect(aws.messages.at(-1)!.message).toMatchObject({ kind: "reconciliation-expired", report: expect.stringContaining("report.json") });
  });

  test("GIVEN nothing is missing THEN it reports and ends without asking anyone", async () => {
    const arn = runbook.start("reconcile-1", { failoverExecutionArn: FAILOVER });
    const done = await runbook.finish(arn);
    expect(done.status).toBe("SUCCEEDED");
    expect(done.states).not.toContain(S.requestApproval);
    expect(aws.messages.map((m) => m.message.kind)).toEqual(["reconciliation-report"]);
  });

  test("GIVEN the returned region never answers THEN Locate is retried with backoff, then the run pages its failure and ends FAILED", async () => {
    aws.fail("Query", () => Object.assign(new Error("connect ETIMEDOUT"), { name: "TimeoutError" }), { region: OLD, times: 10_000 });
    const arn = runbook.start("reconcile-1", { failoverExecutionArn: FAILOVER });
    const done = await runbook.finish(arn);
    expect(done.status).toBe("FAILED");
    expect(done.invocations[S.locate]).toBeGreaterThan(1);
    expect(aws.messages.map((m) => m.message.kind)).toEqual(["reconciliation-failed"]);
    expect(aws.messages[0]!.message.error.message).toContain("not reachable yet");
  });
});
