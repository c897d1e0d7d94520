/**
 * cross-region: the wiring between the two regions (peering now; replication
 * and backup-copy wiring later). State in the DR region; the primary region is
 * reached through an aliased provider, and everything in it is found by name.
 */
import { Construct } from "constructs";
import { VpcPeering } from "../constructs/vpc-peering";
import { DrStack, DrStackProps } from "./dr-stack";
import { regionCidr } from "./region-settings";

export class CrossRegionStack extends DrStack {
  readonly peering: VpcPeering;

  constructor(scope: Construct, props: DrStackProps) {
    super(scope, props);
    const { primary, secondary } = this.config.regions;
    this.peering = new VpcPeering(this, "peering", {
      naming: this.naming,
      requester: { provider: this.providerFor(primary), region: primary, cidr: regionCidr(this.config, primary) },
      accepter: { provider: this.providerFor(secondary), region: secondary, cidr: regionCidr(this.config, secondary) },
      availabilityZones: this.config.network.availabilityZones,
    });
  }
}
