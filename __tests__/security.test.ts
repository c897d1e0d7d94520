import * as fs from "fs";
import * as path from "path";
import { SynthesizedApp, TerraformJson } from "../app/layout-check";
import { KEY_PURPOSES } from "../constructs/security/regional-keys";
import { configVariant, rawVariant } from "./support/config";
import { resourcesOf, runAppWithConfig, synthConfig } from "./support/synth";
import { readTree } from "./support/tree";

const byType = (stack: TerraformJson, type: string): [string, any][] => Object.entries(stack.resource?.[type] ?? {});

/** The policy document a resource's `policy` argument points at (an aws_iam_policy_document data source). */
function documentOf(stack: TerraformJson, reference: string): any {
  const name = /data\.aws_iam_policy_document\.([^.]+)\.json/.exec(reference)?.[1];
  if (!name) throw new Error(`Not a policy document reference: ${reference}`);
  return stack.data.aws_iam_policy_document[name];
}

describe("regional KMS keys", () => {
  let prod: SynthesizedApp;
  beforeAll(() => {
    prod = synthConfig(configVariant("prod"));
  });

  test.each(["us-east-1", "us-east-2"])("%s has one key per purpose, rotating, with the configured deletion window and an alias with the suffix", (region) => {
    const stack = prod.stacks[`base-${region}`];
    const aliases = byType(stack, "aws_kms_alias").map(([, a]) => a.name);
    expect(aliases).toEqual(expect.arrayContaining(KEY_PURPOSES.map((p) => `alias/txdr-${p}-prd`)));
    for (const [, key] of byType(stack, "aws_kms_key")) {
      expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30, lifecycle: { prevent_destroy: true } });
    }
  });

  test("no key policy statement grants kms:* to anyone (administration and use are separate statements: __tests__/keys.test.ts)", () => {
    for (const [id, stack] of Object.entries(prod.stacks)) {
      for (const [, key] of byType(stack, "aws_kms_key")) {
        for (const statement of documentOf(stack, key.policy).statement) expect([id, statement.sid, statement.actions]).toEqual([id, statement.sid, expect.not.arrayContaining(["kms:*"])]);
      }
    }
  });

  function statementsOfAlias(stack: TerraformJson, alias: string): any[] {
    const [, aliasBody] = byType(stack, "aws_kms_alias").find(([, a]) => a.name === alias)!;
    const keyName = /aws_kms_key\.([^.]+)\.key_id/.exec(aliasBody.target_key_id)![1];
    return documentOf(stack, stack.resource.aws_kms_key[keyName].policy).statement;
  }

  test("the logs key lets CloudWatch Logs of this region use it only for this account's log groups", () => {
    const logs = statementsOfAlias(prod.stacks["base-us-east-2"], "alias/txdr-logs-prd").find((s) => s.sid === "CloudWatchLogsForThisAccountsLogGroups");
    expect(logs.principals).toEqual([{ type: "Service", identifiers: ["logs.us-east-2.amazonaws.com"] }]);
    expect(logs.condition).toEqual([
      { test: "ArnLike", variable: "kms:EncryptionContext:aws:logs:arn", values: [expect.stringMatching(/^arn:.*:logs:us-east-2:.*:log-group:\*$/)] },
    ]);
  });

  test("the messaging key lets CloudWatch alarms, EventBridge, Backup and SNS publish to encrypted topics and queues, each conditioned", () => {
    const statements = statementsOfAlias(prod.stacks["base-us-east-1"], "alias/txdr-messaging-prd");
    const principals = statements.flatMap((s) => (s.principals[0].type === "Service" ? s.principals[0].identifiers : []));
    expect([...new Set(principals)].sort()).toEqual(["backup.amazonaws.com", "cloudwatch.amazonaws.com", "events.amazonaws.com", "sns.amazonaws.com"]);
    const cloudwatch = statements.find((s) => s.sid === "CloudWatchAlarmsPublishToEncryptedTopics");
    expect(cloudwatch.actions).toEqual(["kms:Decrypt", "kms:GenerateDataKey*"]);
    expect(cloudwatch.condition).toEqual([{ test: "StringEquals", variable: "aws:SourceAccount", values: [expect.stringContaining("account_id")] }]);
    // The bus: EventBridge's own calls carry the bus as aws:SourceArn (eb-encryption-key-policy).
    const bus = statements.find((s) => s.sid === "EventBridgeEncryptsTheApplicationBus");
    expect(bus.actions).toEqual(["kms:DescribeKey", "kms:Decrypt", "kms:GenerateDataKey*"]);
    expect(bus.condition).toEqual([
      { test: "StringEquals", variable: "aws:SourceAccount", values: [expect.stringContaining("account_id")] },
      { test: "ArnEquals", variable: "aws:SourceArn", values: [expect.stringMatching(/:events:us-east-1:.*:event-bus\/txdr-events-prd$/)] },
    ]);
    // Deliveries by rules carry no source keys: the project's topic or queue in the encryption context bounds them.
    const topics = statements.find((s) => s.sid === "EventBridgePublishesToTheProjectsEncryptedTopics");
    expect(topics.condition).toEqual([{ test: "ArnLike", variable: "kms:EncryptionContext:aws:sns:topicArn", values: [expect.stringMatching(/:sns:us-east-1:.*:txdr-\*-prd$/)] }]);
    const queues = statements.find((s) => s.sid === "EventBridgeDeliversToTheProjectsEncryptedQueues");
    expect(queues.condition).toEqual([{ test: "ArnLike", variable: "kms:EncryptionContext:aws:sqs:arn", values: [expect.stringMatching(/:sqs:us-east-1:.*:txdr-\*-prd$/)] }]);
  });

  test.each([
    ["data", { dynamodb: "ProjectRolesThroughDynamodb", s3: "ProjectRolesThroughS3", rds: "ProjectRolesThroughRds" }],
    ["secrets", { secretsmanager: "ProjectRolesThroughSecretsmanager", ssm: "ProjectRolesThroughSsm", lambda: "ProjectRolesThroughLambda" }],
    ["backup", { backup: "ProjectRolesThroughBackup" }],
  ])("the %s key is usable by named roles only, each through one service of its region, by this account", (purpose, bySid) => {
    const statements = statementsOfAlias(prod.stacks["base-us-east-1"], `alias/txdr-${purpose}-prd`);
    for (const [service, sid] of Object.entries(bySid)) {
      const use = statements.find((s) => s.sid === sid);
      expect(use.principals).toEqual([{ type: "AWS", identifiers: [expect.stringMatching(/:root$/)] }]);
      expect(use.condition).toEqual([
        { test: "ArnLike", variable: "aws:PrincipalArn", values: expect.arrayContaining([expect.stringMatching(/:role\/txdr-[a-z0-9-]+-use[12]-prd$/)]) },
        { test: "StringEquals", variable: "kms:ViaService", values: [`${service}.us-east-1.amazonaws.com`] },
        { test: "StringEquals", variable: "kms:CallerAccount", values: [expect.stringContaining("account_id")] },
      ]);
      expect(use.actions).not.toContain("kms:*");
    }
    // Nothing lets any principal of the account use the key merely because it calls through a service.
    expect(statements.filter((s) => s.principals.some((p: any) => p.identifiers.includes("*")))).toEqual([]);
  });

  test("GIVEN the destroyable profile THEN keys can be destroyed (dev)", () => {
    const dev = synthConfig(configVariant("dev"));
    for (const [, key] of byType(dev.stacks["base-us-east-1"], "aws_kms_key")) expect(key.lifecycle).toBeUndefined();
  });
});

describe("database credentials", () => {
  let prod: SynthesizedApp;
  beforeAll(() => {
    prod = synthConfig(configVariant("prod"));
  });

  test("the secret is encrypted with the primary region's secrets key and replicated with the DR region's own key", () => {
    const stack = prod.stacks["data-us-east-1"];
    const [[, secret]] = byType(stack, "aws_secretsmanager_secret");
    expect(secret).toMatchObject({
      name: "txdr-db-master-prd",
      kms_key_id: expect.stringMatching(/^\$\{data\.aws_kms_alias\.keys_secrets_[A-F0-9]+\.target_key_arn\}$/),
      replica: [{ region: "us-east-2", kms_key_id: "alias/txdr-secrets-prd" }],
      recovery_window_in_days: 30,
      lifecycle: { prevent_destroy: true },
    });
    const keyAlias = /data\.aws_kms_alias\.([^.]+)\./.exec(secret.kms_key_id)![1];
    expect(stack.data.aws_kms_alias[keyAlias].name).toBe("alias/txdr-secrets-prd");
  });

  test("the password is generated by an ephemeral resource and reaches the secret only through a write-only argument", () => {
    const stack = prod.stacks["data-us-east-1"];
    const [ephemeralName] = Object.keys(stack.ephemeral.aws_secretsmanager_random_password);
    const [[, version]] = byType(stack, "aws_secretsmanager_secret_version");
    expect(version.secret_string).toBeUndefined();
    expect(version.secret_string_wo).toContain(`"password" = ephemeral.aws_secretsmanager_random_password.${ephemeralName}.random_password`);
    expect(version.secret_string_wo_version).toBe(1);
  });

  test("GIVEN a new password version THEN the write-only version follows it (rotation through Terraform)", () => {
    const rotated = synthConfig(configVariant("prod", { database: { masterPasswordVersion: 2 } }));
    const [[, version]] = byType(rotated.stacks["data-us-east-1"], "aws_secretsmanager_secret_version");
    expect(version.secret_string_wo_version).toBe(2);
  });

  test("the DR region's data stack holds no credentials of its own (the replica is Secrets Manager's)", () => {
    expect(byType(prod.stacks["data-us-east-2"], "aws_secretsmanager_secret")).toEqual([]);
  });
});

describe("audit trail", () => {
  let prod: SynthesizedApp;
  beforeAll(() => {
    prod = synthConfig(configVariant("prod"));
  });

  test("one multi-region trail exists, in the DR region, with log file validation, its key and a log group", () => {
    const trails = Object.entries(prod.stacks).flatMap(([id, s]) => byType(s, "aws_cloudtrail").map(([, t]) => [id, t]));
    expect(trails).toHaveLength(1);
    const [stack, trail] = trails[0] as [string, any];
    expect(stack).toBe("base-us-east-2");
    expect(trail).toMatchObject({
      name: "txdr-audit-prd",
      is_multi_region_trail: true,
      include_global_service_events: true,
      enable_log_file_validation: true,
      kms_key_id: expect.stringMatching(/^\$\{aws_kms_key\.audit-trail_key_[A-F0-9]+\.arn\}$/),
      cloud_watch_logs_group_arn: expect.stringMatching(/aws_cloudwatch_log_group\..*\.arn\}:\*$/),
      depends_on: [expect.stringMatching(/^aws_s3_bucket_policy\.audit-trail_bucket_policy_/), expect.stringMatching(/^aws_s3_bucket_object_lock_configuration\./)],
    });
  });

  test("the trail bucket's policy lets only this trail, named by the ARN built from its name, check the ACL and write", () => {
    const stack = prod.stacks["base-us-east-2"];
    const [[, policy]] = byType(stack, "aws_s3_bucket_policy");
    const statements = documentOf(stack, policy.policy).statement;
    const trailArn = /^arn:\$\{data\.aws_partition\.[^}]+\}:cloudtrail:us-east-2:\$\{data\.aws_caller_identity\.[^}]+\}:trail\/txdr-audit-prd$/;
    const acl = statements.find((s: any) => s.sid === "CloudTrailChecksBucketAcl");
    const write = statements.find((s: any) => s.sid === "CloudTrailWritesThisAccountsLogs");
    expect(acl).toMatchObject({ actions: ["s3:GetBucketAcl"], principals: [{ type: "Service", identifiers: ["cloudtrail.amazonaws.com"] }] });
    expect(acl.condition[0]).toEqual({ test: "StringEquals", variable: "aws:SourceArn", values: [expect.stringMatching(trailArn)] });
    expect(write.resources).toEqual([expect.stringMatching(/^arn:.*:s3:::txdr-trail-use2-prd\/AWSLogs\/.*\/\*$/)]);
    expect(write.condition).toEqual(
      expect.arrayContaining([
        { test: "StringEquals", variable: "aws:SourceArn", values: [expect.stringMatching(trailArn)] },
        { test: "StringEquals", variable: "s3:x-amz-acl", values: ["bucket-owner-full-control"] },
      ]),
    );
    expect(statements.map((s: any) => s.sid)).toEqual(expect.arrayContaining(["DenyInsecureTransport", "DenyTlsOlderThan12"]));
  });

  test("GIVEN an organization trail covers the account THEN the switch turns the trail off", () => {
    const app = synthConfig(configVariant("prod", { audit: { cloudTrail: false } }));
    expect(Object.values(app.stacks).flatMap((s) => byType(s, "aws_cloudtrail"))).toEqual([]);
  });
});

describe("runtime parameters", () => {
  test("both regions hold their own parameters; the role follows the active region", () => {
    const app = synthConfig(configVariant("dev", { regions: { active: "us-east-2" } }));
    for (const [region, role] of [
      ["us-east-1", "standby"],
      ["us-east-2", "active"],
    ]) {
      const parameters = Object.fromEntries(byType(app.stacks[`base-${region}`], "aws_ssm_parameter").map(([, p]) => [p.name, p]));
      expect(parameters["/txdr/dev/active-region"].value).toBe("us-east-2");
      expect(parameters["/txdr/dev/region-role"].value).toBe(role);
      expect(parameters["/txdr/dev/peer-region"].value).toBe(region === "us-east-1" ? "us-east-2" : "us-east-1");
      expect(parameters["/txdr/dev/service-domain"].value).toBe("api.dev.dr.example.com");
      // The application's database user (IAM authentication); the master secret's name is not handed to it.
      expect(parameters["/txdr/dev/database-user"].value).toBe("app");
      expect(Object.keys(parameters).some((name) => name.includes("secret"))).toBe(false);
      expect(Object.keys(parameters).length).toBeGreaterThanOrEqual(7);
    }
  });

  test("every parameter, in the base and the data stacks of both regions, is a SecureString of its region's secrets key", () => {
    const app = synthConfig(configVariant("prod"));
    let seen = 0;
    for (const region of ["us-east-1", "us-east-2"]) {
      for (const stackId of [`base-${region}`, `data-${region}`]) {
        const stack = app.stacks[stackId];
        for (const [, parameter] of byType(stack, "aws_ssm_parameter")) {
          seen += 1;
          expect([parameter.name, parameter.type]).toEqual([parameter.name, "SecureString"]);
          const base = stackId.startsWith("base-");
          // The base stack owns the key; the data stack finds it by alias in its own region.
          const keyName = base
            ? /^\$\{aws_kms_key\.([^.]+)\.arn\}$/.exec(parameter.key_id)![1]
            : /^\$\{data\.aws_kms_alias\.([^.]+)\.target_key_arn\}$/.exec(parameter.key_id)![1];
          if (base) expect(keyName).toMatch(/^keys_secrets_key_/);
          else expect(stack.data.aws_kms_alias[keyName].name).toBe("alias/txdr-secrets-prd");
        }
      }
    }
    expect(seen).toBe(2 * (7 + 6));
  });

  test("the tasks, which read the parameters themselves, may decrypt them with the secrets key through SSM only", () => {
    const app = synthConfig(configVariant("prod"));
    const stack = app.stacks["app-us-east-1"];
    const documents = Object.values<any>(stack.data.aws_iam_policy_document);
    const [statement] = documents.flatMap((d) => d.statement).filter((st: any) => st.sid === "DecryptRuntimeParameters");
    expect(statement).toMatchObject({
      effect: "Allow",
      actions: ["kms:Decrypt"],
      condition: [{ test: "StringEquals", variable: "kms:ViaService", values: ["ssm.us-east-1.amazonaws.com"] }],
    });
    const alias = /^\$\{data\.aws_kms_alias\.([^.]+)\.target_key_arn\}$/.exec(statement.resources[0])![1];
    expect(stack.data.aws_kms_alias[alias].name).toBe("alias/txdr-secrets-prd");
  });
});

describe("buckets", () => {
  test.each(["dev", "prod"])("GIVEN %s THEN every bucket of every stack sends its events to EventBridge, through exactly one notification configuration", (name) => {
    const app = synthConfig(configVariant(name as "dev" | "prod"));
    let buckets = 0;
    for (const stack of Object.values(app.stacks)) {
      const notifications = byType(stack, "aws_s3_bucket_notification").map(([, n]) => n);
      for (const [bucketName] of byType(stack, "aws_s3_bucket")) {
        buckets += 1;
        const mine = notifications.filter((n) => n.bucket === `\${aws_s3_bucket.${bucketName}.id}`);
        expect([bucketName, mine]).toEqual([bucketName, [expect.objectContaining({ eventbridge: true })]]);
      }
      expect(notifications).toHaveLength(byType(stack, "aws_s3_bucket").length);
    }
    expect(buckets).toBeGreaterThan(10);
  });
});

describe("Lambda functions", () => {
  test.each(["dev", "prod"])(
    "GIVEN %s THEN every function's environment is encrypted with its region's secrets key, which its role may decrypt through Lambda only",
    (name) => {
      const app = synthConfig(configVariant(name as "dev" | "prod"));
      const suffix = name === "prod" ? "prd" : "dev";
      let functions = 0;
      for (const [stackId, stack] of Object.entries(app.stacks)) {
        for (const [fnName, fn] of byType(stack, "aws_lambda_function")) {
          functions += 1;
          // The key is found by alias in stacks after the base stack, and referenced directly in the base stack (the paging forwarder).
          const alias = /^\$\{data\.aws_kms_alias\.([^.]+)\.target_key_arn\}$/.exec(fn.kms_key_arn)?.[1];
          const key = /^\$\{aws_kms_key\.([^.]+)\.arn\}$/.exec(fn.kms_key_arn)?.[1];
          const aliasName = alias
            ? stack.data.aws_kms_alias[alias].name
            : byType(stack, "aws_kms_alias").find(([, a]) => a.target_key_id === `\${aws_kms_key.${key}.key_id}`)?.[1].name;
          expect([stackId, fnName, aliasName]).toEqual([stackId, fnName, `alias/txdr-secrets-${suffix}`]);
          const roleName = /^\$\{aws_iam_role\.([^.]+)\.arn\}$/.exec(fn.role)![1];
          const policies = byType(stack, "aws_iam_role_policy").filter(([, p]) => p.role === `\${aws_iam_role.${roleName}.id}` || p.role === `\${aws_iam_role.${roleName}.name}`);
          const statements = policies.flatMap(([, p]) => documentOf(stack, p.policy).statement);
          const decrypt = statements.filter((s: any) => s.sid === "DecryptOwnEnvironment");
          expect(decrypt).toEqual([
            {
              sid: "DecryptOwnEnvironment",
              effect: "Allow",
              actions: ["kms:Decrypt"],
              resources: [fn.kms_key_arn],
              condition: [{ test: "StringEquals", variable: "kms:ViaService", values: [`lambda.${stackId.replace(/^[a-z]+-/, "")}.amazonaws.com`] }],
            },
          ]);
        }
      }
      // Per region: monitor, orchestrator, transaction processor, reconciler (and in prod the paging forwarder).
      expect(functions).toBe(name === "prod" ? 10 : 8);
    },
  );
});

describe("permissions boundary", () => {
  test("GIVEN a boundary in configuration THEN every role of every stack carries it", () => {
    const boundary = "arn:aws:iam::111122223333:policy/platform-boundary";
    const app = synthConfig(configVariant("prod", { iam: { permissionsBoundaryArn: boundary } }));
    const roles = Object.values(app.stacks).flatMap((s) => byType(s, "aws_iam_role").map(([name, r]) => [name, r.permissions_boundary]));
    expect(roles.length).toBeGreaterThanOrEqual(3);
    for (const [name, value] of roles) expect([name, value]).toEqual([name, boundary]);
  });

  test("GIVEN no boundary (the destroyable profile allows it) THEN roles carry none", () => {
    const app = synthConfig(configVariant("dev"));
    const roles = Object.values(app.stacks).flatMap((s) => byType(s, "aws_iam_role").map(([, r]) => r));
    expect(roles.length).toBeGreaterThanOrEqual(3);
    for (const role of roles) expect(role.permissions_boundary).toBeUndefined();
  });
});

/** Literal values in synthesized output that look like secrets. */
export function findSecretMaterial(files: Map<string, Buffer>): string[] {
  const findings: string[] = [];
  const passwordKey = /(password|passwd|secret_string|secret|token|private_key|access_key|secret_key)$/i;
  const allowedKeys = /^(secret_id|secret_string_wo|secret_string_wo_version|master_password_wo_version|password_length|secret_name|kms_key_id)$/i;
  const isReference = (value: string) => /^\$\{.*\}$/s.test(value) || value.startsWith("arn:") || value.startsWith("alias/");
  const isIdOrHash = (value: string) =>
    /^[a-f0-9]{32,128}$/i.test(value) || /^[A-F0-9]{8}$/.test(value) || /^[a-z0-9-]+_[A-F0-9]{8}$/.test(value) || /^[0-9a-f-]{36}$/i.test(value);
  // Identifiers such as AWSBackupServiceRolePolicyForS3Backup: long runs of lowercase letters between capitals.
  const isCamelCaseName = (value: string) => {
    const runs = value.match(/[a-z]+/g) ?? [];
    return runs.length > 0 && runs.reduce((sum, r) => sum + r.length, 0) / runs.length >= 3;
  };
  const entropy = (value: string) => {
    const counts = new Map<string, number>();
    for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    return [...counts.values()].reduce((sum, n) => sum - (n / value.length) * Math.log2(n / value.length), 0);
  };
  const visit = (file: string, node: unknown, key: string) => {
    if (typeof node === "string") {
      if (passwordKey.test(key) && !allowedKeys.test(key) && node.length > 0 && !isReference(node)) {
        findings.push(`${file}: ${key} has a literal value`);
      }
      // Content hashes of assets are named as such; they are digests, not secrets.
      if (/(_hash|^etag|^hash)$/i.test(key)) return;
      // Names, paths and ARNs split into words; a secret is one long run mixing cases and digits.
      const words = node.split(/[\s/.:,"'=(){}$-]+/).filter((w) => w.length >= 20);
      for (const word of words) {
        if (isIdOrHash(word) || word.includes("_") || isCamelCaseName(word)) continue;
        const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((c) => c.test(word)).length;
        if (classes === 3 && entropy(word) > 4) findings.push(`${file}: high-entropy literal "${word.slice(0, 6)}..." under ${key}`);
      }
    } else if (Array.isArray(node)) node.forEach((item) => visit(file, item, key));
    else if (node && typeof node === "object") for (const [k, v] of Object.entries(node)) visit(file, v, k);
  };
  for (const [file, bytes] of files) {
    if (!file.endsWith(".json")) continue;
    visit(file, JSON.parse(bytes.toString("utf8")), "");
  }
  return findings;
}

describe("no secret material in cdktf.out", () => {
  test.each(["dev", "prod", "variant-e"])("GIVEN %s THEN no file under cdktf.out holds a password-like literal or a high-entropy string", (name) => {
    const result = runAppWithConfig(rawVariant(name));
    expect(result.status).toBe(0);
    const files = readTree(result.outdir);
    expect(files.size).toBeGreaterThan(10);
    expect(findSecretMaterial(files)).toEqual([]);
    fs.rmSync(result.dir, { recursive: true, force: true });
  });

  test("the scan bites: a literal password and a random-looking token are reported", () => {
    const files = new Map([
      [
        path.join("stacks", "x", "cdk.tf.json"),
        Buffer.from(
          JSON.stringify({
            resource: { aws_rds_cluster: { c: { master_password: "hunter2hunter2" } }, aws_ssm_parameter: { p: { value: "AKIAxQ7z9KpL2mN8vR4tY6wE1sD3" } } },
          }),
        ),
      ],
    ]);
    expect(findSecretMaterial(files)).toEqual([
      "stacks/x/cdk.tf.json: master_password has a literal value",
      expect.stringContaining("high-entropy literal"),
    ]);
  });

  test("resources in the output are real: the scan examined the secret and its write-only version", () => {
    const app = synthConfig(configVariant("prod"));
    expect(resourcesOf(app.stacks["data-us-east-1"]).map(([t]) => t)).toEqual(
      expect.arrayContaining(["aws_secretsmanager_secret", "aws_secretsmanager_secret_version"]),
    );
  });
});
