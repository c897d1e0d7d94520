/**
 * The application's database user, reached with IAM database authentication:
 * the task role may `rds-db:connect` as exactly that user, on this region's
 * cluster (by its resource id, `cluster-XXXX`, read in-region from the cluster
 * the data stack created) and, with the cross-region path on, on any cluster of
 * the peer region as the same user (the peer's resource id is not known
 * in-region without reading the other region: the user name is what narrows it).
 *
 * IAM authentication tokens live 15 minutes and are signed by the task role's
 * own rotating credentials: nothing to store, nothing to rotate, and the user
 * has only the grants the one-time SQL in docs/security.md gives it. The master
 * credentials stay for break-glass (database-credentials.ts).
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsRdsCluster } from "@cdktf/provider-aws/lib/data-aws-rds-cluster";
import { AccountContext } from "./account-context";
import { Statement } from "./grants";

export interface DatabaseUserGrantProps {
  readonly provider: AwsProvider;
  readonly account: AccountContext;
  readonly region: string;
  /** Identifier of this region's cluster (looked up in-region for its resource id). */
  readonly clusterIdentifier: string;
  /**
   * The peer region, whose clusters the application may reach through the global writer endpoint.
   * @default this region's cluster only
   */
  readonly peerRegion?: string;
  /** The database user (database.applicationUser). */
  readonly user: string;
}

export class DatabaseUserGrant extends Construct {
  readonly clusterResourceId: string;
  /** The statement to put in the role of whoever connects as the user. */
  readonly statement: Statement;

  constructor(scope: Construct, id: string, props: DatabaseUserGrantProps) {
    super(scope, id);
    const cluster = new DataAwsRdsCluster(this, "cluster", { provider: props.provider, clusterIdentifier: props.clusterIdentifier });
    this.clusterResourceId = cluster.clusterResourceId;
    const arns = props.account.arns;
    this.statement = {
      sid: "ConnectAsApplicationUser",
      effect: "Allow",
      actions: ["rds-db:connect"],
      resources: [
        arns.databaseUser(props.region, this.clusterResourceId, props.user),
        ...(props.peerRegion ? [arns.databaseUser(props.peerRegion, "cluster-*", props.user)] : []),
      ],
    };
  }
}
