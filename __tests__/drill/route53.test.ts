/**
 * The Route 53 model from hand-made Terraform JSON fragments of exactly the
 * shapes docs/failover-protocol.md adds (per-region `alive`, `gate`, `app`
 * HTTPS checks, the `region` calculated check, the `dr-alive-<code>` TXT
 * failover pair) and today's CLOUDWATCH_METRIC gate check; plus the
 * Terraform reference resolver and the figures source.
 */
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { AwsModel } from "../../drill/model/aws-model";
import { Resolver, Route53Model } from "../../drill/model/route53";
import { LoadBalancerSpec } from "../../drill/model/elbv2";
import { TerraformApp } from "../../drill/terraform/app";
import { BRIEF_DEFAULTS, figuresFrom, loadFigures } from "../../drill/figures";
import { FIGURES } from "../../lib/budget/figures";

const A = "us-east-1";
const B = "us-east-2";
const SERVICE = "service/app/app";

function check(type: string, fields: Record<string, unknown>) {
  return { type, provider: "aws", ...fields };
}

function https(fqdn: string, path: string, threshold: number) {
  return check("HTTPS", { fqdn, port: 443, resource_path: path, request_interval: 10, failure_threshold: threshold, regions: ["us-east-1", "us-west-2", "eu-west-1"] });
}

/** The dns stack as the protocol describes it. */
const dnsStack = {
  provider: { aws: [{ region: B }, { alias: A, region: A }] },
  data: {
    aws_lb: { "lb-use1": { name: "app", provider: `aws.${A}` }, "lb-use2": { name: "app", provider: "aws" } },
    aws_route53_zone: { zone: { name: "example.com" } },
  },
  resource: {
    aws_route53_health_check: {
      "alive-use1": https("api-use1.example.com", "/.dr/alive", 3),
      "gate-use1": https("api-use1.example.com", "/.dr/gate", 1),
      "app-use1": https("api-use1.example.com", "/health", 3),
      "region-use1": check("CALCULATED", { child_healthchecks: ["${aws_route53_health_check.gate-use1.id}", "${aws_route53_health_check.app-use1.id}"], child_health_threshold: 2 }),
      "gate-use2": https("api-use2.example.com", "/.dr/gate", 1),
      "app-use2": https("api-use2.example.com", "/health", 3),
      "region-use2": check("CALCULATED", { child_healthchecks: ["${aws_route53_health_check.gate-use2.id}", "${aws_route53_health_check.app-use2.id}"], child_health_threshold: 2 }),
    },
    aws_route53_record: {
      "regional-use1": { name: "api-use1.example.com", type: "A", zone_id: "${data.aws_route53_zone.zone.zone_id}", alias: { name: "${data.aws_lb.lb-use1.dns_name}", zone_id: "${data.aws_lb.lb-use1.zone_id}", evaluate_target_health: false } },
      "regional-use2": { name: "api-use2.example.com", type: "A", zone_id: "${data.aws_route53_zone.zone.zone_id}", alias: { name: "${data.aws_lb.lb-use2.dns_name}", zone_id: "${data.aws_lb.lb-use2.zone_id}", evaluate_target_health: false } },
      "global-use1": {
        name: "api.example.com",
        type: "A",
        set_identifier: A,
        failover_routing_policy: { type: "PRIMARY" },
        health_check_id: "${aws_route53_health_check.region-use1.id}",
        // As constructs/traffic/dns-failover.ts: an alias of the region's own record (an alias chain within the zone).
        alias: { name: "api-use1.example.com", zone_id: "${data.aws_route53_zone.zone.zone_id}", evaluate_target_health: false },
      },
      "global-use2": {
        name: "api.example.com",
        type: "A",
        set_identifier: B,
        failover_routing_policy: { type: "SECONDARY" },
        health_check_id: "${aws_route53_health_check.region-use2.id}",
        alias: { name: "api-use2.example.com", zone_id: "${data.aws_route53_zone.zone.zone_id}", evaluate_target_health: false },
      },
      "witness-up-use1": { name: "dr-alive-use1.example.com", type: "TXT", ttl: 10, records: ['"up"'], set_identifier: "up", failover_routing_policy: { type: "PRIMARY" }, health_check_id: "${aws_route53_health_check.alive-use1.id}" },
      "witness-down-use1": { name: "dr-alive-use1.example.com", type: "TXT", ttl: 10, records: ['"down"'], set_identifier: "down", failover_routing_policy: { type: "SECONDARY" } },
    },
  },
};

function loadBalancer(region: string, gateOpen: boolean): LoadBalancerSpec {
  const listener = `arn:listener/${region}`;
  return {
    name: "app",
    arn: `arn:lb/${region}`,
    dnsName: `app.${region}.elb.amazonaws.com`,
    listeners: [{ arn: listener, port: 443, protocol: "HTTPS", defaultActions: [{ Type: "forward", TargetGroupArn: `arn:tg/${region}` }] }],
    rules: [
      { RuleArn: `arn:rule/${region}/alive`, listenerArn: listener, Priority: "1", Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/.dr/alive"] } }], Actions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "200", MessageBody: "alive" } }] },
      {
        RuleArn: `arn:rule/${region}/health`,
        listenerArn: listener,
        Priority: "2",
        Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/health"] } }, { Field: "http-request-method", HttpRequestMethodConfig: { Values: ["GET", "HEAD"] } }],
        Actions: [{ Type: "forward", TargetGroupArn: `arn:tg/${region}` }],
      },
      gateOpen
        ? { RuleArn: `arn:rule/${region}/gate`, listenerArn: listener, Priority: "3", Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/.dr/gate"] } }], Actions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "200", MessageBody: "open" } }] }
        : { RuleArn: `arn:rule/${region}/gate`, listenerArn: listener, Priority: "3", Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/*"] } }], Actions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "503", MessageBody: "region fenced" } }] },
    ],
    targetGroups: [{ arn: `arn:tg/${region}`, name: "tg", kind: "ecs", serviceResourceId: SERVICE }],
  };
}

let now: number;
let model: AwsModel;
let route53: Route53Model;

function advance(ms: number): void {
  for (let t = 0; t < ms; t += 1_000) {
    now += 1_000;
    model.tick();
    route53.tick();
  }
}

beforeEach(() => {
  now = Date.UTC(2025, 0, 1);
  model = new AwsModel({ globalClusterId: "g", clusters: [{ region: A, id: "a" }, { region: B, id: "b" }], now: () => now, replicationLagMs: 1_000 });
  model.setScalableTarget(A, SERVICE, 2, 4);
  model.setScalableTarget(B, SERVICE, 2, 4);
  model.elb.define(A, loadBalancer(A, true));
  model.elb.define(B, loadBalancer(B, false));
  route53 = new Route53Model(TerraformApp.of({ dns: dnsStack }), model, { aliasTtlSeconds: 60 });
  advance(1_000);
});

describe("health checks from the synthesized shapes", () => {
  it("reads every check and record, and resolves check ids and load-balancer aliases", () => {
    expect([...route53.checks.values()].map((c) => `${c.resource}:${c.type}`).sort()).toEqual(
      ["alive-use1:HTTPS", "app-use1:HTTPS", "app-use2:HTTPS", "gate-use1:HTTPS", "gate-use2:HTTPS", "region-use1:CALCULATED", "region-use2:CALCULATED"].sort(),
    );
    expect(route53.records.find((r) => r.resource === "global-use1")).toMatchObject({ failover: "PRIMARY", aliasName: "api-use1.example.com", ttlSeconds: 60, healthCheckId: "hc-region-use1" });
    expect(route53.answer("api.example.com", "A")).toMatchObject({ region: A, values: [`alb:${A}`], ttlSeconds: 60 });
    expect(route53.regionOfName("api-use2.example.com")).toBe(B);
  });

  it("a closed gate fails the gate check after one interval (threshold 1) and with it the calculated region check", () => {
    advance(30_000);
    expect(route53.isHealthy("hc-gate-use1")).toBe(true);
    expect(route53.isHealthy("hc-region-use1")).toBe(true);
    expect(route53.isHealthy("hc-gate-use2")).toBe(false);
    expect(route53.isHealthy("hc-app-use2")).toBe(true); // the health path bypasses the closed gate
    expect(route53.isHealthy("hc-region-use2")).toBe(false);
  });

  it("a lost region fails its alive check only after threshold x interval, and recovers after threshold good results", () => {
    advance(10_000);
    model.setRegionDown(A);
    advance(20_000);
    expect(route53.isHealthy("hc-alive-use1")).toBe(true);
    advance(10_000);
    expect(route53.isHealthy("hc-alive-use1")).toBe(false);
    model.setRegionDown(A, false);
    advance(20_000);
    expect(route53.isHealthy("hc-alive-use1")).toBe(false);
    advance(10_000);
    expect(route53.isHealthy("hc-alive-use1")).toBe(true);
  });
});

describe("answers", () => {
  it("failover: PRIMARY while healthy, SECONDARY once it is not, PRIMARY when neither is", () => {
    expect(route53.answer("api.example.com", "A")?.values).toEqual([`alb:${A}`]);
    model.setRegionDown(A);
    advance(40_000);
    // B's gate is closed too: neither is healthy, Route 53 answers the PRIMARY.
    expect(route53.answer("api.example.com", "A")?.values).toEqual([`alb:${A}`]);
    model.elb.modifyRule(B, { RuleArn: `arn:rule/${B}/gate`, Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/.dr/gate"] } }], Actions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "200" } }] });
    advance(20_000);
    expect(route53.answer("api.example.com", "A")?.values).toEqual([`alb:${B}`]);
  });

  it("weighted: the records of weight 0 only when every weighted one is unhealthy; with all unhealthy, the weighted ones", () => {
    const weighted = JSON.parse(JSON.stringify(dnsStack)) as typeof dnsStack & { resource: { aws_route53_record: Record<string, Record<string, unknown>> } };
    for (const [key, weight] of [["global-use1", 100], ["global-use2", 0]] as const) {
      const record = weighted.resource.aws_route53_record[key] as Record<string, unknown>;
      delete record.failover_routing_policy;
      record.weighted_routing_policy = { weight };
    }
    // The weight-0 standby carries only its app check (dns.preRouteStandby): healthy while its gate is closed.
    weighted.resource.aws_route53_record["global-use2"]!.health_check_id = "${aws_route53_health_check.app-use2.id}";
    route53 = new Route53Model(TerraformApp.of({ dns: weighted }), model, { aliasTtlSeconds: 60 });
    advance(1_000);
    expect(route53.answer("api.example.com", "A")?.values).toEqual([`alb:${A}`]);
    model.setRegionDown(A);
    advance(40_000);
    expect(route53.answer("api.example.com", "A")?.values).toEqual([`alb:${B}`]);
    model.setRegionDown(B);
    advance(40_000);
    expect(route53.answer("api.example.com", "A")?.values).toEqual([`alb:${A}`]);
  });

  it("the witness TXT pair answers up while the alive check is healthy and down after", () => {
    expect(route53.answer("dr-alive-use1.example.com", "TXT")?.values).toEqual(["up"]);
    model.setRegionDown(A);
    advance(40_000);
    expect(route53.answer("dr-alive-use1.example.com", "TXT")).toMatchObject({ values: ["down"], ttlSeconds: 10 });
    expect(route53.answer("nope.example.com", "TXT")).toBeUndefined();
  });

  it("a resolver keeps an answer for its TTL", () => {
    const resolver = new Resolver(route53, () => now);
    expect(resolver.resolve("api.example.com", "A")?.values).toEqual([`alb:${A}`]);
    model.setRegionDown(A);
    model.elb.modifyRule(B, { RuleArn: `arn:rule/${B}/gate`, Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/.dr/gate"] } }], Actions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "200" } }] });
    advance(40_000);
    expect(resolver.resolve("api.example.com", "A")?.values).toEqual([`alb:${A}`]); // cached 60 s
    advance(20_000);
    expect(resolver.resolve("api.example.com", "A")?.values).toEqual([`alb:${B}`]);
  });
});

describe("today's metric gate check", () => {
  it("follows the gate alarm in the other region, Healthy on insufficient data, and keeps its state while the metric is silent (ignore)", async () => {
    const app = TerraformApp.of({
      app: {
        provider: { aws: [{ region: B }] },
        resource: {
          aws_cloudwatch_metric_alarm: {
            gate: { alarm_name: "gate-use1", namespace: "DR/TrafficGate", metric_name: "GateOpen", dimensions: { Environment: "prod", Region: A }, statistic: "Minimum", period: 60, evaluation_periods: 1, threshold: 1, comparison_operator: "LessThanThreshold", treat_missing_data: "ignore" },
          },
        },
      },
      dns: { provider: { aws: [{ region: B }] }, resource: { aws_route53_health_check: { gate: { type: "CLOUDWATCH_METRIC", cloudwatch_alarm_name: "gate-use1", cloudwatch_alarm_region: B, insufficient_data_health_status: "Healthy" } } } },
    });
    const metricChecks = new Route53Model(app, model, { alarmPeriodSeconds: 60 });
    const tickBoth = (ms: number) => {
      for (let t = 0; t < ms; t += 1_000) {
        now += 1_000;
        metricChecks.tick();
      }
    };
    tickBoth(1_000);
    expect(metricChecks.isHealthy("hc-gate")).toBe(true);
    model.install();
    try {
      await new CloudWatchClient({ region: B }).send(
        new PutMetricDataCommand({ Namespace: "DR/TrafficGate", MetricData: [{ MetricName: "GateOpen", Dimensions: [{ Name: "Environment", Value: "prod" }, { Name: "Region", Value: A }], Value: 0 }] }),
      );
    } finally {
      model.restore();
    }
    tickBoth(60_000);
    expect(metricChecks.isHealthy("hc-gate")).toBe(false);
    tickBoth(180_000); // no new datapoint: the alarm keeps ALARM
    expect(metricChecks.isHealthy("hc-gate")).toBe(false);
  });
});

describe("the Terraform reference resolver", () => {
  it("follows remote-state outputs into the declaring stack and builds ARNs from arguments", () => {
    const app = TerraformApp.of(
      {
        "base-us-east-2": {
          provider: { aws: [{ region: B }] },
          resource: { aws_sns_topic: { alerts: { name: "alerts-dev" } } },
          output: { "cross-stack-output-alerts-arn": { value: "${aws_sns_topic.alerts.arn}" } },
        },
        "ops-us-east-2": {
          provider: { aws: [{ region: B }] },
          resource: { aws_lambda_function: { fn: { function_name: "orchestrator-dev" } } },
        },
      },
      "123456789012",
    );
    expect(app.resolveString("ops-us-east-2", "${data.terraform_remote_state.cross-stack-reference-input-base-us-east-2.outputs.cross-stack-output-alerts-arn}")).toBe("arn:aws:sns:us-east-2:123456789012:alerts-dev");
    expect(app.resolveString("ops-us-east-2", "arn:${data.aws_partition.p.partition}:states:::lambda:invoke")).toBe("arn:aws:states:::lambda:invoke");
    expect(app.resolveString("ops-us-east-2", "${aws_lambda_function.fn.arn}")).toBe("arn:aws:lambda:us-east-2:123456789012:function:orchestrator-dev");
    expect(app.resolveString("ops-us-east-2", "${aws_nothing.x.arn}")).toBe("<unresolved:aws_nothing.x.arn>");
    expect([...app.unresolved]).toEqual(["aws_nothing.x.arn"]);
  });
});

describe("propagation", () => {
  it("answers follow a check's change only a propagation delay later; the checks see each other at once", () => {
    const delayed = new Route53Model(TerraformApp.of({ dns: dnsStack }), model, { aliasTtlSeconds: 60, propagationSeconds: 60 });
    const tick = (ms: number) => {
      for (let t = 0; t < ms; t += 1_000) {
        now += 1_000;
        model.tick();
        delayed.tick();
      }
    };
    tick(1_000);
    model.setRegionDown(A);
    tick(30_000);
    expect(delayed.isHealthy("hc-alive-use1")).toBe(false);
    expect(delayed.answer("dr-alive-use1.example.com", "TXT")?.values).toEqual(["up"]);
    tick(60_000);
    expect(delayed.answer("dr-alive-use1.example.com", "TXT")?.values).toEqual(["down"]);
  });
});

describe("figures", () => {
  it("takes the ids present in the figures document (the figures file's shape) and keeps the brief's defaults for the others", () => {
    const figures = figuresFrom({ figures: { "aurora.globalFailover.published.seconds": { value: 120, unit: "s" }, "alb.aliasTtl.seconds": 60 } }, "aws-figures.json");
    expect(figures.seconds.promotion).toBe(120);
    expect(figures.sources.promotion).toBe("aws-figures.json");
    expect(figures.seconds.taskStart).toBe(BRIEF_DEFAULTS.taskStart);
    expect(figures.sources.taskStart).toBe("design brief");
    expect(() => figuresFrom({ "fargate.taskStart.seconds": { value: -1 } }, "bad.json")).toThrow(/fargate.taskStart.seconds/);
  });

  it("reads the budget's figures file by the budget's ids", () => {
    const figures = loadFigures();
    expect(figures.sources.promotion).toMatch(/lib\/budget\/aws-figures\.json$/);
    expect(figures.seconds.promotion).toBe(FIGURES["aurora.globalFailover.published.seconds"].value);
    expect(figures.seconds.dnsPropagation).toBe(FIGURES["route53.dnsPropagationAfterHealthChange.seconds"].value);
    expect(figures.seconds.taskStart).toBe(FIGURES["fargate.taskStart.seconds"].value);
    expect(figures.seconds.switchover).toBe(FIGURES["aurora.switchover.seconds"].value);
  });
});
