/**
 * replicas-<secondary>: the DR region's replicas of the founding region's
 * DynamoDB global tables (built table ARNs, this region's own data key).
 *
 * On their own because of what AWS and the provider make of them: every
 * refresh of an aws_dynamodb_table_replica reads the main table in the primary
 * region (DescribeTable there; hashicorp/aws table_replica.go), so a stack that
 * holds one cannot plan while the primary region is gone. Nothing about the
 * replicas changes on a failover (they keep serving and replicating by
 * themselves), so this stack stays out of the DR region's failover path
 * (stacks/layout.ts OUTSIDE_FAILOVER_PATH; docs/outage-operations.md).
 */
import { Construct } from "constructs";
import { AccountContext } from "../constructs/security/account-context";
import { GlobalTableReplica } from "../constructs/data/global-table";
import { KeyLookup } from "../constructs/security/key-lookup";
import { DrStack, DrStackProps } from "./dr-stack";

export class ReplicasStack extends DrStack {
  readonly replicas: readonly GlobalTableReplica[];

  constructor(scope: Construct, props: DrStackProps) {
    super(scope, props);
    const { config, catalog, removal } = this;
    const account = new AccountContext(this, "account", { provider: this.provider, catalog });
    const keys = new KeyLookup(this, "keys", { provider: this.provider, aliases: catalog.keyAliases });
    this.replicas = catalog.globalTables.map(
      (t) =>
        new GlobalTableReplica(this, `table-${t.purpose}`, {
          provider: this.provider,
          globalTableArn: account.arns.table(t.tableName, config.regions.primary),
          kmsKeyArn: keys.arn("data"),
          removal,
        }),
    );
  }
}
