/**
 * data-<region>: the data tier of one region.
 *
 * The primary (founding) region's stack owns the global cluster, the cluster
 * created with the credentials, and the DynamoDB global tables: they must
 * exist before anything can join them, and the founding region never changes.
 * The secondary region's stack joins the global cluster by its deterministic
 * identifier, so it never reads primary-region state; the tables' replicas are
 * in a stack of their own (replicas-stack.ts), because every refresh of a
 * replica reads the primary region. Both stacks hold their region's buckets,
 * backup vault and plan, and the runtime parameters that name all of it.
 */
import { Construct } from "constructs";
import { AccountContext } from "../constructs/security/account-context";
import { ApplicationBuckets } from "../constructs/data/application-buckets";
import { AuroraCluster } from "../constructs/data/aurora-cluster";
import { DatabaseCredentials } from "../constructs/security/database-credentials";
import { GlobalCluster, GlobalWriterEndpoint } from "../constructs/data/global-cluster";
import { GlobalTable } from "../constructs/data/global-table";
import { KeyLookup } from "../constructs/security/key-lookup";
import { RegionalBackup } from "../constructs/data/regional-backup";
import { RpoGuardAlarm } from "../constructs/observability/rpo-guard-alarm";
import { RuntimeParameters } from "../constructs/app/runtime-parameters";
import { REPLICATED_BUCKET_PURPOSES, RegionCatalog, catalogOf } from "../lib/catalog";
import { DrConfig } from "../lib/config/model";
import { DataAccessExemption } from "../constructs/data/application-buckets";
import { s3StateNames } from "./backend";
import { BaseStack } from "./base-stack";
import { DrStack, DrStackProps } from "./dr-stack";

export interface DataStackProps extends DrStackProps {
  /** The same region's base stack (network, security groups, alert topic). */
  readonly base: BaseStack;
}

export class DataStack extends DrStack {
  readonly founding: boolean;
  readonly credentials?: DatabaseCredentials;
  readonly globalCluster?: GlobalCluster;
  readonly cluster: AuroraCluster;
  /** The global tables (founding region only; the other region's replicas are in replicas-<region>). */
  readonly tables: readonly GlobalTable[];
  readonly buckets: ApplicationBuckets;
  readonly backup: RegionalBackup;

  constructor(scope: Construct, props: DataStackProps) {
    super(scope, props);
    const { config, catalog, removal } = this;
    const region = this.homeRegion;
    const { base } = props;
    this.founding = catalog.founding;
    const account = new AccountContext(this, "account", { provider: this.provider, catalog });
    const keys = new KeyLookup(this, "keys", { provider: this.provider, aliases: catalog.keyAliases });

    if (this.founding) {
      this.credentials = new DatabaseCredentials(this, "database-credentials", {
        provider: this.provider,
        secretName: catalog.databaseSecret,
        kmsKeyArn: keys.arn("secrets"),
        replicaRegion: config.regions.secondary,
        // Aliases are regional: this one names the DR region's own secrets key.
        replicaKmsKeyId: catalogOf(config).region(config.regions.secondary).keyAlias("secrets"),
        engine: config.database.engine,
        username: config.database.masterUsername,
        databaseName: config.database.databaseName,
        port: config.database.port,
        passwordVersion: config.database.masterPasswordVersion,
        // Break-glass readers; by default the roles that apply this stack (Terraform reads the secret's version back at
        // every refresh) and the break-glass roles of configuration (docs/security.md, section 3).
        readers: config.database.masterSecretReaders ?? [...new Set([...config.iam.deployRoleArns, ...config.iam.breakGlassRoleArns])],
        removal,
      });
      this.globalCluster = new GlobalCluster(this, "global-cluster", {
        provider: this.provider,
        identifier: catalog.globalClusterId,
        engine: config.database.engine,
        engineVersion: config.database.engineVersion,
        engineLifecycleSupport: config.database.engineLifecycleSupport,
        removal,
      });
    }

    this.cluster = new AuroraCluster(this, "aurora", {
      provider: this.provider,
      account,
      names: catalog,
      region,
      database: config.database,
      rpoSeconds: config.targets.rpoSeconds,
      logRetentionDays: config.retention.logDays,
      permissionsBoundaryArn: config.iam.permissionsBoundaryArn,
      removal,
      founding: this.founding,
      globalClusterIdentifier: this.globalCluster ? this.globalCluster.globalCluster.id : catalog.globalClusterId,
      sourceRegion: config.regions.primary,
      instanceCount: catalog.role === "active" ? config.database.instances.active : config.database.instances.standby,
      isolatedSubnetIds: base.network.isolatedSubnetIds,
      securityGroupId: base.securityGroups.database.id,
      dataKeyArn: keys.arn("data"),
      logsKeyArn: keys.arn("logs"),
      credentials: this.credentials,
    });

    // The application's global tables and the failover automation's control table (heartbeats, fences): a global
    // table too, so a decision reaches the other region by DynamoDB's replication alone. Their replicas live in
    // replicas-<secondary> (stacks/replicas-stack.ts says why).
    this.tables = this.founding
      ? catalog.globalTables.map(
          (t) =>
            new GlobalTable(this, `table-${t.purpose}`, {
              provider: this.provider,
              tableName: t.tableName,
              partitionKey: t.partitionKey,
              ttlAttribute: t.ttlAttribute,
              globalSecondaryIndexes: t.indexes,
              kmsKeyArn: keys.arn("data"),
              removal,
            }),
        )
      : [];

    this.buckets = new ApplicationBuckets(this, "buckets", {
      provider: this.provider,
      account,
      names: catalog,
      dataKeyArn: keys.arn("data"),
      transitionToInfrequentAccessDays: config.storage.transitionToInfrequentAccessDays,
      noncurrentVersionExpirationDays: config.storage.noncurrentVersionExpirationDays,
      accessLogExpirationDays: config.storage.accessLogExpirationDays,
      // The region's access-log bucket also takes the server access logs of the region's other buckets.
      otherLoggedBuckets: [
        ...(config.backend.type === "s3" ? [{ label: "tfstate", bucketName: s3StateNames(config, region).bucket, configureHere: true }] : []),
        ...(region === config.regions.secondary && config.audit.cloudTrail ? [{ label: "trail", bucketName: catalog.trailBucket, configureHere: true }] : []),
        // Created by the base stack (the paging forwarder deploys from it) before this log target exists.
        { label: "lambda", bucketName: catalog.lambdaArtifactBucket, configureHere: true },
        { label: "alblogs", bucketName: catalog.loadBalancerLogBucket, configureHere: false },
        ...(config.canaries.enabled ? [{ label: "canary", bucketName: catalog.canaryBucket, configureHere: false }] : []),
      ],
      removal,
      vpcOnlyDataAccess: {
        vpcEndpointId: base.network.gatewayEndpoints.s3.id,
        exemptions: dataAccessExemptions(config, catalog, catalogOf(config).region(catalog.peerRegion), account),
      },
    });

    new RpoGuardAlarm(this, "rpo-guard", {
      provider: this.provider,
      alarmName: catalog.rpoGuardAlarm,
      clusterIdentifier: this.cluster.clusterIdentifier,
      rpoSeconds: config.targets.rpoSeconds,
      enforcement: config.database.rpoEnforcement,
      role: catalog.role,
      alertTopicArn: base.alerts.arn,
    });

    this.backup = new RegionalBackup(this, "backup", {
      provider: this.provider,
      account,
      names: catalog,
      settings: config.backup,
      region,
      otherRegion: catalog.peerRegion,
      backupKeyArn: keys.arn("backup"),
      resourceArns: [
        this.cluster.arn,
        ...catalog.tableNames.map((name) => account.arns.table(name)),
        ...REPLICATED_BUCKET_PURPOSES.map((p) => this.buckets.buckets[p].bucket.arn),
      ],
      alertTopicArn: base.alerts.arn,
      permissionsBoundaryArn: config.iam.permissionsBoundaryArn,
      removal,
      vaultPolicyAdministratorArns: removal === "retain" ? [...config.iam.deployRoleArns, ...config.iam.breakGlassRoleArns] : undefined,
      airGappedKeyArn: config.backup.airGappedVault.kmsKeyArns?.[region],
      crossAccountVaultArn: config.backup.crossAccountCopy.destinationVaultArns?.[region],
    });

    // The global writer endpoint follows the writer across regions; the DR region reads it in-region.
    const writerEndpoint = this.globalCluster
      ? this.globalCluster.writerEndpoint
      : new GlobalWriterEndpoint(this, "global-cluster-lookup", {
          provider: this.provider,
          identifier: catalog.globalClusterId,
          dependsOn: [this.cluster.cluster],
        }).endpoint;
    new RuntimeParameters(this, "parameters", {
      provider: this.provider,
      names: catalog,
      secretsKeyArn: keys.arn("secrets"),
      parameters: {
        "database-writer-endpoint": { value: writerEndpoint, description: "Global writer endpoint: follows the writer across regions" },
        "database-reader-endpoint": { value: this.cluster.cluster.readerEndpoint, description: `Reader endpoint of the ${region} cluster` },
        "sessions-table": { value: catalog.tables.sessions, description: "DynamoDB global table for sessions" },
        "txmeta-table": { value: catalog.tables.txmeta, description: "DynamoDB global table for transaction metadata" },
        "appdata-bucket": { value: this.buckets.buckets.appdata.bucket.id, description: `Application data bucket of ${region}` },
        "txlogs-bucket": { value: this.buckets.buckets.txlogs.bucket.id, description: `Transaction logs bucket of ${region}` },
      },
    });
  }
}

/**
 * Who reaches a region's application buckets without its VPC endpoint, and why (docs/security.md, "VPC endpoints
 * and bucket policies"): every other principal reads and writes them only from inside the region's VPC.
 */
export function dataAccessExemptions(config: DrConfig, own: RegionCatalog, peer: RegionCatalog, account: AccountContext): DataAccessExemption[] {
  const role = (name: string) => account.arns.role(name);
  return [
    {
      principalArns: [role(own.replicationRole), role(peer.replicationRole)],
      reason: "S3 replication reads the source objects and writes the replicas service-side with these roles, never through a VPC",
    },
    { principalArns: [role(own.backupRole)], reason: "AWS Backup backs up and restores the buckets service-side with this region's backup role" },
    ...(config.reconciliation.enabled
      ? [
          {
            principalArns: [role(peer.functionRoles.reconciler)],
            reason:
              "the other region's reconciler compares this region's log objects across regions; a gateway endpoint carries only its own region's S3 traffic",
          },
        ]
      : []),
    { principalArns: config.iam.deployRoleArns, reason: "Terraform empties the buckets of a destroyable environment (force_destroy) from outside the VPCs" },
    { principalArns: config.iam.breakGlassRoleArns, reason: "break glass: recovery of the data when the application path is broken" },
    { principalArns: config.iam.operatorRoleArns, reason: "operators read reconciliation reports and run npm run reconcile from their machines" },
  ].filter((e) => e.principalArns.length > 0);
}
