/**
 * Where a runbook's pending approval waits for the approver: the task token is
 * kept in the region's state table (approval#<execution ARN>) and never travels
 * in the page, so a message that reaches a mailbox or a chat is not enough to
 * approve a data loss or a replay. `npm run approve` (scripts/approve.ts), run
 * with the failover operator role, reads it and answers.
 */
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { TABLE_KEY, toItem, TTL_ATTRIBUTE } from "./dynamo";
import { APPROVAL_REFUSED_ERROR } from "./failover-request";
import { Caller } from "./retry";

export function approvalKey(executionId: string): string {
  return `approval#${executionId}`;
}

/**
 * An approval item outlives the longest approval wait the configuration allows (failover.approvalTimeoutSeconds,
 * at most 30 days) by a day; then DynamoDB's TTL removes it.
 */
export const APPROVAL_ITEM_TTL_SECONDS = 2_592_000 + 86_400;

export async function storeApprovalToken(
  dynamodb: DynamoDBClient,
  call: Caller,
  p: { readonly tableName: string; readonly executionId: string; readonly taskToken: string; readonly nowMs: number },
): Promise<void> {
  await call("PutItem", () =>
    dynamodb.send(
      new PutItemCommand({
        TableName: p.tableName,
        Item: toItem({
          [TABLE_KEY]: approvalKey(p.executionId),
          kind: "approval-request",
          executionId: p.executionId,
          taskToken: p.taskToken,
          requestedAt: new Date(p.nowMs).toISOString(),
          [TTL_ATTRIBUTE]: Math.floor(p.nowMs / 1000) + APPROVAL_ITEM_TTL_SECONDS,
        }),
      }),
    ),
  );
}

/** The commands a page gives the approver (the token stays in the table). */
export function approvalCommands(region: string, tableName: string, executionId: string): { readonly approve: string; readonly refuse: string; readonly refuseError: string } {
  const base = `npm run approve -- --region ${region} --table ${tableName} --execution ${executionId} --approver "<your name>"`;
  return { approve: base, refuse: `${base} --refuse "<why>"`, refuseError: APPROVAL_REFUSED_ERROR };
}
