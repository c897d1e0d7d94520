/**
 * The public hosted zone, created early and on its own so that certificates
 * (application stacks) and records (DNS stack) both find it by name, with no
 * cycle and no cross-region state read. Absent when the configuration names an
 * existing zone.
 */
import { Construct } from "constructs";
import { HostedZone } from "../constructs/traffic/hosted-zone";
import { DrStack, DrStackProps } from "./dr-stack";

export class ZoneStack extends DrStack {
  readonly hostedZone: HostedZone;

  constructor(scope: Construct, props: DrStackProps) {
    super(scope, props);
    this.hostedZone = new HostedZone(this, "hosted-zone", {
      domainName: this.config.dns.domainName,
      comment: `${this.config.project} ${this.config.environment} disaster-recovery zone (managed by cdktf)`,
      removal: this.removal,
    });
  }
}
