/**
 * Issue 18, the application tier and database access, on the synthesized
 * Terraform JSON of the shipped configurations: who reaches the transaction
 * function and through what, what the function and the tasks may do to the
 * data and the failover signals, which images run, what the network admits,
 * and what the database logs.
 */
import { SynthesizedApp, TerraformJson } from "../app/layout-check";
import { CONTROL_KEYS } from "../lambda/shared/control-keys";
import { DR_RULE_PRIORITY } from "../lambda/shared/gate-rule";
import { validateConfig } from "../lib/config/load";
import { planSubnets } from "../lib/subnet-plan";
import { IamStatement, resourcesAllowed, roleOfReference, roleStatements } from "./support/iam";
import { configVariant, rawVariant } from "./support/config";
import { onlyResource, resourcesOfType, synthConfig } from "./support/synth";

const REGIONS = ["us-east-1", "us-east-2"] as const;
const all = resourcesOfType;

let dev: SynthesizedApp;
let prod: SynthesizedApp;
beforeAll(() => {
  dev = synthConfig(configVariant("dev"));
  prod = synthConfig(configVariant("prod"));
});

const app = (a: SynthesizedApp, region: string): TerraformJson => a.stacks[`app-${region}`] as TerraformJson;
const base = (a: SynthesizedApp, region: string): TerraformJson => a.stacks[`base-${region}`] as TerraformJson;
const byPath = (stack: TerraformJson, type: string, suffix: string): any =>
  Object.values<any>(stack.resource?.[type] ?? {}).find((r) => String(r["//"]?.metadata?.path ?? "").endsWith(suffix));
const transactionFunction = (stack: TerraformJson) => all(stack, "aws_lambda_function").find((f) => String(f.function_name).includes("transaction-processor"));
const transactionRule = (stack: TerraformJson) => byPath(stack, "aws_lb_listener_rule", "/transactions/route");
const roleStatementsOf = (stack: TerraformJson, roleArnRef: string): IamStatement[] => roleStatements(stack, roleOfReference(roleArnRef));
const taskDefinition = (stack: TerraformJson) => onlyResource(stack, "aws_ecs_task_definition");

describe("finding 1: the load balancer authenticates every caller of /transactions", () => {
  test("GIVEN an issuer configured (dev) THEN the /transactions rule validates the JWT (issuer, JWKS) before it forwards to the function", () => {
    for (const region of REGIONS) {
      const rule = transactionRule(app(dev, region));
      expect(rule.action).toEqual([
        {
          type: "jwt-validation",
          order: 1,
          jwt_validation: { issuer: "https://idp.dev.example.com/oauth2/default", jwks_endpoint: "https://idp.dev.example.com/oauth2/default/v1/keys", additional_claim: [] },
        },
        { type: "forward", order: 2, target_group_arn: expect.stringContaining("aws_lb_target_group.transactions_targets") },
      ]);
    }
  });

  test("GIVEN required claims THEN the load balancer validates them too", () => {
    const config = configVariant("dev", { transactionApi: { authentication: { requiredClaims: [{ name: "scope", format: "space-separated-values", values: ["transactions:write"] }] } } });
    const rule = transactionRule(app(synthConfig(config), "us-east-1"));
    expect(rule.action[0].jwt_validation.additional_claim).toEqual([{ name: "scope", format: "space-separated-values", values: ["transactions:write"] }]);
  });

  test("GIVEN no issuer configured (prod as shipped) THEN the rule answers 401 itself and nothing reaches the function", () => {
    for (const region of REGIONS) {
      const rule = transactionRule(app(prod, region));
      expect(rule.action).toEqual([{ type: "fixed-response", fixed_response: expect.objectContaining({ status_code: "401" }) }]);
    }
  });

  test("in every shipped configuration, no listener rule forwards to the function's target group without validating a JWT first", () => {
    for (const a of [dev, prod]) {
      for (const region of REGIONS) {
        const stack = app(a, region);
        const tg = Object.entries<any>(stack.resource.aws_lb_target_group).find(([, t]) => t.target_type === "lambda")![0];
        for (const rule of all(stack, "aws_lb_listener_rule")) {
          const actions = [...rule.action].sort((x: any, y: any) => (x.order ?? 0) - (y.order ?? 0));
          const forwardAt = actions.findIndex((x: any) => String(x.target_group_arn ?? "").includes(`aws_lb_target_group.${tg}.`));
          if (forwardAt >= 0) expect(actions.slice(0, forwardAt).map((x: any) => x.type)).toContain("jwt-validation");
        }
        for (const listener of all(stack, "aws_lb_listener")) expect(JSON.stringify(listener.default_action)).not.toContain(`aws_lb_target_group.${tg}.`);
      }
    }
  });

  test("the function is given its issuer, client claim and client registry, and only the load balancer may invoke it", () => {
    const env = transactionFunction(app(dev, "us-east-1")).environment.variables;
    expect(env).toMatchObject({ TOKEN_ISSUER: "https://idp.dev.example.com/oauth2/default", CLIENT_ID_CLAIM: "client_id", CLIENT_REGISTRY: '{"dev-test-client":["DE*"]}' });
    const permission = onlyResource(app(dev, "us-east-1"), "aws_lambda_permission");
    expect(permission).toMatchObject({ principal: "elasticloadbalancing.amazonaws.com", source_arn: expect.stringContaining("aws_lb_target_group.transactions_targets") });
  });

  test("report (traffic gate): /transactions sits on the gate's listener below the gate, so a closed gate (/* -> 503) answers it first", () => {
    for (const region of REGIONS) {
      const stack = app(prod, region);
      const gate = byPath(stack, "aws_lb_listener_rule", "/traffic-gate/gate");
      const rule = transactionRule(stack);
      expect(rule.listener_arn).toBe(gate.listener_arn);
      expect(gate.priority).toBe(DR_RULE_PRIORITY.gate);
      expect(rule.priority).toBeGreaterThan(gate.priority);
    }
  });
});

describe("finding 2: the transaction function reads its region's fence, read-only", () => {
  test("its role may GetItem exactly this region's fence and heartbeat items of the control table, and nothing else there", () => {
    for (const region of REGIONS) {
      const stack = app(prod, region);
      const statements = roleStatementsOf(stack, transactionFunction(stack).role);
      const control = statements.filter((s) => s.resources.some((r) => r.includes("txdr-control-prd")));
      expect(control).toEqual([
        expect.objectContaining({
          effect: "Allow",
          actions: ["dynamodb:GetItem"],
          conditions: [{ test: "ForAllValues:StringEquals", variable: "dynamodb:LeadingKeys", values: [CONTROL_KEYS.fence(region), CONTROL_KEYS.heartbeat(region)] }],
        }),
      ]);
      expect(control[0]!.resources).toEqual([expect.stringMatching(/:table\/txdr-control-prd\}?$/)]);
    }
  });

  test("no application role (tasks, transaction function) may write the control table, by name or by wildcard", () => {
    const writes = /^dynamodb:(Put|Update|Delete|BatchWrite|PartiQL|TransactWrite|\*)/;
    for (const a of [dev, prod]) {
      for (const region of REGIONS) {
        const stack = app(a, region);
        const roles = [transactionFunction(stack).role, taskDefinition(stack).task_role_arn];
        for (const role of roles) {
          for (const s of roleStatementsOf(stack, role).filter((x) => x.effect === "Allow")) {
            const reachesControl = s.resources.some((r) => r === "*" || /table\/(\*|txdr-control)/.test(r));
            if (reachesControl) expect([s.sid, s.actions.filter((x) => writes.test(x))]).toEqual([s.sid, []]);
          }
        }
      }
    }
  });

  test("the function knows its control table and the write gate's bounds", () => {
    expect(transactionFunction(app(prod, "us-east-2")).environment.variables).toMatchObject({ CONTROL_TABLE_NAME: "txdr-control-prd", FENCE_CACHE_SECONDS: "5", STALE_HEARTBEAT_SECONDS: "15" });
  });

  test("a cache longer than the monitor's sample interval is refused: a fence's drain would not cover it", () => {
    expect(() => validateConfig(rawVariant("prod", { transactionApi: { fenceCacheSeconds: 20 }, failover: { sampleIntervalSeconds: 10 } }), "prod.json")).toThrow(
      /transactionApi\.fenceCacheSeconds: is longer than failover\.sampleIntervalSeconds \(10\).*; allowed: 1 to 10 \(got 20\)/,
    );
  });
});

describe("finding 3: the application connects as its own database user, never with the master credentials", () => {
  test("the task role may rds-db:connect as the application user on this region's cluster (by its resource id) and on the peer region's clusters", () => {
    for (const region of REGIONS) {
      const stack = app(prod, region);
      const peer = region === "us-east-1" ? "us-east-2" : "us-east-1";
      const connect = resourcesAllowed(roleStatementsOf(stack, taskDefinition(stack).task_role_arn), "rds-db:connect");
      expect(connect).toEqual([
        expect.stringMatching(new RegExp(`^arn:\\$\\{data\\.aws_partition\\.[^}]+\\}:rds-db:${region}:\\$\\{data\\.aws_caller_identity\\.[^}]+\\}:dbuser:\\$\\{data\\.aws_rds_cluster\\.[^}]+\\.cluster_resource_id\\}/app$`)),
        expect.stringMatching(new RegExp(`:rds-db:${peer}:.*:dbuser:cluster-\\*/app$`)),
      ]);
      const lookup = Object.values<any>(stack.data.aws_rds_cluster);
      expect(lookup).toEqual([expect.objectContaining({ cluster_identifier: `txdr-db-${region === "us-east-1" ? "use1" : "use2"}-prd` })]);
    }
  });

  test("neither the task role nor the execution role may read the master secret, and the task definition injects no credentials", () => {
    for (const a of [dev, prod]) {
      for (const region of REGIONS) {
        const stack = app(a, region);
        const td = taskDefinition(stack);
        for (const role of [td.task_role_arn, td.execution_role_arn]) {
          expect(resourcesAllowed(roleStatementsOf(stack, role), "secretsmanager:GetSecretValue").filter((r) => r.includes("db-master"))).toEqual([]);
        }
        const container = JSON.parse(td.container_definitions)[0];
        expect(container.secrets.map((s: any) => s.name)).not.toContain("DATABASE_CREDENTIALS");
        expect(container.environment).toEqual(expect.arrayContaining([{ name: "DATABASE_USER", value: "app" }, { name: "DATABASE_AUTH", value: "iam" }]));
      }
    }
  });

  test("the master secret's resource policy denies GetSecretValue to everyone but the break-glass principals (default: the account's IAM Identity Center administrators)", () => {
    const stack = prod.stacks["data-us-east-1"] as TerraformJson;
    const policy = onlyResource(stack, "aws_secretsmanager_secret_policy");
    expect(policy).toMatchObject({ block_public_policy: true, secret_arn: expect.stringContaining("aws_secretsmanager_secret.database-credentials_secret") });
    const doc = stack.data.aws_iam_policy_document[/aws_iam_policy_document\.([^.]+)\./.exec(policy.policy)![1]!];
    expect(doc.statement).toEqual([
      {
        sid: "BreakGlassOnly",
        effect: "Deny",
        principals: [{ type: "*", identifiers: ["*"] }],
        actions: ["secretsmanager:GetSecretValue"],
        resources: ["*"],
        condition: [{ test: "StringNotLike", variable: "aws:PrincipalArn", values: [expect.stringMatching(/:iam::\$\{data\.aws_caller_identity\.[^}]+\}:role\/aws-reserved\/sso\.amazonaws\.com\/\*AWSReservedSSO_AdministratorAccess_\*$/)] }],
      },
    ]);
  });

  test("GIVEN named break-glass principals THEN exactly those may read it", () => {
    const readers = ["arn:aws:iam::123456789012:role/break-glass", "arn:aws:iam::123456789012:role/terraform-deploy"];
    const stack = synthConfig(configVariant("prod", { database: { masterSecretReaders: readers } })).stacks["data-us-east-1"] as TerraformJson;
    const doc = stack.data.aws_iam_policy_document[/aws_iam_policy_document\.([^.]+)\./.exec(onlyResource(stack, "aws_secretsmanager_secret_policy").policy)![1]!];
    expect(doc.statement[0].condition[0].values).toEqual(readers);
  });

  test("the application user cannot be the master user", () => {
    expect(() => validateConfig(rawVariant("prod", { database: { applicationUser: "dbadmin" } }), "prod.json")).toThrow(/database\.applicationUser: is the master user.*\(got "dbadmin"\)/);
  });
});

describe("finding 4: protected profiles run images pinned by digest from the project's repositories", () => {
  test("prod runs <its own repository>@sha256:<digest> in each region, and the execution role pulls only from that repository", () => {
    for (const region of REGIONS) {
      const stack = app(prod, region);
      const container = JSON.parse(taskDefinition(stack).container_definitions)[0];
      expect(container.image).toMatch(/^\$\{aws_ecr_repository\.registry_repository_[A-F0-9]+\.repository_url\}@sha256:0{64}$/);
      const pull = resourcesAllowed(roleStatementsOf(stack, taskDefinition(stack).execution_role_arn), "ecr:BatchGetImage");
      expect(pull).toEqual([expect.stringContaining("aws_ecr_repository.registry_repository_")]);
    }
  });

  test.each([
    ["a public image by tag (the placeholder)", { service: { imageDigest: undefined } }, "service.image", "public.ecr.aws/nginx/nginx:stable-alpine"],
    ["a tag in the project's repository", { service: { imageDigest: undefined, imageTag: "1.4.2" } }, "service.imageTag", "1.4.2"],
    ["an ECR image by tag", { service: { imageDigest: undefined, image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.4.2" } }, "service.image", "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.4.2"],
    ["a public image by digest", { service: { imageDigest: undefined, image: `public.ecr.aws/nginx/nginx@sha256:${"a".repeat(64)}` } }, "service.image", `public.ecr.aws/nginx/nginx@sha256:${"a".repeat(64)}`],
  ])("GIVEN the protected profile with %s THEN the configuration is refused naming the field, the value and what is allowed", (_name, patch, field, value) => {
    expect(() => validateConfig(rawVariant("prod", patch), "prod.json")).toThrow(
      `${field}: ${field === "service.imageTag" ? "names the image by a tag" : "is not an ECR image pinned by digest"}`,
    );
    try {
      validateConfig(rawVariant("prod", patch), "prod.json");
    } catch (error) {
      const line = (error as Error).message.split("\n").find((l) => l.includes(`${field}:`))!;
      expect(line).toContain('allowed: service.imageDigest "sha256:<64 hex>"');
      expect(line).toContain("<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<64 hex>");
      expect(line).toContain(`(got ${JSON.stringify(value)})`);
    }
  });

  test("GIVEN the protected profile with an ECR image pinned by digest THEN it is accepted and runs as given", () => {
    const image = `123456789012.dkr.ecr.us-east-1.amazonaws.com/payments/app@sha256:${"b".repeat(64)}`;
    expect(() => validateConfig(rawVariant("prod", { service: { imageDigest: undefined, image } }), "prod.json")).not.toThrow();
  });

  test("GIVEN the protected profile with the X-Ray sidecar (a public tag) THEN it is refused", () => {
    expect(() => validateConfig(rawVariant("prod", { service: { xraySidecar: true } }), "prod.json")).toThrow(/service\.xraySidecar: runs the X-Ray daemon from a public registry/);
  });

  test("GIVEN the destroyable profile THEN the placeholder public image stays allowed (dev)", () => {
    expect(JSON.parse(taskDefinition(app(dev, "us-east-1")).container_definitions)[0].image).toBe("public.ecr.aws/nginx/nginx:stable-alpine");
  });
});

describe("finding 5: the transaction function's capacity and network, the tasks' egress, the database's ingress, TLS", () => {
  test("reserved concurrency on the transaction function: peak rate x 2 s, 50 by default, configurable", () => {
    expect(transactionFunction(app(prod, "us-east-1")).reserved_concurrent_executions).toBe(50);
    const tuned = synthConfig(configVariant("prod", { transactionApi: { reservedConcurrency: 120 } }));
    expect(transactionFunction(app(tuned, "us-east-2")).reserved_concurrent_executions).toBe(120);
  });

  test("the transaction function has its own security group: no ingress, HTTPS only to the S3 and DynamoDB gateway endpoints, in every profile", () => {
    for (const a of [dev, prod]) {
      for (const region of REGIONS) {
        const groups = transactionFunction(app(a, region)).vpc_config.security_group_ids;
        expect(groups).toEqual([expect.stringContaining("security-groups_transactions_")]);
        const b = base(a, region);
        const own = Object.keys(b.resource.aws_security_group).find((k) => k.startsWith("security-groups_transactions_"))!;
        const mine = (type: string) => all(b, type).filter((r) => r.security_group_id === `\${aws_security_group.${own}.id}`);
        expect(mine("aws_vpc_security_group_ingress_rule")).toEqual([]);
        const egress = mine("aws_vpc_security_group_egress_rule").map((r) => [r.from_port, r.prefix_list_id, r.cidr_ipv4, r.referenced_security_group_id]);
        expect(egress).toHaveLength(2);
        expect(egress).toEqual(
          expect.arrayContaining([
            [443, expect.stringMatching(/^\$\{aws_vpc_endpoint\.network_s3-gateway-endpoint_[^.]+\.prefix_list_id\}$/), undefined, undefined],
            [443, expect.stringMatching(/^\$\{aws_vpc_endpoint\.network_dynamodb-gateway-endpoint_[^.]+\.prefix_list_id\}$/), undefined, undefined],
          ]),
        );
        // The database admits no group of the function.
        for (const rule of all(b, "aws_vpc_security_group_ingress_rule")) expect(String(rule.referenced_security_group_id ?? "")).not.toContain(own);
      }
    }
  });

  test("the database admits the tasks, and from the peer region only its application subnets (each, as lib/subnet-plan.ts carves them), never the failover functions' group", () => {
    for (const region of REGIONS) {
      const b = base(prod, region);
      const db = Object.keys(b.resource.aws_security_group).find((k) => k.startsWith("security-groups_db_"))!;
      const rules = all(b, "aws_vpc_security_group_ingress_rule").filter((r) => r.security_group_id === `\${aws_security_group.${db}.id}`);
      const peerCidr = region === "us-east-1" ? "10.50.0.0/16" : "10.40.0.0/16";
      expect(rules.filter((r) => r.cidr_ipv4).map((r) => r.cidr_ipv4)).toEqual(planSubnets(peerCidr, 3).private);
      expect(rules.filter((r) => r.referenced_security_group_id).map((r) => r.referenced_security_group_id)).toEqual([expect.stringContaining("security-groups_tasks_")]);
      const failover = Object.keys(b.resource.aws_security_group).find((k) => k.startsWith("security-groups_failover_"))!;
      for (const e of all(b, "aws_vpc_security_group_egress_rule").filter((r) => r.security_group_id === `\${aws_security_group.${failover}.id}`)) expect(e.from_port).toBe(443);
    }
  });

  test("GIVEN interface endpoints (prod) THEN the tasks send HTTPS only to the endpoints' group and the gateway prefix lists; without them (dev, NAT) anywhere", () => {
    const https = (a: SynthesizedApp) => {
      const b = base(a, "us-east-1");
      const tasks = Object.keys(b.resource.aws_security_group).find((k) => k.startsWith("security-groups_tasks_"))!;
      return all(b, "aws_vpc_security_group_egress_rule")
        .filter((r) => r.security_group_id === `\${aws_security_group.${tasks}.id}` && r.from_port === 443)
        .map((r) => r.cidr_ipv4 ?? r.referenced_security_group_id ?? r.prefix_list_id);
    };
    const prodHttps = https(prod);
    expect(prodHttps).toHaveLength(3);
    expect(prodHttps).toEqual(expect.arrayContaining([expect.stringContaining("security-groups_endpoints_"), expect.stringContaining("s3-gateway-endpoint"), expect.stringContaining("dynamodb-gateway-endpoint")]));
    expect(https(dev)).toEqual(["0.0.0.0/0"]);
  });

  test("the HTTPS listener allows no CBC suite (restricted TLS 1.2 policy), configurable to the FIPS variant", () => {
    const https = (a: SynthesizedApp) => all(app(a, "us-east-1"), "aws_lb_listener").find((l) => l.protocol === "HTTPS");
    expect(https(prod).ssl_policy).toBe("ELBSecurityPolicy-TLS13-1-2-Res-2021-06");
    const fips = synthConfig(configVariant("prod", { loadBalancer: { tlsPolicy: "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04" } }));
    expect(https(fips).ssl_policy).toBe("ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04");
  });

  test("WAF is on by default in every profile: dev's public load balancers are behind a web ACL too", () => {
    for (const region of REGIONS) {
      const association = onlyResource(app(dev, region), "aws_wafv2_web_acl_association");
      expect(association.resource_arn).toMatch(/^\$\{aws_lb\.load-balancer_alb_[A-F0-9]+\.arn\}$/);
    }
  });

  test("GIVEN the protected profile THEN the load balancer reaches the tasks over HTTPS (and checks their health over HTTPS); HTTP there is refused", () => {
    for (const region of REGIONS) {
      const tg = all(app(prod, region), "aws_lb_target_group").find((t) => t.target_type === "ip");
      expect(tg).toMatchObject({ protocol: "HTTPS", health_check: expect.objectContaining({ protocol: "HTTPS" }) });
    }
    expect(all(app(dev, "us-east-1"), "aws_lb_target_group").find((t) => t.target_type === "ip").protocol).toBe("HTTP");
    expect(() => validateConfig(rawVariant("prod", { service: { targetProtocol: "HTTP" } }), "prod.json")).toThrow(/service\.targetProtocol: sends requests from the load balancer to the tasks in plain text.*\(got "HTTP"\)/);
  });
});

describe("finding 6: the database logs keep no bind values", () => {
  const parameters = (a: SynthesizedApp, region: string) =>
    Object.fromEntries(onlyResource(a.stacks[`data-${region}`] as TerraformJson, "aws_rds_cluster_parameter_group").parameter.map((p: any) => [p.name, p.value]));

  test("PostgreSQL: slow statements are logged without their parameters, on error too, in both regions", () => {
    for (const region of REGIONS) expect(parameters(prod, region)).toMatchObject({ log_min_duration_statement: "1000", log_parameter_max_length: "0", log_parameter_max_length_on_error: "0", log_statement: "none" });
  });

  test("MySQL: the general and slow query logs (statements with their values) are off; the audit log records connections only", () => {
    const mysql = synthConfig(configVariant("variant-e"));
    for (const region of ["us-east-1", "us-west-2"]) {
      expect(parameters(mysql, region)).toMatchObject({ general_log: "0", slow_query_log: "0", server_audit_logging: "1", server_audit_events: "CONNECT" });
    }
  });
});
