/**
 * The metadata record in the `txmeta` global table: one item per client and
 * transactionId, under the partition key `recordKey` = `<clientId>#<transactionId>`
 * (recordKeyOf), written once with `attribute_not_exists(recordKey)` and never
 * updated by this function. The idempotency key is the pair: two clients may use
 * the same transactionId without meeting, and a client cannot claim, or learn of,
 * another client's id (a 409 answers only a conflict within the same client).
 *
 * Attributes (all S unless noted): recordKey, clientId, transactionId, amount (canonical decimal
 * string, never N), currency, debitAccount, creditAccount, timestamp,
 * reference (when sent), status "RECORDED", region (where it was first
 * written), receivedAt (ISO), expiresAt (N, epoch seconds: DynamoDB TTL),
 * payloadSha256, logObjectKey, and the keys of the time index
 * (TIME_INDEX below): receivedMinute and receivedSort.
 *
 * The time index is a global secondary index keyed by the minute the record
 * was received (partition key, "2025-03-14T09:30") and `receivedAt#recordKey`
 * (sort key), projecting the table's keys only: one Query per minute finds
 * every record a region received in a time window without scanning the table
 * (the reconciliation of an unplanned failover, lambda/reconciler). Both
 * attributes are derived from receivedAt and the record key, so a record read
 * back without them (written before the index existed) gets them derived.
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
export const PARTITION_KEY = "recordKey";

/** The record key of a client's transaction: neither part holds '#' (clients.ts CLIENT_ID, payload.ts transactionId). */
export function recordKeyOf(clientId: string, transactionId: string): string {
  return `${clientId}#${transactionId}`;
}
export const CONDITION_NEW_RECORD = `attribute_not_exists(${PARTITION_KEY})`;

/**
 * The time index of the txmeta table (a GSI on every replica): the minute of
 * receipt as partition key, `receivedAt#recordKey` as sort key, keys only.
 */
export const TIME_INDEX = {
  name: "byReceivedMinute",
  partitionKey: "receivedMinute",
  sortKey: "receivedSort",
  projection: "KEYS_ONLY",
} as const;

/** The time-index keys of a record received at `receivedAt` (ISO, UTC). */
export function timeIndexKeys(receivedAt: string, recordKey: string): { receivedMinute: string; receivedSort: string } {
  return { receivedMinute: receivedMinuteOf(receivedAt), receivedSort: `${receivedAt}#${recordKey}` };
}

/** "2025-03-14T09:30:12.345Z" -> "2025-03-14T09:30": the index partition of that instant. */
export function receivedMinuteOf(receivedAt: string): string {
  return receivedAt.slice(0, 16);
}

export interface TransactionRecord extends Transaction {
  /** `<clientId>#<transactionId>`: the table's partition key. */
  readonly recordKey: string;
  /** The authenticated client that recorded it (clients.ts). */
  readonly clientId: string;
  readonly status: typeof RECORD_STATUS;
  /** Region whose replica accepted the first write. */
  readonly region: string;
  /** When that region received it, ISO. */
  readonly receivedAt: string;
  /** TTL, epoch seconds. */
  readonly expiresAt: number;
  readonly payloadSha256: string;
  readonly logObjectKey: string;
  /** Time index partition key: receivedAt to the minute (TIME_INDEX). */
  readonly receivedMinute: string;
  /** Time index sort key: `receivedAt#recordKey` (TIME_INDEX). */
  readonly receivedSort: string;
}

export interface RecordTarget {
  readonly dynamodb: DynamoDBClient;
  readonly call: Caller;
  readonly tableName: string;
}

export function newRecord(clientId: string, transaction: Transaction, payloadSha256: string, region: string, nowMs: number, retentionDays: number): TransactionRecord {
  const receivedAt = new Date(nowMs).toISOString();
  const recordKey = recordKeyOf(clientId, transaction.transactionId);
  return {
    recordKey,
    clientId,
    ...transaction,
    status: RECORD_STATUS,
    region,
    receivedAt,
    expiresAt: Math.floor(nowMs / 1000) + retentionDays * 86_400,
    payloadSha256,
    logObjectKey: logObjectKey(clientId, transaction),
    ...timeIndexKeys(receivedAt, recordKey),
  };
}

/**
 * Conditional put. True when this call created the record, false when an
 * item with this record key (client and transactionId) already exists in this region's replica
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
export async function getRecord(target: RecordTarget, recordKey: string): Promise<TransactionRecord | undefined> {
  const result = await target.call("GetItem", () =>
    target.dynamodb.send(new GetItemCommand({ TableName: target.tableName, Key: { [PARTITION_KEY]: { S: recordKey } }, ConsistentRead: true })),
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
  const transactionId = str("transactionId");
  const clientId = str("clientId");
  const recordKey = recordKeyOf(clientId, transactionId);
  if (plain[PARTITION_KEY] !== undefined && plain[PARTITION_KEY] !== recordKey) throw new Error("txmeta item's recordKey disagrees with its clientId and transactionId");
  const receivedAt = str("receivedAt");
  return {
    recordKey,
    clientId,
    transactionId,
    amount: str("amount"),
    currency: str("currency"),
    debitAccount: str("debitAccount"),
    creditAccount: str("creditAccount"),
    timestamp: str("timestamp"),
    ...(typeof reference === "string" ? { reference } : {}),
    status: RECORD_STATUS,
    region: str("region"),
    receivedAt,
    expiresAt,
    payloadSha256: str("payloadSha256"),
    logObjectKey: str("logObjectKey"),
    ...timeIndexKeys(receivedAt, recordKey),
  };
}
