/**
 * dns: Route 53 health checks and records for the service (global resources;
 * state in the DR region). It reads nothing from either region: the records
 * are aliases of the regional records each app stack creates for its own load
 * balancer, the health checks probe the regional names, and the zone is found
 * by name (or the configured id) through Route 53 itself.
 */
import { Construct } from "constructs";
import { DnsFailover, DnsRegion } from "../constructs/traffic/dns-failover";
import { HostedZoneLookup } from "../constructs/traffic/hosted-zone";
import { AwsRegion } from "../lib/aws-regions";
import { catalogOf } from "../lib/catalog";
import { route53FailureThreshold } from "../lib/timings";
import { DrStack, DrStackProps } from "./dr-stack";

export class DnsStack extends DrStack {
  readonly failover: DnsFailover;

  constructor(scope: Construct, props: DrStackProps) {
    super(scope, props);
    const { config, catalog } = this;
    const { primary, secondary } = config.regions;
    const zone = new HostedZoneLookup(this, "zone-lookup", { provider: this.provider, domainName: config.dns.domainName, zoneId: config.dns.hostedZoneId });
    const dnsRegion = (region: AwsRegion): DnsRegion => {
      const names = catalogOf(config).region(region);
      return { region, role: names.role, regionalHost: names.regionalHost, witness: names.witness(region) };
    };
    this.failover = new DnsFailover(this, "failover", {
      provider: this.provider,
      hostedZoneId: zone.zoneId,
      globalHost: catalog.globalHost,
      routing: config.dns.routing,
      healthCheckPath: config.service.healthCheckPath,
      failureThreshold: route53FailureThreshold(config.targets.rtoSeconds),
      checkerRegions: config.dns.healthCheckRegions,
      witnessTtlSeconds: config.dns.witnessTtlSeconds,
      regions: [dnsRegion(primary), dnsRegion(secondary)],
      names: catalog,
    });
  }
}
