/**
 * Least-privilege IAM of the game-day experiments (game-day-experiments.ts):
 * one experiment role per template, each holding only what its one FIS action
 * needs, and the Automation role that starts the failover runbook. Every
 * statement below is one thing an action does, on this region's resources
 * only, named by ARN where a name exists and otherwise limited by condition
 * (the project's tags, the project's cluster or VPC, the region).
 *
 * Sources (the permissions each FIS action needs):
 * - FIS actions reference, https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html
 *   (docs/aws-facts.md section 11): aws:ecs:stop-task needs ecs:DescribeTasks,
 *   ecs:ListTasks, ecs:StopTask, tag:GetResources; aws:network:disrupt-connectivity
 *   needs ec2:CreateNetworkAcl, ec2:CreateNetworkAclEntry, ec2:CreateTags,
 *   ec2:DeleteNetworkAcl, ec2:DescribeManagedPrefixLists, ec2:DescribeNetworkAcls,
 *   ec2:DescribeSubnets, ec2:DescribeVpcs, ec2:GetManagedPrefixListEntries,
 *   ec2:ReplaceNetworkAclAssociation; aws:rds:failover-db-cluster needs
 *   rds:FailoverDBCluster, rds:DescribeDBClusters, tag:GetResources;
 *   aws:ssm:start-automation-execution needs ssm:GetAutomationExecution,
 *   ssm:StartAutomationExecution, ssm:StopAutomationExecution, iam:PassRole.
 * - The conditions and resource shapes follow AWS's managed policies for FIS,
 *   narrowed to this project: AWSFaultInjectionSimulatorNetworkAccess (the
 *   managedByFIS tag FIS puts on the network ACL it creates, and checks before it
 *   edits or deletes one), AWSFaultInjectionSimulatorECSAccess (tasks by
 *   task/<cluster>/<id>), AWSFaultInjectionSimulatorSSMAccess (automation-definition,
 *   automation-execution, PassRole only to ssm.amazonaws.com),
 *   https://docs.aws.amazon.com/aws-managed-policy/latest/reference/.
 * - Experiment logging (https://docs.aws.amazon.com/fis/latest/userguide/monitoring-logging.html)
 *   needs the vended-log permissions of the CloudWatch Logs guide
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html):
 *   logs:CreateLogDelivery, and logs:PutResourcePolicy, logs:DescribeResourcePolicies,
 *   logs:DescribeLogGroups on `log-group:*` (the guide asks for that wildcard,
 *   not a single group).
 * - ecs:ListTasks is authorized on the cluster's container instances with the
 *   ecs:cluster condition (Service Authorization Reference for Amazon ECS; the
 *   ARN form confirmed in awsdocs/amazon-ecs-developer-guide#211).
 *
 * Tag conditions: ECS tasks, RDS clusters and subnets support aws:ResourceTag
 * and carry the project's default tags, so the statements that change them
 * require Project and Environment. Two resources cannot carry them: the network
 * ACL FIS creates (it carries managedByFIS=true, which is what the managed
 * policy conditions on) and the subnets' original ACL, the VPC's default one,
 * which AWS creates untagged: a tag condition there would keep FIS from putting
 * it back when the experiment ends. Both are limited to the project's VPC
 * (ec2:Vpc) instead.
 */
import { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { RegionArns } from "../../lib/catalog";

type Statement = DataAwsIamPolicyDocumentStatement;

/** The tag FIS puts on the network ACL it creates for aws:network:disrupt-connectivity. */
export const FIS_MANAGED_TAG = { key: "managedByFIS", value: "true" } as const;

/** What the experiment roles work on, all in one region. */
export interface GameDayResources {
  readonly region: string;
  /** ARNs of the catalog's names in this account. */
  readonly arns: RegionArns;
  /** The tags every project resource carries (provider default tags): Project and Environment. */
  readonly projectTags: Readonly<Record<string, string>>;
  /** The region's VPC and the subnets disrupt-network cuts off (the tiers configuration names). */
  readonly vpcId: string;
  readonly disruptedSubnetIds: readonly string[];
  /** The Automation document that starts the failover runbook, and the role it runs as (db-failover). */
  readonly documentName: string;
  readonly automationRoleArn: string;
}

const inRegion = (region: string) => ({ test: "StringEquals", variable: "aws:RequestedRegion", values: [region] });
const taggedForProject = (tags: Readonly<Record<string, string>>) =>
  Object.entries(tags).map(([key, value]) => ({ test: "StringEquals", variable: `aws:ResourceTag/${key}`, values: [value] }));

/** Experiment logs to the encrypted CloudWatch Logs group (every experiment role). */
export function experimentLogStatements(r: Pick<GameDayResources, "region" | "arns">): Statement[] {
  return [
    {
      sid: "DeliverExperimentLogs",
      effect: "Allow",
      // No resource-level permissions.
      actions: ["logs:CreateLogDelivery"],
      resources: ["*"],
      condition: [inRegion(r.region)],
    },
    {
      sid: "ExperimentLogGroupResourcePolicy",
      effect: "Allow",
      actions: ["logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"],
      resources: [r.arns.anyLogGroup],
    },
  ];
}

/** aws:ecs:stop-task on the tasks of the project's service in this region. */
export function stopTasksStatements(r: GameDayResources): Statement[] {
  const inCluster = { test: "ArnEquals", variable: "ecs:cluster", values: [r.arns.ecsCluster(r.region)] };
  return [
    {
      sid: "StopServiceTasks",
      effect: "Allow",
      actions: ["ecs:StopTask", "ecs:DescribeTasks"],
      resources: [r.arns.ecsTasks(r.region)],
      condition: [inCluster, ...taggedForProject(r.projectTags)],
    },
    {
      sid: "ListServiceTasks",
      effect: "Allow",
      actions: ["ecs:ListTasks"],
      resources: [r.arns.ecsContainerInstances(r.region)],
      condition: [inCluster],
    },
    resolveTargetsByTags(r.region),
    ...experimentLogStatements(r),
  ];
}

/** aws:network:disrupt-connectivity (scope all) on the region's subnets of the configured tiers. */
export function disruptNetworkStatements(r: GameDayResources): Statement[] {
  const vpc = r.arns.ec2(`vpc/${r.vpcId}`);
  const acls = r.arns.ec2("network-acl/*");
  const fisManaged = (variable: string) => ({ test: "StringEquals", variable, values: [FIS_MANAGED_TAG.value] });
  return [
    {
      sid: "CreateNetworkAclInProjectVpc",
      effect: "Allow",
      actions: ["ec2:CreateNetworkAcl"],
      resources: [vpc],
    },
    {
      sid: "CreateFisManagedNetworkAcl",
      effect: "Allow",
      actions: ["ec2:CreateNetworkAcl"],
      resources: [acls],
      condition: [fisManaged(`aws:RequestTag/${FIS_MANAGED_TAG.key}`)],
    },
    {
      sid: "TagFisManagedNetworkAclAtCreation",
      effect: "Allow",
      actions: ["ec2:CreateTags"],
      resources: [acls],
      condition: [{ test: "StringEquals", variable: "ec2:CreateAction", values: ["CreateNetworkAcl"] }, fisManaged(`aws:RequestTag/${FIS_MANAGED_TAG.key}`)],
    },
    {
      sid: "EditAndDeleteFisManagedNetworkAcl",
      effect: "Allow",
      actions: ["ec2:CreateNetworkAclEntry", "ec2:DeleteNetworkAcl"],
      resources: [acls, vpc],
      condition: [fisManaged(`ec2:ResourceTag/${FIS_MANAGED_TAG.key}`)],
    },
    {
      sid: "SwapAclOfProjectSubnets",
      effect: "Allow",
      actions: ["ec2:ReplaceNetworkAclAssociation"],
      resources: r.disruptedSubnetIds.map((id) => r.arns.ec2(`subnet/${id}`)),
      condition: taggedForProject(r.projectTags),
    },
    {
      sid: "SwapNetworkAclsOfProjectVpc",
      effect: "Allow",
      actions: ["ec2:ReplaceNetworkAclAssociation"],
      resources: [acls],
      condition: [{ test: "ArnEquals", variable: "ec2:Vpc", values: [vpc] }],
    },
    {
      sid: "InspectNetwork",
      effect: "Allow",
      // No resource-level permissions.
      actions: ["ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeNetworkAcls", "ec2:DescribeManagedPrefixLists"],
      resources: ["*"],
      condition: [inRegion(r.region)],
    },
    {
      sid: "ReadManagedPrefixLists",
      effect: "Allow",
      actions: ["ec2:GetManagedPrefixListEntries"],
      resources: r.arns.prefixLists,
    },
    ...experimentLogStatements(r),
  ];
}

/** aws:rds:failover-db-cluster on the region's cluster (an in-region writer failover). */
export function dbWriterStatements(r: GameDayResources): Statement[] {
  const cluster = r.arns.cluster(r.region);
  return [
    {
      sid: "FailOverClusterWriterInRegion",
      effect: "Allow",
      actions: ["rds:FailoverDBCluster"],
      resources: [cluster],
      condition: taggedForProject(r.projectTags),
    },
    {
      sid: "DescribeCluster",
      effect: "Allow",
      actions: ["rds:DescribeDBClusters"],
      resources: [cluster],
    },
    resolveTargetsByTags(r.region),
    ...experimentLogStatements(r),
  ];
}

/** aws:ssm:start-automation-execution of the one document that starts this region's failover runbook. */
export function dbFailoverStatements(r: GameDayResources): Statement[] {
  return [
    {
      sid: "StartRunbookAutomation",
      effect: "Allow",
      actions: ["ssm:StartAutomationExecution"],
      resources: [r.arns.ssmDocument(r.documentName), r.arns.ssmAutomationDefinition(r.documentName), r.arns.ssmAutomationExecutions],
    },
    {
      sid: "FollowAndStopAutomation",
      effect: "Allow",
      actions: ["ssm:GetAutomationExecution", "ssm:StopAutomationExecution"],
      resources: [r.arns.ssmAutomationExecutions],
    },
    {
      sid: "PassAutomationRoleToSsm",
      effect: "Allow",
      actions: ["iam:PassRole"],
      resources: [r.automationRoleArn],
      condition: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["ssm.amazonaws.com"] }],
    },
    ...experimentLogStatements(r),
  ];
}

/**
 * The Automation role: it may start this region's failover runbook and follow
 * that runbook's executions, nothing else.
 */
export function automationStatements(arns: RegionArns): Statement[] {
  return [
    { sid: "StartFailoverRunbook", effect: "Allow", actions: ["states:StartExecution"], resources: [arns.stateMachine("failover")] },
    { sid: "FollowFailoverRunbook", effect: "Allow", actions: ["states:DescribeExecution"], resources: [arns.executions("failover")] },
  ];
}

function resolveTargetsByTags(region: string): Statement {
  return {
    sid: "ResolveTargetsByTags",
    effect: "Allow",
    // No resource-level permissions.
    actions: ["tag:GetResources"],
    resources: ["*"],
    condition: [inRegion(region)],
  };
}
