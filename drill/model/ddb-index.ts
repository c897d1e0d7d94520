/**
 * An addition to the DynamoDB model (aws-model.ts, which answers Query by
 * filtering a table and knows no index, no BETWEEN, no page keys and no
 * BatchGetItem): global secondary indexes and BatchGetItem, the way the
 * reconciliation reads a txmeta replica (lambda/reconciler/stores.ts).
 *
 * - Query with IndexName: the items of the table (in the called region) that
 *   carry both index keys; key condition `pk = v` optionally AND a sort-key
 *   condition (=, <, <=, >, >=, BETWEEN, begins_with); ordered by the sort
 *   key; Limit, LastEvaluatedKey and ExclusiveStartKey; KEYS_ONLY projects the
 *   table's key and the index keys. Global tables: each replica's index is
 *   its own items (replicated items are indexed where they land).
 * - BatchGetItem: per table, the keys present in the called region.
 *
 * Calls go through the network model (an unreachable region times out).
 * Installed as a ModelExtension: `model.extensions.push(new DynamoDbIndexes([...]))`.
 */
import { AttributeValue, BatchGetItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { AwsModel, CALLER_REGION, ModelExtension } from "./aws-model";
import { awsError, unreachable } from "./errors";

type Item = Record<string, AttributeValue>;

export interface IndexSpec {
  readonly table: string;
  readonly name: string;
  /** The table's own partition key. */
  readonly tableKey: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly projection: "KEYS_ONLY" | "ALL";
}

type ClientLike = { config: { region?: unknown }; [CALLER_REGION]?: string };

export async function callerAndRegion(getClient: () => unknown): Promise<{ region: string; caller: string | undefined }> {
  const client = getClient() as ClientLike;
  const region = client.config.region;
  const value = typeof region === "function" ? await (region as () => Promise<string>)() : region;
  return { region: String(value), caller: client[CALLER_REGION] };
}

interface QueryInputLike {
  TableName: string;
  IndexName: string;
  KeyConditionExpression: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
  Limit?: number;
  ExclusiveStartKey?: Item;
  ScanIndexForward?: boolean;
}

/** Parses `p = :v [AND s <op> :w | AND s BETWEEN :a AND :b | AND begins_with(s, :w)]`. */
export function keyCondition(input: QueryInputLike): { pk: string; pkValue: string; sort?: (value: string) => boolean } {
  const names = input.ExpressionAttributeNames ?? {};
  const values = input.ExpressionAttributeValues ?? {};
  const name = (token: string) => (token.startsWith("#") ? (names[token] ?? token) : token);
  const value = (token: string) => {
    const v = values[token]?.S;
    if (v === undefined) throw awsError("ValidationException", `Value ${token} is not a string`);
    return v;
  };
  const m = /^\s*(\S+)\s*=\s*(:\w+)\s*(?:AND\s+(.+))?$/i.exec(input.KeyConditionExpression);
  if (!m) throw awsError("ValidationException", `Unsupported key condition: ${input.KeyConditionExpression}`);
  const out = { pk: name(m[1] as string), pkValue: value(m[2] as string) };
  const rest = m[3]?.trim();
  if (!rest) return out;
  const between = /^(\S+)\s+BETWEEN\s+(:\w+)\s+AND\s+(:\w+)$/i.exec(rest);
  if (between) {
    const [low, high] = [value(between[2] as string), value(between[3] as string)];
    return { ...out, sort: (v) => v >= low && v <= high };
  }
  const begins = /^begins_with\(\s*(\S+)\s*,\s*(:\w+)\s*\)$/i.exec(rest);
  if (begins) {
    const prefix = value(begins[2] as string);
    return { ...out, sort: (v) => v.startsWith(prefix) };
  }
  const cmp = /^(\S+)\s*(<=|>=|<|>|=)\s*(:\w+)$/.exec(rest);
  if (!cmp) throw awsError("ValidationException", `Unsupported sort key condition: ${rest}`);
  const w = value(cmp[3] as string);
  const op = cmp[2] as string;
  return { ...out, sort: (v) => (op === "=" ? v === w : op === "<" ? v < w : op === "<=" ? v <= w : op === ">" ? v > w : v >= w) };
}

export class DynamoDbIndexes implements ModelExtension {
  constructor(readonly indexes: readonly IndexSpec[]) {}

  install(model: AwsModel): void {
    const router = model.router("dynamodb");
    for (const index of this.indexes) {
      // A query of this index, routed before the model's own Query (which knows only base tables).
      const onThisIndex = (input: Record<string, unknown>) => input.TableName === index.table && input.IndexName === index.name;
      router.on(QueryCommand, async (input: QueryInputLike, getClient) => {
        const { region, caller } = await callerAndRegion(getClient);
        if (!model.network.canCallApi(caller, region)) throw unreachable(region);
        return this.query(model, index, input, region);
      }, onThisIndex);
    }
    router.on(BatchGetItemCommand, async (input: { RequestItems: Record<string, { Keys: Item[] }> }, getClient) => {
      const { region, caller } = await callerAndRegion(getClient);
      if (!model.network.canCallApi(caller, region)) throw unreachable(region);
      const responses: Record<string, Item[]> = {};
      for (const [table, request] of Object.entries(input.RequestItems)) {
        if (request.Keys.length > 100) throw awsError("ValidationException", "Too many items requested for the BatchGetItem call");
        const items = model.items(region, table);
        responses[table] = request.Keys.map((key) => items.get(model.keyOf(table, key))).filter((i): i is Item => i !== undefined).map((i) => ({ ...i }));
      }
      return { Responses: responses, UnprocessedKeys: {} };
    });
  }

  restore(): void {
    // The model restores its DynamoDB stub, and these behaviours with it.
  }

  query(model: AwsModel, index: IndexSpec, input: QueryInputLike, region: string): { Items: Item[]; Count: number; LastEvaluatedKey?: Item } {
    const condition = keyCondition(input);
    if (condition.pk !== index.partitionKey) throw awsError("ValidationException", `Query condition missed key schema element: ${index.partitionKey}`);
    const sortOf = (i: Item) => i[index.sortKey]?.S as string;
    let rows = [...model.items(region, index.table).values()]
      .filter((i) => i[index.partitionKey]?.S === condition.pkValue && typeof i[index.sortKey]?.S === "string")
      .filter((i) => !condition.sort || condition.sort(sortOf(i)))
      .sort((a, b) => (sortOf(a) < sortOf(b) ? -1 : sortOf(a) > sortOf(b) ? 1 : 0));
    if (input.ScanIndexForward === false) rows = rows.reverse();
    const start = input.ExclusiveStartKey;
    if (start) {
      const at = rows.findIndex((i) => sortOf(i) === start[index.sortKey]?.S && i[index.tableKey]?.S === start[index.tableKey]?.S);
      rows = at >= 0 ? rows.slice(at + 1) : rows;
    }
    const page = input.Limit !== undefined ? rows.slice(0, input.Limit) : rows;
    const keysOf = (i: Item): Item => ({ [index.tableKey]: i[index.tableKey] as AttributeValue, [index.partitionKey]: i[index.partitionKey] as AttributeValue, [index.sortKey]: i[index.sortKey] as AttributeValue });
    const last = page[page.length - 1];
    return {
      Items: page.map((i) => (index.projection === "KEYS_ONLY" ? keysOf(i) : { ...i })),
      Count: page.length,
      ...(rows.length > page.length && last ? { LastEvaluatedKey: keysOf(last) } : {}),
    };
  }
}
