/**
 * What a first deploy and the running service need, checked on the synthesized JSON of every shipped
 * configuration (config/*.json, synthesized once per run by the jest global setup). Each block is one
 * defect class found in a review of the output against AWS and hashicorp/aws 6.25 behaviour; each test
 * is written over the JSON generically (by resource type, role or reference), not over today's names.
 */
import * as path from "path";
import { SynthesizedApp } from "../app/layout-check";
import { AURORA_MYSQL_LTS_LINES, AURORA_MYSQL_V3, DEFAULT_ENGINE_VERSIONS, lookUpEngineVersion } from "../lib/config/data/aurora-engines";
import { readConfigFile, validateConfig } from "../lib/config/load";
import { DrConfig } from "../lib/config/model";
import { BACKUP_FULL_MANAGEMENT_RESOURCE_TYPES, BACKUP_OPT_IN_RESOURCE_TYPES } from "../constructs/data/regional-backup";
import { INTERFACE_ENDPOINT_SERVICES } from "../lib/endpoint-services";
import { planSubnets } from "../lib/subnet-plan";
import { TERRAFORM_REQUIRED_VERSION } from "../stacks/dr-stack";
import { regionCidr } from "../stacks/region-settings";
import { shippedConfigFiles } from "./support/config";
import { resourcesAllowed, roleOfReference, roleStatements, trustStatements } from "./support/iam";
import { asList, parseReference } from "./support/policy";
import { synthConfig } from "./support/synth";

const shipped: [string, DrConfig][] = shippedConfigFiles().map((f) => [path.basename(f, ".json"), readConfigFile(f)]);

describe.each(shipped)("%s", (_name, config) => {
  let app: SynthesizedApp;
  beforeAll(() => {
    app = synthConfig(config);
  });

  test("every stack requires the Terraform version its output needs (write-only arguments: 1.11)", () => {
    expect(TERRAFORM_REQUIRED_VERSION).toMatch(/^>= 1\.(1[1-9]|[2-9]\d)\.\d+, < 2\.0\.0$/);
    for (const [id, stack] of Object.entries(app.stacks)) {
      expect([id, stack.terraform.required_version]).toEqual([id, TERRAFORM_REQUIRED_VERSION]);
    }
  });
});

/** The app container's secrets and the two roles of each region's task definition. */
function taskDefinitionOf(stack: any) {
  const [definition] = Object.values<any>(stack.resource.aws_ecs_task_definition);
  const [container] = JSON.parse(definition.container_definitions);
  return {
    secrets: container.secrets as { name: string; valueFrom: string }[],
    executionRole: roleOfReference(definition.execution_role_arn),
    taskRole: roleOfReference(definition.task_role_arn),
  };
}

/** A reference to an ARN attribute, or a literal ARN: what ECS accepts for a Secrets Manager secret. */
const isArnValue = (value: string) => value.startsWith("arn:") || /^\$\{[^}]+\.arn\}$/.test(value);
const isSsmArn = (value: string) => /^arn:[^:]+:ssm:/.test(value);
/** The secret's ARN without the optional ":json-key:version-stage:version-id" suffix ECS accepts. */
const secretArnOf = (valueFrom: string) => (valueFrom.startsWith("${") ? valueFrom.replace(/^(\$\{[^}]+\}).*$/, "$1") : valueFrom.split(":").slice(0, 7).join(":"));

describe.each(shipped)("%s: database credentials in the tasks", (_name, config) => {
  let app: SynthesizedApp;
  beforeAll(() => {
    app = synthConfig(config);
  });
  const regions = [config.regions.primary, config.regions.secondary];

  test.each(regions)("app-%s: every secret is injected by full ARN (ECS reads a bare name as an SSM parameter), and none is the master credentials (issue 18: IAM database authentication)", (region) => {
    const { secrets } = taskDefinitionOf(app.stacks[`app-${region}`]);
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets) expect([secret.name, isArnValue(secret.valueFrom)]).toEqual([secret.name, true]);
    expect(secrets.map((s) => s.name)).not.toContain("DATABASE_CREDENTIALS");
    expect(JSON.stringify(secrets)).not.toContain("db-master");
  });

  test.each(regions)("app-%s: the execution role may read exactly the secrets and parameters the task definition names", (region) => {
    const stack = app.stacks[`app-${region}`];
    const { secrets, executionRole } = taskDefinitionOf(stack);
    const statements = roleStatements(stack, executionRole);
    const fromSecretsManager = secrets.filter((s) => !isSsmArn(s.valueFrom)).map((s) => secretArnOf(s.valueFrom));
    const fromSsm = secrets.filter((s) => isSsmArn(s.valueFrom)).map((s) => s.valueFrom);
    expect(resourcesAllowed(statements, "secretsmanager:GetSecretValue").sort()).toEqual([...new Set(fromSecretsManager)].sort());
    expect(resourcesAllowed(statements, "ssm:GetParameters").sort()).toEqual([...new Set(fromSsm)].sort());
  });

  test.each(regions)("app-%s: the task role may not read the master secret; it connects with IAM database authentication (README, \"Database credentials\")", (region) => {
    const stack = app.stacks[`app-${region}`];
    const { taskRole } = taskDefinitionOf(stack);
    const statements = roleStatements(stack, taskRole);
    expect(resourcesAllowed(statements, "secretsmanager:GetSecretValue")).toEqual([]);
    expect(resourcesAllowed(statements, "rds-db:connect").length).toBeGreaterThan(0);
  });
});

describe.each(shipped)("%s: network.crossRegionDatabaseAccess", (_name, config) => {
  let app: SynthesizedApp;
  beforeAll(() => {
    app = synthConfig(config);
  });
  const regions = [config.regions.primary, config.regions.secondary];
  const groupOf = (value: string) => /security-groups_([a-z]+)_/.exec(value)?.[1];

  test.each(regions)("base-%s: every group that may reach the local database may also reach the peer region's database subnets, which admit it", (region) => {
    const peer = region === config.regions.primary ? config.regions.secondary : config.regions.primary;
    const port = config.database.port;
    const rules = (stack: string, type: string) => Object.values<any>(app.stacks[stack].resource[type] ?? {});
    const clients = rules(`base-${region}`, "aws_vpc_security_group_ingress_rule")
      .filter((r) => groupOf(r.security_group_id) === "db" && r.referenced_security_group_id)
      .map((r) => groupOf(r.referenced_security_group_id)!)
      .sort();
    // Issue 18: the failover functions use the RDS API, never a database connection; only the tasks reach the database.
    expect(clients).toEqual(["tasks"]);
    // The peer's subnets as lib/subnet-plan.ts carves them: one rule per subnet, never a whole tier or VPC block.
    const peerDatabaseCidrs = planSubnets(regionCidr(config, peer), config.network.availabilityZones).isolated;
    const ownApplicationCidrs = planSubnets(regionCidr(config, region), config.network.availabilityZones).private;
    const peerAdmits = rules(`base-${peer}`, "aws_vpc_security_group_ingress_rule")
      .filter((r) => groupOf(r.security_group_id) === "db" && r.from_port === port && r.cidr_ipv4)
      .map((r) => r.cidr_ipv4);
    const egressToPeer = (group: string) =>
      rules(`base-${region}`, "aws_vpc_security_group_egress_rule")
        .filter((r) => groupOf(r.security_group_id) === group && r.from_port === port && r.to_port === port && peerDatabaseCidrs.includes(r.cidr_ipv4))
        .map((r) => r.cidr_ipv4);
    for (const group of clients) {
      if (config.network.crossRegionDatabaseAccess) {
        expect([group, egressToPeer(group)]).toEqual([group, peerDatabaseCidrs]);
        expect(peerAdmits).toEqual(ownApplicationCidrs);
      } else {
        expect([group, egressToPeer(group)]).toEqual([group, []]);
        expect(peerAdmits).toEqual([]);
      }
    }
  });
});

describe.each(shipped)("%s: encrypted event buses", (_name, config) => {
  let app: SynthesizedApp;
  beforeAll(() => {
    app = synthConfig(config);
  });

  test.each([config.regions.primary, config.regions.secondary])(
    "app-%s: the key of each event bus lets EventBridge DescribeKey, GenerateDataKey and Decrypt (eb-encryption-key-policy)",
    (region) => {
      const buses = Object.values<any>(app.stacks[`app-${region}`].resource.aws_cloudwatch_event_bus ?? {});
      expect(buses.length).toBeGreaterThan(0);
      for (const bus of buses) {
        // The bus names its key by an alias looked up in-region; the key and its policy live in the region's base stack.
        const lookup = parseReference(bus.kms_key_identifier)!;
        const aliasName = app.stacks[`app-${region}`].data.aws_kms_alias[lookup.name].name;
        const base = app.stacks[`base-${region}`];
        const alias = Object.values<any>(base.resource.aws_kms_alias).find((a) => a.name === aliasName);
        const key = base.resource.aws_kms_key[parseReference(alias.target_key_id)!.name];
        const policy = base.data.aws_iam_policy_document[parseReference(key.policy)!.name];
        const forEventBridge = asList(policy.statement).filter(
          (s: any) => s.effect !== "Deny" && asList(s.principals).some((p: any) => p.type === "Service" && asList(p.identifiers).includes("events.amazonaws.com")),
        );
        const allowed = forEventBridge.flatMap((s: any) => asList<string>(s.actions));
        const grants = (action: string) => allowed.some((a) => a === action || (a.endsWith("*") && action.startsWith(a.slice(0, -1))));
        expect(["kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt"].filter((a) => !grants(a))).toEqual([]);
      }
    },
  );
});

describe.each(shipped)("%s: WAF", (_name, config) => {
  let app: SynthesizedApp;
  beforeAll(() => {
    app = synthConfig(config);
  });

  test("GIVEN the protected (payments-grade) profile THEN every internet-facing load balancer is behind a web ACL", () => {
    for (const region of [config.regions.primary, config.regions.secondary]) {
      const stack = app.stacks[`app-${region}`];
      const publicBalancers = Object.entries<any>(stack.resource.aws_lb ?? {}).filter(([, lb]) => lb.internal !== true);
      expect(publicBalancers.length).toBeGreaterThan(0);
      const associated = new Set(
        Object.values<any>(stack.resource.aws_wafv2_web_acl_association ?? {}).map((a) => parseReference(a.resource_arn)?.name),
      );
      for (const [name] of publicBalancers) {
        expect([region, name, associated.has(name)]).toEqual([region, name, config.waf.enabled]);
        if (config.destroyProfile === "protected") expect([region, name, associated.has(name)]).toEqual([region, name, true]);
      }
    }
  });
});

describe.each(shipped)("%s: service roles", (_name, config) => {
  let app: SynthesizedApp;
  beforeAll(() => {
    app = synthConfig(config);
  });

  test("every role a service assumes trusts it only for this account or a named source (aws:SourceAccount / aws:SourceArn)", () => {
    const unconditioned: string[] = [];
    let roles = 0;
    for (const [stackId, stack] of Object.entries(app.stacks)) {
      for (const name of Object.keys(stack.resource?.aws_iam_role ?? {})) {
        roles++;
        for (const statement of trustStatements(stack, name)) {
          const services = statement.principals.filter((p) => p.type === "Service").flatMap((p) => p.identifiers);
          if (services.length === 0) continue;
          const bound = statement.conditions.some((c) => ["aws:SourceAccount", "aws:SourceArn"].includes(c.variable));
          if (!bound) unconditioned.push(`${stackId}/${name} (${services.join(", ")})`);
        }
      }
    }
    expect(roles).toBeGreaterThan(10);
    expect(unconditioned).toEqual([]);
  });
});

describe.each(shipped)("%s: Lambda targets", (_name, config) => {
  let app: SynthesizedApp;
  beforeAll(() => {
    app = synthConfig(config);
  });

  test("every Lambda target group checks less often than its function may run (interval > function timeout > check timeout)", () => {
    let checked = 0;
    for (const stack of Object.values(app.stacks)) {
      for (const attachment of Object.values<any>(stack.resource?.aws_lb_target_group_attachment ?? {})) {
        const group = stack.resource.aws_lb_target_group[parseReference(attachment.target_group_arn)!.name];
        if (group.target_type !== "lambda") continue;
        const fn = stack.resource.aws_lambda_function[parseReference(attachment.target_id)!.name];
        checked++;
        expect(group.health_check.enabled).toBe(true);
        expect(group.health_check.interval).toBeGreaterThan(fn.timeout);
        expect(group.health_check.timeout).toBeLessThan(group.health_check.interval);
      }
    }
    expect(checked).toBe(2);
  });
});

describe.each(shipped)("%s: AWS Backup region settings", (_name, config) => {
  let app: SynthesizedApp;
  beforeAll(() => {
    app = synthConfig(config);
  });

  test("state every resource type DescribeRegionSettings returns, so a plan after apply shows no diff", () => {
    const settings = Object.values(app.stacks).flatMap((stack) => Object.values<any>(stack.resource?.aws_backup_region_settings ?? {}));
    expect(settings).toHaveLength(config.backup.manageRegionSettings ? 2 : 0);
    for (const s of settings) {
      expect(Object.keys(s.resource_type_opt_in_preference).sort()).toEqual([...BACKUP_OPT_IN_RESOURCE_TYPES].sort());
      expect(Object.keys(s.resource_type_management_preference).sort()).toEqual([...BACKUP_FULL_MANAGEMENT_RESOURCE_TYPES].sort());
      // The types this project backs up and copies across regions are opted in and fully managed where AWS offers it.
      expect(s.resource_type_opt_in_preference).toMatchObject({ Aurora: true, DynamoDB: true, S3: true });
      expect(s.resource_type_management_preference).toMatchObject({ DynamoDB: true });
    }
  });
});

describe.each(shipped)("%s: cross-region backup copies", (_name, config) => {
  let app: SynthesizedApp;
  beforeAll(() => {
    app = synthConfig(config);
  });

  test.each([config.regions.primary, config.regions.secondary])(
    "data-%s: daily and monthly recovery points are copied to the other region; hourly ones only where configuration asks",
    (region) => {
      const peer = region === config.regions.primary ? config.regions.secondary : config.regions.primary;
      const [plan] = Object.values<any>(app.stacks[`data-${region}`].resource.aws_backup_plan);
      const copiesOf = (rule: string) =>
        asList<any>(asList<any>(plan.rule).find((r) => r.rule_name === rule).copy_action)
          .map((c) => c.destination_vault_arn)
          .filter((arn: string) => arn.includes(`:backup:${peer}:`));
      expect(copiesOf("daily")).toHaveLength(1);
      expect(copiesOf("monthly")).toHaveLength(1);
      expect(copiesOf("hourly")).toHaveLength(config.backup.copyHourlyRecoveryPoints ? 1 : 0);
    },
  );
});

describe.each(shipped)("%s: interface endpoints", (_name, config) => {
  let app: SynthesizedApp;
  beforeAll(() => {
    app = synthConfig(config);
  });

  test("follow the profile: every API of the failover path in the protected profile, none in the destroyable one (its NAT gateway reaches the APIs)", () => {
    const expected = config.destroyProfile === "protected" ? [...INTERFACE_ENDPOINT_SERVICES] : [];
    for (const region of [config.regions.primary, config.regions.secondary]) {
      const services = Object.values<any>(app.stacks[`base-${region}`].resource.aws_vpc_endpoint)
        .filter((e) => e.vpc_endpoint_type === "Interface")
        .map((e) => e.service_name.replace(`com.amazonaws.${region}.`, ""));
      expect([region, services.sort()]).toEqual([region, expected.sort()]);
    }
  });
});

describe.each(shipped)("%s: engine lifecycle", (_name, config) => {
  let app: SynthesizedApp;
  beforeAll(() => {
    app = synthConfig(config);
  });

  test("every Aurora cluster (and a PostgreSQL global cluster) states engine_lifecycle_support from configuration, never AWS's paid default by omission", () => {
    const clusters = Object.values(app.stacks).flatMap((stack) => Object.values<any>(stack.resource?.aws_rds_cluster ?? {}));
    const globals = Object.values(app.stacks).flatMap((stack) => Object.values<any>(stack.resource?.aws_rds_global_cluster ?? {}));
    expect([clusters.length, globals.length]).toEqual([2, 1]);
    const choices = ["open-source-rds-extended-support", "open-source-rds-extended-support-disabled"];
    for (const cluster of clusters) {
      expect(choices).toContain(cluster.engine_lifecycle_support);
      expect(cluster.engine_lifecycle_support).toBe(config.database.engineLifecycleSupport);
    }
    // CreateGlobalCluster's EngineLifecycleSupport applies only to Aurora PostgreSQL-based global databases.
    for (const global of globals) {
      expect(global.engine_lifecycle_support).toBe(config.database.engine === "aurora-postgresql" ? config.database.engineLifecycleSupport : undefined);
    }
  });
});

describe("default engine versions", () => {
  test("the default Aurora PostgreSQL is a current major (not 14, past community end of life in November 2026) with global databases, Serverless v2 and rds.global_db_rpo", () => {
    const found = lookUpEngineVersion("aurora-postgresql", DEFAULT_ENGINE_VERSIONS["aurora-postgresql"]);
    expect(found.ok).toBe(true);
    if (!found.ok) return;
    expect(Number(found.facts.version.split(".")[0])).toBeGreaterThanOrEqual(16);
    expect(found.facts).toMatchObject({ globalDatabase: true, serverlessV2: true, globalDbRpo: true });
    expect(found.facts.endOfStandardSupport! > "2028-12-31").toBe(true);
  });

  test("the default Aurora MySQL is the latest patch of the newest long-term-support line", () => {
    const version = DEFAULT_ENGINE_VERSIONS["aurora-mysql"];
    const [, line, patch] = /^8\.0\.mysql_aurora\.(\d+\.\d+)\.(\d+)$/.exec(version)!;
    const newestLts = [...AURORA_MYSQL_LTS_LINES].sort().pop();
    expect(line).toBe(newestLts);
    const row = AURORA_MYSQL_V3.find((r) => r.line === line)!;
    expect(Number(patch)).toBe(Math.max(...row.patches));
    expect(lookUpEngineVersion("aurora-mysql", version)).toMatchObject({ ok: true, facts: { globalDatabase: true, serverlessV2: true } });
  });

  test("extended support is declined unless configuration asks for it", () => {
    const minimal = { environment: "min", suffix: "min", regions: { primary: "us-east-1", secondary: "us-west-2" }, targets: { rpoSeconds: 60, rtoSeconds: 600 }, dns: { domainName: "min.example.com" }, service: { imageDigest: `sha256:${"0".repeat(64)}` } };
    expect(validateConfig(minimal, "minimal.json").database.engineLifecycleSupport).toBe("open-source-rds-extended-support-disabled");
  });
});
