import { SynthesizedApp } from "../app/layout-check";
import { ALIVE_PATH, DR_RULE_PRIORITY, GATE_PATH, gateRuleSpec } from "../lambda/shared/gate-rule";
import { WITNESS_DOWN, WITNESS_UP } from "../lambda/shared/witness";
import { canaryZip } from "../constructs/observability/canaries";
import { TLS_POLICY } from "../constructs/traffic/load-balancer";
import { route53FailureThreshold, targetGroupHealthCheck } from "../lib/timings";
import { configVariant } from "./support/config";
import { catalogOf } from "../lib/catalog";
import { onlyResource, resourcesOfType, synthConfig } from "./support/synth";
import { uploadOfFunction } from "../drill/lambda/bundle";

const all = resourcesOfType;
const one = onlyResource;


/**
 * dev with another RTO target; below dev's own failover budget (the loss of the writer's database, its region up,
 * about 9 min with dev's sampling), with the fast detection settings a short target needs (those of variant E, and a
 * replication stall of 60 s).
 */
function withRto(rtoSeconds: number) {
  const fast = rtoSeconds < 600 ? { failover: { sampleIntervalSeconds: 5, consecutiveFailures: 2, staleHeartbeatSeconds: 15, replicationStallSeconds: 60, pollIntervalSeconds: 2, peerTimeoutMs: 2000, probeTimeoutMs: 3000 } } : {};
  return configVariant("dev", { targets: { rtoSeconds }, ...fast });
}

describe("Fargate service", () => {
  let variantC: SynthesizedApp;
  beforeAll(() => {
    variantC = synthConfig(configVariant("variant-c"));
  });

  test("both regions run the same task definition, except for region-specific values", () => {
    const normalized = (region: string) =>
      one(variantC.stacks[`app-${region}`], "aws_ecs_task_definition").container_definitions.replace(new RegExp(region, "g"), "<region>");
    expect(normalized("us-east-1")).toBe(normalized("us-east-2"));
    const [app] = JSON.parse(one(variantC.stacks["app-us-east-1"], "aws_ecs_task_definition").container_definitions);
    expect(app).toMatchObject({ name: "app", readonlyRootFilesystem: true, portMappings: [{ containerPort: 80, protocol: "tcp" }] });
  });

  test("values are injected from SSM, never as plain environment values; the database is reached by IAM authentication, not a secret", () => {
    const [app] = JSON.parse(one(variantC.stacks["app-us-east-2"], "aws_ecs_task_definition").container_definitions);
    expect(app.secrets.map((s: any) => s.name).sort()).toEqual(["DATABASE_WRITER_ENDPOINT", "TXLOGS_BUCKET", "TXMETA_TABLE"]);
    expect(app.secrets.find((s: any) => s.name === "DATABASE_WRITER_ENDPOINT").valueFrom).toMatch(/:ssm:us-east-2:.*:parameter\/txdr\/varc\/database-writer-endpoint$/);
    expect(app.environment).toEqual([
      { name: "DATABASE_AUTH", value: "iam" },
      { name: "DATABASE_NAME", value: "transactions" },
      { name: "DATABASE_PORT", value: "5432" },
      { name: "DATABASE_USER", value: "app" },
    ]);
  });

  test("the service runs in the private subnets without public IPs, with the circuit breaker and rollback, and ignores desired_count drift", () => {
    const service = one(variantC.stacks["app-us-east-1"], "aws_ecs_service");
    expect(service).toMatchObject({
      launch_type: "FARGATE",
      deployment_circuit_breaker: { enable: true, rollback: true },
      network_configuration: { assign_public_ip: false, security_groups: [expect.stringContaining("security-groups_tasks_")] },
      lifecycle: { ignore_changes: ["desired_count"] },
    });
    expect(service.network_configuration.subnets).toHaveLength(3);
    expect(service.load_balancer).toEqual([expect.objectContaining({ container_name: "app", container_port: 80 })]);
  });

  test.each([
    ["us-east-1", { "us-east-1": [10, 50], "us-east-2": [2, 50] }],
    ["us-east-2", { "us-east-1": [2, 50], "us-east-2": [10, 50] }],
  ])("GIVEN variant C with %s active THEN the scalable targets are active 10-50 and standby 2-50", (active, expected) => {
    const app = active === "us-east-1" ? variantC : synthConfig(configVariant("variant-c", { regions: { active } }));
    for (const [region, [min, max]] of Object.entries(expected)) {
      expect(one(app.stacks[`app-${region}`], "aws_appautoscaling_target")).toMatchObject({
        min_capacity: min,
        max_capacity: max,
        resource_id: "service/txdr-app-varc/txdr-app-varc",
        scalable_dimension: "ecs:service:DesiredCount",
      });
    }
  });

  test("target tracking on CPU and on ALB requests per target", () => {
    const policies = all(variantC.stacks["app-us-east-1"], "aws_appautoscaling_policy");
    const metrics = policies.map((p) => p.target_tracking_scaling_policy_configuration.predefined_metric_specification.predefined_metric_type).sort();
    expect(metrics).toEqual(["ALBRequestCountPerTarget", "ECSServiceAverageCPUUtilization"]);
    const requests = policies.find((p) => p.name === "txdr-app-requests-varc");
    expect(requests.target_tracking_scaling_policy_configuration).toMatchObject({
      target_value: 1000,
      predefined_metric_specification: { resource_label: expect.stringMatching(/aws_lb\..*\.arn_suffix\}\/\$\{aws_lb_target_group\..*\.arn_suffix/) },
    });
  });

  test("the task role reaches only this region's tables, buckets and parameters", () => {
    const stack = variantC.stacks["app-us-east-2"];
    const statements = Object.values<any>(stack.data.aws_iam_policy_document).flatMap((d) => d.statement);
    const tables = statements.find((s) => s.sid === "TransactionTables");
    expect(tables.resources).toEqual([
      expect.stringMatching(/:dynamodb:us-east-2:.*:table\/txdr-sessions-varc$/),
      expect.stringMatching(/:dynamodb:us-east-2:.*:table\/txdr-txmeta-varc$/),
    ]);
    expect(statements.find((s) => s.sid === "ApplicationDataObjects").resources).toEqual([expect.stringMatching(/:s3:::txdr-appdata-use2-varc\/\*$/)]);
    // The transaction logs only, never the reconciliation's reports in the same bucket.
    expect(statements.find((s) => s.sid === "TransactionLogObjects").resources).toEqual([expect.stringMatching(/:s3:::txdr-txlogs-use2-varc\/transactions\/\*$/)]);
    expect(statements.filter((s) => (s.resources ?? []).some((r: string) => /txdr-txlogs-use2-varc\/(\*|reconciliation)/.test(r)))).toEqual([]);
  });

  test("GIVEN an image tag THEN each region pulls from its own repository and may read only it", () => {
    // A tag is the destroyable profile's way (the protected one pins a digest: __tests__/security-api.test.ts, "finding 4").
    const app = synthConfig(configVariant("variant-c", { destroyProfile: "destroyable", service: { imageDigest: undefined, imageTag: "1.4.2" }, backup: { vaultLock: { enabled: false } } }));
    for (const region of ["us-east-1", "us-east-2"]) {
      const [container] = JSON.parse(one(app.stacks[`app-${region}`], "aws_ecs_task_definition").container_definitions);
      expect(container.image).toMatch(/^\$\{aws_ecr_repository\..*\.repository_url\}:1\.4\.2$/);
    }
  });
});

describe("container registries", () => {
  test("each region has an immutable, scanned, KMS-encrypted repository, replicated to the other region", () => {
    const app = synthConfig(configVariant("prod"));
    for (const [region, peer] of [
      ["us-east-1", "us-east-2"],
      ["us-east-2", "us-east-1"],
    ]) {
      const stack = app.stacks[`app-${region}`];
      expect(one(stack, "aws_ecr_repository")).toMatchObject({
        name: "txdr-app-prd",
        image_tag_mutability: "IMMUTABLE",
        image_scanning_configuration: { scan_on_push: true },
        encryption_configuration: [{ encryption_type: "KMS", kms_key: expect.stringContaining("keys_data_") }],
        force_delete: false,
      });
      const rule = one(stack, "aws_ecr_replication_configuration").replication_configuration.rule[0];
      expect(rule.destination[0].region).toBe(peer);
      expect(rule.repository_filter).toEqual([{ filter: "txdr-app-prd", filter_type: "PREFIX_MATCH" }]);
    }
  });

  test("GIVEN registry replication off THEN no replication configuration replaces the account's own", () => {
    const app = synthConfig(configVariant("prod", { service: { ecrReplication: false } }));
    expect(all(app.stacks["app-us-east-1"], "aws_ecr_replication_configuration")).toEqual([]);
  });
});

describe("load balancer", () => {
  let prod: SynthesizedApp;
  beforeAll(() => {
    prod = synthConfig(configVariant("prod"));
  });

  test("HTTPS with the TLS 1.2/1.3 policy and the validated certificate; HTTP only redirects", () => {
    const listeners = all(prod.stacks["app-us-east-1"], "aws_lb_listener");
    const https = listeners.find((l) => l.port === 443);
    expect(https).toMatchObject({ protocol: "HTTPS", ssl_policy: TLS_POLICY, certificate_arn: expect.stringContaining("aws_acm_certificate_validation.") });
    expect(TLS_POLICY).toBe("ELBSecurityPolicy-TLS13-1-2-Res-2021-06");
    const http = listeners.find((l) => l.port === 80);
    expect(http.default_action).toEqual([{ type: "redirect", redirect: { port: "443", protocol: "HTTPS", status_code: "HTTP_301" } }]);
  });

  test("the load balancer drops invalid headers, is deletion-protected in prod and logs to an SSE-S3 bucket", () => {
    const stack = prod.stacks["app-us-east-1"];
    expect(one(stack, "aws_lb")).toMatchObject({
      name: "txdr-app-prd",
      internal: false,
      drop_invalid_header_fields: true,
      enable_deletion_protection: true,
      access_logs: { enabled: true },
    });
    const encryption = all(stack, "aws_s3_bucket_server_side_encryption_configuration").map((e) => e.rule[0].apply_server_side_encryption_by_default.sse_algorithm);
    expect(encryption).toContain("AES256");
    const statements = Object.values<any>(stack.data.aws_iam_policy_document).flatMap((d) => d.statement);
    const delivery = statements.find((s) => s.sid === "AlbLogDelivery");
    expect(delivery.principals[0].identifiers[0]).toContain("data.aws_elb_service_account.");
  });

  test("the load balancer's log bucket and the canary artifact bucket log to the region's access-log bucket of the data stack, by name", () => {
    for (const [region, code] of [
      ["us-east-1", "use1"],
      ["us-east-2", "use2"],
    ]) {
      const stack = prod.stacks[`app-${region}`];
      const target = `txdr-s3logs-${code}-prd`;
      const buckets = Object.entries<any>(stack.resource.aws_s3_bucket).map(([name, b]) => [name, b.bucket]);
      const logging = all(stack, "aws_s3_bucket_logging");
      expect(logging).toHaveLength(2);
      for (const [name, bucketName] of buckets) {
        const mine = logging.filter((l) => l.bucket === `\${aws_s3_bucket.${name}.id}`);
        expect(mine).toEqual([expect.objectContaining({ target_bucket: target, target_prefix: `${bucketName}/` })]);
      }
      expect(buckets.map(([, b]) => b).sort()).toEqual([`txdr-alblogs-${code}-prd`, `txdr-canary-${code}-prd`]);
      // The target is the data stack's access-log bucket of the same region, which admits both sources.
      expect(all(prod.stacks[`data-${region}`], "aws_s3_bucket").map((b) => b.bucket)).toContain(target);
    }
  });

  test.each([
    [900, { interval: 22, timeout: 5, healthy_threshold: 2, unhealthy_threshold: 2 }],
    [480, { interval: 12, timeout: 5, healthy_threshold: 2, unhealthy_threshold: 2 }],
    [14400, { interval: 30, timeout: 5, healthy_threshold: 3, unhealthy_threshold: 2 }],
  ])("GIVEN an RTO of %i s THEN the target group health check is tuned to %j", (rto, expected) => {
    const app = synthConfig(withRto(rto));
    const serviceTargets = all(app.stacks["app-us-east-1"], "aws_lb_target_group").find((t) => t.target_type === "ip");
    expect(serviceTargets.health_check).toMatchObject({ ...expected, path: "/", matcher: "200" });
    const timing = targetGroupHealthCheck(rto);
    expect(timing.timeoutSeconds).toBeLessThan(timing.intervalSeconds);
  });

  test("both regions' certificates write the shared validation record with allow_overwrite", () => {
    for (const region of ["us-east-1", "us-east-2"]) {
      const stack = prod.stacks[`app-${region}`];
      const certificate = one(stack, "aws_acm_certificate");
      expect(certificate).toMatchObject({ domain_name: "api.prod.dr.example.com", validation_method: "DNS" });
      expect(certificate.subject_alternative_names).toEqual([`api-${region === "us-east-1" ? "use1" : "use2"}.prod.dr.example.com`]);
      expect(all(stack, "aws_route53_record").find((r) => r.allow_overwrite !== undefined)).toMatchObject({ allow_overwrite: true, ttl: 300 });
    }
  });
});

describe("WAF", () => {
  test("prod protects both load balancers with the managed common and known-bad-inputs groups and a rate limit (override JSON)", () => {
    const prod = synthConfig(configVariant("prod"));
    for (const region of ["us-east-1", "us-east-2"]) {
      const stack = prod.stacks[`app-${region}`];
      const acl = one(stack, "aws_wafv2_web_acl");
      expect(acl.scope).toBe("REGIONAL");
      expect(acl.rule.map((r: any) => r.name)).toEqual(["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "RateLimitPerIp"]);
      expect(acl.rule[0].statement).toEqual([{ managed_rule_group_statement: [{ name: "AWSManagedRulesCommonRuleSet", vendor_name: "AWS" }] }]);
      expect(acl.rule[0].override_action).toEqual([{ none: [{}] }]);
      // Log4j (CVE-2021-44228): the known-bad-inputs group's Log4JRCE rules apply as AWS ships them, none overridden or excluded.
      expect(acl.rule[1]).toEqual({
        name: "AWSManagedRulesKnownBadInputsRuleSet",
        priority: 2,
        override_action: [{ none: [{}] }],
        statement: [{ managed_rule_group_statement: [{ name: "AWSManagedRulesKnownBadInputsRuleSet", vendor_name: "AWS" }] }],
        visibility_config: [{ cloudwatch_metrics_enabled: true, metric_name: "AWSManagedRulesKnownBadInputsRuleSet", sampled_requests_enabled: true }],
      });
      expect(acl.rule[2]).toMatchObject({
        action: [{ block: [{}] }],
        statement: [{ rate_based_statement: [{ limit: 2000, aggregate_key_type: "IP", evaluation_window_sec: 300 }] }],
      });
      expect(one(stack, "aws_wafv2_web_acl_association").resource_arn).toContain("aws_lb.");
      expect(one(stack, "aws_wafv2_web_acl_logging_configuration").log_destination_configs).toHaveLength(1);
      expect(all(stack, "aws_cloudwatch_log_group").map((g) => g.name)).toContain("aws-waf-logs-txdr-prd");
    }
  });

  test("a configuration may still turn WAF off (dev, by configuration)", () => {
    const dev = synthConfig(configVariant("dev", { waf: { enabled: false } }));
    expect(all(dev.stacks["app-us-east-1"], "aws_wafv2_web_acl")).toEqual([]);
  });
});

describe("Route 53", () => {
  let prod: SynthesizedApp;
  beforeAll(() => {
    prod = synthConfig(configVariant("prod"));
  });
  const httpsChecks = (app: SynthesizedApp, kind: "alive" | "gate" | "app") =>
    all(app.stacks.dns, "aws_route53_health_check").filter((c) => c.type === "HTTPS" && c.tags.Name.includes(`-${kind}-`));

  test.each([
    [900, 5],
    [480, 2],
    [14400, 10],
  ])("GIVEN an RTO of %i s THEN the app checks use 10 s intervals and a failure threshold of %i; alive 2 and gate 2 whatever the RTO", (rto, threshold) => {
    const app = synthConfig(withRto(rto));
    for (const check of httpsChecks(app, "app")) expect(check).toMatchObject({ request_interval: 10, failure_threshold: threshold, port: 443, resource_path: "/" });
    for (const check of httpsChecks(app, "alive")) expect(check).toMatchObject({ request_interval: 10, failure_threshold: 2, resource_path: ALIVE_PATH });
    for (const check of httpsChecks(app, "gate")) expect(check).toMatchObject({ request_interval: 10, failure_threshold: 2, resource_path: GATE_PATH });
    expect(route53FailureThreshold(rto)).toBe(threshold);
  });

  test("each region's alive, gate and app checks probe its own regional name from at least three checker regions", () => {
    for (const kind of ["alive", "gate", "app"] as const) {
      const checks = httpsChecks(prod, kind);
      expect(checks.map((c) => c.fqdn).sort()).toEqual(["api-use1.prod.dr.example.com", "api-use2.prod.dr.example.com"]);
      for (const check of checks) expect(check.regions.length).toBeGreaterThanOrEqual(3);
    }
  });

  test("failover routing: the active region's record is PRIMARY with its calculated check, the standby's SECONDARY with only its app check, each an alias of its regional record", () => {
    const records = all(prod.stacks.dns, "aws_route53_record").filter((r) => r.name === "api.prod.dr.example.com");
    expect(records.map((r) => [r.set_identifier, r.failover_routing_policy.type, r.health_check_id.replace(/_[0-9A-F]{8}\.id\}$/, "")]).sort()).toEqual([
      ["us-east-1", "PRIMARY", "${aws_route53_health_check.failover_region-us-east-1"],
      // Pre-routed (dns.preRouteStandby): healthy while its gate is closed, so clients wait at the standby's gate.
      ["us-east-2", "SECONDARY", "${aws_route53_health_check.failover_endpoint-us-east-2"],
    ]);
    for (const record of records) {
      // Health is decided by the checks only: an alias of the regional record, in the same zone.
      expect(record.alias).toEqual({
        name: `api-${record.set_identifier === "us-east-1" ? "use1" : "use2"}.prod.dr.example.com`,
        zone_id: record.zone_id,
        evaluate_target_health: false,
      });
    }
    const swapped = synthConfig(configVariant("prod", { regions: { active: "us-east-2" } }));
    const swappedRecords = all(swapped.stacks.dns, "aws_route53_record").filter((r) => r.name === "api.prod.dr.example.com");
    expect(swappedRecords.map((r) => [r.set_identifier, r.failover_routing_policy.type, r.health_check_id.replace(/_[0-9A-F]{8}\.id\}$/, "")]).sort()).toEqual([
      ["us-east-1", "SECONDARY", "${aws_route53_health_check.failover_endpoint-us-east-1"],
      ["us-east-2", "PRIMARY", "${aws_route53_health_check.failover_region-us-east-2"],
    ]);
  });

  test("without pre-routing (dns.preRouteStandby false) both records carry their region's calculated check (gate AND app)", () => {
    const app = synthConfig(configVariant("prod", { dns: { preRouteStandby: false } }));
    const records = all(app.stacks.dns, "aws_route53_record").filter((r) => r.name === "api.prod.dr.example.com");
    expect(records.map((r) => [r.set_identifier, r.health_check_id.replace(/_[0-9A-F]{8}\.id\}$/, "")]).sort()).toEqual([
      ["us-east-1", "${aws_route53_health_check.failover_region-us-east-1"],
      ["us-east-2", "${aws_route53_health_check.failover_region-us-east-2"],
    ]);
  });

  test("weighted routing (variant D) puts all weight on the active region", () => {
    const app = synthConfig(configVariant("variant-d"));
    const records = all(app.stacks.dns, "aws_route53_record").filter((r) => r.name === "api.d.dr.example.com");
    expect(records.map((r) => [r.set_identifier, r.weighted_routing_policy.weight]).sort()).toEqual([
      ["us-east-1", 100],
      ["us-west-2", 0],
    ]);
    expect(records.every((r) => r.failover_routing_policy === undefined)).toBe(true);
  });

  test("the calculated check of a region needs both its gate and its app check", () => {
    const calculated = all(prod.stacks.dns, "aws_route53_health_check").filter((c) => c.type === "CALCULATED");
    expect(calculated).toHaveLength(2);
    for (const check of calculated) {
      const region = check.tags.Name.replace(/^.*-region-/, "");
      expect(check.child_health_threshold).toBe(2);
      expect(check.child_healthchecks).toEqual([expect.stringContaining(`failover_gate-${region}_`), expect.stringContaining(`failover_endpoint-${region}_`)]);
    }
  });

  test("the witnesses: per region a TXT failover pair on the alive check and one on the app check, answering up or down, with the configured TTL", () => {
    const txt = all(prod.stacks.dns, "aws_route53_record").filter((r) => r.type === "TXT");
    expect(txt).toHaveLength(8);
    for (const [region, code] of [
      ["us-east-1", "use1"],
      ["us-east-2", "use2"],
    ]) {
      for (const [kind, check] of [
        ["alive", "alive"],
        ["app", "endpoint"],
      ]) {
        const pair = txt.filter((r) => r.name === `_dr-${kind}-${code}.prod.dr.example.com`);
        const up = pair.find((r) => r.failover_routing_policy.type === "PRIMARY");
        const down = pair.find((r) => r.failover_routing_policy.type === "SECONDARY");
        expect(up).toMatchObject({ records: [WITNESS_UP], ttl: 5, health_check_id: expect.stringContaining(`failover_${check}-${region}_`) });
        expect(down).toMatchObject({ records: [WITNESS_DOWN], ttl: 5 });
        expect(down.health_check_id).toBeUndefined();
      }
    }
  });

  test("the dns stack reads nothing but the zone id the zone stack published in its own region: no load balancer lookup, no remote state, no regional provider", () => {
    const stack = prod.stacks.dns;
    expect(Object.keys(stack.data ?? {})).toEqual(["aws_ssm_parameter"]);
    expect(Object.values(stack.data.aws_ssm_parameter).map((p: any) => p.name)).toEqual([catalogOf(configVariant("prod")).region("us-east-2").published.hostedZoneId]);
    expect(stack.provider.aws.filter((p: any) => p.alias !== undefined)).toEqual([]);
  });
});

describe("traffic gate and regional records", () => {
  let prod: SynthesizedApp;
  beforeAll(() => {
    prod = synthConfig(configVariant("prod"));
  });

  test.each([
    ["us-east-1", true],
    ["us-east-2", false],
  ])("GIVEN %s THEN its load balancer has the alive, health and gate rules above the application's, the gate created open=%s", (region, open) => {
    const rules = all(prod.stacks[`app-${region}`], "aws_lb_listener_rule").sort((a, b) => a.priority - b.priority);
    const [alive, health, gate, transactions] = rules;
    expect(alive).toMatchObject({ priority: DR_RULE_PRIORITY.alive, condition: [{ path_pattern: { values: [ALIVE_PATH] } }], action: [{ type: "fixed-response", fixed_response: { status_code: "200" } }] });
    expect(health.priority).toBe(DR_RULE_PRIORITY.health);
    expect(health.condition).toEqual([{ path_pattern: { values: ["/"] } }, { http_request_method: { values: ["GET", "HEAD"] } }]);
    expect(health.action[0]).toMatchObject({ type: "forward", target_group_arn: expect.stringContaining("load-balancer_targets_") });
    const spec = gateRuleSpec(open);
    expect(gate).toMatchObject({
      priority: DR_RULE_PRIORITY.gate,
      condition: [{ path_pattern: { values: spec.pathPatterns } }],
      action: [{ type: "fixed-response", fixed_response: { status_code: spec.response.statusCode, message_body: spec.response.messageBody } }],
      lifecycle: { ignore_changes: ["condition", "action"] },
    });
    // The transaction path sits below the gate: a closed gate refuses it too.
    expect(transactions.priority).toBeGreaterThan(DR_RULE_PRIORITY.gate);
  });

  test("each app stack creates its region's name as an alias of its own load balancer", () => {
    for (const [region, code] of [
      ["us-east-1", "use1"],
      ["us-east-2", "use2"],
    ]) {
      const record = all(prod.stacks[`app-${region}`], "aws_route53_record").find((r) => r.type === "A");
      expect(record).toMatchObject({
        name: `api-${code}.prod.dr.example.com`,
        alias: { name: expect.stringContaining("aws_lb.load-balancer_alb_"), zone_id: expect.stringContaining("aws_lb.load-balancer_alb_"), evaluate_target_health: false },
      });
    }
  });
});

describe("canaries", () => {
  test("each region probes both regional names and the global name, with encrypted artifacts and a success-rate alarm each", () => {
    const prod = synthConfig(configVariant("prod"));
    for (const region of ["us-east-1", "us-east-2"]) {
      const stack = prod.stacks[`app-${region}`];
      const canaries = all(stack, "aws_synthetics_canary");
      expect(canaries.map((c) => [c.name, c.run_config.environment_variables.TARGET_URL]).sort()).toEqual([
        ["txdr-gbl-prd", "https://api.prod.dr.example.com/"],
        ["txdr-pri-prd", "https://api-use1.prod.dr.example.com/"],
        ["txdr-sec-prd", "https://api-use2.prod.dr.example.com/"],
      ]);
      for (const canary of canaries) {
        expect(canary.name.length).toBeLessThanOrEqual(21);
        expect(canary.artifact_config).toEqual({ s3_encryption: { encryption_mode: "SSE_KMS", kms_key_arn: expect.stringContaining("keys_data_") } });
        expect(canary.handler).toBe("endpoint-check.handler");
      }
      const alarms = all(stack, "aws_cloudwatch_metric_alarm").filter((a) => a.namespace === "CloudWatchSynthetics");
      expect(alarms).toHaveLength(3);
      for (const alarm of alarms) expect(alarm).toMatchObject({ metric_name: "SuccessPercent", threshold: 90, treat_missing_data: "breaching" });
    }
  });

  test("the canary code zip is byte-identical on every build", () => {
    expect(Buffer.from(canaryZip()).equals(Buffer.from(canaryZip()))).toBe(true);
  });
});

describe("EventBridge", () => {
  test("each region has an application bus encrypted with its messaging key", () => {
    const prod = synthConfig(configVariant("prod"));
    expect(one(prod.stacks["app-us-east-2"], "aws_cloudwatch_event_bus")).toMatchObject({
      name: "txdr-events-prd",
      kms_key_identifier: expect.stringContaining("keys_messaging_"),
    });
    expect(all(prod.stacks.dns, "aws_cloudwatch_event_endpoint")).toEqual([]);
  });

  test("variant B: a global endpoint over both buses in the primary region's app stack, failing over on the primary region's gate, with replication", () => {
    const app = synthConfig(configVariant("variant-b"));
    const endpoint = one(app.stacks["app-us-east-1"], "aws_cloudwatch_event_endpoint");
    expect(endpoint).toMatchObject({
      replication_config: { state: "ENABLED" },
      routing_config: {
        failover_config: {
          primary: { health_check: expect.stringContaining("event-global-endpoint_gate-check_") },
          secondary: { route: "us-east-2" },
        },
      },
    });
    // In the primary region's own stack, through its default provider.
    expect(endpoint.provider).toBe("aws");
    const check = one(app.stacks["app-us-east-1"], "aws_route53_health_check");
    expect(check).toMatchObject({ type: "HTTPS", fqdn: "api-use1.b.dr.example.com", resource_path: GATE_PATH, failure_threshold: 1 });
    expect(endpoint.event_bus.map((b: any) => b.event_bus_arn)).toEqual([
      expect.stringMatching(/:events:us-east-1:.*:event-bus\/txdr-events-varb$/),
      expect.stringMatching(/:events:us-east-2:.*:event-bus\/txdr-events-varb$/),
    ]);
    expect(all(app.stacks["app-us-east-2"], "aws_cloudwatch_event_endpoint")).toEqual([]);
    expect(all(app.stacks.dns, "aws_cloudwatch_event_endpoint")).toEqual([]);
  });
});

describe("transaction-processing Lambda", () => {
  test("both regions deploy the same code behind the load balancer, writing only to their own region's table and bucket", () => {
    const prod = synthConfig(configVariant("prod"));
    const hashes = new Set<string>();
    for (const [region, code] of [
      ["us-east-1", "use1"],
      ["us-east-2", "use2"],
    ]) {
      const stack = prod.stacks[`app-${region}`];
      const fn = all(stack, "aws_lambda_function").find((f) => f.function_name === "txdr-transaction-processor-prd");
      expect(fn.environment.variables).toMatchObject({ ENVIRONMENT: "prod", TXLOGS_BUCKET_NAME: `txdr-txlogs-${code}-prd`, TXMETA_TABLE_NAME: "txdr-txmeta-prd", CONTROL_TABLE_NAME: "txdr-control-prd" });
      expect(fn.tracing_config).toEqual({ mode: "Active" });
      // The uploaded (then signed) object is named by the SHA-256 of the zip.
      hashes.add(uploadOfFunction(stack, fn)!.source_hash as string);
      expect(one(stack, "aws_lb_target_group_attachment").target_id).toContain("aws_lambda_function.");
      const lambdaTargets = all(stack, "aws_lb_target_group").find((t) => t.target_type === "lambda");
      expect(lambdaTargets).toMatchObject({ name: "txdr-tx-prd", health_check: { enabled: true, path: "/transactions/health", matcher: "200" } });
      expect(all(stack, "aws_lb_listener_rule").find((r) => r.priority === 10).condition).toEqual([{ path_pattern: { values: ["/transactions", "/transactions/*"] } }]);
      expect(one(stack, "aws_lambda_permission")).toMatchObject({ principal: "elasticloadbalancing.amazonaws.com", action: "lambda:InvokeFunction" });
      const statements = Object.values<any>(stack.data.aws_iam_policy_document).flatMap((d) => d.statement);
      expect(statements.find((s) => s.sid === "RecordTransactions").resources).toEqual([expect.stringMatching(new RegExp(`:dynamodb:${region}:.*:table/txdr-txmeta-prd$`))]);
      expect(statements.find((s) => s.sid === "WriteTransactionLogs").resources).toEqual([expect.stringMatching(new RegExp(`:s3:::txdr-txlogs-${code}-prd/transactions/\\*$`))]);
    }
    expect(hashes.size).toBe(1);
  });
});
