/**
 * dns: Route 53 health checks and records for the service (global resources;
 * state in the DR region), and the EventBridge global endpoint when
 * configured. Load balancers are found by name in their own region; the zone
 * by name (or the configured id): nothing is read from another stack's state.
 */
import { Construct } from "constructs";
import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { AccountContext } from "../constructs/security/account-context";
import { DnsFailover } from "../constructs/traffic/dns-failover";
import { EventGlobalEndpoint } from "../constructs/traffic/event-global-endpoint";
import { otherRegion, roleOf } from "../lib/config/model";
import { globalHost, regionalHost } from "../lib/endpoints";
import { route53FailureThreshold } from "../lib/timings";
import { DrStack, DrStackProps } from "./dr-stack";

export class DnsStack extends DrStack {
  readonly failover: DnsFailover;
  readonly globalEndpoint?: EventGlobalEndpoint;

  constructor(scope: Construct, props: DrStackProps) {
    super(scope, props);
    const { config, naming } = this;
    const { primary, secondary } = config.regions;
    const hostedZoneId =
      config.dns.hostedZoneId ??
      new DataAwsRoute53Zone(this, "zone", { provider: this.provider, name: config.dns.domainName, privateZone: false }).zoneId;
    const dnsRegion = (region: typeof primary) => ({
      region,
      provider: this.providerFor(region),
      role: roleOf(config, region),
      loadBalancerName: naming.name("loadBalancer", "app"),
      regionalHost: regionalHost(config, region),
      gateAlarmName: naming.name("gateAlarm", "gate", region),
      gateAlarmRegion: otherRegion(config, region),
    });
    this.failover = new DnsFailover(this, "failover", {
      provider: this.provider,
      hostedZoneId,
      globalHost: globalHost(config),
      routing: config.dns.routing,
      healthCheckPath: config.service.healthCheckPath,
      failureThreshold: route53FailureThreshold(config.targets.rtoSeconds),
      checkerRegions: config.dns.healthCheckRegions,
      regions: [dnsRegion(primary), dnsRegion(secondary)],
      namePrefix: `${config.project}-${config.suffix}`,
    });
    if (config.events.globalEndpoint) {
      this.globalEndpoint = new EventGlobalEndpoint(this, "event-global-endpoint", {
        provider: this.providerFor(primary),
        account: new AccountContext(this, "account", { provider: this.provider }),
        endpointName: naming.name("globalEndpoint", "events"),
        busName: naming.name("eventBus", "events"),
        primaryRegion: primary,
        secondaryRegion: secondary,
        healthCheckArn: this.failover.regionChecks.get(primary)!.arn,
        roleName: naming.name("iamRole", "event-replication", primary),
        permissionsBoundaryArn: config.iam.permissionsBoundaryArn,
      });
    }
  }
}
