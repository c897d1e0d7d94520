/**
 * Who may drive the runbooks (issue 18: "who may start executions or send task
 * success is a named, narrow set of principals"), on the synthesized JSON of
 * every stack: the failover operator role is the only role that can answer an
 * approval, its trust policy names the operators, and starting a runbook is
 * held by that role and the automation that needs it, nothing else. Also: the
 * orchestrator's audit records are append-only.
 */
import { SynthesizedApp, TerraformJson } from "../app/layout-check";
import { IamStatement, roleStatements, trustStatements } from "./support/iam";
import { configVariant } from "./support/config";
import { synthConfig } from "./support/synth";

const REGIONS = ["us-east-1", "us-east-2"] as const;

let dev: SynthesizedApp;
let prod: SynthesizedApp;
beforeAll(() => {
  dev = synthConfig(configVariant("dev"));
  prod = synthConfig(configVariant("prod"));
});

/** Every role of every stack, by its IAM name, with its inline statements. */
function roles(app: SynthesizedApp): { name: string; stack: TerraformJson; logical: string; statements: IamStatement[] }[] {
  return Object.values(app.stacks).flatMap((stack) =>
    Object.entries<any>(stack.resource?.aws_iam_role ?? {}).map(([logical, role]) => ({ name: String(role.name), stack, logical, statements: roleStatements(stack, logical) })),
  );
}

/** The IAM names of the roles whose Allow statements grant `action` (directly or by a wildcard). */
function holders(app: SynthesizedApp, action: string): string[] {
  const [service] = action.split(":");
  const grants = (s: IamStatement) => s.effect === "Allow" && s.actions.some((a) => a === action || a === "*" || a === `${service}:*` || (a.endsWith("*") && action.startsWith(a.slice(0, -1))));
  return roles(app)
    .filter((r) => r.statements.some(grants))
    .map((r) => r.name)
    .sort();
}

const operatorRole = (app: SynthesizedApp, region: string) => roles(app).find((r) => r.name.includes("failover-operator") && r.stack === app.stacks[`ops-${region}`]);

describe("the failover operator role", () => {
  test.each(REGIONS)("exists in ops-%s and trusts only the account's Identity Center administrators when no operator is configured (dev)", (region) => {
    const role = operatorRole(dev, region);
    expect(role).toBeDefined();
    const trust = trustStatements(role!.stack, role!.logical);
    expect(trust).toEqual([
      expect.objectContaining({
        effect: "Allow",
        actions: ["sts:AssumeRole"],
        principals: [{ type: "AWS", identifiers: [expect.stringMatching(/^arn:\$\{data\.aws_partition\.[^}]+\}:iam::\$\{data\.aws_caller_identity\.[^}]+\}:root$/)] }],
        conditions: [{ test: "ArnLike", variable: "aws:PrincipalArn", values: [expect.stringMatching(/:role\/aws-reserved\/sso\.amazonaws\.com\/\*AWSReservedSSO_AdministratorAccess_\*$/)] }],
      }),
    ]);
    expect(role!.stack.resource.aws_iam_role[role!.logical].max_session_duration).toBe(3600);
  });

  test.each(REGIONS)("ops-%s of prod trusts iam.operatorRoleArns when failover.operatorPrincipals is not set", (region) => {
    const role = operatorRole(prod, region)!;
    const [trust] = trustStatements(role.stack, role.logical);
    expect(trust?.principals).toEqual([{ type: "AWS", identifiers: ["arn:aws:iam::111122223333:root"] }]);
    expect(trust?.conditions).toEqual([{ test: "ArnLike", variable: "aws:PrincipalArn", values: configVariant("prod").iam.operatorRoleArns }]);
  });

  test("the operator role may use the data key through DynamoDB: the key policy names it (the state table is encrypted with it)", () => {
    const statements = Object.values<any>(prod.stacks["base-us-east-1"]!.data?.aws_iam_policy_document ?? {}).flatMap((d) => d.statement ?? []);
    const throughDynamoDb = statements.filter(
      (st: any) =>
        (st.condition ?? []).some((c: any) => c.variable === "kms:ViaService" && c.values.includes("dynamodb.us-east-1.amazonaws.com")) &&
        (st.condition ?? []).some((c: any) => c.variable === "aws:PrincipalArn" && c.values.some((v: string) => v.endsWith(":role/txdr-failover-operator-use1-prd"))),
    );
    expect(throughDynamoDb.length).toBeGreaterThan(0);
    expect(throughDynamoDb.every((st: any) => st.actions.every((a: string) => !a.includes("*") || a === "kms:GenerateDataKey*" || a === "kms:ReEncrypt*"))).toBe(true);
  });

  test("GIVEN failover.operatorPrincipals THEN the trust policy names exactly them, and the roots of their accounts", () => {
    const principals = ["arn:aws:iam::111122223333:role/sre-on-call", "arn:aws:iam::444455556666:role/dr-approvers/*"];
    const app = synthConfig(configVariant("prod", { failover: { operatorPrincipals: principals } }));
    const role = operatorRole(app, "us-east-1")!;
    const [trust] = trustStatements(role.stack, role.logical);
    expect(trust?.principals).toEqual([{ type: "AWS", identifiers: ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"] }]);
    expect(trust?.conditions).toEqual([{ test: "ArnLike", variable: "aws:PrincipalArn", values: principals }]);
  });

  test("may start, stop, read and answer this region's runbooks, read their approvals and audit records, and nothing else", () => {
    const role = operatorRole(prod, "us-east-1")!;
    expect(role.statements.map((s) => [s.sid, s.actions.sort()])).toEqual([
      ["StartRunbooks", ["states:StartExecution"]],
      ["AnswerApprovals", ["states:SendTaskFailure", "states:SendTaskSuccess"]],
      ["ListRuns", ["states:DescribeStateMachine", "states:ListExecutions"]],
      ["ReadAndStopRuns", ["states:DescribeExecution", "states:GetExecutionHistory", "states:StopExecution"]],
      ["ReadApprovalsAndAudit", ["dynamodb:GetItem"]],
      ["DataKeyThroughDynamoDb", ["kms:Decrypt"]],
    ]);
    const answer = role.statements.find((s) => s.sid === "AnswerApprovals")!;
    expect(answer.resources).toEqual([
      expect.stringMatching(/:states:us-east-1:.*:stateMachine:.*failover/),
      expect.stringMatching(/:states:us-east-1:.*:stateMachine:.*failback/),
      expect.stringMatching(/:states:us-east-1:.*:stateMachine:.*reconcile/),
    ]);
    const read = role.statements.find((s) => s.sid === "ReadApprovalsAndAudit")!;
    expect(read.conditions).toEqual([{ test: "ForAllValues:StringLike", variable: "dynamodb:LeadingKeys", values: ["approval#*#*", "audit#*", "notice#*#*"] }]);
  });
});

describe("a narrow, named set of principals drives the runbooks (every role of every stack)", () => {
  test.each([
    ["dev", () => dev],
    ["prod", () => prod],
  ])("%s: only the operator roles can answer an approval (SendTaskSuccess / SendTaskFailure)", (_env, app) => {
    for (const action of ["states:SendTaskSuccess", "states:SendTaskFailure"]) {
      const names = holders(app(), action);
      expect(names).toHaveLength(2);
      expect(names.every((n) => n.includes("failover-operator"))).toBe(true);
    }
  });

  test("prod: a runbook is started only by the operators, the health monitor, and the game-day automation that an operator starts", () => {
    const names = holders(prod, "states:StartExecution");
    expect(names).toEqual([
      "txdr-failover-operator-use1-prd",
      "txdr-failover-operator-use2-prd",
      "txdr-fis-automation-use1-prd",
      "txdr-fis-automation-use2-prd",
      "txdr-health-monitor-use1-prd",
      "txdr-health-monitor-use2-prd",
    ]);
  });
});

describe("the orchestrator's audit records are append-only", () => {
  test.each(REGIONS)("ops-%s: the orchestrator may create and read audit#... items but is denied updating or deleting them", (region) => {
    const orchestrator = roles(prod).find((r) => r.name.includes("failover-orchestrator") && r.stack === prod.stacks[`ops-${region}`])!;
    const onAudit = (s: IamStatement) => s.conditions.some((c) => c.variable === "dynamodb:LeadingKeys" && c.values.includes("audit#*"));
    const allowed = orchestrator.statements.filter((s) => s.effect === "Allow" && onAudit(s)).flatMap((s) => s.actions);
    expect(allowed.sort()).toEqual(["dynamodb:GetItem", "dynamodb:PutItem"]);
    const deny = orchestrator.statements.find((s) => s.effect === "Deny" && onAudit(s));
    expect(deny).toMatchObject({
      actions: expect.arrayContaining(["dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete"]),
      conditions: [{ test: "ForAnyValue:StringLike", variable: "dynamodb:LeadingKeys", values: ["audit#*"] }],
    });
  });
});
