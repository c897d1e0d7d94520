/**
 * When the reconciliation starts: the writer region's health monitor calls
 * this at every sample (lambda/health-monitor/monitor.ts, writerSample).
 *
 * An unplanned failover leaves a permanent fence on the old region (fence#old
 * in the control table, written by this region's orchestrator: `by` its
 * execution ARN, no lease; promotion.ts keepOldRegionFenced). When that
 * region's own monitor writes a heartbeat again, newer than the fence, the
 * region is back: its replicas answer. Then, once per failover, this starts the
 * reconciliation run of this region with a name derived from the failover's
 * execution ARN (names.ts: Step Functions refuses a second execution of that
 * name), and pages that it started. The failover's audit record must exist
 * and say unplanned (its window is what the run compares).
 *
 * Cost at steady state (after the run started, until a failback lifts the
 * fence): two GetItem and one DescribeExecution per sample; one GetItem (the
 * fence) per sample while no permanent fence of the other region is in force.
 */
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { auditKey } from "../failover-orchestrator/report";
import { readFence, readHeartbeat } from "../shared/control-table";
import { fromItem, TABLE_KEY } from "../shared/dynamo";
import { isAwsError } from "../shared/errors";
import { Logger } from "../shared/log";
import { Caller } from "../shared/retry";
import { ReconcileRequest } from "./contract";
import { reconciliationExecutionName } from "./names";

export interface TriggerDeps {
  readonly dynamodb: DynamoDBClient;
  readonly sfn: SFNClient;
  readonly sns: SNSClient;
  readonly call: Caller;
  readonly log: Logger;
  readonly config: {
    readonly environment: string;
    readonly region: string;
    readonly peerRegion: string;
    readonly controlTableName: string;
    readonly stateTableName: string;
    readonly staleHeartbeatMs: number;
    readonly stateMachineArn: string;
    readonly topicArn: string;
  };
}

export type TriggerOutcome =
  | "no-forced-failover" // no permanent fence of the other region written from here
  | "peer-not-back" // its heartbeat is stale, or older than the fence
  | "already-started" // the run of this failover exists (any status)
  | "audit-missing" // the failover has not written its audit record yet
  | "not-unplanned" // the audit record is not a forced failover's
  | "started";

export interface TriggerResult {
  readonly outcome: TriggerOutcome;
  readonly failoverExecutionArn?: string;
  readonly executionArn?: string;
}

/** arn:...:stateMachine:name + execution -> arn:...:execution:name:execution */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
}

export async function triggerReconciliation(deps: TriggerDeps, nowMs: number): Promise<TriggerResult> {
  const { config, call } = deps;
  const fence = await readFence(deps.dynamodb, call, config.controlTableName, config.peerRegion);
  if (!fence || !fence.fenced || fence.leaseExpiresAt !== null || fence.byRegion !== config.region || !fence.by.startsWith("arn:")) return { outcome: "no-forced-failover" };
  const failoverExecutionArn = fence.by;
  const heartbeat = await readHeartbeat(deps.dynamodb, call, config.controlTableName, config.peerRegion);
  if (!heartbeat || nowMs - heartbeat.at > config.staleHeartbeatMs || heartbeat.at <= fence.at) return { outcome: "peer-not-back", failoverExecutionArn };

  const name = reconciliationExecutionName(failoverExecutionArn);
  const executionArn = executionArnOf(config.stateMachineArn, name);
  try {
    await call("DescribeExecution", () => deps.sfn.send(new DescribeExecutionCommand({ executionArn })));
    return { outcome: "already-started", failoverExecutionArn, executionArn };
  } catch (error) {
    if (!isAwsError(error, "ExecutionDoesNotExist")) throw error;
  }

  const audit = await call("GetItem", () =>
    deps.dynamodb.send(new GetItemCommand({ TableName: config.stateTableName, Key: { [TABLE_KEY]: { S: auditKey(failoverExecutionArn) } }, ConsistentRead: true })),
  );
  if (!audit.Item) return { outcome: "audit-missing", failoverExecutionArn };
  const item = fromItem(audit.Item);
  if (item.strategy !== "unplanned") return { outcome: "not-unplanned", failoverExecutionArn };

  const request: ReconcileRequest = {
    failoverExecutionArn,
    requestedBy: "health-monitor",
    reason: `${config.peerRegion} is back (heartbeat at ${new Date(heartbeat.at).toISOString()}) after the forced failover ${failoverExecutionArn}`,
  };
  try {
    await call("StartExecution", () => deps.sfn.send(new StartExecutionCommand({ stateMachineArn: config.stateMachineArn, name, input: JSON.stringify(request) })));
  } catch (error) {
    if (isAwsError(error, "ExecutionAlreadyExists")) return { outcome: "already-started", failoverExecutionArn, executionArn };
    throw error;
  }
  deps.log.warn("reconciliation.started", { failoverExecutionArn, executionArn });
  await call("Publish", () =>
    deps.sns.send(
      new PublishCommand({
        TopicArn: config.topicArn,
        Subject: `[DR ${config.environment}] ${config.peerRegion} is back: reconciliation of the forced failover started`.slice(0, 100),
        Message: JSON.stringify({
          kind: "reconciliation-started",
          environment: config.environment,
          region: config.region,
          returnedRegion: config.peerRegion,
          failoverExecutionArn,
          incidentId: typeof item.incidentId === "string" ? item.incidentId : null,
          executionArn,
          dataLossWindow: item.dataLossWindow ?? null,
          next: "the run compares, pages a report, then asks for an approval before it replays anything",
        }),
      }),
    ),
  );
  return { outcome: "started", failoverExecutionArn, executionArn };
}
