/**
 * One multi-region CloudTrail trail, created once (in the DR region, so it
 * outlives the loss of the primary), with log file validation, its own key,
 * its own locked-down bucket whose policy names the trail by the ARN built
 * from its name, and a CloudWatch Logs group for alarms and queries.
 *
 * Besides management events, the trail records the data events of the
 * project's own data when asked (audit.dataEvents): item-level DynamoDB calls
 * on the given tables and object-level S3 calls on the given buckets, in every
 * region (advanced event selectors; CloudTrail charges per data event). With
 * Object Lock (audit.objectLock), every log file version is kept write-once for
 * the retention period: in compliance mode nobody, the root user included, can
 * delete or overwrite it before then; integrity is also provable from the
 * digest files (log file validation).
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Cloudtrail, CloudtrailAdvancedEventSelector } from "@cdktf/provider-aws/lib/cloudtrail";
import { S3BucketObjectLockConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration";
import { DEPLOY_SERVICES, OPERATOR_SERVICES } from "../../lib/key-users";
import { AwsRegion } from "../../lib/aws-regions";
import { RegionCatalog } from "../../lib/catalog";
import { RemovalPolicy } from "../../lib/removal";
import { AccountContext } from "../security/account-context";
import { BoundedRole } from "../security/bounded-role";
import { EncryptedLogGroup } from "./encrypted-log-group";
import { RegionalKey } from "../security/regional-key";
import { SecureBucket } from "../data/secure-bucket";

export interface AuditTrailProps {
  readonly provider: AwsProvider;
  readonly account: AccountContext;
  readonly region: AwsRegion;
  /** Names of the trail, its bucket, key alias, log group and log role. */
  readonly names: Pick<RegionCatalog, "trail" | "trailBucket" | "trailRole" | "trailLogGroup" | "keyAlias">;
  /** ARN of the region's logs key, for the trail's log group. */
  readonly logsKeyArn: string;
  readonly logRetentionDays: number;
  readonly keyDeletionWindowDays: number;
  /** Days that non-current log objects are kept. */
  readonly noncurrentVersionDays: number;
  /**
   * ARN of the permissions boundary of the role(s) created here (iam.permissionsBoundaryArn).
   * @default no permissions boundary
   */
  readonly permissionsBoundaryArn?: string;
  /**
   * "destroy" lets destroy remove the key and the bucket with its objects (dev only); "retain" refuses.
   * @default "retain"
   */
  readonly removal?: RemovalPolicy;
  /**
   * Roles (ARNs or ArnLike patterns) that administer the trail's key (kms.administratorRoleArns).
   * @default the account's IAM principals whose own policies allow it
   */
  readonly keyAdministratorArns?: readonly string[];
  /**
   * Roles that create the trail (iam.deployRoleArns): they use the key through CloudTrail and S3.
   * @default none
   */
  readonly deployRoleArns?: readonly string[];
  /**
   * Roles that read the log files (iam.operatorRoleArns): they decrypt through S3.
   * @default none
   */
  readonly readerRoleArns?: readonly string[];
  /**
   * Data events to record: item-level calls on these DynamoDB tables and object-level calls on these buckets (ARNs,
   * every region's); "writes" records only the calls that change data.
   * @default management events only
   */
  readonly dataEvents?: { readonly scope: "all" | "writes"; readonly tableArns: readonly string[]; readonly bucketArns: readonly string[] };
  /**
   * S3 Object Lock default retention of the log files.
   * @default no Object Lock
   */
  readonly objectLock?: { readonly mode: "COMPLIANCE" | "GOVERNANCE"; readonly days: number };
}

/** The trail's advanced event selectors: management events always, and the data events asked for. */
export function trailEventSelectors(dataEvents: AuditTrailProps["dataEvents"]): CloudtrailAdvancedEventSelector[] {
  const selectors: CloudtrailAdvancedEventSelector[] = [
    // With advanced event selectors, management events are recorded only when a selector asks for them.
    { name: "Management events", fieldSelector: [{ field: "eventCategory", equalTo: ["Management"] }] },
  ];
  if (!dataEvents) return selectors;
  const writesOnly = dataEvents.scope === "writes" ? [{ field: "readOnly", equalTo: ["false"] }] : [];
  if (dataEvents.tableArns.length > 0) {
    selectors.push({
      name: "Item-level calls on the project's DynamoDB tables",
      fieldSelector: [
        { field: "eventCategory", equalTo: ["Data"] },
        { field: "resources.type", equalTo: ["AWS::DynamoDB::Table"] },
        { field: "resources.ARN", equalTo: [...dataEvents.tableArns] },
        ...writesOnly,
      ],
    });
  }
  if (dataEvents.bucketArns.length > 0) {
    selectors.push({
      name: "Object-level calls on the project's data and state buckets",
      fieldSelector: [
        { field: "eventCategory", equalTo: ["Data"] },
        { field: "resources.type", equalTo: ["AWS::S3::Object"] },
        { field: "resources.ARN", startsWith: dataEvents.bucketArns.map((arn) => `${arn}/`) },
        ...writesOnly,
      ],
    });
  }
  return selectors;
}

export class AuditTrail extends Construct {
  readonly trail: Cloudtrail;
  readonly bucket: SecureBucket;
  readonly key: RegionalKey;

  constructor(scope: Construct, id: string, props: AuditTrailProps) {
    super(scope, id);
    const { provider, account, names } = props;
    const removal = props.removal ?? "retain";
    const trailName = names.trail;
    // Built from the name, not taken from the resource: the bucket policy must exist before the trail.
    const trailArn = account.arns.trail;
    const cloudTrailPrincipal = [{ type: "Service", identifiers: ["cloudtrail.amazonaws.com"] }];
    const fromThisTrail = { test: "StringEquals", variable: "aws:SourceArn", values: [trailArn] };

    this.key = new RegionalKey(this, "key", {
      provider,
      account,
      region: props.region,
      alias: names.keyAlias("audit"),
      description: `Encrypts the CloudTrail trail ${trailName}`,
      deletionWindowDays: props.keyDeletionWindowDays,
      removal,
      administratorArns: props.keyAdministratorArns,
      users: [
        {
          sid: "DeployRolesUseKeyThroughServices",
          principalArns: props.deployRoleArns ?? [],
          services: DEPLOY_SERVICES.audit,
          grantsForAwsResources: true,
        },
        { sid: "OperatorsReadThroughServices", principalArns: props.readerRoleArns ?? [], services: OPERATOR_SERVICES.audit ?? [], actions: ["kms:Decrypt", "kms:DescribeKey"] },
      ],
      serviceStatements: [
        {
          sid: "CloudTrailEncryptsThisAccountsTrailLogs",
          effect: "Allow",
          principals: cloudTrailPrincipal,
          actions: ["kms:GenerateDataKey*"],
          resources: ["*"],
          condition: [
            fromThisTrail,
            {
              test: "StringLike",
              variable: "kms:EncryptionContext:aws:cloudtrail:arn",
              values: [account.arns.anyTrail],
            },
          ],
        },
        {
          sid: "CloudTrailDescribesKey",
          effect: "Allow",
          principals: cloudTrailPrincipal,
          actions: ["kms:DescribeKey"],
          resources: ["*"],
          condition: [fromThisTrail],
        },
      ],
    });

    const bucketName = names.trailBucket;
    const bucketArn = account.arns.bucket(bucketName);
    this.bucket = new SecureBucket(this, "bucket", {
      provider,
      bucketName,
      kmsKeyArn: this.key.arn,
      noncurrentVersionExpirationDays: props.noncurrentVersionDays,
      removal,
      extraPolicyStatements: [
        {
          sid: "CloudTrailChecksBucketAcl",
          effect: "Allow",
          principals: cloudTrailPrincipal,
          actions: ["s3:GetBucketAcl"],
          resources: [bucketArn],
          condition: [fromThisTrail],
        },
        {
          sid: "CloudTrailWritesThisAccountsLogs",
          effect: "Allow",
          principals: cloudTrailPrincipal,
          actions: ["s3:PutObject"],
          resources: [`${bucketArn}/AWSLogs/${account.accountId}/*`],
          condition: [fromThisTrail, { test: "StringEquals", variable: "s3:x-amz-acl", values: ["bucket-owner-full-control"] }],
        },
      ],
    });

    const lock = props.objectLock
      ? new S3BucketObjectLockConfigurationA(this, "object-lock", {
          provider,
          bucket: this.bucket.bucket.id,
          objectLockEnabled: "Enabled",
          rule: { defaultRetention: { mode: props.objectLock.mode, days: props.objectLock.days } },
          // Object Lock needs versioning first; enabling it on the existing bucket replaces nothing.
          dependsOn: [this.bucket.versioning],
        })
      : undefined;

    const logGroup = new EncryptedLogGroup(this, "log-group", {
      provider,
      logGroupName: names.trailLogGroup,
      kmsKeyArn: props.logsKeyArn,
      retentionDays: props.logRetentionDays,
    });
    const logRole = new BoundedRole(this, "log-role", {
      provider,
      roleName: names.trailRole,
      description: `Delivers CloudTrail ${trailName} events to CloudWatch Logs`,
      assumedBy: "cloudtrail.amazonaws.com",
      trustConditions: [fromThisTrail],
      permissionsBoundaryArn: props.permissionsBoundaryArn,
      statements: [
        {
          sid: "WriteTrailEvents",
          effect: "Allow",
          actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
          resources: [`${logGroup.arn}:log-stream:*`],
        },
      ],
    });

    this.trail = new Cloudtrail(this, "trail", {
      provider,
      name: trailName,
      s3BucketName: this.bucket.bucket.id,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      kmsKeyId: this.key.arn,
      cloudWatchLogsGroupArn: `${logGroup.arn}:*`,
      cloudWatchLogsRoleArn: logRole.arn,
      advancedEventSelector: trailEventSelectors(props.dataEvents),
      dependsOn: [this.bucket.policy, ...(lock ? [lock] : [])],
    });
  }
}
