/**
 * The transaction API's security (issue 18) with aws-sdk-client-mock: who may
 * write (the token the load balancer validated, the client registry), how
 * records are keyed (per client), and when a region may write at all (its
 * fence and writer status in the control table, read through the write gate).
 */
import "aws-sdk-client-mock-jest";
import { AttributeValue, DynamoDBClient, GetItemCommand, GetItemCommandInput, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { CONTROL_KEYS } from "../../lambda/shared/control-keys";
import { toItem } from "../../lambda/shared/dynamo";
import { createHandler, Handler } from "../../lambda/transaction-processor/handler";
import { WRITE_GATE_METRIC, writeVerdict } from "../../lambda/transaction-processor/write-gate";
import { awsError, fakeTiming, testLogger } from "./support/fixtures";
import { accessToken, albEvent, CLIENT_ID, CONTROL_TABLE, DEBIT, OTHER_CLIENT_ID, processorDeps, responseBody, TX_ID, TX_REGION, TX_TABLE, validBody } from "./support/transactions";

const dynamodb = mockClient(DynamoDBClient);
const s3 = mockClient(S3Client);

const NOW = Date.UTC(2025, 2, 14, 9, 30, 0);

/** What this region's replica of the control table holds; null: no item. */
interface ControlState {
  fence: Record<string, unknown> | null;
  heartbeat: Record<string, unknown> | null;
  /** When set, control-table reads fail with this error. */
  failWith: Error | null;
}

let control: ControlState;
let timing: ReturnType<typeof fakeTiming>;
let logger: ReturnType<typeof testLogger>;
let metrics: string[];
let handle: Handler;

const writerHeartbeat = (at: number, ownIsWriter = true) => ({ region: TX_REGION, at, writerArn: "arn:aws:rds::1:cluster:w", ownIsWriter, databaseAvailable: true, serviceHealthy: true, fenced: false, gateOpen: ownIsWriter });
const fence = (fields: Record<string, unknown> = {}) => ({ region: TX_REGION, fenced: true, by: "arn:exec", byRegion: "us-west-2", at: NOW - 1_000, leaseExpiresAt: null, capacity: "zero", reason: "failover", ...fields });

function setup(env: Record<string, string | undefined> = {}): void {
  timing = fakeTiming(NOW);
  logger = testLogger(timing.clock);
  metrics = [];
  handle = createHandler(processorDeps({ env, timing, log: logger.log, metricSink: (line) => metrics.push(line), realWriteGate: true }));
}

function controlReads(): GetItemCommandInput[] {
  return dynamodb.commandCalls(GetItemCommand).map((c) => c.args[0].input).filter((i) => i.TableName === CONTROL_TABLE);
}

function txmetaWrites(): number {
  return dynamodb.commandCalls(PutItemCommand).length;
}

beforeEach(() => {
  dynamodb.reset();
  s3.reset();
  control = { fence: null, heartbeat: writerHeartbeat(NOW), failWith: null };
  const items = new Map<string, Record<string, AttributeValue>>();
  dynamodb.on(PutItemCommand).callsFake(async (input: { Item: Record<string, AttributeValue> }) => {
    const key = input.Item.recordKey?.S ?? "";
    if (items.has(key)) throw awsError("ConditionalCheckFailedException", "The conditional request failed");
    items.set(key, input.Item);
    return {};
  });
  dynamodb.on(GetItemCommand).callsFake(async (input: GetItemCommandInput) => {
    if (input.TableName === CONTROL_TABLE) {
      if (control.failWith) throw control.failWith;
      const pk = input.Key?.pk?.S;
      if (pk === CONTROL_KEYS.fence(TX_REGION) && control.fence) return { Item: toItem({ pk, kind: "fence", ...control.fence }) };
      if (pk === CONTROL_KEYS.heartbeat(TX_REGION) && control.heartbeat) return { Item: toItem({ pk, kind: "heartbeat", ...control.heartbeat }) };
      return {};
    }
    return { Item: items.get(input.Key?.recordKey?.S ?? "") };
  });
  s3.on(PutObjectCommand).resolves({});
  setup();
});

describe("finding 1: only authenticated clients write, only to accounts they may debit", () => {
  test("GIVEN no Authorization header WHEN a transaction is posted THEN 401 with WWW-Authenticate, and nothing is read or written", async () => {
    const result = await handle(albEvent(validBody(), { token: null }));
    expect(result.statusCode).toBe(401);
    expect(result.headers).toEqual(expect.objectContaining({ "WWW-Authenticate": expect.stringContaining("Bearer") }));
    expect(txmetaWrites()).toBe(0);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 0);
    expect(controlReads()).toHaveLength(0);
  });

  test.each([
    ["another issuer", accessToken({ iss: "https://evil.example.com" })],
    ["an expired token", accessToken({ exp: Math.floor(NOW / 1000) - 3_600 })],
    ["no client id claim", accessToken({ client_id: undefined })],
    ["a client id with '#'", accessToken({ client_id: "acme#payments" })],
    ["not a JWT", "opaque-token"],
  ])("GIVEN %s WHEN posted THEN 401 and no write", async (_name, token) => {
    const result = await handle(albEvent(validBody(), { token }));
    expect(result.statusCode).toBe(401);
    expect(txmetaWrites()).toBe(0);
  });

  test("GIVEN no issuer configured (TOKEN_ISSUER unset) WHEN a well-formed token is posted THEN 401: the API is closed", async () => {
    setup({ TOKEN_ISSUER: undefined });
    const result = await handle(albEvent(validBody()));
    expect(result.statusCode).toBe(401);
    expect(responseBody(result)).toMatchObject({ error: "Unauthorized" });
    expect(txmetaWrites()).toBe(0);
  });

  test("GIVEN a client that is not in the registry WHEN it posts THEN 403 and no write", async () => {
    const result = await handle(albEvent(validBody(), { token: accessToken({ client_id: "initech" }) }));
    expect(result.statusCode).toBe(403);
    expect(txmetaWrites()).toBe(0);
  });

  test("GIVEN a registered client WHEN it debits an account outside its registry entry THEN 403 naming debitAccount, and no write", async () => {
    const result = await handle(albEvent(validBody({ debitAccount: "FR7630006000011234567890189" })));
    expect(result.statusCode).toBe(403);
    expect(responseBody(result)).toMatchObject({ error: "Forbidden", fields: [{ field: "debitAccount", problem: "is not allowed for this client" }] });
    expect(JSON.stringify(logger.lines)).not.toContain("FR7630006000011234567890189");
    expect(txmetaWrites()).toBe(0);
  });

  test("GIVEN a registered client WHEN it debits its own account, or one under its prefix THEN 201, recorded under its client id", async () => {
    expect((await handle(albEvent(validBody()))).statusCode).toBe(201);
    const prefixed = await handle(albEvent(validBody({ transactionId: "second", debitAccount: "DE89370000000000000001" })));
    expect(prefixed.statusCode).toBe(201);
    expect(responseBody(prefixed)).toMatchObject({ clientId: CLIENT_ID, transactionId: "second" });
  });

  test("GIVEN client A recorded an id WHEN client B posts another transaction under the same id THEN B gets 201 (no 409 revealing A's id) under its own key and log object", async () => {
    expect((await handle(albEvent(validBody()))).statusCode).toBe(201);
    const theirs = await handle(albEvent(validBody({ debitAccount: "GB29NWBK60161331926819", creditAccount: DEBIT, amount: "999.00" }), { token: accessToken({ client_id: OTHER_CLIENT_ID }) }));
    expect(theirs.statusCode).toBe(201);
    const keys = dynamodb.commandCalls(PutItemCommand).map((c) => c.args[0].input.Item!.recordKey!.S);
    expect(keys).toEqual([`${CLIENT_ID}#${TX_ID}`, `${OTHER_CLIENT_ID}#${TX_ID}`]);
    const objectKeys = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
    expect(objectKeys).toEqual([`transactions/${CLIENT_ID}/2025/03/14/${TX_ID}.json`, `transactions/${OTHER_CLIENT_ID}/2025/03/14/${TX_ID}.json`]);
    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, { TableName: TX_TABLE, ConditionExpression: "attribute_not_exists(recordKey)" });
  });

  test("GIVEN the same client re-uses its id with another payload THEN 409, as before", async () => {
    expect((await handle(albEvent(validBody()))).statusCode).toBe(201);
    expect((await handle(albEvent(validBody({ amount: "1.00" })))).statusCode).toBe(409);
  });
});

describe("finding 2: a fenced region, or one that is not the writer, refuses writes", () => {
  test("GIVEN this region's fence is in force WHEN a transaction is posted THEN 503 with Retry-After, a WritesRefused metric, and no write", async () => {
    control.fence = fence();
    const result = await handle(albEvent(validBody()));
    expect(result.statusCode).toBe(503);
    expect(result.headers).toEqual(expect.objectContaining({ "Retry-After": "1" }));
    expect(responseBody(result)).toMatchObject({ error: "RegionNotWritable" });
    expect(txmetaWrites()).toBe(0);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 0);
    expect(metrics).toHaveLength(1);
    const line = JSON.parse(metrics[0]!);
    expect(line).toMatchObject({ Region: TX_REGION, Reason: "fenced", [WRITE_GATE_METRIC.name]: 1 });
    expect(line._aws.CloudWatchMetrics[0]).toEqual({ Namespace: "DR/TransactionAPI", Dimensions: [["Environment", "Region"]], Metrics: [{ Name: "WritesRefused", Unit: "Count" }] });
  });

  test("GIVEN the fence is read THEN exactly this region's fence and heartbeat items, strongly consistent, from the control table", async () => {
    await handle(albEvent(validBody()));
    expect(controlReads().map((i) => [i.Key?.pk?.S, i.ConsistentRead]).sort()).toEqual([
      [CONTROL_KEYS.fence(TX_REGION), true],
      [CONTROL_KEYS.heartbeat(TX_REGION), true],
    ]);
  });

  test("GIVEN a fence whose lease has run out (a run that died) THEN writes go through", async () => {
    control.fence = fence({ leaseExpiresAt: NOW - 1 });
    expect((await handle(albEvent(validBody()))).statusCode).toBe(201);
  });

  test("GIVEN the heartbeat says this region's cluster is not the writer THEN 503 not-writer", async () => {
    control.heartbeat = writerHeartbeat(NOW, false);
    const result = await handle(albEvent(validBody()));
    expect(result.statusCode).toBe(503);
    expect(JSON.parse(metrics[0]!).Reason).toBe("not-writer");
    expect(txmetaWrites()).toBe(0);
  });

  test.each([
    ["older than STALE_HEARTBEAT_SECONDS", () => writerHeartbeat(NOW - 31_000)],
    ["absent", () => null],
  ])("GIVEN the heartbeat is %s THEN the writer is unknown and the write is refused", async (_name, heartbeat) => {
    control.heartbeat = heartbeat();
    const result = await handle(albEvent(validBody()));
    expect(result.statusCode).toBe(503);
    expect(JSON.parse(metrics[0]!).Reason).toBe("writer-unknown");
  });

  test("GIVEN the control table is throttled beyond the retries THEN the write is refused (fail closed), not written blind", async () => {
    control.failWith = awsError("ProvisionedThroughputExceededException", "throttled");
    const result = await handle(albEvent(validBody()));
    expect(result.statusCode).toBe(503);
    expect(JSON.parse(metrics[0]!).Reason).toBe("unreadable");
    expect(controlReads().length).toBeGreaterThanOrEqual(3); // retried by the caller first
    expect(txmetaWrites()).toBe(0);
  });

  test("GIVEN a verdict read less than FENCE_CACHE_SECONDS ago THEN it is reused; after the period a fence written meanwhile is seen", async () => {
    expect((await handle(albEvent(validBody()))).statusCode).toBe(201);
    const reads = controlReads().length;
    control.fence = fence();
    timing.advance(4_000);
    expect((await handle(albEvent(validBody({ transactionId: "within-cache" })))).statusCode).toBe(201);
    expect(controlReads()).toHaveLength(reads);
    timing.advance(1_001);
    expect((await handle(albEvent(validBody({ transactionId: "after-cache" })))).statusCode).toBe(503);
  });

  test("GIVEN a writable verdict that has expired WHEN the control table then cannot be read THEN the write is refused", async () => {
    expect((await handle(albEvent(validBody()))).statusCode).toBe(201);
    control.failWith = awsError("InternalServerError", "boom", "server", 500);
    timing.advance(5_000);
    expect((await handle(albEvent(validBody({ transactionId: "blind" })))).statusCode).toBe(503);
  });

  test("the verdict table: fenced beats writer; a fresh writer heartbeat and no fence writes", () => {
    const hb = { region: TX_REGION, at: NOW, writerArn: null, ownIsWriter: true, databaseAvailable: true, serviceHealthy: true, fenced: false, gateOpen: true };
    const f = { region: TX_REGION, fenced: true, by: "x", byRegion: "y", at: NOW, leaseExpiresAt: null, capacity: "zero" as const, reason: "" };
    expect(writeVerdict(null, hb, NOW, 30)).toEqual({ writable: true });
    expect(writeVerdict(f, hb, NOW, 30)).toEqual({ writable: false, reason: "fenced" });
    expect(writeVerdict({ ...f, fenced: false }, hb, NOW, 30)).toEqual({ writable: true });
    expect(writeVerdict(null, { ...hb, at: NOW - 30_001 }, NOW, 30)).toEqual({ writable: false, reason: "writer-unknown" });
  });

  test("GIVEN the health check path THEN it answers without a token and without reading the control table (the target group's check goes straight to the function)", async () => {
    const result = await handle(albEvent(null, { method: "GET", path: "/transactions/health", token: null }));
    expect(result.statusCode).toBe(200);
    expect(controlReads()).toHaveLength(0);
  });
});
