/**
 * The replay of one record into the survivor (lambda/reconciler/replay.ts), against aws-sdk-client-mock: which
 * conditional writes it sends, what it reports for the record and its log object, and what it leaves alone.
 * The end-to-end replay (slices, counts in the report, a second replay) is in handler.test.ts.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { addReplayCounts, countReplay, EMPTY_REPLAY_COUNTS, replayOne, ReplayTarget } from "../../lambda/reconciler/replay";
import { toItem } from "../../lambda/shared/dynamo";
import { ERROR_NAMES } from "../../lambda/shared/errors";
import { awsError } from "./aws";
import { NEW, record } from "./fakes";

const ddb = mockClient(DynamoDBClient);
const s3 = mockClient(S3Client);
beforeEach(() => {
  ddb.reset();
  s3.reset();
});
afterAll(() => {
  ddb.restore();
  s3.restore();
});

const FROM = "2025-03-14T09:30:00.000Z";

function target(heads: Record<string, string | null> = {}): ReplayTarget {
  return {
    dynamodb: new DynamoDBClient({ region: NEW }),
    s3: new S3Client({ region: NEW }),
    call: (_operation, fn) => fn(),
    tableName: "txmeta",
    bucketName: "logs-survivor",
    kmsKeyArn: "arn:aws:kms:us-west-2:111111111111:key/k",
    objects: { head: async (key) => (key in heads ? { payloadSha256: heads[key] ?? null } : null) },
  };
}

const conditionFailed = () => awsError("ConditionalCheckFailedException", 400);
const preconditionFailed = () => awsError("PreconditionFailed", 412);

describe("replayOne", () => {
  it("writes an absent record and its log object, each only if absent", async () => {
    const r = record(FROM);
    ddb.on(PutItemCommand).resolves({});
    s3.on(PutObjectCommand).resolves({});
    expect(await replayOne(target(), r)).toEqual({ clientId: r.clientId, transactionId: r.transactionId, amount: r.amount, currency: r.currency, record: "written", object: "written" });
    expect(ddb).toHaveReceivedCommandWith(PutItemCommand, { TableName: "txmeta", ConditionExpression: expect.stringContaining("attribute_not_exists") });
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: "logs-survivor", Key: r.logObjectKey, IfNoneMatch: "*", Metadata: { "payload-sha256": r.payloadSha256 } });
    expect(ddb).not.toHaveReceivedCommand(GetItemCommand);
  });

  it("finds a record and object that arrived meanwhile with the same payload: present, present, nothing overwritten", async () => {
    const r = record(FROM);
    ddb.on(PutItemCommand).rejects(conditionFailed());
    ddb.on(GetItemCommand).resolves({ Item: toItem({ ...r }) });
    s3.on(PutObjectCommand).rejects(preconditionFailed());
    const outcome = await replayOne(target({ [r.logObjectKey]: r.payloadSha256 }), r);
    expect(outcome).toEqual({ clientId: r.clientId, transactionId: r.transactionId, amount: r.amount, currency: r.currency, record: "present", object: "present" });
    expect(ddb).toHaveReceivedCommandWith(GetItemCommand, { TableName: "txmeta", ConsistentRead: true });
  });

  it("leaves another payload under the same id alone, and does not write its log object either", async () => {
    const r = record(FROM, { transactionId: "clash", amount: "100.00" });
    const theirs = record(FROM, { transactionId: "clash", amount: "999.99", timestamp: r.timestamp });
    ddb.on(PutItemCommand).rejects(conditionFailed());
    ddb.on(GetItemCommand).resolves({ Item: toItem({ ...theirs }) });
    expect(await replayOne(target(), r)).toEqual({
      clientId: r.clientId,
      transactionId: "clash",
      amount: "100.00",
      currency: r.currency,
      record: "conflict",
      object: "skipped",
      detail: "the survivor holds another payload under this client's transactionId: left alone",
    });
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it("writes the log object of a record that is present but whose object is not", async () => {
    const r = record(FROM);
    ddb.on(PutItemCommand).rejects(conditionFailed());
    ddb.on(GetItemCommand).resolves({ Item: toItem({ ...r }) });
    s3.on(PutObjectCommand).resolves({});
    expect(await replayOne(target(), r)).toMatchObject({ record: "present", object: "written" });
  });

  it.each<[string, string | null | undefined]>([
    ["holds another payload", "f".repeat(64)],
    ["has no payload-sha256 metadata", null],
    ["is gone again when looked at", undefined],
  ])("an existing log object that %s is a conflict, left alone", async (_name, head) => {
    const r = record(FROM);
    ddb.on(PutItemCommand).resolves({});
    s3.on(PutObjectCommand).rejects(preconditionFailed());
    const outcome = await replayOne(target(head === undefined ? {} : { [r.logObjectKey]: head }), r);
    expect(outcome).toMatchObject({ record: "written", object: "conflict" });
    if (head !== undefined) expect(outcome.detail).toBe("the survivor's log object holds another payload: left alone");
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
  });

  it("a record that refused the write and then cannot be read is a transient failure (retried), not a guess", async () => {
    const r = record(FROM);
    ddb.on(PutItemCommand).rejects(conditionFailed());
    ddb.on(GetItemCommand).resolves({});
    await expect(replayOne(target(), r)).rejects.toMatchObject({
      name: ERROR_NAMES.transient,
      message: `txmeta record ${r.recordKey} vanished between the conditional write and the read`,
    });
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it("passes on a write failure that is not the condition", async () => {
    ddb.on(PutItemCommand).rejects(awsError("AccessDeniedException", 400));
    await expect(replayOne(target(), record(FROM))).rejects.toMatchObject({ name: "AccessDeniedException" });
  });
});

describe("replay counts", () => {
  it("counts each outcome's record and object, from a start", () => {
    const base = { clientId: "c", transactionId: "t", amount: "1.00", currency: "EUR" };
    const counts = countReplay([
      { ...base, record: "written", object: "written" },
      { ...base, record: "present", object: "conflict" },
      { ...base, record: "conflict", object: "skipped" },
    ]);
    expect(counts).toEqual({ records: { written: 1, present: 1, conflict: 1, skipped: 0 }, objects: { written: 1, present: 0, conflict: 1, skipped: 1 } });
    expect(countReplay([{ ...base, record: "written", object: "written" }], counts).records.written).toBe(2);
    expect(EMPTY_REPLAY_COUNTS.records.written).toBe(0);
  });

  it("adds every field of two slices' counts", () => {
    const a = { records: { written: 1, present: 2, conflict: 3, skipped: 4 }, objects: { written: 5, present: 6, conflict: 7, skipped: 8 } };
    const b = { records: { written: 10, present: 20, conflict: 30, skipped: 40 }, objects: { written: 50, present: 60, conflict: 70, skipped: 80 } };
    expect(addReplayCounts(a, b)).toEqual({ records: { written: 11, present: 22, conflict: 33, skipped: 44 }, objects: { written: 55, present: 66, conflict: 77, skipped: 88 } });
  });
});
