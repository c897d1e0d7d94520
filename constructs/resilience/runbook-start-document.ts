/**
 * The Systems Manager Automation document (schema 0.3) that the db-failover
 * experiment starts (aws:ssm:start-automation-execution): it starts this
 * region's failover runbook (the Step Functions state machine the health
 * monitor would start in a real incident), waits for the execution to end,
 * and fails unless it SUCCEEDED, so the FIS action (and the experiment) fails
 * with it.
 *
 * Why this runbook and not a direct FailoverGlobalCluster: FIS has no action
 * for an Aurora global-database failover (docs/aws-facts.md section 11), and a
 * document that called the RDS API itself would bypass everything the game day
 * should exercise: the single-flight lock, fencing and draining the old region,
 * deciding again at the point of no return, the traffic gates, capacity, the
 * verification and the audit record (docs/failover-protocol.md). Why this
 * region's failover runbook: every runbook runs in the region it promotes (its
 * lock, its gate, its endpoint probe; static stability), so the document, the
 * automation, its role and the runbook all stay in one region; the failover
 * runbook (not failback) is the one a real incident runs, and with strategy
 * planned it moves the writer by switchover, without data loss.
 *
 * Parameters: DryRun (default true: the runbook checks every precondition and
 * changes nothing), Strategy (planned or auto; unplanned is not offered, since
 * forcing a failover of a healthy writer loses writes) and Reason (recorded in
 * the runbook's audit item). The Reason pattern keeps quotes and backslashes
 * out of the execution input it is spliced into.
 *
 * Step syntax: aws:executeAwsApi, aws:waitForAwsResourceProperty and
 * aws:assertAwsResourceProperty take the boto3 service name ("stepfunctions")
 * and the API's own parameter names; {{ automation:EXECUTION_ID }} is the
 * automation's own id (Systems Manager Automation actions reference,
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-actions.html).
 */

/** Names of the document's parameters (the FIS action passes them as documentParameters). */
export const RUNBOOK_DOCUMENT_PARAMETERS = { dryRun: "DryRun", strategy: "Strategy", reason: "Reason" } as const;

/** Strategies the document lets a game day ask the runbook for. */
export const GAME_DAY_STRATEGIES = ["planned", "auto"] as const;
export type GameDayStrategy = (typeof GAME_DAY_STRATEGIES)[number];

/** What Reason may contain: no quotes or backslashes (it is spliced into the execution's JSON input). */
export const REASON_PATTERN = "^[A-Za-z0-9 .,:;_/()#+=@-]{1,200}$";

/** Step Functions execution states in which the runbook has ended (DescribeExecution status). */
export const RUNBOOK_END_STATES = ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"] as const;

/** Prefix of the runbook execution's name; the automation's id follows it (45 characters in all, Step Functions allows 80). */
export const EXECUTION_NAME_PREFIX = "game-day-";

export interface RunbookStartDocumentProps {
  /** The failover runbook of this region. */
  readonly stateMachineArn: string;
  /** The role the automation assumes (states:StartExecution on that runbook only). */
  readonly automationRoleArn: string;
  /** The region whose runbook it starts (for the description). */
  readonly region: string;
  /** How long the automation waits for the runbook to end. */
  readonly waitTimeoutSeconds: number;
}

/** The document's content, as an object (the construct writes it as JSON). */
export function runbookStartDocument(props: RunbookStartDocumentProps): Record<string, unknown> {
  const { dryRun, strategy, reason } = RUNBOOK_DOCUMENT_PARAMETERS;
  const execution = "{{ StartFailoverRunbook.ExecutionArn }}";
  const describe = { Service: "stepfunctions", Api: "DescribeExecution", executionArn: execution, PropertySelector: "$.status" };
  // The runbook's request (lambda/shared/failover-request.ts): dryRun, strategy, reason, requestedBy.
  const input = `{"dryRun": {{ ${dryRun} }}, "strategy": "{{ ${strategy} }}", "reason": "{{ ${reason} }}", "requestedBy": "operator"}`;
  return {
    schemaVersion: "0.3",
    description:
      `Game day (AWS FIS): starts the failover runbook of ${props.region}, which moves the global database's writer to ` +
      `${props.region} by the real protocol (lock, fence, drain, decide, promote, gates, verify), waits for it to end and ` +
      "fails unless it succeeded. DryRun defaults to true: the runbook then checks every precondition and changes nothing.",
    assumeRole: props.automationRoleArn,
    parameters: {
      [dryRun]: {
        type: "Boolean",
        default: true,
        description: "Check every precondition and change nothing (the runbook's dryRun). Default true.",
      },
      [strategy]: {
        type: "String",
        default: "planned",
        allowedValues: [...GAME_DAY_STRATEGIES],
        description: "planned: a switchover without data loss, or nothing. auto: the runbook decides on the evidence. Default planned.",
      },
      [reason]: {
        type: "String",
        default: "FIS game day",
        allowedPattern: REASON_PATTERN,
        description: "Recorded in the runbook's audit item and notices.",
      },
    },
    mainSteps: [
      {
        name: "StartFailoverRunbook",
        action: "aws:executeAwsApi",
        onFailure: "Abort",
        inputs: {
          Service: "stepfunctions",
          Api: "StartExecution",
          stateMachineArn: props.stateMachineArn,
          name: `${EXECUTION_NAME_PREFIX}{{ automation:EXECUTION_ID }}`,
          input,
        },
        outputs: [{ Name: "ExecutionArn", Selector: "$.executionArn", Type: "String" }],
      },
      {
        name: "WaitForRunbook",
        action: "aws:waitForAwsResourceProperty",
        timeoutSeconds: props.waitTimeoutSeconds,
        onFailure: "Abort",
        inputs: { ...describe, DesiredValues: [...RUNBOOK_END_STATES] },
      },
      {
        name: "AssertRunbookSucceeded",
        action: "aws:assertAwsResourceProperty",
        isEnd: true,
        inputs: { ...describe, DesiredValues: ["SUCCEEDED"] },
      },
    ],
    outputs: ["StartFailoverRunbook.ExecutionArn"],
  };
}
