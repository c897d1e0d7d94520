/**
 * The consecutive-failure counter, kept between invocations.
 *
 * Where it lives: one item (`pk = monitor#<global cluster id>`) in this
 * region's regional, non-global lock/state table, changed by a conditional
 * UpdateItem. Not in module globals (a Lambda instance can be recycled, or
 * two run side by side), and not derived from the monitor's own metric via
 * GetMetricData: CloudWatch reads lag ingestion by up to minutes and would
 * make "N consecutive" depend on timing, while the conditional update is
 * strongly consistent and makes each schedule tick count at most once. The
 * condition `lastCheckAt < :checkAt` (checkAt = the tick's start) turns
 * EventBridge's at-least-once delivery and Lambda's async retries into no-ops
 * instead of double counts. The table is in the deciding region, so the count
 * never depends on the region being judged.
 */
import { DynamoDBClient, GetItemCommand, UpdateItemCommand, UpdateItemCommandInput } from "@aws-sdk/client-dynamodb";
import { isAwsError } from "../shared/errors";
import { fromItem, TABLE_KEY } from "../shared/dynamo";
import { Caller } from "../shared/retry";

export interface CounterState {
  readonly consecutiveFailures: number;
  /** Start (epoch seconds) of the current run of bad checks; null after a good check. */
  readonly streakStartedAt: number | null;
  readonly lastCheckAt: number;
  /** Execution name (incident id) already acted on in this streak, if any. */
  readonly actedIncident: string | null;
  /** True when this tick had already been counted (a duplicate delivery). */
  readonly duplicate: boolean;
}

export function counterKey(globalClusterId: string): string {
  return `monitor#${globalClusterId}`;
}

/** The start of the schedule period containing `nowMs`, in epoch seconds. */
export function checkBucket(nowMs: number, intervalSeconds: number): number {
  return Math.floor(nowMs / 1000 / intervalSeconds) * intervalSeconds;
}

function toState(item: Record<string, unknown>, duplicate: boolean): CounterState {
  return {
    consecutiveFailures: typeof item.consecutiveFailures === "number" ? item.consecutiveFailures : 0,
    streakStartedAt: typeof item.streakStartedAt === "number" ? item.streakStartedAt : null,
    lastCheckAt: typeof item.lastCheckAt === "number" ? item.lastCheckAt : 0,
    actedIncident: typeof item.actedIncident === "string" ? item.actedIncident : null,
    duplicate,
  };
}

export async function recordCheck(
  dynamodb: DynamoDBClient,
  call: Caller,
  params: { tableName: string; key: string; healthy: boolean; checkAt: number; nowMs: number },
): Promise<CounterState> {
  const names = {
    "#c": "consecutiveFailures",
    "#s": "streakStartedAt",
    "#l": "lastCheckAt",
    "#v": "lastVerdict",
    "#u": "updatedAt",
    "#a": "actedIncident",
  };
  const update: Pick<UpdateItemCommandInput, "UpdateExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues"> = params.healthy
    ? {
        UpdateExpression: "SET #c = :zero, #l = :checkAt, #v = :verdict, #u = :now REMOVE #s, #a",
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: {
          ":zero": { N: "0" },
          ":checkAt": { N: String(params.checkAt) },
          ":verdict": { S: "healthy" },
          ":now": { S: new Date(params.nowMs).toISOString() },
        },
      }
    : {
        UpdateExpression: "SET #c = if_not_exists(#c, :zero) + :one, #s = if_not_exists(#s, :checkAt), #l = :checkAt, #v = :verdict, #u = :now",
        ExpressionAttributeNames: { "#c": names["#c"], "#s": names["#s"], "#l": names["#l"], "#v": names["#v"], "#u": names["#u"] },
        ExpressionAttributeValues: {
          ":zero": { N: "0" },
          ":one": { N: "1" },
          ":checkAt": { N: String(params.checkAt) },
          ":verdict": { S: "unhealthy" },
          ":now": { S: new Date(params.nowMs).toISOString() },
        },
      };
  try {
    const result = await call("UpdateItem", () =>
      dynamodb.send(
        new UpdateItemCommand({
          TableName: params.tableName,
          Key: { [TABLE_KEY]: { S: params.key } },
          ConditionExpression: "attribute_not_exists(#l) OR #l < :checkAt",
          ReturnValues: "ALL_NEW",
          ...update,
        }),
      ),
    );
    return toState(fromItem(result.Attributes), false);
  } catch (error) {
    if (!isAwsError(error, "ConditionalCheckFailedException")) throw error;
    const current = await call("GetItem", () =>
      dynamodb.send(new GetItemCommand({ TableName: params.tableName, Key: { [TABLE_KEY]: { S: params.key } }, ConsistentRead: true })),
    );
    return toState(fromItem(current.Item), true);
  }
}

/** Records that `incident` was acted on, if the streak it belongs to is still the current one. */
export async function markActed(
  dynamodb: DynamoDBClient,
  call: Caller,
  params: { tableName: string; key: string; streakStartedAt: number; incident: string; nowMs: number },
): Promise<void> {
  try {
    await call("UpdateItem", () =>
      dynamodb.send(
        new UpdateItemCommand({
          TableName: params.tableName,
          Key: { [TABLE_KEY]: { S: params.key } },
          UpdateExpression: "SET #a = :incident, #t = :now",
          ConditionExpression: "#s = :streak",
          ExpressionAttributeNames: { "#a": "actedIncident", "#t": "actedAt", "#s": "streakStartedAt" },
          ExpressionAttributeValues: {
            ":incident": { S: params.incident },
            ":now": { S: new Date(params.nowMs).toISOString() },
            ":streak": { N: String(params.streakStartedAt) },
          },
        }),
      ),
    );
  } catch (error) {
    if (!isAwsError(error, "ConditionalCheckFailedException")) throw error;
  }
}
