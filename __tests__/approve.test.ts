/**
 * `npm run approve` (scripts/approve.ts): the operator answers an approval
 * request with the task token the orchestrator left in the state table (the
 * page carries no token), as a refusal the runbook recognises, and with one
 * clear error for each way it cannot. The AWS SDK is aws-sdk-client-mock.
 */
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { Writable } from "stream";
import { approvalKey } from "../lambda/shared/approval";
import { answerApproval, ApprovalError, main, parseArgs } from "../scripts/approve";

const REGION = "us-west-2";
const TABLE = "txdr-failover-state-prod";
const EXECUTION = `arn:aws:states:${REGION}:111122223333:execution:txdr-failover-prod:failover-txdr-global-prod-20250314T093000Z-0a1b2c3d4e-a1`;
const ARGS = ["--region", REGION, "--table", TABLE, "--execution", EXECUTION, "--request", "RequestApproval", "--approver", "jane.doe"];
const NOW = new Date("2025-03-14T09:40:00Z");

const ddb = mockClient(DynamoDBClient);
const sfn = mockClient(SFNClient);
beforeEach(() => {
  ddb.reset();
  sfn.reset();
  ddb.on(GetItemCommand).resolves({ Item: { pk: { S: approvalKey(EXECUTION, "RequestApproval") }, taskToken: { S: "token-from-the-table" } } });
  sfn.on(SendTaskSuccessCommand).resolves({});
  sfn.on(SendTaskFailureCommand).resolves({});
});

const clients = () => ({ dynamodb: new DynamoDBClient({ region: REGION }), sfn: new SFNClient({ region: REGION }) });

function sink(): { stream: Writable; text: () => string } {
  let text = "";
  return { stream: new Writable({ write: (chunk, _enc, done) => ((text += String(chunk)), done()) }), text: () => text };
}

describe("answering with the token from the state table", () => {
  it("approves with the token stored under approval#<execution>#<request>, naming the approver", async () => {
    await expect(answerApproval(clients(), parseArgs(ARGS), () => NOW)).resolves.toBe("approved");
    expect(ddb).toHaveReceivedCommandWith(GetItemCommand, { TableName: TABLE, Key: { pk: { S: `approval#${EXECUTION}#RequestApproval` } }, ConsistentRead: true });
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: "token-from-the-table", output: JSON.stringify({ approvedBy: "jane.doe", approvedAt: NOW.toISOString() }) });
    expect(sfn).not.toHaveReceivedCommand(SendTaskFailureCommand);
  });

  it("refuses with the error the runbook ends as ApprovalRefused, and the reason", async () => {
    await expect(answerApproval(clients(), parseArgs([...ARGS, "--refuse", "the primary is back"]))).resolves.toBe("refused");
    expect(sfn).toHaveReceivedCommandWith(SendTaskFailureCommand, { taskToken: "token-from-the-table", error: "Refused", cause: "jane.doe: the primary is back" });
    expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it("sends nothing when no approval is pending for the execution", async () => {
    ddb.on(GetItemCommand).resolves({});
    await expect(answerApproval(clients(), parseArgs(ARGS))).rejects.toThrow(new ApprovalError(`no approval request RequestApproval for ${EXECUTION} in ${TABLE} (${REGION}): it was never asked, or DynamoDB's TTL removed it`));
    expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it.each(["TaskTimedOut", "InvalidToken", "TaskDoesNotExist"])("says the request is no longer waiting when Step Functions answers %s", async (name) => {
    sfn.on(SendTaskSuccessCommand).rejects(Object.assign(new Error(name), { name }));
    await expect(answerApproval(clients(), parseArgs(ARGS))).rejects.toThrow(`is no longer waiting (${name})`);
  });

  it("passes any other failure on (e.g. access denied)", async () => {
    sfn.on(SendTaskSuccessCommand).rejects(Object.assign(new Error("not authorized"), { name: "AccessDeniedException" }));
    await expect(answerApproval(clients(), parseArgs(ARGS))).rejects.toThrow("not authorized");
  });
});

describe("the command line", () => {
  it("exits 0 and says what it sent", async () => {
    const out = sink();
    await expect(main(ARGS, out.stream, sink().stream)).resolves.toBe(0);
    expect(out.text()).toBe(`approve: approved ${EXECUTION} as jane.doe\n`);
  });

  it("exits 1 with the reason when nothing is pending", async () => {
    ddb.on(GetItemCommand).resolves({});
    const err = sink();
    await expect(main(ARGS, sink().stream, err.stream)).resolves.toBe(1);
    expect(err.text()).toContain("ApprovalError: no approval request RequestApproval for");
  });

  it.each<[string, string[], string]>([
    ["a missing field", ARGS.slice(0, 8), "--approver is required"],
    ["a missing request", [...ARGS.slice(0, 6), ...ARGS.slice(8)], "--request is required"],
    ["a flag without its value", [...ARGS.slice(0, 9)], "--approver needs a value"],
    ["an unknown flag", [...ARGS, "--yes", "x"], "unknown argument --yes; allowed: --region, --table, --execution, --request, --approver, --refuse"],
    ["a request that is not a state name", [...ARGS.slice(0, 7), "Request#1", ...ARGS.slice(8)], '--request "Request#1" is not a state name'],
    ["the page's placeholder as approver", [...ARGS.slice(0, 9), "<your name>"], '--approver "<your name>" is the page\'s placeholder'],
    ["an execution that is not an ARN", ["--region", REGION, "--table", TABLE, "--execution", "failover-a1", "--request", "RequestApproval", "--approver", "j"], '--execution "failover-a1" is not a Step Functions execution ARN'],
    ["an execution of another region", ["--region", "us-east-1", "--table", TABLE, "--execution", EXECUTION, "--request", "RequestApproval", "--approver", "j"], `runs in ${REGION}, not in --region us-east-1`],
  ])("exits 2 on %s, naming the field, and calls nothing", async (_name, argv, message) => {
    const err = sink();
    await expect(main(argv, sink().stream, err.stream)).resolves.toBe(2);
    expect(err.text()).toContain(message);
    expect(ddb.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
  });
});
