/**
 * Issue 18, data protection and platform findings, on the synthesized Terraform JSON (one behaviour per test):
 * backups no insider can delete, VPC endpoint and bucket policies, Terraform state restricted to the deploy roles,
 * the paging URL kept out of the output, WAF log redaction, CloudTrail data events and Object Lock, permissions
 * boundaries in the protected profile, service-role trust, and approval requests kept out of e-mail.
 */
import * as fs from "fs";
import * as path from "path";
import { SynthesizedApp, TerraformJson } from "../app/layout-check";
import { configVariant, shippedConfigFiles } from "./support/config";
import { readConfigFile } from "../lib/config/load";
import { asList, parseReference } from "./support/policy";
import { synthConfig } from "./support/synth";

const DEPLOY = "arn:aws:iam::111122223333:role/txdr-deploy-prd";
const BREAK_GLASS = "arn:aws:iam::111122223333:role/txdr-break-glass";

const byType = (stack: TerraformJson, type: string): any[] => Object.values(stack.resource?.[type] ?? {});
const onlyOf = (stack: TerraformJson, type: string): any => {
  const found = byType(stack, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
};

/** The statements of the aws_iam_policy_document a policy argument references. */
function statementsOf(stack: TerraformJson, reference: string): any[] {
  const ref = parseReference(reference);
  if (!ref || ref.type !== "aws_iam_policy_document") throw new Error(`not a policy document reference: ${reference}`);
  return asList(stack.data.aws_iam_policy_document[ref.name].statement).map((s: any) => ({
    ...s,
    actions: asList(s.actions),
    resources: asList(s.resources),
    condition: asList(s.condition),
    principals: asList(s.principals),
  }));
}
const conditionOf = (statement: any, variable: string) => statement.condition.find((c: any) => c.variable === variable);
const roleSuffix = (arn: string) => /:role\/(.+)$/.exec(arn)?.[1];

describe("backups no insider can delete (protected profile: prod)", () => {
  let prod: SynthesizedApp;
  beforeAll(() => {
    prod = synthConfig(configVariant("prod"));
  });

  test.each(["us-east-1", "us-east-2"])("%s: the vault lock is in compliance mode (a cooling-off of at least 3 days) with a minimum retention of at least 7 days", (region) => {
    const lock = onlyOf(prod.stacks[`data-${region}`], "aws_backup_vault_lock_configuration");
    expect(lock.changeable_for_days).toBeGreaterThanOrEqual(3);
    expect(lock.min_retention_days).toBeGreaterThanOrEqual(7);
    expect(lock.max_retention_days).toBeLessThanOrEqual(36500);
    // Every rule, copies included, is kept within the lock's bounds (AWS Backup fails a job outside them).
    const plan = onlyOf(prod.stacks[`data-${region}`], "aws_backup_plan");
    for (const rule of plan.rule) {
      expect(rule.lifecycle.delete_after).toBeGreaterThanOrEqual(lock.min_retention_days);
      for (const copy of rule.copy_action) expect(copy.lifecycle.delete_after).toBeGreaterThanOrEqual(lock.min_retention_days);
    }
  });

  test.each(["us-east-1", "us-east-2"])("%s: the vault access policy denies deleting recovery points, shortening their lifecycle and deleting the vault to everyone, and changing the policy or the lock to all but the deploy and break-glass roles", (region) => {
    const stack = prod.stacks[`data-${region}`];
    const policy = onlyOf(stack, "aws_backup_vault_policy");
    expect(policy.backup_vault_name).toMatch(/aws_backup_vault\./);
    const statements = statementsOf(stack, policy.policy);
    const everyone = statements.find((s) => s.actions.includes("backup:DeleteRecoveryPoint"));
    expect(everyone).toMatchObject({ effect: "Deny", principals: [{ type: "AWS", identifiers: ["*"] }], resources: ["*"] });
    expect(everyone.actions).toEqual(expect.arrayContaining(["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle", "backup:DeleteBackupVault"]));
    expect(everyone.condition).toEqual([]);
    const others = statements.find((s) => s.actions.includes("backup:PutBackupVaultAccessPolicy"));
    expect(others).toMatchObject({ effect: "Deny", principals: [{ type: "AWS", identifiers: ["*"] }] });
    expect(others.actions).toEqual(
      expect.arrayContaining(["backup:DeleteBackupVaultAccessPolicy", "backup:PutBackupVaultLockConfiguration", "backup:DeleteBackupVaultLockConfiguration"]),
    );
    expect(others.condition).toEqual([{ test: "ArnNotLike", variable: "aws:PrincipalArn", values: [DEPLOY, BREAK_GLASS] }]);
  });

  test.each(["us-east-1", "us-east-2"])("%s: the daily and monthly recovery points are also copied to a logically air-gapped vault, encrypted with the AWS-owned key by default", (region) => {
    const stack = prod.stacks[`data-${region}`];
    const vault = onlyOf(stack, "aws_backup_logically_air_gapped_vault");
    expect(vault.encryption_key_arn).toBeUndefined();
    expect(vault.min_retention_days).toBeGreaterThanOrEqual(7);
    expect(vault.lifecycle).toEqual({ prevent_destroy: true });
    const plan = onlyOf(stack, "aws_backup_plan");
    const copiesToAirGap = (ruleName: string) =>
      plan.rule.find((r: any) => r.rule_name === ruleName).copy_action.filter((c: any) => /aws_backup_logically_air_gapped_vault\./.test(c.destination_vault_arn));
    expect(copiesToAirGap("daily")).toHaveLength(1);
    expect(copiesToAirGap("monthly")).toHaveLength(1);
    for (const rule of ["daily", "monthly"]) {
      const [copy] = copiesToAirGap(rule);
      expect(copy.lifecycle.delete_after).toBeGreaterThanOrEqual(vault.min_retention_days);
      expect(copy.lifecycle.delete_after).toBeLessThanOrEqual(vault.max_retention_days);
    }
  });

  test("GIVEN a destination vault of another account per region THEN the daily and monthly points are copied there, and the data key lets that account copy Aurora snapshots", () => {
    const app = synthConfig(
      configVariant("prod", {
        backup: {
          crossAccountCopy: {
            destinationVaultArns: {
              "us-east-1": "arn:aws:backup:us-east-1:210987654321:backup-vault:dr-copies",
              "us-east-2": "arn:aws:backup:us-east-2:210987654321:backup-vault:dr-copies",
            },
          },
        },
      }),
    );
    const plan = onlyOf(app.stacks["data-us-east-2"], "aws_backup_plan");
    for (const rule of ["daily", "monthly"]) {
      expect(plan.rule.find((r: any) => r.rule_name === rule).copy_action.map((c: any) => c.destination_vault_arn)).toContain(
        "arn:aws:backup:us-east-2:210987654321:backup-vault:dr-copies",
      );
    }
    const base = app.stacks["base-us-east-2"];
    const dataKey = Object.values<any>(base.resource.aws_kms_key).find((k) => /data key/.test(k.description));
    const shared = statementsOf(base, dataKey.policy).filter((s) => s.principals.some((p: any) => p.identifiers.some((id: string) => id.includes(":210987654321:root"))));
    expect(shared.flatMap((s) => s.actions)).toEqual(expect.arrayContaining(["kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant"]));
  });

  test("GIVEN the destroyable profile (dev) THEN there is no vault access policy (the vault is destroyed with its points) and no air-gapped vault", () => {
    const dev = synthConfig(configVariant("dev"));
    expect(byType(dev.stacks["data-us-east-1"], "aws_backup_vault_policy")).toEqual([]);
    expect(byType(dev.stacks["data-us-east-1"], "aws_backup_logically_air_gapped_vault")).toEqual([]);
  });
});

describe("VPC endpoints and bucket policies", () => {
  let prod: SynthesizedApp;
  beforeAll(() => {
    prod = synthConfig(configVariant("prod"));
  });

  const endpoints = (region: string) => byType(prod.stacks[`base-${region}`], "aws_vpc_endpoint");
  const gateway = (region: string, service: string) => endpoints(region).find((e) => e.service_name === `com.amazonaws.${region}.${service}`);

  test.each(["us-east-1", "us-east-2"])("%s: the S3 gateway endpoint admits this account's principals to this region's deployment buckets only, and ECR's image layers", (region) => {
    const stack = prod.stacks[`base-${region}`];
    const statements = statementsOf(stack, gateway(region, "s3").policy);
    const account = statements.find((s) => conditionOf(s, "aws:PrincipalAccount"));
    const code = region === "us-east-1" ? "use1" : "use2";
    const buckets = account.resources.map((r: string) => /:s3:::(.+)$/.exec(r)![1]);
    expect([...new Set(buckets.map((b: string) => b.replace(/\/\*$/, "")))].sort()).toEqual([`txdr-appdata-${code}-prd`, `txdr-txlogs-${code}-prd`]);
    expect(conditionOf(account, "aws:PrincipalAccount").values).toEqual([expect.stringContaining("account_id")]);
    const layers = statements.find((s) => s.resources.some((r: string) => r.includes("starport-layer-bucket")));
    expect(layers).toMatchObject({ effect: "Allow", actions: ["s3:GetObject"], resources: [expect.stringMatching(new RegExp(`:s3:::prod-${region}-starport-layer-bucket/\\*$`))] });
    expect(statements).toHaveLength(2);
  });

  test.each(["us-east-1", "us-east-2"])("%s: the DynamoDB gateway endpoint admits this account's principals to the deployment's tables (and their indexes) only", (region) => {
    const stack = prod.stacks[`base-${region}`];
    const [statement] = statementsOf(stack, gateway(region, "dynamodb").policy);
    const tables = [...new Set(statement.resources.map((r: string) => /:table\/([^/]+)/.exec(r)![1]))].sort();
    expect(tables).toEqual(["txdr-control-prd", "txdr-failover-lock-prd", "txdr-sessions-prd", "txdr-txmeta-prd"]);
    expect(statement.resources.every((r: string) => r.includes(`:dynamodb:${region}:`))).toBe(true);
    expect(conditionOf(statement, "aws:PrincipalAccount")).toBeDefined();
  });

  /** The IAM prefix of each interface endpoint's service, as AWS's service authorization reference names it. */
  const ACTION_PREFIX: Record<string, string> = {
    "ecr.api": "ecr",
    "ecr.dkr": "ecr",
    logs: "logs",
    monitoring: "cloudwatch",
    secretsmanager: "secretsmanager",
    kms: "kms",
    sts: "sts",
    ssm: "ssm",
    sns: "sns",
    sqs: "sqs",
    states: "states",
    rds: "rds",
    "application-autoscaling": "application-autoscaling",
    elasticloadbalancing: "elasticloadbalancing",
    events: "events",
    xray: "xray",
  };

  test("every interface endpoint but ECS's (API, agent, telemetry: no custom endpoint policy) lets through only its own service's actions, for this account's principals and AWS services", () => {
    for (const region of ["us-east-1", "us-east-2"]) {
      const stack = prod.stacks[`base-${region}`];
      const interfaces = endpoints(region).filter((e) => e.vpc_endpoint_type === "Interface");
      expect(interfaces.length).toBeGreaterThanOrEqual(19);
      for (const endpoint of interfaces) {
        const service = endpoint.service_name.split(".").slice(3).join(".");
        if (service === "ecs" || service === "ecs-agent" || service === "ecs-telemetry") {
          expect([service, endpoint.policy]).toEqual([service, undefined]);
          continue;
        }
        const statements = statementsOf(stack, endpoint.policy);
        expect(statements.map((s) => s.condition.map((c: any) => c.variable))).toEqual([["aws:PrincipalAccount"], ["aws:PrincipalIsAWSService"]]);
        expect([service, ...statements.map((s) => s.actions)]).toEqual([service, [`${ACTION_PREFIX[service]}:*`], [`${ACTION_PREFIX[service]}:*`]]);
      }
    }
  });

  describe.each(["us-east-1", "us-east-2"])("%s application buckets", (region) => {
    const peer = region === "us-east-1" ? "us-east-2" : "us-east-1";
    const code = (r: string) => (r === "us-east-1" ? "use1" : "use2");
    const denial = (purpose: string) => {
      const stack = prod.stacks[`data-${region}`];
      const bucket = Object.entries<any>(stack.resource.aws_s3_bucket).find(([, b]) => b.bucket === `txdr-${purpose}-${code(region)}-prd`)![0];
      const policy = byType(stack, "aws_s3_bucket_policy").find((p) => p.bucket === `\${aws_s3_bucket.${bucket}.id}`);
      return statementsOf(stack, policy.policy).find((s) => conditionOf(s, "aws:SourceVpce"));
    };

    test.each(["appdata", "txlogs"])("%s: object reads, writes, deletions and listings are denied unless they come through this region's S3 gateway endpoint", (purpose) => {
      const statement = denial(purpose);
      expect(statement).toMatchObject({ effect: "Deny", principals: [{ type: "*", identifiers: ["*"] }] });
      expect(statement.actions).toEqual(expect.arrayContaining(["s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*", "s3:ListBucket"]));
      const vpce = conditionOf(statement, "aws:SourceVpce");
      expect(vpce.test).toBe("StringNotEquals");
      // The endpoint's id, read from this region's base stack.
      expect(vpce.values).toEqual([expect.stringMatching(new RegExp(`terraform_remote_state\\.cross-stack-reference-input-base-${region}\\..*s3-gateway-endpoint`))]);
    });

    test.each(["appdata", "txlogs"])("%s: exempt are S3 replication (both regions' roles), this region's AWS Backup role, the other region's reconciler, and the deploy, break-glass and operator roles", (purpose) => {
      const exempt = conditionOf(denial(purpose), "aws:PrincipalArn");
      expect(exempt.test).toBe("ArnNotLike");
      const roles = exempt.values.map(roleSuffix);
      expect(roles).toEqual(
        expect.arrayContaining([
          `txdr-s3-replication-${code(region)}-prd`,
          `txdr-s3-replication-${code(peer)}-prd`,
          `txdr-backup-${code(region)}-prd`,
          `txdr-reconciler-${code(peer)}-prd`,
          "txdr-deploy-prd",
          "txdr-break-glass",
        ]),
      );
    });

    test.each(["appdata", "txlogs"])("%s: the application's own roles are not exempt: their data access must come through the endpoint", (purpose) => {
      const roles = conditionOf(denial(purpose), "aws:PrincipalArn").values.map(roleSuffix);
      for (const role of [`txdr-ecs-task-${code(region)}-prd`, `txdr-transaction-processor-${code(region)}-prd`, `txdr-reconciler-${code(region)}-prd`]) {
        expect(roles).not.toContain(role);
      }
      expect(roles).not.toContain(`txdr-backup-${code(peer)}-prd`);
    });
  });
});

describe("Terraform state: only the deploy and break-glass roles", () => {
  let prod: SynthesizedApp;
  beforeAll(() => {
    prod = synthConfig(configVariant("prod"));
  });

  test("both regions' state buckets deny reading and writing state to every principal but the deploy and break-glass roles", () => {
    const stack = prod.stacks.bootstrap;
    const policies = byType(stack, "aws_s3_bucket_policy");
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      const deny = statementsOf(stack, policy.policy).find((s) => conditionOf(s, "aws:PrincipalArn"));
      expect(deny).toMatchObject({ effect: "Deny", principals: [{ type: "*", identifiers: ["*"] }] });
      expect(deny.actions).toEqual(expect.arrayContaining(["s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*", "s3:ListBucket*", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"]));
      expect(deny.condition).toEqual([{ test: "ArnNotLike", variable: "aws:PrincipalArn", values: [DEPLOY, BREAK_GLASS] }]);
    }
  });

  test("both regions' lock tables carry a resource policy that denies their items to every principal but the deploy and break-glass roles", () => {
    const stack = prod.stacks.bootstrap;
    const policies = byType(stack, "aws_dynamodb_resource_policy");
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      expect(policy.resource_arn).toMatch(/^\$\{aws_dynamodb_table\.[^.]+\.arn\}$/);
      expect(policy.confirm_remove_self_resource_access).toBeUndefined();
      const [deny] = statementsOf(stack, policy.policy);
      expect(deny.effect).toBe("Deny");
      expect(deny.actions).toEqual(expect.arrayContaining(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:DeleteResourcePolicy"]));
      expect(deny.condition).toEqual([{ test: "ArnNotLike", variable: "aws:PrincipalArn", values: [DEPLOY, BREAK_GLASS] }]);
    }
  });

  test("every stack checks that the deploying credentials belong to the configured account before it plans", () => {
    for (const [id, stack] of Object.entries(prod.stacks)) {
      for (const caller of Object.values<any>(stack.data?.aws_caller_identity ?? {})) {
        expect([id, caller.lifecycle?.postcondition?.[0]?.condition]).toEqual([id, '${self.account_id == "111122223333"}']);
      }
    }
  });
});

describe("the paging service's integration URL", () => {
  test("is nowhere in prod's synthesized output; prod pages through the forwarder, which reads the URL from a secret Terraform never writes", () => {
    const prod = synthConfig(configVariant("prod"));
    const text = JSON.stringify(prod.stacks);
    expect(text).not.toMatch(/pagerduty|\/integration\//i);
    for (const region of ["us-east-1", "us-east-2"]) {
      const stack = prod.stacks[`base-${region}`];
      expect(byType(stack, "aws_sns_topic_subscription").map((s) => s.protocol).sort()).toEqual(["email", "lambda"]);
      const secret = byType(stack, "aws_secretsmanager_secret").find((s) => s.name === "txdr-paging-prd");
      expect(secret.kms_key_id).toMatch(/aws_kms_key\./);
      expect(byType(stack, "aws_secretsmanager_secret_version")).toEqual([]);
      const fn = byType(stack, "aws_lambda_function").find((f) => f.function_name === "txdr-paging-forwarder-prd");
      expect(fn.environment.variables.PAGING_SECRET_ID).toMatch(/aws_secretsmanager_secret\./);
      // Outside the VPC: it cannot reach the database, and it pages when the VPC is the problem.
      expect(fn.vpc_config).toBeUndefined();
      const policy = byType(stack, "aws_secretsmanager_secret_policy")[0];
      const [deny] = statementsOf(stack, policy.policy);
      expect(deny).toMatchObject({ effect: "Deny", actions: ["secretsmanager:GetSecretValue"] });
      expect(conditionOf(deny, "aws:PrincipalArn").values).toEqual([expect.stringMatching(/aws_iam_role\..*\.arn/), BREAK_GLASS]);
    }
  });

  test("the forwarder's failures go to its encrypted dead-letter queue after two retries, and besides logs, traces and keys its role only reads the secret and sends to that queue (the claims of its scan suppressions)", () => {
    const prod = synthConfig(configVariant("prod"));
    for (const region of ["us-east-1", "us-east-2"]) {
      const stack = prod.stacks[`base-${region}`];
      const [fnName, fn] = Object.entries<any>(stack.resource.aws_lambda_function).find(([, f]) => f.function_name === "txdr-paging-forwarder-prd")!;
      const [queueName, queue] = Object.entries<any>(stack.resource.aws_sqs_queue).find(([, q]) => q.name === "txdr-paging-dlq-prd")!;
      const [secretName] = Object.entries<any>(stack.resource.aws_secretsmanager_secret).find(([, x]) => x.name === "txdr-paging-prd")!;
      expect(queue.kms_master_key_id).toMatch(/aws_kms_key\./);
      const invoke = byType(stack, "aws_lambda_function_event_invoke_config").find((c) => c.function_name === `\${aws_lambda_function.${fnName}.function_name}`);
      expect(invoke).toMatchObject({ maximum_retry_attempts: 2, maximum_event_age_in_seconds: 3600, destination_config: { on_failure: { destination: `\${aws_sqs_queue.${queueName}.arn}` } } });
      const role = /^\$\{aws_iam_role\.([^.]+)\.arn\}$/.exec(fn.role)![1];
      const statements = byType(stack, "aws_iam_role_policy")
        .filter((p) => p.role === `\${aws_iam_role.${role}.id}` || p.role === `\${aws_iam_role.${role}.name}`)
        .flatMap((p) => statementsOf(stack, p.policy));
      const data = statements.filter((st) => !st.actions.every((a: string) => /^(logs|xray|kms):/.test(a)));
      expect(data.map((st) => [st.actions, st.resources])).toEqual([
        [["secretsmanager:GetSecretValue"], [`\${aws_secretsmanager_secret.${secretName}.arn}`]],
        [["sqs:SendMessage"], [`\${aws_sqs_queue.${queueName}.arn}`]],
      ]);
    }
  });
});

describe("approval requests never go by e-mail", () => {
  test.each(shippedConfigFiles().map((f) => [f.split("/").pop()!, f]))("%s: every e-mail subscription drops messages that carry a task token", (_name, file) => {
    const app = synthConfig(readConfigFile(file));
    const emails = Object.values(app.stacks).flatMap((s) => byType(s, "aws_sns_topic_subscription").filter((sub) => sub.protocol === "email"));
    expect(emails.length).toBeGreaterThan(0);
    for (const email of emails) {
      expect(email.filter_policy_scope).toBe("MessageBody");
      expect(JSON.parse(email.filter_policy)).toEqual({ taskToken: [{ exists: false }] });
    }
  });
});

describe("logs", () => {
  test("WAF logs redact the credentials a request may carry and the query string", () => {
    const prod = synthConfig(configVariant("prod"));
    for (const region of ["us-east-1", "us-east-2"]) {
      const logging = onlyOf(prod.stacks[`app-${region}`], "aws_wafv2_web_acl_logging_configuration");
      const headers = asList(logging.redacted_fields).flatMap((f: any) => (f.single_header ? [f.single_header.name] : []));
      expect(headers).toEqual(
        expect.arrayContaining([
          "authorization",
          "cookie",
          "x-amz-security-token",
          "x-amzn-mtls-clientcert",
          "x-amzn-mtls-clientcert-serial-number",
          "x-amzn-mtls-clientcert-issuer",
          "x-amzn-mtls-clientcert-subject",
          "x-amzn-mtls-clientcert-validity",
          "x-amzn-mtls-clientcert-leaf",
        ]),
      );
      expect(headers.every((h: string) => h === h.toLowerCase())).toBe(true);
      expect(asList(logging.redacted_fields).some((f: any) => f.query_string !== undefined)).toBe(true);
    }
  });

  test("the protected profile's trail records item-level calls on the project's tables and object-level calls on its data, state and Lambda code buckets, in both regions, besides management events", () => {
    const prod = synthConfig(configVariant("prod"));
    const trail = onlyOf(prod.stacks["base-us-east-2"], "aws_cloudtrail");
    const selectors = asList(trail.advanced_event_selector);
    const field = (selector: any, name: string) => asList(selector.field_selector).find((f: any) => f.field === name);
    expect(selectors.some((s: any) => field(s, "eventCategory").equals[0] === "Management")).toBe(true);
    const dynamodb = selectors.find((s: any) => field(s, "resources.type")?.equals?.[0] === "AWS::DynamoDB::Table");
    const tables = field(dynamodb, "resources.ARN").equals.map((arn: string) => /:dynamodb:([a-z0-9-]+):.*:table\/(.+)$/.exec(arn)!.slice(1).join(" "));
    expect(tables.sort()).toEqual(
      ["us-east-1", "us-east-2"].flatMap((r) => ["txdr-control-prd", "txdr-failover-lock-prd", "txdr-sessions-prd", "txdr-txmeta-prd"].map((t) => `${r} ${t}`)).sort(),
    );
    const s3 = selectors.find((s: any) => field(s, "resources.type")?.equals?.[0] === "AWS::S3::Object");
    const buckets = field(s3, "resources.ARN").starts_with.map((arn: string) => /:s3:::(.+)\/$/.exec(arn)![1]);
    expect(buckets.sort()).toEqual([
      "txdr-appdata-use1-prd",
      "txdr-appdata-use2-prd",
      // Who uploaded or signed which function code.
      "txdr-lambda-use1-prd",
      "txdr-lambda-use2-prd",
      "txdr-tfstate-use1-prd",
      "txdr-tfstate-use2-prd",
      "txdr-txlogs-use1-prd",
      "txdr-txlogs-use2-prd",
    ]);
    // Reads too: who read the ledger matters to an auditor.
    expect(field(dynamodb, "readOnly")).toBeUndefined();
  });

  test("the protected profile's trail bucket keeps every log file write-once (Object Lock, compliance mode, a year)", () => {
    const prod = synthConfig(configVariant("prod"));
    const lock = onlyOf(prod.stacks["base-us-east-2"], "aws_s3_bucket_object_lock_configuration");
    expect(lock).toMatchObject({ object_lock_enabled: "Enabled", rule: { default_retention: { mode: "COMPLIANCE", days: 365 } } });
    expect(lock.bucket).toMatch(/aws_s3_bucket\.audit-trail_bucket/);
    expect(lock.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_versioning\./)]);
  });

  test("GIVEN the destroyable profile (dev) THEN the trail records management events only and its bucket has no Object Lock (it must be destroyable)", () => {
    const dev = synthConfig(configVariant("dev"));
    const trail = onlyOf(dev.stacks["base-us-east-2"], "aws_cloudtrail");
    expect(asList(trail.advanced_event_selector)).toHaveLength(1);
    expect(byType(dev.stacks["base-us-east-2"], "aws_s3_bucket_object_lock_configuration")).toEqual([]);
  });

  test("GIVEN audit.dataEvents writes THEN the data selectors record only the calls that change data", () => {
    const app = synthConfig(configVariant("prod", { audit: { dataEvents: "writes" } }));
    const trail = onlyOf(app.stacks["base-us-east-2"], "aws_cloudtrail");
    const data = asList(trail.advanced_event_selector).filter((s: any) => asList(s.field_selector).some((f: any) => f.field === "eventCategory" && f.equals[0] === "Data"));
    expect(data).toHaveLength(2);
    for (const s of data) expect(asList(s.field_selector)).toContainEqual({ field: "readOnly", equals: ["false"] });
  });
});

describe("roles: permissions boundary and trust", () => {
  const shipped = shippedConfigFiles().map((f) => readConfigFile(f));

  test("every role of every protected shipped configuration carries its permissions boundary", () => {
    const protectedConfigs = shipped.filter((c) => c.destroyProfile === "protected");
    expect(protectedConfigs.length).toBeGreaterThanOrEqual(6);
    for (const config of protectedConfigs) {
      expect(config.iam.permissionsBoundaryArn).toMatch(/^arn:aws:iam::\d{12}:policy\//);
      const roles = Object.values(synthConfig(config).stacks).flatMap((s) => byType(s, "aws_iam_role"));
      expect(roles.length).toBeGreaterThan(10);
      for (const role of roles) expect([role.name, role.permissions_boundary]).toEqual([role.name, config.iam.permissionsBoundaryArn]);
    }
  });

  /**
   * Services whose role assumption carries no documented aws:SourceArn (so a condition on it would refuse the service):
   * their roles are bound by aws:SourceAccount alone. Everything else names its source.
   */
  const NO_SOURCE_ARN: Record<string, string> = {
    "lambda.amazonaws.com": "Lambda assumes an execution role without a documented aws:SourceArn",
    "backup.amazonaws.com": "AWS Backup documents no aws:SourceArn for the role of its jobs",
    "events.amazonaws.com": "EventBridge documents no aws:SourceArn for a global endpoint's replication role",
    // constructs/app/fargate-service.ts (the application tier's owner): ECS documents aws:SourceArn for it too (docs/security.md).
    "ecs-tasks.amazonaws.com": "the task execution role, owned by the application tier",
  };

  test.each(shipped.map((c) => [c.environment, c] as const))("%s: every service role's trust names the account, and the source where the service sends one (RDS monitoring, FIS, SSM, Step Functions, S3, VPC flow logs, CloudTrail)", (_env, config) => {
    const app = synthConfig(config);
    const missing: string[] = [];
    for (const [id, stack] of Object.entries(app.stacks)) {
      for (const role of byType(stack, "aws_iam_role")) {
        for (const statement of statementsOf(stack, role.assume_role_policy)) {
          const services: string[] = statement.principals.filter((p: any) => p.type === "Service").flatMap((p: any) => asList(p.identifiers));
          if (services.length === 0) continue;
          const variables = statement.condition.map((c: any) => c.variable);
          const account = variables.includes("aws:SourceAccount") || (variables.includes("aws:SourceArn") && services.includes("cloudtrail.amazonaws.com"));
          const source = variables.includes("aws:SourceArn") || services.every((s) => s in NO_SOURCE_ARN && !(s === "ecs-tasks.amazonaws.com" && /ecs-task-/.test(role.name)));
          if (!account || !source) missing.push(`${id} ${role.name} (${services.join(", ")}): ${variables.join(", ") || "no condition"}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});

describe("scan suppressions", () => {
  /** A test file a reason names, and the test or describe titles it quotes right after it ('...' or "..."). */
  const REFERENCE = /(__tests__\/[\w/.-]+\.ts)[,:]?\s+(?:'([^']+)'|"([^"]+)")/g;

  test("every test file a suppression's reason names exists, and every test title it quotes is in that file", () => {
    const root = path.resolve(__dirname, "..");
    const { suppressions } = JSON.parse(fs.readFileSync(path.join(root, "scan-suppressions.json"), "utf8")) as { suppressions: { resource: string; reason: string }[] };
    const missing: string[] = [];
    let quoted = 0;
    for (const { resource, reason } of suppressions) {
      for (const file of reason.match(/__tests__\/[\w/.-]+\.ts/g) ?? []) {
        if (!fs.existsSync(path.join(root, file))) missing.push(`${resource}: ${file} does not exist`);
      }
      for (const m of reason.matchAll(REFERENCE)) {
        const title = (m[2] ?? m[3]).replace(/\.\.\.$/, "").trim();
        quoted += 1;
        if (fs.existsSync(path.join(root, m[1])) && !fs.readFileSync(path.join(root, m[1]), "utf8").includes(title)) missing.push(`${resource}: "${title}" is not in ${m[1]}`);
      }
    }
    expect(quoted).toBeGreaterThanOrEqual(8);
    expect(missing).toEqual([]);
  });
});
