/**
 * The single-flight lock: one item in a region's regional (non-global) state
 * table. A global table would replicate asynchronously and let two regions each
 * take "the" lock; the regional table is strongly consistent. A runbook takes
 * its own region's lock and, when it can reach it, the other region's too (a
 * failback always needs both), so that runs started in the two regions at once
 * exclude each other whenever the regions can see each other.
 *
 * The expiry is checked in the write condition itself, so an expired lock can
 * be taken over at once, without waiting for TTL deletion (the `ttl` attribute
 * only cleans up, days later).
 *
 * The holder id is the Step Functions execution ARN: a retried or redriven
 * step of the same execution re-enters the lock; another execution cannot
 * take it until it expires.
 */
import { AttributeValue, DeleteItemCommand, DynamoDBClient, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { isAwsError, LockHeldError, LockLostError } from "./errors";
import { fromItem, Plain, TABLE_KEY, toAttr } from "./dynamo";
import { Caller } from "./retry";

/** Days the lock item stays after expiry before DynamoDB TTL may delete it (cleanup only). */
const CLEANUP_AFTER_SECONDS = 7 * 86_400;

export interface LockParams {
  readonly tableName: string;
  readonly key: string;
  readonly holder: string;
  readonly nowMs: number;
  readonly ttlSeconds: number;
}

export function lockKey(globalClusterId: string): string {
  return `lock#failover#${globalClusterId}`;
}

const NAMES = { "#pk": TABLE_KEY, "#holder": "holder", "#exp": "expiresAt" };

/**
 * Takes the lock, or re-enters it for the same holder. An UpdateItem rather
 * than a PutItem so that re-entering keeps what the holder stored on the lock
 * (its promotion intent). Returns the new expiry (epoch seconds).
 */
export async function acquireLock(dynamodb: DynamoDBClient, call: Caller, p: LockParams): Promise<number> {
  const now = Math.floor(p.nowMs / 1000);
  const expiresAt = now + p.ttlSeconds;
  try {
    await call("UpdateItem", () =>
      dynamodb.send(
        new UpdateItemCommand({
          TableName: p.tableName,
          Key: { [TABLE_KEY]: { S: p.key } },
          UpdateExpression: "SET #holder = :holder, #exp = :exp, #ttl = :ttl, #acq = :acq",
          ConditionExpression: "attribute_not_exists(#pk) OR #exp < :now OR #holder = :holder",
          ExpressionAttributeNames: { ...NAMES, "#ttl": "ttl", "#acq": "acquiredAt" },
          ExpressionAttributeValues: {
            ":now": { N: String(now) },
            ":holder": { S: p.holder },
            ":exp": { N: String(expiresAt) },
            ":ttl": { N: String(expiresAt + CLEANUP_AFTER_SECONDS) },
            ":acq": { S: new Date(p.nowMs).toISOString() },
          },
        }),
      ),
    );
    return expiresAt;
  } catch (error) {
    if (!isAwsError(error, "ConditionalCheckFailedException")) throw error;
    const current = await readLock(dynamodb, call, p.tableName, p.key);
    throw new LockHeldError(`Failover lock ${p.key} is held by ${current?.holder ?? "another execution"} until ${current ? new Date(current.expiresAt * 1000).toISOString() : "unknown"}`, {
      holder: current?.holder,
      expiresAt: current?.expiresAt,
    });
  }
}

/**
 * Extends the lock and, in the same conditional write, stores `extra`
 * attributes on it (the promotion intent, so a re-run after a crash knows what
 * this execution already asked for). Fails with LockLostError when another
 * execution took the lock over. Returns the new expiry and the whole item.
 */
export async function renewLock(
  dynamodb: DynamoDBClient,
  call: Caller,
  p: LockParams,
  extra: Readonly<Record<string, Plain>> = {},
): Promise<{ expiresAt: number; item: Record<string, Plain> }> {
  const expiresAt = Math.floor(p.nowMs / 1000) + p.ttlSeconds;
  const names: Record<string, string> = { "#exp": "expiresAt", "#ttl": "ttl", "#renewed": "renewedAt", "#holder": "holder" };
  const values: Record<string, AttributeValue> = {
    ":exp": { N: String(expiresAt) },
    ":ttl": { N: String(expiresAt + CLEANUP_AFTER_SECONDS) },
    ":renewed": { S: new Date(p.nowMs).toISOString() },
    ":holder": { S: p.holder },
  };
  const sets = ["#exp = :exp", "#ttl = :ttl", "#renewed = :renewed"];
  Object.entries(extra).forEach(([name, value], i) => {
    names[`#x${i}`] = name;
    values[`:x${i}`] = toAttr(value);
    sets.push(`#x${i} = :x${i}`);
  });
  try {
    const result = await call("UpdateItem", () =>
      dynamodb.send(
        new UpdateItemCommand({
          TableName: p.tableName,
          Key: { [TABLE_KEY]: { S: p.key } },
          UpdateExpression: `SET ${sets.join(", ")}`,
          ConditionExpression: "#holder = :holder",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        }),
      ),
    );
    return { expiresAt, item: fromItem(result.Attributes) };
  } catch (error) {
    if (!isAwsError(error, "ConditionalCheckFailedException")) throw error;
    const current = await readLock(dynamodb, call, p.tableName, p.key);
    throw new LockLostError(`Failover lock ${p.key} is no longer held by this execution (holder: ${current?.holder ?? "none"})`, { holder: current?.holder });
  }
}

/** Deletes the lock if `holder` holds it. Returns false when it did not (already released or taken over). */
export async function releaseLock(dynamodb: DynamoDBClient, call: Caller, p: Omit<LockParams, "nowMs" | "ttlSeconds">): Promise<boolean> {
  try {
    await call("DeleteItem", () =>
      dynamodb.send(
        new DeleteItemCommand({
          TableName: p.tableName,
          Key: { [TABLE_KEY]: { S: p.key } },
          ConditionExpression: "#holder = :holder",
          ExpressionAttributeNames: { "#holder": "holder" },
          ExpressionAttributeValues: { ":holder": { S: p.holder } },
        }),
      ),
    );
    return true;
  } catch (error) {
    if (isAwsError(error, "ConditionalCheckFailedException")) return false;
    throw error;
  }
}

export interface LockView {
  readonly holder: string;
  readonly expiresAt: number;
}

export async function readLock(dynamodb: DynamoDBClient, call: Caller, tableName: string, key: string): Promise<LockView | null> {
  const result = await call("GetItem", () => dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { [TABLE_KEY]: { S: key } }, ConsistentRead: true })));
  if (!result.Item) return null;
  const item = fromItem(result.Item);
  return { holder: String(item.holder ?? ""), expiresAt: Number(item.expiresAt ?? 0) };
}

/** Dry-run view: could `holder` take the lock now? */
export function lockAvailability(lock: LockView | null, holder: string, nowMs: number): "free" | "expired" | "mine" | "held" {
  if (!lock) return "free";
  if (lock.holder === holder) return "mine";
  return lock.expiresAt < Math.floor(nowMs / 1000) ? "expired" : "held";
}

/** The whole lock item (what its holder stored on it), or null. */
export async function readLockItem(dynamodb: DynamoDBClient, call: Caller, tableName: string, key: string): Promise<Record<string, Plain> | null> {
  const result = await call("GetItem", () => dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { [TABLE_KEY]: { S: key } }, ConsistentRead: true })));
  return result.Item ? fromItem(result.Item) : null;
}
