/**
 * Read-only views of the Aurora global cluster, always asked of the RDS
 * endpoint of the region the client was built for (the Lambda's own region).
 */
import { DescribeDBClustersCommand, DescribeGlobalClustersCommand, RDSClient } from "@aws-sdk/client-rds";
import { PreconditionFailedError, isAwsError } from "./errors";
import { Caller } from "./retry";

export interface MemberView {
  readonly arn: string;
  readonly region: string;
  readonly clusterId: string;
  readonly isWriter: boolean;
  /** "connected" or "pending-resync" when reported. */
  readonly synchronizationStatus?: string;
}

export interface FailoverView {
  /** pending | failing-over | cancelling */
  readonly status?: string;
  readonly fromArn?: string;
  readonly toArn?: string;
  readonly dataLossAllowed?: boolean;
}

export interface GlobalClusterView {
  readonly id: string;
  readonly status: string;
  readonly members: readonly MemberView[];
  readonly writer?: MemberView;
  /** Present while a failover or switchover is under way. */
  readonly failover?: FailoverView;
}

export interface DbClusterView {
  readonly id: string;
  readonly arn: string;
  readonly status: string;
}

/** arn:aws:rds:us-west-2:123456789012:cluster:name -> us-west-2 */
export function regionOfArn(arn: string): string {
  return arn.split(":")[3] ?? "";
}

/** arn:aws:rds:us-west-2:123456789012:cluster:name -> name */
export function clusterIdOfArn(arn: string): string {
  const parts = arn.split(":");
  return parts[parts.length - 1] ?? arn;
}

export async function describeGlobalCluster(rds: RDSClient, call: Caller, globalClusterId: string): Promise<GlobalClusterView> {
  let result;
  try {
    result = await call("DescribeGlobalClusters", () => rds.send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: globalClusterId })));
  } catch (error) {
    if (isAwsError(error, "GlobalClusterNotFoundFault")) {
      throw new PreconditionFailedError(`Global cluster ${globalClusterId} does not exist`, { globalClusterId });
    }
    throw error;
  }
  const global = result.GlobalClusters?.[0];
  if (!global) throw new PreconditionFailedError(`Global cluster ${globalClusterId} does not exist`, { globalClusterId });
  const members: MemberView[] = (global.GlobalClusterMembers ?? [])
    .filter((m) => typeof m.DBClusterArn === "string")
    .map((m) => ({
      arn: m.DBClusterArn as string,
      region: regionOfArn(m.DBClusterArn as string),
      clusterId: clusterIdOfArn(m.DBClusterArn as string),
      isWriter: m.IsWriter === true,
      ...(m.SynchronizationStatus ? { synchronizationStatus: m.SynchronizationStatus } : {}),
    }));
  const state = global.FailoverState;
  const failover: FailoverView | undefined =
    state && state.Status
      ? { status: state.Status, fromArn: state.FromDbClusterArn, toArn: state.ToDbClusterArn, dataLossAllowed: state.IsDataLossAllowed }
      : undefined;
  return {
    id: global.GlobalClusterIdentifier ?? globalClusterId,
    status: global.Status ?? "unknown",
    members,
    writer: members.find((m) => m.isWriter),
    ...(failover ? { failover } : {}),
  };
}

/** `idOrArn`: a cluster identifier (own region) or ARN. */
export async function describeDbCluster(rds: RDSClient, call: Caller, idOrArn: string): Promise<DbClusterView> {
  let result;
  try {
    result = await call("DescribeDBClusters", () => rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: idOrArn })));
  } catch (error) {
    if (isAwsError(error, "DBClusterNotFoundFault")) throw new PreconditionFailedError(`DB cluster ${idOrArn} does not exist`, { cluster: idOrArn });
    throw error;
  }
  const cluster = result.DBClusters?.[0];
  if (!cluster?.DBClusterArn) throw new PreconditionFailedError(`DB cluster ${idOrArn} does not exist`, { cluster: idOrArn });
  return { id: cluster.DBClusterIdentifier ?? clusterIdOfArn(cluster.DBClusterArn), arn: cluster.DBClusterArn, status: cluster.Status ?? "unknown" };
}
