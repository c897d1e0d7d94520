/**
 * data-<region>: the data tier of one region. The primary region's stack
 * (the founding region) owns the global cluster, its own cluster and the
 * global tables, and the database credentials; the secondary's joins them by
 * name. Keys come from the region's own base stack, looked up by alias.
 */
import { Construct } from "constructs";
import { DataAwsKmsAlias } from "@cdktf/provider-aws/lib/data-aws-kms-alias";
import { DatabaseCredentials } from "../constructs/database-credentials";
import { DrStack, DrStackProps } from "./dr-stack";

export class DataStack extends DrStack {
  readonly credentials?: DatabaseCredentials;

  constructor(scope: Construct, props: DrStackProps) {
    super(scope, props);
    const { config, naming } = this;
    const founding = this.homeRegion === config.regions.primary;
    if (founding) {
      const secretsKey = new DataAwsKmsAlias(this, "secrets-key", { provider: this.provider, name: naming.kmsAlias("secrets") });
      this.credentials = new DatabaseCredentials(this, "database-credentials", {
        provider: this.provider,
        secretName: naming.name("secret", "db-master"),
        kmsKeyArn: secretsKey.targetKeyArn,
        replicaRegion: config.regions.secondary,
        // Aliases are regional: this one names the DR region's own secrets key.
        replicaKmsKeyId: naming.kmsAlias("secrets"),
        engine: config.database.engine,
        username: config.database.masterUsername,
        databaseName: config.database.databaseName,
        port: config.database.port,
        passwordVersion: config.database.masterPasswordVersion,
        destroyable: config.destroyProfile === "destroyable",
      });
    }
  }
}
