/**
 * ops-<region>: the failover automation and the observability of one region.
 * It builds on the region's base stack (network, keys, alert topic).
 *
 * The failover automation of a region (the same resources in both regions;
 * what differs with the region's current role is configuration only, so
 * flipping regions.active changes values in place and no address):
 *
 * - a regional (never global) state table: the monitor's failure counter, the
 *   single-flight lock, the audit records;
 * - the health monitor, run every minute by an EventBridge schedule, one at a
 *   time (reserved concurrency 1): ROLE=decider in the standby region (counts,
 *   and starts the failover runbook or pages, per failover.authority),
 *   ROLE=observer in the active region (publishes metrics only); failed runs
 *   land in its dead-letter queue;
 * - the failover orchestrator, the one function behind every runbook step;
 * - two runbooks (Step Functions, STANDARD) that promote this region:
 *   `failover` (started by the decider or by an operator) and `failback` (a
 *   planned switchover back, started by an operator). See
 *   constructs/failover/failover-state-machine.ts and docs/runbook.md.
 *
 * Cross-stack inputs: the same region's base stack only (subnets, the failover
 * security group, the alert topic). Keys are looked up by alias in-region;
 * everything in the other region (its cluster, its ECS service) is a name
 * derived from configuration.
 */
import { Construct } from "constructs";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { AwsRegion } from "../lib/aws-regions";
import { DrConfig, otherRegion, roleOf } from "../lib/config/model";
import { regionalHealthUrl } from "../lib/endpoints";
import { Naming } from "../lib/naming";
import { AccountContext } from "../constructs/security/account-context";
import { KeyLookup } from "../constructs/security/key-lookup";
import { BoundedRole } from "../constructs/security/bounded-role";
import { FailoverDeadLetterQueue } from "../constructs/failover/failover-dead-letter-queue";
import {
  FailoverResources,
  MONITOR_METRIC_NAMESPACE,
  healthMonitorStatements,
  orchestratorStatements,
  stateMachineArn,
  stateMachineStatements,
} from "../constructs/failover/failover-permissions";
import { AwaitWriterBudget, FailoverRunbook, RunbookMode, awaitWriterBudget } from "../constructs/failover/failover-state-machine";
import { FailoverStateTable } from "../constructs/failover/failover-state-table";
import { DrLambdaFunction } from "../constructs/app/lambda-function";
import { Dashboards, RegionMetrics } from "../constructs/observability/dashboards";
import { RegionalAlarms } from "../constructs/observability/regional-alarms";
import {
  MONITOR_DIMENSION_ENVIRONMENT,
  MONITOR_DIMENSION_REGION,
  MONITOR_METRICS,
  MONITOR_METRIC_NAMESPACE_DEFAULT,
} from "../lambda/shared/monitor-metrics";
import { AppStack } from "./app-stack";
import { BaseStack } from "./base-stack";
import { GLOBAL_TABLES } from "./data-stack";
import { DrStack, DrStackProps } from "./dr-stack";

export interface OpsStackProps extends DrStackProps {
  /** The same region's application stack (load balancer identifiers for alarms and dashboards). */
  readonly app: AppStack;
  /** The same region's base stack. */
  readonly base: BaseStack;
}

/** One health check per minute: the schedule and the monitor's CHECK_INTERVAL_SECONDS. */
export const CHECK_INTERVAL_SECONDS = 60;
export const MONITOR_SCHEDULE = "rate(1 minute)";

/**
 * Sizes. Both functions do a handful of AWS calls and one HTTPS probe; memory
 * buys CPU, which mostly shortens the cold start of the ~2 MB bundle.
 * - The monitor: 256 MB; 50 s, under the 60 s schedule period, so one run
 *   ends before the next is due (a longer run would throttle the next tick at
 *   reserved concurrency 1). The budget covers the longest probe (30 s) and
 *   its AWS calls with their retries.
 * - The orchestrator: 512 MB (it is cold on nearly every step, and runs only
 *   during an incident or a drill); 900 s, Lambda's maximum, because its
 *   longest step waits up to AWAIT_WRITER_MAX_SLICE_SECONDS for the new writer.
 */
export const MONITOR_MEMORY_MB = 256;
export const MONITOR_TIMEOUT_SECONDS = 50;
export const ORCHESTRATOR_MEMORY_MB = 512;
export const ORCHESTRATOR_TIMEOUT_SECONDS = 900;
/** The decider must never run twice at once: one counted check per tick. */
export const MONITOR_RESERVED_CONCURRENCY = 1;
/**
 * Concurrency kept for the orchestrator, so that a failover can run when the
 * region's unreserved pool is exhausted by other functions (as it may be in a
 * regional incident). Each runbook execution invokes it one step at a time:
 * the failover and failback runbooks, a dry run and a duplicate that loses the
 * lock fit; a further invocation is throttled and retried by the state
 * machine (Lambda.TooManyRequestsException, with backoff).
 */
export const ORCHESTRATOR_RESERVED_CONCURRENCY = 5;

/**
 * Values the Lambda configuration reads that configuration does not (yet)
 * carry; the Lambda defaults, stated explicitly. Proposed as configuration
 * fields in the ops report.
 */
export const FAILOVER_TUNING = {
  /** Replication lag at or below which failback may start and the monitor reports PromotionReady. */
  failbackMaxLagMs: 1000,
  /** How far back the functions look for the latest replication-lag datapoint. */
  lagLookbackSeconds: 300,
  /** Cap of the awaitWriter poll interval (it grows by half from failover.pollIntervalSeconds). */
  maxPollIntervalSeconds: 60,
  /** Request timeout of calls to the other (possibly failed) region. */
  peerTimeoutMs: 5000,
  /** Probes of the new region's endpoint in the verify step, and the pause between them. */
  verifyAttempts: 6,
  verifyIntervalSeconds: 10,
  /** Attempts per AWS call inside the functions (throttling, 5xx) and the first backoff delay. */
  monitorRetryMaxAttempts: 3,
  orchestratorRetryMaxAttempts: 4,
  peerRetryMaxAttempts: 2,
  retryBaseDelayMs: 200,
  logLevel: "info",
} as const;

/** Every environment variable of lambda/health-monitor/config.ts. */
export function healthMonitorEnvironment(p: {
  config: DrConfig;
  naming: Naming;
  region: AwsRegion;
  stateTableName: string;
  topicArn: string;
  failoverStateMachineArn: string;
}): Record<string, string> {
  const { config, naming, region } = p;
  return {
    ROLE: roleOf(config, region) === "standby" ? "decider" : "observer",
    ENVIRONMENT: config.environment,
    PEER_REGION: otherRegion(config, region),
    GLOBAL_CLUSTER_ID: naming.name("rdsGlobalCluster", "global"),
    DB_CLUSTER_ID: naming.name("rdsIdentifier", "db", region),
    ACTIVE_ENDPOINT_URL: regionalHealthUrl(config, config.regions.active),
    STATE_TABLE_NAME: p.stateTableName,
    FAILOVER_AUTHORITY: config.failover.authority,
    STATE_MACHINE_ARN: p.failoverStateMachineArn,
    TOPIC_ARN: p.topicArn,
    FAILURE_THRESHOLD: String(config.failover.consecutiveFailures),
    CHECK_INTERVAL_SECONDS: String(CHECK_INTERVAL_SECONDS),
    PROBE_TIMEOUT_MS: String(config.failover.probeTimeoutMs),
    PROMOTION_READY_MAX_LAG_MS: String(FAILOVER_TUNING.failbackMaxLagMs),
    LAG_LOOKBACK_SECONDS: String(FAILOVER_TUNING.lagLookbackSeconds),
    METRIC_NAMESPACE: MONITOR_METRIC_NAMESPACE,
    RETRY_MAX_ATTEMPTS: String(FAILOVER_TUNING.monitorRetryMaxAttempts),
    RETRY_BASE_DELAY_MS: String(FAILOVER_TUNING.retryBaseDelayMs),
    LOG_LEVEL: FAILOVER_TUNING.logLevel,
  };
}

/** Every environment variable of lambda/failover-orchestrator/config.ts. */
export function orchestratorEnvironment(p: {
  config: DrConfig;
  naming: Naming;
  region: AwsRegion;
  stateTableName: string;
  topicArn: string;
  awaitWriter: AwaitWriterBudget;
}): Record<string, string> {
  const { config, naming, region } = p;
  const peer = otherRegion(config, region);
  const ecs = naming.name("ecs", "app");
  const { active, standby } = config.service.capacity;
  return {
    ENVIRONMENT: config.environment,
    PEER_REGION: peer,
    GLOBAL_CLUSTER_ID: naming.name("rdsGlobalCluster", "global"),
    DB_CLUSTER_ID: naming.name("rdsIdentifier", "db", region),
    STATE_TABLE_NAME: p.stateTableName,
    AUDIT_TABLE_NAME: p.stateTableName,
    TOPIC_ARN: p.topicArn,
    OWN_ENDPOINT_URL: regionalHealthUrl(config, region),
    OWN_ECS_CLUSTER: ecs,
    OWN_ECS_SERVICE: ecs,
    PEER_ECS_CLUSTER: ecs,
    PEER_ECS_SERVICE: ecs,
    ACTIVE_MIN_CAPACITY: String(active.min),
    STANDBY_MIN_CAPACITY: String(standby.min),
    MAX_CAPACITY: String(active.max),
    LOCK_TTL_SECONDS: String(config.failover.lockTtlSeconds),
    POLL_INTERVAL_SECONDS: String(config.failover.pollIntervalSeconds),
    MAX_POLL_INTERVAL_SECONDS: String(FAILOVER_TUNING.maxPollIntervalSeconds),
    MAX_WAIT_SECONDS: String(p.awaitWriter.sliceSeconds),
    PROBE_TIMEOUT_MS: String(config.failover.probeTimeoutMs),
    PEER_TIMEOUT_MS: String(FAILOVER_TUNING.peerTimeoutMs),
    VERIFY_ATTEMPTS: String(FAILOVER_TUNING.verifyAttempts),
    VERIFY_INTERVAL_SECONDS: String(FAILOVER_TUNING.verifyIntervalSeconds),
    FAILBACK_MAX_LAG_MS: String(FAILOVER_TUNING.failbackMaxLagMs),
    LAG_LOOKBACK_SECONDS: String(FAILOVER_TUNING.lagLookbackSeconds),
    RETRY_MAX_ATTEMPTS: String(FAILOVER_TUNING.orchestratorRetryMaxAttempts),
    RETRY_BASE_DELAY_MS: String(FAILOVER_TUNING.retryBaseDelayMs),
    PEER_RETRY_MAX_ATTEMPTS: String(FAILOVER_TUNING.peerRetryMaxAttempts),
    LOG_LEVEL: FAILOVER_TUNING.logLevel,
  };
}

/**
 * The orchestrator moves the old region to STANDBY_MIN_CAPACITY on failback and
 * requires it not to exceed ACTIVE_MIN_CAPACITY; say so at synthesis instead of
 * deploying a function that refuses to start.
 */
function checkCapacities(config: DrConfig): void {
  const { active, standby } = config.service.capacity;
  if (standby.min > active.min) {
    throw new Error(
      `service.capacity.standby.min (${standby.min}) is above service.capacity.active.min (${active.min}); ` +
        "the failover orchestrator needs the standby minimum at or below the active minimum",
    );
  }
}

/** Metric the filter on the orchestrator's log group counts: one per error line. */
export const ORCHESTRATOR_ERROR_METRIC = { namespace: "DR/FailoverOrchestrator", name: "ErrorLogLines" } as const;

export class OpsStack extends DrStack {
  readonly stateTable: FailoverStateTable;
  readonly healthMonitor: DrLambdaFunction;
  readonly orchestrator: DrLambdaFunction;
  readonly runbooks: Readonly<Record<RunbookMode, FailoverRunbook>>;
  readonly schedule: CloudwatchEventRule;
  readonly deadLetterQueue: FailoverDeadLetterQueue;
  readonly alarms: RegionalAlarms;
  readonly dashboards: Dashboards;

  constructor(scope: Construct, props: OpsStackProps) {
    super(scope, props);
    const { config, naming, provider } = this;
    const region = this.homeRegion;
    const peer = otherRegion(config, region);
    const { base } = props;
    checkCapacities(config);
    const protectedProfile = config.destroyProfile === "protected";
    const boundary = config.iam.permissionsBoundaryArn;
    const account = new AccountContext(this, "account", { provider });
    const lookup = new KeyLookup(this, "keys", { provider, naming });
    // secrets: the functions' environment variables (configuration, like the SSM parameters it also encrypts).
    const keys = { data: lookup.arn("data"), logs: lookup.arn("logs"), messaging: lookup.arn("messaging"), secrets: lookup.arn("secrets") };
    const vpc = { subnetIds: base.network.privateSubnetIds, securityGroupId: base.securityGroups.failover.id };
    const topicArn = base.alerts.arn;

    this.stateTable = new FailoverStateTable(this, "state-table", {
      provider,
      tableName: naming.name("dynamodbTable", "failover-lock"),
      kmsKeyArn: keys.data,
      protect: protectedProfile,
    });
    const stateTableName = naming.name("dynamodbTable", "failover-lock");

    const resources: FailoverResources = {
      partition: account.partition,
      accountId: account.accountId,
      region,
      peerRegion: peer,
      globalClusterId: naming.name("rdsGlobalCluster", "global"),
      clusterIds: { [region]: naming.name("rdsIdentifier", "db", region), [peer]: naming.name("rdsIdentifier", "db", peer) },
      ecsClusterName: naming.name("ecs", "app"),
      ecsServiceName: naming.name("ecs", "app"),
      stateTableArn: this.stateTable.arn,
      topicArn,
      dataKeyArn: keys.data,
      messagingKeyArn: keys.messaging,
    };
    const machineName = (mode: RunbookMode) => naming.name("stateMachine", mode);
    const failoverArn = stateMachineArn(resources, machineName("failover"));

    // The orchestrator and the runbooks that run it.
    const awaitWriter = awaitWriterBudget(config.failover.maxWaitSeconds, config.failover.lockTtlSeconds);
    this.orchestrator = new DrLambdaFunction(this, "failover-orchestrator", {
      provider,
      account,
      region,
      code: "failover-orchestrator",
      functionName: naming.name("lambdaFunction", "failover-orchestrator"),
      description: `Failover runbook steps: promotes ${region} (lambda/failover-orchestrator)`,
      runtime: config.failover.lambdaRuntime,
      memorySizeMb: ORCHESTRATOR_MEMORY_MB,
      timeoutSeconds: ORCHESTRATOR_TIMEOUT_SECONDS,
      reservedConcurrency: ORCHESTRATOR_RESERVED_CONCURRENCY,
      environmentKeyArn: keys.secrets,
      environment: orchestratorEnvironment({ config, naming, region, stateTableName, topicArn, awaitWriter }),
      logGroupName: naming.logGroup("failover-orchestrator"),
      logsKeyArn: keys.logs,
      logRetentionDays: config.retention.logDays,
      roleName: naming.name("iamRole", "failover-orchestrator", region),
      permissionsBoundaryArn: boundary,
      statements: orchestratorStatements(resources),
      vpc,
    });

    const runbookRole = new BoundedRole(this, "runbook-role", {
      provider,
      roleName: naming.name("iamRole", "failover-runbook", region),
      description: `Role of the failover and failback state machines of ${region}`,
      assumedBy: "states.amazonaws.com",
      trustConditions: [
        { test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] },
        {
          test: "ArnLike",
          variable: "aws:SourceArn",
          values: (["failover", "failback"] as const).map((mode) => stateMachineArn(resources, machineName(mode))),
        },
      ],
      permissionsBoundaryArn: boundary,
      statements: stateMachineStatements(this.orchestrator.arn),
    });
    const runbook = (mode: RunbookMode) =>
      new FailoverRunbook(this, `${mode}-runbook`, {
        provider,
        partition: account.partition,
        mode,
        stateMachineName: machineName(mode),
        roleArn: runbookRole.arn,
        functionArn: this.orchestrator.arn,
        approvalTimeoutSeconds: config.failover.approvalTimeoutSeconds,
        onApprovalTimeout: config.failover.onApprovalTimeout,
        awaitWriter,
        // Step Functions delivers logs through CloudWatch Logs' vended-log path; groups under
        // /aws/vendedlogs/ keep the account's log resource policy from growing with each group.
        logGroupName: `/aws/vendedlogs/states/${machineName(mode)}`,
        logsKeyArn: keys.logs,
        logRetentionDays: config.retention.logDays,
        dependsOn: runbookRole.node.findAll().filter((c): c is IamRolePolicy => c instanceof IamRolePolicy),
      });
    this.runbooks = { failover: runbook("failover"), failback: runbook("failback") };

    // The health monitor, its schedule and its dead-letter queue.
    const scheduleName = naming.name("eventRule", "health-monitor-schedule");
    this.schedule = new CloudwatchEventRule(this, "health-monitor-schedule", {
      provider,
      name: scheduleName,
      description: `Runs the health monitor of ${region} every minute`,
      scheduleExpression: MONITOR_SCHEDULE,
      state: "ENABLED",
    });
    this.deadLetterQueue = new FailoverDeadLetterQueue(this, "health-monitor-dlq", {
      provider,
      queueName: naming.name("sqsQueue", "health-monitor-dlq"),
      kmsKeyArn: keys.messaging,
      eventRuleArn: this.schedule.arn,
      accountId: account.accountId,
    });
    this.healthMonitor = new DrLambdaFunction(this, "health-monitor", {
      provider,
      account,
      region,
      code: "health-monitor",
      functionName: naming.name("lambdaFunction", "health-monitor"),
      description: `Health monitor of ${region}: decider in the standby region, observer in the active one (lambda/health-monitor)`,
      runtime: config.failover.lambdaRuntime,
      memorySizeMb: MONITOR_MEMORY_MB,
      timeoutSeconds: MONITOR_TIMEOUT_SECONDS,
      reservedConcurrency: MONITOR_RESERVED_CONCURRENCY,
      environmentKeyArn: keys.secrets,
      environment: healthMonitorEnvironment({ config, naming, region, stateTableName, topicArn, failoverStateMachineArn: failoverArn }),
      logGroupName: naming.logGroup("health-monitor"),
      logsKeyArn: keys.logs,
      logRetentionDays: config.retention.logDays,
      roleName: naming.name("iamRole", "health-monitor", region),
      permissionsBoundaryArn: boundary,
      statements: healthMonitorStatements(resources, {
        failoverStateMachineArn: config.failover.authority === "manual" ? undefined : failoverArn,
        deadLetterQueueArn: this.deadLetterQueue.arn,
      }),
      vpc,
      asyncFailure: { onFailureQueueArn: this.deadLetterQueue.arn, maximumEventAgeSeconds: CHECK_INTERVAL_SECONDS, maximumRetryAttempts: 0 },
    });
    new LambdaPermission(this, "health-monitor-schedule-permission", {
      provider,
      statementId: "RunFromSchedule",
      action: "lambda:InvokeFunction",
      functionName: this.healthMonitor.functionName,
      principal: "events.amazonaws.com",
      sourceArn: this.schedule.arn,
      sourceAccount: account.accountId,
    });
    new CloudwatchEventTarget(this, "health-monitor-schedule-target", {
      provider,
      rule: this.schedule.name,
      targetId: "health-monitor",
      arn: this.healthMonitor.arn,
      // A tick that cannot be delivered within the minute is superseded by the next one.
      retryPolicy: { maximumEventAgeInSeconds: CHECK_INTERVAL_SECONDS, maximumRetryAttempts: 2 },
      deadLetterConfig: { arn: this.deadLetterQueue.arn },
    });

    // Observability: alarms in the region whose metrics they read, dashboards, and a filter on orchestrator errors.
    const role = roleOf(config, region);
    const { app } = props;
    const alarmName = (purpose: string) => `${config.project}-${purpose}-${config.suffix}`;
    new CloudwatchLogMetricFilter(this, "orchestrator-errors", {
      provider,
      name: alarmName("failover-orchestrator-errors"),
      logGroupName: naming.logGroup("failover-orchestrator"),
      pattern: '{ $.level = "error" }',
      metricTransformation: { name: ORCHESTRATOR_ERROR_METRIC.name, namespace: ORCHESTRATOR_ERROR_METRIC.namespace, value: "1", defaultValue: "0" },
      dependsOn: [this.orchestrator.logGroup.logGroup],
    });
    new CloudwatchMetricAlarm(this, "orchestrator-errors-alarm", {
      provider,
      alarmName: alarmName("failover-orchestrator-errors"),
      alarmDescription: "The failover orchestrator logged an error: a runbook step failed or was retried to exhaustion",
      namespace: ORCHESTRATOR_ERROR_METRIC.namespace,
      metricName: ORCHESTRATOR_ERROR_METRIC.name,
      statistic: "Sum",
      period: 60,
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      treatMissingData: "notBreaching",
      alarmActions: [topicArn],
      okActions: [topicArn],
    });
    const monitorVerdict = new CloudwatchMetricAlarm(this, "monitor-active-unhealthy", {
      provider,
      alarmName: alarmName("monitor-active-unhealthy"),
      alarmDescription: `The health monitor of ${region} sees the active region's endpoint fail`,
      namespace: MONITOR_METRIC_NAMESPACE_DEFAULT,
      metricName: MONITOR_METRICS.activeRegionHealthy,
      dimensions: { [MONITOR_DIMENSION_ENVIRONMENT]: config.environment, [MONITOR_DIMENSION_REGION]: region },
      statistic: "Minimum",
      period: 60,
      evaluationPeriods: config.failover.consecutiveFailures,
      comparisonOperator: "LessThanThreshold",
      threshold: 1,
      // The monitor publishes every minute: silence means the monitor itself is down.
      treatMissingData: "breaching",
      alarmActions: [topicArn],
      okActions: [topicArn],
    });
    const activeCanaryLabel = config.regions.active === config.regions.primary ? "canary-pri" : "canary-sec";
    const replicationRules = (["appdata", "txlogs"] as const).map((purpose) => ({
      label: purpose,
      sourceBucket: naming.name("s3Bucket", purpose, region),
      destinationBucket: naming.name("s3Bucket", purpose, peer),
      ruleId: `${purpose}-to-${peer}`,
    }));
    const tables = GLOBAL_TABLES.map((t) => ({ name: naming.name("dynamodbTable", t.purpose), label: t.purpose }));
    const machines = (["failover", "failback"] as const).map((mode) => ({ label: mode, arn: stateMachineArn(resources, machineName(mode)) }));
    this.alarms = new RegionalAlarms(this, "alarms", {
      provider,
      alarmName,
      role,
      peerRegion: peer,
      alertTopicArn: topicArn,
      rpoSeconds: config.targets.rpoSeconds,
      clusterIdentifier: naming.name("rdsIdentifier", "db", region),
      tables,
      replicationRules,
      s3PendingOperationsThreshold: config.observability.s3PendingOperationsThreshold,
      loadBalancerArnSuffix: app.loadBalancer.loadBalancer.arnSuffix,
      targetGroupArnSuffix: app.loadBalancer.targetGroup.arnSuffix,
      http5xxRatePercent: config.observability.http5xxRatePercent,
      ecsClusterName: naming.name("ecs", "app"),
      ecsServiceName: naming.name("ecs", "app"),
      minTasks: config.service.capacity[role].min,
      databaseCpuPercent: config.observability.databaseCpuPercent,
      databaseConnections: config.observability.databaseConnections,
      lambdaFunctions: [
        { name: naming.name("lambdaFunction", "health-monitor"), label: "health-monitor" },
        { name: naming.name("lambdaFunction", "failover-orchestrator"), label: "failover-orchestrator" },
      ],
      stateMachines: machines,
      activeRegionSignals: [...(config.canaries.enabled ? [naming.name("alarm", activeCanaryLabel)] : []), monitorVerdict.alarmName],
    });
    const metricsOf = (r: typeof region, withSuffix: boolean): RegionMetrics => ({
      region: r,
      clusterIdentifier: naming.name("rdsIdentifier", "db", r),
      tableNames: tables.map((t) => t.name),
      replicatedBuckets: (["appdata", "txlogs"] as const).map((purpose) => ({
        source: naming.name("s3Bucket", purpose, r),
        destination: naming.name("s3Bucket", purpose, otherRegion(config, r)),
        ruleId: `${purpose}-to-${otherRegion(config, r)}`,
      })),
      loadBalancerName: naming.name("loadBalancer", "app"),
      loadBalancerArnSuffix: withSuffix ? app.loadBalancer.loadBalancer.arnSuffix : undefined,
      ecsClusterName: naming.name("ecs", "app"),
      ecsServiceName: naming.name("ecs", "app"),
      stateMachineArns: (["failover", "failback"] as const).map(
        (mode) => `arn:${account.partition}:states:${r}:${account.accountId}:stateMachine:${machineName(mode)}`,
      ),
      canaryNames: config.canaries.enabled ? (["pri", "sec", "gbl"] as const).map((l) => naming.name("canary", l)) : [],
      backupVaultName: naming.name("backupVault", "vault"),
    });
    this.dashboards = new Dashboards(this, "dashboards", {
      provider,
      environment: config.environment,
      rpoSeconds: config.targets.rpoSeconds,
      home: metricsOf(region, true),
      peer: metricsOf(peer, false),
      regionalDashboardName: naming.name("dashboard", "dr", region),
      // One overview is enough; the DR region's survives the loss of the primary.
      overviewDashboardName: region === config.regions.secondary ? naming.name("dashboard", "dr-overview", region) : undefined,
    });
  }
}
