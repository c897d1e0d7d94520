/**
 * cross-region-<region>: the wiring between the two regions, one stack per
 * region, so that the DR region's half plans and applies with the primary
 * region gone (backup copies need no wiring: each region's plan copies to the
 * other region's vault by its built ARN).
 *
 * cross-region-<primary> (state in the primary region; reaches the DR region
 * through an aliased provider): the peering connection, requested here and
 * accepted through the DR region's provider (both sides' options must be set
 * in the same apply), the primary side's routes, the primary buckets'
 * replication to the DR region; and it publishes into the DR region what the
 * other half needs of the primary: the connection's id and the primary's data
 * key.
 *
 * cross-region-<secondary> (state in the DR region; DR region only): the DR
 * side's routes over that connection and the DR buckets' replication to the
 * primary, built from the published facts and names; nothing here reaches the
 * primary region (__tests__/outage.test.ts).
 */
import { Construct } from "constructs";
import { AccountContext } from "../constructs/security/account-context";
import { BucketReplication } from "../constructs/data/bucket-replication";
import { KeyLookup } from "../constructs/security/key-lookup";
import { PeerRoutes, VpcPeering } from "../constructs/network/vpc-peering";
import { PublishedFactLookup, PublishedFacts } from "../constructs/app/published-facts";
import { REPLICATED_BUCKET_PURPOSES, catalogOf } from "../lib/catalog";
import { DrStack, DrStackProps } from "./dr-stack";
import { regionCidr } from "./region-settings";

export class CrossRegionStack extends DrStack {
  readonly peering?: VpcPeering;
  readonly routes: PeerRoutes;
  readonly replication: BucketReplication;

  constructor(scope: Construct, props: DrStackProps) {
    super(scope, props);
    const { config } = this;
    const { primary, secondary } = config.regions;
    const catalogs = catalogOf(config);
    const home = this.homeRegion;
    const peer = home === primary ? secondary : primary;
    const account = new AccountContext(this, "account", { provider: this.provider, catalog: this.catalog });
    const side = (region: typeof home) => ({ provider: this.providerFor(region), region, cidr: regionCidr(config, region) });

    let connectionId: string;
    let peerDataKeyArn: string;
    if (home === primary) {
      this.peering = new VpcPeering(this, "peering", { names: this.catalog, requester: side(primary), accepter: side(secondary) });
      connectionId = this.peering.connectionId;
      const drKeys = new KeyLookup(this, "dr-keys", { provider: this.providerFor(secondary), aliases: catalogs.region(secondary).keyAliases });
      peerDataKeyArn = drKeys.arn("data");
      // What the DR region's half needs of this region, written there now, read there in-region later.
      const published = catalogs.region(secondary).published;
      new PublishedFacts(this, "published", {
        provider: this.providerFor(secondary),
        secretsKeyArn: drKeys.arn("secrets"),
        facts: {
          [published.peeringConnectionId]: { value: connectionId, description: `VPC peering connection between ${primary} and ${secondary}` },
          [published.peerDataKeyArn]: {
            value: new KeyLookup(this, "keys", { provider: this.provider, aliases: this.catalog.keyAliases }).arn("data"),
            description: `ARN of the data key of ${primary}: the key replicas written there are encrypted with`,
          },
        },
      });
    } else {
      const published = this.catalog.published;
      connectionId = new PublishedFactLookup(this, "peering-connection", { provider: this.provider, parameterName: published.peeringConnectionId }).value;
      peerDataKeyArn = new PublishedFactLookup(this, "peer-data-key", { provider: this.provider, parameterName: published.peerDataKeyArn }).value;
    }

    this.routes = new PeerRoutes(this, "routes", {
      names: this.catalog,
      side: side(home),
      peerCidr: regionCidr(config, peer),
      connectionId,
      availabilityZones: config.network.availabilityZones,
    });
    this.replication = new BucketReplication(this, "bucket-replication", {
      account,
      source: { region: home, provider: this.provider, names: this.catalog },
      destination: { region: peer, names: catalogs.region(peer), dataKeyArn: peerDataKeyArn },
      bucketPurposes: REPLICATED_BUCKET_PURPOSES,
      permissionsBoundaryArn: config.iam.permissionsBoundaryArn,
    });
  }
}
