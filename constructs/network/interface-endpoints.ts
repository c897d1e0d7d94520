/**
 * Interface endpoints for every AWS API the private workloads and the
 * failover path call, so that the failover path of a region works with no NAT
 * gateway and no internet. Private DNS makes the SDKs use them unchanged.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { AwsRegion } from "../../lib/aws-regions";
import { RegionCatalog } from "../../lib/catalog";
import { InterfaceEndpointService } from "../../lib/endpoint-services";

export interface InterfaceEndpointsProps {
  readonly provider: AwsProvider;
  readonly region: AwsRegion;
  readonly vpcId: string;
  readonly subnetIds: string[];
  readonly securityGroupId: string;
  readonly services: readonly InterfaceEndpointService[];
  /** The endpoints' Name tags, by service. */
  readonly names: Pick<RegionCatalog, "endpoint">;
}

export class InterfaceEndpoints extends Construct {
  readonly endpoints: ReadonlyMap<InterfaceEndpointService, VpcEndpoint>;

  constructor(scope: Construct, id: string, props: InterfaceEndpointsProps) {
    super(scope, id);
    const endpoints = new Map<InterfaceEndpointService, VpcEndpoint>();
    for (const service of props.services) {
      endpoints.set(
        service,
        new VpcEndpoint(this, service.replace(/\./g, "-"), {
          provider: props.provider,
          vpcId: props.vpcId,
          serviceName: `com.amazonaws.${props.region}.${service}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: props.subnetIds,
          securityGroupIds: [props.securityGroupId],
          tags: { Name: props.names.endpoint(service) },
        }),
      );
    }
    this.endpoints = endpoints;
  }
}
