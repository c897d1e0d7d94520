/**
 * The resource catalog: every physical name, every ARN built from a name, the
 * table and bucket lists, and the item keys of the failover state table, for
 * one region, built once from the configuration.
 *
 * Why one place: a name that two stacks derive separately is a name that can
 * drift, and a drifted name is a broken cross-region reference that only
 * `terraform apply` (or a failover) finds. Stacks and environment builders read
 * names from here; constructs receive them as plain props. This module is the
 * only caller of `Naming` (lib/naming.ts keeps the rules and the closed list of
 * purposes that validation checks against AWS's limits), and the only place an
 * `arn:` string is assembled (__tests__/layout.test.ts checks both).
 *
 * ARNs need the account and partition, which are tokens read in-region by
 * data sources (constructs/security/account-context.ts), so they are built by
 * `arns(account)`: the names come from here, the account from the stack.
 *
 * The state table's item keys are imported from the Lambda code that reads and
 * writes them, never copied, so the IAM conditions (dynamodb:LeadingKeys)
 * cannot disagree with the code.
 */
import { counterKey } from "../lambda/health-monitor/counter";
import { lockKey } from "../lambda/shared/lock";
import { auditKey, noticeKey } from "../lambda/failover-orchestrator/report";
import { approvalKey } from "../lambda/shared/approval";
import { CONTROL_KEYS } from "../lambda/shared/control-keys";
import { PARTITION_KEY as TXMETA_PARTITION_KEY, TIME_INDEX } from "../lambda/transaction-processor/record";
import { ALIVE_PATH, GATE_PATH } from "../lambda/shared/gate-rule";
import { AwsRegion } from "./aws-regions";
import { DrConfig, RegionRole, otherRegion, roleOf } from "./config/model";
import { globalHealthUrl, globalHost, regionalHealthUrl, regionalHost, regionalUrl, witnessName } from "./endpoints";
import { NamePurpose, Naming } from "./naming";

/** The account and partition ARNs are built in: tokens of the stack's own data sources. */
export interface AccountRef {
  readonly accountId: string;
  readonly partition: string;
}

/**
 * The DynamoDB global tables: name purpose, partition key and TTL attribute; txmeta carries the time index
 * the transaction path writes and the reconciliation queries (lambda/transaction-processor/record.ts TIME_INDEX).
 */
/** The account's IAM Identity Center AdministratorAccess roles (path and name pattern): the default break-glass and operator principals. */
export const IDENTITY_CENTER_ADMIN_ROLES = "aws-reserved/sso.amazonaws.com/*AWSReservedSSO_AdministratorAccess_*";

/** The root ARNs of the accounts that literal principal ARN patterns name (a trust policy's Principal, which aws:PrincipalArn narrows). */
export function accountRootsOf(principals: readonly string[]): string[] {
  return [
    ...new Set(
      principals.map((p) => {
        const [, partition, , , account] = p.split(":");
        return `arn:${partition}:iam::${account}:root`;
      }),
    ),
  ].sort();
}

export const GLOBAL_TABLES = [
  { purpose: "sessions", partitionKey: "sessionId", ttlAttribute: "expiresAt" },
  { purpose: "txmeta", partitionKey: TXMETA_PARTITION_KEY, ttlAttribute: "expiresAt", indexes: [TIME_INDEX] },
] as const;
export type GlobalTablePurpose = (typeof GLOBAL_TABLES)[number]["purpose"];

/** One global table of the deployment, named (RegionCatalog.globalTables). */
export interface GlobalTableSpec {
  readonly purpose: string;
  readonly tableName: string;
  readonly partitionKey: string;
  readonly ttlAttribute: string;
  readonly indexes?: readonly (typeof TIME_INDEX)[];
}

/**
 * The failover automation's control table (lambda/shared/control-table.ts): a global table too, kept apart from
 * the application's tables so that no application role is ever granted it (the failover signals must not be forgeable).
 */
export const CONTROL_TABLE = { purpose: "control", partitionKey: "pk", ttlAttribute: "expiresAt" } as const;

/** The application buckets, replicated both ways between the regions. */
export const REPLICATED_BUCKET_PURPOSES = ["appdata", "txlogs"] as const;
export type ReplicatedBucketPurpose = (typeof REPLICATED_BUCKET_PURPOSES)[number];

/** The customer-managed keys of a region, one per purpose (constructs/security/regional-keys.ts). */
export const KEY_PURPOSES = ["data", "logs", "secrets", "backup", "messaging"] as const;
export type KeyPurpose = (typeof KEY_PURPOSES)[number];

/** The failover runbooks (Step Functions state machines) of a region. */
export const RUNBOOK_MODES = ["failover", "failback"] as const;
export type RunbookMode = (typeof RUNBOOK_MODES)[number];

/**
 * The game-day experiment templates of a region (constructs/resilience/game-day-experiments.ts):
 * stop the service's tasks, cut the region's subnets off, fail the cluster's writer over within
 * the region, and move the global database's writer to this region through the real runbook.
 */
export const GAME_DAY_TEMPLATES = ["stop-tasks", "disrupt-network", "db-writer", "db-failover"] as const;
export type GameDayTemplate = (typeof GAME_DAY_TEMPLATES)[number];

export type CanaryLabel = "pri" | "sec" | "gbl";
export type SecurityGroupPurpose = "alb" | "tasks" | "transactions" | "db" | "failover" | "endpoints";
export type SubnetTierName = "public" | "private" | "isolated" | "nat";

/** One replicated bucket as the region that replicates it sees it. */
export interface ReplicationRoute {
  readonly purpose: ReplicatedBucketPurpose;
  readonly source: string;
  readonly destination: string;
  /** Id of the replication rule, also a dimension of the S3 replication metrics. */
  readonly ruleId: string;
}

/** Every name of one region. Names shared by both regions (same in each) are repeated here. */
export class RegionCatalog {
  readonly region: AwsRegion;
  readonly peerRegion: AwsRegion;
  /** Active or standby now (follows regions.active; an in-place change). */
  readonly role: RegionRole;
  /** The founding region owns the global cluster and the global tables. */
  readonly founding: boolean;
  readonly environment: string;

  // ----------------------------------------------------------------------------------------- data
  readonly globalClusterId: string;
  readonly clusterId: string;
  readonly peerClusterId: string;
  readonly databaseSecret: string;
  readonly tables: Readonly<Record<GlobalTablePurpose, string>>;
  readonly stateTable: string;
  /** The global control table (heartbeats and fences, lambda/shared/control-table.ts). */
  readonly controlTable: string;
  readonly buckets: Readonly<Record<ReplicatedBucketPurpose, string>>;
  readonly peerBuckets: Readonly<Record<ReplicatedBucketPurpose, string>>;
  /** The region's server-access-log bucket (SSE-S3). */
  readonly accessLogBucket: string;
  readonly loadBalancerLogBucket: string;
  readonly canaryBucket: string;
  readonly trailBucket: string;
  /** The region's Lambda code: bundles as uploaded (unsigned/) and as AWS Signer signed them (signed/). */
  readonly lambdaArtifactBucket: string;
  /** Name prefix of the region's AWS Signer profile for Lambda code (Terraform adds a unique part). */
  readonly signingProfilePrefix: string;
  readonly backupVault: string;
  readonly airGappedVault: string;
  readonly backupPlan: string;
  readonly restoreTestingPlan: string;
  readonly backupRole: string;
  readonly monitoringRole: string;
  /** The role that replicates this region's buckets to the peer (cross-region stack). */
  readonly replicationRole: string;

  // ------------------------------------------------------------------------------------- network
  readonly vpc: string;
  readonly internetGateway: string;
  readonly publicRouteTable: string;
  readonly peering: string;
  readonly flowLog: string;
  readonly flowLogRole: string;
  readonly flowLogGroup: string;

  // ----------------------------------------------------------------------------- app and traffic
  readonly repository: string;
  readonly ecsCluster: string;
  readonly ecsService: string;
  readonly scalingPolicies: { readonly cpu: string; readonly requests: string };
  readonly taskRole: string;
  readonly executionRole: string;
  readonly loadBalancer: string;
  readonly targetGroup: string;
  readonly transactionTargetGroup: string;
  readonly webAcl: string;
  /** WAF accepts only log groups named aws-waf-logs-*. */
  readonly webAclLogGroup: string;
  readonly eventBus: string;
  readonly globalEndpoint: string;
  readonly eventReplicationRole: string;
  readonly globalHost: string;
  readonly regionalHost: string;
  /** Pattern of the project's IAM role names (publishers admitted by the alert topic). */
  readonly projectRolePattern: string;
  /** Prefix of the Route 53 health checks' Name tags. */
  readonly healthCheckNamePrefix: string;

  // ---------------------------------------------------------------------------------- functions
  readonly functions: {
    readonly healthMonitor: string;
    readonly failoverOrchestrator: string;
    readonly transactionProcessor: string;
    readonly reconciler: string;
  };
  readonly functionRoles: {
    readonly healthMonitor: string;
    readonly failoverOrchestrator: string;
    readonly transactionProcessor: string;
    readonly reconciler: string;
  };
  readonly functionLogGroups: {
    readonly healthMonitor: string;
    readonly failoverOrchestrator: string;
    readonly transactionProcessor: string;
    readonly reconciler: string;
  };
  readonly runbookRole: string;
  /** The role people assume to start, stop and answer the runbooks (constructs/failover/failover-operator-role.ts). */
  readonly operatorRole: string;
  readonly stateMachines: Readonly<Record<RunbookMode, string>>;
  /** The reconciliation run after an unplanned failover (lambda/reconciler) and its role. */
  readonly reconciliation: { readonly stateMachine: string; readonly role: string; readonly logGroup: string };
  readonly healthMonitorSchedule: string;
  readonly healthMonitorQueue: string;
  readonly alertTopic: string;
  /**
   * The paging forwarder (constructs/observability/paging-forwarder.ts): the secret holding the paging service's
   * integration URL (its value is put by operators, never by Terraform), the function that reads it at run time and
   * forwards the alert topic's messages, its role, log group, dead-letter queue and failure alarm.
   */
  readonly paging: {
    readonly secret: string;
    readonly function: string;
    readonly role: string;
    readonly logGroup: string;
    readonly queue: string;
    readonly alarm: string;
  };
  /**
   * The environment's account as configuration names it (the account of iam.deployRoleArns): every stack checks the
   * deploying credentials against it before it plans (constructs/security/account-context.ts).
   */
  readonly accountId: string | undefined;

  // ------------------------------------------------------------------------- facts published in-region
  /**
   * Parameters (SSM, under /<project>/<suffix>/) that a stack writes into this region so that this region's
   * stacks never look the fact up in the other region or in a global control plane (docs/outage-operations.md):
   * the hosted zone's id (zone stack, DR region), and, from the primary region's cross-region stack, the
   * peering connection's id and the primary's data key (the destination key of the DR region's replication).
   */
  readonly published: {
    readonly hostedZoneId: string;
    readonly peeringConnectionId: string;
    readonly peerDataKeyArn: string;
  };

  // ------------------------------------------------------------------------------ observability
  readonly rpoGuardAlarm: string;
  readonly canaries: Readonly<Record<CanaryLabel, { readonly canary: string; readonly alarm: string; readonly url: string }>>;
  readonly canaryRole: string;
  readonly regionalDashboard: string;
  readonly overviewDashboard: string;
  /** The game-day (AWS FIS) resources of this region. */
  readonly gameDay: {
    /** Role FIS assumes to run each experiment: one per template, each with only its action's permissions. */
    readonly experimentRoles: Readonly<Record<GameDayTemplate, string>>;
    /** Role the Systems Manager Automation runbook assumes to start this region's failover runbook. */
    readonly automationRole: string;
    /** The Automation document that starts the failover runbook. */
    readonly document: string;
    /** Experiment log group: the vended-logs path keeps the account's log resource policy small (as for the runbooks). */
    readonly logGroup: string;
    /** Name tag of each experiment template (templates have no name of their own). */
    readonly templates: Readonly<Record<GameDayTemplate, string>>;
  };
  readonly trail: string;
  readonly trailRole: string;
  readonly trailLogGroup: string;
  /** HTTPS URLs on the regional names: this region's health path and gate path, the peer region's health path. */
  readonly urls: { readonly ownHealth: string; readonly ownGate: string; readonly ownAlive: string; readonly peerHealth: string };
  /** The witness TXT names of each region (the failover pairs whose PRIMARY carries Route 53's view of it). */
  readonly witness: (region: string) => { readonly alive: string; readonly service: string };

  // ------------------------------------------------------------------------- failover state keys
  /** Item keys of the regional state table, as the Lambda code writes them. */
  readonly stateKeys: {
    readonly counter: string;
    readonly lock: string;
    /** audit#<execution ARN>, as a LeadingKeys pattern. */
    readonly auditPattern: string;
    /** notice#<execution ARN> (the run's notification went out), as a LeadingKeys pattern. */
    readonly noticePattern: string;
    /** approval#<execution ARN> (a pending approval's task token), as a LeadingKeys pattern. */
    readonly approvalPattern: string;
  };
  /** Item keys of the control table, as the Lambda code writes them. */
  readonly controlKeys: {
    readonly heartbeat: (region: string) => string;
    readonly fence: (region: string) => string;
  };

  private readonly naming: Naming;

  constructor(
    private readonly config: DrConfig,
    region: AwsRegion,
  ) {
    const naming = new Naming(config);
    this.naming = naming;
    const peer = otherRegion(config, region);
    this.region = region;
    this.peerRegion = peer;
    this.role = roleOf(config, region);
    this.founding = region === config.regions.primary;
    this.environment = config.environment;

    this.globalClusterId = naming.name("rdsGlobalCluster", "global");
    this.clusterId = naming.name("rdsIdentifier", "db", region);
    this.peerClusterId = naming.name("rdsIdentifier", "db", peer);
    this.databaseSecret = naming.name("secret", "db-master");
    this.tables = { sessions: naming.name("dynamodbTable", "sessions"), txmeta: naming.name("dynamodbTable", "txmeta") };
    this.stateTable = naming.name("dynamodbTable", "failover-lock");
    this.controlTable = naming.name("dynamodbTable", "control");
    this.buckets = bucketsOf(naming, region);
    this.peerBuckets = bucketsOf(naming, peer);
    this.accessLogBucket = naming.name("s3Bucket", "s3logs", region);
    this.loadBalancerLogBucket = naming.name("s3Bucket", "alblogs", region);
    this.canaryBucket = naming.name("s3Bucket", "canary", region);
    this.trailBucket = naming.name("s3Bucket", "trail", region);
    this.lambdaArtifactBucket = naming.name("s3Bucket", "lambda", region);
    this.signingProfilePrefix = `${naming.name("signingProfile", "lambda")}_`;
    this.backupVault = naming.name("backupVault", "vault");
    this.airGappedVault = naming.name("backupVault", "airgap");
    this.backupPlan = naming.name("backupPlan", "plan");
    this.restoreTestingPlan = naming.name("restoreTestingPlan", "restoretest");
    this.backupRole = naming.name("iamRole", "backup", region);
    this.monitoringRole = naming.name("iamRole", "rds-monitoring", region);
    this.replicationRole = naming.name("iamRole", "s3-replication", region);

    this.vpc = naming.name("generic", "vpc");
    this.internetGateway = naming.name("generic", "igw");
    this.publicRouteTable = naming.name("generic", "public");
    this.peering = naming.name("generic", "peering");
    this.flowLog = naming.name("generic", "flow-logs");
    this.flowLogRole = naming.name("iamRole", "flow-logs", region);
    this.flowLogGroup = naming.logGroup("vpc-flow-logs");

    this.repository = naming.name("ecrRepository", "app");
    this.ecsCluster = naming.name("ecs", "app");
    this.ecsService = naming.name("ecs", "app");
    this.scalingPolicies = { cpu: naming.name("generic", "app-cpu"), requests: naming.name("generic", "app-requests") };
    this.taskRole = naming.name("iamRole", "ecs-task", region);
    this.executionRole = naming.name("iamRole", "ecs-exec", region);
    this.loadBalancer = naming.name("loadBalancer", "app");
    this.targetGroup = naming.name("targetGroup", "app");
    this.transactionTargetGroup = naming.name("targetGroup", "tx");
    this.webAcl = naming.name("wafWebAcl", "app");
    this.webAclLogGroup = `aws-waf-logs-${config.project}-${config.suffix}`;
    this.eventBus = naming.name("eventBus", "events");
    this.globalEndpoint = naming.name("globalEndpoint", "events");
    this.eventReplicationRole = naming.name("iamRole", "event-replication", config.regions.primary);
    this.globalHost = globalHost(config);
    this.regionalHost = regionalHost(config, region);
    this.projectRolePattern = `${config.project}-*-${config.suffix}`;
    this.healthCheckNamePrefix = `${config.project}-${config.suffix}`;

    this.functions = {
      healthMonitor: naming.name("lambdaFunction", "health-monitor"),
      failoverOrchestrator: naming.name("lambdaFunction", "failover-orchestrator"),
      transactionProcessor: naming.name("lambdaFunction", "transaction-processor"),
      reconciler: naming.name("lambdaFunction", "reconciler"),
    };
    this.functionRoles = {
      healthMonitor: naming.name("iamRole", "health-monitor", region),
      failoverOrchestrator: naming.name("iamRole", "failover-orchestrator", region),
      transactionProcessor: naming.name("iamRole", "transaction-processor", region),
      reconciler: naming.name("iamRole", "reconciler", region),
    };
    this.functionLogGroups = {
      healthMonitor: naming.logGroup("health-monitor"),
      failoverOrchestrator: naming.logGroup("failover-orchestrator"),
      // The transaction processor keeps Lambda's conventional group name.
      transactionProcessor: `/aws/lambda/${this.functions.transactionProcessor}`,
      reconciler: naming.logGroup("reconciler"),
    };
    this.runbookRole = naming.name("iamRole", "failover-runbook", region);
    this.operatorRole = naming.name("iamRole", "failover-operator", region);
    this.stateMachines = { failover: naming.name("stateMachine", "failover"), failback: naming.name("stateMachine", "failback") };
    const reconcileMachine = naming.name("stateMachine", "reconcile");
    this.reconciliation = {
      stateMachine: reconcileMachine,
      role: naming.name("iamRole", "reconcile-runbook", region),
      logGroup: `/aws/vendedlogs/states/${reconcileMachine}`,
    };
    this.healthMonitorSchedule = naming.name("eventRule", "health-monitor-schedule");
    this.healthMonitorQueue = naming.name("sqsQueue", "health-monitor-dlq");
    this.alertTopic = naming.name("snsTopic", "alerts");
    this.paging = {
      secret: naming.name("secret", "paging"),
      function: naming.name("lambdaFunction", "paging-forwarder"),
      role: naming.name("iamRole", "paging-forwarder", region),
      logGroup: naming.logGroup("paging-forwarder"),
      queue: naming.name("sqsQueue", "paging-dlq"),
      alarm: naming.name("alarm", "paging-failed"),
    };
    this.accountId = config.iam.deployRoleArns[0]?.split(":")[4];

    this.published = {
      hostedZoneId: naming.parameter("published/hosted-zone-id"),
      peeringConnectionId: naming.parameter("published/peering-connection-id"),
      peerDataKeyArn: naming.parameter("published/peer-data-key-arn"),
    };

    this.rpoGuardAlarm = naming.name("alarm", "rpo-guard");
    const canary = (label: CanaryLabel, url: string) => ({
      canary: naming.name("canary", label),
      alarm: naming.name("alarm", `canary-${label}`),
      url,
    });
    this.canaries = {
      pri: canary("pri", regionalHealthUrl(config, config.regions.primary)),
      sec: canary("sec", regionalHealthUrl(config, config.regions.secondary)),
      gbl: canary("gbl", globalHealthUrl(config)),
    };
    this.canaryRole = naming.name("iamRole", "canary", region);
    this.regionalDashboard = naming.name("dashboard", "dr", region);
    this.overviewDashboard = naming.name("dashboard", "dr-overview", region);
    this.gameDay = {
      experimentRoles: {
        "stop-tasks": naming.name("iamRole", "fis-stop-tasks", region),
        "disrupt-network": naming.name("iamRole", "fis-disrupt-network", region),
        "db-writer": naming.name("iamRole", "fis-db-writer", region),
        "db-failover": naming.name("iamRole", "fis-db-failover", region),
      },
      automationRole: naming.name("iamRole", "fis-automation", region),
      document: naming.name("ssmDocument", "game-day-failover"),
      logGroup: `/aws/vendedlogs/fis/${naming.name("generic", "game-day")}`,
      templates: {
        "stop-tasks": naming.name("generic", "game-day-stop-tasks"),
        "disrupt-network": naming.name("generic", "game-day-disrupt-network"),
        "db-writer": naming.name("generic", "game-day-db-writer"),
        "db-failover": naming.name("generic", "game-day-db-failover"),
      },
    };
    this.trail = naming.name("cloudTrail", "audit");
    this.trailRole = naming.name("iamRole", "trail-logs", region);
    this.trailLogGroup = naming.logGroup("cloudtrail");
    this.urls = {
      ownHealth: regionalHealthUrl(config, region),
      ownGate: regionalUrl(config, region, GATE_PATH),
      ownAlive: regionalUrl(config, region, ALIVE_PATH),
      peerHealth: regionalHealthUrl(config, peer),
    };
    this.witness = (r: string) => ({ alive: witnessName(config, r as AwsRegion, "alive"), service: witnessName(config, r as AwsRegion, "app") });

    this.stateKeys = {
      counter: counterKey(this.globalClusterId),
      lock: lockKey(this.globalClusterId),
      auditPattern: auditKey("*"),
      noticePattern: noticeKey("*", "*"),
      approvalPattern: approvalKey("*", "*"),
    };
    this.controlKeys = { heartbeat: CONTROL_KEYS.heartbeat, fence: CONTROL_KEYS.fence };
  }

  /** Identifier of the n-th (0-based) instance of this region's cluster. */
  dbInstance(index: number): string {
    return this.naming.dbInstance(this.region, index);
  }

  /** Every instance identifier of this region's cluster, as a pattern (aws:SourceArn of the monitoring role's trust). */
  get dbInstancePattern(): string {
    return this.naming.dbInstance(this.region, 0).replace(/-01-/, "-*-");
  }

  /** Alias of one of the region's keys (aliases are regional: the same alias names each region's own key). */
  keyAlias(purpose: KeyPurpose | "audit" | "tfstate"): string {
    return this.naming.kmsAlias(purpose);
  }

  /** Aliases of the region's keys, by purpose. */
  get keyAliases(): Readonly<Record<KeyPurpose, string>> {
    return Object.fromEntries(KEY_PURPOSES.map((p) => [p, this.keyAlias(p)])) as Record<KeyPurpose, string>;
  }

  /** Name of one of the region's security groups. */
  securityGroup(purpose: SecurityGroupPurpose): string {
    return this.naming.name("securityGroup", purpose);
  }

  /** Name tag of the n-th (0-based) subnet, route table or NAT gateway of a tier. */
  indexed(tier: SubnetTierName, index: number): string {
    return this.naming.indexed(tier, index);
  }

  /** Name tag of an endpoint of the VPC (gateway or interface), by service. */
  endpoint(service: string): string {
    return `${this.vpc}-${service}`;
  }

  /** Name tag of one of the Route 53 health checks of a region (alive, gate, app, or the calculated region check). */
  healthCheck(kind: "alive" | "gate" | "app" | "region" | "events", region: string): string {
    return `${this.healthCheckNamePrefix}-${kind}-${region}`;
  }

  /** Full name of a runtime parameter under the environment's path. */
  parameter(name: string): string {
    return this.naming.parameter(name);
  }

  /** Name of an alarm (or metric filter) of the ops layer, by purpose. */
  alarm(purpose: string): string {
    return `${this.config.project}-${purpose}-${this.config.suffix}`;
  }

  /** Name of one of AWS Backup's failed-job rules. */
  backupFailureRule(kind: "backup" | "copy" | "restore"): string {
    return this.naming.name("eventRule", `${kind}-job-failed` as NamePurpose<"eventRule">);
  }

  /** Log group of a runbook: Step Functions' vended-log path keeps the account's log resource policy small. */
  runbookLogGroup(mode: RunbookMode): string {
    return `/aws/vendedlogs/states/${this.stateMachines[mode]}`;
  }

  /** Log group of the service's containers. */
  get serviceLogGroup(): string {
    return `/ecs/${this.ecsCluster}/${this.ecsService}`;
  }

  /** Log group an Aurora cluster exports one log type to. */
  databaseLogGroup(type: string): string {
    return `/aws/rds/cluster/${this.clusterId}/${type}`;
  }

  /** Final snapshot of the cluster (protected profile). */
  get finalSnapshot(): string {
    return `${this.clusterId}-final`;
  }

  /** The replicated buckets as this region replicates them (to the peer). */
  get replicationRoutes(): readonly ReplicationRoute[] {
    return REPLICATED_BUCKET_PURPOSES.map((purpose) => ({
      purpose,
      source: this.buckets[purpose],
      destination: this.peerBuckets[purpose],
      ruleId: `${purpose}-to-${this.peerRegion}`,
    }));
  }

  /**
   * Every DynamoDB global table of the deployment with its name: the application's (GLOBAL_TABLES order), then the
   * failover automation's control table. The founding region creates them, replicas-<secondary> adds the replicas.
   */
  get globalTables(): readonly GlobalTableSpec[] {
    return [...GLOBAL_TABLES.map((t) => ({ ...t, tableName: this.tables[t.purpose] })), { ...CONTROL_TABLE, tableName: this.controlTable }];
  }

  /** Names of the global tables, in GLOBAL_TABLES order. */
  get tableNames(): readonly string[] {
    return GLOBAL_TABLES.map((t) => this.tables[t.purpose]);
  }

  /** Canary labels in the order the canaries are created. */
  get canaryLabels(): readonly CanaryLabel[] {
    return ["pri", "sec", "gbl"];
  }

  /** ARNs of this region's resources (and, where a statement needs them, the peer's), in `account`. */
  arns(account: AccountRef): RegionArns {
    return new RegionArns(this, account);
  }
}

function bucketsOf(naming: Naming, region: AwsRegion): Record<ReplicatedBucketPurpose, string> {
  return { appdata: naming.name("s3Bucket", "appdata", region), txlogs: naming.name("s3Bucket", "txlogs", region) };
}

/**
 * ARNs built from the catalog's names, in one account. The only place the
 * project writes an `arn:` string.
 */
export class RegionArns {
  constructor(
    private readonly names: RegionCatalog,
    private readonly account: AccountRef,
  ) {}

  /** arn:<partition>:<service>:<region>:<account>:<resource> */
  private arn(service: string, region: string, resource: string, account: string = this.account.accountId): string {
    return `arn:${this.account.partition}:${service}:${region}:${account}:${resource}`;
  }

  /** The account root: as a policy principal, the account (its IAM principals, as their own policies allow). */
  get root(): string {
    return this.arn("iam", "", "root");
  }

  /** Another account, as a policy principal (a cross-account backup copy's destination). */
  accountRoot(accountId: string): string {
    return this.arn("iam", "", "root", accountId);
  }

  /** An AWS managed IAM policy, by its path and name (e.g. "service-role/AWSBackupServiceRolePolicyForBackup"). */
  managedPolicy(pathAndName: string): string {
    return this.arn("iam", "", `policy/${pathAndName}`, "aws");
  }

  /** The project's roles, by name pattern. */
  get projectRoles(): string {
    return this.arn("iam", "", `role/${this.names.projectRolePattern}`);
  }

  /** The project's SNS topics of this region, by name pattern (the messaging key's encryption-context condition). */
  get projectTopics(): string {
    return this.arn("sns", this.names.region, this.names.projectRolePattern);
  }

  /** The project's SQS queues of this region, by name pattern. */
  get projectQueues(): string {
    return this.arn("sqs", this.names.region, this.names.projectRolePattern);
  }

  /**
   * The account's service-linked roles (role/aws-service-role/<service>/...): only their AWS service can assume
   * them (IAM refuses any other trust), so no person or workload acts as one.
   */
  get serviceLinkedRoles(): string {
    return this.arn("iam", "", "role/aws-service-role/*");
  }

  /** The instances of this region's cluster (the enhanced monitoring role's aws:SourceArn). */
  get dbInstances(): string {
    return this.arn("rds", this.names.region, `db:${this.names.dbInstancePattern}`);
  }

  table(name: string, region: string = this.names.region): string {
    return this.arn("dynamodb", region, `table/${name}`);
  }

  /** Every CloudWatch Logs resource of this account in a region (log groups, resource policies, deliveries). */
  logsOfAccount(region: string = this.names.region): string {
    return this.arn("logs", region, "*");
  }

  /** Buckets are global: no region, no account in their ARN. */
  bucket(name: string): string {
    return `arn:${this.account.partition}:s3:::${name}`;
  }

  /**
   * The objects of the bucket ECR keeps image layers in, in a region (AWS's, not the account's): image pulls through
   * an S3 gateway endpoint need s3:GetObject on it (Amazon ECR user guide, "Minimum Amazon S3 bucket permissions for
   * Amazon ECR").
   */
  ecrLayerObjects(region: string): string {
    return `arn:${this.account.partition}:s3:::prod-${region}-starport-layer-bucket/*`;
  }

  parameter(name: string): string {
    return this.arn("ssm", this.names.region, `parameter${this.names.parameter(name)}`);
  }

  /** A secret by name: Secrets Manager appends six random characters to its ARN. */
  secret(name: string): string {
    return this.arn("secretsmanager", this.names.region, `secret:${name}-??????`);
  }

  stateMachine(mode: RunbookMode, region: string = this.names.region): string {
    return this.arn("states", region, `stateMachine:${this.names.stateMachines[mode]}`);
  }

  /** The reconciliation state machine of a region. */
  reconciliationStateMachine(region: string = this.names.region): string {
    return this.arn("states", region, `stateMachine:${this.names.reconciliation.stateMachine}`);
  }

  /** Every execution of the reconciliation state machine of a region. */
  reconciliationExecutions(region: string = this.names.region): string {
    return this.arn("states", region, `execution:${this.names.reconciliation.stateMachine}:*`);
  }

  /** The region's alert topic. */
  get alertTopic(): string {
    return this.arn("sns", this.names.region, this.names.alertTopic);
  }

  /** Every execution of one of the runbooks. */
  executions(mode: RunbookMode, region: string = this.names.region): string {
    return this.arn("states", region, `execution:${this.names.stateMachines[mode]}:*`);
  }

  /** The rules of the project's load balancer in a region (its gate rule among them): the ARN holds the load balancer's name and generated ids. */
  loadBalancerRules(region: string): string {
    return this.arn("elasticloadbalancing", region, `listener-rule/app/${this.names.loadBalancer}/*`);
  }

  get globalCluster(): string {
    return this.arn("rds", "", `global-cluster:${this.names.globalClusterId}`);
  }

  cluster(region: string): string {
    const id = region === this.names.region ? this.names.clusterId : region === this.names.peerRegion ? this.names.peerClusterId : undefined;
    if (!id) throw new Error(`No cluster identifier for ${region}`);
    return this.arn("rds", region, `cluster:${id}`);
  }

  /**
   * The rds-db:connect resource of a database user: `dbuser:<cluster resource id>/<user>` (the cluster's resource id,
   * cluster-XXXX, not its identifier); `clusterResourceId` may be the pattern "cluster-*" where the id is not known in-region.
   */
  databaseUser(region: string, clusterResourceId: string, user: string): string {
    return this.arn("rds-db", region, `dbuser:${clusterResourceId}/${user}`);
  }

  /** An IAM role of this account, by path and name (a pattern may hold wildcards; the project's roles have no path). */
  role(pathAndName: string): string {
    return this.arn("iam", "", `role/${pathAndName}`);
  }

  ecsService(region: string): string {
    return this.arn("ecs", region, `service/${this.names.ecsCluster}/${this.names.ecsService}`);
  }

  /** The project's ECS cluster in a region (the value of the ecs:cluster condition key). */
  ecsCluster(region: string = this.names.region): string {
    return this.arn("ecs", region, `cluster/${this.names.ecsCluster}`);
  }

  /** Every task of the project's ECS cluster in a region: task IDs are generated, the cluster name is in the ARN. */
  ecsTasks(region: string = this.names.region): string {
    return this.arn("ecs", region, `task/${this.names.ecsCluster}/*`);
  }

  /** The container instances of the project's ECS cluster (the resource ecs:ListTasks is authorized on). */
  ecsContainerInstances(region: string = this.names.region): string {
    return this.arn("ecs", region, `container-instance/${this.names.ecsCluster}/*`);
  }

  /** A CloudWatch alarm of this region, by name (stop conditions name alarms by ARN). */
  alarm(name: string, region: string = this.names.region): string {
    return this.arn("cloudwatch", region, `alarm:${name}`);
  }

  /** Every AWS FIS experiment of this account in this region (the aws:SourceArn of the experiment role's trust). */
  get fisExperiments(): string {
    return this.arn("fis", this.names.region, "experiment/*");
  }

  /** An SSM document of this region, by name. */
  ssmDocument(name: string): string {
    return this.arn("ssm", this.names.region, `document/${name}`);
  }

  /** Every version of an Automation document, as ssm:StartAutomationExecution authorizes it. */
  ssmAutomationDefinition(name: string): string {
    return this.arn("ssm", this.names.region, `automation-definition/${name}:*`);
  }

  /** Every Automation execution of this account in this region (execution IDs are generated). */
  get ssmAutomationExecutions(): string {
    return this.arn("ssm", this.names.region, "automation-execution/*");
  }

  /** Managed prefix lists readable in this region: the account's own and the AWS-managed ones (owner "aws"). */
  get prefixLists(): string[] {
    return [this.arn("ec2", this.names.region, "prefix-list/*"), this.arn("ec2", this.names.region, "prefix-list/*", "aws")];
  }

  /** Every ECS resource of this region (trust condition of the task role). */
  get ecsAny(): string {
    return this.arn("ecs", this.names.region, "*");
  }

  /** Scalable targets end in an id AWS generates: every target of the account in the region. */
  scalableTargets(region: string): string {
    return this.arn("application-autoscaling", region, "scalable-target/*");
  }

  /** Any key of the account in a region (for keys whose id AWS generates and that are used only through a service). */
  anyKey(region: string): string {
    return this.arn("kms", region, "key/*");
  }

  /** Log groups of this account and region (the logs key's encryption context). */
  get anyLogGroup(): string {
    return this.arn("logs", this.names.region, "log-group:*");
  }

  /** The log groups Synthetics creates for its canaries' functions. */
  get canaryLogGroups(): string {
    return this.arn("logs", this.names.region, "log-group:/aws/lambda/cwsyn-*");
  }

  /** EC2 resources of this account and region, by resource path (network interfaces, subnets, groups, flow logs). */
  ec2(resource: string): string {
    return this.arn("ec2", this.names.region, resource);
  }

  backupVault(region: string): string {
    return this.arn("backup", region, `backup-vault:${this.names.backupVault}`);
  }

  eventBus(region: string): string {
    return this.arn("events", region, `event-bus/${this.names.eventBus}`);
  }

  get trail(): string {
    return this.arn("cloudtrail", this.names.region, `trail/${this.names.trail}`);
  }

  /** Any trail of the account (CloudTrail's encryption context). */
  get anyTrail(): string {
    return this.arn("cloudtrail", "*", "trail/*");
  }
}

/** The catalog of both regions, built once per configuration object. */
export interface Catalog {
  readonly regions: readonly [RegionCatalog, RegionCatalog];
  region(region: AwsRegion): RegionCatalog;
  /** Names of the S3 backend's pieces (state bucket per region, lock table, key alias). */
  stateStore(region: AwsRegion): { readonly bucket: string; readonly lockTable: string; readonly keyAlias: string };
}

const built = new WeakMap<DrConfig, Catalog>();

export function catalogOf(config: DrConfig): Catalog {
  const known = built.get(config);
  if (known) return known;
  const naming = new Naming(config);
  const regions = [new RegionCatalog(config, config.regions.primary), new RegionCatalog(config, config.regions.secondary)] as const;
  const catalog: Catalog = {
    regions,
    region: (region) => {
      const found = regions.find((r) => r.region === region);
      if (!found) throw new Error(`${region} is not a region of this configuration`);
      return found;
    },
    stateStore: (region) => ({
      bucket: naming.name("s3Bucket", "tfstate", region),
      lockTable: naming.name("dynamodbTable", "tflock"),
      keyAlias: naming.kmsAlias("tfstate"),
    }),
  };
  built.set(config, catalog);
  return catalog;
}
