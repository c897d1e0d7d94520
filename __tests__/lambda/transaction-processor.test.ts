/**
 * Transaction processor with aws-sdk-client-mock: what each request sends to
 * DynamoDB and S3, what it answers, and what it logs.
 */
import "aws-sdk-client-mock-jest";
import * as path from "path";
import { AttributeValue, DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, PutObjectCommandInput, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { toItem } from "../../lambda/shared/dynamo";
import { ConfigurationError } from "../../lambda/shared/errors";
import { loadProcessorConfig } from "../../lambda/transaction-processor/config";
import { createHandler, Handler } from "../../lambda/transaction-processor/handler";
import { logDocument, logObjectKey } from "../../lambda/transaction-processor/log-object";
import { canonicalJson, parseTransaction, payloadSha256 } from "../../lambda/transaction-processor/payload";
import { newRecord, recordFromItem, TransactionRecord } from "../../lambda/transaction-processor/record";
import { awsError, fakeTiming, testLogger } from "./support/fixtures";
import {
  accessToken,
  albEvent,
  CLIENT_ID,
  CONTROL_TABLE,
  mockControlTable,
  CREDIT,
  DEBIT,
  processorDeps,
  processorEnv,
  REFERENCE,
  responseBody,
  TX_BUCKET,
  TX_ID,
  TX_OTHER_REGION,
  TX_REGION,
  TX_TABLE,
  validBody,
} from "./support/transactions";

const dynamodb = mockClient(DynamoDBClient);
const s3 = mockClient(S3Client);

const NOW = Date.UTC(2025, 2, 14, 9, 30, 0);
const EXPECTED_KEY = `transactions/${CLIENT_ID}/2025/03/14/${TX_ID}.json`;
const RECORD_KEY = `${CLIENT_ID}#${TX_ID}`;

const conditionFailed = () => awsError("ConditionalCheckFailedException", "The conditional request failed");
const ddbThrottled = () => awsError("ProvisionedThroughputExceededException", "The level of configured provisioned throughput for the table was exceeded.");
const slowDown = () => awsError("SlowDown", "Please reduce your request rate.", "server", 503);
const preconditionFailed = () => awsError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", "client", 412);

let timing: ReturnType<typeof fakeTiming>;
let logger: ReturnType<typeof testLogger>;
let handle: Handler;

function setup(env: Record<string, string | undefined> = {}): void {
  timing = fakeTiming(NOW);
  logger = testLogger(timing.clock);
  handle = createHandler(processorDeps({ env, timing, log: logger.log }));
}

/** The record as it would be stored for `body`, first received in `region` at `atMs`. */
function storedRecord(body: Record<string, unknown>, region: string, atMs: number): TransactionRecord {
  const transaction = parseTransaction(JSON.stringify(body));
  return newRecord(CLIENT_ID, transaction, payloadSha256(transaction), region, atMs, 400);
}

function storedItem(record: TransactionRecord): Record<string, AttributeValue> {
  return toItem({ ...record });
}

/** The single "transaction.request" log line. */
function requestLine(): Record<string, unknown> {
  const lines = logger.lines.filter((l) => l.event === "transaction.request");
  expect(lines).toHaveLength(1);
  return lines[0];
}

function putObjectInput(index = 0): PutObjectCommandInput {
  return s3.commandCalls(PutObjectCommand)[index].args[0].input;
}

beforeEach(() => {
  dynamodb.reset();
  s3.reset();
  dynamodb.on(PutItemCommand).resolves({});
  dynamodb.on(GetItemCommand).resolves({});
  s3.on(PutObjectCommand).resolves({ ETag: '"etag-1"' });
  setup();
});

describe("recording a new transaction", () => {
  test("GIVEN a valid transaction WHEN posted THEN 201 with the record, after a conditional PutItem and an encrypted, conditional PutObject", async () => {
    const result = await handle(albEvent(validBody()), { awsRequestId: "req-1" });

    expect(result.statusCode).toBe(201);
    expect(result.statusDescription).toBe("201 Created");
    expect(result.isBase64Encoded).toBe(false);
    expect(result.headers).toEqual(expect.objectContaining({ "Content-Type": "application/json" }));
    expect(dynamodb).toHaveReceivedCommandTimes(PutItemCommand, 1);
    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: TX_TABLE,
      ConditionExpression: "attribute_not_exists(recordKey)",
      Item: expect.objectContaining({
        recordKey: { S: RECORD_KEY },
        clientId: { S: CLIENT_ID },
        transactionId: { S: TX_ID },
        amount: { S: "125.50" },
        currency: { S: "EUR" },
        debitAccount: { S: DEBIT },
        creditAccount: { S: CREDIT },
        timestamp: { S: "2025-03-14T09:15:30.000Z" },
        reference: { S: REFERENCE },
        status: { S: "RECORDED" },
        region: { S: TX_REGION },
        receivedAt: { S: "2025-03-14T09:30:00.000Z" },
        expiresAt: { N: String(NOW / 1000 + 400 * 86_400) },
        payloadSha256: { S: expect.stringMatching(/^[0-9a-f]{64}$/) },
        logObjectKey: { S: EXPECTED_KEY },
      }),
    });
    expect(dynamodb).toHaveReceivedCommandTimes(GetItemCommand, 0);
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: TX_BUCKET,
      Key: EXPECTED_KEY,
      ServerSideEncryption: "aws:kms",
      ContentType: "application/json",
      IfNoneMatch: "*",
    });
    expect(putObjectInput()).not.toHaveProperty("SSEKMSKeyId");
    expect(responseBody(result)).toEqual({
      clientId: CLIENT_ID,
      transactionId: TX_ID,
      status: "RECORDED",
      amount: "125.50",
      currency: "EUR",
      debitAccount: "****3000",
      creditAccount: "****6819",
      timestamp: "2025-03-14T09:15:30.000Z",
      region: TX_REGION,
      receivedAt: "2025-03-14T09:30:00.000Z",
      payloadSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      logObjectKey: EXPECTED_KEY,
      replayed: false,
    });
    expect(requestLine()).toEqual(expect.objectContaining({ level: "info", outcome: "created", statusCode: 201, logObject: "written", requestId: "req-1" }));
  });

  test("GIVEN a valid transaction WHEN recorded THEN the log object holds the canonical transaction and the record's metadata", async () => {
    await handle(albEvent(validBody({ amount: "125.5" })));

    const document = JSON.parse(String(putObjectInput().Body)) as Record<string, Record<string, unknown>>;
    expect(document.transaction).toEqual({
      transactionId: TX_ID,
      amount: "125.50",
      currency: "EUR",
      debitAccount: DEBIT,
      creditAccount: CREDIT,
      timestamp: "2025-03-14T09:15:30.000Z",
      reference: REFERENCE,
    });
    expect(document.metadata).toEqual(expect.objectContaining({ status: "RECORDED", region: TX_REGION, receivedAt: "2025-03-14T09:30:00.000Z" }));
    expect(putObjectInput().Metadata).toEqual({ "payload-sha256": document.metadata.payloadSha256 });
  });

  test("GIVEN TXLOGS_KMS_KEY_ID is set WHEN a transaction is recorded THEN PutObject names that key", async () => {
    const keyArn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    setup({ TXLOGS_KMS_KEY_ID: keyArn });

    await handle(albEvent(validBody()));

    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { ServerSideEncryption: "aws:kms", SSEKMSKeyId: keyArn });
  });

  test("GIVEN TXMETA_RETENTION_DAYS=30 WHEN a transaction is recorded THEN expiresAt is 30 days after receipt", async () => {
    setup({ TXMETA_RETENTION_DAYS: "30" });

    await handle(albEvent(validBody()));

    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, { Item: expect.objectContaining({ expiresAt: { N: String(NOW / 1000 + 30 * 86_400) } }) });
  });

  test("GIVEN a timestamp whose local date differs from UTC WHEN recorded THEN the log key uses the UTC date of the transaction, not of receipt", async () => {
    await handle(albEvent(validBody({ timestamp: "2025-03-01T00:30:00+02:00" })));

    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Key: `transactions/${CLIENT_ID}/2025/02/28/${TX_ID}.json` });
  });

  test("GIVEN a base64-encoded body WHEN posted THEN it is decoded and recorded", async () => {
    const result = await handle(albEvent(validBody(), { base64: true }));

    expect(result.statusCode).toBe(201);
    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, { Item: expect.objectContaining({ transactionId: { S: TX_ID } }) });
  });

  test("GIVEN multi-value headers are enabled on the target group WHEN posted THEN the response uses multiValueHeaders", async () => {
    const result = await handle(albEvent(validBody(), { multiValueHeaders: true }));

    expect(result.statusCode).toBe(201);
    expect(result.headers).toBeUndefined();
    expect(result.multiValueHeaders).toEqual(expect.objectContaining({ "Content-Type": ["application/json"] }));
  });
});

describe("payload canonical form", () => {
  test("GIVEN amounts 12.3 and 12.30 and equivalent timestamps WHEN hashed THEN they are the same transaction", () => {
    const a = parseTransaction(JSON.stringify(validBody({ amount: "12.3", timestamp: "2025-03-14T10:15:30+01:00" })));
    const b = parseTransaction(JSON.stringify(validBody({ amount: "12.30", timestamp: "2025-03-14T09:15:30.000Z" })));

    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(payloadSha256(a)).toBe(payloadSha256(b));
  });

  test("GIVEN two payloads differing only in the reference WHEN hashed THEN the hashes differ", () => {
    const a = parseTransaction(JSON.stringify(validBody()));
    const b = parseTransaction(JSON.stringify(validBody({ reference: "Invoice 2025-0043" })));

    expect(payloadSha256(a)).not.toBe(payloadSha256(b));
  });
});

describe("rejected requests", () => {
  async function expectRejected(result: Awaited<ReturnType<Handler>>, statusCode: number): Promise<Record<string, unknown>> {
    expect(result.statusCode).toBe(statusCode);
    expect(dynamodb.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
    return responseBody(result);
  }

  test("GIVEN a body that is not JSON WHEN posted THEN 400 MalformedJson and no AWS call", async () => {
    const body = await expectRejected(await handle(albEvent('{"transactionId": "abc", ')), 400);

    expect(body).toEqual(expect.objectContaining({ error: "MalformedJson", message: "body is not valid JSON" }));
    expect(requestLine()).toEqual(expect.objectContaining({ outcome: "rejected", statusCode: 400, code: "MalformedJson" }));
  });

  test.each([
    ["a JSON array", "[]"],
    ["JSON null", "null"],
    ["a JSON string", '"transaction"'],
  ])("GIVEN %s as body WHEN posted THEN 400 saying the body must be an object", async (_name, text) => {
    const body = await expectRejected(await handle(albEvent(text)), 400);

    expect(body.fields).toEqual([{ field: "(body)", problem: "must be a JSON object" }]);
  });

  test.each<[string, Record<string, unknown>, string, RegExp]>([
    ["transactionId missing", { transactionId: undefined }, "transactionId", /is required/],
    ["transactionId empty", { transactionId: "" }, "transactionId", /1-64 characters/],
    ["transactionId with a space", { transactionId: "tx 1" }, "transactionId", /1-64 characters/],
    ["transactionId of 65 characters", { transactionId: "a".repeat(65) }, "transactionId", /1-64 characters/],
    ["transactionId a number", { transactionId: 42 }, "transactionId", /must be a string/],
    ["amount a JSON number", { amount: 125.5 }, "amount", /decimal string.*not a JSON number/],
    ["amount missing", { amount: undefined }, "amount", /is required/],
    ["amount zero", { amount: "0.00" }, "amount", /greater than 0/],
    ["amount negative", { amount: "-5.00" }, "amount", /greater than 0/],
    ["amount with 3 decimals", { amount: "1.234" }, "amount", /at most 2 decimals/],
    ["amount in exponent form", { amount: "1e3" }, "amount", /at most 2 decimals/],
    ["amount with a leading zero", { amount: "012.00" }, "amount", /leading zeros/],
    ["amount with 16 integer digits", { amount: "1234567890123456" }, "amount", /at most 15 integer digits/],
    ["currency lower case", { currency: "eur" }, "currency", /ISO 4217/],
    ["currency of 4 letters", { currency: "EURO" }, "currency", /ISO 4217/],
    ["currency missing", { currency: undefined }, "currency", /is required/],
    ["debitAccount too short", { debitAccount: "123" }, "debitAccount", /4-34 letters or digits/],
    ["debitAccount with punctuation", { debitAccount: "DE89-3704-0044" }, "debitAccount", /4-34 letters or digits/],
    ["creditAccount of 35 characters", { creditAccount: "A".repeat(35) }, "creditAccount", /4-34 letters or digits/],
    ["creditAccount missing", { creditAccount: undefined }, "creditAccount", /is required/],
    ["timestamp a date only", { timestamp: "2025-03-14" }, "timestamp", /ISO-8601 date-time/],
    ["timestamp without a zone", { timestamp: "2025-03-14T10:15:30" }, "timestamp", /ISO-8601 date-time/],
    ["timestamp on February 30th", { timestamp: "2025-02-30T10:15:30Z" }, "timestamp", /ISO-8601 date-time/],
    ["timestamp with microseconds", { timestamp: "2025-03-14T10:15:30.123456Z" }, "timestamp", /millisecond precision/],
    ["timestamp an epoch number", { timestamp: 1741943730 }, "timestamp", /must be a string/],
    ["reference empty", { reference: "" }, "reference", /must not be empty/],
    ["reference of 141 characters", { reference: "r".repeat(141) }, "reference", /at most 140/],
    ["reference with a control character", { reference: "line\u0000break" }, "reference", /control characters/],
    ["reference an object", { reference: { note: "x" } }, "reference", /must be a string/],
  ])("GIVEN %s WHEN posted THEN 400 naming the field", async (_name, overrides, field, problem) => {
    const body = await expectRejected(await handle(albEvent(validBody(overrides))), 400);

    expect(body.error).toBe("InvalidTransaction");
    expect(body.fields).toEqual([{ field, problem: expect.stringMatching(problem) }]);
    expect(body.message).toEqual(expect.stringContaining(field));
  });

  test("GIVEN several invalid fields WHEN posted THEN 400 names each of them in payload order", async () => {
    const body = await expectRejected(await handle(albEvent(validBody({ currency: "e", amount: 1, transactionId: "" }))), 400);

    expect((body.fields as { field: string }[]).map((f) => f.field)).toEqual(["transactionId", "amount", "currency"]);
  });

  test("GIVEN an unknown field WHEN posted THEN 400 names the field but not its value", async () => {
    const body = await expectRejected(await handle(albEvent(validBody({ cvv: "737", pin: "9911" }))), 400);

    expect(body.fields).toEqual([
      { field: "cvv", problem: "is not an accepted field" },
      { field: "pin", problem: "is not an accepted field" },
    ]);
    expect(JSON.stringify(body)).not.toContain("737");
    expect(JSON.stringify(body)).not.toContain("9911");
  });

  test("GIVEN the same debit and credit account WHEN posted THEN 400 on creditAccount", async () => {
    const body = await expectRejected(await handle(albEvent(validBody({ creditAccount: DEBIT }))), 400);

    expect(body.fields).toEqual([{ field: "creditAccount", problem: "must differ from debitAccount" }]);
  });

  test("GIVEN an invalid account number WHEN rejected THEN neither the response nor the log repeats it", async () => {
    const bad = "DE8937040044053201300099999999999999";
    const result = await handle(albEvent(validBody({ debitAccount: bad })));

    expect(result.statusCode).toBe(400);
    expect(result.body).not.toContain(bad);
    expect(JSON.stringify(logger.lines)).not.toContain(bad);
    expect(JSON.stringify(logger.lines)).not.toContain(CREDIT);
  });

  test.each([
    ["GET", "/transactions", "POST"],
    ["PUT", "/transactions", "POST"],
    ["DELETE", "/transactions/", "POST"],
    ["POST", "/transactions/health", "GET, HEAD"],
  ])("GIVEN method %s on %s WHEN called THEN 405 with Allow: %s", async (method, p, allow) => {
    const result = await handle(albEvent(validBody(), { method, path: p }));

    expect(result.statusCode).toBe(405);
    expect(result.headers).toEqual(expect.objectContaining({ Allow: allow }));
    expect(dynamodb.calls()).toHaveLength(0);
  });

  test("GIVEN an unknown path WHEN called THEN 404", async () => {
    await expectRejected(await handle(albEvent(validBody(), { path: "/transactions/123" })), 404);
  });

  test.each([
    ["no body", null],
    ["an empty body", ""],
    ["a blank body", "  \n"],
  ])("GIVEN %s WHEN posted THEN 400 MissingBody", async (_name, text) => {
    const body = await expectRejected(await handle(albEvent(text)), 400);

    expect(body.error).toBe("MissingBody");
  });

  test("GIVEN a body flagged base64 that is not base64 WHEN posted THEN 400", async () => {
    const event = { ...albEvent("not base64 !!"), isBase64Encoded: true };

    const body = await expectRejected(await handle(event), 400);

    expect(body.fields).toEqual([{ field: "(body)", problem: "is not valid base64" }]);
  });

  test("GIVEN a base64 body that is not UTF-8 WHEN posted THEN 400", async () => {
    const event = { ...albEvent(null), body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString("base64"), isBase64Encoded: true };

    const body = await expectRejected(await handle(event), 400);

    expect(body.fields).toEqual([{ field: "(body)", problem: "is not valid UTF-8" }]);
  });

  test("GIVEN Content-Type text/plain WHEN posted THEN 415", async () => {
    await expectRejected(await handle(albEvent(validBody(), { headers: { "content-type": "text/plain" } })), 415);
  });

  test("GIVEN Content-Type application/json with a charset WHEN posted THEN it is accepted", async () => {
    const result = await handle(albEvent(validBody(), { headers: { "Content-Type": "application/json; charset=utf-8" } }));

    expect(result.statusCode).toBe(201);
  });

  test("GIVEN a body over 16 KiB WHEN posted THEN 413", async () => {
    await expectRejected(await handle(albEvent(validBody({ padding: "x".repeat(17 * 1024) }))), 413);
  });
});

describe("duplicates", () => {
  const EARLIER = NOW - 60_000;

  test("GIVEN the same payload already recorded (first in the other region) WHEN posted again THEN 200 with the stored record, read consistently, PutItem not repeated", async () => {
    const stored = storedRecord(validBody(), TX_OTHER_REGION, EARLIER);
    dynamodb.on(PutItemCommand).rejects(conditionFailed());
    dynamodb.on(GetItemCommand).resolves({ Item: storedItem(stored) });
    s3.on(PutObjectCommand).rejects(preconditionFailed());

    const result = await handle(albEvent(validBody({ amount: "125.5" })));

    expect(result.statusCode).toBe(200);
    expect(responseBody(result)).toEqual(
      expect.objectContaining({ replayed: true, region: TX_OTHER_REGION, receivedAt: new Date(EARLIER).toISOString(), payloadSha256: stored.payloadSha256 }),
    );
    expect(dynamodb).toHaveReceivedCommandTimes(PutItemCommand, 1);
    expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, { TableName: TX_TABLE, Key: { recordKey: { S: RECORD_KEY } }, ConsistentRead: true });
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Key: EXPECTED_KEY, IfNoneMatch: "*" });
    expect(requestLine()).toEqual(expect.objectContaining({ outcome: "replayed", statusCode: 200, logObject: "exists", recordRegion: TX_OTHER_REGION, crossRegionReplay: true }));
  });

  test("GIVEN the record exists but its log object is missing WHEN the same payload is posted again THEN the object is written from the stored record", async () => {
    const stored = storedRecord(validBody(), TX_REGION, EARLIER);
    dynamodb.on(PutItemCommand).rejects(conditionFailed());
    dynamodb.on(GetItemCommand).resolves({ Item: storedItem(stored) });

    const result = await handle(albEvent(validBody()));

    expect(result.statusCode).toBe(200);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    expect(putObjectInput().Body).toBe(logDocument(stored));
    expect(requestLine()).toEqual(expect.objectContaining({ outcome: "replayed", logObject: "written" }));
  });

  test("GIVEN the same transactionId with a different payload WHEN posted THEN 409 and nothing is written to S3", async () => {
    dynamodb.on(PutItemCommand).rejects(conditionFailed());
    dynamodb.on(GetItemCommand).resolves({ Item: storedItem(storedRecord(validBody({ amount: "999.00" }), TX_REGION, EARLIER)) });

    const result = await handle(albEvent(validBody()));

    expect(result.statusCode).toBe(409);
    expect(responseBody(result)).toEqual(expect.objectContaining({ error: "TransactionConflict" }));
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 0);
    expect(requestLine()).toEqual(expect.objectContaining({ level: "warn", outcome: "conflict", statusCode: 409 }));
  });

  test("GIVEN the record vanished between the failed condition and the read WHEN posted THEN 503 so that the client retries", async () => {
    dynamodb.on(PutItemCommand).rejects(conditionFailed());
    dynamodb.on(GetItemCommand).resolves({});

    const result = await handle(albEvent(validBody()));

    expect(result.statusCode).toBe(503);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 0);
  });

  test("GIVEN a crash-like S3 failure after the record was written WHEN the client retries THEN the retry writes the log object the first attempt would have", async () => {
    const items = new Map<string, Record<string, AttributeValue>>();
    dynamodb.on(PutItemCommand).callsFake(async (input: { Item: Record<string, AttributeValue> }) => {
      const id = input.Item.recordKey.S!;
      if (items.has(id)) throw conditionFailed();
      items.set(id, input.Item);
      return {};
    });
    dynamodb.on(GetItemCommand).callsFake(async (input: { Key: { recordKey: { S: string } } }) => ({ Item: items.get(input.Key.recordKey.S) }));
    s3.on(PutObjectCommand).rejects(awsError("InternalError", "We encountered an internal error.", "server", 500));

    const first = await handle(albEvent(validBody()));
    expect(first.statusCode).toBe(503);
    expect(first.headers).toEqual(expect.objectContaining({ "Retry-After": "1" }));

    s3.on(PutObjectCommand).resolves({});
    timing.advance(3_600_000);
    const retry = await handle(albEvent(validBody()));

    expect(retry.statusCode).toBe(200);
    const body = String(s3.commandCalls(PutObjectCommand).at(-1)!.args[0].input.Body);
    expect(JSON.parse(body).metadata.receivedAt).toBe("2025-03-14T09:30:00.000Z");
    expect(body).toBe(logDocument(storedRecord(validBody(), TX_REGION, NOW)));
  });
});

describe("throttling and failures", () => {
  test("GIVEN DynamoDB throttles twice WHEN posted THEN PutItem is retried with backoff and the answer is 201", async () => {
    dynamodb.on(PutItemCommand).rejectsOnce(ddbThrottled()).rejectsOnce(ddbThrottled()).resolves({});

    const result = await handle(albEvent(validBody()));

    expect(result.statusCode).toBe(201);
    expect(dynamodb).toHaveReceivedCommandTimes(PutItemCommand, 3);
    expect(timing.sleeps).toEqual([38, 75]);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
  });

  test("GIVEN DynamoDB throttles beyond the retry budget WHEN posted THEN 503 with Retry-After and no S3 write", async () => {
    setup({ RETRY_AFTER_SECONDS: "5" });
    dynamodb.on(PutItemCommand).rejects(ddbThrottled());

    const result = await handle(albEvent(validBody()));

    expect(result.statusCode).toBe(503);
    expect(result.statusDescription).toBe("503 Service Unavailable");
    expect(result.headers).toEqual(expect.objectContaining({ "Retry-After": "5" }));
    expect(responseBody(result).error).toBe("ServiceUnavailable");
    expect(dynamodb).toHaveReceivedCommandTimes(PutItemCommand, 3);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 0);
    expect(requestLine()).toEqual(expect.objectContaining({ level: "warn", outcome: "throttled", error: "TransientError" }));
  });

  test("GIVEN RETRY_MAX_ATTEMPTS=5 WHEN DynamoDB keeps throttling THEN PutItem is tried 5 times", async () => {
    setup({ RETRY_MAX_ATTEMPTS: "5" });
    dynamodb.on(PutItemCommand).rejects(awsError("ThrottlingException", "Rate exceeded"));

    expect((await handle(albEvent(validBody()))).statusCode).toBe(503);
    expect(dynamodb).toHaveReceivedCommandTimes(PutItemCommand, 5);
  });

  test("GIVEN the replay read is throttled once WHEN the same payload is posted again THEN GetItem is retried and the answer is 200", async () => {
    dynamodb.on(PutItemCommand).rejects(conditionFailed());
    dynamodb.on(GetItemCommand).rejectsOnce(awsError("RequestLimitExceeded", "Throughput exceeds the current throughput limit for your account.")).resolves({ Item: storedItem(storedRecord(validBody(), TX_REGION, NOW)) });

    const result = await handle(albEvent(validBody()));

    expect(result.statusCode).toBe(200);
    expect(dynamodb).toHaveReceivedCommandTimes(GetItemCommand, 2);
  });

  test("GIVEN S3 answers SlowDown once WHEN posted THEN PutObject is retried and the answer is 201", async () => {
    s3.on(PutObjectCommand).rejectsOnce(slowDown()).resolves({});

    const result = await handle(albEvent(validBody()));

    expect(result.statusCode).toBe(201);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 2);
    expect(s3.commandCalls(PutObjectCommand).every((c) => c.args[0].input.IfNoneMatch === "*")).toBe(true);
    expect(logger.lines.filter((l) => l.event === "aws.retry")).toEqual([
      expect.objectContaining({ level: "warn", operation: "PutObject", attempt: 1, delayMs: 38, error: "SlowDown", httpStatusCode: 503 }),
    ]);
    expect(logger.lines.find((l) => l.event === "aws.retry")).not.toHaveProperty("message");
  });

  test("GIVEN S3 answers SlowDown beyond the retry budget WHEN posted THEN 503 with Retry-After (the record stays; a retry repairs the object)", async () => {
    s3.on(PutObjectCommand).rejects(slowDown());

    const result = await handle(albEvent(validBody()));

    expect(result.statusCode).toBe(503);
    expect(result.headers).toEqual(expect.objectContaining({ "Retry-After": "1" }));
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 3);
    expect(dynamodb).toHaveReceivedCommandTimes(PutItemCommand, 1);
  });

  test("GIVEN the log object already exists (412 PreconditionFailed) WHEN a new record is written THEN it counts as written: 201", async () => {
    s3.on(PutObjectCommand).rejects(preconditionFailed());

    const result = await handle(albEvent(validBody()));

    expect(result.statusCode).toBe(201);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    expect(requestLine()).toEqual(expect.objectContaining({ outcome: "created", logObject: "exists" }));
  });

  test("GIVEN a concurrent conditional write (409 ConditionalRequestConflict) WHEN posted THEN PutObject is retried and its 412 counts as written", async () => {
    s3.on(PutObjectCommand)
      .rejectsOnce(awsError("ConditionalRequestConflict", "A conflicting conditional operation is currently in progress against this resource.", "client", 409))
      .rejects(preconditionFailed());

    const result = await handle(albEvent(validBody()));

    expect(result.statusCode).toBe(201);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 2);
  });

  test("GIVEN an unexpected DynamoDB error WHEN posted THEN 500 without its message, which is logged", async () => {
    const secret = "User: arn:aws:sts::111122223333:assumed-role/dr-prod-tx/fn is not authorized to perform: dynamodb:PutItem";
    dynamodb.on(PutItemCommand).rejects(awsError("AccessDeniedException", secret));

    const result = await handle(albEvent(validBody()), { awsRequestId: "req-500" });

    expect(result.statusCode).toBe(500);
    expect(responseBody(result)).toEqual({ error: "InternalError", message: "internal error", requestId: "req-500" });
    expect(result.body).not.toContain("arn:aws");
    expect(dynamodb).toHaveReceivedCommandTimes(PutItemCommand, 1);
    expect(requestLine()).toEqual(expect.objectContaining({ level: "error", outcome: "failed", statusCode: 500, error: "AccessDeniedException", message: secret }));
  });

  test("GIVEN an unexpected S3 error WHEN posted THEN 500 and PutObject is not retried", async () => {
    s3.on(PutObjectCommand).rejects(awsError("AccessDenied", "Access Denied", "client", 403));

    const result = await handle(albEvent(validBody()));

    expect(result.statusCode).toBe(500);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
  });

  test("GIVEN a stored record that cannot be read back WHEN replayed THEN 500", async () => {
    dynamodb.on(PutItemCommand).rejects(conditionFailed());
    dynamodb.on(GetItemCommand).resolves({ Item: { transactionId: { S: TX_ID }, amount: { N: "125.5" } } });

    const result = await handle(albEvent(validBody()));

    expect(result.statusCode).toBe(500);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 0);
  });
});

describe("logging", () => {
  test("GIVEN created, replayed, conflicting, throttled and failing requests WHEN logged THEN no line holds an account number or the reference, and masks are there", async () => {
    await handle(albEvent(validBody()));
    dynamodb.on(PutItemCommand).rejects(conditionFailed());
    dynamodb.on(GetItemCommand).resolves({ Item: storedItem(storedRecord(validBody(), TX_REGION, NOW)) });
    await handle(albEvent(validBody()));
    await handle(albEvent(validBody({ amount: "1.00" })));
    dynamodb.on(PutItemCommand).rejects(ddbThrottled());
    await handle(albEvent(validBody()));
    dynamodb.on(PutItemCommand).rejects(awsError("ValidationException", `Item contains ${DEBIT} and ${CREDIT} and ${REFERENCE}`));
    await handle(albEvent(validBody()));
    await handle(albEvent(validBody({ creditAccount: DEBIT })));

    const outcomes = logger.lines.filter((l) => l.event === "transaction.request").map((l) => l.outcome);
    expect(outcomes).toEqual(["created", "replayed", "conflict", "throttled", "failed", "rejected"]);
    const text = JSON.stringify(logger.lines);
    for (const secret of [DEBIT, CREDIT, REFERENCE, DEBIT.slice(0, 12), CREDIT.slice(0, 12)]) expect(text).not.toContain(secret);
    expect(logger.lines[0]).toEqual(expect.objectContaining({ debitAccount: "****3000", creditAccount: "****6819", transactionId: TX_ID, amount: "125.50", currency: "EUR" }));
  });

  test("GIVEN any request WHEN answered THEN exactly one transaction.request line carries its outcome and duration", async () => {
    await handle(albEvent(validBody()));

    expect(requestLine()).toEqual(expect.objectContaining({ method: "POST", path: "/transactions", durationMs: 0 }));
  });
});

describe("health check", () => {
  test("GIVEN GET /transactions/health WHEN called THEN 200 without any AWS call", async () => {
    const result = await handle(albEvent(null, { method: "GET", path: "/transactions/health", headers: { "user-agent": "ELB-HealthChecker/2.0" } }));

    expect(result.statusCode).toBe(200);
    expect(responseBody(result)).toEqual({ status: "ok" });
    expect(dynamodb.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
    expect(requestLine()).toEqual(expect.objectContaining({ level: "debug", outcome: "health" }));
  });
});

describe("configuration", () => {
  test("GIVEN only the required variables WHEN loaded THEN the documented defaults apply", () => {
    expect(loadProcessorConfig(processorEnv({ TOKEN_ISSUER: undefined, CLIENT_REGISTRY: undefined }))).toEqual({
      region: TX_REGION,
      environment: undefined,
      tableName: TX_TABLE,
      bucketName: TX_BUCKET,
      kmsKeyId: undefined,
      retentionDays: 400,
      retry: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 1_000 },
      callTimeoutMs: 3_000,
      retryAfterSeconds: 1,
      controlTableName: CONTROL_TABLE,
      fenceCacheSeconds: 5,
      staleHeartbeatSeconds: 30,
      tokenIssuer: undefined,
      clientIdClaim: "client_id",
      clients: new Map(),
    });
  });

  test.each(["AWS_REGION", "TXMETA_TABLE_NAME", "TXLOGS_BUCKET_NAME", "CONTROL_TABLE_NAME"])("GIVEN %s is unset WHEN loaded THEN a ConfigurationError names it", (name) => {
    expect(() => loadProcessorConfig(processorEnv({ [name]: undefined }))).toThrow(ConfigurationError);
    expect(() => loadProcessorConfig(processorEnv({ [name]: undefined }))).toThrow(name);
  });

  test("GIVEN TXMETA_RETENTION_DAYS=0 WHEN loaded THEN a ConfigurationError names it", () => {
    expect(() => loadProcessorConfig(processorEnv({ TXMETA_RETENTION_DAYS: "0" }))).toThrow(/TXMETA_RETENTION_DAYS must be at least 1/);
  });
});

describe("the deployed module (index.ts)", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  /** A fresh copy of the module (its own registry: its SDK classes are not the mocked ones, so only for load failures). */
  function loadIsolatedIndex(): { handler: Handler } {
    let mod: { handler: Handler } | undefined;
    jest.isolateModules(() => {
      mod = require("../../lambda/transaction-processor/index") as { handler: Handler };
    });
    return mod!;
  }

  test("GIVEN the environment WHEN the module loads THEN its module-scope clients record a transaction", async () => {
    process.env = { ...saved, ...processorEnv({ LOG_LEVEL: "error" }) } as NodeJS.ProcessEnv;

    // The test file's registry, so that index.ts's clients are instances of the mocked classes.
    mockControlTable(dynamodb, { nowMs: Date.now() });
    const { handler } = require("../../lambda/transaction-processor/index") as { handler: Handler };
    const result = await handler(albEvent(validBody(), { token: accessToken({}, Date.now()) }), { awsRequestId: "req-index" });

    expect(result.statusCode).toBe(201);
    // The module-scope write gate read this region's fence and heartbeat before the write.
    expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, { TableName: CONTROL_TABLE });
    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, { TableName: TX_TABLE, ConditionExpression: "attribute_not_exists(recordKey)" });
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: TX_BUCKET, Key: logObjectKey(CLIENT_ID, parseTransaction(JSON.stringify(validBody()))) });
  });

  test("GIVEN TXLOGS_BUCKET_NAME is unset WHEN the module loads THEN the cold start fails naming it", () => {
    process.env = { ...saved, ...processorEnv({ TXLOGS_BUCKET_NAME: undefined }) } as NodeJS.ProcessEnv;
    delete process.env.TXLOGS_BUCKET_NAME;

    expect(() => loadIsolatedIndex()).toThrow(/TXLOGS_BUCKET_NAME is required/);
  });
});

describe("the time index (reconciliation)", () => {
  test("GIVEN a new transaction WHEN recorded THEN the item carries the time-index keys: the minute of receipt and receivedAt#recordKey", async () => {
    await handle(albEvent(validBody()), { awsRequestId: "req-1" });
    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      Item: expect.objectContaining({ receivedMinute: { S: "2025-03-14T09:30" }, receivedSort: { S: `2025-03-14T09:30:00.000Z#${RECORD_KEY}` } }),
    });
  });

  test("GIVEN a stored record without the index keys (written before the index) WHEN read back THEN the keys are derived from receivedAt and the id", () => {
    const record = storedRecord(validBody(), TX_REGION, NOW);
    const { receivedMinute, receivedSort, ...older } = storedItem(record);
    expect([receivedMinute, receivedSort]).toEqual([{ S: "2025-03-14T09:30" }, { S: `2025-03-14T09:30:00.000Z#${RECORD_KEY}` }]);
    expect(recordFromItem(older)).toEqual(record);
  });
});

describe("bundle", () => {
  test("GIVEN the entry point WHEN bundled with esbuild for node22 THEN it builds without errors or warnings into one CommonJS file", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require("esbuild") as typeof import("esbuild");
    const root = path.resolve(__dirname, "../..");

    const result = await esbuild.build({
      entryPoints: [path.join(root, "lambda/transaction-processor/index.ts")],
      absWorkingDir: root,
      outfile: path.join(root, ".lambda-bundles/transaction-processor.js"),
      write: false,
      bundle: true,
      platform: "node",
      target: "node22",
      format: "cjs",
      logLevel: "silent",
    });

    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.outputFiles).toHaveLength(1);
    const code = result.outputFiles[0].text;
    expect(code).toContain("attribute_not_exists(");
    expect(code).toContain("PutObjectCommand");
    // The SDK and zod are bundled (the tested versions), not taken from the runtime.
    expect(code).not.toMatch(/require\(["'](@aws-sdk\/client-|@smithy\/|zod)/);
  }, 60_000);
});
