/**
 * The region's own name (<recordName>-<region code>.<domainName>): an alias of
 * its load balancer, created with the load balancer in the region's app stack,
 * so that no other stack needs to look the load balancer up. The global records
 * (dns stack) are aliases of these records, and every health check probes them.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";

export interface RegionalRecordProps {
  readonly provider: AwsProvider;
  readonly hostedZoneId: string;
  /** The regional name. */
  readonly name: string;
  readonly loadBalancerDnsName: string;
  readonly loadBalancerZoneId: string;
}

export class RegionalRecord extends Construct {
  readonly record: Route53Record;

  constructor(scope: Construct, id: string, props: RegionalRecordProps) {
    super(scope, id);
    this.record = new Route53Record(this, "record", {
      provider: props.provider,
      zoneId: props.hostedZoneId,
      name: props.name,
      type: "A",
      // Health is decided by the Route 53 checks of the global records, not by target health.
      alias: { name: props.loadBalancerDnsName, zoneId: props.loadBalancerZoneId, evaluateTargetHealth: false },
    });
  }
}
