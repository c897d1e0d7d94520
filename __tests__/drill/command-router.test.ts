/**
 * The drill model's command router (drill/model/command-router.ts): it takes over `send` of one SDK client class,
 * routes by command class with the route added last first, lets a route's input filter fall through to earlier
 * routes, sends what nothing routes to the fallback, always answers with a promise, and gives `send` back on restore.
 */
import { BatchGetItemCommand, DescribeTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { CommandRouter } from "../../drill/model/command-router";

const NOT_MODELLED = (input: unknown) => {
  throw new Error(`not modelled: ${JSON.stringify(input)}`);
};

const routers: CommandRouter[] = [];
function install(client: typeof DynamoDBClient | typeof S3Client, fallback: (input: unknown) => unknown = NOT_MODELLED): CommandRouter {
  const router = CommandRouter.install(client, fallback);
  routers.push(router);
  return router;
}
afterEach(() => routers.splice(0).forEach((r) => r.restore()));

const dynamodb = () => new DynamoDBClient({ region: "eu-west-1" });

describe("CommandRouter", () => {
  it("routes each command to the handler of its class, with its input and the client that sent it", async () => {
    const router = install(DynamoDBClient);
    router.on(GetItemCommand, async (input: { TableName: string }, getClient: () => unknown) => ({
      table: input.TableName,
      region: await (getClient() as DynamoDBClient).config.region(),
    }));
    router.on(PutItemCommand, () => ({ put: true }));
    router.on(DescribeTableCommand, () => undefined);
    const client = new DynamoDBClient({ region: "ap-south-1" });
    await expect(client.send(new GetItemCommand({ TableName: "t", Key: {} }))).resolves.toEqual({ table: "t", region: "ap-south-1" });
    // A synchronous handler's answer and a thrown error still come back as a promise, as from a real client.
    await expect(client.send(new PutItemCommand({ TableName: "t", Item: {} }))).resolves.toEqual({ put: true });
    await expect(client.send(new DescribeTableCommand({ TableName: "t" }))).resolves.toBeUndefined();
  });

  it("sends a command no route takes to the fallback, which names its input, as a rejection", async () => {
    install(DynamoDBClient).on(GetItemCommand, () => ({}));
    const sent = dynamodb().send(new DescribeTableCommand({ TableName: "ledger" }));
    expect(sent).toBeInstanceOf(Promise);
    await expect(sent).rejects.toThrow('not modelled: {"TableName":"ledger"}');
  });

  it("prefers the route added last, and falls through a route whose filter refuses the input", async () => {
    const router = install(DynamoDBClient);
    router.on(QueryCommand, () => "base table");
    router.on(QueryCommand, () => "index", (input) => input.IndexName === "by-time");
    await expect(dynamodb().send(new QueryCommand({ TableName: "t", IndexName: "by-time" }))).resolves.toBe("index");
    await expect(dynamodb().send(new QueryCommand({ TableName: "t" }))).resolves.toBe("base table");
    router.on(QueryCommand, () => "latest");
    await expect(dynamodb().send(new QueryCommand({ TableName: "t", IndexName: "by-time" }))).resolves.toBe("latest");
  });

  it("answers only for the client class it was installed on", async () => {
    install(S3Client, () => "s3 fallback");
    install(DynamoDBClient).on(GetItemCommand, () => "dynamodb");
    await expect(new S3Client({ region: "eu-west-1" }).send(new ListBucketsCommand({}))).resolves.toBe("s3 fallback");
    await expect(dynamodb().send(new GetItemCommand({ TableName: "t", Key: {} }))).resolves.toBe("dynamodb");
  });

  it("refuses a second router on the same class until the first is restored", () => {
    const first = install(DynamoDBClient);
    expect(() => install(DynamoDBClient)).toThrow("CommandRouter: DynamoDBClient already has a router; restore() it first");
    first.restore();
    expect(() => install(DynamoDBClient)).not.toThrow();
  });

  it("gives the class its own send back on restore, once", async () => {
    const original = DynamoDBClient.prototype.send;
    const router = install(DynamoDBClient);
    expect(DynamoDBClient.prototype.send).not.toBe(original);
    router.restore();
    expect(Object.prototype.hasOwnProperty.call(DynamoDBClient.prototype, "send")).toBe(false);
    expect(DynamoDBClient.prototype.send).toBe(original);
    router.restore();
    expect(DynamoDBClient.prototype.send).toBe(original);
  });

  it("lets a test put an aws-sdk-client-mock stub over it, and answers again when that stub is restored", async () => {
    const router = install(DynamoDBClient).on(BatchGetItemCommand, () => "routed");
    const stub = mockClient(DynamoDBClient);
    stub.on(BatchGetItemCommand).rejects(new Error("throttled"));
    await expect(dynamodb().send(new BatchGetItemCommand({ RequestItems: {} }))).rejects.toThrow("throttled");
    expect(stub.commandCalls(BatchGetItemCommand)).toHaveLength(1);
    // Restoring the router under the stub is refused: the stub would put the stale router back on its own restore.
    expect(() => router.restore()).toThrow("CommandRouter: DynamoDBClient.send was replaced after this router was installed; restore that stub first");
    stub.restore();
    await expect(dynamodb().send(new BatchGetItemCommand({ RequestItems: {} }))).resolves.toBe("routed");
  });
});
