/**
 * Least-privilege IAM statements of the failover automation, per principal,
 * built from deterministic names only (no cross-region state read):
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
 * The orchestrator's peer-region state table is named by this region's table
 * ARN with the region replaced (same table name in both regions), and its
 * items' data key (an id AWS generates) by the peer region and account, used
 * only through DynamoDB there.
 *
 * ARNs come from the catalog (lib/catalog.ts) and the state table's item keys
 * too, which imports them from the Lambda code that reads and writes them.
 */
import { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
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
  readonly stateTableName: string;
  readonly stateTableArn: string;
  readonly topicArn: string;
  /** Keys of this region. */
  readonly dataKeyArn: string;
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

const STATE_ITEM_KEY_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"];

/** Use of the data key for the state table's items (DynamoDB calls KMS on the caller's behalf). */
function stateTableKey(r: FailoverResources): Statement {
  return new KeyRef(r.dataKeyArn, r.region).viaServicesStatement({
    sid: "StateTableKeyThroughDynamoDb",
    actions: STATE_ITEM_KEY_ACTIONS,
    services: ["dynamodb"],
  });
}

/**
 * Use of the peer region's data key for the peer state table's items (the gate
 * decisions). The key's ARN ends in an id AWS generates, so no name can be
 * built: any key of this account in the peer region, only through DynamoDB there.
 */
function peerStateTableKey(r: FailoverResources): Statement {
  return new KeyRef(r.arns.anyKey(r.peerRegion), r.peerRegion).viaServicesStatement({
    sid: "PeerStateTableKeyThroughDynamoDb",
    actions: STATE_ITEM_KEY_ACTIONS,
    services: ["dynamodb"],
  });
}

/** Publishing to the encrypted alert topic (and, with `sqs`, sending to an encrypted queue). */
function messagingKey(r: FailoverResources, services: string[]): Statement {
  return new KeyRef(r.messagingKeyArn, r.region).viaServicesStatement({
    sid: "MessagingKeyForEncryptedTopicAndQueue",
    actions: ["kms:GenerateDataKey", "kms:Decrypt"],
    services,
  });
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
 * The health monitor: reads the global cluster and its own region's cluster
 * and replication lag, counts in the state table (its counter item only),
 * publishes its verdict metrics, reads the gate decisions (their items only)
 * and republishes the traffic gates in its own region, and as the decider
 * starts the failover state machine and pages. Both roles get the same grants, so that flipping
 * regions.active (an in-place change of ROLE) never leaves a new decider
 * waiting for its permissions.
 */
export function healthMonitorStatements(r: FailoverResources, grants: HealthMonitorGrants): Statement[] {
  const statements: Statement[] = [
    {
      sid: "ReadGlobalCluster",
      effect: "Allow",
      actions: ["rds:DescribeGlobalClusters"],
      resources: [r.arns.globalCluster],
    },
    {
      sid: "ReadOwnCluster",
      effect: "Allow",
      actions: ["rds:DescribeDBClusters"],
      resources: [r.arns.cluster(r.region)],
    },
    {
      sid: "ReadReplicationLagInOwnRegion",
      effect: "Allow",
      actions: ["cloudwatch:GetMetricData"],
      resources: ["*"],
      condition: [inRegions(r.region)],
    },
    {
      sid: "PublishVerdictMetrics",
      effect: "Allow",
      actions: ["cloudwatch:PutMetricData"],
      resources: ["*"],
      condition: [
        { test: "StringEquals", variable: "cloudwatch:namespace", values: [MONITOR_METRIC_NAMESPACE] },
        inRegions(r.region),
      ],
    },
    {
      sid: "RepublishTrafficGates",
      effect: "Allow",
      actions: ["cloudwatch:PutMetricData"],
      resources: ["*"],
      condition: [
        { test: "StringEquals", variable: "cloudwatch:namespace", values: [GATE_METRIC_NAMESPACE] },
        inRegions(r.region),
      ],
    },
    TableRef.statement([stateTable(r)], { sid: "CountFailuresInOwnItem", actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"], items: [r.stateKeys.counter] }),
    TableRef.statement([stateTable(r)], { sid: "ReadTrafficGateDecisions", actions: ["dynamodb:GetItem"], items: r.stateKeys.gates }),
    stateTableKey(r),
    new TopicRef(r.topicArn).publishStatement("PageOperators"),
    {
      sid: "RecordFailedInvocations",
      effect: "Allow",
      actions: ["sqs:SendMessage"],
      resources: [grants.deadLetterQueueArn],
    },
    messagingKey(r, ["sns", "sqs"]),
  ];
  if (grants.failoverStateMachineArn) {
    statements.push({
      sid: "StartFailover",
      effect: "Allow",
      actions: ["states:StartExecution"],
      resources: [grants.failoverStateMachineArn],
    });
  }
  return statements;
}

/**
 * The failover orchestrator: every step of contract.ts. Own region: the lock
 * and audit items, the promotion, its capacity, the gates and their recorded
 * decisions, notifications. Peer region (best effort, fencing): its cluster
 * (read), its scalable target, its gate and the gate decisions in its state table.
 */
export function orchestratorStatements(r: FailoverResources): Statement[] {
  const bothRegions = [r.region, r.peerRegion];
  const lock = r.stateKeys.lock;
  return [
    {
      sid: "ReadGlobalCluster",
      effect: "Allow",
      actions: ["rds:DescribeGlobalClusters"],
      resources: [r.arns.globalCluster],
    },
    {
      sid: "ReadMemberClusters",
      effect: "Allow",
      actions: ["rds:DescribeDBClusters"],
      resources: bothRegions.map((region) => r.arns.cluster(region)),
    },
    {
      sid: "PromoteOwnClusterInGlobalCluster",
      effect: "Allow",
      actions: ["rds:SwitchoverGlobalCluster", "rds:FailoverGlobalCluster"],
      resources: [r.arns.globalCluster, ...bothRegions.map((region) => r.arns.cluster(region))],
    },
    {
      sid: "ReadReplicationLagInOwnRegion",
      effect: "Allow",
      actions: ["cloudwatch:GetMetricData"],
      resources: ["*"],
      condition: [inRegions(r.region)],
    },
    {
      sid: "PublishTrafficGates",
      effect: "Allow",
      actions: ["cloudwatch:PutMetricData"],
      resources: ["*"],
      condition: [
        { test: "StringEquals", variable: "cloudwatch:namespace", values: [GATE_METRIC_NAMESPACE] },
        inRegions(...bothRegions),
      ],
    },
    {
      sid: "ReadScalableTargets",
      effect: "Allow",
      actions: ["application-autoscaling:DescribeScalableTargets"],
      resources: ["*"],
      condition: [inRegions(...bothRegions)],
    },
    {
      sid: "SetServiceCapacityBounds",
      effect: "Allow",
      actions: ["application-autoscaling:RegisterScalableTarget"],
      resources: bothRegions.map((region) => r.arns.scalableTargets(region)),
      condition: [inRegions(...bothRegions)],
    },
    {
      sid: "ServicesBehindTheScalableTargets",
      effect: "Allow",
      actions: ["ecs:DescribeServices", "ecs:UpdateService"],
      resources: bothRegions.map((region) => r.arns.ecsService(region)),
    },
    TableRef.statement([stateTable(r)], {
      sid: "ReadLockAndAudit",
      actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
      items: [lock, r.stateKeys.auditPattern],
    }),
    TableRef.statement([stateTable(r)], { sid: "WriteAuditRecords", actions: ["dynamodb:PutItem"], items: [r.stateKeys.auditPattern] }),
    TableRef.statement([stateTable(r)], { sid: "ReleaseLock", actions: ["dynamodb:DeleteItem"], items: [lock] }),
    TableRef.statement([stateTable(r), peerStateTable(r)], { sid: "RecordTrafficGateDecisions", actions: ["dynamodb:PutItem"], items: r.stateKeys.gates }),
    stateTableKey(r),
    peerStateTableKey(r),
    new TopicRef(r.topicArn).publishStatement("NotifyAndRequestApproval"),
    messagingKey(r, ["sns"]),
  ];
}

/** The state machines: invoke the orchestrator, deliver their logs, send traces. */
export function stateMachineStatements(orchestratorArn: string): Statement[] {
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
      // CloudWatch Logs vended delivery: none of these support resource-level permissions.
      actions: [
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
      ],
      resources: ["*"],
    },
    {
      sid: "XRayTraces",
      effect: "Allow",
      actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
      resources: ["*"],
    },
  ];
}
