/**
 * The operator's tools: why a runbook execution failed (app/why-failed.ts), the diff of every stack in
 * deploy order (app/diff-all.ts), the cost estimate (app/cost.ts, docs/cost.md) and the users' CI workflow
 * (.github/workflows/ci.yml). No AWS call and no terraform: clients are aws-sdk-client-mock stubs, commands
 * go to a recording runner.
 */
import * as fs from "fs";
import * as path from "path";
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeExecutionCommand, GetExecutionHistoryCommand, HistoryEvent, SFNClient } from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { parse as parseYaml } from "yaml";
import { abort } from "../lambda/failover-orchestrator/steps";
import { auditKey } from "../lambda/failover-orchestrator/report";
import { runbookDefinition, STEP_STATES } from "../lambda/failover-orchestrator/state-machine";
import { ERROR_NAMES } from "../lambda/shared/errors";
import { explainExecution, formatExplanation, parseExecutionArn } from "../app/why-failed";
import { manifestDeployOrder, runDiffAll, stacksToDiff } from "../app/diff-all";
import { costMarkdown, estimate, PRICES, summarize } from "../app/cost";
import { deployOrder, planStacks } from "../stacks/layout";
import { configVariant, PROJECT_ROOT } from "./support/config";
import { synthConfig } from "./support/synth";
import { EXEC, mockAws, AwsMocks, orchestratorDeps, STATE_TABLE, stateOf, STANDBY } from "./lambda/support/fixtures";

// ---------------------------------------------------------------------------------------------
// why-failed
// ---------------------------------------------------------------------------------------------

describe("npm run why-failed: reads what the failure path writes", () => {
  let aws: AwsMocks;
  beforeEach(() => {
    aws = mockAws();
  });
  afterEach(() => aws.restore());

  /** Runs the orchestrator's real Abort step on a failed state and returns the audit item it put. */
  async function auditItemWrittenByAbort(error: { Error: string; Cause?: string }): Promise<Record<string, any>> {
    aws.dynamodb.on(GetItemCommand).resolves({}); // no notice yet: the first Abort of the run
    await abort(orchestratorDeps(), stateOf(undefined, { mode: "failover", requestedBy: "operator", reason: "CHG-1" }, { error }));
    const put = aws.dynamodb.commandCalls(PutItemCommand).map((c) => c.args[0].input).find((i) => i.Item?.pk?.S === auditKey(EXEC));
    expect(put).toBeDefined();
    expect(put!.TableName).toBe(STATE_TABLE);
    return put!.Item!;
  }

  it("GIVEN a run that Abort recorded WHEN explained THEN the error comes from the audit record Abort wrote, with the hint for it", async () => {
    // GIVEN the real Abort step's audit item for a LockHeldError
    const item = await auditItemWrittenByAbort({ Error: ERROR_NAMES.lockHeld, Cause: JSON.stringify({ errorType: ERROR_NAMES.lockHeld, errorMessage: "lock held by arn:other" }) });
    aws.restore();
    const sfn = mockClient(SFNClient);
    const ddb = mockClient(DynamoDBClient);
    try {
      sfn.on(DescribeExecutionCommand).resolves({ status: "FAILED", error: "FailoverFailed", cause: "A step failed" });
      sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
      ddb.on(GetItemCommand, { TableName: STATE_TABLE, Key: { pk: { S: auditKey(EXEC) } } }).resolves({ Item: item });
      // WHEN
      const e = await explainExecution({ sfn: new SFNClient({ region: STANDBY }), dynamodb: new DynamoDBClient({ region: STANDBY }), stateTableName: STATE_TABLE }, EXEC);
      // THEN
      expect(e).toMatchObject({ status: "FAILED", source: "audit-record", error: "LockHeldError: lock held by arn:other", errorName: "LockHeldError" });
      expect(e.audit).toMatchObject({ outcome: "failed", mode: "failover", reason: "CHG-1" });
      expect(e.hint).toMatch(/single-flight lock/);
      expect(formatExplanation(e, STATE_TABLE)).toContain(`audit record ${auditKey(EXEC)} in ${STATE_TABLE}`);
    } finally {
      sfn.restore();
      ddb.restore();
    }
  });

  it("GIVEN a failed dry run (Abort writes no audit record) WHEN explained THEN the error comes from the history: the Catch's $.error in Abort's input", async () => {
    // GIVEN the emitted definition's Catch hands the error to Abort at $.error
    const definition = runbookDefinition({ mode: "failover", functionArn: "arn:aws:lambda:us-west-2:1:function:f", partition: "aws", approvalTimeoutSeconds: 60, onApprovalTimeout: "abort", awaitWriter: { sliceSeconds: 60, extraAttempts: 0 } });
    const catchClause = ((definition.States as any)[STEP_STATES.assess].Catch as any[])[0];
    expect(catchClause).toMatchObject({ ResultPath: "$.error", Next: STEP_STATES.abort });
    const stepError = { Error: ERROR_NAMES.preconditionFailed, Cause: JSON.stringify({ errorType: ERROR_NAMES.preconditionFailed, errorMessage: "writer-unchanged-since-detection" }) };
    const events: HistoryEvent[] = [
      { id: 1, type: "ExecutionStarted", timestamp: new Date(0) },
      { id: 2, type: "TaskStateEntered", timestamp: new Date(0), stateEnteredEventDetails: { name: STEP_STATES.assess, input: "{}" } },
      { id: 3, type: "TaskFailed", timestamp: new Date(0), taskFailedEventDetails: { resourceType: "lambda", resource: "invoke", error: stepError.Error, cause: stepError.Cause } },
      { id: 4, type: "TaskStateEntered", timestamp: new Date(0), stateEnteredEventDetails: { name: STEP_STATES.abort, input: JSON.stringify({ executionId: EXEC, error: stepError }) } },
      { id: 5, type: "ExecutionFailed", timestamp: new Date(0), executionFailedEventDetails: { error: "FailoverFailed", cause: "A step failed" } },
    ];
    // and the real Abort of a dry run writes nothing
    await abort(orchestratorDeps(), stateOf(undefined, { mode: "failover", requestedBy: "operator", dryRun: true }, { error: stepError }));
    expect(aws.dynamodb.commandCalls(PutItemCommand)).toHaveLength(0);
    aws.restore();
    const sfn = mockClient(SFNClient);
    const ddb = mockClient(DynamoDBClient);
    try {
      sfn.on(DescribeExecutionCommand).resolves({ status: "FAILED", error: "FailoverFailed", cause: "A step failed" });
      sfn.on(GetExecutionHistoryCommand).resolves({ events });
      ddb.on(GetItemCommand).resolves({});
      // WHEN
      const e = await explainExecution({ sfn: new SFNClient({ region: STANDBY }), dynamodb: new DynamoDBClient({ region: STANDBY }), stateTableName: STATE_TABLE }, EXEC);
      // THEN
      expect(e).toMatchObject({ source: "execution-history", error: "PreconditionFailedError: writer-unchanged-since-detection", errorName: "PreconditionFailedError" });
      expect(e.failures).toEqual([{ state: "Assess", error: "PreconditionFailedError", message: "writer-unchanged-since-detection" }]);
      expect(sfn.commandCalls(GetExecutionHistoryCommand)[0]!.args[0].input).toMatchObject({ executionArn: EXEC, includeExecutionData: true });
    } finally {
      sfn.restore();
      ddb.restore();
    }
  });

  it("sends only reads", async () => {
    aws.sfn.on(DescribeExecutionCommand).resolves({ status: "SUCCEEDED" });
    aws.sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    aws.dynamodb.on(GetItemCommand).resolves({});
    const e = await explainExecution({ sfn: new SFNClient({ region: STANDBY }), dynamodb: new DynamoDBClient({ region: STANDBY }), stateTableName: STATE_TABLE }, EXEC);
    expect(e).toMatchObject({ status: "SUCCEEDED", source: "none", error: null });
    expect(aws.dynamodb.commandCalls(PutItemCommand)).toHaveLength(0);
    expect(aws.dynamodb.commandCalls(DeleteItemCommand)).toHaveLength(0);
  });

  it("takes the region from the execution ARN and refuses anything else", () => {
    expect(parseExecutionArn(EXEC)).toMatchObject({ region: STANDBY, name: "run-1" });
    expect(() => parseExecutionArn("arn:aws:states:us-east-1:1:stateMachine:x")).toThrow(/not a Step Functions execution ARN/);
  });
});

// ---------------------------------------------------------------------------------------------
// npm run diff
// ---------------------------------------------------------------------------------------------

describe("npm run diff: every stack in deploy order, stopping at the first that cannot plan", () => {
  const app = synthConfig(configVariant("dev"));
  const layoutOrder = deployOrder(planStacks(configVariant("dev")));
  const order = manifestDeployOrder(app.manifest, layoutOrder);

  it("diffs every synthesized stack, each after every stack it depends on in the manifest", () => {
    expect([...order].sort()).toEqual(Object.keys(app.manifest.stacks).sort());
    for (const [id, entry] of Object.entries(app.manifest.stacks)) {
      for (const dep of entry.dependencies ?? []) expect(order.indexOf(dep)).toBeLessThan(order.indexOf(id));
    }
    expect(order[0]).toBe("bootstrap");
    expect(order[order.length - 1]).toBe("dns");
  });

  it("follows the layout's deploy order (stacks/layout.ts), the order cdktf deploy '*' applies", () => {
    expect(order).toEqual(layoutOrder);
    // without the layout's preference the manifest alone still gives a valid order
    const bare = manifestDeployOrder(app.manifest);
    for (const [id, entry] of Object.entries(app.manifest.stacks)) for (const dep of entry.dependencies ?? []) expect(bare.indexOf(dep)).toBeLessThan(bare.indexOf(id));
  });

  function recorder(failOn?: string) {
    const calls: string[][] = [];
    const log: string[] = [];
    const deps = {
      run: async (_command: string, args: readonly string[]) => {
        calls.push([...args]);
        return args[0] === "diff" && args[1] === failOn ? 1 : 0;
      },
      readManifest: () => app.manifest,
      log: (line: string) => log.push(line),
    };
    return { calls, log, deps };
  }

  it("GIVEN every stack plans WHEN npm run diff THEN one synth, then cdktf diff <stack> --skip-synth for each, in order", async () => {
    const r = recorder();
    expect(await runDiffAll([], { cdktf: "cdktf", preferredOrder: layoutOrder }, r.deps)).toBe(0);
    expect(r.calls[0]).toEqual(["synth"]);
    expect(r.calls.slice(1)).toEqual(order.map((s) => ["diff", s, "--skip-synth"]));
  });

  it("GIVEN a stack that cannot plan WHEN npm run diff THEN it stops there, names what was planned and what not, and how to continue", async () => {
    const stuck = "data-us-east-2";
    const r = recorder(stuck);
    expect(await runDiffAll(["--refresh-only"], { cdktf: "cdktf", preferredOrder: layoutOrder }, r.deps)).toBe(1);
    const diffed = r.calls.filter((c) => c[0] === "diff").map((c) => c[1]);
    expect(diffed).toEqual(order.slice(0, order.indexOf(stuck) + 1));
    expect(r.calls[1]).toEqual(["diff", order[0], "--skip-synth", "--refresh-only"]);
    const message = r.log.join("\n");
    expect(message).toContain(`STOPPED at ${stuck}`);
    expect(message).toContain(`not planned: ${order.slice(order.indexOf(stuck)).join(", ")}`);
    expect(message).toContain(`npm run diff -- --from ${stuck}`);
    for (const dep of app.manifest.stacks[stuck]!.dependencies ?? []) expect(message).toContain(dep);
  });

  it("--from and named stacks keep the deploy order; an unknown stack is refused with the list", async () => {
    expect(stacksToDiff(order, { stacks: ["dns", "base-us-east-1"] })).toEqual(["base-us-east-1", "dns"]);
    expect(stacksToDiff(order, { stacks: ["*"], from: "ops-us-east-1" })).toEqual(order.slice(order.indexOf("ops-us-east-1")));
    expect(() => stacksToDiff(order, { stacks: ["nope"] })).toThrow(/no stack named nope.*bootstrap/);
    const r = recorder();
    expect(await runDiffAll(["nope", "--skip-synth"], { cdktf: "cdktf" }, r.deps)).toBe(2);
    expect(r.calls).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// npm run cost
// ---------------------------------------------------------------------------------------------

describe("npm run cost", () => {
  it("prices every synthesized Aurora instance, task and NAT gateway of dev and prod", () => {
    for (const name of ["dev", "prod"]) {
      const app = synthConfig(configVariant(name));
      const lines = estimate(app);
      const instances = Object.values(app.stacks).reduce((n, s) => n + Object.keys((s.resource as any)?.aws_rds_cluster_instance ?? {}).length, 0);
      expect(lines.filter((l) => l.component === "Aurora instances")).toHaveLength(instances);
      expect(lines.filter((l) => l.monthly === null)).toEqual([]);
      expect(lines.every((l) => l.monthly === null || (Number.isFinite(l.monthly) && l.monthly >= 0))).toBe(true);
    }
  });

  it("GIVEN prod's r6g.xlarge writers WHEN estimated THEN each instance costs its hourly price times the month", () => {
    const lines = estimate(synthConfig(configVariant("prod")));
    const xlarge = lines.filter((l) => l.basis.startsWith("db.r6g.xlarge"));
    expect(xlarge.length).toBeGreaterThan(0);
    for (const l of xlarge) expect(l.monthly).toBeCloseTo(PRICES.prices["aurora.db.r6g.xlarge.hour"]!.usd * PRICES.hoursPerMonth, 6);
  });

  it("every price names its AWS pricing page and how it was checked", () => {
    for (const [id, e] of Object.entries(PRICES.prices)) {
      expect([id, e.source]).toEqual([id, expect.stringMatching(/^https:\/\/aws\.amazon\.com\//)]);
      expect([id, e.checked]).toEqual([id, expect.stringMatching(/^(cross-checked \d{4}-\d{2}-\d{2}|transcribed)$/)]);
    }
  });

  it("docs/cost.md is what npm run cost -- --write-docs generates for dev and prod", () => {
    const expected = costMarkdown(["dev", "prod"].map((n) => summarize(`${n} (config/${n}.json)`, estimate(synthConfig(configVariant(n))))));
    expect(fs.readFileSync(path.join(PROJECT_ROOT, "docs", "cost.md"), "utf8")).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// The users' workflow
// ---------------------------------------------------------------------------------------------

describe(".github/workflows/ci.yml", () => {
  const workflow = parseYaml(fs.readFileSync(path.join(PROJECT_ROOT, ".github", "workflows", "ci.yml"), "utf8"));
  const scripts = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")).scripts as Record<string, string>;
  const jobs = workflow.jobs as Record<string, any>;
  const runLines = Object.values(jobs).flatMap((job: any) => (job.steps ?? []).flatMap((s: any) => (typeof s.run === "string" ? s.run.split("\n") : [])));

  it("has the jobs: install and tests, synth of each configuration, compliance scan, drill, and a diff of every stack on pull requests", () => {
    expect(Object.keys(jobs).sort()).toEqual(["diff", "drill", "scan", "synth", "test"]);
    expect(jobs.diff.if).toContain("pull_request");
    expect(jobs.synth.strategy.matrix.config.sort()).toEqual(fs.readdirSync(path.join(PROJECT_ROOT, "config")).filter((f) => f.endsWith(".json")).map((f) => `config/${f}`).sort());
    expect(jobs.diff.permissions["id-token"]).toBe("write");
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(["push", "pull_request"]));
  });

  it("runs on the supported Node.js majors (22 and 24, package.json engines)", () => {
    expect(jobs.test.strategy.matrix.node.map(String).sort()).toEqual(["22", "24"]);
    const engines = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")).engines.node as string;
    for (const major of jobs.test.strategy.matrix.node) expect(engines).toContain(`^${major}.`);
  });

  it("every npm command it runs exists in package.json", () => {
    const npmRuns = runLines.flatMap((l) => [...l.matchAll(/npm run (?:--silent )?([\w:-]+)/g)].map((m) => m[1]!));
    expect(npmRuns.length).toBeGreaterThan(3);
    for (const script of npmRuns) expect([script, scripts[script] !== undefined]).toEqual([script, true]);
    expect(runLines.some((l) => /\bnpm ci\b/.test(l))).toBe(true);
    expect(runLines.some((l) => /\bnpm test\b/.test(l))).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Terraform Cloud: the remote-state reads docs/terraform-cloud.md tells users to share
// ---------------------------------------------------------------------------------------------

describe("docs/terraform-cloud.md", () => {
  it("GIVEN the cloud backend THEN each stack reads remote state only of the workspaces docs/terraform-cloud.md lists for it", () => {
    // GIVEN dev on Terraform Cloud
    const config = configVariant("dev", { backend: { type: "cloud", organization: "acme" } });
    const app = synthConfig(config);
    const prefix = (config.backend as { workspacePrefix: string }).workspacePrefix;
    expect((app.stacks["dns"]!.terraform as any).cloud.workspaces.name).toBe(`${prefix}-dns`);
    // WHEN the table of the page is read (rows: | `consumer-<region>` | `producer-<region>`, ... |)
    const doc = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "terraform-cloud.md"), "utf8");
    const rows = [...doc.matchAll(/^\| `([a-z-]+)-<region>` \| (.+) \|$/gm)].map((m) => ({ layer: m[1]!, reads: [...m[2]!.matchAll(/`([a-z-]+)-<region>`/g)].map((r) => r[1]!) }));
    expect(rows.length).toBeGreaterThan(0);
    // THEN every remote-state read of every stack is listed, and every listed read exists
    for (const [id, stack] of Object.entries(app.stacks)) {
      const reads = Object.values<any>((stack.data as any)?.terraform_remote_state ?? {}).map((b) => String(b.config.workspaces.name));
      const region = /-(us|eu|ap|ca|sa|me|af|il|mx)-[a-z]+-\d$/.exec(id)?.[0]?.slice(1);
      const layer = region ? id.slice(0, -(region.length + 1)) : id;
      const listed = rows.find((r) => r.layer === layer)?.reads ?? [];
      expect([id, reads.sort()]).toEqual([id, listed.map((l) => `${prefix}-${l}-${region}`).sort()]);
    }
  });
});
