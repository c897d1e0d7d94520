/**
 * data-<region>: the data tier of one region.
 *
 * The primary (founding) region's stack owns the global cluster, the cluster
 * created with the credentials, and the DynamoDB global tables: they must
 * exist before anything can join them, and the founding region never changes.
 * The secondary region's stack joins the global cluster by its deterministic
 * identifier and adds the table replicas (built ARNs, its own keys), so it
 * never reads primary-region state. Both stacks hold their region's buckets,
 * backup vault and plan, and the runtime parameters that name all of it.
 */
import { Construct } from "constructs";
import { DataAwsRdsGlobalCluster } from "@cdktf/provider-aws/lib/data-aws-rds-global-cluster";
import { AccountContext } from "../constructs/security/account-context";
import { ApplicationBuckets, REPLICATED_BUCKET_PURPOSES } from "../constructs/data/application-buckets";
import { AuroraCluster } from "../constructs/data/aurora-cluster";
import { DatabaseCredentials } from "../constructs/security/database-credentials";
import { GlobalCluster } from "../constructs/data/global-cluster";
import { GlobalTable, GlobalTableReplica } from "../constructs/data/global-table";
import { KeyLookup } from "../constructs/security/key-lookup";
import { RegionalBackup } from "../constructs/data/regional-backup";
import { RpoGuardAlarm } from "../constructs/observability/rpo-guard-alarm";
import { RuntimeParameters } from "../constructs/app/runtime-parameters";
import { otherRegion, roleOf } from "../lib/config/model";
import { s3StateNames } from "./backend";
import { BaseStack } from "./base-stack";
import { DrStack, DrStackProps } from "./dr-stack";

/** The DynamoDB global tables: name purpose, partition key and TTL attribute. */
export const GLOBAL_TABLES = [
  { purpose: "sessions", partitionKey: "sessionId", ttlAttribute: "expiresAt" },
  { purpose: "txmeta", partitionKey: "transactionId", ttlAttribute: "expiresAt" },
] as const;

export interface DataStackProps extends DrStackProps {
  /** The same region's base stack (network, security groups, alert topic). */
  readonly base: BaseStack;
}

export class DataStack extends DrStack {
  readonly founding: boolean;
  readonly credentials?: DatabaseCredentials;
  readonly globalCluster?: GlobalCluster;
  readonly cluster: AuroraCluster;
  readonly tables: readonly (GlobalTable | GlobalTableReplica)[];
  readonly buckets: ApplicationBuckets;
  readonly backup: RegionalBackup;

  constructor(scope: Construct, props: DataStackProps) {
    super(scope, props);
    const { config, naming } = this;
    const region = this.homeRegion;
    const { base } = props;
    const protectedProfile = config.destroyProfile === "protected";
    this.founding = region === config.regions.primary;
    const account = new AccountContext(this, "account", { provider: this.provider });
    const keys = new KeyLookup(this, "keys", { provider: this.provider, naming });
    const globalClusterIdentifier = naming.name("rdsGlobalCluster", "global");

    if (this.founding) {
      this.credentials = new DatabaseCredentials(this, "database-credentials", {
        provider: this.provider,
        secretName: naming.name("secret", "db-master"),
        kmsKeyArn: keys.arn("secrets"),
        replicaRegion: config.regions.secondary,
        // Aliases are regional: this one names the DR region's own secrets key.
        replicaKmsKeyId: naming.kmsAlias("secrets"),
        engine: config.database.engine,
        username: config.database.masterUsername,
        databaseName: config.database.databaseName,
        port: config.database.port,
        passwordVersion: config.database.masterPasswordVersion,
        destroyable: !protectedProfile,
      });
      this.globalCluster = new GlobalCluster(this, "global-cluster", {
        provider: this.provider,
        identifier: globalClusterIdentifier,
        engine: config.database.engine,
        engineVersion: config.database.engineVersion,
        protect: protectedProfile,
      });
    }

    this.cluster = new AuroraCluster(this, "aurora", {
      provider: this.provider,
      account,
      config,
      naming,
      region,
      founding: this.founding,
      globalClusterIdentifier: this.globalCluster ? this.globalCluster.globalCluster.id : globalClusterIdentifier,
      sourceRegion: config.regions.primary,
      instanceCount: roleOf(config, region) === "active" ? config.database.instances.active : config.database.instances.standby,
      isolatedSubnetIds: base.network.isolatedSubnetIds,
      securityGroupId: base.securityGroups.database.id,
      dataKeyArn: keys.arn("data"),
      logsKeyArn: keys.arn("logs"),
      credentials: this.credentials,
    });

    const tableArn = (name: string) => `arn:${account.partition}:dynamodb:${config.regions.primary}:${account.accountId}:table/${name}`;
    this.tables = GLOBAL_TABLES.map((t) => {
      const tableName = naming.name("dynamodbTable", t.purpose);
      return this.founding
        ? new GlobalTable(this, `table-${t.purpose}`, {
            provider: this.provider,
            tableName,
            partitionKey: t.partitionKey,
            ttlAttribute: t.ttlAttribute,
            kmsKeyArn: keys.arn("data"),
            protect: protectedProfile,
          })
        : new GlobalTableReplica(this, `table-${t.purpose}`, {
            provider: this.provider,
            globalTableArn: tableArn(tableName),
            kmsKeyArn: keys.arn("data"),
            protect: protectedProfile,
          });
    });

    this.buckets = new ApplicationBuckets(this, "buckets", {
      provider: this.provider,
      account,
      naming,
      region,
      dataKeyArn: keys.arn("data"),
      transitionToInfrequentAccessDays: config.storage.transitionToInfrequentAccessDays,
      noncurrentVersionExpirationDays: config.storage.noncurrentVersionExpirationDays,
      accessLogExpirationDays: config.storage.accessLogExpirationDays,
      // The region's access-log bucket also takes the server access logs of the region's other buckets.
      otherLoggedBuckets: [
        ...(config.backend.type === "s3" ? [{ label: "tfstate", bucketName: s3StateNames(config, region).bucket, configureHere: true }] : []),
        ...(region === config.regions.secondary && config.audit.cloudTrail
          ? [{ label: "trail", bucketName: naming.name("s3Bucket", "trail", region), configureHere: true }]
          : []),
        { label: "alblogs", bucketName: naming.name("s3Bucket", "alblogs", region), configureHere: false },
        ...(config.canaries.enabled ? [{ label: "canary", bucketName: naming.name("s3Bucket", "canary", region), configureHere: false }] : []),
      ],
      destroyable: !protectedProfile,
    });

    new RpoGuardAlarm(this, "rpo-guard", {
      provider: this.provider,
      alarmName: naming.name("alarm", "rpo-guard"),
      clusterIdentifier: this.cluster.clusterIdentifier,
      rpoSeconds: config.targets.rpoSeconds,
      enforcement: config.database.rpoEnforcement,
      role: roleOf(config, region),
      alertTopicArn: base.alerts.arn,
    });

    const regionalTableArn = (name: string) => `arn:${account.partition}:dynamodb:${region}:${account.accountId}:table/${name}`;
    this.backup = new RegionalBackup(this, "backup", {
      provider: this.provider,
      account,
      config,
      naming,
      region,
      otherRegion: otherRegion(config, region),
      backupKeyArn: keys.arn("backup"),
      resourceArns: [
        this.cluster.arn,
        ...GLOBAL_TABLES.map((t) => regionalTableArn(naming.name("dynamodbTable", t.purpose))),
        ...REPLICATED_BUCKET_PURPOSES.map((p) => this.buckets.buckets[p].bucket.arn),
      ],
      alertTopicArn: base.alerts.arn,
    });

    // The global writer endpoint follows the writer across regions; the DR region reads it in-region.
    const writerEndpoint = this.globalCluster
      ? this.globalCluster.writerEndpoint
      : new DataAwsRdsGlobalCluster(this, "global-cluster", {
          provider: this.provider,
          identifier: globalClusterIdentifier,
          dependsOn: [this.cluster.cluster],
        }).endpoint;
    new RuntimeParameters(this, "parameters", {
      provider: this.provider,
      naming,
      secretsKeyArn: keys.arn("secrets"),
      parameters: {
        "database-writer-endpoint": { value: writerEndpoint, description: "Global writer endpoint: follows the writer across regions" },
        "database-reader-endpoint": { value: this.cluster.cluster.readerEndpoint, description: `Reader endpoint of the ${region} cluster` },
        "sessions-table": { value: naming.name("dynamodbTable", "sessions"), description: "DynamoDB global table for sessions" },
        "txmeta-table": { value: naming.name("dynamodbTable", "txmeta"), description: "DynamoDB global table for transaction metadata" },
        "appdata-bucket": { value: this.buckets.buckets.appdata.bucket.id, description: `Application data bucket of ${region}` },
        "txlogs-bucket": { value: this.buckets.buckets.txlogs.bucket.id, description: `Transaction logs bucket of ${region}` },
      },
    });
  }
}
