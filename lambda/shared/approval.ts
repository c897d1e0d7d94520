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

/**
 * One item per approval request: an execution may ask more than once (the failover runbook's RequestApproval, then
 * RequestDecisionApproval for a loss above the RPO), and an answer meant for one request must never answer another.
 */
export function approvalKey(executionId: string, request: string): string {
  return `approval#${executionId}#${request}`;
}

/** The request names an approval item may carry: a state name of the runbook ([A-Za-z]+). */
export const APPROVAL_REQUEST_PATTERN = /^[A-Za-z]{1,80}$/;

/**
 * An approval item outlives the longest approval wait the configuration allows (reconciliation.approvalTimeoutSeconds,
 * at most 30 days; failover.approvalTimeoutSeconds, at most a day) by a day; then DynamoDB's TTL removes it.
 */
export const APPROVAL_ITEM_TTL_SECONDS = 2_592_000 + 86_400;

export async function storeApprovalToken(
  dynamodb: DynamoDBClient,
  call: Caller,
  p: { readonly tableName: string; readonly executionId: string; readonly request: string; readonly taskToken: string; readonly nowMs: number },
): Promise<void> {
  await call("PutItem", () =>
    dynamodb.send(
      new PutItemCommand({
        TableName: p.tableName,
        Item: toItem({
          [TABLE_KEY]: approvalKey(p.executionId, p.request),
          kind: "approval-request",
          executionId: p.executionId,
          request: p.request,
          taskToken: p.taskToken,
          requestedAt: new Date(p.nowMs).toISOString(),
          [TTL_ATTRIBUTE]: Math.floor(p.nowMs / 1000) + APPROVAL_ITEM_TTL_SECONDS,
        }),
      }),
    ),
  );
}

/** The commands a page gives the approver (the token stays in the table). */
export function approvalCommands(region: string, tableName: string, executionId: string, request: string): { readonly approve: string; readonly refuse: string; readonly refuseError: string } {
  const base = `npm run approve -- --region ${region} --table ${tableName} --execution ${executionId} --request ${request} --approver "<your name>"`;
  return { approve: base, refuse: `${base} --refuse "<why>"`, refuseError: APPROVAL_REFUSED_ERROR };
}
