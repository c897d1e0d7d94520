/**
 * Route 53 for the service: per region, an HTTPS health check of the region's
 * own name, a CloudWatch-metric health check on the region's traffic gate
 * (an alarm in the other region), and a calculated check that needs both; the
 * regional alias records; and the global name, routed by failover (PRIMARY =
 * active region) or by weight (all weight on the active region), with the
 * calculated checks. Records are keyed by region (set identifier = region), so
 * a change of the active region is an in-place update of their roles.
 *
 * The failover automation never edits these records (the Route 53 control
 * plane lives in us-east-1): it closes a region's gate by publishing a metric,
 * and that region's calculated check fails.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsLb } from "@cdktf/provider-aws/lib/data-aws-lb";
import { Route53HealthCheck } from "@cdktf/provider-aws/lib/route53-health-check";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { AwsRegion } from "../../lib/aws-regions";
import { RegionCatalog } from "../../lib/catalog";
import { RegionRole } from "../../lib/config/model";
import { ROUTE53_REQUEST_INTERVAL_SECONDS } from "../../lib/timings";

export interface DnsRegion {
  readonly region: AwsRegion;
  /** Provider that reaches the region, for the load balancer lookup. */
  readonly provider: AwsProvider;
  readonly role: RegionRole;
  readonly loadBalancerName: string;
  readonly regionalHost: string;
  /** Name and region of the alarm behind this region's gate (it lives in the other region). */
  readonly gateAlarmName: string;
  readonly gateAlarmRegion: AwsRegion;
}

export interface DnsFailoverProps {
  /** Provider for the global Route 53 resources. */
  readonly provider: AwsProvider;
  readonly hostedZoneId: string;
  readonly globalHost: string;
  readonly routing: "failover" | "weighted";
  readonly healthCheckPath: string;
  readonly failureThreshold: number;
  readonly checkerRegions: readonly string[];
  readonly regions: readonly [DnsRegion, DnsRegion];
  /** The health checks' Name tags. */
  readonly names: Pick<RegionCatalog, "healthCheck">;
}

export class DnsFailover extends Construct {
  readonly endpointChecks = new Map<AwsRegion, Route53HealthCheck>();
  readonly gateChecks = new Map<AwsRegion, Route53HealthCheck>();
  readonly regionChecks = new Map<AwsRegion, Route53HealthCheck>();
  readonly globalRecords: Route53Record[] = [];

  constructor(scope: Construct, id: string, props: DnsFailoverProps) {
    super(scope, id);
    const { provider } = props;
    for (const r of props.regions) {
      const lb = new DataAwsLb(this, `load-balancer-${r.region}`, { provider: r.provider, name: r.loadBalancerName });
      const endpoint = new Route53HealthCheck(this, `endpoint-${r.region}`, {
        provider,
        type: "HTTPS",
        fqdn: r.regionalHost,
        port: 443,
        resourcePath: props.healthCheckPath,
        enableSni: true,
        requestInterval: ROUTE53_REQUEST_INTERVAL_SECONDS,
        failureThreshold: props.failureThreshold,
        regions: [...props.checkerRegions],
        tags: { Name: props.names.healthCheck("endpoint", r.region) },
      });
      const gate = new Route53HealthCheck(this, `gate-${r.region}`, {
        provider,
        type: "CLOUDWATCH_METRIC",
        cloudwatchAlarmName: r.gateAlarmName,
        cloudwatchAlarmRegion: r.gateAlarmRegion,
        // No gate data yet means never fenced: the gate is open.
        insufficientDataHealthStatus: "Healthy",
        tags: { Name: props.names.healthCheck("gate", r.region) },
      });
      const combined = new Route53HealthCheck(this, `region-${r.region}`, {
        provider,
        type: "CALCULATED",
        childHealthchecks: [endpoint.id, gate.id],
        childHealthThreshold: 2,
        tags: { Name: props.names.healthCheck("region", r.region) },
      });
      this.endpointChecks.set(r.region, endpoint);
      this.gateChecks.set(r.region, gate);
      this.regionChecks.set(r.region, combined);

      const alias = { name: lb.dnsName, zoneId: lb.zoneId, evaluateTargetHealth: true };
      new Route53Record(this, `regional-${r.region}`, { provider, zoneId: props.hostedZoneId, name: r.regionalHost, type: "A", alias });
      this.globalRecords.push(
        new Route53Record(this, `global-${r.region}`, {
          provider,
          zoneId: props.hostedZoneId,
          name: props.globalHost,
          type: "A",
          alias,
          setIdentifier: r.region,
          healthCheckId: combined.id,
          ...(props.routing === "failover"
            ? { failoverRoutingPolicy: { type: r.role === "active" ? "PRIMARY" : "SECONDARY" } }
            : { weightedRoutingPolicy: { weight: r.role === "active" ? 100 : 0 } }),
        }),
      );
    }
  }
}
