/**
 * S3 replication of one region's copies of the application buckets to the
 * other region's: Replication Time Control (15 minutes, the only value S3
 * accepts) with replication metrics, delete-marker replication, KMS-encrypted
 * objects re-encrypted with the destination region's key, and replica
 * modification sync. Each region's cross-region stack replicates its own
 * buckets, so together they replicate both ways, always: nothing changes on
 * failover, and what the DR region writes after a failover is already home on
 * failback.
 *
 * One least-privilege role per source region, created through the source
 * region's provider. The source's data key is found by alias in its region;
 * the destination's key is passed in: the primary side looks it up in the DR
 * region, the DR side reads the ARN the primary side published into the DR
 * region, so the DR side needs nothing of the primary region to plan.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3BucketReplicationConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-replication-configuration";
import { AwsRegion } from "../../lib/aws-regions";
import { RegionCatalog, ReplicatedBucketPurpose } from "../../lib/catalog";
import { AccountContext } from "../security/account-context";
import { BoundedRole } from "../security/bounded-role";
import { KeyLookup } from "../security/key-lookup";

/** S3 Replication Time Control: 15 minutes is the only value S3 accepts. */
export const REPLICATION_TIME_MINUTES = 15;

export interface BucketReplicationProps {
  readonly account: AccountContext;
  /** The region whose buckets are replicated: its provider and names (buckets, replication role, key aliases). */
  readonly source: {
    readonly region: AwsRegion;
    readonly provider: AwsProvider;
    readonly names: Pick<RegionCatalog, "buckets" | "replicationRole" | "keyAliases">;
  };
  /** The region the replicas go to: its bucket names and the ARN of its data key. */
  readonly destination: {
    readonly region: AwsRegion;
    readonly names: Pick<RegionCatalog, "buckets">;
    readonly dataKeyArn: string;
  };
  readonly bucketPurposes: readonly ReplicatedBucketPurpose[];
  /**
   * ARN of the permissions boundary of the role(s) created here (iam.permissionsBoundaryArn).
   * @default no permissions boundary
   */
  readonly permissionsBoundaryArn?: string;
}

export class BucketReplication extends Construct {
  readonly configurations: S3BucketReplicationConfigurationA[] = [];
  readonly role: BoundedRole;

  constructor(scope: Construct, id: string, props: BucketReplicationProps) {
    super(scope, id);
    const { account, source, destination } = props;
    const s3Arn = (name: string) => account.arns.bucket(name);
    const sourceKeyArn = new KeyLookup(this, "keys", { provider: source.provider, aliases: source.names.keyAliases }).arn("data");
    const sourceBuckets = props.bucketPurposes.map((p) => source.names.buckets[p]);
    const destinationBuckets = props.bucketPurposes.map((p) => destination.names.buckets[p]);

    this.role = new BoundedRole(this, "role", {
      provider: source.provider,
      roleName: source.names.replicationRole,
      description: `Replicates the application buckets of ${source.region} to ${destination.region}`,
      assumedBy: "s3.amazonaws.com",
      trustConditions: [
        { test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] },
        { test: "ArnLike", variable: "aws:SourceArn", values: sourceBuckets.map(s3Arn) },
      ],
      permissionsBoundaryArn: props.permissionsBoundaryArn,
      statements: [
        {
          sid: "ReadReplicationConfiguration",
          effect: "Allow",
          actions: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
          resources: sourceBuckets.map(s3Arn),
        },
        {
          sid: "ReadSourceObjectVersions",
          effect: "Allow",
          actions: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
          resources: sourceBuckets.map((b) => `${s3Arn(b)}/*`),
        },
        {
          sid: "WriteReplicas",
          effect: "Allow",
          actions: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
          resources: destinationBuckets.map((b) => `${s3Arn(b)}/*`),
        },
        {
          sid: "DecryptSourceObjects",
          effect: "Allow",
          actions: ["kms:Decrypt"],
          resources: [sourceKeyArn],
          condition: [
            { test: "StringEquals", variable: "kms:ViaService", values: [`s3.${source.region}.amazonaws.com`] },
            { test: "ArnLike", variable: "kms:EncryptionContext:aws:s3:arn", values: sourceBuckets.map((b) => `${s3Arn(b)}*`) },
          ],
        },
        {
          sid: "EncryptReplicas",
          effect: "Allow",
          actions: ["kms:Encrypt", "kms:GenerateDataKey"],
          resources: [destination.dataKeyArn],
          condition: [
            { test: "StringEquals", variable: "kms:ViaService", values: [`s3.${destination.region}.amazonaws.com`] },
            { test: "ArnLike", variable: "kms:EncryptionContext:aws:s3:arn", values: destinationBuckets.map((b) => `${s3Arn(b)}*`) },
          ],
        },
      ],
    });
    props.bucketPurposes.forEach((purpose, i) => {
      this.configurations.push(
        new S3BucketReplicationConfigurationA(this, `${purpose}-${source.region}-to-${destination.region}`, {
          provider: source.provider,
          bucket: sourceBuckets[i],
          role: this.role.arn,
          rule: [
            {
              id: `${purpose}-to-${destination.region}`,
              status: "Enabled",
              priority: 1,
              filter: {},
              deleteMarkerReplication: { status: "Enabled" },
              sourceSelectionCriteria: {
                sseKmsEncryptedObjects: { status: "Enabled" },
                replicaModifications: { status: "Enabled" },
              },
              destination: {
                bucket: s3Arn(destinationBuckets[i]),
                storageClass: "STANDARD",
                encryptionConfiguration: { replicaKmsKeyId: destination.dataKeyArn },
                replicationTime: { status: "Enabled", time: { minutes: REPLICATION_TIME_MINUTES } },
                metrics: { status: "Enabled", eventThreshold: { minutes: REPLICATION_TIME_MINUTES } },
              },
            },
          ],
        }),
      );
    });
  }
}
