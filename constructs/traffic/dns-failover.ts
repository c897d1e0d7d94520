/**
 * Route 53 for the service (global resources; no load balancer lookup, nothing
 * read from either region). Per region, HTTPS health checks of the region's
 * own name (the regional record its app stack creates):
 *
 *   alive  /.dr/alive: the load balancer answers (fixed response, never gated)
 *   gate   /.dr/gate: the region's traffic gate is open (failure threshold 2)
 *   app    the service's health path (forwarded past the gate)
 *   region calculated: gate AND app
 *
 * The global name is one alias record per region, each an alias of that
 * region's regional record, routed by failover (PRIMARY = active region) or
 * weight (all weight on the active region). Records are keyed by region (set
 * identifier = region), so a change of the active region updates their roles
 * in place. The active region's record carries its `region` check: the record
 * follows the gate, so a returning, fenced active region gets no clients. The
 * standby's record carries only its `app` check (`preRouteStandby`): Route 53
 * answers a record of lower preference only when the preferred one is
 * unhealthy, so clients reach the standby once the active region's record
 * fails, meet its closed gate, and are served the moment the promotion opens
 * it; with every record unhealthy Route 53 answers the preferred one, so a
 * failure of the standby while it is the writer sends clients back to the
 * active region's gate in the same way.
 *
 * The witnesses: per region two TXT failover pairs (`_dr-alive-<code>` on the
 * alive check, `_dr-app-<code>` on the app check) whose PRIMARY answers "up"
 * while the check is healthy and whose SECONDARY (no check) answers "down"
 * otherwise. The other region's automation resolves them through its VPC
 * resolver: Route 53's checkers in several regions become a vantage point that
 * shares no failure domain with the deciding region's egress
 * (docs/failover-protocol.md, "Evidence").
 *
 * The failover automation never edits these records (the Route 53 control
 * plane lives in us-east-1): it opens and closes a region's gate rule, and
 * that region's gate check follows.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Route53HealthCheck } from "@cdktf/provider-aws/lib/route53-health-check";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { ALIVE_PATH, GATE_PATH } from "../../lambda/shared/gate-rule";
import { WITNESS_DOWN, WITNESS_UP } from "../../lambda/shared/witness";
import { AwsRegion } from "../../lib/aws-regions";
import { RegionCatalog } from "../../lib/catalog";
import { RegionRole } from "../../lib/config/model";
import { ROUTE53_REQUEST_INTERVAL_SECONDS } from "../../lib/timings";

/**
 * Failure threshold of the gate check: two answers. The active region's record carries it, and with the standby's
 * record pre-routed (healthy while its gate is closed), one lost round of probes would otherwise send every client to
 * the standby's closed gate for a propagation and a TTL. The second answer costs 10 s of the DNS move, which runs
 * alongside detection and promotion (the budget shows whether it still fits).
 */
export const GATE_CHECK_FAILURE_THRESHOLD = 2;
/** Failure threshold of the alive check behind the witness: two answers, so one lost probe does not testify. */
export const ALIVE_CHECK_FAILURE_THRESHOLD = 2;

export interface DnsRegion {
  readonly region: AwsRegion;
  readonly role: RegionRole;
  /** The region's own name (its app stack's regional record). */
  readonly regionalHost: string;
  /** The region's witness names. */
  readonly witness: { readonly alive: string; readonly service: string };
}

export interface DnsFailoverProps {
  /** Provider for the global Route 53 resources. */
  readonly provider: AwsProvider;
  readonly hostedZoneId: string;
  readonly globalHost: string;
  readonly routing: "failover" | "weighted";
  readonly healthCheckPath: string;
  /** Failure threshold of the app check (from the RTO). */
  readonly failureThreshold: number;
  readonly checkerRegions: readonly string[];
  /** TTL of the witness TXT records (dns.witnessTtlSeconds). */
  readonly witnessTtlSeconds: number;
  readonly regions: readonly [DnsRegion, DnsRegion];
  /**
   * Whether the standby's record carries only its app check, so that clients move to it while detection and promotion run.
   * @default true
   */
  readonly preRouteStandby?: boolean;
  /** The health checks' Name tags. */
  readonly names: Pick<RegionCatalog, "healthCheck">;
}

export class DnsFailover extends Construct {
  readonly aliveChecks = new Map<AwsRegion, Route53HealthCheck>();
  readonly appChecks = new Map<AwsRegion, Route53HealthCheck>();
  readonly gateChecks = new Map<AwsRegion, Route53HealthCheck>();
  readonly regionChecks = new Map<AwsRegion, Route53HealthCheck>();
  readonly globalRecords: Route53Record[] = [];

  constructor(scope: Construct, id: string, props: DnsFailoverProps) {
    super(scope, id);
    const { provider } = props;
    const https = (kind: "alive" | "gate" | "app", r: DnsRegion, path: string, failureThreshold: number, idSuffix: string = kind) =>
      new Route53HealthCheck(this, `${idSuffix}-${r.region}`, {
        provider,
        type: "HTTPS",
        fqdn: r.regionalHost,
        port: 443,
        resourcePath: path,
        enableSni: true,
        requestInterval: ROUTE53_REQUEST_INTERVAL_SECONDS,
        failureThreshold,
        regions: [...props.checkerRegions],
        tags: { Name: props.names.healthCheck(kind, r.region) },
      });
    for (const r of props.regions) {
      const alive = https("alive", r, ALIVE_PATH, ALIVE_CHECK_FAILURE_THRESHOLD);
      const gate = https("gate", r, GATE_PATH, GATE_CHECK_FAILURE_THRESHOLD);
      // Construct id kept from the endpoint check it was: the same check of the health path.
      const app = https("app", r, props.healthCheckPath, props.failureThreshold, "endpoint");
      const combined = new Route53HealthCheck(this, `region-${r.region}`, {
        provider,
        type: "CALCULATED",
        childHealthchecks: [gate.id, app.id],
        childHealthThreshold: 2,
        tags: { Name: props.names.healthCheck("region", r.region) },
      });
      this.aliveChecks.set(r.region, alive);
      this.gateChecks.set(r.region, gate);
      this.appChecks.set(r.region, app);
      this.regionChecks.set(r.region, combined);

      this.globalRecords.push(
        new Route53Record(this, `global-${r.region}`, {
          provider,
          zoneId: props.hostedZoneId,
          name: props.globalHost,
          type: "A",
          alias: { name: r.regionalHost, zoneId: props.hostedZoneId, evaluateTargetHealth: false },
          setIdentifier: r.region,
          healthCheckId: r.role === "standby" && (props.preRouteStandby ?? true) ? app.id : combined.id,
          ...(props.routing === "failover"
            ? { failoverRoutingPolicy: { type: r.role === "active" ? "PRIMARY" : "SECONDARY" } }
            : { weightedRoutingPolicy: { weight: r.role === "active" ? 100 : 0 } }),
        }),
      );

      const witness = (kind: "alive" | "app", name: string, check: Route53HealthCheck) => {
        new Route53Record(this, `witness-${kind}-${r.region}-up`, {
          provider,
          zoneId: props.hostedZoneId,
          name,
          type: "TXT",
          ttl: props.witnessTtlSeconds,
          records: [WITNESS_UP],
          setIdentifier: `${r.region}-up`,
          healthCheckId: check.id,
          failoverRoutingPolicy: { type: "PRIMARY" },
        });
        new Route53Record(this, `witness-${kind}-${r.region}-down`, {
          provider,
          zoneId: props.hostedZoneId,
          name,
          type: "TXT",
          ttl: props.witnessTtlSeconds,
          records: [WITNESS_DOWN],
          setIdentifier: `${r.region}-down`,
          failoverRoutingPolicy: { type: "SECONDARY" },
        });
      };
      witness("alive", r.witness.alive, alive);
      witness("app", r.witness.service, app);
    }
  }
}
