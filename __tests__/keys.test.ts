/**
 * Key policies, over every shipped configuration's synthesized JSON (issue 18, KMS): administration is separated from
 * use, every user is named, and the names agree with the grants the roles actually hold, in both directions:
 *
 * - no statement grants kms:* or names the principal "*";
 * - administrators (kms.administratorRoleArns) get AWS's key-administrator actions only, and the root user the same,
 *   for lockout protection;
 * - every KMS permission a project role holds in its own policy is admitted by the policy of the key it names, through
 *   the same service (a key policy narrower than the roles' needs would break a deploy; this catches it);
 * - every role a key policy names is one the app creates, one configuration names, or a service-linked role;
 * - every service-principal statement of the messaging key is conditioned (the claim of the scan suppression).
 */
import * as path from "path";
import { SynthesizedApp, TerraformJson } from "../app/layout-check";
import { readConfigFile } from "../lib/config/load";
import { DrConfig } from "../lib/config/model";
import { shippedConfigFiles } from "./support/config";
import { asList, parseReference } from "./support/policy";
import { synthConfig } from "./support/synth";

/** AWS's key-administrator actions (the default key policy's "Allow access for Key Administrators"), as the issue names them. */
const KEY_ADMIN_ACTIONS = [
  "kms:Create*",
  "kms:Describe*",
  "kms:Enable*",
  "kms:List*",
  "kms:Put*",
  "kms:Update*",
  "kms:Revoke*",
  "kms:Disable*",
  "kms:Get*",
  "kms:Delete*",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
];

const shipped = shippedConfigFiles().map((file) => ({ name: path.basename(file, ".json"), config: readConfigFile(file) }));

interface Stmt {
  readonly sid?: string;
  readonly effect: string;
  readonly actions: string[];
  readonly principals: { type: string; identifiers: string[] }[];
  readonly condition: { test: string; variable: string; values: string[] }[];
  readonly resources: string[];
}

function statements(stack: TerraformJson, reference: string): Stmt[] {
  const ref = parseReference(reference);
  if (!ref || ref.type !== "aws_iam_policy_document") throw new Error(`not a policy document: ${reference}`);
  const doc = stack.data.aws_iam_policy_document[ref.name];
  return asList(doc.statement).map((s: any) => ({
    sid: s.sid,
    effect: s.effect ?? "Allow",
    actions: asList(s.actions),
    principals: asList(s.principals).map((p: any) => ({ type: p.type, identifiers: asList(p.identifiers) })),
    condition: asList(s.condition).map((c: any) => ({ test: c.test, variable: c.variable, values: asList(c.values) })),
    resources: asList(s.resources),
  }));
}

/** The region of a resource or data source: its provider's, or its own `region`. */
function regionOf(stack: TerraformJson, body: any): string {
  if (body.region) return body.region;
  const providers: any[] = stack.provider?.aws ?? [];
  const ref: string | undefined = body.provider === "aws" || body.provider === undefined ? undefined : body.provider;
  return (ref ? providers.find((p) => `aws.${p.alias}` === ref) : providers.find((p) => p.alias === undefined)).region;
}

interface Key {
  readonly stack: string;
  readonly region: string;
  readonly alias: string;
  readonly statements: Stmt[];
}

/** Every customer-managed key of the app with its alias, region and policy. */
function keysOf(app: SynthesizedApp): Key[] {
  const keys: Key[] = [];
  for (const [stackId, stack] of Object.entries(app.stacks)) {
    for (const [name, key] of Object.entries<any>(stack.resource?.aws_kms_key ?? {})) {
      const alias = Object.values<any>(stack.resource.aws_kms_alias).find((a) => parseReference(a.target_key_id)?.name === name);
      keys.push({ stack: stackId, region: regionOf(stack, key), alias: alias.name, statements: statements(stack, key.policy) });
    }
  }
  return keys;
}

const actionMatches = (pattern: string, action: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i").test(action);
const roleName = (arn: string) => /:role\/(.+)$/.exec(arn)?.[1];
const condition = (s: Stmt, variable: string) => s.condition.find((c) => c.variable === variable);

/** The key statements that let `role` ask for `action` through `service` (a kms:ViaService value). */
function admits(key: Key, role: string, action: string, service: string): boolean {
  return key.statements.some((s) => {
    if (s.effect !== "Allow" || !s.actions.some((a) => actionMatches(a, action))) return false;
    const names = condition(s, "aws:PrincipalArn")?.values.map(roleName) ?? [];
    if (!names.some((n) => n !== undefined && actionMatches(n, role))) return false;
    const via = condition(s, "kms:ViaService");
    return via === undefined || via.values.includes(service);
  });
}

interface RoleKeyGrant {
  readonly stack: string;
  readonly role: string;
  readonly sid?: string;
  readonly actions: string[];
  readonly services: string[];
  /** The keys the statement names: alias names in a region, or "any key" of a region. */
  readonly keys: { region: string; alias?: string }[];
}

/** Every KMS statement of every project role's own policy, with the keys it names. */
function roleKeyGrants(app: SynthesizedApp): RoleKeyGrant[] {
  const grants: RoleKeyGrant[] = [];
  for (const [stackId, stack] of Object.entries(app.stacks)) {
    const roles = stack.resource?.aws_iam_role ?? {};
    for (const policy of Object.values<any>(stack.resource?.aws_iam_role_policy ?? {})) {
      const role = roles[parseReference(policy.role)!.name].name;
      for (const s of statements(stack, policy.policy)) {
        const actions = s.actions.filter((a) => a.startsWith("kms:"));
        if (s.effect !== "Allow" || actions.length === 0) continue;
        const services = condition(s, "kms:ViaService")?.values ?? [];
        const keys = s.resources.map((resource) => {
          const ref = parseReference(resource);
          if (ref?.type === "aws_kms_alias") {
            const body = stack.data.aws_kms_alias[ref.name];
            return { region: regionOf(stack, body), alias: body.name as string };
          }
          if (ref?.kind === "resource" && ref.type === "aws_kms_key") {
            const alias = Object.values<any>(stack.resource.aws_kms_alias).find((a) => parseReference(a.target_key_id)?.name === ref.name);
            return { region: regionOf(stack, stack.resource.aws_kms_key[ref.name]), alias: alias.name as string };
          }
          const any = /:kms:([a-z0-9-]+):[^:]*:key\/\*$/.exec(resource);
          if (any) return { region: any[1] };
          // The peer region's data key, read from the parameter its own region published: the ViaService region's data key.
          if (/peer-data-key/.test(resource)) return { region: services[0].split(".")[1], alias: "data" };
          throw new Error(`${stackId} ${role} ${s.sid}: cannot tell which key ${resource} is`);
        });
        grants.push({ stack: stackId, role, sid: s.sid, actions, services, keys });
      }
    }
  }
  return grants;
}

describe.each(shipped.map((s) => [s.name, s.config] as const))("%s: key policies", (_name, config: DrConfig) => {
  let app: SynthesizedApp;
  let keys: Key[];
  beforeAll(() => {
    app = synthConfig(config);
    keys = keysOf(app);
  });

  test("there are keys to check: five per region, the state keys, and the trail's", () => {
    expect(keys.length).toBe(10 + (config.backend.type === "s3" ? 2 : 0) + (config.audit.cloudTrail ? 1 : 0));
  });

  test("no key policy statement grants kms:* or names the principal \"*\"", () => {
    const offending = keys.flatMap((k) =>
      k.statements
        .filter((s) => s.actions.includes("kms:*") || s.principals.some((p) => p.identifiers.includes("*")))
        .map((s) => `${k.stack} ${k.alias} ${s.sid}`),
    );
    expect(offending).toEqual([]);
  });

  test("administrators get AWS's key-administrator actions only (no cryptographic operation), conditioned on the configured roles; the root user the same, for lockout protection", () => {
    for (const key of keys) {
      const admin = key.statements.find((s) => s.sid === "KeyAdministrators")!;
      expect([key.alias, admin.actions]).toEqual([key.alias, KEY_ADMIN_ACTIONS]);
      expect(admin.condition).toEqual([{ test: "ArnLike", variable: "aws:PrincipalArn", values: [...config.kms.administratorRoleArns] }]);
      const root = key.statements.find((s) => s.sid === "RootUserKeepsKeyManageable")!;
      expect(root.actions).toEqual(KEY_ADMIN_ACTIONS);
      expect(root.condition).toEqual([{ test: "StringEquals", variable: "aws:PrincipalType", values: ["Account"] }]);
      for (const s of key.statements.filter((st) => st.principals.some((p) => p.type === "AWS") && st.sid !== "KeyAdministrators" && st.sid !== "RootUserKeepsKeyManageable")) {
        // Every other statement for AWS principals names them and binds the use to an AWS service of the key's region.
        if (s.sid?.startsWith("CrossAccountBackupCopies")) continue;
        expect([key.alias, s.sid, condition(s, "aws:PrincipalArn")?.values.length ?? 0]).toEqual([key.alias, s.sid, expect.any(Number)]);
        expect(condition(s, "aws:PrincipalArn")?.values.length).toBeGreaterThan(0);
        expect(condition(s, "kms:ViaService")?.values.every((v) => v.endsWith(`.${key.region}.amazonaws.com`))).toBe(true);
        expect(s.actions.filter((a) => KEY_ADMIN_ACTIONS.includes(a) && a !== "kms:Describe*")).toEqual([]);
      }
    }
  });

  test("every KMS permission a project role holds is admitted by the policy of the key it names, through the same service", () => {
    const grants = roleKeyGrants(app);
    expect(grants.length).toBeGreaterThan(20);
    const refused: string[] = [];
    for (const grant of grants) {
      for (const named of grant.keys) {
        const candidates = keys.filter((k) => k.region === named.region && (named.alias === undefined || k.alias === named.alias || k.alias.includes(`-${named.alias}-`)));
        expect(candidates.length).toBeGreaterThan(0);
        for (const action of grant.actions) {
          for (const service of grant.services) {
            if (!candidates.some((k) => admits(k, grant.role, action, service))) {
              refused.push(`${grant.stack} ${grant.role} ${grant.sid}: ${action} through ${service} on ${named.alias ?? "a key"} of ${named.region}`);
            }
          }
        }
      }
    }
    expect(refused).toEqual([]);
  });

  test("every role a key policy names is one the app creates, one configuration names, or the account's service-linked roles", () => {
    const created = new Set(Object.values(app.stacks).flatMap((s) => Object.values<any>(s.resource?.aws_iam_role ?? {}).map((r) => r.name)));
    const configured = new Set([...config.iam.deployRoleArns, ...config.iam.breakGlassRoleArns, ...config.iam.operatorRoleArns, ...config.kms.administratorRoleArns]);
    const unknown = keys.flatMap((k) =>
      k.statements
        .flatMap((s) => condition(s, "aws:PrincipalArn")?.values ?? [])
        .filter((arn) => !configured.has(arn) && !arn.endsWith(":role/aws-service-role/*") && !created.has(roleName(arn)!))
        .map((arn) => `${k.alias} (${k.region}): ${arn}`),
    );
    expect(unknown).toEqual([]);
  });

  test("every service-principal statement of the messaging key is conditioned: on the source account or ARN, or on the project's topic or queue in the encryption context", () => {
    const messaging = keys.filter((k) => k.alias.includes("-messaging-"));
    expect(messaging).toHaveLength(2);
    for (const key of messaging) {
      const services = key.statements.filter((s) => s.principals.some((p) => p.type === "Service"));
      expect(services.length).toBeGreaterThanOrEqual(5);
      for (const s of services) {
        const bounded = s.condition.some(
          (c) => ["aws:SourceAccount", "aws:SourceArn"].includes(c.variable) || /^kms:EncryptionContext:aws:(sns:topicArn|sqs:arn)$/.test(c.variable),
        );
        expect([key.alias, s.sid, bounded]).toEqual([key.alias, s.sid, true]);
      }
      const bus = key.statements.find((s) => s.sid === "EventBridgeEncryptsTheApplicationBus")!;
      expect(condition(bus, "aws:SourceArn")?.values).toEqual([expect.stringMatching(new RegExp(`:events:${key.region}:.*:event-bus/txdr-events-`))]);
      const backup = key.statements.find((s) => s.principals.some((p) => p.identifiers.includes("backup.amazonaws.com")))!;
      expect(condition(backup, "aws:SourceAccount")).toBeDefined();
    }
  });

  test("every service-principal statement of every key is conditioned (source account or ARN, or encryption context)", () => {
    const unconditioned = keys.flatMap((k) =>
      k.statements
        .filter((s) => s.principals.some((p) => p.type === "Service"))
        .filter((s) => !s.condition.some((c) => /^(aws:Source(Account|Arn)|kms:EncryptionContext:)/.test(c.variable)))
        .map((s) => `${k.alias} ${s.sid}`),
    );
    expect(unconditioned).toEqual([]);
  });
});
