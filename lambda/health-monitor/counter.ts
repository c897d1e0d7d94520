/**
 * The standby monitor's memory between samples: how many samples in a row
 * reached which verdict, whether the standby was pre-warmed, and the incident
 * it is handling (its attempts and their executions).
 *
 * One item (`pk = monitor#<global cluster id>`) in this region's regional
 * (never global) state table: strongly consistent, and in the deciding region,
 * so the count never depends on the region being judged. Not in module
 * globals: a Lambda instance is recycled, and two can run side by side.
 *
 * Each sample belongs to a slot (epoch seconds / sample interval); the item is
 * written with the condition `lastSlot < :slot`, so a duplicate delivery of the
 * schedule, or a retry, counts nothing twice and acts nothing twice.
 *
 * `advance` is the pure transition: everything the monitor decides from the
 * counts is decided there and in `nextAction`, and tested directly.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { isAwsError } from "../shared/errors";
import { fromItem, Plain, TABLE_KEY, toItem } from "../shared/dynamo";
import { isActionable, Verdict } from "../shared/evidence";
import { Caller } from "../shared/retry";
import { RUNBOOK_REFUSED_ERROR } from "../shared/failover-request";

export function counterKey(globalClusterId: string): string {
  return `monitor#${globalClusterId}`;
}

/** The sample slot containing `nowMs`. */
export function sampleSlot(nowMs: number, intervalSeconds: number): number {
  return Math.floor(nowMs / 1000 / intervalSeconds);
}

export interface IncidentState {
  /** Deterministic id (incident.ts); the executions are named after it. */
  readonly id: string;
  /** The writer the incident is about. */
  readonly writerArn: string;
  readonly verdict: Verdict;
  readonly openedAt: number;
  /** Executions started so far (0 in manual mode). */
  readonly attempts: number;
  readonly executionName: string | null;
  readonly executionArn: string | null;
  /** Paged that automation gave up (attempts exhausted) or that a person must act. */
  readonly escalated: boolean;
  /** Paged once that the incident was detected (approval and manual modes). */
  readonly paged: boolean;
}

export interface MonitorState {
  readonly lastSlot: number;
  readonly lastVerdict: Verdict | null;
  /** Consecutive samples with an actionable verdict. */
  readonly actionable: number;
  /** Epoch seconds of the first sample of the current actionable streak. */
  readonly streakStartedAt: number | null;
  /** Consecutive healthy samples. */
  readonly healthy: number;
  /** Paged for the current run of suspect samples. */
  readonly suspectPaged: boolean;
  /** Epoch seconds when this monitor raised the standby's capacity ahead of a decision; null when not. */
  readonly prewarmedAt: number | null;
  readonly incident: IncidentState | null;
}

export const INITIAL_STATE: MonitorState = {
  lastSlot: 0,
  lastVerdict: null,
  actionable: 0,
  streakStartedAt: null,
  healthy: 0,
  suspectPaged: false,
  prewarmedAt: null,
  incident: null,
};

/** The counts after one more sample with `verdict` (the incident is left to nextAction). */
export function advance(previous: MonitorState, verdict: Verdict, slot: number, nowSeconds: number): MonitorState {
  const actionable = isActionable(verdict);
  return {
    ...previous,
    lastSlot: slot,
    lastVerdict: verdict,
    actionable: actionable ? previous.actionable + 1 : 0,
    streakStartedAt: actionable ? (previous.streakStartedAt ?? nowSeconds) : null,
    healthy: verdict === "healthy" ? previous.healthy + 1 : 0,
    suspectPaged: verdict === "suspect" ? previous.suspectPaged : false,
  };
}

/** Status of the incident's latest execution, as Step Functions reports it (or null when none or unreadable). */
export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED" | "PENDING_REDRIVE";

export type MonitorAction =
  | { readonly kind: "none" } // healthy and nothing pending
  | { readonly kind: "below-threshold" } // actionable, not yet for enough samples
  | { readonly kind: "page-suspect" } // only signals that share the decider's failure domain say down: page once, never promote
  | { readonly kind: "start"; readonly attempt: number } // start execution number `attempt` of the incident
  | { readonly kind: "page-incident" } // approval/manual authority: page that a person must act (once)
  | { readonly kind: "in-progress" } // the incident's execution runs
  | { readonly kind: "escalate" } // attempts exhausted (or the run succeeded without moving the writer): page once
  | { readonly kind: "escalated" } // already paged; waiting for a person
  | { readonly kind: "refused" } // a person refused this incident's failover: page once, start no more attempts for it
  | { readonly kind: "promotion-in-progress" } // the global cluster is already failing or switching over: start nothing, wait
  | { readonly kind: "resolve" }; // the incident is over (healthy again for long enough)

export interface ActionInputs {
  readonly state: MonitorState;
  readonly verdict: Verdict;
  readonly threshold: number;
  readonly maxAttempts: number;
  readonly authority: "automatic" | "approval" | "manual";
  /** Status of the incident's latest execution; null when there is none. */
  readonly executionStatus: ExecutionStatus | null;
  /** The error that execution ended with (DescribeExecution's error); null when none. @default null */
  readonly executionError?: string | null;
  /** The global cluster reports a failover or switchover under way (FailoverState is set). @default false */
  readonly promotionInProgress?: boolean;
}

/**
 * What to do after this sample. An open incident is kept (and retried) while
 * the verdict stays actionable; it is resolved by a healthy streak as long as
 * the threshold, never by a single good sample. A finished execution whose
 * verdict still holds is retried with the next attempt, up to maxAttempts; then
 * a person is paged once.
 */
export function nextAction(input: ActionInputs): MonitorAction {
  const { state, verdict, threshold } = input;
  const incident = state.incident;
  if (incident) {
    if (verdict === "healthy" && state.healthy >= threshold) return { kind: "resolve" };
    if (input.executionStatus === "RUNNING" || input.executionStatus === "PENDING_REDRIVE") return { kind: "in-progress" };
    // A person's "no" holds for the whole incident: asking again would page them for the same decision.
    if (input.executionStatus === "FAILED" && input.executionError === RUNBOOK_REFUSED_ERROR) return incident.escalated ? { kind: "escalated" } : { kind: "refused" };
    if (!isActionable(verdict)) return incident.escalated ? { kind: "escalated" } : { kind: "in-progress" };
    if (state.actionable < threshold) return { kind: "below-threshold" };
    if (input.authority === "manual") return incident.paged ? { kind: "escalated" } : { kind: "page-incident" };
    // A promotion that outlived its run (AwaitWriter gave up) is still moving the writer: another run would only fail on it.
    if (input.promotionInProgress === true) return { kind: "promotion-in-progress" };
    if (incident.attempts < input.maxAttempts) {
      // The verdict still holds after the last execution ended: that execution did not get the writer here.
      return { kind: "start", attempt: incident.attempts + 1 };
    }
    return incident.escalated ? { kind: "escalated" } : { kind: "escalate" };
  }
  if (isActionable(verdict)) {
    if (state.actionable < threshold) return { kind: "below-threshold" };
    if (input.authority === "manual") return { kind: "page-incident" };
    return input.promotionInProgress === true ? { kind: "promotion-in-progress" } : { kind: "start", attempt: 1 };
  }
  if (verdict === "suspect") return state.suspectPaged ? { kind: "none" } : { kind: "page-suspect" };
  return { kind: "none" };
}

function incidentFrom(value: Plain | undefined): IncidentState | null {
  if (!value || typeof value !== "object" || Array.isArray(value)) return null;
  const v = value as Record<string, Plain>;
  if (typeof v.id !== "string" || typeof v.writerArn !== "string") return null;
  return {
    id: v.id,
    writerArn: v.writerArn,
    verdict: (typeof v.verdict === "string" ? v.verdict : "region-down") as Verdict,
    openedAt: typeof v.openedAt === "number" ? v.openedAt : 0,
    attempts: typeof v.attempts === "number" ? v.attempts : 0,
    executionName: typeof v.executionName === "string" ? v.executionName : null,
    executionArn: typeof v.executionArn === "string" ? v.executionArn : null,
    escalated: v.escalated === true,
    paged: v.paged === true,
  };
}

export function stateFromItem(item: Record<string, Plain>): MonitorState {
  const num = (v: Plain | undefined, d: number) => (typeof v === "number" && Number.isFinite(v) ? v : d);
  const numOrNull = (v: Plain | undefined) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  return {
    lastSlot: num(item.lastSlot, 0),
    lastVerdict: typeof item.lastVerdict === "string" ? (item.lastVerdict as Verdict) : null,
    actionable: num(item.actionable, 0),
    streakStartedAt: numOrNull(item.streakStartedAt),
    healthy: num(item.healthy, 0),
    suspectPaged: item.suspectPaged === true,
    prewarmedAt: numOrNull(item.prewarmedAt),
    incident: incidentFrom(item.incident),
  };
}

function itemOf(key: string, state: MonitorState, nowMs: number): Record<string, Plain | undefined> {
  return {
    [TABLE_KEY]: key,
    kind: "monitor-counter",
    lastSlot: state.lastSlot,
    lastVerdict: state.lastVerdict,
    actionable: state.actionable,
    streakStartedAt: state.streakStartedAt,
    healthy: state.healthy,
    suspectPaged: state.suspectPaged,
    prewarmedAt: state.prewarmedAt,
    incident: state.incident ? ({ ...state.incident } as unknown as Plain) : null,
    updatedAt: new Date(nowMs).toISOString(),
  };
}

export async function loadState(dynamodb: DynamoDBClient, call: Caller, tableName: string, key: string): Promise<MonitorState> {
  const result = await call("GetItem", () => dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { [TABLE_KEY]: { S: key } }, ConsistentRead: true })));
  return result?.Item ? stateFromItem(fromItem(result.Item)) : INITIAL_STATE;
}

/**
 * Stores the state of a new sample. Returns false (and stores nothing) when the
 * slot was already counted: a duplicate delivery, which must act on nothing.
 */
export async function saveSample(dynamodb: DynamoDBClient, call: Caller, tableName: string, key: string, state: MonitorState, nowMs: number): Promise<boolean> {
  try {
    await call("PutItem", () =>
      dynamodb.send(
        new PutItemCommand({
          TableName: tableName,
          Item: toItem(itemOf(key, state, nowMs)),
          ConditionExpression: "attribute_not_exists(#pk) OR #slot < :slot",
          ExpressionAttributeNames: { "#pk": TABLE_KEY, "#slot": "lastSlot" },
          ExpressionAttributeValues: { ":slot": { N: String(state.lastSlot) } },
        }),
      ),
    );
    return true;
  } catch (error) {
    if (isAwsError(error, "ConditionalCheckFailedException")) return false;
    throw error;
  }
}

/** Stores what this sample did (incident, prewarm) on the item of the same slot. */
export async function saveOutcome(dynamodb: DynamoDBClient, call: Caller, tableName: string, key: string, state: MonitorState, nowMs: number): Promise<void> {
  try {
    await call("PutItem", () =>
      dynamodb.send(
        new PutItemCommand({
          TableName: tableName,
          Item: toItem(itemOf(key, state, nowMs)),
          ConditionExpression: "#slot = :slot",
          ExpressionAttributeNames: { "#slot": "lastSlot" },
          ExpressionAttributeValues: { ":slot": { N: String(state.lastSlot) } },
        }),
      ),
    );
  } catch (error) {
    // A later sample already moved on: its own outcome wins.
    if (!isAwsError(error, "ConditionalCheckFailedException")) throw error;
  }
}
