/**
 * Bootstrap (local state): the state buckets, keys and lock tables of both
 * regions, which every other stack's S3 backend points at. Apply it once per
 * environment before anything else.
 */
import { Construct } from "constructs";
import { StateStore } from "../constructs/data/state-store";
import { s3StateNames } from "./backend";
import { DrStack, DrStackProps } from "./dr-stack";

export class BootstrapStack extends DrStack {
  readonly stores: StateStore[];

  constructor(scope: Construct, props: DrStackProps) {
    super(scope, props);
    const { config } = this;
    const locking = config.backend.type === "s3" ? config.backend.locking : "lockfile";
    this.stores = [config.regions.primary, config.regions.secondary].map((region) => {
      const names = s3StateNames(config, region);
      return new StateStore(this, `state-${region}`, {
        provider: this.providerFor(region),
        catalog: this.catalog,
        bucketName: names.bucket,
        keyAlias: names.keyAlias,
        lockTableName: locking === "lockfile" ? undefined : names.lockTable,
        keyDeletionWindowDays: config.kms.deletionWindowDays,
        stateVersionDays: config.retention.stateVersionDays,
        deployRoleArns: config.iam.deployRoleArns,
        breakGlassRoleArns: config.iam.breakGlassRoleArns,
        keyAdministratorArns: config.kms.administratorRoleArns,
      });
    });
  }
}
