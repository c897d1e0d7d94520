/**
 * The failover automation of one region (the same resources in both regions;
 * what differs with the region's current role is configuration only, so
 * flipping regions.active changes values in place and no address):
 *
 * - a regional (never global) state table: the monitor's counter, the
 *   single-flight lock, the audit records;
 * - the health monitor, run every minute by an EventBridge schedule, one at a
 *   time (reserved concurrency 1), sampling every failover.sampleIntervalSeconds:
 *   a reconciler that applies its region's gate and capacity from the writer
 *   and the fences, writes its heartbeat, and as the standby gathers the
 *   evidence and starts, retries or escalates the failover runbook (see
 *   docs/failover-protocol.md); failed runs land in its dead-letter queue;
 * - the failover orchestrator, the one function behind every runbook step;
 * - two runbooks (Step Functions, STANDARD) that promote this region:
 *   `failover` (started by the decider or by an operator) and `failback` (a
 *   planned switchover back, started by an operator). See
 *   failover-state-machine.ts and docs/runbook.md.
 *
 * Inputs: names from the catalog (everything in the other region, its cluster
 * and its ECS service, is a name), the region's keys, private subnets,
 * failover security group and alert topic. The two functions' environments
 * are built here, one builder each, from the catalog's names and the values
 * configuration decides; the functions' own defaults (lambda/<function>/config.ts)
 * are not repeated.
 *
 * Keeps its children's addresses: these resources were created directly by
 * the ops stack before this construct existed.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { RUNBOOK_MODES, RegionCatalog } from "../../lib/catalog";
import { DrConfig } from "../../lib/config/model";
import { RemovalPolicy } from "../../lib/removal";
import { keepChildAddresses } from "../addressing";
import { DrLambdaFunction } from "../app/lambda-function";
import { AccountContext } from "../security/account-context";
import { BoundedRole } from "../security/bounded-role";
import { FailoverDeadLetterQueue } from "./failover-dead-letter-queue";
import { FailoverResources, healthMonitorStatements, orchestratorStatements, stateMachineStatements } from "./failover-permissions";
import { AwaitWriterBudget, FailoverRunbook, RunbookMode, awaitWriterBudget } from "./failover-state-machine";
import { FailoverStateTable } from "./failover-state-table";
import { MONITOR_ENVIRONMENT } from "../../lambda/health-monitor/environment";
import { ORCHESTRATOR_ENVIRONMENT } from "../../lambda/failover-orchestrator/environment";
import { LambdaCodeSigning } from "../security/lambda-code-signing";

/** The schedule's period: one invocation per minute, which samples every failover.sampleIntervalSeconds within it. */
export const CHECK_INTERVAL_SECONDS = 60;
export const MONITOR_SCHEDULE = "rate(1 minute)";

/**
 * Sizes. Both functions do a handful of AWS calls and one HTTPS probe; memory
 * buys CPU, which mostly shortens the cold start of the bundle.
 * - The monitor: 256 MB; 59 s, under the schedule period: one invocation samples
 *   for 55 s (RUN_SECONDS), its last sample starting before 55 s and its probe
 *   bounded below one sample interval (the configuration gate checks it), so
 *   it ends before the next invocation is due (at reserved concurrency 1 an
 *   overlap would throttle the next one, which EventBridge then retries).
 * - The orchestrator: 512 MB (it is cold on nearly every step, and runs only
 *   during an incident or a drill); 900 s, Lambda's maximum, because its
 *   longest step waits up to AWAIT_WRITER_MAX_SLICE_SECONDS for the new writer.
 */
export const MONITOR_MEMORY_MB = 256;
export const MONITOR_TIMEOUT_SECONDS = 59;
export const ORCHESTRATOR_MEMORY_MB = 512;
export const ORCHESTRATOR_TIMEOUT_SECONDS = 900;
/** The monitor must never run twice at once: one counted sample per slot. */
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

/** The failover section of the configuration. */
export type FailoverSettings = DrConfig["failover"];
/** Task bounds of the service per role (service.capacity). */
export type CapacitySettings = DrConfig["service"]["capacity"];

/** The names the automation uses: the catalog of its region. */
export type FailoverNames = Pick<
  RegionCatalog,
  | "region"
  | "peerRegion"
  | "role"
  | "environment"
  | "stateTable"
  | "globalClusterId"
  | "clusterId"
  | "functions"
  | "functionRoles"
  | "functionLogGroups"
  | "runbookRole"
  | "stateMachines"
  | "runbookLogGroup"
  | "healthMonitorSchedule"
  | "healthMonitorQueue"
  | "stateKeys"
  | "controlKeys"
  | "controlTable"
  | "ecsCluster"
  | "ecsService"
  | "loadBalancer"
  | "targetGroup"
  | "urls"
  | "witness"
  | "keyAliases"
>;

export interface FailoverAutomationProps {
  readonly provider: AwsProvider;
  /** The region\'s Lambda code signing (its functions deploy only code its profile signed). */
  readonly codeSigning: LambdaCodeSigning;
  readonly account: AccountContext;
  readonly names: FailoverNames;
  /** ARNs of the region's keys: data (state table), logs, messaging (topic, queue), secrets (environment variables). */
  readonly keys: { readonly data: string; readonly logs: string; readonly messaging: string; readonly secrets: string };
  /** Private subnets and the failover security group the functions run in. */
  readonly vpc: { readonly subnetIds: string[]; readonly securityGroupId: string };
  /** ARN of the region's alert topic (pages, approval requests, notifications). */
  readonly alertTopicArn: string;
  /**
   * Tags every scalable target of the service carries (the provider's default tags): the capacity grants
   * are conditioned on them, as a scalable target has no ARN that can be built.
   */
  readonly resourceTags: Readonly<Record<string, string>>;
  readonly settings: FailoverSettings;
  readonly capacity: CapacitySettings;
  /** targets.rpoSeconds: the orchestrator's RPO policy. */
  readonly rpoSeconds: number;
  /**
   * The clusters carry rds.global_db_rpo (constructs/data/aurora-cluster.ts): a forced failover loses at most the RPO,
   * so the orchestrator never escalates for it.
   * @default false
   */
  readonly rpoEnforcedByDatabase?: boolean;
  readonly logRetentionDays: number;
  /**
   * ARN of the permissions boundary of every role.
   * @default no boundary
   */
  readonly permissionsBoundaryArn?: string;
  /**
   * "retain": the state table is deletion-protected and prevent_destroy.
   * @default "retain"
   */
  readonly removal?: RemovalPolicy;
  /**
   * ARN of this region's reconciliation state machine (constructs/failover/reconciliation.ts), which the health
   * monitor starts once the old region is back after an unplanned failover; grant it with `Reconciliation.grantStart`.
   * @default none: the monitor never starts a reconciliation
   */
  readonly reconciliationStateMachineArn?: string;
}

/**
 * The health monitor's environment (lambda/health-monitor/environment.ts):
 * names from the catalog and what configuration decides; the function's other
 * tuning keeps its own defaults.
 */
export function healthMonitorEnvironment(p: {
  names: FailoverNames;
  settings: FailoverSettings;
  capacity: CapacitySettings;
  topicArn: string;
  failoverStateMachineArn: string;
  reconciliationStateMachineArn?: string;
}): Record<string, string> {
  const { names, settings } = p;
  const witness = names.witness(names.peerRegion);
  return MONITOR_ENVIRONMENT.write({
    environment: names.environment,
    peerRegion: names.peerRegion,
    globalClusterId: names.globalClusterId,
    dbClusterId: names.clusterId,
    stateTableName: names.stateTable,
    controlTableName: names.controlTable,
    ecsCluster: names.ecsCluster,
    ecsService: names.ecsService,
    loadBalancerName: names.loadBalancer,
    targetGroupName: names.targetGroup,
    activeMinCapacity: p.capacity.active.min,
    standbyMinCapacity: p.capacity.standby.min,
    maxCapacity: p.capacity.active.max,
    peerProbeUrl: names.urls.peerHealth,
    peerWitnessAliveName: witness.alive,
    peerWitnessServiceName: witness.service,
    authority: settings.authority,
    stateMachineArn: settings.authority === "manual" ? undefined : p.failoverStateMachineArn,
    topicArn: p.topicArn,
    sampleIntervalSeconds: settings.sampleIntervalSeconds,
    consecutiveSamples: settings.consecutiveFailures,
    staleHeartbeatSeconds: settings.staleHeartbeatSeconds,
    replicationStallSeconds: settings.replicationStallSeconds,
    maxAttempts: settings.maxAttempts,
    probeTimeoutMs: settings.probeTimeoutMs,
    reconciliationStateMachineArn: p.reconciliationStateMachineArn,
  });
}

/**
 * The failover orchestrator's environment (lambda/failover-orchestrator/environment.ts):
 * names from the catalog (the peer region's service, load balancer and tables
 * have the same names) and what configuration decides.
 */
export function orchestratorEnvironment(p: {
  names: FailoverNames;
  settings: FailoverSettings;
  capacity: CapacitySettings;
  rpoSeconds: number;
  rpoEnforcedByDatabase: boolean;
  topicArn: string;
  awaitWriter: AwaitWriterBudget;
}): Record<string, string> {
  const { names, settings } = p;
  const witness = names.witness(names.peerRegion);
  return ORCHESTRATOR_ENVIRONMENT.write({
    environment: names.environment,
    peerRegion: names.peerRegion,
    globalClusterId: names.globalClusterId,
    dbClusterId: names.clusterId,
    stateTableName: names.stateTable,
    auditTableName: names.stateTable,
    controlTableName: names.controlTable,
    topicArn: p.topicArn,
    ecsCluster: names.ecsCluster,
    ecsService: names.ecsService,
    loadBalancerName: names.loadBalancer,
    ownHealthUrl: names.urls.ownHealth,
    ownGateUrl: names.urls.ownGate,
    peerProbeUrl: names.urls.peerHealth,
    peerWitnessAliveName: witness.alive,
    peerWitnessServiceName: witness.service,
    activeMinCapacity: p.capacity.active.min,
    standbyMinCapacity: p.capacity.standby.min,
    maxCapacity: p.capacity.active.max,
    authority: settings.authority,
    rpoSeconds: p.rpoSeconds,
    onRpoBreach: settings.onRpoBreach,
    rpoEnforcement: p.rpoEnforcedByDatabase ? "database" : "alarm",
    sampleIntervalSeconds: settings.sampleIntervalSeconds,
    staleHeartbeatSeconds: settings.staleHeartbeatSeconds,
    replicationStallSeconds: settings.replicationStallSeconds,
    inflightAllowanceSeconds: settings.inflightAllowanceSeconds,
    lockTtlSeconds: settings.lockTtlSeconds,
    pollIntervalSeconds: settings.pollIntervalSeconds,
    maxWaitSeconds: p.awaitWriter.sliceSeconds,
    probeTimeoutMs: settings.probeTimeoutMs,
    peerTimeoutMs: settings.peerTimeoutMs,
  });
}

export class FailoverAutomation extends Construct {
  readonly stateTable: FailoverStateTable;
  readonly healthMonitor: DrLambdaFunction;
  readonly orchestrator: DrLambdaFunction;
  readonly runbooks: Readonly<Record<RunbookMode, FailoverRunbook>>;
  readonly schedule: CloudwatchEventRule;
  readonly deadLetterQueue: FailoverDeadLetterQueue;

  constructor(scope: Construct, id: string, props: FailoverAutomationProps) {
    super(scope, id);
    keepChildAddresses(this);
    const { provider, account, names, keys, settings } = props;
    const { region } = names;
    const boundary = props.permissionsBoundaryArn;
    const topicArn = props.alertTopicArn;
    const vpc = { subnetIds: props.vpc.subnetIds, securityGroupId: props.vpc.securityGroupId };

    this.stateTable = new FailoverStateTable(this, "state-table", {
      provider,
      tableName: names.stateTable,
      kmsKeyArn: keys.data,
      removal: props.removal ?? "retain",
    });
    const resources: FailoverResources = {
      region,
      peerRegion: names.peerRegion,
      arns: account.arns,
      stateKeys: names.stateKeys,
      controlKeys: names.controlKeys,
      stateTableName: names.stateTable,
      controlTableName: names.controlTable,
      stateTableArn: this.stateTable.arn,
      topicArn,
      dataKeyArn: keys.data,
      dataKeyAlias: names.keyAliases.data,
      resourceTags: props.resourceTags,
      messagingKeyArn: keys.messaging,
    };
    const failoverArn = account.arns.stateMachine("failover");

    // The orchestrator and the runbooks that run it.
    const awaitWriter = awaitWriterBudget(settings.maxWaitSeconds, settings.lockTtlSeconds);
    this.orchestrator = new DrLambdaFunction(this, "failover-orchestrator", {
      provider,
      account,
      region,
      code: "failover-orchestrator",
      codeSigning: props.codeSigning,
      functionName: names.functions.failoverOrchestrator,
      description: `Failover runbook steps: promotes ${region} (lambda/failover-orchestrator)`,
      runtime: settings.lambdaRuntime,
      memorySizeMb: ORCHESTRATOR_MEMORY_MB,
      timeoutSeconds: ORCHESTRATOR_TIMEOUT_SECONDS,
      reservedConcurrency: ORCHESTRATOR_RESERVED_CONCURRENCY,
      environmentKeyArn: keys.secrets,
      environment: orchestratorEnvironment({ names, settings, capacity: props.capacity, rpoSeconds: props.rpoSeconds, rpoEnforcedByDatabase: props.rpoEnforcedByDatabase ?? false, topicArn, awaitWriter }),
      logGroupName: names.functionLogGroups.failoverOrchestrator,
      logsKeyArn: keys.logs,
      logRetentionDays: props.logRetentionDays,
      roleName: names.functionRoles.failoverOrchestrator,
      permissionsBoundaryArn: boundary,
      statements: orchestratorStatements(resources),
      vpc,
    });

    const runbookRole = new BoundedRole(this, "runbook-role", {
      provider,
      roleName: names.runbookRole,
      description: `Role of the failover and failback state machines of ${region}`,
      assumedBy: "states.amazonaws.com",
      trustConditions: [
        { test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] },
        { test: "ArnLike", variable: "aws:SourceArn", values: RUNBOOK_MODES.map((mode) => account.arns.stateMachine(mode)) },
      ],
      permissionsBoundaryArn: boundary,
      statements: stateMachineStatements(this.orchestrator.arn, account.arns.logsOfAccount(region)),
    });
    const runbook = (mode: RunbookMode) =>
      new FailoverRunbook(this, `${mode}-runbook`, {
        provider,
        partition: account.partition,
        mode,
        stateMachineName: names.stateMachines[mode],
        roleArn: runbookRole.arn,
        functionArn: this.orchestrator.arn,
        approvalTimeoutSeconds: settings.approvalTimeoutSeconds,
        onApprovalTimeout: settings.onApprovalTimeout,
        awaitWriter,
        logGroupName: names.runbookLogGroup(mode),
        logsKeyArn: keys.logs,
        logRetentionDays: props.logRetentionDays,
        dependsOn: runbookRole.node.findAll().filter((c): c is IamRolePolicy => c instanceof IamRolePolicy),
      });
    this.runbooks = { failover: runbook("failover"), failback: runbook("failback") };

    // The health monitor, its schedule and its dead-letter queue.
    this.schedule = new CloudwatchEventRule(this, "health-monitor-schedule", {
      provider,
      name: names.healthMonitorSchedule,
      description: `Runs the health monitor of ${region} every minute`,
      scheduleExpression: MONITOR_SCHEDULE,
      state: "ENABLED",
    });
    this.deadLetterQueue = new FailoverDeadLetterQueue(this, "health-monitor-dlq", {
      provider,
      queueName: names.healthMonitorQueue,
      kmsKeyArn: keys.messaging,
      eventRuleArn: this.schedule.arn,
      accountId: account.accountId,
    });
    this.healthMonitor = new DrLambdaFunction(this, "health-monitor", {
      provider,
      account,
      region,
      code: "health-monitor",
      codeSigning: props.codeSigning,
      functionName: names.functions.healthMonitor,
      description: `Health monitor of ${region}: decider in the standby region, observer in the active one (lambda/health-monitor)`,
      runtime: settings.lambdaRuntime,
      memorySizeMb: MONITOR_MEMORY_MB,
      timeoutSeconds: MONITOR_TIMEOUT_SECONDS,
      reservedConcurrency: MONITOR_RESERVED_CONCURRENCY,
      environmentKeyArn: keys.secrets,
      environment: healthMonitorEnvironment({
        names,
        settings,
        capacity: props.capacity,
        topicArn,
        failoverStateMachineArn: failoverArn,
        reconciliationStateMachineArn: props.reconciliationStateMachineArn,
      }),
      logGroupName: names.functionLogGroups.healthMonitor,
      logsKeyArn: keys.logs,
      logRetentionDays: props.logRetentionDays,
      roleName: names.functionRoles.healthMonitor,
      permissionsBoundaryArn: boundary,
      statements: healthMonitorStatements(resources, {
        failoverStateMachineArn: settings.authority === "manual" ? undefined : failoverArn,
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
  }
}
