/**
 * Cross-region peering between the two VPCs.
 *
 * VpcPeering: the connection, requested in the primary region, accepted
 * through the DR region's provider (auto_accept on the requester is not allowed
 * across regions), DNS resolution allowed both ways. Both sides live in the
 * primary region's cross-region stack: each side's options can be set only by
 * that side once the connection is active, so request, accept and options must
 * run in one apply.
 *
 * PeerRoutes: a route to the peer CIDR in every private and isolated route table
 * of one side, over a connection known by id. The primary side's routes sit with
 * the connection; the DR side's live in the DR region's cross-region stack, which
 * reads the connection's id from the parameter the primary side publishes into
 * the DR region, so that stack needs nothing of the primary region to plan.
 *
 * VPCs and route tables are found by their Name tags with each region's own
 * provider, never through another stack's state.
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
  /** Names of the VPCs and the connection (the same in both regions). */
  readonly names: Pick<RegionCatalog, "vpc" | "peering">;
  /** The primary region's side: it requests the connection. */
  readonly requester: PeeringSide;
  /** The DR region's side: it accepts. */
  readonly accepter: PeeringSide;
}

export class VpcPeering extends Construct {
  readonly connection: VpcPeeringConnection;
  readonly acceptance: VpcPeeringConnectionAccepterA;

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
    this.acceptance = new VpcPeeringConnectionAccepterA(this, "accepter", {
      provider: accepter.provider,
      vpcPeeringConnectionId: this.connection.id,
      autoAccept: true,
      tags: { Name: names.peering },
    });
    new VpcPeeringConnectionOptions(this, "requester-options", {
      provider: requester.provider,
      vpcPeeringConnectionId: this.acceptance.vpcPeeringConnectionId,
      requester: { allowRemoteVpcDnsResolution: true },
    });
    new VpcPeeringConnectionOptions(this, "accepter-options", {
      provider: accepter.provider,
      vpcPeeringConnectionId: this.acceptance.vpcPeeringConnectionId,
      accepter: { allowRemoteVpcDnsResolution: true },
    });
  }

  /** The connection's id once accepted (routes over it work only then). */
  get connectionId(): string {
    return this.acceptance.vpcPeeringConnectionId;
  }
}

export interface PeerRoutesProps {
  /** Names of the VPC and its route tables (the same in both regions). */
  readonly names: Pick<RegionCatalog, "vpc" | "indexed">;
  /** The side whose route tables get the routes. */
  readonly side: PeeringSide;
  /** The peer VPC's CIDR, routed over the connection. */
  readonly peerCidr: string;
  readonly connectionId: string;
  /** Availability zones per region: one private and one isolated route table each. */
  readonly availabilityZones: number;
}

export class PeerRoutes extends Construct {
  readonly routes: Route[] = [];

  constructor(scope: Construct, id: string, props: PeerRoutesProps) {
    super(scope, id);
    const { names, side } = props;
    const vpc = new DataAwsVpc(this, "vpc", { provider: side.provider, cidrBlock: side.cidr, tags: { Name: names.vpc } });
    for (const tier of ["private", "isolated"] as const) {
      for (let i = 0; i < props.availabilityZones; i++) {
        const table = new DataAwsRouteTable(this, `${tier}-${i + 1}-routes`, {
          provider: side.provider,
          vpcId: vpc.id,
          tags: { Name: names.indexed(tier, i), [TIER_TAG]: tier },
        });
        this.routes.push(
          new Route(this, `${tier}-${i + 1}-to-peer`, {
            provider: side.provider,
            routeTableId: table.id,
            destinationCidrBlock: props.peerCidr,
            vpcPeeringConnectionId: props.connectionId,
          }),
        );
      }
    }
  }
}
