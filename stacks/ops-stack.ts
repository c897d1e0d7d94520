/**
 * ops-<region>: the failover automation and the observability of one region:
 * it composes the automation (constructs/failover/failover-automation.ts), the
 * alarms (constructs/observability/ops-alarms.ts), the dashboards and the AWS
 * FIS game-day templates of the region's own resources
 * (constructs/resilience/game-day-experiments.ts, docs/game-day.md).
 *
 * Cross-stack inputs: the same region's base stack (subnets, the failover
 * security group, the alert topic) and app stack (the load balancer's
 * identifiers for alarms and dashboards). Keys are looked up by alias
 * in-region; everything in the other region (its cluster, its ECS service) is
 * a name from the catalog.
 */
import { Construct } from "constructs";
import { GLOBAL_DB_RPO_PARAMETER, clusterParameters } from "../constructs/data/aurora-cluster";
import { TerraformResource } from "cdktf";
import { AccountContext } from "../constructs/security/account-context";
import { KeyLookup } from "../constructs/security/key-lookup";
import { FailoverAutomation } from "../constructs/failover/failover-automation";
import { Reconciliation, reconciliationWidgets } from "../constructs/failover/reconciliation";
import { FailoverOperatorRole } from "../constructs/failover/failover-operator-role";
import { Dashboards, RegionMetrics } from "../constructs/observability/dashboards";
import { OpsAlarms } from "../constructs/observability/ops-alarms";
import { GameDayExperiments } from "../constructs/resilience/game-day-experiments";
import { GLOBAL_TABLES, IDENTITY_CENTER_ADMIN_ROLES, accountRootsOf, RUNBOOK_MODES, RegionCatalog, catalogOf } from "../lib/catalog";
import { AppStack } from "./app-stack";
import { BaseStack } from "./base-stack";
import { DrStack, DrStackProps, defaultTags } from "./dr-stack";
import { stackIds } from "./layout";

export interface OpsStackProps extends DrStackProps {
  /** The same region's application stack (load balancer identifiers for alarms and dashboards). */
  readonly app: AppStack;
  /** The same region's base stack. */
  readonly base: BaseStack;
}

export class OpsStack extends DrStack {
  readonly automation: FailoverAutomation;
  /** Absent when reconciliation.enabled is false. */
  readonly reconciliation?: Reconciliation;
  /** The role people assume to drive the runbooks. */
  readonly operatorRole: FailoverOperatorRole;
  readonly alarms: OpsAlarms;
  readonly dashboards: Dashboards;
  /** The AWS FIS game-day templates of this region (gameDay.enabled). */
  readonly gameDay?: GameDayExperiments;

  constructor(scope: Construct, props: OpsStackProps) {
    super(scope, props);
    const { config, catalog, provider } = this;
    const region = this.homeRegion;
    const peer = catalog.peerRegion;
    const { base, app } = props;
    const account = new AccountContext(this, "account", { provider, catalog });
    const lookup = new KeyLookup(this, "keys", { provider, aliases: catalog.keyAliases });
    // secrets: the functions' environment variables (configuration, like the SSM parameters it also encrypts).
    const keys = { data: lookup.arn("data"), logs: lookup.arn("logs"), messaging: lookup.arn("messaging"), secrets: lookup.arn("secrets") };
    const topicArn = base.alerts.arn;

    this.automation = new FailoverAutomation(this, "failover", {
      provider,
      codeSigning: base.codeSigning,
      account,
      names: catalog,
      keys,
      vpc: { subnetIds: base.network.privateSubnetIds, securityGroupId: base.securityGroups.failover.id },
      alertTopicArn: topicArn,
      // Two of the default tags every resource of the app stacks carries (stacks/dr-stack.ts defaultTags).
      resourceTags: { Project: config.project, Environment: config.environment },
      settings: config.failover,
      capacity: config.service.capacity,
      rpoSeconds: config.targets.rpoSeconds,
      rpoEnforcedByDatabase: clusterParameters(config.database, config.targets.rpoSeconds).some((p) => p.name === GLOBAL_DB_RPO_PARAMETER),
      logRetentionDays: config.retention.logDays,
      permissionsBoundaryArn: config.iam.permissionsBoundaryArn,
      removal: this.removal,
      reconciliationStateMachineArn: config.reconciliation.enabled ? account.arns.reconciliationStateMachine() : undefined,
    });

    // The reconciliation of an unplanned failover's losses, started by this region's monitor when the old region is back.
    if (config.reconciliation.enabled) {
      this.reconciliation = new Reconciliation(this, "reconciliation", {
        provider,
        codeSigning: base.codeSigning,
        account,
        names: catalog,
        keys,
        vpc: { subnetIds: base.network.privateSubnetIds, securityGroupId: base.securityGroups.failover.id },
        alertTopicArn: topicArn,
        settings: config.reconciliation,
        runtime: config.failover.lambdaRuntime,
        logRetentionDays: config.retention.logDays,
        permissionsBoundaryArn: config.iam.permissionsBoundaryArn,
      });
      this.reconciliation.grantStart(this.automation.healthMonitor.role);
    }

    // People drive the runbooks through one role whose trust policy names them.
    const operators = config.failover.operatorPrincipals ?? (config.iam.operatorRoleArns.length > 0 ? config.iam.operatorRoleArns : undefined);
    this.operatorRole = new FailoverOperatorRole(this, "failover-operator", {
      provider,
      roleName: catalog.operatorRole,
      principals: operators ?? [account.arns.role(IDENTITY_CENTER_ADMIN_ROLES)],
      principalAccounts: operators ? accountRootsOf(operators) : [account.rootArn],
      stateMachineArns: [...RUNBOOK_MODES.map((mode) => account.arns.stateMachine(mode)), ...(this.reconciliation ? [this.reconciliation.arn] : [])],
      executionArns: [...RUNBOOK_MODES.map((mode) => account.arns.executions(mode)), ...(this.reconciliation ? [account.arns.reconciliationExecutions()] : [])],
      stateTable: { arn: account.arns.table(catalog.stateTable, region), readablePatterns: [catalog.stateKeys.approvalPattern, catalog.stateKeys.auditPattern, catalog.stateKeys.noticePattern] },
      dataKeyArn: keys.data,
      region,
      permissionsBoundaryArn: config.iam.permissionsBoundaryArn,
    });

    // Observability: alarms in the region whose metrics they read, dashboards.
    const role = catalog.role;
    // The canary of the active region's own name (canary names are the same in both regions).
    const activeCanaryLabel = config.regions.active === config.regions.primary ? "pri" : "sec";
    const machines = [
      ...RUNBOOK_MODES.map((mode) => ({ label: mode as string, arn: account.arns.stateMachine(mode) })),
      ...(this.reconciliation ? [{ label: "reconcile", arn: this.reconciliation.arn }] : []),
    ];
    this.alarms = new OpsAlarms(this, "ops-alarms", {
      provider,
      region,
      environment: config.environment,
      orchestratorLogGroup: {
        name: catalog.functionLogGroups.failoverOrchestrator,
        resource: this.automation.orchestrator.logGroup.logGroup,
      },
      activeCanaryAlarmName: config.canaries.enabled ? catalog.canaries[activeCanaryLabel].alarm : undefined,
      alarmName: (purpose) => catalog.alarm(purpose),
      role,
      peerRegion: peer,
      alertTopicArn: topicArn,
      rpoSeconds: config.targets.rpoSeconds,
      clusterIdentifier: catalog.clusterId,
      tables: GLOBAL_TABLES.map((t) => ({ name: catalog.tables[t.purpose], label: t.purpose })),
      replicationRules: catalog.replicationRoutes.map((r) => ({
        label: r.purpose,
        sourceBucket: r.source,
        destinationBucket: r.destination,
        ruleId: r.ruleId,
      })),
      s3PendingOperationsThreshold: config.observability.s3PendingOperationsThreshold,
      loadBalancerArnSuffix: app.loadBalancer.loadBalancer.arnSuffix,
      targetGroupArnSuffix: app.loadBalancer.targetGroup.arnSuffix,
      http5xxRatePercent: config.observability.http5xxRatePercent,
      ecsClusterName: catalog.ecsCluster,
      ecsServiceName: catalog.ecsService,
      minTasks: config.service.capacity[role].min,
      databaseCpuPercent: config.observability.databaseCpuPercent,
      databaseConnections: config.observability.databaseConnections,
      lambdaFunctions: [
        { name: catalog.functions.healthMonitor, label: "health-monitor" },
        { name: catalog.functions.failoverOrchestrator, label: "failover-orchestrator" },
      ],
      stateMachines: machines,
    });
    if (config.gameDay.enabled) {
      // Targets carry the provider default tags of the stack that created them: Project and Environment everywhere,
      // Stack to tell this region's base (subnets) and data (cluster) stacks apart.
      const tagsOf = (stackId: string) => defaultTags(config, region, false, stackId);
      const baseTags = tagsOf(stackIds.base(region));
      const dataTags = tagsOf(stackIds.data(region));
      this.gameDay = new GameDayExperiments(this, "game-day", {
        provider,
        account,
        names: catalog,
        logsKeyArn: keys.logs,
        logRetentionDays: config.retention.logDays,
        network: {
          vpcId: base.network.vpc.id,
          subnetIds: { private: base.network.privateSubnetIds, public: base.network.publicSubnetIds },
        },
        clusterIdentifier: catalog.clusterId,
        targetTags: {
          project: { Project: baseTags.Project, Environment: baseTags.Environment },
          subnets: { Stack: baseTags.Stack },
          cluster: { Stack: dataTags.Stack },
        },
        alarms: {
          rpoGuard: account.arns.alarm(catalog.rpoGuardAlarm),
          orchestratorErrors: account.arns.alarm(catalog.alarm("failover-orchestrator-errors")),
          failoverRunbookFailed: account.arns.alarm(catalog.alarm("sfn-failed-failover")),
          activeRegionUnhealthy: account.arns.alarm(catalog.alarm("active-region-unhealthy")),
        },
        settings: config.gameDay,
        permissionsBoundaryArn: config.iam.permissionsBoundaryArn,
        // The stop conditions name this stack's alarms by ARN: create the templates after them.
        dependsOn: this.alarms.node.findAll().filter((c): c is TerraformResource => c instanceof TerraformResource),
      });
    }

    const metricsOf = (names: RegionCatalog, withSuffix: boolean): RegionMetrics => ({
      region: names.region,
      clusterIdentifier: names.clusterId,
      tableNames: names.tableNames,
      replicatedBuckets: names.replicationRoutes.map((r) => ({ source: r.source, destination: r.destination, ruleId: r.ruleId })),
      loadBalancerName: names.loadBalancer,
      loadBalancerArnSuffix: withSuffix ? app.loadBalancer.loadBalancer.arnSuffix : undefined,
      ecsClusterName: names.ecsCluster,
      ecsServiceName: names.ecsService,
      stateMachineArns: RUNBOOK_MODES.map((mode) => account.arns.stateMachine(mode, names.region)),
      canaryNames: config.canaries.enabled ? names.canaryLabels.map((l) => names.canaries[l].canary) : [],
      backupVaultName: names.backupVault,
    });
    this.dashboards = new Dashboards(this, "dashboards", {
      provider,
      environment: config.environment,
      rpoSeconds: config.targets.rpoSeconds,
      home: metricsOf(catalog, true),
      peer: metricsOf(catalogOf(config).region(peer), false),
      regionalDashboardName: catalog.regionalDashboard,
      // One overview is enough; the DR region's survives the loss of the primary.
      overviewDashboardName: region === config.regions.secondary ? catalog.overviewDashboard : undefined,
      additionalWidgets: this.reconciliation ? reconciliationWidgets(config.environment, region) : [],
    });
  }
}
