/**
 * Compliance policies over the synthesized Terraform JSON of every shipped configuration (config/*.json):
 * required tags (with provider default tags), customer-managed keys of the data's own region, IAM documents
 * without wildcards, no public bucket, TLS-only bucket policies, the suffix on every name, the permissions
 * boundary, the destroy profiles and internet ingress. Each policy is also shown to bite on a test double,
 * and to have examined every resource of the kinds it covers.
 */
import * as path from "path";
import { readConfigFile } from "../lib/config/load";
import { DrConfig } from "../lib/config/model";
import { SynthesizedApp } from "../app/layout-check";
import { configVariant, shippedConfigFiles } from "./support/config";
import { regionOfResource, resourcesOf, synthConfig } from "./support/synth";
import {
  DATA_STORES,
  KEY_EXCEPTIONS,
  STATEFUL_RESOURCES,
  actionNeedsStarResource,
  blocksOf,
  carriesSuffix,
  checkCustomerManagedKeys,
  checkDestroyProfile,
  checkInternetIngress,
  checkNameSuffix,
  checkNoPublicBuckets,
  checkPermissionsBoundary,
  checkPolicyDocuments,
  checkRequiredTags,
  checkTlsOnlyBuckets,
  cloneApp,
  effectiveTags,
  policyDocuments,
  resourceTypeCounts,
  taggableResourceTypes,
} from "./support/policy";

const shipped = shippedConfigFiles().map((file) => ({ name: path.basename(file, ".json"), config: readConfigFile(file) }));
const apps = new Map<string, SynthesizedApp>();
const configs = new Map<string, DrConfig>(shipped.map((s) => [s.name, s.config]));

beforeAll(() => {
  for (const { name, config } of shipped) apps.set(name, synthConfig(config));
});

const app = (name: string) => apps.get(name)!;
const config = (name: string) => configs.get(name)!;
const messages = (result: { findings: { stack: string; address: string; message: string }[] }) =>
  result.findings.map((f) => `${f.stack} ${f.address}: ${f.message}`);

/** Every resource of a type in the app: [stack id, logical name, body]. */
function all(a: SynthesizedApp, type: string): [string, string, any][] {
  return Object.entries(a.stacks).flatMap(([id, stack]) => resourcesOf(stack).filter(([t]) => t === type).map(([, n, b]) => [id, n, b] as [string, string, any]));
}
function first(a: SynthesizedApp, type: string, stackId?: string): [string, string, any] {
  const found = all(a, type).find(([id]) => stackId === undefined || id === stackId);
  if (!found) throw new Error(`No ${type}${stackId ? ` in ${stackId}` : ""} to break`);
  return found;
}

test("there are shipped configurations to check", () => {
  expect(shipped.map((s) => s.name)).toEqual(expect.arrayContaining(["dev", "prod"]));
});

describe.each(shipped.map((s) => s.name))("configuration %s", (name) => {
  test("every taggable resource carries Environment, DR-Role, Project and ManagedBy (provider default tags included)", () => {
    const result = checkRequiredTags(app(name), config(name));
    expect(messages(result)).toEqual([]);
    const counts = resourceTypeCounts(app(name));
    const taggablePresent = Object.fromEntries(Object.entries(counts).filter(([type]) => taggableResourceTypes().has(type)));
    expect(result.examined).toEqual(taggablePresent);
    expect(Object.keys(taggablePresent).length).toBeGreaterThan(0);
  });

  test("every data store is encrypted with a customer-managed key of its own region", () => {
    const result = checkCustomerManagedKeys(app(name));
    expect(messages(result)).toEqual([]);
    const counts = resourceTypeCounts(app(name));
    const stores = Object.fromEntries(Object.entries(counts).filter(([type]) => type in DATA_STORES || type === "aws_s3_bucket"));
    expect(result.examined).toEqual(stores);
    expect(Object.keys(stores).length).toBeGreaterThan(0);
  });

  test("no IAM policy document allows wildcard actions, or * resources for actions that support resource scoping", () => {
    const result = checkPolicyDocuments(app(name));
    expect(messages(result)).toEqual([]);
    const documents = policyDocuments(app(name)).documents;
    expect((result.examined["policy document"] ?? 0) + (result.examined["key policy"] ?? 0)).toBe(documents.length);
    const keysWithPolicy = all(app(name), "aws_kms_key").filter(([, , b]) => b.policy).length;
    expect(result.examined["key policy"] ?? 0).toBe(keysWithPolicy);
    if (documents.length > 0) expect(result.examined.statement).toBeGreaterThan(0);
  });

  test("no bucket is public: every bucket has a public access block with all four flags on", () => {
    const result = checkNoPublicBuckets(app(name));
    expect(messages(result)).toEqual([]);
    expect(result.examined.aws_s3_bucket ?? 0).toBe(all(app(name), "aws_s3_bucket").length);
  });

  test("every bucket has a policy that denies requests without TLS", () => {
    const result = checkTlsOnlyBuckets(app(name));
    expect(messages(result)).toEqual([]);
    expect(result.examined.aws_s3_bucket ?? 0).toBe(all(app(name), "aws_s3_bucket").length);
    expect(result.examined.aws_s3_bucket_policy ?? 0).toBe(all(app(name), "aws_s3_bucket_policy").length);
  });

  test("every name carries the environment suffix", () => {
    const result = checkNameSuffix(app(name), config(name));
    expect(messages(result)).toEqual([]);
    expect(result.examined.name).toBeGreaterThan(0);
  });

  test("roles carry the configured permissions boundary (when one is configured)", () => {
    const result = checkPermissionsBoundary(app(name), config(name));
    expect(messages(result)).toEqual([]);
    expect(result.examined.aws_iam_role ?? 0).toBe(all(app(name), "aws_iam_role").length);
  });

  test("stateful resources follow the destroy profile", () => {
    const result = checkDestroyProfile(app(name), config(name));
    expect(messages(result)).toEqual([]);
    const skipped = config(name).destroyProfile === "destroyable" ? ["bootstrap"] : [];
    const expected: Record<string, number> = {};
    for (const [stackId, stack] of Object.entries(app(name).stacks)) {
      if (skipped.includes(stackId)) continue;
      for (const b of blocksOf(stack)) if (b.type in STATEFUL_RESOURCES) expected[b.type] = (expected[b.type] ?? 0) + 1;
    }
    expect(result.examined).toEqual(expected);
    expect(Object.keys(expected).length).toBeGreaterThan(0);
  });

  test("no security group opens anything but the load balancer's listener ports to the internet", () => {
    const result = checkInternetIngress(app(name));
    expect(messages(result)).toEqual([]);
  });
});

describe("the policies bite (test doubles)", () => {
  test("tags: provider default tags count, and removing one required tag from them is reported", () => {
    const broken = cloneApp(app("prod"));
    const stack = broken.stacks.bootstrap;
    for (const provider of stack.provider.aws) delete provider.default_tags[0].tags.Environment;
    const result = checkRequiredTags(broken, config("prod"));
    expect(result.findings.length).toBeGreaterThan(0);
    expect(result.findings.every((f) => f.stack === "bootstrap" && /missing required tags Environment/.test(f.message))).toBe(true);

    // The same tag set on the resource itself satisfies the policy: tags are merged, not replaced.
    const [, , bucket] = first(broken, "aws_s3_bucket", "bootstrap");
    bucket.tags = { Environment: "prod" };
    expect(effectiveTags(stack, bucket)).toMatchObject({ Environment: "prod", Project: config("prod").project, ManagedBy: "cdktf" });
  });

  test("tags: a DR-Role that does not match the resource's region is reported", () => {
    const broken = cloneApp(app("prod"));
    const stack = broken.stacks.bootstrap;
    const standby = all(broken, "aws_s3_bucket").find(([id, , b]) => id === "bootstrap" && regionOfResource(stack, b) !== config("prod").regions.active);
    expect(standby).toBeDefined();
    standby![2].tags = { "DR-Role": "active" };
    expect(messages(checkRequiredTags(broken, config("prod"))).join("\n")).toMatch(/DR-Role is "active", expected "standby"/);
  });

  test("taggable types come from the provider bindings", () => {
    const types = taggableResourceTypes();
    expect([...types]).toEqual(expect.arrayContaining(["aws_s3_bucket", "aws_kms_key", "aws_dynamodb_table", "aws_route53_zone", "aws_iam_role"]));
    for (const untaggable of ["aws_s3_bucket_policy", "aws_kms_alias", "aws_iam_role_policy", "aws_s3_bucket_public_access_block"]) {
      expect(types.has(untaggable)).toBe(false);
    }
  });

  test("keys: a bucket without its key, with SSE-S3, or with the other region's key is reported", () => {
    const broken = cloneApp(app("prod"));
    const encryption = all(broken, "aws_s3_bucket_server_side_encryption_configuration").filter(
      ([id, , b]) => id === "bootstrap" && b.rule[0].apply_server_side_encryption_by_default.kms_master_key_id,
    );
    expect(encryption.length).toBeGreaterThanOrEqual(2);
    const [[, , one], [, , two]] = encryption;
    const keyOfTwo = two.rule[0].apply_server_side_encryption_by_default.kms_master_key_id;
    delete one.rule[0].apply_server_side_encryption_by_default.kms_master_key_id;
    const result = checkCustomerManagedKeys(broken);
    expect(messages(result).join("\n")).toMatch(/kms_master_key_id names no key/);

    one.rule[0].apply_server_side_encryption_by_default = { sse_algorithm: "AES256" };
    expect(messages(checkCustomerManagedKeys(broken)).join("\n")).toMatch(/default encryption is AES256, not SSE-KMS/);

    one.rule[0].apply_server_side_encryption_by_default = { sse_algorithm: "aws:kms", kms_master_key_id: keyOfTwo };
    expect(messages(checkCustomerManagedKeys(broken)).join("\n")).toMatch(/uses a key of us-east-\d for data in us-east-\d/);
  });

  test("keys: an AWS-managed key, a missing key and a key without rotation are reported, for every data-store type", () => {
    const broken = cloneApp(app("prod"));
    const [stackId, , table] = first(broken, "aws_dynamodb_table", "bootstrap");
    table.server_side_encryption = { enabled: true, kms_key_arn: "alias/aws/dynamodb" };
    expect(messages(checkCustomerManagedKeys(broken)).join("\n")).toMatch(/uses the AWS-managed key alias\/aws\/dynamodb/);
    delete table.server_side_encryption;
    expect(messages(checkCustomerManagedKeys(broken)).join("\n")).toMatch(/server_side_encryption.enabled is not true/);

    table.server_side_encryption = { enabled: true, kms_key_arn: "alias/txdr-nonexistent-prd" };
    expect(messages(checkCustomerManagedKeys(broken)).join("\n")).toMatch(/names alias\/txdr-nonexistent-prd, an alias this app does not create/);

    const fresh = cloneApp(app("prod"));
    for (const [, , key] of all(fresh, "aws_kms_key")) key.enable_key_rotation = false;
    expect(messages(checkCustomerManagedKeys(fresh)).join("\n")).toMatch(/without enable_key_rotation/);

    // Every data-store type: a copy of the table's stack with one of each, encrypted by nothing.
    const probe = cloneApp(app("prod"));
    const stack = probe.stacks[stackId];
    for (const type of Object.keys(DATA_STORES)) {
      stack.resource[type] = { ...(stack.resource[type] ?? {}), probe: { provider: table.provider } };
    }
    const flagged = new Set(checkCustomerManagedKeys(probe).findings.filter((f) => / probe\b|\.probe/.test(f.address)).map((f) => f.address.split(".")[0]));
    expect([...flagged].sort()).toEqual(Object.keys(DATA_STORES).sort());
  });

  test("keys: the exception list admits a listed resource only, and reports entries that match nothing", () => {
    const broken = cloneApp(app("prod"));
    const [, , encryption] = all(broken, "aws_s3_bucket_server_side_encryption_configuration").find(
      ([id, , b]) => id === "bootstrap" && b.rule[0].apply_server_side_encryption_by_default.kms_master_key_id,
    )!;
    encryption.rule[0].apply_server_side_encryption_by_default = { sse_algorithm: "AES256" };
    const bucketPath = broken.stacks.bootstrap.resource.aws_s3_bucket[/\$\{aws_s3_bucket\.([^.]+)\.id\}/.exec(encryption.bucket)![1]]["//"].metadata.path;
    const exception = { stack: "bootstrap", resource: bucketPath.replace(/us-east-\d/, "{region}"), reason: "test: an SSE-S3-only log bucket" };
    const stale = { stack: "app-{region}", resource: "app-{region}/no/such/bucket", reason: "test: stale" };
    const result = checkCustomerManagedKeys(broken, [...KEY_EXCEPTIONS, exception, stale]);
    expect(messages(result)).toEqual([]);
    expect(result.unusedExceptions).toEqual([stale]);
  });

  test("IAM: wildcard actions, NotAction, and * resources for scopable actions are reported; unscopable actions and key policies are not", () => {
    const broken = cloneApp(app("prod"));
    const docs = broken.stacks.bootstrap.data.aws_iam_policy_document;
    const keyPolicyName = /data\.aws_iam_policy_document\.([^.]+)\.json/.exec(first(broken, "aws_kms_key", "bootstrap")[2].policy)![1];
    const otherName = Object.keys(docs).find((n) => n !== keyPolicyName)!;
    expect(messages(checkPolicyDocuments(broken))).toEqual([]);

    docs[otherName].statement.push({ effect: "Allow", actions: ["*"], resources: ["*"], principals: [{ type: "AWS", identifiers: ["*"] }] });
    docs[otherName].statement.push({ effect: "Allow", actions: ["s3:GetObject"], resources: ["*"] });
    docs[otherName].statement.push({ effect: "Allow", not_actions: ["iam:*"], resources: ["*"] });
    docs[otherName].statement.push({ effect: "Allow", actions: ["cloudwatch:PutMetricData", "xray:PutTraceSegments"], resources: ["*"] });
    const found = messages(checkPolicyDocuments(broken)).join("\n");
    expect(found).toMatch(/allows the wildcard action "\*"/);
    expect(found).toMatch(/allows s3:GetObject on "\*"/);
    expect(found).toMatch(/NotAction \["iam:\*"\]/);
    expect(found).not.toMatch(/PutMetricData|PutTraceSegments/);

    // kms:* in a key policy is the documented exception for the account root only.
    const clean = cloneApp(app("prod"));
    const keyDoc = clean.stacks.bootstrap.data.aws_iam_policy_document[keyPolicyName];
    keyDoc.statement.push({ effect: "Allow", actions: ["kms:*"], resources: ["*"], principals: [{ type: "AWS", identifiers: ["arn:aws:iam::123456789012:role/someone"] }] });
    expect(messages(checkPolicyDocuments(clean)).join("\n")).toMatch(/allows the wildcard action "kms:\*"/);
  });

  test("IAM: a VPC endpoint policy may let its service's actions through only for principals it names by account or as AWS services", () => {
    const broken = cloneApp(app("prod"));
    const stack = broken.stacks["base-us-east-1"];
    const endpoint = Object.values<any>(stack.resource.aws_vpc_endpoint).find((e) => e.policy && e.vpc_endpoint_type === "Interface");
    const name = /data\.aws_iam_policy_document\.([^.]+)\.json/.exec(endpoint.policy)![1];
    expect(messages(checkPolicyDocuments(broken))).toEqual([]);
    stack.data.aws_iam_policy_document[name].statement.push({ effect: "Allow", actions: ["*"], resources: ["*"], principals: [{ type: "AWS", identifiers: ["*"] }] });
    expect(messages(checkPolicyDocuments(broken)).join("\n")).toMatch(/endpoints\/policy-[a-z-]+\): statement 3 allows the wildcard action "\*"/);
  });

  test("IAM: inline policy JSON is analysed, and a policy that cannot be analysed is reported", () => {
    const broken = cloneApp(app("prod"));
    const stack = broken.stacks.bootstrap;
    stack.resource.aws_iam_role_policy = {
      inline: { role: "r", name: "inline", policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }) },
      opaque: { role: "r", name: "opaque", policy: '${jsonencode({"Statement" = []})}' },
    };
    const found = messages(checkPolicyDocuments(broken)).join("\n");
    expect(found).toMatch(/aws_iam_role_policy\.inline: statement 1 allows the wildcard action "\*"/);
    expect(found).toMatch(/aws_iam_role_policy\.opaque: policy is neither literal JSON nor an aws_iam_policy_document reference/);
  });

  test("IAM: the action list knows which actions cannot be scoped", () => {
    expect(actionNeedsStarResource("cloudwatch:PutMetricData")).toBe(true);
    expect(actionNeedsStarResource("ec2:DescribeInstances")).toBe(true);
    expect(actionNeedsStarResource("s3:GetObject")).toBe(false);
    expect(actionNeedsStarResource("rds:FailoverGlobalCluster")).toBe(false);
    expect(actionNeedsStarResource("ec2:Describe*")).toBe(false);
  });

  test("public buckets: a flag turned off or a missing public access block is reported", () => {
    const broken = cloneApp(app("prod"));
    const blocks = broken.stacks.bootstrap.resource.aws_s3_bucket_public_access_block;
    const [firstName, secondName] = Object.keys(blocks);
    blocks[firstName].restrict_public_buckets = false;
    delete blocks[secondName];
    const found = messages(checkNoPublicBuckets(broken)).join("\n");
    expect(found).toMatch(/leaves restrict_public_buckets off/);
    expect(found).toMatch(/has no aws_s3_bucket_public_access_block/);
  });

  test("TLS: a bucket policy without the aws:SecureTransport denial is reported", () => {
    const broken = cloneApp(app("prod"));
    const [, , policy] = first(broken, "aws_s3_bucket_policy", "bootstrap");
    const docName = /data\.aws_iam_policy_document\.([^.]+)\.json/.exec(policy.policy)![1];
    const doc = broken.stacks.bootstrap.data.aws_iam_policy_document[docName];
    doc.statement = doc.statement.filter((s: any) => !(s.condition ?? []).some((c: any) => c.variable === "aws:SecureTransport"));
    expect(messages(checkTlsOnlyBuckets(broken)).join("\n")).toMatch(/has no Deny for aws:SecureTransport = false/);

    delete broken.stacks.bootstrap.resource.aws_s3_bucket_policy;
    expect(messages(checkTlsOnlyBuckets(broken)).join("\n")).toMatch(/has no bucket policy/);
  });

  test("names: a name without the suffix is reported; exempt arguments are not", () => {
    const broken = cloneApp(app("prod"));
    const [, , bucket] = first(broken, "aws_s3_bucket", "bootstrap");
    bucket.bucket = "txdr-tfstate-use1";
    const [, , table] = first(broken, "aws_dynamodb_table", "bootstrap");
    table.name = "txdr-tflock-prd-copy";
    const found = messages(checkNameSuffix(broken, config("prod")));
    expect(found.join("\n")).toMatch(/bucket "txdr-tfstate-use1" does not carry the suffix "prd"/);
    expect(found.join("\n")).toMatch(/name "txdr-tflock-prd-copy" does not carry the suffix/);
    expect(carriesSuffix("/txdr/prd/vpc-flow-logs", config("prod"))).toBe(true);
    expect(carriesSuffix("alias/txdr-data-prd", config("prod"))).toBe(true);
    expect(carriesSuffix("/aws/rds/cluster/txdr-db-use1-prd/postgresql", config("prod"))).toBe(true);
    expect(carriesSuffix("/txdr/prod/vpc-flow-logs", config("prod"))).toBe(false);
    expect(carriesSuffix("txdr-prd-logs", config("prod"))).toBe(false);
  });

  test("permissions boundary: with a boundary configured every role carries it, and a role without it is reported", () => {
    const boundary = "arn:aws:iam::123456789012:policy/dr-boundary";
    const patched = configVariant("prod", { iam: { permissionsBoundaryArn: boundary } });
    const synthesized = synthConfig(patched);
    const result = checkPermissionsBoundary(synthesized, patched);
    expect(messages(result)).toEqual([]);
    const roles = all(synthesized, "aws_iam_role");
    expect(result.examined.aws_iam_role ?? 0).toBe(roles.length);

    const broken = cloneApp(synthesized);
    const target = roles.length > 0 ? all(broken, "aws_iam_role")[0][2] : undefined;
    if (target) delete target.permissions_boundary;
    else broken.stacks.bootstrap.resource.aws_iam_role = { probe: { name: "probe-prd", assume_role_policy: "{}" } };
    expect(messages(checkPermissionsBoundary(broken, patched)).join("\n")).toMatch(/permissions_boundary is undefined, expected arn:aws:iam::123456789012:policy\/dr-boundary/);
  });

  test("destroy profiles: protection missing in protected, or present in destroyable, is reported", () => {
    const prod = cloneApp(app("prod"));
    const [, , zone] = first(prod, "aws_route53_zone");
    delete zone.lifecycle;
    const [, , lock] = first(prod, "aws_dynamodb_table", "bootstrap");
    lock.deletion_protection_enabled = false;
    prod.stacks.bootstrap.resource.aws_rds_cluster = { probe: { skip_final_snapshot: true, lifecycle: { prevent_destroy: true } } };
    const found = messages(checkDestroyProfile(prod, config("prod"))).join("\n");
    expect(found).toMatch(/aws_route53_zone.*lifecycle.prevent_destroy is not true/);
    expect(found).toMatch(/deletion_protection_enabled is false, expected true \(protected profile\)/);
    expect(found).toMatch(/aws_rds_cluster.probe.*deletion_protection is undefined, expected true/);
    expect(found).toMatch(/aws_rds_cluster.probe.*skip_final_snapshot is true/);
    expect(found).toMatch(/aws_rds_cluster.probe.*final_snapshot_identifier is not set/);

    const dev = cloneApp(app("dev"));
    const [, , devZone] = first(dev, "aws_route53_zone");
    devZone.force_destroy = false;
    devZone.lifecycle = { prevent_destroy: true };
    const devFound = messages(checkDestroyProfile(dev, config("dev"))).join("\n");
    expect(devFound).toMatch(/force_destroy is false, expected true \(destroyable profile\)/);
    expect(devFound).toMatch(/lifecycle.prevent_destroy is true \(destroyable profile\)/);
  });

  test("destroy profiles: the bootstrap stack stays protected in destroyable configurations", () => {
    const dev = cloneApp(app("dev"));
    expect(checkDestroyProfile(dev, config("dev")).examined).not.toHaveProperty("bootstrap");
    const [, , bucket] = first(dev, "aws_s3_bucket", "bootstrap");
    expect(bucket.lifecycle).toEqual({ prevent_destroy: true });
  });

  test("internet ingress: SSH from 0.0.0.0/0 or ::/0 is reported in every form; HTTPS is allowed", () => {
    const broken = cloneApp(app("prod"));
    const stack = broken.stacks.bootstrap;
    stack.resource.aws_security_group = {
      inline: { name: "x-prd", ingress: [{ from_port: 22, to_port: 22, protocol: "tcp", cidr_blocks: ["0.0.0.0/0"], prefix_list_ids: null, self: null }] },
    };
    stack.resource.aws_security_group_rule = { rule: { type: "ingress", from_port: 3389, to_port: 3389, protocol: "tcp", cidr_blocks: ["0.0.0.0/0"] } };
    stack.resource.aws_vpc_security_group_ingress_rule = {
      v6: { from_port: 22, to_port: 22, ip_protocol: "tcp", cidr_ipv6: "::/0" },
      https: { from_port: 443, to_port: 443, ip_protocol: "tcp", cidr_ipv4: "0.0.0.0/0" },
      all: { ip_protocol: "-1", cidr_ipv4: "0.0.0.0/0" },
    };
    const found = messages(checkInternetIngress(broken));
    expect(found).toHaveLength(4);
    expect(found.join("\n")).toMatch(/aws_security_group.inline: ingress\[0\] opens tcp 22-22/);
    expect(found.join("\n")).toMatch(/aws_vpc_security_group_ingress_rule.v6/);
    expect(found.join("\n")).not.toMatch(/\.https/);
  });
});

test("every key exception matches a resource of some shipped configuration (no stale entries)", () => {
  const unused = KEY_EXCEPTIONS.filter((e) => shipped.every(({ name }) => checkCustomerManagedKeys(app(name), [e]).unusedExceptions.length > 0));
  expect(unused).toEqual([]);
});
