/**
 * The one role that people use to drive the region's runbooks: start a
 * failover, failback or reconciliation run, answer an approval (npm run approve
 * reads the task token from the state table), stop a run, and read the runs and
 * their audit records. Step Functions has no resource policies, so "who may
 * start a failover or approve a data loss" is this role's trust policy: the
 * named principals (failover.operatorPrincipals) of their own accounts, matched
 * by aws:PrincipalArn, and nothing else in this project is granted
 * states:SendTaskSuccess or states:SendTaskFailure (__tests__/operator.test.ts).
 *
 * Principals in the account that hold AdministratorAccess can still call Step
 * Functions directly; an organization's SCP that denies states:StartExecution,
 * SendTaskSuccess and SendTaskFailure on the runbooks to everyone except this
 * role and the health monitor's closes that (docs/security.md).
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsIamPolicyDocument, DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { leadingKeys } from "../security/grants";

export interface FailoverOperatorRoleProps {
  readonly provider: AwsProvider;
  readonly roleName: string;
  /** aws:PrincipalArn patterns of the people (or their roles) who may assume the role. */
  readonly principals: readonly string[];
  /** Root ARNs of the accounts those principals live in (the trust policy's Principal; lib/catalog.ts accountRootsOf). */
  readonly principalAccounts: readonly string[];
  /** The runbooks' state machines in this region (failover, failback, and reconciliation where enabled). */
  readonly stateMachineArns: readonly string[];
  /** Every execution of those state machines (arn:...:execution:<name>:*). */
  readonly executionArns: readonly string[];
  /** The region's state table, and the item patterns the role reads: pending approvals, audit records, notices. */
  readonly stateTable: { readonly arn: string; readonly readablePatterns: readonly string[] };
  /** The region's data key (the state table's encryption), used only through DynamoDB. */
  readonly dataKeyArn: string;
  readonly region: string;
  /**
   * Permissions boundary of the role (iam.permissionsBoundaryArn).
   * @default no permissions boundary
   */
  readonly permissionsBoundaryArn?: string;
  /**
   * Longest session, in seconds: an approval or a failover takes minutes, not a working day.
   * @default 3600
   */
  readonly maxSessionDurationSeconds?: number;
}

export class FailoverOperatorRole extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: FailoverOperatorRoleProps) {
    super(scope, id);
    const trust = new DataAwsIamPolicyDocument(this, "trust", {
      provider: props.provider,
      statement: [
        {
          sid: "NamedOperatorsOnly",
          effect: "Allow",
          actions: ["sts:AssumeRole"],
          principals: [{ type: "AWS", identifiers: [...props.principalAccounts] }],
          condition: [{ test: "ArnLike", variable: "aws:PrincipalArn", values: [...props.principals] }],
        },
      ],
    });
    this.role = new IamRole(this, "role", {
      provider: props.provider,
      name: props.roleName,
      description: "Operators of the DR runbooks: start, stop and read runs, answer approvals (npm run approve)",
      assumeRolePolicy: trust.json,
      maxSessionDuration: props.maxSessionDurationSeconds ?? 3600,
      permissionsBoundary: props.permissionsBoundaryArn,
      tags: { "DR-Role": "global" },
    });
    const statements: DataAwsIamPolicyDocumentStatement[] = [
      { sid: "StartRunbooks", effect: "Allow", actions: ["states:StartExecution"], resources: [...props.stateMachineArns] },
      { sid: "AnswerApprovals", effect: "Allow", actions: ["states:SendTaskSuccess", "states:SendTaskFailure"], resources: [...props.stateMachineArns] },
      { sid: "ListRuns", effect: "Allow", actions: ["states:ListExecutions", "states:DescribeStateMachine"], resources: [...props.stateMachineArns] },
      { sid: "ReadAndStopRuns", effect: "Allow", actions: ["states:DescribeExecution", "states:GetExecutionHistory", "states:StopExecution"], resources: [...props.executionArns] },
      { sid: "ReadApprovalsAndAudit", effect: "Allow", actions: ["dynamodb:GetItem"], resources: [props.stateTable.arn], condition: [leadingKeys(props.stateTable.readablePatterns)] },
      {
        sid: "DataKeyThroughDynamoDb",
        effect: "Allow",
        actions: ["kms:Decrypt"],
        resources: [props.dataKeyArn],
        condition: [{ test: "StringEquals", variable: "kms:ViaService", values: [`dynamodb.${props.region}.amazonaws.com`] }],
      },
    ];
    const permissions = new DataAwsIamPolicyDocument(this, "permissions", { provider: props.provider, statement: statements });
    new IamRolePolicy(this, "policy", { provider: props.provider, role: this.role.id, name: "permissions", policy: permissions.json });
  }

  get arn(): string {
    return this.role.arn;
  }
}
