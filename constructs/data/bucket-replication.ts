/**
 * Two-way S3 replication between the two regions' copies of each application
 * bucket: Replication Time Control (15 minutes, the only value S3 accepts) with
 * replication metrics, delete-marker replication, KMS-encrypted objects
 * re-encrypted with the destination region's key, and replica modification
 * sync. Replicating both ways always means nothing changes on failover, and
 * what the DR region writes after a failover is already home on failback.
 *
 * One least-privilege role per source region. Buckets and keys are found by
 * name in their own region (keys by alias, through that region's provider).
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

export interface ReplicationRegion {
  readonly region: AwsRegion;
  readonly provider: AwsProvider;
  /** The region's names: its buckets, its replication role, its key aliases. */
  readonly names: Pick<RegionCatalog, "buckets" | "replicationRole" | "keyAliases">;
}

export interface BucketReplicationProps {
  readonly account: AccountContext;
  readonly regions: readonly [ReplicationRegion, ReplicationRegion];
  readonly bucketPurposes: readonly ReplicatedBucketPurpose[];
  /**
   * ARN of the permissions boundary of the role(s) created here (iam.permissionsBoundaryArn).
   * @default no permissions boundary
   */
  readonly permissionsBoundaryArn?: string;
}

export class BucketReplication extends Construct {
  readonly configurations: S3BucketReplicationConfigurationA[] = [];
  readonly roles: BoundedRole[] = [];

  constructor(scope: Construct, id: string, props: BucketReplicationProps) {
    super(scope, id);
    const { account } = props;
    const s3Arn = (name: string) => account.arns.bucket(name);
    const dataKeys = new Map(
      props.regions.map(({ region, provider, names }) => [region, new KeyLookup(this, `keys-${region}`, { provider, aliases: names.keyAliases }).arn("data")]),
    );

    for (const [index, source] of props.regions.entries()) {
      const destination = props.regions[1 - index];
      const sourceBuckets = props.bucketPurposes.map((p) => source.names.buckets[p]);
      const destinationBuckets = props.bucketPurposes.map((p) => destination.names.buckets[p]);
      const role = new BoundedRole(this, `role-${source.region}`, {
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
            resources: [dataKeys.get(source.region)!],
            condition: [
              { test: "StringEquals", variable: "kms:ViaService", values: [`s3.${source.region}.amazonaws.com`] },
              { test: "ArnLike", variable: "kms:EncryptionContext:aws:s3:arn", values: sourceBuckets.map((b) => `${s3Arn(b)}*`) },
            ],
          },
          {
            sid: "EncryptReplicas",
            effect: "Allow",
            actions: ["kms:Encrypt", "kms:GenerateDataKey"],
            resources: [dataKeys.get(destination.region)!],
            condition: [
              { test: "StringEquals", variable: "kms:ViaService", values: [`s3.${destination.region}.amazonaws.com`] },
              { test: "ArnLike", variable: "kms:EncryptionContext:aws:s3:arn", values: destinationBuckets.map((b) => `${s3Arn(b)}*`) },
            ],
          },
        ],
      });
      this.roles.push(role);
      props.bucketPurposes.forEach((purpose, i) => {
        this.configurations.push(
          new S3BucketReplicationConfigurationA(this, `${purpose}-${source.region}-to-${destination.region}`, {
            provider: source.provider,
            bucket: sourceBuckets[i],
            role: role.arn,
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
                  encryptionConfiguration: { replicaKmsKeyId: dataKeys.get(destination.region)! },
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
}
