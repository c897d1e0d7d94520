/**
 * A two-region, in-memory stand-in for the few DynamoDB, S3, SNS, CloudWatch
 * and Step Functions calls the reconciler and its trigger make, installed with
 * aws-sdk-client-mock (mock by client class; each call is routed by the
 * client's region). Failures are injected per operation and region.
 */
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { AttributeValue, BatchGetItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";

type Item = Record<string, AttributeValue>;

export function awsError(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status }, ...(status >= 500 || status === 429 ? { $fault: "server" } : { $fault: "client" }) });
}

interface Call {
  readonly operation: string;
  readonly region: string;
  readonly input: any;
  outcome?: string;
}

async function regionOf(getClient: () => any): Promise<string> {
  const region = getClient().config.region;
  return String(typeof region === "function" ? await region() : region);
}

export class FakeAws {
  readonly tables = new Map<string, Map<string, Item>>(); // `${region}/${table}` -> key -> item
  readonly buckets = new Map<string, Map<string, { body: string; metadata: Record<string, string> }>>(); // bucket -> key -> object
  readonly messages: { region: string; subject?: string; message: any }[] = [];
  readonly metrics: { region: string; namespace: string; data: any[] }[] = [];
  readonly executions = new Map<string, { name: string; input: string }>(); // execution ARN -> start
  readonly calls: Call[] = [];
  private readonly failures: { operation: string; region?: string; where?: (input: any) => boolean; error: () => Error; times: number }[] = [];
  private readonly mocks = [mockClient(DynamoDBClient), mockClient(S3Client), mockClient(SNSClient), mockClient(CloudWatchClient), mockClient(SFNClient)];

  constructor() {
    const [ddb, s3, sns, cw, sfn] = this.mocks as any[];
    const on = (stub: any, command: any, operation: string, fn: (input: any, region: string) => unknown) =>
      stub.on(command).callsFake(async (input: any, getClient: () => any) => {
        const region = await regionOf(getClient);
        const call: Call = { operation, region, input };
        this.calls.push(call);
        const failure = this.failures.find((f) => f.operation === operation && (f.region === undefined || f.region === region) && (f.where === undefined || f.where(input)) && f.times > 0);
        if (failure) {
          failure.times--;
          call.outcome = "injected";
          throw failure.error();
        }
        try {
          const result = fn(input, region);
          call.outcome = "ok";
          return result;
        } catch (error) {
          call.outcome = (error as Error).name;
          throw error;
        }
      });
    on(ddb, QueryCommand, "Query", (input, region) => this.query(input, region));
    on(ddb, BatchGetItemCommand, "BatchGetItem", (input, region) => ({
      Responses: Object.fromEntries(
        Object.entries<any>(input.RequestItems).map(([table, request]) => [table, request.Keys.map((k: Item) => this.table(region, table).get(this.keyOf(k))).filter(Boolean)]),
      ),
      UnprocessedKeys: {},
    }));
    on(ddb, GetItemCommand, "GetItem", (input, region) => ({ Item: this.table(region, input.TableName).get(this.keyOf(input.Key)) }));
    on(ddb, PutItemCommand, "PutItem", (input, region) => {
      const table = this.table(region, input.TableName);
      const key = this.keyOf(input.Item);
      const m = /^attribute_not_exists\((#?\w+)\)$/.exec(input.ConditionExpression ?? "");
      if (input.ConditionExpression && !m) throw new Error(`unsupported condition ${input.ConditionExpression}`);
      const attr = m ? (m[1]!.startsWith("#") ? input.ExpressionAttributeNames[m[1]!] : m[1]!) : undefined;
      if (attr && table.get(key)?.[attr] !== undefined) throw awsError("ConditionalCheckFailedException", 400, "The conditional request failed");
      table.set(key, input.Item);
      return {};
    });
    on(s3, PutObjectCommand, "PutObject", (input, region) => {
      const bucket = this.bucket(input.Bucket);
      if (input.IfNoneMatch === "*" && bucket.has(input.Key)) throw awsError("PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold");
      bucket.set(input.Key, { body: String(input.Body), metadata: input.Metadata ?? {} });
      void region;
      return { ETag: '"etag"' };
    });
    on(s3, HeadObjectCommand, "HeadObject", (input) => {
      const object = this.bucket(input.Bucket).get(input.Key);
      if (!object) throw awsError("NotFound", 404);
      return { Metadata: object.metadata };
    });
    on(s3, GetObjectCommand, "GetObject", (input) => {
      const object = this.bucket(input.Bucket).get(input.Key);
      if (!object) throw awsError("NoSuchKey", 404);
      return { Body: { transformToString: async () => object.body } };
    });
    on(sns, PublishCommand, "Publish", (input, region) => {
      this.messages.push({ region, subject: input.Subject, message: JSON.parse(input.Message) });
      return { MessageId: String(this.messages.length) };
    });
    on(cw, PutMetricDataCommand, "PutMetricData", (input, region) => {
      this.metrics.push({ region, namespace: input.Namespace, data: input.MetricData });
      return {};
    });
    on(sfn, DescribeExecutionCommand, "DescribeExecution", (input) => {
      if (!this.executions.has(input.executionArn)) throw awsError("ExecutionDoesNotExist", 400);
      return { executionArn: input.executionArn, status: "RUNNING" };
    });
    on(sfn, StartExecutionCommand, "StartExecution", (input) => {
      const arn = `${input.stateMachineArn.replace(":stateMachine:", ":execution:")}:${input.name}`;
      if (this.executions.has(arn)) throw awsError("ExecutionAlreadyExists", 400);
      this.executions.set(arn, { name: input.name, input: input.input });
      return { executionArn: arn };
    });
  }

  restore(): void {
    for (const m of this.mocks) m.restore();
  }

  /** The next `times` (default 1) calls of `operation` (in `region`, and whose input `where` accepts, when given) throw `error()`. */
  fail(operation: string, error: () => Error, options: { region?: string; where?: (input: any) => boolean; times?: number } = {}): void {
    this.failures.push({ operation, error, times: options.times ?? 1, ...(options.region ? { region: options.region } : {}), ...(options.where ? { where: options.where } : {}) });
  }

  table(region: string, name: string): Map<string, Item> {
    const id = `${region}/${name}`;
    if (!this.tables.has(id)) this.tables.set(id, new Map());
    return this.tables.get(id)!;
  }

  bucket(name: string): Map<string, { body: string; metadata: Record<string, string> }> {
    if (!this.buckets.has(name)) this.buckets.set(name, new Map());
    return this.buckets.get(name)!;
  }

  count(operation: string, region?: string, outcome?: string): number {
    return this.calls.filter((c) => c.operation === operation && (region === undefined || c.region === region) && (outcome === undefined || c.outcome === outcome)).length;
  }

  private keyOf(item: Item): string {
    return String((item.recordKey ?? item.pk)?.S);
  }

  private query(input: any, region: string) {
    const values = input.ExpressionAttributeValues;
    const rows = [...this.table(region, input.TableName).values()]
      .filter((i) => i.receivedMinute?.S === values[":minute"].S && i.receivedSort!.S! >= values[":low"].S && i.receivedSort!.S! <= values[":high"].S)
      .sort((a, b) => (a.receivedSort!.S! < b.receivedSort!.S! ? -1 : 1));
    const after = input.ExclusiveStartKey ? rows.filter((r) => r.receivedSort!.S! > input.ExclusiveStartKey.receivedSort.S) : rows;
    const page = after.slice(0, input.Limit ?? 1000);
    const last = page[page.length - 1];
    const keysOnly = page.map((i) => ({ recordKey: i.recordKey!, receivedMinute: i.receivedMinute!, receivedSort: i.receivedSort! }));
    return { Items: keysOnly, ...(after.length > page.length && last ? { LastEvaluatedKey: { recordKey: last.recordKey, receivedMinute: last.receivedMinute, receivedSort: last.receivedSort } } : {}) };
  }
}
