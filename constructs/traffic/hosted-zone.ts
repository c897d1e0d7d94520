/**
 * The public hosted zone of the service's domain: created once (zone stack),
 * and found wherever else it is needed (certificates, records) without reading
 * another stack's state: by the configured id, by the id the zone stack
 * publishes into the DR region (so the DR region's stacks never call Route 53's
 * control plane, in us-east-1, to find it), or by name.
 */
import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { Route53Zone } from "@cdktf/provider-aws/lib/route53-zone";
import { RemovalPolicy } from "../../lib/removal";
import { keepChildAddresses } from "../addressing";
import { PublishedFactLookup } from "../app/published-facts";

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

/** Name of the zone stack's output that lists the zone's name servers (read by the first-deploy sequence). */
export const NAME_SERVERS_OUTPUT = "name-servers";

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
    new TerraformOutput(this, NAME_SERVERS_OUTPUT, {
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
   * @default the zone is found by zoneIdParameter, or by name
   */
  readonly zoneId?: string;
  /**
   * Name of the parameter, in the provider's region, that holds the id the zone stack published (the catalog's
   * `published.hostedZoneId`, written in the DR region): read in-region, so no call reaches Route 53's control plane.
   * @default the public zone named domainName is looked up in Route 53
   */
  readonly zoneIdParameter?: string;
}

/** The zone's id: the configured one, the published one, or the public zone found by name. Keeps its child's address. */
export class HostedZoneLookup extends Construct {
  readonly zoneId: string;

  constructor(scope: Construct, id: string, props: HostedZoneLookupProps) {
    super(scope, id);
    keepChildAddresses(this);
    if (props.zoneId !== undefined) this.zoneId = props.zoneId;
    else if (props.zoneIdParameter !== undefined) {
      this.zoneId = new PublishedFactLookup(this, "zone-id", { provider: props.provider, parameterName: props.zoneIdParameter }).value;
    } else this.zoneId = new DataAwsRoute53Zone(this, "zone", { provider: props.provider, name: props.domainName, privateZone: false }).zoneId;
  }
}
