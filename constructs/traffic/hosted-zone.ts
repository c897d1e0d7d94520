/**
 * The public hosted zone of the service's domain: created once (zone stack),
 * and found by name wherever else it is needed (certificates, records), so no
 * stack reads another's state for it.
 */
import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { Route53Zone } from "@cdktf/provider-aws/lib/route53-zone";
import { RemovalPolicy } from "../../lib/removal";
import { keepChildAddresses } from "../addressing";

export interface HostedZoneProps {
  /**
   * Provider of the zone (Route 53 is global; the stack's default provider).
   * @default the stack's default provider
   */
  readonly provider?: AwsProvider;
  readonly domainName: string;
  readonly comment: string;
  /**
   * "retain" refuses to destroy the zone; "destroy" deletes it with its records.
   * @default "retain"
   */
  readonly removal?: RemovalPolicy;
}

/** The zone and an output with its name servers (delegate the domain to them). Keeps its children's addresses. */
export class HostedZone extends Construct {
  readonly zone: Route53Zone;

  constructor(scope: Construct, id: string, props: HostedZoneProps) {
    super(scope, id);
    keepChildAddresses(this);
    const destroyable = (props.removal ?? "retain") === "destroy";
    this.zone = new Route53Zone(this, "zone", {
      provider: props.provider,
      name: props.domainName,
      comment: props.comment,
      forceDestroy: destroyable,
      lifecycle: destroyable ? undefined : { preventDestroy: true },
    });
    new TerraformOutput(this, "name-servers", {
      value: this.zone.nameServers,
      description: "Delegate the domain to these name servers at its parent zone or registrar.",
    });
  }
}

export interface HostedZoneLookupProps {
  readonly provider: AwsProvider;
  readonly domainName: string;
  /**
   * Id of an existing zone (dns.hostedZoneId): no lookup at all.
   * @default the public zone named domainName is looked up
   */
  readonly zoneId?: string;
}

/** The zone's id: the configured one, or the public zone found by name. Keeps its child's address. */
export class HostedZoneLookup extends Construct {
  readonly zoneId: string;

  constructor(scope: Construct, id: string, props: HostedZoneLookupProps) {
    super(scope, id);
    keepChildAddresses(this);
    this.zoneId =
      props.zoneId ?? new DataAwsRoute53Zone(this, "zone", { provider: props.provider, name: props.domainName, privateZone: false }).zoneId;
  }
}
