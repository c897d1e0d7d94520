/**
 * `npm run approve -- --region <region> --table <state table> --execution <execution ARN> --request <state>
 *      --approver <name> [--refuse "<why>"]`
 *
 * Answers a runbook's approval request with the operator's own AWS credentials
 * (the SDK's default chain; the failover operator role holds exactly these
 * calls). The page names the execution, never the task token: the token waits
 * in the region's state table (approval#<execution ARN>#<state>, one item per
 * request: --request names the asking state the page printed, so an answer
 * meant for one request never answers another of the same run), so a forwarded
 * e-mail or chat message cannot approve a data loss. Step Functions and
 * CloudTrail record which IAM identity answered; --approver is the name the
 * audit record shows beside it.
 *
 * Approve: send-task-success with {"approvedBy": <approver>, "approvedAt": <ISO>}.
 * Refuse: send-task-failure with the error the runbook reads as a refusal
 * (Refused): the run ends ApprovalRefused and the monitor does not ask again
 * for the same incident.
 * Exit codes: 0 answered, 1 failed (nothing pending, expired, denied), 2 usage.
 */
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from "@aws-sdk/client-sfn";
import { approvalKey, APPROVAL_REQUEST_PATTERN } from "../lambda/shared/approval";
import { TABLE_KEY } from "../lambda/shared/dynamo";
import { errorMessage, errorName } from "../lambda/shared/errors";
import { APPROVAL_REFUSED_ERROR } from "../lambda/shared/failover-request";

export interface ApproveArgs {
  readonly region: string;
  readonly table: string;
  readonly execution: string;
  /** The asking state (RequestApproval, RequestDecisionApproval, ...), as the page prints it. */
  readonly request: string;
  readonly approver: string;
  /** Set: refuse, with this reason. */
  readonly refuse?: string;
}

export const USAGE =
  "usage: npm run approve -- --region <region> --table <state table> --execution <execution ARN> --request <state> --approver <name> [--refuse \"<why>\"]\n" +
  "The page of the approval request prints the command with --region, --table, --execution and --request filled in.\n";

export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A pending approval that cannot be answered (none pending, already answered, timed out, access denied). */
export class ApprovalError extends Error {
  override readonly name = "ApprovalError";
}

const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[A-Za-z0-9_-]{1,80}:[A-Za-z0-9_-]{1,80}$/;

export function parseArgs(argv: readonly string[]): ApproveArgs {
  const args: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    if (!["--region", "--table", "--execution", "--request", "--approver", "--refuse"].includes(flag)) throw new UsageError(`unknown argument ${flag}; allowed: --region, --table, --execution, --request, --approver, --refuse`);
    const v = argv[++i];
    if (v === undefined || v.startsWith("--") || v.trim() === "") throw new UsageError(`${flag} needs a value`);
    args[flag.slice(2)] = v;
  }
  for (const field of ["region", "table", "execution", "request", "approver"]) {
    if (args[field] === undefined) throw new UsageError(`--${field} is required`);
  }
  if (!APPROVAL_REQUEST_PATTERN.test(args.request as string)) throw new UsageError(`--request ${JSON.stringify(args.request)} is not a state name (letters only, as the page prints it, e.g. RequestApproval)`);
  if ((args.approver as string).startsWith("<")) throw new UsageError(`--approver ${JSON.stringify(args.approver)} is the page's placeholder: give your own name`);
  const execution = args.execution as string;
  if (!EXECUTION_ARN.test(execution)) throw new UsageError(`--execution ${JSON.stringify(execution)} is not a Step Functions execution ARN (arn:aws:states:<region>:<account>:execution:<state machine>:<name>)`);
  const region = args.region as string;
  if (execution.split(":")[3] !== region) throw new UsageError(`--execution ${execution} runs in ${execution.split(":")[3]}, not in --region ${region}`);
  return { region, table: args.table as string, execution, request: args.request as string, approver: args.approver as string, ...(args.refuse !== undefined ? { refuse: args.refuse } : {}) };
}

export interface ApproveClients {
  readonly dynamodb: DynamoDBClient;
  readonly sfn: SFNClient;
}

/** Reads the pending approval's task token and answers it; returns what was sent. */
export async function answerApproval(clients: ApproveClients, args: ApproveArgs, now: () => Date = () => new Date()): Promise<"approved" | "refused"> {
  const item = await clients.dynamodb.send(new GetItemCommand({ TableName: args.table, Key: { [TABLE_KEY]: { S: approvalKey(args.execution, args.request) } }, ConsistentRead: true }));
  const taskToken = item.Item?.taskToken?.S;
  if (!taskToken) throw new ApprovalError(`no approval request ${args.request} for ${args.execution} in ${args.table} (${args.region}): it was never asked, or DynamoDB's TTL removed it`);
  try {
    if (args.refuse !== undefined) {
      await clients.sfn.send(new SendTaskFailureCommand({ taskToken, error: APPROVAL_REFUSED_ERROR, cause: `${args.approver}: ${args.refuse}`.slice(0, 32_768) }));
      return "refused";
    }
    await clients.sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ approvedBy: args.approver, approvedAt: now().toISOString() }) }));
    return "approved";
  } catch (error) {
    if (errorName(error) === "TaskTimedOut" || errorName(error) === "InvalidToken" || errorName(error) === "TaskDoesNotExist") {
      throw new ApprovalError(`the approval request of ${args.execution} is no longer waiting (${errorName(error)}): it was answered already, or its wait ran out`);
    }
    throw error;
  }
}

export async function main(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  let args: ApproveArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    err.write(`approve: ${errorMessage(error)}\n${USAGE}`);
    return 2;
  }
  try {
    const answer = await answerApproval({ dynamodb: new DynamoDBClient({ region: args.region }), sfn: new SFNClient({ region: args.region }) }, args);
    out.write(`approve: ${answer} ${args.execution} as ${args.approver}\n`);
    return 0;
  } catch (error) {
    err.write(`approve: ${errorName(error)}: ${errorMessage(error)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
