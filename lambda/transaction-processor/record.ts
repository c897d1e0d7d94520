/**
 * The metadata record in the `txmeta` global table: one item per
 * transactionId (the partition key), written once with
 * `attribute_not_exists(transactionId)` and never updated by this function.
 *
 * Attributes (all S unless noted): transactionId, amount (canonical decimal
 * string, never N), currency, debitAccount, creditAccount, timestamp,
 * reference (when sent), status "RECORDED", region (where it was first
 * written), receivedAt (ISO), expiresAt (N, epoch seconds: DynamoDB TTL),
 * payloadSha256, logObjectKey.
 *
 * The record carries every payload field, so the log object can be rebuilt
 * from it byte for byte (log-object.ts) when a retry repairs a missing one.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { fromItem, toItem } from "../shared/dynamo";
import { isAwsError } from "../shared/errors";
import { Caller } from "../shared/retry";
import { logObjectKey } from "./log-object";
import { Transaction } from "./payload";

export const RECORD_STATUS = "RECORDED";
export const PARTITION_KEY = "transactionId";
export const CONDITION_NEW_RECORD = `attribute_not_exists(${PARTITION_KEY})`;

export interface TransactionRecord extends Transaction {
  readonly status: typeof RECORD_STATUS;
  /** Region whose replica accepted the first write. */
  readonly region: string;
  /** When that region received it, ISO. */
  readonly receivedAt: string;
  /** TTL, epoch seconds. */
  readonly expiresAt: number;
  readonly payloadSha256: string;
  readonly logObjectKey: string;
}

export interface RecordTarget {
  readonly dynamodb: DynamoDBClient;
  readonly call: Caller;
  readonly tableName: string;
}

export function newRecord(transaction: Transaction, payloadSha256: string, region: string, nowMs: number, retentionDays: number): TransactionRecord {
  return {
    ...transaction,
    status: RECORD_STATUS,
    region,
    receivedAt: new Date(nowMs).toISOString(),
    expiresAt: Math.floor(nowMs / 1000) + retentionDays * 86_400,
    payloadSha256,
    logObjectKey: logObjectKey(transaction),
  };
}

/**
 * Conditional put. True when this call created the record, false when an
 * item with this transactionId already exists in this region's replica
 * (ConditionalCheckFailedException). Throttling and 5xx are retried by `call`.
 */
export async function putRecord(target: RecordTarget, record: TransactionRecord): Promise<boolean> {
  try {
    await target.call("PutItem", () =>
      target.dynamodb.send(
        new PutItemCommand({
          TableName: target.tableName,
          Item: toItem({ ...record }),
          ConditionExpression: CONDITION_NEW_RECORD,
        }),
      ),
    );
    return true;
  } catch (error) {
    if (isAwsError(error, "ConditionalCheckFailedException")) return false;
    throw error;
  }
}

/** Strongly consistent read of this region's replica; undefined when absent. */
export async function getRecord(target: RecordTarget, transactionId: string): Promise<TransactionRecord | undefined> {
  const result = await target.call("GetItem", () =>
    target.dynamodb.send(new GetItemCommand({ TableName: target.tableName, Key: { [PARTITION_KEY]: { S: transactionId } }, ConsistentRead: true })),
  );
  return result.Item ? recordFromItem(result.Item) : undefined;
}

/** Reads a stored record back; throws when a required attribute is missing or of the wrong type. */
export function recordFromItem(item: Parameters<typeof fromItem>[0]): TransactionRecord {
  const plain = fromItem(item);
  const str = (name: string): string => {
    const value = plain[name];
    if (typeof value !== "string") throw new Error(`txmeta item lacks string attribute ${name}`);
    return value;
  };
  const expiresAt = plain.expiresAt;
  if (typeof expiresAt !== "number") throw new Error("txmeta item lacks numeric attribute expiresAt");
  if (plain.status !== RECORD_STATUS) throw new Error("txmeta item has an unknown status");
  const reference = plain.reference;
  return {
    transactionId: str("transactionId"),
    amount: str("amount"),
    currency: str("currency"),
    debitAccount: str("debitAccount"),
    creditAccount: str("creditAccount"),
    timestamp: str("timestamp"),
    ...(typeof reference === "string" ? { reference } : {}),
    status: RECORD_STATUS,
    region: str("region"),
    receivedAt: str("receivedAt"),
    expiresAt,
    payloadSha256: str("payloadSha256"),
    logObjectKey: str("logObjectKey"),
  };
}
