/**
 * Cross-region peering between the two VPCs, both sides in one stack: the
 * requester in the primary region, the accepter through the DR region's
 * provider (auto_accept on the requester is not allowed across regions), DNS
 * resolution allowed both ways, and a route to the peer CIDR in every private
 * and isolated route table of both sides.
 *
 * The VPCs and route tables are found by their Name tags with each region's
 * own provider, never through another stack's state.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsRouteTable } from "@cdktf/provider-aws/lib/data-aws-route-table";
import { DataAwsVpc } from "@cdktf/provider-aws/lib/data-aws-vpc";
import { Route } from "@cdktf/provider-aws/lib/route";
import { VpcPeeringConnection } from "@cdktf/provider-aws/lib/vpc-peering-connection";
import { VpcPeeringConnectionAccepterA } from "@cdktf/provider-aws/lib/vpc-peering-connection-accepter";
import { VpcPeeringConnectionOptions } from "@cdktf/provider-aws/lib/vpc-peering-connection-options";
import { AwsRegion } from "../../lib/aws-regions";
import { RegionCatalog } from "../../lib/catalog";
import { TIER_TAG } from "./network";

export interface PeeringSide {
  readonly provider: AwsProvider;
  readonly region: AwsRegion;
  readonly cidr: string;
}

export interface VpcPeeringProps {
  /** Names of the VPCs, route tables and the connection (the same in both regions). */
  readonly names: Pick<RegionCatalog, "vpc" | "peering" | "indexed">;
  /** The primary region's side: it requests the connection. */
  readonly requester: PeeringSide;
  /** The DR region's side: it accepts. */
  readonly accepter: PeeringSide;
  /** Availability zones per region: one private and one isolated route table each. */
  readonly availabilityZones: number;
}

export class VpcPeering extends Construct {
  readonly connection: VpcPeeringConnection;
  readonly routes: Route[] = [];

  constructor(scope: Construct, id: string, props: VpcPeeringProps) {
    super(scope, id);
    const { names, requester, accepter } = props;
    const vpcOf = (side: PeeringSide, name: string) =>
      new DataAwsVpc(this, `${name}-vpc`, {
        provider: side.provider,
        cidrBlock: side.cidr,
        tags: { Name: names.vpc },
      });
    const requesterVpc = vpcOf(requester, "requester");
    const accepterVpc = vpcOf(accepter, "accepter");

    this.connection = new VpcPeeringConnection(this, "connection", {
      provider: requester.provider,
      vpcId: requesterVpc.id,
      peerVpcId: accepterVpc.id,
      peerRegion: accepter.region,
      tags: { Name: names.peering },
    });
    const acceptance = new VpcPeeringConnectionAccepterA(this, "accepter", {
      provider: accepter.provider,
      vpcPeeringConnectionId: this.connection.id,
      autoAccept: true,
      tags: { Name: names.peering },
    });
    new VpcPeeringConnectionOptions(this, "requester-options", {
      provider: requester.provider,
      vpcPeeringConnectionId: acceptance.vpcPeeringConnectionId,
      requester: { allowRemoteVpcDnsResolution: true },
    });
    new VpcPeeringConnectionOptions(this, "accepter-options", {
      provider: accepter.provider,
      vpcPeeringConnectionId: acceptance.vpcPeeringConnectionId,
      accepter: { allowRemoteVpcDnsResolution: true },
    });

    const routeTo = (side: PeeringSide, sideName: string, vpcId: string, peerCidr: string) => {
      for (const tier of ["private", "isolated"] as const) {
        for (let i = 0; i < props.availabilityZones; i++) {
          const table = new DataAwsRouteTable(this, `${sideName}-${tier}-${i + 1}-routes`, {
            provider: side.provider,
            vpcId,
            tags: { Name: names.indexed(tier, i), [TIER_TAG]: tier },
          });
          this.routes.push(
            new Route(this, `${sideName}-${tier}-${i + 1}-to-peer`, {
              provider: side.provider,
              routeTableId: table.id,
              destinationCidrBlock: peerCidr,
              vpcPeeringConnectionId: acceptance.vpcPeeringConnectionId,
            }),
          );
        }
      }
    };
    routeTo(requester, "requester", requesterVpc.id, accepter.cidr);
    routeTo(accepter, "accepter", accepterVpc.id, requester.cidr);
  }
}
