/**
 * The application's buckets in one region: application data and transaction
 * logs/documents (versioned, SSE-KMS with the region's data key and bucket
 * keys, TLS only, public access blocked, lifecycle from configuration, server
 * access logging), and the access-log bucket they log to. The access-log
 * bucket uses SSE-S3: S3 server access logging does not deliver to buckets
 * whose default encryption is SSE-KMS (the documented exception).
 *
 * The access-log bucket is the region's one server-access-log target: it also
 * receives the logs of the region's buckets that other stacks create (see
 * `otherLoggedBuckets`). For buckets of stacks applied before this one (the
 * Terraform state bucket of the bootstrap stack, the trail bucket of the base
 * stack) this construct turns their logging on, since their own stacks run
 * before the target exists; buckets of later stacks (load balancer logs,
 * canary artifacts) turn it on themselves, naming this bucket.
 *
 * Data in the application buckets is read and written from inside the region's
 * VPC only: each bucket's policy denies object reads, writes, deletions and
 * listings that do not arrive through the region's S3 gateway endpoint
 * (aws:SourceVpce), so an application role's credentials used anywhere else
 * read nothing. The principals whose access cannot come through that endpoint
 * are exempt by ARN (aws:PrincipalArn), each for a stated reason
 * (`VpcOnlyDataAccess.exemptions`): S3 replication and AWS Backup act
 * service-side, the other region's reconciler reads across regions, and the
 * deploy, break-glass and operator roles work from outside the VPCs.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { REPLICATED_BUCKET_PURPOSES, RegionCatalog, ReplicatedBucketPurpose } from "../../lib/catalog";
import { RemovalPolicy } from "../../lib/removal";
import { AccountContext } from "../security/account-context";
import { SecureBucket } from "./secure-bucket";

export { REPLICATED_BUCKET_PURPOSES, ReplicatedBucketPurpose };

/** What the VPC-only data policy guards: object reads, writes, deletions and listings. */
export const VPC_ONLY_DATA_ACTIONS = [
  "s3:GetObject*",
  "s3:PutObject*",
  "s3:DeleteObject*",
  "s3:RestoreObject",
  "s3:ListBucket",
  "s3:ListBucketVersions",
  "s3:ListBucketMultipartUploads",
  "s3:ListMultipartUploadParts",
  "s3:AbortMultipartUpload",
];

/** A principal that reaches the application buckets without the region's VPC endpoint, and why. */
export interface DataAccessExemption {
  /** Role ARNs or ArnLike patterns. */
  readonly principalArns: readonly string[];
  /** Why it cannot come through the endpoint (documentation; also the statement's comment in docs/security.md). */
  readonly reason: string;
}

/** Data access to the application buckets only through the region's S3 gateway endpoint, but for the exemptions. */
export interface VpcOnlyDataAccess {
  /** The id (vpce-...) of the region's S3 gateway endpoint. */
  readonly vpcEndpointId: string;
  readonly exemptions: readonly DataAccessExemption[];
}

/** A bucket of this region, created by another stack, whose server access logs go to the access-log bucket. */
export interface LoggedBucket {
  /** Short label for construct ids ("tfstate", "trail", ...). */
  readonly label: string;
  readonly bucketName: string;
  /**
   * The bucket's stack is applied before this one, so this construct turns its logging on (S3 refuses a
   * logging target that does not exist yet); otherwise the bucket's own stack does.
   */
  readonly configureHere: boolean;
}

export interface ApplicationBucketsProps {
  readonly provider: AwsProvider;
  readonly account: AccountContext;
  /** Names of the application buckets and of the access-log bucket. */
  readonly names: Pick<RegionCatalog, "buckets" | "accessLogBucket">;
  /** ARN of the region's data key. */
  readonly dataKeyArn: string;
  readonly transitionToInfrequentAccessDays: number;
  readonly noncurrentVersionExpirationDays: number;
  readonly accessLogExpirationDays: number;
  /**
   * The region's other buckets (other stacks) that log to the access-log bucket.
   * @default none
   */
  readonly otherLoggedBuckets?: readonly LoggedBucket[];
  /**
   * "destroy": buckets can be destroyed with their objects; "retain": prevent_destroy.
   * @default "retain"
   */
  readonly removal?: RemovalPolicy;
  /**
   * Require the region's S3 gateway endpoint for data access to the application buckets.
   * @default data access from anywhere the principal's own policy allows
   */
  readonly vpcOnlyDataAccess?: VpcOnlyDataAccess;
}

export class ApplicationBuckets extends Construct {
  readonly accessLogs: SecureBucket;
  readonly buckets: Record<ReplicatedBucketPurpose, SecureBucket>;

  constructor(scope: Construct, id: string, props: ApplicationBucketsProps) {
    super(scope, id);
    const { provider, names, account } = props;
    const removal = props.removal ?? "retain";
    const accessLogName = names.accessLogBucket;
    const others = props.otherLoggedBuckets ?? [];
    const sourceArns = [...REPLICATED_BUCKET_PURPOSES.map((p) => names.buckets[p]), ...others.map((b) => b.bucketName)].map((name) =>
      account.arns.bucket(name),
    );
    this.accessLogs = new SecureBucket(this, "access-logs", {
      provider,
      bucketName: accessLogName,
      kmsKeyArn: undefined,
      noncurrentVersionExpirationDays: 7,
      expirationDays: props.accessLogExpirationDays,
      removal,
      extraPolicyStatements: [
        {
          sid: "S3ServerAccessLogsFromThisAccountsBuckets",
          effect: "Allow",
          principals: [{ type: "Service", identifiers: ["logging.s3.amazonaws.com"] }],
          actions: ["s3:PutObject"],
          resources: [`${account.arns.bucket(accessLogName)}/*`],
          condition: [
            { test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] },
            { test: "ArnLike", variable: "aws:SourceArn", values: sourceArns },
          ],
        },
      ],
    });
    const vpcOnly = props.vpcOnlyDataAccess;
    const bucket = (purpose: ReplicatedBucketPurpose) => {
      const arn = account.arns.bucket(names.buckets[purpose]);
      return new SecureBucket(this, purpose, {
        provider,
        bucketName: names.buckets[purpose],
        kmsKeyArn: props.dataKeyArn,
        noncurrentVersionExpirationDays: props.noncurrentVersionExpirationDays,
        transitionToInfrequentAccessDays: props.transitionToInfrequentAccessDays,
        accessLogBucket: this.accessLogs.bucket.id,
        removal,
        extraPolicyStatements: vpcOnly
          ? [
              {
                sid: "DataOnlyThroughThisRegionsVpcEndpoint",
                effect: "Deny",
                principals: [{ type: "*", identifiers: ["*"] }],
                actions: VPC_ONLY_DATA_ACTIONS,
                resources: [arn, `${arn}/*`],
                condition: [
                  { test: "StringNotEquals", variable: "aws:SourceVpce", values: [vpcOnly.vpcEndpointId] },
                  { test: "ArnNotLike", variable: "aws:PrincipalArn", values: [...new Set(vpcOnly.exemptions.flatMap((e) => e.principalArns))] },
                ],
              },
            ]
          : undefined,
      });
    };
    this.buckets = { appdata: bucket("appdata"), txlogs: bucket("txlogs") };
    for (const other of others.filter((b) => b.configureHere)) {
      new S3BucketLoggingA(this, `${other.label}-access-logging`, {
        provider,
        bucket: other.bucketName,
        targetBucket: this.accessLogs.bucket.id,
        targetPrefix: `${other.bucketName}/`,
        // The target's policy must admit the source before S3 accepts the logging configuration.
        dependsOn: [this.accessLogs.policy],
      });
    }
  }
}
