import * as fs from "fs";
import * as path from "path";
import { App, Testing, TerraformStack } from "cdktf";
import "cdktf/lib/testing/adapters/jest";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { catalogOf } from "../lib/catalog";
import { StateStore } from "../constructs/data/state-store";
import { buildStacks } from "../stacks";
import { planStacks } from "../stacks/layout";
import { stateLocation } from "../stacks/backend";
import { checkLayout, readSynthesizedApp, SynthesizedApp } from "../app/layout-check";
import { configVariant } from "./support/config";
import { resourcesOf, synthConfig, tempDir } from "./support/synth";

describe("backends", () => {
  const dev = configVariant("dev");
  let app: SynthesizedApp;
  beforeAll(() => {
    app = synthConfig(dev);
  });

  test.each([
    ["base-us-east-1", "txdr-tfstate-use1-dev", "us-east-1"],
    ["base-us-east-2", "txdr-tfstate-use2-dev", "us-east-2"],
    ["zone", "txdr-tfstate-use2-dev", "us-east-2"],
    ["data-us-east-1", "txdr-tfstate-use1-dev", "us-east-1"],
    ["data-us-east-2", "txdr-tfstate-use2-dev", "us-east-2"],
    ["replicas-us-east-2", "txdr-tfstate-use2-dev", "us-east-2"],
    ["cross-region-us-east-1", "txdr-tfstate-use1-dev", "us-east-1"],
    ["cross-region-us-east-2", "txdr-tfstate-use2-dev", "us-east-2"],
    ["app-us-east-1", "txdr-tfstate-use1-dev", "us-east-1"],
    ["app-us-east-2", "txdr-tfstate-use2-dev", "us-east-2"],
    ["ops-us-east-1", "txdr-tfstate-use1-dev", "us-east-1"],
    ["ops-us-east-2", "txdr-tfstate-use2-dev", "us-east-2"],
    ["dns", "txdr-tfstate-use2-dev", "us-east-2"],
  ])("%s keeps its state in %s (%s), encrypted, with its own key and the lock table of that region", (stack, bucket, region) => {
    expect(app.stacks[stack].terraform.backend).toEqual({
      s3: {
        bucket,
        region,
        key: `dev/${stack}/terraform.tfstate`,
        encrypt: true,
        kms_key_id: "alias/txdr-tfstate-dev",
        dynamodb_table: "txdr-tflock-dev",
      },
    });
  });

  test("the bootstrap stack keeps local state, since it creates the buckets", () => {
    expect(app.stacks.bootstrap.terraform.backend).toEqual({ local: { path: "../../../terraform-state/dev/bootstrap.tfstate" } });
  });

  test("every state key is distinct", () => {
    const keys = Object.values(app.stacks).map((s) => JSON.stringify(s.terraform.backend));
    expect(new Set(keys).size).toBe(keys.length);
  });

  test("GIVEN lockfile locking THEN use_lockfile is on and no lock table is named or created", () => {
    const lockfile = synthConfig(configVariant("dev", { backend: { type: "s3", locking: "lockfile" } }));
    expect(lockfile.stacks["base-us-east-1"].terraform.backend.s3).toMatchObject({ use_lockfile: true });
    expect(lockfile.stacks["base-us-east-1"].terraform.backend.s3.dynamodb_table).toBeUndefined();
    expect(lockfile.stacks.bootstrap.resource.aws_dynamodb_table).toBeUndefined();
  });

  test("GIVEN both lockings (migration) THEN the backend names the table and uses lock files", () => {
    const both = synthConfig(configVariant("dev", { backend: { type: "s3", locking: "both" } }));
    expect(both.stacks["ops-us-east-2"].terraform.backend.s3).toMatchObject({ use_lockfile: true, dynamodb_table: "txdr-tflock-dev" });
  });

  test("GIVEN the cloud backend THEN each stack has its own workspace in the organization and there is no bootstrap", () => {
    const cloud = synthConfig(configVariant("dev", { backend: { type: "cloud", organization: "acme-bank" } }));
    expect(Object.keys(cloud.stacks)).not.toContain("bootstrap");
    expect(cloud.stacks["data-us-east-2"].terraform.cloud).toEqual({
      organization: "acme-bank",
      hostname: "app.terraform.io",
      workspaces: { name: "txdr-dev-data-us-east-2" },
    });
  });

  test("GIVEN the local backend THEN each stack has a state file under the configured directory", () => {
    const local = synthConfig(configVariant("dev", { backend: { type: "local", directory: "state" } }));
    expect(local.stacks["app-us-east-1"].terraform.backend).toEqual({ local: { path: "../../../state/dev/app-us-east-1.tfstate" } });
  });
});

describe("providers and default tags", () => {
  const dev = configVariant("dev");
  let app: SynthesizedApp;
  beforeAll(() => {
    app = synthConfig(dev);
  });

  test("single-region stacks have one provider, in their region, and no alias", () => {
    for (const id of ["base-us-east-1", "data-us-east-2", "app-us-east-2", "ops-us-east-1"]) {
      const providers = app.stacks[id].provider.aws;
      expect(providers).toHaveLength(1);
      expect(providers[0].alias).toBeUndefined();
      expect(providers[0].region).toBe(id.replace(/^[a-z]+-/, ""));
    }
  });

  test("stacks that span both regions reach the other region through an alias named for it; the DR region's cross-region half has none", () => {
    expect(app.stacks.bootstrap.provider.aws.map((p: any) => [p.alias, p.region])).toEqual([
      [undefined, "us-east-2"],
      ["us-east-1", "us-east-1"],
    ]);
    expect(app.stacks["cross-region-us-east-1"].provider.aws.map((p: any) => [p.alias, p.region])).toEqual([
      [undefined, "us-east-1"],
      ["us-east-2", "us-east-2"],
    ]);
    expect(app.stacks["cross-region-us-east-2"].provider.aws.map((p: any) => [p.alias, p.region])).toEqual([[undefined, "us-east-2"]]);
  });

  test("default tags carry Environment, DR-Role from the active region, Project and ManagedBy", () => {
    const tagsOf = (id: string, alias?: string) =>
      app.stacks[id].provider.aws.find((p: any) => p.alias === alias).default_tags[0].tags;
    expect(tagsOf("app-us-east-1")).toEqual({ Environment: "dev", "DR-Role": "active", Project: "txdr", ManagedBy: "cdktf", Stack: "app-us-east-1" });
    expect(tagsOf("app-us-east-2")["DR-Role"]).toBe("standby");
    expect(tagsOf("cross-region-us-east-2")["DR-Role"]).toBe("standby");
    expect(tagsOf("cross-region-us-east-1")["DR-Role"]).toBe("active");
    expect(tagsOf("cross-region-us-east-1", "us-east-2")["DR-Role"]).toBe("standby");
    expect(tagsOf("dns")["DR-Role"]).toBe("global");
  });

  test("GIVEN the active region swapped THEN DR-Role follows it", () => {
    const swapped = synthConfig(configVariant("dev", { regions: { active: "us-east-2" } }));
    expect(swapped.stacks["app-us-east-1"].provider.aws[0].default_tags[0].tags["DR-Role"]).toBe("standby");
    expect(swapped.stacks["app-us-east-2"].provider.aws[0].default_tags[0].tags["DR-Role"]).toBe("active");
  });

  test("extra tags from configuration are added to the project's own", () => {
    const prod = synthConfig(configVariant("prod"));
    expect(prod.stacks["base-us-east-1"].provider.aws[0].default_tags[0].tags).toMatchObject({
      CostCenter: "payments-platform",
      Environment: "prod",
    });
  });
});

describe("bootstrap stack", () => {
  const dev = configVariant("dev");
  let app: SynthesizedApp;
  beforeAll(() => {
    app = synthConfig(dev);
  });

  test("creates a state bucket, key and lock table in each region, through that region's provider", () => {
    const boot = app.stacks.bootstrap;
    const buckets = Object.values<any>(boot.resource.aws_s3_bucket).map((b) => [b.bucket, b.provider ?? "aws"]);
    expect(buckets.sort()).toEqual([
      ["txdr-tfstate-use1-dev", "aws.us-east-1"],
      ["txdr-tfstate-use2-dev", "aws"],
    ]);
    const tables = Object.values<any>(boot.resource.aws_dynamodb_table).map((t) => [t.name, t.provider ?? "aws"]);
    expect(tables.sort()).toEqual([
      ["txdr-tflock-dev", "aws"],
      ["txdr-tflock-dev", "aws.us-east-1"],
    ]);
    expect(Object.values<any>(boot.resource.aws_kms_alias).map((a) => a.name)).toEqual(["alias/txdr-tfstate-dev", "alias/txdr-tfstate-dev"]);
  });

  test("state resources are protected from destroy even in a destroyable environment", () => {
    const protectedTypes = ["aws_s3_bucket", "aws_dynamodb_table", "aws_kms_key"];
    for (const [type, name, body] of resourcesOf(app.stacks.bootstrap)) {
      if (protectedTypes.includes(type)) expect([name, body.lifecycle]).toEqual([name, { prevent_destroy: true }]);
    }
  });
});

describe("StateStore construct", () => {
  function synthStore(lockTableName?: string): string {
    return Testing.synthScope((scope) => {
      const provider = new AwsProvider(scope, "aws", { region: "eu-west-1" });
      new StateStore(scope, "state", {
        provider,
        catalog: catalogOf(configVariant("dev")).region("us-east-1"),
        bucketName: "acme-tfstate-euw1-t",
        keyAlias: "alias/acme-tfstate-t",
        lockTableName,
        keyDeletionWindowDays: 14,
        stateVersionDays: 45,
        deployRoleArns: [DEPLOY],
        breakGlassRoleArns: [BREAK_GLASS],
      });
    });
  }
  const DEPLOY = "arn:aws:iam::111122223333:role/acme-deploy";
  const BREAK_GLASS = "arn:aws:iam::111122223333:role/acme-break-glass";

  test("the key rotates, has the configured deletion window, and its policy separates administration from use: no kms:*, only the deploy and break-glass roles use it, through S3 and DynamoDB", () => {
    const synthesized = synthStore("acme-tflock-t");
    expect(synthesized).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true, deletion_window_in_days: 14 });
    const documents = Object.values<any>(JSON.parse(synthesized).data.aws_iam_policy_document);
    const keyPolicy = documents.find((d) => d.statement.some((s: any) => s.sid === "KeyAdministrators"));
    expect(keyPolicy.statement.flatMap((s: any) => s.actions)).not.toContain("kms:*");
    const bySid = (sid: string) => keyPolicy.statement.find((s: any) => s.sid === sid);
    expect(bySid("KeyAdministrators").condition).toEqual([{ test: "ArnLike", variable: "aws:PrincipalArn", values: [DEPLOY, BREAK_GLASS] }]);
    expect(bySid("KeyAdministrators").actions).not.toEqual(expect.arrayContaining(["kms:Decrypt"]));
    const users = keyPolicy.statement.filter((s: any) => s.actions.includes("kms:Decrypt"));
    expect(users.map((s: any) => s.condition.find((c: any) => c.variable === "aws:PrincipalArn").values)).toEqual([[DEPLOY], [BREAK_GLASS]]);
    for (const user of users) {
      expect(user.condition).toContainEqual({ test: "StringEquals", variable: "kms:ViaService", values: ["s3.eu-west-1.amazonaws.com", "dynamodb.eu-west-1.amazonaws.com"] });
    }
  });

  test("only the deploy and break-glass roles may read or write state: the bucket policy and the lock table's resource policy deny everyone else", () => {
    const json = JSON.parse(synthStore("acme-tflock-t"));
    const documents = Object.values<any>(json.data.aws_iam_policy_document);
    const bucketDeny = documents.flatMap((d) => d.statement).find((s: any) => s.sid === "OnlyDeployAndBreakGlassRolesTouchState");
    expect(bucketDeny).toMatchObject({ effect: "Deny", principals: [{ type: "*", identifiers: ["*"] }] });
    expect(bucketDeny.actions).toEqual(expect.arrayContaining(["s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*", "s3:PutBucketPolicy"]));
    expect(bucketDeny.condition).toEqual([{ test: "ArnNotLike", variable: "aws:PrincipalArn", values: [DEPLOY, BREAK_GLASS] }]);
    const [tablePolicy] = Object.values<any>(json.resource.aws_dynamodb_resource_policy);
    expect(tablePolicy.resource_arn).toMatch(/aws_dynamodb_table\.[^.]+\.arn/);
    const tableDeny = documents.flatMap((d) => d.statement).find((s: any) => s.sid === "OnlyDeployAndBreakGlassRolesTouchLocks");
    expect(tableDeny.actions).toEqual(expect.arrayContaining(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:PutResourcePolicy"]));
    expect(tableDeny.condition).toEqual(bucketDeny.condition);
  });

  test("the bucket is versioned, KMS-encrypted with bucket keys, and blocks public access", () => {
    const synthesized = synthStore("acme-tflock-t");
    expect(synthesized).toHaveResourceWithProperties(S3Bucket, { bucket: "acme-tfstate-euw1-t", force_destroy: false });
    expect(synthesized).toHaveResourceWithProperties(S3BucketVersioningA, { versioning_configuration: { status: "Enabled" } });
    expect(synthesized).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: expect.stringContaining("aws_kms_key.") }, bucket_key_enabled: true }],
    });
    expect(synthesized).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  test("the bucket policy denies every request without TLS and below TLS 1.2", () => {
    const text = synthStore();
    const synthesized = JSON.parse(text);
    const documents = Object.values<any>(synthesized.data.aws_iam_policy_document);
    const bucketPolicy = documents.find((d) => d.statement.some((s: any) => s.sid === "DenyInsecureTransport"));
    expect(bucketPolicy.statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ effect: "Deny", condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }] }),
        expect.objectContaining({ effect: "Deny", condition: [{ test: "NumericLessThan", variable: "s3:TlsVersion", values: ["1.2"] }] }),
      ]),
    );
    expect(text).toHaveResourceWithProperties(S3BucketPolicy, { policy: expect.stringContaining("aws_iam_policy_document.") });
  });

  test("the lock table uses LockID, on-demand billing, point-in-time recovery and the state key", () => {
    expect(synthStore("acme-tflock-t")).toHaveResourceWithProperties(DynamodbTable, {
      name: "acme-tflock-t",
      hash_key: "LockID",
      billing_mode: "PAY_PER_REQUEST",
      point_in_time_recovery: { enabled: true },
      server_side_encryption: { enabled: true, kms_key_arn: expect.stringContaining("aws_kms_key.") },
      deletion_protection_enabled: true,
    });
  });

  test("without a lock table name no table is created (S3 lock files only)", () => {
    expect(synthStore(undefined)).not.toHaveResource(DynamodbTable);
  });
});

describe("zone stack", () => {
  test("creates the hosted zone for the configured domain, destroyable in dev and prevented from destroy in prod", () => {
    const dev = synthConfig(configVariant("dev"));
    const devZone = Object.values<any>(dev.stacks.zone.resource.aws_route53_zone)[0];
    expect(devZone).toMatchObject({ name: "dev.dr.example.com", force_destroy: true });
    expect(devZone.lifecycle).toBeUndefined();
    const prod = synthConfig(configVariant("prod"));
    const prodZone = Object.values<any>(prod.stacks.zone.resource.aws_route53_zone)[0];
    expect(prodZone).toMatchObject({ name: "prod.dr.example.com", force_destroy: false, lifecycle: { prevent_destroy: true } });
  });
});

describe("cross-stack references", () => {
  test("GIVEN a DR-region stack that references a primary-region resource THEN cdktf's remote-state read is caught", () => {
    const dev = configVariant("dev");
    const outdir = path.join(tempDir("xref"), "out");
    const app = new App({ outdir, stackTraces: false });
    const { stacks, plans } = buildStacks(app, dev);
    const primaryParameter = new SsmParameter(stacks.get("base-us-east-1")!, "active-region", {
      name: "/txdr/dev/active-region",
      type: "String",
      value: "us-east-1",
    });
    new SsmParameter(stacks.get("app-us-east-2")!, "copy", { name: "/txdr/dev/copy", type: "String", value: primaryParameter.value });
    app.synth();
    const planned = plans.map((p) => ({ ...p, stateLocation: stateLocation(dev, p.id, p.stateRegion) }));
    const violations = checkLayout(planned, readSynthesizedApp(outdir));
    expect(violations).toEqual([
      expect.objectContaining({ stack: "app-us-east-2", message: expect.stringContaining("reads the state of base-us-east-1, kept in us-east-1") }),
    ]);
    fs.rmSync(path.dirname(outdir), { recursive: true, force: true });
  });

  test("GIVEN a stack outside the plan THEN the check reports it", () => {
    const dev = configVariant("dev");
    const outdir = path.join(tempDir("stray"), "out");
    const app = new App({ outdir, stackTraces: false });
    buildStacks(app, dev);
    const stray = new TerraformStack(app, "stray");
    new AwsProvider(stray, "aws", { region: "us-east-1" });
    app.synth();
    const planned = planStacks(dev).map((p) => ({ ...p, stateLocation: stateLocation(dev, p.id, p.stateRegion) }));
    expect(checkLayout(planned, readSynthesizedApp(outdir))).toEqual([{ stack: "stray", message: "was synthesized but is not in the layout plan" }]);
    fs.rmSync(path.dirname(outdir), { recursive: true, force: true });
  });
});
