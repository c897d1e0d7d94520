/**
 * The control table: a DynamoDB global table (replicas in both regions) that
 * carries the two facts one region must learn about the other without calling
 * into it (docs/failover-protocol.md):
 *
 *  - `heartbeat#<region>`: written by the health monitor of <region> at every
 *    sample: what <region> sees of itself (writer, database, service, gate);
 *  - `fence#<region>`: written by the failover orchestrator that fences or
 *    unfences <region>; read by <region>'s monitor, which applies it to its own
 *    gate and capacity, and by <region>'s transaction path, which refuses
 *    writes while it is in force.
 *
 * Reads are strongly consistent against the local replica (the only kind a
 * global table offers); what the other region wrote arrives by DynamoDB's
 * replication. Concurrent writes to one item resolve last-writer-wins across
 * regions: the runbooks' locks keep two runs from fencing at once, and a fence
 * carries a lease so that a run that died cannot keep a writer fenced.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { CONTROL_KEYS } from "./control-keys";
import { fromItem, Plain, TABLE_KEY, toItem } from "./dynamo";
import { Caller } from "./retry";

export { CONTROL_KEYS };

/** What a region's monitor reports about its own region. */
export interface Heartbeat {
  readonly region: string;
  /** Epoch ms of the sample that wrote it (the writer's clock). */
  readonly at: number;
  /** The global cluster's writer as read in this region, or null when none is visible. */
  readonly writerArn: string | null;
  readonly ownIsWriter: boolean;
  /** This region's cluster reports status `available`. */
  readonly databaseAvailable: boolean;
  /** Healthy targets behind this region's load balancer and running tasks; null when unreadable. */
  readonly serviceHealthy: boolean | null;
  /** A fence of this region is in force (its service's absence is then intentional, not evidence). */
  readonly fenced: boolean;
  readonly gateOpen: boolean;
}

/** Capacity the fenced region is held at while the fence is in force. */
export type FenceCapacity = "zero" | "standby";

export interface Fence {
  readonly region: string;
  readonly fenced: boolean;
  /** The execution that wrote it (or "monitor" for the reconciler's own clean-up). */
  readonly by: string;
  readonly byRegion: string;
  readonly at: number;
  /**
   * Epoch ms after which a fence that is still `fenced` no longer counts. Set while a
   * run has not yet promoted (a run that dies must not keep a writer fenced); null
   * once the promotion it prepared was requested (the old region stays fenced until a
   * failback clears it).
   */
  readonly leaseExpiresAt: number | null;
  readonly capacity: FenceCapacity;
  readonly reason: string;
}

function numberOr(value: Plain | undefined, fallback: number): number {
  // Number.isFinite is false for anything that is not a number (it does not convert).
  return Number.isFinite(value) ? (value as number) : fallback;
}

export async function writeHeartbeat(dynamodb: DynamoDBClient, call: Caller, tableName: string, heartbeat: Heartbeat): Promise<void> {
  await call("PutItem", () =>
    dynamodb.send(
      new PutItemCommand({
        TableName: tableName,
        Item: toItem({ [TABLE_KEY]: CONTROL_KEYS.heartbeat(heartbeat.region), kind: "heartbeat", ...heartbeat }),
      }),
    ),
  );
}

export async function readHeartbeat(dynamodb: DynamoDBClient, call: Caller, tableName: string, region: string): Promise<Heartbeat | null> {
  const key = CONTROL_KEYS.heartbeat(region);
  const result = await call("GetItem", () => dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { [TABLE_KEY]: { S: key } }, ConsistentRead: true })));
  // An answer without an item reads as {}, whose key is not `key`.
  const item = fromItem(result.Item);
  if (item[TABLE_KEY] !== key || typeof item.at !== "number") return null;
  return {
    region,
    at: item.at,
    writerArn: typeof item.writerArn === "string" ? item.writerArn : null,
    ownIsWriter: item.ownIsWriter === true,
    databaseAvailable: item.databaseAvailable === true,
    serviceHealthy: typeof item.serviceHealthy === "boolean" ? item.serviceHealthy : null,
    fenced: item.fenced === true,
    gateOpen: item.gateOpen === true,
  };
}

export async function writeFence(dynamodb: DynamoDBClient, call: Caller, tableName: string, fence: Fence): Promise<void> {
  await call("PutItem", () =>
    dynamodb.send(
      new PutItemCommand({
        TableName: tableName,
        Item: toItem({ [TABLE_KEY]: CONTROL_KEYS.fence(fence.region), kind: "fence", ...fence }),
      }),
    ),
  );
}

export async function readFence(dynamodb: DynamoDBClient, call: Caller, tableName: string, region: string): Promise<Fence | null> {
  const key = CONTROL_KEYS.fence(region);
  const result = await call("GetItem", () => dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { [TABLE_KEY]: { S: key } }, ConsistentRead: true })));
  // An answer without an item reads as {}, whose key is not `key`.
  const item = fromItem(result.Item);
  if (item[TABLE_KEY] !== key) return null;
  return {
    region,
    fenced: item.fenced === true,
    by: typeof item.by === "string" ? item.by : "",
    byRegion: typeof item.byRegion === "string" ? item.byRegion : "",
    at: numberOr(item.at, 0),
    leaseExpiresAt: typeof item.leaseExpiresAt === "number" ? item.leaseExpiresAt : null,
    capacity: item.capacity === "standby" ? "standby" : "zero",
    reason: typeof item.reason === "string" ? item.reason : "",
  };
}

/** A fence counts while it says fenced and its lease (if any) has not run out. */
export function fenceInForce(fence: Fence | null, nowMs: number): boolean {
  if (!fence || !fence.fenced) return false;
  return fence.leaseExpiresAt === null || fence.leaseExpiresAt > nowMs;
}
