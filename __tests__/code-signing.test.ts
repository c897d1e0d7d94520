/**
 * Lambda code signing (constructs/security/lambda-code-signing.ts): every function of every shipped configuration
 * deploys only code its region's AWS Signer profile signed, and its code signing configuration refuses anything else.
 */
import * as fs from "fs";
import * as path from "path";
import { SynthesizedApp, TerraformJson } from "../app/layout-check";
import { LambdaCodeSigning } from "../constructs/security/lambda-code-signing";
import { DrLambdaFunction } from "../constructs/app/lambda-function";
import { parseReference } from "./support/policy";
import { PROJECT_ROOT, configVariant, shippedConfigFiles } from "./support/config";
import { synthConfig } from "./support/synth";
import { ofType, synthOneStack } from "./support/harness";

/** The resource of `type` a value refers to: `${type.name.<attribute path>}`. */
const resource = (stack: TerraformJson, value: unknown, type: string): any => {
  const m = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.[^}]+\}$/.exec(String(value));
  expect(m?.[1]).toBe(type);
  const found = stack.resource?.[type]?.[m![2]];
  expect(found).toBeDefined();
  return found;
};

/** `${data.terraform_remote_state.cross-stack-reference-input-<stack>.outputs.cross-stack-output-<type><id>attr}` */
const crossStack = (value: unknown): { stack: string; output: string } => {
  const m = /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-([a-z0-9-]+)\.outputs\.(cross-stack-output-[^}]+)\}$/.exec(String(value));
  expect(m).not.toBeNull();
  return { stack: m![1], output: m![2] };
};

/** The value a stack exports under a cross-stack output name. */
const exported = (stack: TerraformJson, output: string): string => (stack.output as Record<string, { value: string }>)[output].value;

describe.each(shippedConfigFiles().map((file) => path.basename(file, ".json")))("code signing in %s", (name) => {
  let app: SynthesizedApp;
  let regions: string[];
  beforeAll(() => {
    const config = configVariant(name);
    regions = [config.regions.primary, config.regions.secondary];
    app = synthConfig(config);
  });

  test("every function deploys its signing job's signed object, under its own region's Enforce configuration that trusts only that region's profile", () => {
    let functions = 0;
    for (const [stackId, stack] of Object.entries(app.stacks)) {
      for (const fn of Object.values<any>(ofType(stack, "aws_lambda_function"))) {
        functions += 1;
        expect(fn.filename).toBeUndefined();
        const job = resource(stack, fn.s3_key, "aws_signer_signing_job");
        expect(resource(stack, fn.s3_bucket, "aws_signer_signing_job")).toBe(job);
        expect(fn.s3_key).toMatch(/\.signed_object\[0\]\.s3\[0\]\.key\}$/);
        expect(fn.s3_bucket).toMatch(/\.signed_object\[0\]\.s3\[0\]\.bucket\}$/);
        expect(job.ignore_signing_job_failure).toBe(false);

        // The job signs exactly one version of the uploaded bundle.
        const upload = resource(stack, job.source.s3.key, "aws_s3_object");
        expect(resource(stack, job.source.s3.version, "aws_s3_object")).toBe(upload);
        expect(job.source.s3.version).toMatch(/\.version_id\}$/);
        expect(resource(stack, job.source.s3.bucket, "aws_s3_object")).toBe(upload);
        expect(upload).toMatchObject({ server_side_encryption: "aws:kms", bucket_key_enabled: true });
        expect(upload.kms_key_id).toBeTruthy();

        // Profile, configuration and bucket are the base stack's of the function's own region (the paging forwarder
        // lives in that stack itself; the others refer to it across stacks of the same region).
        const base = `base-${stackId.replace(/^[a-z]+-/, "")}`;
        const baseStack = app.stacks[base];
        const inBase = (value: string): string => {
          if (stackId === base) return value;
          const ref = crossStack(value);
          expect(ref.stack).toBe(base);
          return exported(baseStack, ref.output);
        };
        expect(job.destination.s3.bucket).toBe(upload.bucket);
        expect(job.destination.s3.prefix).toMatch(/^signed\/[a-z-]+\/$/);

        const signingConfig = resource(baseStack, inBase(fn.code_signing_config_arn), "aws_lambda_code_signing_config");
        expect(signingConfig.policies).toEqual({ untrusted_artifact_on_deployment: "Enforce" });
        expect(signingConfig.allowed_publishers.signing_profile_version_arns).toHaveLength(1);
        expect(signingConfig.allowed_publishers.signing_profile_version_arns[0]).toMatch(/\.version_arn\}$/);
        const profile = resource(baseStack, signingConfig.allowed_publishers.signing_profile_version_arns[0], "aws_signer_signing_profile");
        expect(resource(baseStack, inBase(job.profile_name), "aws_signer_signing_profile")).toBe(profile);
        expect(profile.platform_id).toBe("AWSLambda-SHA384-ECDSA");
        const artifacts = Object.values<any>(ofType(baseStack, "aws_s3_bucket")).find((b) => b.bucket === upload.bucket);
        expect(artifacts.bucket).toMatch(/-lambda-/);
      }
    }
    expect(functions).toBeGreaterThanOrEqual(8);
  });

  test("each region's profile has a name prefix Terraform accepts (letters, digits and '_', at most 38) and no fixed name, since Signer never reuses a cancelled profile's name", () => {
    for (const region of regions) {
      const profiles = Object.values<any>(ofType(app.stacks[`base-${region}`], "aws_signer_signing_profile"));
      expect(profiles).toHaveLength(1);
      expect(profiles[0].name).toBeUndefined();
      expect(profiles[0].name_prefix).toMatch(/^[0-9A-Za-z_]{1,38}$/);
    }
  });

  test("the artifact bucket of each region is versioned (Signer signs a version) and encrypted with the region's data key", () => {
    for (const region of regions) {
      const stack = app.stacks[`base-${region}`];
      const [id] = Object.entries<any>(ofType(stack, "aws_s3_bucket")).find(([, b]) => /-lambda-/.test(b.bucket))!;
      const versioning = Object.values<any>(ofType(stack, "aws_s3_bucket_versioning")).find((v) => v.bucket === `\${aws_s3_bucket.${id}.id}`);
      expect(versioning.versioning_configuration.status).toBe("Enabled");
      const encryption = Object.values<any>(ofType(stack, "aws_s3_bucket_server_side_encryption_configuration")).find((v) => v.bucket === `\${aws_s3_bucket.${id}.id}`);
      const rule = encryption.rule[0].apply_server_side_encryption_by_default;
      expect(rule.sse_algorithm).toBe("aws:kms");
      const key = resource(stack, rule.kms_master_key_id, "aws_kms_key");
      const alias = Object.values<any>(ofType(stack, "aws_kms_alias")).find((a) => parseReference(a.target_key_id)?.name === parseReference(rule.kms_master_key_id)?.name);
      expect(key).toBeDefined();
      expect(alias.name).toMatch(/^alias\/[a-z0-9]+-data-/);
    }
  });
});

describe("LambdaCodeSigning on one stack", () => {
  test("an upload in the same stack as the bucket waits for versioning; a signed function carries no local filename", () => {
    const json = synthOneStack(({ stack, catalog, account, config }) => {
      const signing = new LambdaCodeSigning(stack, "code-signing", {
        provider: stack.provider,
        bucketName: catalog.lambdaArtifactBucket,
        profileNamePrefix: catalog.signingProfilePrefix,
        kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/data",
        noncurrentVersionExpirationDays: 30,
      });
      new DrLambdaFunction(stack, "fn", {
        provider: stack.provider,
        account,
        region: "us-east-1",
        code: "paging-forwarder",
        codeSigning: signing,
        functionName: "f",
        description: "d",
        runtime: config.failover.lambdaRuntime,
        memorySizeMb: 128,
        timeoutSeconds: 3,
        environment: {},
        environmentKeyArn: "arn:aws:kms:us-east-1:111111111111:key/secrets",
        logGroupName: "/f",
        logsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/logs",
        logRetentionDays: 30,
        roleName: "r",
        statements: [],
      });
    });
    const [upload] = Object.values<any>(ofType(json, "aws_s3_object"));
    expect(upload.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_versioning\./)]);
    const [fn] = Object.values<any>(ofType(json, "aws_lambda_function"));
    expect(fn).not.toHaveProperty("filename");
    expect(fn).not.toHaveProperty("source_code_hash");
    expect(fn.code_signing_config_arn).toMatch(/^\$\{aws_lambda_code_signing_config\.[^.]+\.arn\}$/);
  });
});

test("no scan suppression excuses unsigned Lambda code (CKV_AWS_272) any more", () => {
  const suppressions = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "scan-suppressions.json"), "utf8")).suppressions as { checks: string[] }[];
  expect(suppressions.flatMap((s) => s.checks)).not.toContain("CKV_AWS_272");
});
