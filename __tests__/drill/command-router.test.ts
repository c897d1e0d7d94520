/**
 * The drill model's command router (drill/model/command-router.ts): one aws-sdk-client-mock fake per client class
 * that routes by command class, the route added last first, a route's input filter falling through to earlier routes,
 * the fallback for a command nothing routes, and a test's own `on()` still taking precedence.
 */
import { BatchGetItemCommand, DescribeTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { S3Client, ListBucketsCommand } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { CommandRouter } from "../../drill/model/command-router";

const NOT_MODELLED = (input: unknown) => {
  throw new Error(`not modelled: ${JSON.stringify(input)}`);
};

describe("CommandRouter", () => {
  const stub = mockClient(DynamoDBClient);
  afterEach(() => stub.reset());
  afterAll(() => stub.restore());

  it("routes each command to the handler of its class, with its input and the client that sent it", async () => {
    const router = new CommandRouter(stub as never, NOT_MODELLED);
    router.on(GetItemCommand, async (input: { TableName: string }, getClient) => ({ Item: { table: { S: input.TableName } }, region: await (getClient() as DynamoDBClient).config.region() }));
    router.on(PutItemCommand, () => ({ put: true }));
    router.on(DescribeTableCommand, () => undefined);
    const client = new DynamoDBClient({ region: "eu-west-1" });
    await expect(client.send(new GetItemCommand({ TableName: "t", Key: {} }))).resolves.toEqual({ Item: { table: { S: "t" } }, region: "eu-west-1" });
    await expect(client.send(new PutItemCommand({ TableName: "t", Item: {} }))).resolves.toEqual({ put: true });
    await expect(client.send(new DescribeTableCommand({ TableName: "t" }))).resolves.toBeUndefined();
  });

  it("sends a command no route takes to the fallback, which names its input", async () => {
    const router = new CommandRouter(stub as never, NOT_MODELLED);
    router.on(GetItemCommand, () => ({}));
    await expect(new DynamoDBClient({ region: "eu-west-1" }).send(new DescribeTableCommand({ TableName: "ledger" }))).rejects.toThrow('not modelled: {"TableName":"ledger"}');
  });

  it("prefers the route added last, and falls through a route whose filter refuses the input", async () => {
    const router = new CommandRouter(stub as never, NOT_MODELLED);
    router.on(QueryCommand, () => "base table");
    router.on(QueryCommand, () => "index", (input) => input.IndexName === "by-time");
    const client = new DynamoDBClient({ region: "eu-west-1" });
    await expect(client.send(new QueryCommand({ TableName: "t", IndexName: "by-time" }))).resolves.toBe("index");
    await expect(client.send(new QueryCommand({ TableName: "t" }))).resolves.toBe("base table");
    router.on(QueryCommand, () => "latest");
    await expect(client.send(new QueryCommand({ TableName: "t", IndexName: "by-time" }))).resolves.toBe("latest");
  });

  it("leaves a test's own aws-sdk-client-mock behaviour in front of its routes", async () => {
    const router = new CommandRouter(stub as never, NOT_MODELLED);
    router.on(BatchGetItemCommand, () => "routed");
    stub.on(BatchGetItemCommand).rejectsOnce(new Error("throttled"));
    const client = new DynamoDBClient({ region: "eu-west-1" });
    await expect(client.send(new BatchGetItemCommand({ RequestItems: {} }))).rejects.toThrow("throttled");
    await expect(client.send(new BatchGetItemCommand({ RequestItems: {} }))).resolves.toBe("routed");
    expect(stub.commandCalls(BatchGetItemCommand)).toHaveLength(2);
  });

  it("routes only the client class whose stub it was given", async () => {
    const s3 = mockClient(S3Client);
    try {
      new CommandRouter(s3 as never, () => "s3 fallback");
      const router = new CommandRouter(stub as never, NOT_MODELLED);
      router.on(GetItemCommand, () => "dynamodb");
      await expect(new S3Client({ region: "eu-west-1" }).send(new ListBucketsCommand({}))).resolves.toBe("s3 fallback");
      await expect(new DynamoDBClient({ region: "eu-west-1" }).send(new GetItemCommand({ TableName: "t", Key: {} }))).resolves.toBe("dynamodb");
    } finally {
      s3.restore();
    }
  });
});
