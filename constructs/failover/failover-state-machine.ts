/**
 * The failover runbooks of one region as Step Functions state machines; the
 * definitions themselves are built by lambda/failover-orchestrator/state-machine.ts,
 * next to the orchestrator whose contract they run.
 */
import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { DefinitionProps, State, runbookDefinition } from "../../lambda/failover-orchestrator/state-machine";
import { EncryptedLogGroup } from "../observability/encrypted-log-group";

export * from "../../lambda/failover-orchestrator/state-machine";

export interface FailoverRunbookProps extends Omit<DefinitionProps, "partition"> {
  readonly provider: AwsProvider;
  readonly partition: string;
  readonly stateMachineName: string;
  readonly roleArn: string;
  readonly logGroupName: string;
  readonly logsKeyArn: string;
  readonly logRetentionDays: number;
  /**
   * Resources to create first: the role's policies. Step Functions checks at creation that the role may
   * deliver logs to the log group.
   * @default none
   */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * One runbook: a STANDARD state machine (exactly-once steps, up to a year of
 * waiting, full history) with X-Ray tracing and ALL events logged to an
 * encrypted group WITHOUT execution data: the log shows every state entered,
 * retried, caught and failed (the incident's timeline, with error names), but
 * neither inputs nor outputs, so task tokens (which approve a data-losing
 * failover) and the run record never reach the logs. What an operator needs
 * beyond the timeline is in the audit record (state table, audit#<execution
 * ARN>) and in the execution history, which only states:GetExecutionHistory
 * may read.
 */
export class FailoverRunbook extends Construct {
  readonly stateMachine: SfnStateMachine;
  readonly logGroup: EncryptedLogGroup;
  readonly definition: State;

  constructor(scope: Construct, id: string, props: FailoverRunbookProps) {
    super(scope, id);
    this.logGroup = new EncryptedLogGroup(this, "logs", {
      provider: props.provider,
      logGroupName: props.logGroupName,
      kmsKeyArn: props.logsKeyArn,
      retentionDays: props.logRetentionDays,
    });
    this.definition = runbookDefinition(props);
    this.stateMachine = new SfnStateMachine(this, "state-machine", {
      provider: props.provider,
      name: props.stateMachineName,
      type: "STANDARD",
      roleArn: props.roleArn,
      definition: JSON.stringify(this.definition),
      loggingConfiguration: { level: "ALL", includeExecutionData: false, logDestination: `${this.logGroup.arn}:*` },
      tracingConfiguration: { enabled: true },
      dependsOn: props.dependsOn,
    });
  }

  get arn(): string {
    return this.stateMachine.arn;
  }
}
