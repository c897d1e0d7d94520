/**
 * An S3 bucket with the baseline every bucket of the project shares:
 * versioning, SSE-KMS with the regional key and bucket keys, every public
 * access block on, object ownership enforced (no ACLs), a TLS-only policy
 * with a TLS 1.2 floor, lifecycle rules for old versions and stray uploads, and
 * event notifications to Amazon EventBridge (every object-level change is an
 * event on the region's default bus, for security monitoring and for AWS
 * Backup, which turns the same setting on for the S3 buckets it protects).
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import {
  DataAwsIamPolicyDocument,
  DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import {
  S3BucketLifecycleConfiguration,
  S3BucketLifecycleConfigurationRule,
} from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { S3BucketNotification } from "@cdktf/provider-aws/lib/s3-bucket-notification";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { RemovalPolicy } from "../../lib/removal";
import { BucketRef } from "../security/grants";

export interface SecureBucketProps {
  readonly provider: AwsProvider;
  readonly bucketName: string;
  /**
   * ARN of the customer-managed key of the bucket's own region; undefined means
   * SSE-S3, allowed only for the documented exceptions (S3 server access log and
   * ALB access log target buckets, which do not support SSE-KMS).
   */
  readonly kmsKeyArn: string | undefined;
  /** Days that non-current object versions are kept before they expire. */
  readonly noncurrentVersionExpirationDays: number;
  /**
   * "retain" refuses to destroy the bucket (prevent_destroy); "destroy" lets `terraform destroy`
   * delete it with the objects it still holds (force_destroy).
   * @default "retain"
   */
  readonly removal?: RemovalPolicy;
  /**
   * Statements added to the bucket policy after the TLS-only denials.
   * @default none
   */
  readonly extraPolicyStatements?: DataAwsIamPolicyDocumentStatement[];
  /**
   * Move current objects to STANDARD_IA after this many days.
   * @default no transition
   */
  readonly transitionToInfrequentAccessDays?: number;
  /**
   * Expire current objects after this many days (log buckets).
   * @default objects do not expire
   */
  readonly expirationDays?: number;
  /**
   * Server access logging to this bucket, under the bucket's own name as prefix.
   * @default no server access logging
   */
  readonly accessLogBucket?: string;
}

export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly policy: S3BucketPolicy;
  /** Versioning, which Object Lock and replication need first. */
  readonly versioning: S3BucketVersioningA;
  /**
   * The bucket's one notification configuration (S3 keeps one per bucket): events to EventBridge.
   * Add further destinations here rather than in a second aws_s3_bucket_notification.
   */
  readonly notifications: S3BucketNotification;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    const provider = props.provider;
    const retain = (props.removal ?? "retain") === "retain";
    this.bucket = new S3Bucket(this, "bucket", {
      provider,
      bucket: props.bucketName,
      forceDestroy: !retain,
      lifecycle: retain ? { preventDestroy: true } : undefined,
    });
    this.versioning = new S3BucketVersioningA(this, "versioning", {
      provider,
      bucket: this.bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      provider,
      bucket: this.bucket.id,
      rule: [
        props.kmsKeyArn
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKeyArn }, bucketKeyEnabled: true }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    });
    const publicAccessBlock = new S3BucketPublicAccessBlock(this, "public-access-block", {
      provider,
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    this.notifications = new S3BucketNotification(this, "notifications", {
      provider,
      bucket: this.bucket.id,
      eventbridge: true,
    });
    new S3BucketOwnershipControls(this, "ownership", {
      provider,
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    const extraRules: S3BucketLifecycleConfigurationRule[] = [];
    if (props.transitionToInfrequentAccessDays !== undefined) {
      extraRules.push({
        id: "transition-to-infrequent-access",
        status: "Enabled",
        filter: [{}],
        transition: [{ days: props.transitionToInfrequentAccessDays, storageClass: "STANDARD_IA" }],
      });
    }
    if (props.expirationDays !== undefined) {
      extraRules.push({ id: "expire-objects", status: "Enabled", filter: [{}], expiration: [{ days: props.expirationDays }] });
    }
    if (props.accessLogBucket) {
      new S3BucketLoggingA(this, "access-logging", {
        provider,
        bucket: this.bucket.id,
        targetBucket: props.accessLogBucket,
        targetPrefix: `${props.bucketName}/`,
      });
    }
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      provider,
      bucket: this.bucket.id,
      rule: [
        ...extraRules,
        {
          id: "expire-noncurrent-versions",
          status: "Enabled",
          filter: [{}],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionExpirationDays }],
        },
        {
          id: "abort-incomplete-multipart-uploads",
          status: "Enabled",
          filter: [{}],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    const objects = `${this.bucket.arn}/*`;
    const document = new DataAwsIamPolicyDocument(this, "policy-document", {
      provider,
      statement: [
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          principals: [{ type: "*", identifiers: ["*"] }],
          actions: ["s3:*"],
          resources: [this.bucket.arn, objects],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
        {
          sid: "DenyTlsOlderThan12",
          effect: "Deny",
          principals: [{ type: "*", identifiers: ["*"] }],
          actions: ["s3:*"],
          resources: [this.bucket.arn, objects],
          condition: [{ test: "NumericLessThan", variable: "s3:TlsVersion", values: ["1.2"] }],
        },
        ...(props.extraPolicyStatements ?? []),
      ],
    });
    // The public access block first: a policy put before it can be refused as public.
    this.policy = new S3BucketPolicy(this, "policy", {
      provider,
      bucket: this.bucket.id,
      policy: document.json,
      dependsOn: [publicAccessBlock],
    });
  }

  /** The bucket for grants (`bucket.ref.grantObjects(role, ...)`). */
  get ref(): BucketRef {
    return new BucketRef(this.bucket.bucket, this.bucket.arn);
  }
}
