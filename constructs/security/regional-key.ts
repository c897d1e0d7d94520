/**
 * A customer-managed KMS key of one region, with rotation and an alias that carries the suffix, and a key policy
 * that keeps administration and use apart:
 *
 * - **administrators** (configuration: kms.administratorRoleArns, by default the deploy and break-glass roles) may
 *   manage the key (AWS's key-administrator actions: Create*, Describe*, Enable*, List*, Put*, Update*, Revoke*,
 *   Disable*, Get*, Delete*, TagResource, UntagResource, ScheduleKeyDeletion, CancelKeyDeletion), never encrypt or
 *   decrypt with it;
 * - the account's **root user** keeps the same administration actions, and nothing else: AWS's default key policy
 *   gives the account kms:* so that a key can never become unmanageable (a key whose policy admits no administrator
 *   can be recovered only by AWS Support); this policy keeps that lockout protection for the root user alone
 *   (aws:PrincipalType Account) instead of delegating every action to whichever IAM principal holds kms:* in its own
 *   policy (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html);
 * - **users** are named roles (by ARN, in an aws:PrincipalArn condition, so that a role a later stack creates needs no
 *   change here), each only through the AWS services that use the key on its behalf (kms:ViaService), in this
 *   account (kms:CallerAccount);
 * - **service principals** get the statements the caller adds, with the conditions AWS documents for them.
 *
 * No statement grants kms:*, and none names the principal "*". The principal of the named statements is the account
 * (which requires the role's own IAM policy to allow the call as well), narrowed by the role ARN condition.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import {
  DataAwsIamPolicyDocument,
  DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { RemovalPolicy } from "../../lib/removal";
import { AccountContext } from "./account-context";
import { KeyRef } from "./grants";

/** AWS's key-administrator actions (the default key policy's "Allow access for Key Administrators"): no cryptographic operation. */
export const KEY_ADMIN_ACTIONS = [
  "kms:Create*",
  "kms:Describe*",
  "kms:Enable*",
  "kms:List*",
  "kms:Put*",
  "kms:Update*",
  "kms:Revoke*",
  "kms:Disable*",
  "kms:Get*",
  "kms:Delete*",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
];

/** The cryptographic operations a key user needs (AWS's "Allow use of the key"). */
export const KEY_USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"];

/** Use of the key by named roles through AWS services. */
export interface KeyUser {
  /** Statement id: who uses the key, and how. */
  readonly sid: string;
  /** Role ARNs or ArnLike patterns (aws:PrincipalArn); an empty list adds no statement. */
  readonly principalArns: readonly string[];
  /** AWS services of the key's region through which they use it ("dynamodb", "s3", ...). */
  readonly services: readonly string[];
  /**
   * The operations they may ask for.
   * @default KEY_USE_ACTIONS
   */
  readonly actions?: readonly string[];
  /**
   * Also let them create grants for AWS resources (kms:GrantIsForAWSResource): what services such as RDS, DynamoDB,
   * ECR and AWS Backup need from whoever creates an encrypted resource.
   * @default false
   */
  readonly grantsForAwsResources?: boolean;
}

export interface RegionalKeyProps {
  readonly provider: AwsProvider;
  readonly account: AccountContext;
  /** Alias name, including the "alias/" prefix. */
  readonly alias: string;
  readonly description: string;
  /** Days before a scheduled deletion takes effect (7 to 30). */
  readonly deletionWindowDays: number;
  /** The key's region: grants bind use of the key to that region's services. */
  readonly region: string;
  /**
   * Roles (ARNs or ArnLike patterns) that administer the key; they must include the role Terraform runs as.
   * @default the account's IAM principals whose own policies allow the administration actions
   */
  readonly administratorArns?: readonly string[];
  /**
   * Named roles that use the key through AWS services.
   * @default none
   */
  readonly users?: readonly KeyUser[];
  /**
   * Statements for the service principals that use the key, with the
   * conditions AWS documents for them.
   * @default none
   */
  readonly serviceStatements?: DataAwsIamPolicyDocumentStatement[];
  /**
   * "retain" refuses to destroy the key (prevent_destroy): data encrypted with a deleted key is lost.
   * @default "retain"
   */
  readonly removal?: RemovalPolicy;
}

/** The key-policy statements of administration and named use (without the service principals' statements). */
export function keyAccessStatements(
  account: Pick<AccountContext, "accountId" | "rootArn">,
  region: string,
  administratorArns: readonly string[] | undefined,
  users: readonly KeyUser[],
): DataAwsIamPolicyDocumentStatement[] {
  const theAccount = [{ type: "AWS", identifiers: [account.rootArn] }];
  const named = (arns: readonly string[]) => ({ test: "ArnLike", variable: "aws:PrincipalArn", values: [...arns] });
  const statements: DataAwsIamPolicyDocumentStatement[] = [];
  if (administratorArns && administratorArns.length > 0) {
    statements.push(
      {
        sid: "KeyAdministrators",
        effect: "Allow",
        principals: theAccount,
        actions: KEY_ADMIN_ACTIONS,
        resources: ["*"],
        condition: [named(administratorArns)],
      },
      {
        sid: "RootUserKeepsKeyManageable",
        effect: "Allow",
        principals: theAccount,
        actions: KEY_ADMIN_ACTIONS,
        resources: ["*"],
        condition: [{ test: "StringEquals", variable: "aws:PrincipalType", values: ["Account"] }],
      },
    );
  } else {
    statements.push({ sid: "AccountAdministersKeyThroughIam", effect: "Allow", principals: theAccount, actions: KEY_ADMIN_ACTIONS, resources: ["*"] });
  }
  const through = (services: readonly string[]) => ({ test: "StringEquals", variable: "kms:ViaService", values: services.map((s) => `${s}.${region}.amazonaws.com`) });
  const inAccount = { test: "StringEquals", variable: "kms:CallerAccount", values: [account.accountId] };
  for (const user of users) {
    if (user.principalArns.length === 0 || user.services.length === 0) continue;
    statements.push({
      sid: user.sid,
      effect: "Allow",
      principals: theAccount,
      actions: [...(user.actions ?? KEY_USE_ACTIONS)],
      resources: ["*"],
      condition: [named(user.principalArns), through(user.services), inAccount],
    });
    if (user.grantsForAwsResources) {
      statements.push({
        sid: `${user.sid}Grants`,
        effect: "Allow",
        principals: theAccount,
        actions: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
        resources: ["*"],
        condition: [named(user.principalArns), through(user.services), inAccount, { test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }],
      });
    }
  }
  return statements;
}

export class RegionalKey extends Construct {
  readonly key: KmsKey;
  readonly alias: KmsAlias;
  private readonly region: string;

  constructor(scope: Construct, id: string, props: RegionalKeyProps) {
    super(scope, id);
    this.region = props.region;
    const policy = new DataAwsIamPolicyDocument(this, "policy", {
      provider: props.provider,
      statement: [...keyAccessStatements(props.account, props.region, props.administratorArns, props.users ?? []), ...(props.serviceStatements ?? [])],
    });
    this.key = new KmsKey(this, "key", {
      provider: props.provider,
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowDays,
      policy: policy.json,
      lifecycle: (props.removal ?? "retain") === "retain" ? { preventDestroy: true } : undefined,
    });
    this.alias = new KmsAlias(this, "alias", {
      provider: props.provider,
      name: props.alias,
      targetKeyId: this.key.keyId,
    });
  }

  get arn(): string {
    return this.key.arn;
  }

  /** The key for grants (`key.ref.grantViaServices(role, ...)`). */
  get ref(): KeyRef {
    return new KeyRef(this.key.arn, this.region);
  }
}
