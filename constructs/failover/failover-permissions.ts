/**
 * Least-privilege IAM statements of the failover automation, per principal,
 * built from deterministic names only (no cross-region state read). What each
 * function does is docs/failover-protocol.md; every statement below is one
 * thing it does:
 *
 *   global cluster  arn:<partition>:rds::<account>:global-cluster:<id>
 *   cluster         arn:<partition>:rds:<region>:<account>:cluster:<id>
 *   ECS service     arn:<partition>:ecs:<region>:<account>:service/<cluster>/<service>
 *
 * Every statement names its resources. "*" remains only where the action has
 * no resource-level permissions (CloudWatch PutMetricData / GetMetricData,
 * DescribeScalableTargets, X-Ray, EC2 Describe*, the CloudWatch Logs delivery
 * actions), each then narrowed by a condition where AWS offers one
 * (cloudwatch:namespace, aws:RequestedRegion).
 *
 * RegisterScalableTarget is scoped to the scalable targets of this account in
 * the two regions (their ARNs end in an id AWS generates, so no name can be
 * built), and Application Auto Scaling additionally requires the caller to hold
 * ecs:DescribeServices and ecs:UpdateService on the target service, which are
 * granted on the two named services only.
 *
 * The orchestrator's peer-region state table (its lock item only) is named by
 * this region's table ARN with the region replaced (same table name in both
 * regions), and its items' data key (an id AWS generates) by the peer region
 * and account, used only through DynamoDB there. The control table is a
 * global table: each function reads and writes its own region's replica only,
 * item by item (dynamodb:LeadingKeys), and DynamoDB replicates.
 *
 * Load balancer rules: the Describe actions of Elastic Load Balancing have no
 * resource-level permissions; ModifyRule is granted on the rules of the
 * project's load balancer only (their ARNs hold its name).
 *
 * ARNs come from the catalog (lib/catalog.ts) and the state table's item keys
 * too, which imports them from the Lambda code that reads and writes them.
 */
import { DataAwsIamPolicyDocumentStatement, DataAwsIamPolicyDocumentStatementCondition } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { Fn, Token } from "cdktf";
import { RegionArns, RegionCatalog } from "../../lib/catalog";
import { GATE_METRIC_NAMESPACE } from "../../lambda/shared/gate";
import { MONITOR_METRIC_NAMESPACE_DEFAULT } from "../../lambda/shared/monitor-metrics";
import { KeyRef, TableRef, TopicRef } from "../security/grants";

/** Namespace of the health monitor's verdict metrics (METRIC_NAMESPACE). */
export const MONITOR_METRIC_NAMESPACE = MONITOR_METRIC_NAMESPACE_DEFAULT;
export { GATE_METRIC_NAMESPACE };

/** ARNs and names the failover automation of one region works on. */
export interface FailoverResources {
  /** The region these principals live in (the one a failover promotes). */
  readonly region: string;
  readonly peerRegion: string;
  /** ARNs of the catalog's names in this account. */
  readonly arns: RegionArns;
  /** Item keys of the state table, as the Lambda code writes them. */
  readonly stateKeys: RegionCatalog["stateKeys"];
  /** Item keys of the control table, as the Lambda code writes them. */
  readonly controlKeys: RegionCatalog["controlKeys"];
  readonly stateTableName: string;
  readonly stateTableArn: string;
  readonly controlTableName: string;
  readonly topicArn: string;
  /** Keys of this region. */
  readonly dataKeyArn: string;
  /** Alias of the data key (the same alias names each region's own key): narrows the peer region's key. */
  readonly dataKeyAlias: string;
  /** Values of the project's default tags that every scalable target of the service carries (provider default_tags). */
  readonly resourceTags: Readonly<Record<string, string>>;
  readonly messagingKeyArn: string;
}

/**
 * The peer region's state table: the same name in the other region, i.e. this
 * region's table ARN with the region replaced (a Terraform replace() when the
 * ARN is a reference, as it is in the ops stack).
 */
export function peerStateTableArn(r: FailoverResources): string {
  const from = `:${r.region}:`;
  const to = `:${r.peerRegion}:`;
  return Token.isUnresolved(r.stateTableArn) ? Fn.replace(r.stateTableArn, from, to) : r.stateTableArn.replace(from, to);
}

type Statement = DataAwsIamPolicyDocumentStatement;

const inRegions = (...regions: string[]) => ({ test: "StringEquals", variable: "aws:RequestedRegion", values: regions });

/** The region's state table, and the peer region's table of the same name. */
const stateTable = (r: FailoverResources) => new TableRef(r.stateTableName, r.stateTableArn);
const peerStateTable = (r: FailoverResources) => new TableRef(r.stateTableName, peerStateTableArn(r));
/** This region's replica of the global control table. */
const controlTable = (r: FailoverResources) => new TableRef(r.controlTableName, r.arns.table(r.controlTableName, r.region));

const ITEM_KEY_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"];

/** Use of the data key for the state and control tables' items (DynamoDB calls KMS on the caller's behalf). */
function dataKeyThroughDynamoDb(r: FailoverResources): Statement {
  return new KeyRef(r.dataKeyArn, r.region).viaServicesStatement({
    sid: "TableItemsKeyThroughDynamoDb",
    actions: ITEM_KEY_ACTIONS,
    services: ["dynamodb"],
  });
}

/**
 * Use of the peer region's data key for the peer state table's lock item. The
 * key's ARN ends in an id AWS generates, so no ARN can be built: a key of this
 * account in the peer region that carries the data key's alias
 * (kms:ResourceAliases), only through DynamoDB there.
 */
function peerDataKeyThroughDynamoDb(r: FailoverResources): Statement {
  const statement = new KeyRef(r.arns.anyKey(r.peerRegion), r.peerRegion).viaServicesStatement({
    sid: "PeerStateTableKeyThroughDynamoDb",
    actions: ITEM_KEY_ACTIONS,
    services: ["dynamodb"],
  });
  return { ...statement, condition: [...(statement.condition as DataAwsIamPolicyDocumentStatementCondition[]), { test: "ForAnyValue:StringEquals", variable: "kms:ResourceAliases", values: [r.dataKeyAlias] }] };
}

/** Publishing to the encrypted alert topic (and, with `sqs`, sending to an encrypted queue). */
function messagingKey(r: FailoverResources, services: string[]): Statement {
  return new KeyRef(r.messagingKeyArn, r.region).viaServicesStatement({
    sid: "MessagingKeyForEncryptedTopicAndQueue",
    actions: ["kms:GenerateDataKey", "kms:Decrypt"],
    services,
  });
}

/** Reading load balancers, listeners, rules and target health: no resource-level permissions exist for these. */
function describeLoadBalancing(regions: string[]): Statement {
  return {
    sid: "DescribeLoadBalancing",
    effect: "Allow",
    actions: [
      "elasticloadbalancing:DescribeLoadBalancers",
      "elasticloadbalancing:DescribeListeners",
      "elasticloadbalancing:DescribeRules",
      "elasticloadbalancing:DescribeTargetGroups",
      "elasticloadbalancing:DescribeTargetHealth",
    ],
    resources: ["*"],
    condition: [inRegions(...regions)],
  };
}

/** Setting the gate: ModifyRule on the rules of the project's load balancer in the given regions. */
function setGate(r: FailoverResources, regions: string[]): Statement {
  return {
    sid: "SetTrafficGate",
    effect: "Allow",
    actions: ["elasticloadbalancing:ModifyRule"],
    resources: regions.map((region) => r.arns.loadBalancerRules(region)),
  };
}

/** Bounds of the service's capacity (Application Auto Scaling also needs the service's describe/update). */
function serviceCapacity(r: FailoverResources, regions: string[]): Statement[] {
  return [
    {
      sid: "ReadScalableTargets",
      effect: "Allow",
      actions: ["application-autoscaling:DescribeScalableTargets"],
      resources: ["*"],
      condition: [inRegions(...regions)],
    },
    {
      // A scalable target's ARN ends in an id AWS generates: the ECS desired count of a target that carries the
      // project's tags (Application Auto Scaling's own condition keys, and aws:ResourceTag on scalable targets).
      sid: "SetServiceCapacityBounds",
      effect: "Allow",
      actions: ["application-autoscaling:RegisterScalableTarget"],
      resources: regions.map((region) => r.arns.scalableTargets(region)),
      condition: [
        inRegions(...regions),
        { test: "StringEquals", variable: "application-autoscaling:service-namespace", values: ["ecs"] },
        { test: "StringEquals", variable: "application-autoscaling:scalable-dimension", values: ["ecs:service:DesiredCount"] },
        ...Object.entries(r.resourceTags).map(([tag, value]) => ({ test: "StringEquals", variable: `aws:ResourceTag/${tag}`, values: [value] })),
      ],
    },
    {
      sid: "ServicesBehindTheScalableTargets",
      effect: "Allow",
      actions: ["ecs:DescribeServices", "ecs:UpdateService"],
      resources: regions.map((region) => r.arns.ecsService(region)),
    },
  ];
}

export interface HealthMonitorGrants {
  /**
   * ARN of this region's failover state machine, which the monitor may start.
   * @default none: the monitor may not start it (manual authority)
   */
  readonly failoverStateMachineArn?: string;
  /** ARN of the monitor's dead-letter queue (its on-failure destination). */
  readonly deadLetterQueueArn: string;
}

/**
 * The health monitor, in its own region only: reads the global cluster, its
 * own cluster and replication lag; applies its own gate (load balancer rule)
 * and capacity; writes its own heartbeat and reads the peer's heartbeat and
 * its own fence (control table); counts in its counter item and reads the lock
 * (state table); publishes its verdict and gate metrics; starts and follows
 * the failover runbook; pages. The same grants in both regions: which part of
 * its work applies follows the writer at each sample, never a deploy.
 */
export function healthMonitorStatements(r: FailoverResources, grants: HealthMonitorGrants): Statement[] {
  const statements: Statement[] = [
    { sid: "ReadGlobalCluster", effect: "Allow", actions: ["rds:DescribeGlobalClusters"], resources: [r.arns.globalCluster] },
    { sid: "ReadOwnCluster", effect: "Allow", actions: ["rds:DescribeDBClusters"], resources: [r.arns.cluster(r.region)] },
    { sid: "ReadReplicationLagInOwnRegion", effect: "Allow", actions: ["cloudwatch:GetMetricData"], resources: ["*"], condition: [inRegions(r.region)] },
    {
      sid: "PublishVerdictAndGateMetrics",
      effect: "Allow",
      actions: ["cloudwatch:PutMetricData"],
      resources: ["*"],
      condition: [{ test: "StringEquals", variable: "cloudwatch:namespace", values: [MONITOR_METRIC_NAMESPACE, GATE_METRIC_NAMESPACE] }, inRegions(r.region)],
    },
    describeLoadBalancing([r.region]),
    setGate(r, [r.region]),
    ...serviceCapacity(r, [r.region]),
    TableRef.statement([stateTable(r)], { sid: "CountSamplesInOwnItem", actions: ["dynamodb:GetItem", "dynamodb:PutItem"], items: [r.stateKeys.counter] }),
    TableRef.statement([stateTable(r)], { sid: "ReadRunbookLock", actions: ["dynamodb:GetItem"], items: [r.stateKeys.lock] }),
    TableRef.statement([controlTable(r)], { sid: "WriteOwnHeartbeat", actions: ["dynamodb:PutItem"], items: [r.controlKeys.heartbeat(r.region)] }),
    TableRef.statement([controlTable(r)], {
      sid: "ReadPeerHeartbeatAndOwnFence",
      actions: ["dynamodb:GetItem"],
      items: [r.controlKeys.heartbeat(r.peerRegion), r.controlKeys.fence(r.region)],
    }),
    dataKeyThroughDynamoDb(r),
    new TopicRef(r.topicArn).publishStatement("PageOperators"),
    { sid: "RecordFailedInvocations", effect: "Allow", actions: ["sqs:SendMessage"], resources: [grants.deadLetterQueueArn] },
    messagingKey(r, ["sns", "sqs"]),
  ];
  if (grants.failoverStateMachineArn) {
    statements.push(
      { sid: "StartFailover", effect: "Allow", actions: ["states:StartExecution"], resources: [grants.failoverStateMachineArn] },
      { sid: "FollowFailoverExecutions", effect: "Allow", actions: ["states:DescribeExecution"], resources: [r.arns.executions("failover")] },
    );
  }
  return statements;
}

/**
 * The failover orchestrator: every step of lambda/failover-orchestrator/contract.ts.
 * Own region: the lock and audit items, the evidence reads, the promotion, its
 * capacity and gate, the fences (control table), notifications. Peer region:
 * its lock item, its cluster's health (read), and best-effort fencing of its
 * gate and capacity.
 */
export function orchestratorStatements(r: FailoverResources): Statement[] {
  const bothRegions = [r.region, r.peerRegion];
  const lock = r.stateKeys.lock;
  return [
    { sid: "ReadGlobalCluster", effect: "Allow", actions: ["rds:DescribeGlobalClusters"], resources: [r.arns.globalCluster] },
    { sid: "ReadMemberClusters", effect: "Allow", actions: ["rds:DescribeDBClusters"], resources: bothRegions.map((region) => r.arns.cluster(region)) },
    {
      sid: "PromoteOwnClusterInGlobalCluster",
      effect: "Allow",
      actions: ["rds:SwitchoverGlobalCluster", "rds:FailoverGlobalCluster"],
      resources: [r.arns.globalCluster, ...bothRegions.map((region) => r.arns.cluster(region))],
    },
    { sid: "ReadReplicationLagInOwnRegion", effect: "Allow", actions: ["cloudwatch:GetMetricData"], resources: ["*"], condition: [inRegions(r.region)] },
    describeLoadBalancing(bothRegions),
    setGate(r, bothRegions),
    ...serviceCapacity(r, bothRegions),
    TableRef.statement([stateTable(r)], { sid: "ReadLockAndAudit", actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"], items: [lock, r.stateKeys.auditPattern] }),
    TableRef.statement([stateTable(r)], { sid: "WriteAuditRecords", actions: ["dynamodb:PutItem"], items: [r.stateKeys.auditPattern] }),
    TableRef.statement([stateTable(r)], { sid: "ReleaseLock", actions: ["dynamodb:DeleteItem"], items: [lock] }),
    TableRef.statement([peerStateTable(r)], { sid: "PeerRegionLock", actions: ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], items: [lock] }),
    TableRef.statement([controlTable(r)], {
      sid: "FenceAndUnfence",
      actions: ["dynamodb:GetItem", "dynamodb:PutItem"],
      items: bothRegions.map((region) => r.controlKeys.fence(region)),
    }),
    TableRef.statement([controlTable(r)], { sid: "ReadPeerHeartbeat", actions: ["dynamodb:GetItem"], items: [r.controlKeys.heartbeat(r.peerRegion)] }),
    dataKeyThroughDynamoDb(r),
    peerDataKeyThroughDynamoDb(r),
    new TopicRef(r.topicArn).publishStatement("NotifyAndRequestApproval"),
    messagingKey(r, ["sns"]),
  ];
}

/**
 * The state machines: invoke the orchestrator, deliver their logs, send traces. `logsOfAccount` is the ARN
 * pattern of this account's CloudWatch Logs resources in the region (RegionArns.logsOfAccount).
 */
export function stateMachineStatements(orchestratorArn: string, logsOfAccount: string): Statement[] {
  return [
    {
      sid: "InvokeOrchestrator",
      effect: "Allow",
      actions: ["lambda:InvokeFunction"],
      resources: [orchestratorArn, `${orchestratorArn}:*`],
    },
    {
      sid: "DeliverExecutionLogs",
      effect: "Allow",
      // CloudWatch Logs vended delivery (the Step Functions logging policy): no resource-level permissions.
      actions: ["logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery", "logs:ListLogDeliveries"],
      resources: ["*"],
    },
    {
      // The log group's resource policy for the delivery: this account's logs in this region only, as the
      // CloudWatch Logs guide scopes these three for vended logs ("Logs sent to CloudWatch Logs").
      sid: "LogGroupPolicyForDelivery",
      effect: "Allow",
      actions: ["logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"],
      resources: [logsOfAccount],
    },
    {
      sid: "XRayTraces",
      effect: "Allow",
      actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
      resources: ["*"],
    },
  ];
}
