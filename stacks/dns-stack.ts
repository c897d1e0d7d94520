/**
 * dns: Route 53 health checks and records for the service (global resources;
 * state in the DR region). It reads nothing from either region: the records
 * are aliases of the regional records each app stack creates for its own load
 * balancer, the health checks probe the regional names, and the zone's id is
 * the configured one or the one the zone stack published in this region.
 */
import { Construct } from "constructs";
import { DnsFailover, DnsRegion } from "../constructs/traffic/dns-failover";
import { HostedZoneLookup } from "../constructs/traffic/hosted-zone";
import { AwsRegion } from "../lib/aws-regions";
import { catalogOf } from "../lib/catalog";
import { route53FailureThreshold } from "../lib/timings";
import { createsHostedZone } from "./layout";
import { DrStack, DrStackProps } from "./dr-stack";

export class DnsStack extends DrStack {
  readonly failover: DnsFailover;

  constructor(scope: Construct, props: DrStackProps) {
    super(scope, props);
    const { config, catalog } = this;
    const { primary, secondary } = config.regions;
    // The id the zone stack published in the DR region (this stack's region): read in-region, so planning this stack
    // never calls Route 53's control plane in us-east-1 (docs/outage-operations.md).
    const zone = new HostedZoneLookup(this, "zone-lookup", {
      provider: this.provider,
      domainName: config.dns.domainName,
      zoneId: config.dns.hostedZoneId,
      zoneIdParameter: createsHostedZone(config) ? catalog.published.hostedZoneId : undefined,
    });
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
      preRouteStandby: config.dns.preRouteStandby,
      regions: [dnsRegion(primary), dnsRegion(secondary)],
      names: catalog,
    });
  }
}
