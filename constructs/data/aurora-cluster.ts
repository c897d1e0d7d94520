/**
 * One region's member of the Aurora global database: its cluster, instances,
 * cluster parameter group, subnet group, monitoring role and log groups.
 *
 * The founding region's cluster is created with the credentials and the
 * database name; the other region's joins the global cluster by its
 * deterministic identifier with `source_region` and its own region's key, and
 * takes no credentials. Which region is the writer is not Terraform's to
 * decide (the failover automation moves it), so the attributes that drift
 * after a failover are ignored and nothing here depends on the active region
 * except the instance count and the DR-Role tag: both in-place changes.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { RdsCluster, RdsClusterConfig } from "@cdktf/provider-aws/lib/rds-cluster";
import { RdsClusterInstance } from "@cdktf/provider-aws/lib/rds-cluster-instance";
import { RdsClusterParameterGroup } from "@cdktf/provider-aws/lib/rds-cluster-parameter-group";
import { AwsRegion } from "../../lib/aws-regions";
import { RegionCatalog } from "../../lib/catalog";
import { DrConfig } from "../../lib/config/model";
import { RemovalPolicy } from "../../lib/removal";
import { AccountContext } from "../security/account-context";
import { BoundedRole } from "../security/bounded-role";
import { EncryptedLogGroup } from "../observability/encrypted-log-group";

/** The cluster parameter group family of an engine version ("aurora-postgresql14", "aurora-mysql8.0"). */
/** The database section of the configuration: engine, version, sizes, windows, retention. */
export type DatabaseSettings = DrConfig["database"];

export function parameterGroupFamily(engine: DatabaseSettings["engine"], engineVersion: string): string {
  if (engine === "aurora-postgresql") return `aurora-postgresql${engineVersion.split(".")[0]}`;
  const [major, minor] = engineVersion.split(".");
  return `aurora-mysql${major}.${minor}`;
}

/** Log types each engine exports to CloudWatch Logs. */
export function logExports(engine: DatabaseSettings["engine"]): string[] {
  return engine === "aurora-postgresql" ? ["postgresql"] : ["audit", "error", "general", "slowquery"];
}

/**
 * PostgreSQL statements that run longer than this are written, with their duration, to the exported
 * postgresql log (CloudWatch Logs, logs key). A transaction statement of this system takes milliseconds.
 */
export const SLOW_STATEMENT_MS = 1000;

/**
 * Cluster parameters: TLS always; on PostgreSQL, query logging of slow statements (log_min_duration_statement)
 * while log_statement stays "none", stated explicitly: "ddl", "mod" and "all" write statements as sent, and
 * CREATE/ALTER ROLE ... PASSWORD would put passwords into the logs; and the database-enforced RPO where
 * configured (in both regions, so it survives a failover).
 *
 * Bind values never reach the logs (they are account numbers and amounts, kept as long as the logs):
 *  - PostgreSQL (13 and later): a statement logged by log_min_duration_statement carries its bind values in a
 *    "parameters: $1 = ..." detail line unless log_parameter_max_length is 0, and a statement logged because it
 *    failed carries them unless log_parameter_max_length_on_error is 0 (PostgreSQL's own default, stated here so a
 *    parameter-group edit shows up as drift). Literals written into the statement text itself are still logged:
 *    the application must send values as bind parameters (docs/security.md).
 *  - MySQL has no such switch: the general log and the slow query log write every statement with its values
 *    substituted, so both are off, stated explicitly; Advanced Auditing records connections only (CONNECT: who
 *    connected from where, no statement text).
 */
/** The Aurora PostgreSQL parameter that makes the database enforce the RPO. */
export const GLOBAL_DB_RPO_PARAMETER = "rds.global_db_rpo";

export function clusterParameters(db: DatabaseSettings, rpoSeconds: number): { name: string; value: string }[] {
  if (db.engine === "aurora-mysql") {
    return [
      { name: "require_secure_transport", value: "ON" },
      { name: "general_log", value: "0" },
      { name: "slow_query_log", value: "0" },
      { name: "server_audit_logging", value: "1" },
      { name: "server_audit_events", value: "CONNECT" },
    ];
  }
  const parameters = [
    { name: "rds.force_ssl", value: "1" },
    { name: "log_min_duration_statement", value: String(SLOW_STATEMENT_MS) },
    { name: "log_statement", value: "none" },
    { name: "log_parameter_max_length", value: "0" },
    { name: "log_parameter_max_length_on_error", value: "0" },
  ];
  if (db.rpoEnforcement === "database") parameters.push({ name: GLOBAL_DB_RPO_PARAMETER, value: String(rpoSeconds) });
  return parameters;
}

/** Attributes AWS changes when the writer moves between regions. */
export const FAILOVER_DRIFT_ATTRIBUTES = ["replication_source_identifier", "global_cluster_identifier"];

export interface AuroraClusterProps {
  readonly provider: AwsProvider;
  readonly account: AccountContext;
  /** Identifiers of the cluster, its instances, log groups, final snapshot and monitoring role. */
  readonly names: Pick<RegionCatalog, "clusterId" | "dbInstance" | "databaseLogGroup" | "finalSnapshot" | "monitoringRole">;
  readonly region: AwsRegion;
  readonly database: DatabaseSettings;
  /** The RPO, bounded by rds.global_db_rpo where database.rpoEnforcement is "database". */
  readonly rpoSeconds: number;
  readonly logRetentionDays: number;
  /**
   * ARN of the permissions boundary of the monitoring role.
   * @default no boundary
   */
  readonly permissionsBoundaryArn?: string;
  /**
   * "retain": deletion protection, prevent_destroy and a final snapshot; "destroy": none of them.
   * @default "retain"
   */
  readonly removal?: RemovalPolicy;
  /** Whether this is the founding region's cluster, created with the credentials. */
  readonly founding: boolean;
  readonly globalClusterIdentifier: string;
  /** The founding region (source_region of the joining cluster). */
  readonly sourceRegion: AwsRegion;
  /** Number of instances: the writer plus readers in the active region, at least one in the standby. */
  readonly instanceCount: number;
  readonly isolatedSubnetIds: string[];
  readonly securityGroupId: string;
  /** ARN of the region's data key (storage and Performance Insights). */
  readonly dataKeyArn: string;
  /** ARN of the region's logs key (exported database logs). */
  readonly logsKeyArn: string;
  /**
   * For the founding cluster: the generated password (write-only) and its version.
   * @default none: a joining cluster takes no credentials
   */
  readonly credentials?: { readonly password: string; readonly passwordVersion: number };
}

export class AuroraCluster extends Construct {
  readonly cluster: RdsCluster;
  readonly instances: RdsClusterInstance[];
  readonly clusterIdentifier: string;

  constructor(scope: Construct, id: string, props: AuroraClusterProps) {
    super(scope, id);
    const { provider, names, region } = props;
    const db = props.database;
    const protectedProfile = (props.removal ?? "retain") === "retain";
    this.clusterIdentifier = names.clusterId;

    const subnetGroup = new DbSubnetGroup(this, "subnet-group", {
      provider,
      name: this.clusterIdentifier,
      description: `Isolated subnets of ${region} for the Aurora cluster`,
      subnetIds: props.isolatedSubnetIds,
    });
    const parameterGroup = new RdsClusterParameterGroup(this, "parameter-group", {
      provider,
      name: this.clusterIdentifier,
      family: parameterGroupFamily(db.engine, db.engineVersion),
      // The description is fixed at creation (changing it replaces the group): do not add to it.
      // Static on purpose: a parameter group's description cannot change in place, and switching RPO
      // enforcement (the runbook step when the DR region is down) must not replace the group.
      description: `Cluster parameters of ${this.clusterIdentifier}`,
      parameter: clusterParameters(db, props.rpoSeconds).map((p) => ({ ...p, applyMethod: "immediate" })),
    });
    // Created before the cluster so RDS writes into encrypted, retained groups instead of creating its own.
    const logGroups = logExports(db.engine).map(
      (type) =>
        new EncryptedLogGroup(this, `log-${type}`, {
          provider,
          logGroupName: names.databaseLogGroup(type),
          kmsKeyArn: props.logsKeyArn,
          retentionDays: props.logRetentionDays,
        }),
    );

    const common: RdsClusterConfig = {
      provider,
      clusterIdentifier: this.clusterIdentifier,
      engine: db.engine,
      engineVersion: db.engineVersion,
      // Stated, never left to AWS's default (which enrolls the cluster in paid Extended Support).
      engineLifecycleSupport: db.engineLifecycleSupport,
      engineMode: "provisioned",
      globalClusterIdentifier: props.globalClusterIdentifier,
      port: db.port,
      dbSubnetGroupName: subnetGroup.name,
      dbClusterParameterGroupName: parameterGroup.name,
      vpcSecurityGroupIds: [props.securityGroupId],
      storageEncrypted: true,
      kmsKeyId: props.dataKeyArn,
      backupRetentionPeriod: db.backupRetentionDays,
      preferredBackupWindow: db.preferredBackupWindow,
      preferredMaintenanceWindow: db.preferredMaintenanceWindow,
      copyTagsToSnapshot: true,
      enabledCloudwatchLogsExports: logExports(db.engine),
      iamDatabaseAuthenticationEnabled: true,
      deletionProtection: protectedProfile,
      skipFinalSnapshot: !protectedProfile,
      finalSnapshotIdentifier: protectedProfile ? names.finalSnapshot : undefined,
      serverlessv2ScalingConfiguration:
        db.capacity.mode === "serverless-v2" ? { minCapacity: db.capacity.minAcu, maxCapacity: db.capacity.maxAcu } : undefined,
      dependsOn: logGroups.map((g) => g.logGroup),
      lifecycle: {
        ignoreChanges: FAILOVER_DRIFT_ATTRIBUTES,
        preventDestroy: protectedProfile,
      },
    };
    this.cluster = new RdsCluster(this, "cluster", {
      ...common,
      ...(props.founding
        ? {
            databaseName: db.databaseName,
            masterUsername: db.masterUsername,
            masterPasswordWo: props.credentials?.password,
            masterPasswordWoVersion: props.credentials?.passwordVersion,
          }
        : { sourceRegion: props.sourceRegion }),
    });

    const monitoringRole =
      db.monitoringIntervalSeconds > 0
        ? new BoundedRole(this, "monitoring-role", {
            provider,
            roleName: names.monitoringRole,
            description: `Enhanced monitoring of ${this.clusterIdentifier}`,
            assumedBy: "monitoring.rds.amazonaws.com",
            trustConditions: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [props.account.accountId] }],
            permissionsBoundaryArn: props.permissionsBoundaryArn,
            managedPolicyArns: [props.account.arns.managedPolicy("service-role/AmazonRDSEnhancedMonitoringRole")],
          })
        : undefined;

    this.instances = Array.from(
      { length: props.instanceCount },
      (_, i) =>
        new RdsClusterInstance(this, `instance-${i + 1}`, {
          provider,
          identifier: names.dbInstance(i),
          clusterIdentifier: this.cluster.id,
          engine: db.engine,
          engineVersion: db.engineVersion,
          instanceClass: db.capacity.mode === "serverless-v2" ? "db.serverless" : db.capacity.instanceClass,
          dbSubnetGroupName: subnetGroup.name,
          publiclyAccessible: false,
          // Both regions must run the same version: upgrades are planned, never automatic.
          autoMinorVersionUpgrade: false,
          promotionTier: i < 2 ? i : 2,
          performanceInsightsEnabled: true,
          performanceInsightsKmsKeyId: props.dataKeyArn,
          performanceInsightsRetentionPeriod: db.performanceInsightsRetentionDays,
          monitoringInterval: db.monitoringIntervalSeconds,
          monitoringRoleArn: monitoringRole?.arn,
          caCertIdentifier: "rds-ca-rsa2048-g1",
          copyTagsToSnapshot: true,
        }),
    );
  }

  get arn(): string {
    return this.cluster.arn;
  }
}
