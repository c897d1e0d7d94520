import { SynthesizedApp } from "../app/layout-check";
import { FAILOVER_DRIFT_ATTRIBUTES, SLOW_STATEMENT_MS, parameterGroupFamily } from "../constructs/data/aurora-cluster";
import { BACKUP_SCHEDULES } from "../constructs/data/regional-backup";
import { REPLICATION_TIME_MINUTES } from "../constructs/data/bucket-replication";
import { DEFAULT_ENGINE_VERSIONS } from "../lib/config/data/aurora-engines";
import { configVariant } from "./support/config";
import { onlyResource, resourcesOf, resourcesOfType, synthConfig } from "./support/synth";

const all = resourcesOfType;
const one = onlyResource;

describe("Aurora global database", () => {
  let prod: SynthesizedApp;
  beforeAll(() => {
    prod = synthConfig(configVariant("prod"));
  });

  test("the founding region's stack owns the global cluster, encrypted and protected in prod", () => {
    expect(one(prod.stacks["data-us-east-1"], "aws_rds_global_cluster")).toMatchObject({
      global_cluster_identifier: "txdr-global-prd",
      engine: "aurora-postgresql",
      engine_version: DEFAULT_ENGINE_VERSIONS["aurora-postgresql"],
      engine_lifecycle_support: "open-source-rds-extended-support-disabled",
      storage_encrypted: true,
      deletion_protection: true,
      lifecycle: { prevent_destroy: true },
    });
    expect(all(prod.stacks["data-us-east-2"], "aws_rds_global_cluster")).toEqual([]);
  });

  test("the founding cluster holds the credentials through a write-only password, the database name, and joins the global cluster", () => {
    const cluster = one(prod.stacks["data-us-east-1"], "aws_rds_cluster");
    expect(cluster).toMatchObject({
      cluster_identifier: "txdr-db-use1-prd",
      master_username: "dbadmin",
      database_name: "transactions",
      master_password_wo_version: 1,
      global_cluster_identifier: expect.stringContaining("aws_rds_global_cluster."),
    });
    expect(cluster.master_password).toBeUndefined();
    expect(cluster.master_password_wo).toMatch(/^\$\{ephemeral\.aws_secretsmanager_random_password\.[^.]+\.random_password\}$/);
  });

  test("the secondary cluster joins by the global cluster's name with source_region and its own region's key, and takes no credentials", () => {
    const stack = prod.stacks["data-us-east-2"];
    const cluster = one(stack, "aws_rds_cluster");
    expect(cluster).toMatchObject({
      cluster_identifier: "txdr-db-use2-prd",
      global_cluster_identifier: "txdr-global-prd",
      source_region: "us-east-1",
      storage_encrypted: true,
      kms_key_id: expect.stringMatching(/^\$\{data\.aws_kms_alias\.keys_data_[A-F0-9]+\.target_key_arn\}$/),
    });
    for (const attribute of ["master_username", "master_password", "master_password_wo", "database_name"]) {
      expect([attribute, cluster[attribute]]).toEqual([attribute, undefined]);
    }
    const keyAlias = /aws_kms_alias\.([^.]+)\./.exec(cluster.kms_key_id)![1];
    expect(stack.data.aws_kms_alias[keyAlias]).toMatchObject({ name: "alias/txdr-data-prd" });
    expect(stack.data.aws_kms_alias[keyAlias].provider).toBe("aws");
  });

  test("both clusters ignore the attributes that drift after a failover", () => {
    for (const region of ["us-east-1", "us-east-2"]) {
      expect(one(prod.stacks[`data-${region}`], "aws_rds_cluster").lifecycle.ignore_changes).toEqual(FAILOVER_DRIFT_ATTRIBUTES);
    }
    expect(FAILOVER_DRIFT_ATTRIBUTES).toEqual(["replication_source_identifier", "global_cluster_identifier"]);
  });

  test("engine and version match across the global cluster, both clusters and every instance", () => {
    const versions = new Set<string>();
    for (const region of ["us-east-1", "us-east-2"]) {
      const stack = prod.stacks[`data-${region}`];
      for (const type of ["aws_rds_global_cluster", "aws_rds_cluster", "aws_rds_cluster_instance"]) {
        for (const r of all(stack, type)) versions.add(`${r.engine} ${r.engine_version}`);
      }
    }
    expect([...versions]).toEqual([`aurora-postgresql ${DEFAULT_ENGINE_VERSIONS["aurora-postgresql"]}`]);
  });

  test("the active region has the writer and readers, the standby its own count; instance upgrades are never automatic", () => {
    const primaryInstances = all(prod.stacks["data-us-east-1"], "aws_rds_cluster_instance");
    const secondaryInstances = all(prod.stacks["data-us-east-2"], "aws_rds_cluster_instance");
    expect(primaryInstances.map((i) => i.identifier)).toEqual(["txdr-db-01-use1-prd", "txdr-db-02-use1-prd", "txdr-db-03-use1-prd"]);
    expect(secondaryInstances).toHaveLength(2);
    for (const instance of [...primaryInstances, ...secondaryInstances]) {
      expect(instance).toMatchObject({
        instance_class: "db.r6g.xlarge",
        publicly_accessible: false,
        auto_minor_version_upgrade: false,
        performance_insights_enabled: true,
        performance_insights_kms_key_id: expect.stringContaining("data.aws_kms_alias.keys_data_"),
        monitoring_interval: 60,
        monitoring_role_arn: expect.stringContaining("aws_iam_role."),
      });
    }
  });

  test("backups, windows, log exports, IAM authentication, deletion protection and final snapshot in prod", () => {
    const cluster = one(prod.stacks["data-us-east-1"], "aws_rds_cluster");
    expect(cluster).toMatchObject({
      backup_retention_period: 35,
      preferred_backup_window: "03:00-04:00",
      preferred_maintenance_window: "sun:04:30-sun:05:30",
      copy_tags_to_snapshot: true,
      enabled_cloudwatch_logs_exports: ["postgresql"],
      iam_database_authentication_enabled: true,
      deletion_protection: true,
      skip_final_snapshot: false,
      final_snapshot_identifier: "txdr-db-use1-prd-final",
      lifecycle: { prevent_destroy: true },
    });
  });

  test("in dev, clusters can be destroyed: no deletion protection, no final snapshot, no prevent_destroy", () => {
    const dev = synthConfig(configVariant("dev"));
    for (const region of ["us-east-1", "us-east-2"]) {
      const cluster = one(dev.stacks[`data-${region}`], "aws_rds_cluster");
      expect(cluster).toMatchObject({ deletion_protection: false, skip_final_snapshot: true, lifecycle: { prevent_destroy: false } });
      expect(cluster.final_snapshot_identifier).toBeUndefined();
    }
    expect(one(dev.stacks["data-us-east-1"], "aws_rds_global_cluster")).toMatchObject({ deletion_protection: false });
  });

  test("the exported log groups exist before the cluster, encrypted with the logs key and retained", () => {
    const stack = prod.stacks["data-us-east-1"];
    const group = all(stack, "aws_cloudwatch_log_group").find((g) => g.name === "/aws/rds/cluster/txdr-db-use1-prd/postgresql");
    expect(group).toMatchObject({ retention_in_days: 365, kms_key_id: expect.stringContaining("keys_logs_") });
    expect(one(stack, "aws_rds_cluster").depends_on).toEqual([expect.stringContaining("aws_cloudwatch_log_group.")]);
  });

  /** Slow-statement logging, on every PostgreSQL cluster whatever the RPO setting. */
  const POSTGRES_LOGGING = { log_min_duration_statement: "1000", log_statement: "none", log_parameter_max_length: "0", log_parameter_max_length_on_error: "0" };

  function parametersOf(app: SynthesizedApp, region: string): Record<string, string> {
    const group = one(app.stacks[`data-${region}`], "aws_rds_cluster_parameter_group");
    return Object.fromEntries(group.parameter.map((p: any) => [p.name, p.value]));
  }

  test.each([
    [900, "900"],
    [20, "20"],
  ])("GIVEN database RPO enforcement and an RPO of %i s THEN both regions' parameter groups set rds.global_db_rpo to %s", (rpo, value) => {
    const app = synthConfig(configVariant("prod", { targets: { rpoSeconds: rpo } }));
    for (const region of ["us-east-1", "us-east-2"]) {
      expect(parametersOf(app, region)).toEqual({ ...POSTGRES_LOGGING, "rds.force_ssl": "1", "rds.global_db_rpo": value });
    }
  });

  test("GIVEN alarm-only RPO enforcement THEN no parameter blocks commits", () => {
    // Without the database bound, the budget counts an approval for a lag above the RPO unless a breach proceeds.
    const app = synthConfig(configVariant("prod", { database: { rpoEnforcement: "alarm" }, failover: { onRpoBreach: "proceed" } }));
    expect(parametersOf(app, "us-east-1")).toEqual({ ...POSTGRES_LOGGING, "rds.force_ssl": "1" });
  });

  test("PostgreSQL logs slow statements (query logging) in both regions, and never every statement or DDL, which would log role passwords", () => {
    for (const region of ["us-east-1", "us-east-2"]) {
      expect(parametersOf(prod, region)).toMatchObject({ log_min_duration_statement: "1000", log_statement: "none" });
      const group = one(prod.stacks[`data-${region}`], "aws_rds_cluster_parameter_group");
      for (const p of group.parameter.filter((x: any) => x.name.startsWith("log_"))) expect(p.apply_method).toBe("immediate");
    }
    expect(SLOW_STATEMENT_MS).toBe(1000);
    // The statements reach CloudWatch Logs through the exported postgresql log.
    expect(one(prod.stacks["data-us-east-1"], "aws_rds_cluster").enabled_cloudwatch_logs_exports).toEqual(["postgresql"]);
  });

  test("variant E: Aurora MySQL Serverless v2 from 0.5 ACU on db.serverless instances, with no PostgreSQL-only parameters", () => {
    const app = synthConfig(configVariant("variant-e"));
    for (const region of ["us-east-1", "us-west-2"]) {
      const stack = app.stacks[`data-${region}`];
      expect(one(stack, "aws_rds_cluster")).toMatchObject({
        engine: "aurora-mysql",
        engine_version: "8.0.mysql_aurora.3.08.2",
        serverlessv2_scaling_configuration: { min_capacity: 0.5, max_capacity: 16 },
        enabled_cloudwatch_logs_exports: ["audit", "error", "general", "slowquery"],
        port: 3306,
      });
      for (const instance of all(stack, "aws_rds_cluster_instance")) expect(instance.instance_class).toBe("db.serverless");
      expect(one(stack, "aws_rds_cluster_parameter_group").family).toBe("aurora-mysql8.0");
      expect(parametersOf(app, region)).toEqual({
        require_secure_transport: "ON",
        general_log: "0",
        slow_query_log: "0",
        server_audit_logging: "1",
        server_audit_events: "CONNECT",
      });
    }
    expect(parameterGroupFamily("aurora-postgresql", "14.15")).toBe("aurora-postgresql14");
  });

  test("the global writer endpoint is published as a parameter in both regions, the DR region reading it in-region", () => {
    const parameter = (region: string) =>
      all(prod.stacks[`data-${region}`], "aws_ssm_parameter").find((p) => p.name === "/txdr/prd/database-writer-endpoint");
    expect(parameter("us-east-1").value).toMatch(/aws_rds_global_cluster\..*\.endpoint/);
    expect(parameter("us-east-2").value).toMatch(/data\.aws_rds_global_cluster\..*\.endpoint/);
    expect(Object.values<any>(prod.stacks["data-us-east-2"].data.aws_rds_global_cluster)[0].identifier).toBe("txdr-global-prd");
  });
});

describe("DynamoDB global tables", () => {
  let prod: SynthesizedApp;
  beforeAll(() => {
    prod = synthConfig(configVariant("prod"));
  });

  test("the founding region holds both tables: on demand, streams, TTL, PITR, the data key, protected, replicas left to the other stack", () => {
    const tables = all(prod.stacks["data-us-east-1"], "aws_dynamodb_table");
    // The failover automation's control table is a global table too (tested with the automation, ops.test.ts).
    expect(tables.map((t) => t.name).sort()).toEqual(["txdr-control-prd", "txdr-sessions-prd", "txdr-txmeta-prd"]);
    for (const table of tables) {
      expect(table).toMatchObject({
        billing_mode: "PAY_PER_REQUEST",
        stream_enabled: true,
        stream_view_type: "NEW_AND_OLD_IMAGES",
        ttl: { attribute_name: "expiresAt", enabled: true },
        point_in_time_recovery: { enabled: true },
        server_side_encryption: { enabled: true, kms_key_arn: expect.stringContaining("keys_data_") },
        deletion_protection_enabled: true,
        lifecycle: { ignore_changes: ["replica"], prevent_destroy: true },
      });
      expect(table.replica).toBeUndefined();
    }
  });

  test("the DR region adds a replica of each, by the ARN built from the founding region's name, with its own key and PITR, in a stack of its own", () => {
    expect(all(prod.stacks["data-us-east-2"], "aws_dynamodb_table_replica")).toEqual([]);
    const replicas = all(prod.stacks["replicas-us-east-2"], "aws_dynamodb_table_replica");
    expect(replicas).toHaveLength(3);
    expect(replicas.map((r) => r.global_table_arn).sort()).toEqual(
      ["control", "sessions", "txmeta"].map((p) => expect.stringMatching(new RegExp(`^arn:.*:dynamodb:us-east-1:.*:table/txdr-${p}-prd$`))),
    );
    for (const replica of replicas) {
      expect(replica).toMatchObject({
        kms_key_arn: expect.stringContaining("keys_data_"),
        point_in_time_recovery: true,
        deletion_protection_enabled: true,
      });
      expect(replica.provider).toBe("aws");
    }
    expect(prod.stacks["replicas-us-east-2"].data.terraform_remote_state).toBeUndefined();
  });
});

describe("S3 application buckets and replication", () => {
  let prod: SynthesizedApp;
  beforeAll(() => {
    prod = synthConfig(configVariant("prod"));
  });

  test("each region has data and transaction-log buckets with the data key, lifecycle and access logging", () => {
    for (const [region, code] of [
      ["us-east-1", "use1"],
      ["us-east-2", "use2"],
    ]) {
      const stack = prod.stacks[`data-${region}`];
      const names = all(stack, "aws_s3_bucket").map((b) => b.bucket).sort();
      expect(names).toEqual([`txdr-appdata-${code}-prd`, `txdr-s3logs-${code}-prd`, `txdr-txlogs-${code}-prd`]);
      const logging = all(stack, "aws_s3_bucket_logging");
      // The two data buckets, the region's Terraform state bucket (bootstrap stack) and Lambda code bucket (base stack),
      // plus the trail bucket in the DR region.
      expect(logging).toHaveLength(region === "us-east-2" ? 5 : 4);
      for (const l of logging) expect(l.target_bucket).toContain("access-logs");
      const lifecycles = all(stack, "aws_s3_bucket_lifecycle_configuration").filter((l) =>
        l.rule.some((r: any) => r.id === "transition-to-infrequent-access"),
      );
      expect(lifecycles).toHaveLength(2);
      expect(lifecycles[0].rule.find((r: any) => r.id === "transition-to-infrequent-access").transition).toEqual([{ days: 30, storage_class: "STANDARD_IA" }]);
    }
  });

  test("the access-log bucket is the region's one log target: it turns logging on for the buckets of stacks applied before it and admits those of later stacks", () => {
    for (const [region, code] of [
      ["us-east-1", "use1"],
      ["us-east-2", "use2"],
    ]) {
      const stack = prod.stacks[`data-${region}`];
      const external = all(stack, "aws_s3_bucket_logging").filter((l) => !l.bucket.startsWith("${"));
      const expected = [`txdr-lambda-${code}-prd`, `txdr-tfstate-${code}-prd`, ...(region === "us-east-2" ? [`txdr-trail-${code}-prd`] : [])];
      expect(external.map((l) => l.bucket).sort()).toEqual(expected);
      for (const l of external) {
        expect(l.target_prefix).toBe(`${l.bucket}/`);
        expect(l.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_policy\.buckets_access-logs_policy_/)]);
      }
      // Those buckets exist in earlier stacks of the same region, under the same names.
      expect(all(prod.stacks.bootstrap, "aws_s3_bucket").map((b) => b.bucket)).toContain(`txdr-tfstate-${code}-prd`);
      expect(all(prod.stacks[`base-${region}`], "aws_s3_bucket").map((b) => b.bucket)).toContain(`txdr-lambda-${code}-prd`);
      if (region === "us-east-2") expect(all(prod.stacks[`base-${region}`], "aws_s3_bucket").map((b) => b.bucket)).toContain(`txdr-trail-${code}-prd`);

      const documents = Object.values<any>(stack.data.aws_iam_policy_document);
      const [delivery] = documents.flatMap((d) => d.statement).filter((st: any) => st.sid === "S3ServerAccessLogsFromThisAccountsBuckets");
      const sources = delivery.condition.find((c: any) => c.variable === "aws:SourceArn").values.map((v: string) => v.replace(/^.*:::/, ""));
      expect(sources.sort()).toEqual(
        [...["appdata", "txlogs", "alblogs", "canary"].map((p) => `txdr-${p}-${code}-prd`), ...expected].sort(),
      );
    }
  });

  test("GIVEN a backend without state buckets, no trail and no canaries THEN the access-log bucket neither configures nor admits them (only the Lambda code bucket of the base stack)", () => {
    const app = synthConfig(
      configVariant("dev", { backend: { type: "local", directory: "terraform-state" }, audit: { cloudTrail: false }, canaries: { enabled: false } }),
    );
    const stack = app.stacks["data-us-east-2"];
    expect(all(stack, "aws_s3_bucket_logging").filter((l) => !l.bucket.startsWith("${")).map((l) => l.bucket)).toEqual(["txdr-lambda-use2-dev"]);
    const documents = Object.values<any>(stack.data.aws_iam_policy_document);
    const [delivery] = documents.flatMap((d) => d.statement).filter((st: any) => st.sid === "S3ServerAccessLogsFromThisAccountsBuckets");
    const sources = delivery.condition.find((c: any) => c.variable === "aws:SourceArn").values.map((v: string) => v.replace(/^.*:::/, ""));
    expect(sources.sort()).toEqual(["txdr-alblogs-use2-dev", "txdr-appdata-use2-dev", "txdr-lambda-use2-dev", "txdr-txlogs-use2-dev"]);
  });

  test("the access-log bucket uses SSE-S3 (S3 cannot deliver server access logs to SSE-KMS buckets) and admits only S3 logging from this account", () => {
    const stack = prod.stacks["data-us-east-1"];
    const encryption = all(stack, "aws_s3_bucket_server_side_encryption_configuration").map((e) => e.rule[0].apply_server_side_encryption_by_default);
    expect(encryption.filter((e) => e.sse_algorithm === "AES256")).toHaveLength(1);
    expect(encryption.filter((e) => e.sse_algorithm === "aws:kms")).toHaveLength(2);
  });

  test("replication runs both ways for both buckets with RTC 15 minutes, metrics, delete markers, re-encryption and replica sync", () => {
    // Each region's cross-region stack replicates its own buckets, through its own (default) provider.
    const configurations = ["us-east-1", "us-east-2"].flatMap((r) => all(prod.stacks[`cross-region-${r}`], "aws_s3_bucket_replication_configuration").map((c) => ({ ...c, home: r })));
    expect(configurations.map((c) => `${c.bucket} via ${c.provider} in ${c.home}`).sort()).toEqual([
      "txdr-appdata-use1-prd via aws in us-east-1",
      "txdr-appdata-use2-prd via aws in us-east-2",
      "txdr-txlogs-use1-prd via aws in us-east-1",
      "txdr-txlogs-use2-prd via aws in us-east-2",
    ]);
    for (const configuration of configurations) {
      // The primary half finds the DR region's key by alias there; the DR half reads the ARN the primary half published.
      const destinationKey = configuration.home === "us-east-1" ? "data.aws_kms_alias." : "data.aws_ssm_parameter.";
      const [rule] = configuration.rule;
      const peer = configuration.bucket.replace(/use1|use2/, (c: string) => (c === "use1" ? "use2" : "use1"));
      expect(rule).toMatchObject({
        status: "Enabled",
        delete_marker_replication: { status: "Enabled" },
        source_selection_criteria: { sse_kms_encrypted_objects: { status: "Enabled" }, replica_modifications: { status: "Enabled" } },
        destination: {
          bucket: expect.stringMatching(new RegExp(`:s3:::${peer}$`)),
          encryption_configuration: { replica_kms_key_id: expect.stringContaining(destinationKey) },
          replication_time: { status: "Enabled", time: { minutes: 15 } },
          metrics: { status: "Enabled", event_threshold: { minutes: 15 } },
        },
      });
    }
    expect(REPLICATION_TIME_MINUTES).toBe(15);
  });

  test("each direction's role reads only its source buckets and writes only the peer's, and decrypts and encrypts only through S3", () => {
    const documents = ["us-east-1", "us-east-2"].flatMap((r) =>
      Object.values<any>(prod.stacks[`cross-region-${r}`].data.aws_iam_policy_document).filter((d) => d.statement.some((s: any) => s.sid === "WriteReplicas")),
    );
    expect(documents).toHaveLength(2);
    for (const document of documents) {
      const write = document.statement.find((s: any) => s.sid === "WriteReplicas");
      const read = document.statement.find((s: any) => s.sid === "ReadSourceObjectVersions");
      const sourceCode = /(use1|use2)/.exec(read.resources[0])![1];
      expect(write.resources.every((r: string) => !r.includes(sourceCode))).toBe(true);
      for (const sid of ["DecryptSourceObjects", "EncryptReplicas"]) {
        const statement = document.statement.find((s: any) => s.sid === sid);
        expect(statement.condition.find((c: any) => c.variable === "kms:ViaService").values[0]).toMatch(/^s3\.us-east-[12]\.amazonaws\.com$/);
      }
    }
  });
});

describe("AWS Backup", () => {
  let prod: SynthesizedApp;
  beforeAll(() => {
    prod = synthConfig(configVariant("prod"));
  });

  test("each region has a vault with its backup key and a plan whose daily and monthly rules copy to the other region's vault", () => {
    for (const [region, other] of [
      ["us-east-1", "us-east-2"],
      ["us-east-2", "us-east-1"],
    ]) {
      const stack = prod.stacks[`data-${region}`];
      expect(one(stack, "aws_backup_vault")).toMatchObject({ name: "txdr-vault-prd", kms_key_arn: expect.stringContaining("keys_backup_") });
      const plan = one(stack, "aws_backup_plan");
      expect(plan.rule.map((r: any) => [r.rule_name, r.schedule])).toEqual([
        ["hourly", BACKUP_SCHEDULES.hourly],
        ["daily", BACKUP_SCHEDULES.daily],
        ["monthly", BACKUP_SCHEDULES.monthly],
      ]);
      expect(plan.rule[0].copy_action ?? []).toEqual([]);
      for (const rule of plan.rule.slice(1)) {
        expect(rule.copy_action[0].destination_vault_arn).toMatch(new RegExp(`^arn:.*:backup:${other}:.*:backup-vault:txdr-vault-prd$`));
        expect(rule.copy_action[0].lifecycle.delete_after).toBe(rule.lifecycle.delete_after);
      }
    }
  });

  test("the hourly rule is the shortest AWS Backup allows and keeps continuous backup where the RPO is below an hour", () => {
    const rules = (app: SynthesizedApp) => one(app.stacks["data-us-east-1"], "aws_backup_plan").rule;
    expect(rules(prod)[0]).toMatchObject({ rule_name: "hourly", schedule: "cron(0 * ? * * *)", enable_continuous_backup: true });
    const variantD = synthConfig(configVariant("variant-d"));
    expect(rules(variantD)[0].enable_continuous_backup).toBe(false);
  });

  test("the selection covers the region's cluster, tables and buckets, but only while the region is active", () => {
    const selection = one(prod.stacks["data-us-east-2"], "aws_backup_selection");
    expect(selection.resources).toEqual([
      expect.stringContaining("aws_rds_cluster."),
      expect.stringMatching(/:dynamodb:us-east-2:.*:table\/txdr-sessions-prd$/),
      expect.stringMatching(/:dynamodb:us-east-2:.*:table\/txdr-txmeta-prd$/),
      expect.stringContaining("aws_s3_bucket."),
      expect.stringContaining("aws_s3_bucket."),
    ]);
    expect(selection.condition).toEqual([{ string_equals: [{ key: "aws:ResourceTag/DR-Role", value: "active" }] }]);
  });

  test("production vaults are locked with the configured bounds (compliance mode: a cooling-off, then immutable); dev vaults are not", () => {
    expect(one(prod.stacks["data-us-east-1"], "aws_backup_vault_lock_configuration")).toMatchObject({
      min_retention_days: 7,
      max_retention_days: 3650,
      changeable_for_days: 3,
    });
    const dev = synthConfig(configVariant("dev"));
    expect(all(dev.stacks["data-us-east-1"], "aws_backup_vault_lock_configuration")).toEqual([]);
  });

  test("a restore-testing plan restores the latest recovery points of the vault for Aurora, DynamoDB and S3", () => {
    const stack = prod.stacks["data-us-east-1"];
    expect(one(stack, "aws_backup_restore_testing_plan")).toMatchObject({
      name: "txdr_restoretest_prd",
      schedule_expression: "cron(0 6 ? * SAT *)",
      recovery_point_selection: [{ algorithm: "LATEST_WITHIN_WINDOW", include_vaults: [expect.stringContaining("aws_backup_vault.")], selection_window_days: 7 }],
    });
    expect(all(stack, "aws_backup_restore_testing_selection").map((s) => s.protected_resource_type).sort()).toEqual(["Aurora", "DynamoDB", "S3"]);
  });

  test("failed, aborted and expired backup, copy and restore jobs page the region's alert topic", () => {
    const stack = prod.stacks["data-us-east-1"];
    const rules = all(stack, "aws_cloudwatch_event_rule");
    expect(rules.map((r) => r.name).sort()).toEqual(["txdr-backup-job-failed-prd", "txdr-copy-job-failed-prd", "txdr-restore-job-failed-prd"]);
    for (const rule of rules) {
      const pattern = JSON.parse(rule.event_pattern);
      expect(pattern.source).toEqual(["aws.backup"]);
      expect(pattern.$or).toEqual([{ detail: { state: ["FAILED", "ABORTED", "EXPIRED"] } }, { detail: { status: ["FAILED", "ABORTED", "EXPIRED"] } }]);
    }
    for (const target of all(stack, "aws_cloudwatch_event_target")) {
      expect(target.arn).toContain("cross-stack-output-aws_sns_topicalerts_topic");
    }
  });

  test("GIVEN the air-gapped vault THEN daily and monthly recovery points are also copied there", () => {
    const app = synthConfig(configVariant("prod", { backup: { monthlyRetentionDays: 60, airGappedVault: { enabled: true, maxRetentionDays: 60 } } }));
    const stack = app.stacks["data-us-east-1"];
    expect(one(stack, "aws_backup_logically_air_gapped_vault")).toMatchObject({ name: "txdr-airgap-prd", min_retention_days: 7, max_retention_days: 60 });
    for (const name of ["daily", "monthly"]) {
      const rule = one(stack, "aws_backup_plan").rule.find((r: any) => r.rule_name === name);
      expect(rule.copy_action).toHaveLength(2);
      expect(rule.copy_action[1].destination_vault_arn).toContain("aws_backup_logically_air_gapped_vault.");
    }
  });

  test("the backup region settings opt in the protected services and DynamoDB advanced backups", () => {
    const settings = one(prod.stacks["data-us-east-2"], "aws_backup_region_settings");
    expect(settings.resource_type_opt_in_preference).toMatchObject({ Aurora: true, DynamoDB: true, S3: true });
    expect(settings.resource_type_management_preference).toEqual({ CloudFormation: true, DSQL: true, DynamoDB: true, EFS: true });
    const app = synthConfig(configVariant("prod", { backup: { manageRegionSettings: false } }));
    expect(all(app.stacks["data-us-east-2"], "aws_backup_region_settings")).toEqual([]);
  });
});

describe("data resources keep their addresses when the active region is swapped", () => {
  test("clusters, tables, replicas and buckets", () => {
    const addressesOf = (app: SynthesizedApp) =>
      Object.entries(app.stacks)
        .flatMap(([id, stack]) => resourcesOf(stack).map(([type, name]) => `${id}/${type}.${name}`))
        .filter((a) => /aws_rds_(global_)?cluster\.|aws_dynamodb_table(_replica)?\.|aws_s3_bucket\.|aws_backup_vault\./.test(a))
        .sort();
    const before = addressesOf(synthConfig(configVariant("prod")));
    const after = addressesOf(synthConfig(configVariant("prod", { regions: { active: "us-east-2" } })));
    expect(before.length).toBeGreaterThanOrEqual(14);
    expect(after).toEqual(before);
  });
});

describe("RPO guard", () => {
  test.each([
    [900, 720000],
    [60, 48000],
  ])("GIVEN an RPO of %i s THEN both regions page at 80%% of it: %i ms of AuroraGlobalDBRPOLag", (rpo, threshold) => {
    const app = synthConfig(configVariant("prod", { targets: { rpoSeconds: rpo } }));
    for (const region of ["us-east-1", "us-east-2"]) {
      expect(one(app.stacks[`data-${region}`], "aws_cloudwatch_metric_alarm")).toMatchObject({
        alarm_name: "txdr-rpo-guard-prd",
        namespace: "AWS/RDS",
        metric_name: "AuroraGlobalDBRPOLag",
        dimensions: { DBClusterIdentifier: region === "us-east-1" ? "txdr-db-use1-prd" : "txdr-db-use2-prd" },
        threshold,
        comparison_operator: "GreaterThanThreshold",
        alarm_actions: [expect.stringContaining("aws_sns_topicalerts_topic")],
      });
    }
  });

  test("missing lag is breaching in the standby region (the lag cannot be seen) and normal in the active one (the writer publishes none)", () => {
    const app = synthConfig(configVariant("prod"));
    expect(one(app.stacks["data-us-east-1"], "aws_cloudwatch_metric_alarm").treat_missing_data).toBe("notBreaching");
    expect(one(app.stacks["data-us-east-2"], "aws_cloudwatch_metric_alarm").treat_missing_data).toBe("breaching");
  });
});

describe("relaxing RPO enforcement (runbook step)", () => {
  test("GIVEN enforcement switched from database to alarm THEN the parameter group keeps its name and description (no replacement)", () => {
    const group = (enforcement: string) =>
      onlyResource(
        synthConfig(configVariant("prod", { database: { rpoEnforcement: enforcement }, failover: { onRpoBreach: "proceed" } })).stacks["data-us-east-1"],
        "aws_rds_cluster_parameter_group",
      );
    const [enforced, alarmOnly] = [group("database"), group("alarm")];
    expect([alarmOnly.name, alarmOnly.description, alarmOnly.family]).toEqual([enforced.name, enforced.description, enforced.family]);
    expect(enforced.parameter.map((p: any) => p.name)).toContain("rds.global_db_rpo");
    expect(alarmOnly.parameter.map((p: any) => p.name)).not.toContain("rds.global_db_rpo");
  });
});
