/**
 * Reading IAM out of synthesized JSON: the roles of a stack, the statements attached to a role (its inline
 * policies, resolved through the aws_iam_policy_document data sources they reference), and its trust policy.
 */
import { TerraformJson } from "../../app/layout-check";
import { asList, parseReference } from "./policy";

export interface IamStatement {
  readonly sid?: string;
  readonly effect: string;
  readonly actions: string[];
  readonly resources: string[];
  readonly principals: { type: string; identifiers: string[] }[];
  readonly conditions: { test: string; variable: string; values: string[] }[];
}

function statementsOfDocument(stack: TerraformJson, value: unknown): IamStatement[] {
  const ref = parseReference(value);
  if (ref?.kind === "data" && ref.type === "aws_iam_policy_document") {
    const doc = stack.data?.aws_iam_policy_document?.[ref.name];
    if (!doc) throw new Error(`No policy document ${ref.name}`);
    return asList(doc.statement).map((s: any) => ({
      sid: s.sid,
      effect: s.effect ?? "Allow",
      actions: asList(s.actions),
      resources: asList(s.resources),
      principals: asList(s.principals).map((p: any) => ({ type: p.type, identifiers: asList(p.identifiers) })),
      conditions: asList(s.condition).map((c: any) => ({ test: c.test, variable: c.variable, values: asList(c.values) })),
    }));
  }
  if (typeof value === "string" && value.trim().startsWith("{")) {
    const parsed = JSON.parse(value);
    return asList(parsed.Statement).map((s: any) => ({
      sid: s.Sid,
      effect: s.Effect,
      actions: asList(s.Action),
      resources: asList(s.Resource),
      principals: Object.entries<any>(s.Principal ?? {}).map(([type, ids]) => ({ type, identifiers: asList(ids) })),
      conditions: Object.entries<any>(s.Condition ?? {}).flatMap(([test, byKey]) =>
        Object.entries<any>(byKey).map(([variable, values]) => ({ test, variable, values: asList(values) })),
      ),
    }));
  }
  throw new Error(`Policy is neither a document reference nor JSON: ${String(value).slice(0, 80)}`);
}

/** The logical name of the aws_iam_role an ARN/name/id reference points at. */
export function roleOfReference(value: unknown): string {
  const ref = parseReference(value);
  if (!ref || ref.kind !== "resource" || ref.type !== "aws_iam_role") throw new Error(`Not a role reference: ${String(value)}`);
  return ref.name;
}

/** Every Allow or Deny statement of the role's inline policies. */
export function roleStatements(stack: TerraformJson, roleName: string): IamStatement[] {
  return Object.values<any>(stack.resource?.aws_iam_role_policy ?? {})
    .filter((p) => roleOfReference(p.role) === roleName)
    .flatMap((p) => statementsOfDocument(stack, p.policy));
}

/** The role's trust policy statements. */
export function trustStatements(stack: TerraformJson, roleName: string): IamStatement[] {
  const role = stack.resource?.aws_iam_role?.[roleName];
  if (!role) throw new Error(`No role ${roleName}`);
  return statementsOfDocument(stack, role.assume_role_policy);
}

/** The resources a role's Allow statements grant an action on. */
export function resourcesAllowed(statements: readonly IamStatement[], action: string): string[] {
  return statements.filter((s) => s.effect === "Allow" && s.actions.includes(action)).flatMap((s) => s.resources);
}
