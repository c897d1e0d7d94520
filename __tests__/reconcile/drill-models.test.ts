/**
 * The drill's model additions for the reconciliation: S3 (drill/model/s3.ts)
 * and the DynamoDB time index with BatchGetItem (drill/model/ddb-index.ts),
 * installed as extensions of the AWS model.
 */
import { BatchGetItemCommand, DynamoDBClient, PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { AwsModel, CALLER_REGION } from "../../drill/model/aws-model";
import { DynamoDbIndexes, keyCondition } from "../../drill/model/ddb-index";
import { S3Model } from "../../drill/model/s3";

const A = "us-east-1";
const B = "us-west-2";
let model: AwsModel;
let s3: S3Model;
let clock = Date.parse("2025-03-14T09:30:00Z");

beforeEach(() => {
  clock = Date.parse("2025-03-14T09:30:00Z");
  jest.useFakeTimers({ now: clock });
  model = new AwsModel({
    globalClusterId: "g",
    clusters: [
      { region: A, id: "a" },
      { region: B, id: "b" },
    ],
    now: () => Date.now(),
    ddbReplicationDelayMs: 0,
    tables: [{ name: "txmeta", regions: [A, B], keys: ["transactionId"] }],
  });
  s3 = new S3Model({ buckets: [{ name: "logs-a", region: A }, { name: "logs-b", region: B }], replication: [{ source: "logs-a", destination: "logs-b" }], replicationDelayMs: 10_000 });
  model.extensions.push(new DynamoDbIndexes([{ table: "txmeta", name: "byMinute", tableKey: "transactionId", partitionKey: "m", sortKey: "s", projection: "KEYS_ONLY" }]), s3);
  model.install();
});
afterEach(() => {
  model.restore();
  jest.useRealTimers();
});

function client<T extends object>(C: new (c: { region: string }) => T, region: string, caller?: string): T {
  const built = new C({ region });
  if (caller) (built as Record<symbol, unknown>)[CALLER_REGION] = caller;
  return built;
}

describe("S3 model", () => {
  test("GIVEN an existing key THEN a PutObject with If-None-Match * answers 412 and HeadObject of a missing key 404", async () => {
    const c = client(S3Client, A, A);
    await c.send(new PutObjectCommand({ Bucket: "logs-a", Key: "k", Body: "1", IfNoneMatch: "*", Metadata: { "payload-sha256": "h1" } }));
    await expect(c.send(new PutObjectCommand({ Bucket: "logs-a", Key: "k", Body: "2", IfNoneMatch: "*" }))).rejects.toMatchObject({ name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } });
    await expect(c.send(new HeadObjectCommand({ Bucket: "logs-a", Key: "missing" }))).rejects.toMatchObject({ name: "NotFound", $metadata: { httpStatusCode: 404 } });
    expect((await c.send(new HeadObjectCommand({ Bucket: "logs-a", Key: "k" }))).Metadata).toEqual({ "payload-sha256": "h1" });
  });

  test("GIVEN replication THEN the copy lands after the delay, waits while the source region is down or held, and never replaces a newer object", async () => {
    await client(S3Client, A, A).send(new PutObjectCommand({ Bucket: "logs-a", Key: "k", Body: "old" }));
    model.setRegionDown(A, true);
    jest.setSystemTime(clock + 20_000);
    s3.deliver();
    expect(s3.objects("logs-b").has("k")).toBe(false);
    model.setRegionDown(A, false);
    s3.hold = () => true;
    s3.deliver();
    expect(s3.objects("logs-b").has("k")).toBe(false);
    await client(S3Client, B, B).send(new PutObjectCommand({ Bucket: "logs-b", Key: "k", Body: "newer" }));
    s3.hold = null;
    s3.deliver();
    expect(s3.objects("logs-b").get("k")!.body).toBe("newer");
    expect(s3.pending).toEqual([]);
  });

  test("GIVEN the bucket's region is down THEN a call to it times out", async () => {
    model.setRegionDown(A, true);
    await expect(client(S3Client, B, B).send(new HeadObjectCommand({ Bucket: "logs-a", Key: "k" }))).rejects.toMatchObject({ name: "TimeoutError" });
  });
});

describe("DynamoDB time index and BatchGetItem", () => {
  test("GIVEN items in several minutes THEN a Query on the index with BETWEEN pages through one minute, keys only, in sort order", async () => {
    const c = client(DynamoDBClient, A, A);
    for (const [id, m, sk] of [["t3", "09:31", "c"], ["t1", "09:31", "a"], ["t2", "09:31", "b"], ["t9", "09:32", "a"]])
      await c.send(new PutItemCommand({ TableName: "txmeta", Item: { transactionId: { S: id }, m: { S: m }, s: { S: sk }, amount: { S: "1.00" } } }));
    const page = (start?: Record<string, any>) =>
      c.send(new QueryCommand({ TableName: "txmeta", IndexName: "byMinute", KeyConditionExpression: "#m = :m AND #s BETWEEN :lo AND :hi", ExpressionAttributeNames: { "#m": "m", "#s": "s" }, ExpressionAttributeValues: { ":m": { S: "09:31" }, ":lo": { S: "a" }, ":hi": { S: "b~" } }, Limit: 1, ...(start ? { ExclusiveStartKey: start } : {}) }));
    const first = await page();
    expect(first.Items).toEqual([{ transactionId: { S: "t1" }, m: { S: "09:31" }, s: { S: "a" } }]);
    const second = await page(first.LastEvaluatedKey);
    expect(second.Items!.map((i) => i.transactionId!.S)).toEqual(["t2"]);
    expect(second.LastEvaluatedKey).toBeUndefined();
  });

  test("GIVEN keys of one region's replica THEN BatchGetItem returns those present there", async () => {
    await client(DynamoDBClient, A, A).send(new PutItemCommand({ TableName: "txmeta", Item: { transactionId: { S: "t1" } } }));
    const result = await client(DynamoDBClient, B, B).send(new BatchGetItemCommand({ RequestItems: { txmeta: { Keys: [{ transactionId: { S: "t1" } }, { transactionId: { S: "nope" } }] } } }));
    expect(result.Responses!.txmeta).toEqual([{ transactionId: { S: "t1" } }]);
  });

  test("key conditions: equality alone, comparisons and begins_with are understood; anything else is refused", () => {
    const v = { ":p": { S: "x" }, ":w": { S: "b" } };
    expect(keyCondition({ TableName: "t", IndexName: "i", KeyConditionExpression: "pk = :p", ExpressionAttributeValues: v }).sort).toBeUndefined();
    expect(keyCondition({ TableName: "t", IndexName: "i", KeyConditionExpression: "pk = :p AND sk >= :w", ExpressionAttributeValues: v }).sort!("c")).toBe(true);
    expect(keyCondition({ TableName: "t", IndexName: "i", KeyConditionExpression: "pk = :p AND begins_with(sk, :w)", ExpressionAttributeValues: v }).sort!("bz")).toBe(true);
    expect(() => keyCondition({ TableName: "t", IndexName: "i", KeyConditionExpression: "pk IN :p", ExpressionAttributeValues: v })).toThrow(/Unsupported/);
  });
});
