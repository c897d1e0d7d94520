/**
 * The public hosted zone, created early and on its own so that certificates
 * (application stacks) and records (DNS stack) both find it by name, with no
 * cycle and no cross-region state read. Absent when the configuration names an
 * existing zone.
 */
import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { Route53Zone } from "@cdktf/provider-aws/lib/route53-zone";
import { DrStack, DrStackProps } from "./dr-stack";

export class ZoneStack extends DrStack {
  readonly zone: Route53Zone;

  constructor(scope: Construct, props: DrStackProps) {
    super(scope, props);
    const destroyable = this.config.destroyProfile === "destroyable";
    this.zone = new Route53Zone(this, "zone", {
      name: this.config.dns.domainName,
      comment: `${this.config.project} ${this.config.environment} disaster-recovery zone (managed by cdktf)`,
      forceDestroy: destroyable,
      lifecycle: destroyable ? undefined : { preventDestroy: true },
    });
    new TerraformOutput(this, "name-servers", {
      value: this.zone.nameServers,
      description: "Delegate the domain to these name servers at its parent zone or registrar.",
    });
  }
}
