/**
 * The public hosted zone, created early and on its own so that certificates
 * (application stacks) and records (DNS stack) both find it, with no cycle and
 * no cross-region state read. Absent when the configuration names an existing
 * zone. Its id is published into the DR region (the stack's home) as a
 * parameter, so the DR region's stacks read it in-region and never call Route
 * 53's control plane, which lives in us-east-1, to find it.
 */
import { Construct } from "constructs";
import { HostedZone } from "../constructs/traffic/hosted-zone";
import { KeyLookup } from "../constructs/security/key-lookup";
import { PublishedFacts } from "../constructs/app/published-facts";
import { DrStack, DrStackProps } from "./dr-stack";

export class ZoneStack extends DrStack {
  readonly hostedZone: HostedZone;

  constructor(scope: Construct, props: DrStackProps) {
    super(scope, props);
    const { catalog } = this;
    this.hostedZone = new HostedZone(this, "hosted-zone", {
      domainName: this.config.dns.domainName,
      comment: `${this.config.project} ${this.config.environment} disaster-recovery zone (managed by cdktf)`,
      removal: this.removal,
    });
    const keys = new KeyLookup(this, "keys", { provider: this.provider, aliases: catalog.keyAliases });
    new PublishedFacts(this, "published", {
      provider: this.provider,
      secretsKeyArn: keys.arn("secrets"),
      facts: {
        [catalog.published.hostedZoneId]: {
          value: this.hostedZone.zone.zoneId,
          description: `Id of the public hosted zone ${this.config.dns.domainName}, for the stacks of this region`,
        },
      },
    });
  }
}
