/**
 * cross-region: the wiring between the two regions: VPC peering and two-way
 * bucket replication (backup copies need no wiring: each region's plan copies
 * to the other region's vault by its built ARN). State in the DR region; the primary region is
 * reached through an aliased provider, and everything in it is found by name.
 */
import { Construct } from "constructs";
import { AccountContext } from "../constructs/security/account-context";
import { BucketReplication } from "../constructs/data/bucket-replication";
import { REPLICATED_BUCKET_PURPOSES, catalogOf } from "../lib/catalog";
import { VpcPeering } from "../constructs/network/vpc-peering";
import { DrStack, DrStackProps } from "./dr-stack";
import { regionCidr } from "./region-settings";

export class CrossRegionStack extends DrStack {
  readonly peering: VpcPeering;
  readonly replication: BucketReplication;

  constructor(scope: Construct, props: DrStackProps) {
    super(scope, props);
    const { primary, secondary } = this.config.regions;
    const catalog = catalogOf(this.config);
    this.peering = new VpcPeering(this, "peering", {
      names: this.catalog,
      requester: { provider: this.providerFor(primary), region: primary, cidr: regionCidr(this.config, primary) },
      accepter: { provider: this.providerFor(secondary), region: secondary, cidr: regionCidr(this.config, secondary) },
      availabilityZones: this.config.network.availabilityZones,
    });
    this.replication = new BucketReplication(this, "bucket-replication", {
      account: new AccountContext(this, "account", { provider: this.provider, catalog: this.catalog }),
      regions: [
        { region: primary, provider: this.providerFor(primary), names: catalog.region(primary) },
        { region: secondary, provider: this.providerFor(secondary), names: catalog.region(secondary) },
      ],
      bucketPurposes: REPLICATED_BUCKET_PURPOSES,
      permissionsBoundaryArn: this.config.iam.permissionsBoundaryArn,
    });
  }
}
