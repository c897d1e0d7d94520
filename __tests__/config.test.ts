import * as path from "path";
import { ConfigError, checkConfig, selectedConfigFile, validateConfig } from "../lib/config/load";
import { ConfigSchema } from "../lib/config/schema";
import { fargateMemoryOptions } from "../lib/config/validate";
import { INTERFACE_ENDPOINT_SERVICES } from "../lib/endpoint-services";
import { parseCidr, cidrsOverlap } from "../lib/config/cidr";
import { configVariant, rawVariant, shippedConfigFiles } from "./support/config";

/** The problems a raw configuration produces, as "path: message" lines. */
function problemsOf(raw: unknown): string[] {
  try {
    validateConfig(raw, "test.json");
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  return [];
}

describe("configuration defaults", () => {
  test("GIVEN the minimum fields WHEN validated THEN every optional value takes its documented default", () => {
    const config = validateConfig(
      {
        environment: "min",
        suffix: "min",
        regions: { primary: "us-east-1", secondary: "us-west-2" },
        targets: { rpoSeconds: 60, rtoSeconds: 600 },
        dns: { domainName: "min.example.com" },
        // The default profile is protected, which runs only images pinned by digest (issue 18).
        service: { imageDigest: `sha256:${"0".repeat(64)}` },
      },
      "minimal.json",
    );
    expect(config.project).toBe("txdr");
    expect(config.regions.active).toBe("us-east-1");
    expect(config.network).toEqual({
      cidrs: { primary: "10.10.0.0/16", secondary: "10.20.0.0/16" },
      availabilityZones: 3,
      natGateways: "per-az",
      interfaceEndpoints: expect.arrayContaining(["rds", "ecs", "application-autoscaling", "states", "monitoring"]),
      crossRegionDatabaseAccess: true,
    });
    expect(config.database.engine).toBe("aurora-postgresql");
    expect(config.database.engineVersion).toBe("17.7");
    expect(config.database.engineLifecycleSupport).toBe("open-source-rds-extended-support-disabled");
    expect(config.database.rpoEnforcement).toBe("database");
    expect(config.database.capacity).toEqual({ mode: "provisioned", instanceClass: "db.r6g.large" });
    expect(config.database.instances).toEqual({ active: 2, standby: 1 });
    expect(config.service.capacity).toEqual({ active: { min: 2, max: 10 }, standby: { min: 1, max: 10 } });
    expect(config.backend).toEqual({ type: "s3", locking: "dynamodb" });
    expect(config.destroyProfile).toBe("protected");
    expect(config.kms.deletionWindowDays).toBe(30);
    expect(config.retention.logDays).toBe(90);
    expect(config.iam.permissionsBoundaryArn).toBeUndefined();
  });

  test("GIVEN Aurora MySQL WHEN no enforcement is set THEN RPO enforcement defaults to alarm and the MySQL version", () => {
    const config = configVariant("dev", {
      database: { engine: "aurora-mysql", capacity: { mode: "provisioned", minAcu: undefined, maxAcu: undefined } },
    });
    expect(config.database.rpoEnforcement).toBe("alarm");
    expect(config.database.engineVersion).toMatch(/^8\.0\.mysql_aurora\./);
  });

  test("GIVEN any profile THEN WAF is on by default (issue 18: every load balancer is public); turning it off is possible; protected without WAF draws a warning", () => {
    expect(configVariant("variant-a").waf.enabled).toBe(true);
    expect(configVariant("dev").waf.enabled).toBe(true);
    expect(configVariant("dev", { waf: { enabled: false } }).waf.enabled).toBe(false);
    const { config, warnings } = checkConfig(rawVariant("variant-a", { waf: { enabled: false } }), "variant-a.json (patched)");
    expect(config.waf.enabled).toBe(false);
    expect(warnings.map((w) => w.path)).toContain("waf.enabled");
    expect(checkConfig(rawVariant("variant-a"), "variant-a.json").warnings.map((w) => w.path)).not.toContain("waf.enabled");
  });

  test("GIVEN the destroyable profile THEN no interface endpoints by default; the protected profile gets every one; a list wins over both", () => {
    expect(configVariant("dev").network.interfaceEndpoints).toEqual([]);
    expect(configVariant("variant-c").network.interfaceEndpoints).toEqual([...INTERFACE_ENDPOINT_SERVICES]);
    expect(configVariant("dev", { network: { interfaceEndpoints: ["rds"] } }).network.interfaceEndpoints).toEqual(["rds"]);
  });

  test("GIVEN the cloud backend without a prefix WHEN validated THEN workspaces are prefixed with project and environment", () => {
    const config = configVariant("dev", { backend: { type: "cloud", organization: "acme" } });
    expect(config.backend).toMatchObject({ type: "cloud", organization: "acme", workspacePrefix: "txdr-dev", hostname: "app.terraform.io" });
  });

  test("every field of the schema carries a description, so documentation can be generated from it", () => {
    const undocumented: string[] = [];
    const visit = (schema: any, where: string) => {
      if (!schema || typeof schema !== "object") return;
      if (schema.properties) {
        for (const [key, child] of Object.entries<any>(schema.properties)) {
          if (!child.description) undocumented.push(`${where}${key}`);
          visit(child, `${where}${key}.`);
        }
      }
      for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) visit(branch, where);
      if (schema.additionalProperties && typeof schema.additionalProperties === "object") visit(schema.additionalProperties, `${where}*.`);
    };
    const { z } = require("zod");
    visit(z.toJSONSchema(ConfigSchema, { io: "input", unrepresentable: "any" }), "");
    expect(undocumented).toEqual([]);
  });
});

describe("configuration rules", () => {
  const cases: [string, Record<string, any>, RegExp][] = [
    ["unknown top-level key", { colour: "blue" }, /^: unknown key "colour"; allowed keys are: description, project, environment/],
    ["unknown nested key", { network: { vpcCidr: "10.0.0.0/16" } }, /^network: unknown key "vpcCidr"; allowed keys are: cidrs, availabilityZones, natGateways/],
    ["same region twice", { regions: { primary: "us-east-1", secondary: "us-east-1", active: "us-east-1" } }, /^regions\.secondary: is the same as regions\.primary/],
    ["not an AWS region", { regions: { secondary: "us-east-3" } }, /^regions\.secondary: must be one of: us-east-1, us-east-2/],
    ["active region is neither", { regions: { active: "eu-west-1" } }, /^regions\.active: must be one of the two regions of the pair: us-east-1 or us-east-2/],
    ["regions in different partitions", { regions: { secondary: "us-gov-west-1" } }, /^regions\.secondary: is in partition aws-us-gov/],
    ["overlapping CIDRs", { network: { cidrs: { primary: "10.10.0.0/16", secondary: "10.10.128.0/17" } } }, /^network\.cidrs\.secondary: overlaps network\.cidrs\.primary/],
    ["malformed CIDR", { network: { cidrs: { primary: "10.10.0/16" } } }, /^network\.cidrs\.primary: is not a CIDR block; allowed: an IPv4 CIDR block from \/16 to \/24/],
    ["CIDR with host bits", { network: { cidrs: { primary: "10.10.0.1/16" } } }, /^network\.cidrs\.primary: has host bits set; the network address of this block is 10\.10\.0\.0\/16/],
    ["CIDR too large", { network: { cidrs: { primary: "10.0.0.0/8" } } }, /^network\.cidrs\.primary: has prefix \/8/],
    [
      "suffix too long for the canary name",
      { suffix: "abcdefghijklm" },
      /^suffix: is too long: it makes the Synthetics canary name "txdr-pri-abcdefghijklm" 22 characters long, and AWS allows at most 21; with project "txdr" the suffix may have at most 12 characters$/,
    ],
    ["suffix with invalid characters", { suffix: "Dev_1" }, /^suffix: must be lowercase letters and digits only/],
    ["an endpoint listed twice", { network: { interfaceEndpoints: ["rds", "ecs", "rds"] } }, /^network\.interfaceEndpoints: lists rds more than once/],
    ["a backup retention outside the vault lock", { backup: { dailyRetentionDays: 40, monthlyRetentionDays: 30, vaultLock: { enabled: true, maxRetentionDays: 30 } } }, /^backup\.dailyRetentionDays: is outside the vault lock's bounds: recovery points and their copies in the other region's locked vault must be kept 1 to 30 days/],
    ["a vault lock minimum above its maximum", { backup: { vaultLock: { enabled: true, minRetentionDays: 10, maxRetentionDays: 5 } } }, /^backup\.vaultLock\.minRetentionDays: is above backup\.vaultLock\.maxRetentionDays \(5\)/],
    ["daily copies outside the air-gapped vault's bounds", { backup: { airGappedVault: { enabled: true, maxRetentionDays: 20 } } }, /^backup\.dailyRetentionDays: is outside the air-gapped vault's bounds \(7 to 20 days\)/],
    ["overlapping backup and maintenance windows", { database: { preferredBackupWindow: "04:00-05:00", preferredMaintenanceWindow: "sun:04:30-sun:05:30" } }, /^database\.preferredBackupWindow: overlaps database\.preferredMaintenanceWindow/],
    ["a backup window shorter than 30 minutes", { database: { preferredBackupWindow: "03:00-03:20" } }, /^database\.preferredBackupWindow: must last at least 30 minutes/],
    ["a Performance Insights retention AWS does not offer", { database: { performanceInsightsRetentionDays: 30 } }, /^database\.performanceInsightsRetentionDays: must be 7, 731, or a multiple of 31/],
    ["an IA transition S3 refuses", { storage: { transitionToInfrequentAccessDays: 10 } }, /^storage\.transitionToInfrequentAccessDays: must be a whole number from 30 to 3650/],
    ["one availability zone", { network: { availabilityZones: 1 } }, /^network\.availabilityZones: must be a whole number from 2 to 6/],
    ["min capacity above max", { service: { capacity: { active: { min: 5, max: 10 }, standby: { min: 5, max: 4 } } } }, /^service\.capacity\.standby\.min: is above service\.capacity\.standby\.max \(4\)/],
    ["zero RPO", { targets: { rpoSeconds: 0 } }, /^targets\.rpoSeconds: must be a positive duration in whole seconds from 1 to 86400/],
    ["negative RTO", { targets: { rtoSeconds: -60 } }, /^targets\.rtoSeconds: must be a positive duration in whole seconds/],
    ["RPO given as text", { targets: { rpoSeconds: "15m" } }, /^targets\.rpoSeconds: must be a positive duration in whole seconds/],
    ["fractional RTO", { targets: { rtoSeconds: 1.5 } }, /^targets\.rtoSeconds: must be a positive duration in whole seconds/],
    ["missing RPO", { targets: { rpoSeconds: undefined } }, /^targets\.rpoSeconds: is required/],
    ["missing domain", { dns: { domainName: undefined } }, /^dns\.domainName: is required/],
    ["Fargate memory that does not fit the CPU", { service: { cpu: 256, memory: 4096 } }, /^service\.memory: is not a Fargate memory size for cpu 256; allowed: 512 to 2048 MiB/],
    ["Serverless min above max", { database: { capacity: { mode: "serverless-v2", minAcu: 8, maxAcu: 4 } } }, /^database\.capacity\.minAcu: is above database\.capacity\.maxAcu \(4\)/],
    ["a backtrack window", { database: { backtrackWindowSeconds: 3600 } }, /^database\.backtrackWindowSeconds: is not supported: Aurora global databases do not support backtracking.*backupRetentionDays/],
    ["a headless secondary", { database: { instances: { standby: 0 } } }, /^database\.instances\.standby: must be at least 1: a headless secondary cluster has no instance to promote/],
    ["database RPO enforcement on MySQL", { database: { engine: "aurora-mysql", rpoEnforcement: "database" } }, /^database\.rpoEnforcement: is only available on aurora-postgresql/],
    ["database RPO enforcement below 20 s", { targets: { rpoSeconds: 10 } }, /^targets\.rpoSeconds: is below 20 s, the smallest value rds\.global_db_rpo accepts/],
    ["log retention CloudWatch does not offer", { retention: { logDays: 10 } }, /^retention\.logDays: must be a CloudWatch Logs retention period in days: 1, 3, 5, 7, 14, 30/],
    ["KMS deletion window out of range", { kms: { deletionWindowDays: 3 } }, /^kms\.deletionWindowDays: must be a whole number from 7 to 30/],
    ["malformed permissions boundary", { iam: { permissionsBoundaryArn: "boundary" } }, /^iam\.permissionsBoundaryArn: must be an IAM managed policy ARN/],
    ["a tag the project sets itself", { tags: { Environment: "x" } }, /^tags\.Environment: is set by the project itself/],
    ["an alert endpoint that is not HTTPS", { alerts: { httpsEndpoints: ["http://pager.example.com/hook"] } }, /^alerts\.httpsEndpoints\.0: must be an https:\/\/ URL/],
    ["an unknown backend", { backend: { type: "consul" } }, /^backend\.type: must have type s3, local or cloud|^backend: must have type s3, local or cloud/],
    ["unknown destroy profile", { destroyProfile: "retain" }, /^destroyProfile: must be one of: destroyable, protected/],
  ];

  test.each(cases)("GIVEN %s WHEN validated THEN one clear message names the field", (_name, patch, expected) => {
    const problems = problemsOf(rawVariant("dev", patch));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  test("GIVEN a VPC block too small for six zones WHEN validated THEN both the block and the zone count (us-east-2 has 3) are refused", () => {
    const problems = problemsOf(rawVariant("dev", { network: { cidrs: { primary: "10.10.0.0/24" }, availabilityZones: 6 } }));
    expect(problems).toEqual([
      expect.stringMatching(/^network\.cidrs\.primary: is too small for 6 availability zones: its subnets would be \/29/),
      "network.availabilityZones: is more than us-east-2 has: it offers 3 availability zones to an account; allowed: 2 to 3 for this pair of regions",
    ]);
  });

  test("GIVEN several problems WHEN validated THEN each one is reported", () => {
    const problems = problemsOf(rawVariant("dev", { colour: "blue", targets: { rpoSeconds: 0 } }));
    expect(problems).toHaveLength(2);
  });

  test("the error message quotes the bad value", () => {
    expect(() => validateConfig(rawVariant("dev", { regions: { secondary: "us-east-3" } }), "x.json")).toThrow(/\(got "us-east-3"\)/);
  });

  test("every shipped configuration file is valid", () => {
    for (const file of shippedConfigFiles()) {
      expect(() => validateConfig(require(file), path.basename(file))).not.toThrow();
    }
  });

  test("a suffix at the computed maximum passes and one character more fails", () => {
    const message = problemsOf(rawVariant("dev", { suffix: "a".repeat(40) }))[0];
    const max = Number(/at most (\d+) characters/.exec(message)![1]);
    expect(problemsOf(rawVariant("dev", { suffix: "a".repeat(max) }))).toEqual([]);
    expect(problemsOf(rawVariant("dev", { suffix: "a".repeat(max + 1) }))).toHaveLength(1);
  });
});

describe("configuration selection", () => {
  test("DR_CONFIG wins over DR_ENV", () => {
    expect(selectedConfigFile({ DR_CONFIG: "/tmp/some.json", DR_ENV: "prod" })).toBe("/tmp/some.json");
  });
  test("DR_ENV selects config/<name>.json and defaults to dev", () => {
    expect(path.basename(selectedConfigFile({ DR_ENV: "prod" }))).toBe("prod.json");
    expect(path.basename(selectedConfigFile({}))).toBe("dev.json");
  });
  test("an unknown DR_ENV names the environments that exist", () => {
    expect(() => selectedConfigFile({ DR_ENV: "staging" })).toThrow(/DR_ENV: has no file config\/staging\.json; available: dev, prod, variant-a/);
  });
  test("a DR_ENV that is not a plain name is refused", () => {
    expect(() => selectedConfigFile({ DR_ENV: "../etc/passwd" })).toThrow(/DR_ENV: must name a file in config\//);
  });
});

describe("helpers behind the rules", () => {
  test("Fargate memory options follow the ECS table", () => {
    expect(fargateMemoryOptions(256)).toEqual([512, 1024, 2048]);
    expect(fargateMemoryOptions(4096)[0]).toBe(8192);
    expect(fargateMemoryOptions(4096).at(-1)).toBe(30720);
    expect(fargateMemoryOptions(16384)).toContain(122880);
  });
  test("CIDR overlap is symmetric and adjacent blocks do not overlap", () => {
    const a = parseCidr("10.0.0.0/16");
    const b = parseCidr("10.1.0.0/16");
    const c = parseCidr("10.0.128.0/17");
    if (!a.ok || !b.ok || !c.ok) throw new Error("parse failed");
    expect(cidrsOverlap(a, b)).toBe(false);
    expect(cidrsOverlap(a, c)).toBe(true);
    expect(cidrsOverlap(c, a)).toBe(true);
  });
});

describe("generated configuration reference", () => {
  test("docs/configuration.md and docs/config.schema.json match the schema (run npm run docs after changing it)", () => {
    const fs = require("fs");
    const { configJsonSchema, configReferenceMarkdown } = require("../lib/config/reference");
    const docs = path.join(__dirname, "..", "docs");
    expect(fs.readFileSync(path.join(docs, "configuration.md"), "utf8")).toBe(configReferenceMarkdown());
    expect(JSON.parse(fs.readFileSync(path.join(docs, "config.schema.json"), "utf8"))).toEqual(configJsonSchema());
  });
});
