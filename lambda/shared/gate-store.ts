/**
 * The traffic-gate decisions, persisted so that the gate metric (gate.ts) can
 * be republished every minute instead of only when it changes.
 *
 * Writer: the failover orchestrator, each time it publishes a gate (fence,
 * openGate): in its own region's state table (must succeed) and, best effort,
 * in the peer region's state table (same table name, other region).
 * Reader: the health monitor of each region (both roles), every run, from its
 * own region's state table only; it republishes each decision it finds with
 * PutMetricData in its own region. No item = never fenced = publish nothing.
 *
 * Item (one per gated region, in the regional state table, hash key `pk`):
 *   pk           gate#<global cluster id>#<gated region>
 *   kind         "traffic-gate"
 *   gatedRegion  the region whose traffic the gate controls
 *   value        GATE_OPEN (1) | GATE_CLOSED (0)
 *   decidedAt    epoch ms of the decision (the orchestrator's clock)
 *   decidedIn    the region whose orchestrator decided
 *   executionId  the Step Functions execution that decided
 *
 * The write is a PutItem conditional on `decidedAt`: an older decision never
 * replaces a newer one (a re-run of the same step writes the same decision
 * again with a later decidedAt, which is harmless). No TTL: the last decision
 * must outlive any quiet period.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { isAwsError } from "./errors";
import { fromItem, TABLE_KEY, toItem } from "./dynamo";
import { GATE_CLOSED, GATE_OPEN } from "./gate";
import { Caller } from "./retry";

/** Item key of the gate decision of `region`. Mirrored by STATE_ITEM_KEYS.gate in constructs/failover-permissions.ts. */
export function gateKey(globalClusterId: string, region: string): string {
  return `gate#${globalClusterId}#${region}`;
}

export interface GateDecision {
  /** The region whose traffic the gate controls. */
  readonly region: string;
  readonly open: boolean;
  /** Epoch milliseconds. */
  readonly decidedAt: number;
  readonly decidedIn: string;
  readonly executionId: string;
}

/**
 * Stores `decision` unless the table already holds a newer one for the same
 * gate. Returns "superseded" in that case (not an error); other errors are thrown.
 */
export async function recordGateDecision(
  dynamodb: DynamoDBClient,
  call: Caller,
  tableName: string,
  globalClusterId: string,
  decision: GateDecision,
): Promise<"recorded" | "superseded"> {
  try {
    await call("PutItem", () =>
      dynamodb.send(
        new PutItemCommand({
          TableName: tableName,
          Item: toItem({
            [TABLE_KEY]: gateKey(globalClusterId, decision.region),
            kind: "traffic-gate",
            gatedRegion: decision.region,
            value: decision.open ? GATE_OPEN : GATE_CLOSED,
            decidedAt: decision.decidedAt,
            decidedIn: decision.decidedIn,
            executionId: decision.executionId,
          }),
          ConditionExpression: "attribute_not_exists(#pk) OR #decidedAt <= :decidedAt",
          ExpressionAttributeNames: { "#pk": TABLE_KEY, "#decidedAt": "decidedAt" },
          ExpressionAttributeValues: { ":decidedAt": { N: String(decision.decidedAt) } },
        }),
      ),
    );
    return "recorded";
  } catch (error) {
    if (isAwsError(error, "ConditionalCheckFailedException")) return "superseded";
    throw error;
  }
}

/** The stored decision of `region`'s gate, or null when there is none (or the item is not a valid gate decision). */
export async function readGateDecision(
  dynamodb: DynamoDBClient,
  call: Caller,
  tableName: string,
  globalClusterId: string,
  region: string,
): Promise<GateDecision | null> {
  const key = gateKey(globalClusterId, region);
  const result = await call("GetItem", () => dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { [TABLE_KEY]: { S: key } }, ConsistentRead: true })));
  if (!result?.Item) return null;
  const item = fromItem(result.Item);
  if (item[TABLE_KEY] !== key || (item.value !== GATE_OPEN && item.value !== GATE_CLOSED) || typeof item.decidedAt !== "number") return null;
  return {
    region,
    open: item.value === GATE_OPEN,
    decidedAt: item.decidedAt,
    decidedIn: typeof item.decidedIn === "string" ? item.decidedIn : "",
    executionId: typeof item.executionId === "string" ? item.executionId : "",
  };
}
