/**
 * An IAM role the project creates: assumed by one service, carrying the
 * configured permissions boundary (when one is set) and one inline policy
 * built from least-privilege statements.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import {
  DataAwsIamPolicyDocument,
  DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { IGrantable } from "./grants";

export interface BoundedRoleProps {
  readonly provider: AwsProvider;
  readonly roleName: string;
  readonly description: string;
  /** Service principal that assumes the role, e.g. lambda.amazonaws.com. */
  readonly assumedBy: string;
  /**
   * Conditions on the trust policy (for example aws:SourceAccount), against the confused deputy.
   * @default none
   */
  readonly trustConditions?: { test: string; variable: string; values: string[] }[];
  /**
   * ARN of the permissions boundary of the role(s) created here (iam.permissionsBoundaryArn).
   * @default no permissions boundary
   */
  readonly permissionsBoundaryArn?: string;
  /**
   * Statements of the role's inline policy ("permissions"); each names its resources.
   * Grants (constructs/security/grants.ts) append to the same policy.
   * @default no inline policy until a grant adds one
   */
  readonly statements?: DataAwsIamPolicyDocumentStatement[];
  /**
   * AWS managed policies to attach, where AWS maintains the exact permissions a
   * service role needs (enhanced monitoring, AWS Backup).
   * @default none
   */
  readonly managedPolicyArns?: string[];
}

export class BoundedRole extends Construct implements IGrantable {
  readonly role: IamRole;
  private readonly provider: AwsProvider;
  private policyCount = 0;
  /** The "permissions" policy: its statements, and its document once one exists. */
  private readonly statements: DataAwsIamPolicyDocumentStatement[] = [];
  private permissions?: DataAwsIamPolicyDocument;

  constructor(scope: Construct, id: string, props: BoundedRoleProps) {
    super(scope, id);
    this.provider = props.provider;
    const trust = new DataAwsIamPolicyDocument(this, "trust", {
      provider: props.provider,
      statement: [
        {
          effect: "Allow",
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: [props.assumedBy] }],
          condition: props.trustConditions,
        },
      ],
    });
    this.role = new IamRole(this, "role", {
      provider: props.provider,
      name: props.roleName,
      description: props.description,
      assumeRolePolicy: trust.json,
      permissionsBoundary: props.permissionsBoundaryArn,
      // IAM is global, and its control plane (every write, tags included) is served from us-east-1. A role tagged
      // with its region's current role would need an IAM write in every region after each failover, when us-east-1
      // may be the region that is gone; "global" (as for Route 53) keeps a failover's configuration change free of
      // IAM writes (overrides the provider's default DR-Role; docs/outage-operations.md).
      tags: { "DR-Role": "global" },
    });
    if (props.statements && props.statements.length > 0) this.addStatements(...props.statements);
    (props.managedPolicyArns ?? []).forEach((policyArn, i) =>
      new IamRolePolicyAttachment(this, `managed-policy-${i}`, { provider: props.provider, role: this.role.name, policyArn }),
    );
  }

  /** Appends statements to the role's "permissions" policy, creating it on first use (grants call this). */
  addStatements(...statements: DataAwsIamPolicyDocumentStatement[]): void {
    this.statements.push(...statements);
    if (this.permissions) this.permissions.putStatement([...this.statements]);
    else this.permissions = this.addPolicy("permissions", [...this.statements]);
  }

  /** Adds a separate inline policy to the role. */
  addPolicy(name: string, statements: DataAwsIamPolicyDocumentStatement[]): DataAwsIamPolicyDocument {
    const index = this.policyCount++;
    const document = new DataAwsIamPolicyDocument(this, `policy-document-${index}`, { provider: this.provider, statement: statements });
    new IamRolePolicy(this, `policy-${index}`, { provider: this.provider, role: this.role.id, name, policy: document.json });
    return document;
  }

  get arn(): string {
    return this.role.arn;
  }
}
