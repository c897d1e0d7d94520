/**
 * The customer-managed keys of one region, one per purpose, each with the
 * statements its users need and the conditions AWS documents for them:
 *
 * - data: Aurora, DynamoDB and application buckets, usable only through RDS,
 *   DynamoDB and S3 in this account and region (the AWS-managed key pattern);
 * - logs: CloudWatch Logs, bound by the encryption context to this account's
 *   log groups in this region;
 * - secrets: Secrets Manager and SSM SecureString parameters;
 * - backup: AWS Backup vaults;
 * - messaging: SNS topics, SQS queues and the application event bus, with the
 *   grants CloudWatch alarms, EventBridge (which also encrypts the bus with it),
 *   AWS Backup and SNS (to encrypted queues) need to publish: without them,
 *   notifications to an encrypted topic are dropped silently.
 *
 * No statement grants kms:* to anyone but the account root.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { AwsRegion } from "../../lib/aws-regions";
import { KEY_PURPOSES, KeyPurpose } from "../../lib/catalog";
import { RemovalPolicy } from "../../lib/removal";
import { AccountContext } from "./account-context";
import { RegionalKey } from "./regional-key";

export { KEY_PURPOSES, KeyPurpose };

const USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"];
const PUBLISH_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey*"];

export interface RegionalKeysProps {
  readonly provider: AwsProvider;
  readonly account: AccountContext;
  readonly region: AwsRegion;
  /** Alias of each key, by purpose. */
  readonly aliases: Readonly<Record<KeyPurpose, string>>;
  /** Days before a scheduled deletion takes effect (7 to 30). */
  readonly deletionWindowDays: number;
  /**
   * "retain" keeps the keys when the stack is destroyed (data encrypted with a deleted key is lost).
   * @default "retain"
   */
  readonly removal?: RemovalPolicy;
}

/** Use of a key by any principal of this account, but only through the named AWS services in this region. */
function throughServices(account: AccountContext, region: string, services: string[], sid: string): DataAwsIamPolicyDocumentStatement {
  return {
    sid,
    effect: "Allow",
    principals: [{ type: "AWS", identifiers: ["*"] }],
    actions: [...USE_ACTIONS, "kms:CreateGrant", "kms:ListGrants"],
    resources: ["*"],
    condition: [
      { test: "StringEquals", variable: "kms:CallerAccount", values: [account.accountId] },
      { test: "StringEquals", variable: "kms:ViaService", values: services.map((s) => `${s}.${region}.amazonaws.com`) },
    ],
  };
}

export function keyStatements(purpose: KeyPurpose, account: AccountContext, region: string): DataAwsIamPolicyDocumentStatement[] {
  switch (purpose) {
    case "data":
      return [throughServices(account, region, ["rds", "dynamodb", "s3"], "UseThroughDataServices")];
    case "secrets":
      return [throughServices(account, region, ["secretsmanager", "ssm"], "UseThroughSecretsServices")];
    case "backup":
      return [throughServices(account, region, ["backup"], "UseThroughBackup")];
    case "logs":
      return [
        {
          sid: "CloudWatchLogsForThisAccountsLogGroups",
          effect: "Allow",
          principals: [{ type: "Service", identifiers: [`logs.${region}.amazonaws.com`] }],
          actions: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
          resources: ["*"],
          condition: [
            {
              test: "ArnLike",
              variable: "kms:EncryptionContext:aws:logs:arn",
              values: [account.arns.anyLogGroup],
            },
          ],
        },
      ];
    case "messaging":
      return [
        {
          sid: "CloudWatchAlarmsPublishToEncryptedTopics",
          effect: "Allow",
          principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
          actions: PUBLISH_ACTIONS,
          resources: ["*"],
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] }],
        },
        {
          // Two uses: the application event bus encrypted with this key, and rules that deliver to encrypted topics
          // and queues. A customer-managed key of a bus needs kms:DescribeKey (EventBridge checks the key is
          // symmetric and resolves its ARN), kms:GenerateDataKey and kms:Decrypt for events.amazonaws.com
          // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-encryption-key-policy.html).
          // EventBridge's deliveries to encrypted topics carry no aws:SourceAccount / aws:SourceArn, so a condition on
          // them would drop every event silently; DescribeKey reads metadata only.
          sid: "EventBridgeEncryptsBusesAndPublishesToEncryptedTopics",
          effect: "Allow",
          principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }],
          actions: ["kms:DescribeKey", ...PUBLISH_ACTIONS],
          resources: ["*"],
        },
        {
          sid: "BackupNotificationsToEncryptedTopics",
          effect: "Allow",
          principals: [{ type: "Service", identifiers: ["backup.amazonaws.com"] }],
          actions: PUBLISH_ACTIONS,
          resources: ["*"],
        },
        {
          sid: "SnsDeliveryToEncryptedQueues",
          effect: "Allow",
          principals: [{ type: "Service", identifiers: ["sns.amazonaws.com"] }],
          actions: PUBLISH_ACTIONS,
          resources: ["*"],
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] }],
        },
        throughServices(account, region, ["sns", "sqs"], "UseThroughMessagingServices"),
      ];
  }
}

export class RegionalKeys extends Construct {
  private readonly keys = new Map<KeyPurpose, RegionalKey>();

  constructor(scope: Construct, id: string, props: RegionalKeysProps) {
    super(scope, id);
    for (const purpose of KEY_PURPOSES) {
      this.keys.set(
        purpose,
        new RegionalKey(this, purpose, {
          provider: props.provider,
          account: props.account,
          region: props.region,
          alias: props.aliases[purpose],
          description: `${purpose} key of ${props.region} (${props.aliases[purpose]})`,
          deletionWindowDays: props.deletionWindowDays,
          serviceStatements: keyStatements(purpose, props.account, props.region),
          removal: props.removal ?? "retain",
        }),
      );
    }
  }

  key(purpose: KeyPurpose): RegionalKey {
    return this.keys.get(purpose)!;
  }
}
