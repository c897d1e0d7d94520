/**
 * Issue 18, data protection and platform findings, on the synthesized Terraform JSON (one behaviour per test):
 * backups no insider can delete, VPC endpoint and bucket policies, Terraform state restricted to the deploy roles,
 * the paging URL kept out of the output, WAF log redaction, CloudTrail data events and Object Lock, permissions
 * boundaries in the protected profile, service-role trust, and approval requests kept out of e-mail.
 */
import { SynthesizedApp, TerraformJson } from "../app/layout-check";
import { configVariant } from "./support/config";
import { asList, parseReference } from "./support/policy";
import { synthConfig } from "./support/synth";

const DEPLOY = "arn:aws:iam::111122223333:role/txdr-deploy-prd";
const BREAK_GLASS = "arn:aws:iam::111122223333:role/txdr-break-glass";

const byType = (stack: TerraformJson, type: string): any[] => Object.values(stack.resource?.[type] ?? {});

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
});
