/**
 * dns: Route 53 health checks and records for the service (global resources;
 * state in the DR region), and the EventBridge global endpoint when
 * configured. Load balancers are found by name in their own region; the zone
 * by name (or the configured id): nothing is read from another stack's state.
 */
import { Construct } from "constructs";
import { AccountContext } from "../constructs/security/account-context";
import { DnsFailover, DnsRegion } from "../constructs/traffic/dns-failover";
import { EventGlobalEndpoint } from "../constructs/traffic/event-global-endpoint";
import { HostedZoneLookup } from "../constructs/traffic/hosted-zone";
import { AwsRegion } from "../lib/aws-regions";
import { catalogOf } from "../lib/catalog";
import { route53FailureThreshold } from "../lib/timings";
import { DrStack, DrStackProps } from "./dr-stack";

export class DnsStack extends DrStack {
  readonly failover: DnsFailover;
  readonly globalEndpoint?: EventGlobalEndpoint;

  constructor(scope: Construct, props: DrStackProps) {
    super(scope, props);
    const { config, catalog } = this;
    const { primary, secondary } = config.regions;
    const zone = new HostedZoneLookup(this, "zone-lookup", { provider: this.provider, domainName: config.dns.domainName, zoneId: config.dns.hostedZoneId });
    const dnsRegion = (region: AwsRegion): DnsRegion => {
      const names = catalogOf(config).region(region);
      return {
        region,
        provider: this.providerFor(region),
        role: names.role,
        loadBalancerName: names.loadBalancer,
        regionalHost: names.regionalHost,
        gateAlarmName: names.ownGateAlarm,
        gateAlarmRegion: names.peerRegion,
      };
    };
    this.failover = new DnsFailover(this, "failover", {
      provider: this.provider,
      hostedZoneId: zone.zoneId,
      globalHost: catalog.globalHost,
      routing: config.dns.routing,
      healthCheckPath: config.service.healthCheckPath,
      failureThreshold: route53FailureThreshold(config.targets.rtoSeconds),
      checkerRegions: config.dns.healthCheckRegions,
      regions: [dnsRegion(primary), dnsRegion(secondary)],
      names: catalog,
    });
    if (config.events.globalEndpoint) {
      this.globalEndpoint = new EventGlobalEndpoint(this, "event-global-endpoint", {
        provider: this.providerFor(primary),
        account: new AccountContext(this, "account", { provider: this.provider, catalog }),
        endpointName: catalog.globalEndpoint,
        primaryRegion: primary,
        secondaryRegion: secondary,
        healthCheckArn: this.failover.regionChecks.get(primary)!.arn,
        roleName: catalog.eventReplicationRole,
        permissionsBoundaryArn: config.iam.permissionsBoundaryArn,
      });
    }
  }
}
