/**
 * The customer-managed keys of one region, one per purpose, each with a key policy that separates administration
 * from use (constructs/security/regional-key.ts) and names its users:
 *
 * - data: Aurora, DynamoDB, application buckets and the registry, used by the project's roles that read and write
 *   them, each only through the service it uses (lib/key-users.ts);
 * - logs: CloudWatch Logs, bound by the encryption context to this account's log groups in this region;
 * - secrets: Secrets Manager, SSM SecureString parameters and the functions' environment variables;
 * - backup: AWS Backup vaults, used by both regions' backup roles (copies land in the other region's vault);
 * - messaging: SNS topics, SQS queues and the application event bus, with the grants CloudWatch alarms, EventBridge
 *   (which also encrypts the bus with it), AWS Backup and SNS (to encrypted queues) need to publish: without them,
 *   notifications to an encrypted topic are dropped silently. Every service statement is conditioned: on the source
 *   account or ARN where the service sends one, and otherwise on the encryption context, which names the project's
 *   own topic, queue or bus.
 *
 * No statement grants kms:*, and none names the principal "*".
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { AwsRegion } from "../../lib/aws-regions";
import { KEY_PURPOSES, KeyPurpose } from "../../lib/catalog";
import { KeyPolicyUser } from "../../lib/key-users";
import { RemovalPolicy } from "../../lib/removal";
import { AccountContext } from "./account-context";
import { RegionalKey } from "./regional-key";

export { KEY_PURPOSES, KeyPurpose };

const PUBLISH_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey*"];

export interface RegionalKeysProps {
  readonly provider: AwsProvider;
  readonly account: AccountContext;
  readonly region: AwsRegion;
  /** Alias of each key, by purpose. */
  readonly aliases: Readonly<Record<KeyPurpose, string>>;
  /** Days before a scheduled deletion takes effect (7 to 30). */
  readonly deletionWindowDays: number;
  /** Roles (ARNs or ArnLike patterns) that administer every key (kms.administratorRoleArns). */
  readonly administratorArns: readonly string[];
  /** The named users of each key (lib/key-users.ts keyPolicyUsers). */
  readonly users: Readonly<Record<KeyPurpose, readonly KeyPolicyUser[]>>;
  /** The region's application event bus, which the messaging key encrypts (EventBridge's aws:SourceArn). */
  readonly eventBusArn: string;
  /**
   * Accounts that receive cross-account copies of this region's recovery points (backup.crossAccountCopy): Aurora
   * snapshots stay encrypted with the data key, which the destination account must be able to use to copy them.
   * @default none
   */
  readonly backupCopyAccounts?: readonly string[];
  /**
   * "retain" keeps the keys when the stack is destroyed (data encrypted with a deleted key is lost).
   * @default "retain"
   */
  readonly removal?: RemovalPolicy;
}

/** The statements for the AWS service principals that use a key of one purpose, each with its documented conditions. */
export function keyStatements(
  purpose: KeyPurpose,
  account: Pick<AccountContext, "accountId" | "arns">,
  region: string,
  eventBusArn: string,
): DataAwsIamPolicyDocumentStatement[] {
  const fromThisAccount = { test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] };
  // SNS and SQS name the topic or queue in the encryption context of every data key they ask for
  // (aws:sns:topicArn, aws:sqs:arn): the condition that holds when the calling service sends no source keys.
  const forProjectTopics = { test: "ArnLike", variable: "kms:EncryptionContext:aws:sns:topicArn", values: [account.arns.projectTopics] };
  const forProjectQueues = { test: "ArnLike", variable: "kms:EncryptionContext:aws:sqs:arn", values: [account.arns.projectQueues] };
  const service = (name: string) => [{ type: "Service", identifiers: [name] }];
  switch (purpose) {
    case "logs":
      return [
        {
          sid: "CloudWatchLogsForThisAccountsLogGroups",
          effect: "Allow",
          principals: service(`logs.${region}.amazonaws.com`),
          actions: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
          resources: ["*"],
          condition: [{ test: "ArnLike", variable: "kms:EncryptionContext:aws:logs:arn", values: [account.arns.anyLogGroup] }],
        },
      ];
    case "messaging":
      return [
        {
          sid: "CloudWatchAlarmsPublishToEncryptedTopics",
          effect: "Allow",
          principals: service("cloudwatch.amazonaws.com"),
          actions: PUBLISH_ACTIONS,
          resources: ["*"],
          condition: [fromThisAccount],
        },
        {
          // A customer-managed key of a bus needs kms:DescribeKey (EventBridge checks the key is symmetric and resolves its
          // ARN), kms:GenerateDataKey and kms:Decrypt for events.amazonaws.com; AWS recommends aws:SourceArn,
          // aws:SourceAccount or the bus's encryption context as conditions
          // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-encryption-key-policy.html).
          sid: "EventBridgeEncryptsTheApplicationBus",
          effect: "Allow",
          principals: service("events.amazonaws.com"),
          actions: ["kms:DescribeKey", ...PUBLISH_ACTIONS],
          resources: ["*"],
          condition: [fromThisAccount, { test: "ArnEquals", variable: "aws:SourceArn", values: [eventBusArn] }],
        },
        {
          // EventBridge rules deliver to encrypted topics (alarms of failed backup jobs, the failover events) without
          // aws:SourceAccount or aws:SourceArn in the request; the topic in the encryption context bounds the grant.
          sid: "EventBridgePublishesToTheProjectsEncryptedTopics",
          effect: "Allow",
          principals: service("events.amazonaws.com"),
          actions: PUBLISH_ACTIONS,
          resources: ["*"],
          condition: [forProjectTopics],
        },
        {
          sid: "EventBridgeDeliversToTheProjectsEncryptedQueues",
          effect: "Allow",
          principals: service("events.amazonaws.com"),
          actions: PUBLISH_ACTIONS,
          resources: ["*"],
          condition: [forProjectQueues],
        },
        {
          sid: "BackupNotificationsToTheProjectsEncryptedTopics",
          effect: "Allow",
          principals: service("backup.amazonaws.com"),
          actions: PUBLISH_ACTIONS,
          resources: ["*"],
          condition: [fromThisAccount, forProjectTopics],
        },
        {
          sid: "SnsDeliveryToEncryptedQueues",
          effect: "Allow",
          principals: service("sns.amazonaws.com"),
          actions: PUBLISH_ACTIONS,
          resources: ["*"],
          condition: [fromThisAccount],
        },
      ];
    default:
      return [];
  }
}

/** The data key's statements for the accounts that receive cross-account copies of Aurora snapshots. */
export function backupCopyStatements(account: Pick<AccountContext, "arns">, accounts: readonly string[]): DataAwsIamPolicyDocumentStatement[] {
  if (accounts.length === 0) return [];
  const principals = [{ type: "AWS", identifiers: accounts.map((id) => account.arns.accountRoot(id)) }];
  return [
    {
      sid: "CrossAccountBackupCopiesOfAuroraSnapshots",
      effect: "Allow",
      principals,
      actions: ["kms:Decrypt", "kms:DescribeKey", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
      resources: ["*"],
    },
    {
      sid: "CrossAccountBackupCopiesOfAuroraSnapshotsGrants",
      effect: "Allow",
      principals,
      actions: ["kms:CreateGrant"],
      resources: ["*"],
      condition: [{ test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }],
    },
  ];
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
          administratorArns: props.administratorArns,
          users: props.users[purpose],
          serviceStatements: [
            ...keyStatements(purpose, props.account, props.region, props.eventBusArn),
            ...(purpose === "data" ? backupCopyStatements(props.account, props.backupCopyAccounts ?? []) : []),
          ],
          removal: props.removal ?? "retain",
        }),
      );
    }
  }

  key(purpose: KeyPurpose): RegionalKey {
    return this.keys.get(purpose)!;
  }
}
