/**
 * The failover automation of the ops stacks (issue 6, infrastructure): Lambda bundles and their
 * reproducibility, the functions and their configuration, the schedule, the state table, the runbooks
 * (Step Functions) and the IAM of every principal, on the synthesized Terraform JSON.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { unzipSync } from "fflate";
import { DrConfig } from "../lib/config/model";
import { SynthesizedApp, TerraformJson, readSynthesizedApp } from "../app/layout-check";
import { regionalHealthUrl, regionalUrl, witnessName } from "../lib/endpoints";
import { synthesizeInto } from "../app/synth";
import { loadMonitorConfig } from "../lambda/health-monitor/config";
import { counterKey } from "../lambda/health-monitor/counter";
import { loadOrchestratorConfig } from "../lambda/failover-orchestrator/config";
import { auditKey, noticeKey } from "../lambda/failover-orchestrator/report";
import { approvalKey } from "../lambda/shared/approval";
import { CONTROL_KEYS } from "../lambda/shared/control-keys";
import { ERROR_NAMES, PERMANENT_ERROR_NAMES, RETRYABLE_ERROR_NAMES } from "../lambda/shared/errors";
import { GATE_METRIC_NAMESPACE } from "../lambda/shared/gate";
import { RUNBOOK_REFUSED_ERROR } from "../lambda/shared/failover-request";
import { lockKey } from "../lambda/shared/lock";
import { MONITOR_METRIC_NAMESPACE_DEFAULT } from "../lambda/shared/monitor-metrics";
import { CONTROL_STATES, LAMBDA_SERVICE_ERRORS, STEP_STATES, awaitWriterBudget } from "../constructs/failover/failover-state-machine";
import { bundleBuildCount } from "../constructs/app/lambda-bundle";
import { ORCHESTRATOR_RESERVED_CONCURRENCY, ORCHESTRATOR_TIMEOUT_SECONDS } from "../constructs/failover/failover-automation";
import { PROJECT_ROOT, configVariant } from "./support/config";
import { sharedOutdir, synthConfig, tempDir } from "./support/synth";
import { uploadOfFunction } from "../drill/lambda/bundle";

const REGIONS = ["us-east-1", "us-east-2"] as const;
const FAKE_ACCOUNT = "123456789012";
const BOUNDARY = "arn:aws:iam::123456789012:policy/dr-boundary";

// ------------------------------------------------------------------------------------------------ helpers

const ops = (app: SynthesizedApp, region: string): TerraformJson => app.stacks[`ops-${region}`];
const byType = (stack: TerraformJson, type: string): [string, any][] => Object.entries<any>(stack.resource?.[type] ?? {});
const bodies = (stack: TerraformJson, type: string): any[] => byType(stack, type).map(([, body]) => body);
const asList = <T = any>(value: unknown): T[] => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]) as T[];

function functionNamed(stack: TerraformJson, name: string): [string, any] {
  const found = byType(stack, "aws_lambda_function").find(([, f]) => f.function_name === name);
  if (!found) throw new Error(`No function ${name}`);
  return found;
}
const monitor = (app: SynthesizedApp, region: string, suffix = "dev") => functionNamed(ops(app, region), `txdr-health-monitor-${suffix}`)[1];
const orchestrator = (app: SynthesizedApp, region: string, suffix = "dev") => functionNamed(ops(app, region), `txdr-failover-orchestrator-${suffix}`);

/** The failover runbooks (failover, failback) of a stack; the reconciliation run has its own tests (__tests__/reconcile). */
function machines(stack: TerraformJson): { name: string; definition: any; body: any }[] {
  return bodies(stack, "aws_sfn_state_machine")
    .filter((body) => !String(body.name).includes("-reconcile-"))
    .map((body) => ({ name: body.name, definition: JSON.parse(body.definition), body }));
}
const machine = (stack: TerraformJson, name: string) => machines(stack).find((m) => m.name === name)!;
const tasks = (definition: any): [string, any][] => Object.entries<any>(definition.States).filter(([, s]) => s.Type === "Task");

interface Statement {
  sid?: string;
  effect: string;
  actions: string[];
  resources: string[];
  condition?: { test: string; variable: string; values: string[] }[];
}

/** The statements of every inline policy of the role with this name. */
function roleStatements(stack: TerraformJson, roleName: string): Statement[] {
  const role = byType(stack, "aws_iam_role").find(([, r]) => r.name === roleName);
  if (!role) throw new Error(`No role ${roleName}`);
  return bodies(stack, "aws_iam_role_policy")
    .filter((p) => p.role === `\${aws_iam_role.${role[0]}.id}`)
    .flatMap((p) => {
      const doc = /^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$/.exec(p.policy)![1];
      return asList<Statement>(stack.data.aws_iam_policy_document[doc].statement);
    });
}
const statementsFor = (statements: Statement[], action: string) => statements.filter((s) => s.effect === "Allow" && s.actions.includes(action));
const conditionOf = (s: Statement, variable: string) => asList(s.condition).find((c) => c.variable === variable);

/** Every identity-policy statement of the ops stacks, with the role it belongs to. */
function allRoleStatements(app: SynthesizedApp): { stack: string; role: string; statement: Statement }[] {
  return REGIONS.flatMap((region) =>
    bodies(ops(app, region), "aws_iam_role").flatMap((role) =>
      roleStatements(ops(app, region), role.name).map((statement) => ({ stack: `ops-${region}`, role: role.name, statement })),
    ),
  );
}

/** Terraform references of an environment value replaced by what they resolve to in a test account. */
function resolveReferences(value: string): string {
  return value
    .replace(/\$\{data\.aws_caller_identity\.[^}]+\.account_id\}/g, FAKE_ACCOUNT)
    .replace(/\$\{data\.aws_partition\.[^}]+\.partition\}/g, "aws")
    .replace(
      /\$\{data\.terraform_remote_state\.cross-stack-reference-input-base-([a-z0-9-]+)\.outputs\.cross-stack-output-aws_sns_topicalerts_topic_[A-F0-9]+arn\}/g,
      (_, region) => `arn:aws:sns:${region}:${FAKE_ACCOUNT}:txdr-alerts-dev`,
    );
}

function environmentOf(fn: any, region: string): Record<string, string> {
  const env: Record<string, string> = { AWS_REGION: region };
  for (const [name, value] of Object.entries<string>(fn.environment.variables)) env[name] = resolveReferences(value);
  const unresolved = Object.entries(env).filter(([, v]) => v.includes("${"));
  if (unresolved.length > 0) throw new Error(`Unresolved references: ${JSON.stringify(unresolved)}`);
  return env;
}

/** Synthesizes into a directory that is kept (assets included) until the test file ends. */
const kept: string[] = [];
function synthKeepingAssets(config: DrConfig): { app: SynthesizedApp; outdir: string } {
  const dir = tempDir("ops");
  kept.push(dir);
  const outdir = path.join(dir, "out");
  synthesizeInto(config, outdir);
  return { app: readSynthesizedApp(outdir), outdir };
}
afterAll(() => kept.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** The object a function's signing job signs (drill/lambda/bundle.ts uploadOfFunction). */
function uploadOf(app: SynthesizedApp, stackId: string, fn: any): any {
  const upload = uploadOfFunction(app.stacks[stackId] as any, fn);
  expect(upload).toBeDefined();
  return upload;
}

/** The zip a function of the dev synthesis deploys (through its signing job). */
function zipOf(outdir: string, stackId: string, fn: any): Buffer {
  return fs.readFileSync(path.join(outdir, "stacks", stackId, uploadOf(dev, stackId, fn).source));
}

// ------------------------------------------------------------------------------------------------ fixtures

let dev: SynthesizedApp;
let devOut: string;
let flipped: SynthesizedApp;
let approval: SynthesizedApp;
let manual: SynthesizedApp;
let bounded: SynthesizedApp;

const approvalConfig = () =>
  configVariant("dev", {
    failover: { authority: "approval", approvalTimeoutSeconds: 1200, onApprovalTimeout: "proceed", maxWaitSeconds: 3600, lockTtlSeconds: 300 },
  });

beforeAll(() => {
  // The shared synthesis of this run (global setup), assets included.
  devOut = sharedOutdir(configVariant("dev")) ?? synthKeepingAssets(configVariant("dev")).outdir;
  dev = readSynthesizedApp(devOut);
  flipped = synthConfig(configVariant("dev", { regions: { active: "us-east-2" } }));
  approval = synthConfig(approvalConfig());
  manual = synthConfig(configVariant("dev", { failover: { authority: "manual" } }));
  bounded = synthConfig(configVariant("dev", { iam: { permissionsBoundaryArn: BOUNDARY }, destroyProfile: "protected" }));
});

// ------------------------------------------------------------------------------------------------ bundles

describe("Lambda bundles", () => {
  test("GIVEN the dev configuration WHEN synthesized THEN each function's zip is an asset of its stack, uploaded for signing under a key named by the SHA-256 of its bytes", () => {
    for (const region of REGIONS) {
      for (const fn of bodies(ops(dev, region), "aws_lambda_function")) {
        const upload = uploadOf(dev, `ops-${region}`, fn);
        expect(upload.source).toMatch(/^assets\/[^/]+\/[a-f0-9]{64}\/(health-monitor|failover-orchestrator|reconciler)\.zip$/);
        const zip = zipOf(devOut, `ops-${region}`, fn);
        const digest = crypto.createHash("sha256").update(zip).digest("hex");
        const bundle = path.basename(upload.source, ".zip");
        // A new key (so a new object version and a new signing job) exactly when the bytes change.
        expect(upload.key).toBe(`unsigned/${bundle}/${digest}.zip`);
        expect(upload.source_hash).toBe(digest);
        expect(upload.source.split("/")[2]).toBe(digest);
      }
    }
  });

  test("GIVEN several syntheses (two ops stacks each) in this process with unchanged sources THEN esbuild ran at most once (the bundle cache serves the rest)", () => {
    expect(bundleBuildCount()).toBeLessThanOrEqual(1);
  });

  test("GIVEN both regions THEN they deploy the same bytes of each function (one bundle per synthesis)", () => {
    for (const name of ["txdr-health-monitor-dev", "txdr-failover-orchestrator-dev"]) {
      const [a, b] = REGIONS.map((region) => zipOf(devOut, `ops-${region}`, functionNamed(ops(dev, region), name)[1]));
      expect(a.equals(b)).toBe(true);
    }
  });

  test("GIVEN a function zip WHEN unzipped THEN it holds only index.js and its source map with a fixed time stamp and mode, and no path of the build machine", () => {
    const fn = monitor(dev, "us-east-1");
    const zip = zipOf(devOut, "ops-us-east-1", fn);
    const entries = unzipSync(new Uint8Array(zip));
    expect(Object.keys(entries)).toEqual(["index.js", "index.js.map"]);
    // Local file header: DOS time 00:00:00 and date 1980-01-01 (day 1, month 1, year 0).
    expect(zip.readUInt16LE(10)).toBe(0);
    expect(zip.readUInt16LE(12)).toBe((1 << 5) | 1);
    const code = Buffer.from(entries["index.js"]).toString("utf8");
    const map = Buffer.from(entries["index.js.map"]).toString("utf8");
    for (const leak of [PROJECT_ROOT, os.tmpdir(), os.homedir(), "/work/"]) {
      expect(code.includes(leak)).toBe(false);
      expect(map.includes(leak)).toBe(false);
    }
    // Minified, and pointing at its map, whose sources are relative to the project root.
    expect(code.trimEnd().endsWith("//# sourceMappingURL=index.js.map")).toBe(true);
    expect(JSON.parse(map).sources).toContain("../lambda/health-monitor/index.ts");
  });

  test("GIVEN the AWS SDK THEN it is bundled into the zip, not taken from the runtime", () => {
    const entries = unzipSync(new Uint8Array(zipOf(devOut, "ops-us-east-1", orchestrator(dev, "us-east-1")[1])));
    const code = Buffer.from(entries["index.js"]).toString("utf8");
    const sources: string[] = JSON.parse(Buffer.from(entries["index.js.map"]).toString("utf8")).sources;
    for (const pkg of ["@aws-sdk/client-rds", "@aws-sdk/client-application-auto-scaling", "@aws-sdk/client-dynamodb", "@aws-sdk/client-cloudwatch", "@aws-sdk/client-sns"]) {
      expect(sources.some((s) => s.startsWith(`../node_modules/${pkg}/`))).toBe(true);
    }
    // Only the clients the orchestrator imports: not the monitor's Step Functions client, not the processor's S3 client.
    for (const pkg of ["@aws-sdk/client-sfn", "@aws-sdk/client-s3"]) expect(sources.some((s) => s.startsWith(`../node_modules/${pkg}/`))).toBe(false);
    // Only the SDK's own error messages mention require("@aws-sdk/..."); no call loads it at run time.
    expect(code).not.toMatch(/(?<![[\w])require\("@(aws-sdk|smithy)\//);
  });

  test.each(["health-monitor", "failover-orchestrator"])(
    "GIVEN the bundled %s WHEN loaded by Node with its synthesized environment THEN it initializes and exports a handler",
    (name) => {
      for (const region of REGIONS) {
        const fn = functionNamed(ops(dev, region), `txdr-${name}-dev`)[1];
        const dir = tempDir("bundle");
        kept.push(dir);
        fs.writeFileSync(path.join(dir, "index.js"), unzipSync(new Uint8Array(zipOf(devOut, `ops-${region}`, fn)))["index.js"]);
        const env = { ...environmentOf(fn, region), AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" };
        const result = spawnSync(process.execPath, ["-e", "const m = require('./index.js'); if (typeof m.handler !== 'function') process.exit(3);"], {
          cwd: dir,
          env,
          encoding: "utf8",
        });
        expect(result.stderr).not.toMatch(/ConfigurationError|Cannot find module|SyntaxError/);
        expect(result.status).toBe(0);
      }
    },
  );

});

// ------------------------------------------------------------------------------------------------ functions

describe("functions", () => {
  test("GIVEN the dev configuration THEN both functions run the configured runtime on arm64 with X-Ray active tracing", () => {
    for (const region of REGIONS) {
      for (const fn of bodies(ops(dev, region), "aws_lambda_function")) {
        expect(fn).toMatchObject({ runtime: "nodejs22.x", architectures: ["arm64"], handler: "index.handler", tracing_config: { mode: "Active" } });
      }
    }
  });

  test("GIVEN the dev configuration THEN both functions run in the base stack's private subnets with the failover security group", () => {
    for (const region of REGIONS) {
      for (const fn of bodies(ops(dev, region), "aws_lambda_function")) {
        expect(fn.vpc_config.subnet_ids).toHaveLength(2);
        for (const id of fn.vpc_config.subnet_ids) expect(id).toMatch(new RegExp(`base-${region}\\.outputs\\.cross-stack-output-aws_subnetnetwork_private-\\d_`));
        expect(fn.vpc_config.security_group_ids).toEqual([expect.stringMatching(/cross-stack-output-aws_security_groupsecurity-groups_failover_/)]);
      }
    }
  });

  test("GIVEN the dev configuration THEN each function logs to its own group, encrypted with the region's logs key and kept retention.logDays", () => {
    const stack = ops(dev, "us-east-1");
    for (const [, fn] of byType(stack, "aws_lambda_function")) {
      const groupName = /^\$\{aws_cloudwatch_log_group\.([^.]+)\.name\}$/.exec(fn.logging_config.log_group)![1];
      const group = stack.resource.aws_cloudwatch_log_group[groupName];
      expect(group.name).toBe(`/txdr/dev/${fn.function_name.replace(/^txdr-|-dev$/g, "")}`);
      expect(group.retention_in_days).toBe(14);
      const alias = /^\$\{data\.aws_kms_alias\.([^.]+)\.target_key_arn\}$/.exec(group.kms_key_id)![1];
      expect(stack.data.aws_kms_alias[alias].name).toBe("alias/txdr-logs-dev");
    }
  });

  test("GIVEN each function THEN it is created only after its role's policy and its log group (Lambda checks the network-interface permissions at creation)", () => {
    const stack = ops(dev, "us-east-2");
    for (const [, fn] of byType(stack, "aws_lambda_function")) {
      const role = /^\$\{aws_iam_role\.([^.]+)\.arn\}$/.exec(fn.role)![1];
      const policies = byType(stack, "aws_iam_role_policy").filter(([, p]) => p.role === `\${aws_iam_role.${role}.id}`).map(([name]) => `aws_iam_role_policy.${name}`);
      const group = /^\$\{aws_cloudwatch_log_group\.([^.]+)\.name\}$/.exec(fn.logging_config.log_group)![1];
      expect(policies).toHaveLength(1);
      expect(fn.depends_on).toEqual(expect.arrayContaining([...policies, `aws_cloudwatch_log_group.${group}`]));
    }
  });

  test("GIVEN the monitor THEN it runs one at a time and its timeout ends each run before the next minute", () => {
    for (const region of REGIONS) {
      const fn = monitor(dev, region);
      expect(fn.reserved_concurrent_executions).toBe(1);
      expect(fn.timeout).toBeLessThan(60);
    }
  });

  test("GIVEN the orchestrator THEN it keeps concurrency of its own (a failover must run when the unreserved pool is exhausted), and throttling is retried by the runbooks", () => {
    for (const region of REGIONS) {
      const [, fn] = orchestrator(dev, region);
      expect(fn.reserved_concurrent_executions).toBe(ORCHESTRATOR_RESERVED_CONCURRENCY);
    }
    expect(ORCHESTRATOR_RESERVED_CONCURRENCY).toBeGreaterThanOrEqual(4);
    const runbooks = machines(ops(dev, "us-east-2"));
    expect(runbooks).toHaveLength(2);
    for (const { definition } of runbooks) {
      const steps = tasks(definition);
      expect(steps.length).toBeGreaterThan(0);
      for (const [, step] of steps) expect(step.Retry.flatMap((r: any) => r.ErrorEquals)).toContain("Lambda.TooManyRequestsException");
    }
  });

  test("GIVEN the monitor THEN a failed or expired invocation is recorded in an SQS queue encrypted with the messaging key, not retried", () => {
    const stack = ops(dev, "us-east-2");
    const [config] = bodies(stack, "aws_lambda_function_event_invoke_config");
    expect(config.function_name).toBe(`\${aws_lambda_function.${functionNamed(stack, "txdr-health-monitor-dev")[0]}.function_name}`);
    expect(config).toMatchObject({ maximum_retry_attempts: 0, maximum_event_age_in_seconds: 60 });
    const [queueName, queue] = byType(stack, "aws_sqs_queue")[0];
    expect(config.destination_config.on_failure.destination).toBe(`\${aws_sqs_queue.${queueName}.arn}`);
    expect(queue.name).toBe("txdr-health-monitor-dlq-dev");
    const alias = /^\$\{data\.aws_kms_alias\.([^.]+)\.target_key_arn\}$/.exec(queue.kms_master_key_id)![1];
    expect(stack.data.aws_kms_alias[alias].name).toBe("alias/txdr-messaging-dev");
    const sends = statementsFor(roleStatements(stack, "txdr-health-monitor-use2-dev"), "sqs:SendMessage");
    expect(sends.flatMap((s) => s.resources)).toEqual([`\${aws_sqs_queue.${queueName}.arn}`]);
  });

  test("GIVEN the schedule's dead letters THEN the queue policy admits EventBridge for that rule only, over TLS", () => {
    const stack = ops(dev, "us-east-1");
    const [ruleName] = byType(stack, "aws_cloudwatch_event_rule")[0];
    const [policy] = bodies(stack, "aws_sqs_queue_policy");
    const doc = /^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$/.exec(policy.policy)![1];
    const statements = asList<any>(stack.data.aws_iam_policy_document[doc].statement);
    const allow = statements.find((s) => s.effect === "Allow");
    expect(allow.principals).toEqual([{ type: "Service", identifiers: ["events.amazonaws.com"] }]);
    expect(allow.condition).toContainEqual({ test: "ArnEquals", variable: "aws:SourceArn", values: [`\${aws_cloudwatch_event_rule.${ruleName}.arn}`] });
    expect(statements.find((s) => s.effect === "Deny").condition).toEqual([{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }]);
  });
});

// ------------------------------------------------------------------------------------------------ schedule and roles

describe("health monitor schedule and role", () => {
  test.each(REGIONS)("GIVEN the dev configuration THEN %s runs its health monitor every minute from an EventBridge rule allowed to invoke it", (region) => {
    const stack = ops(dev, region);
    const [ruleName, rule] = byType(stack, "aws_cloudwatch_event_rule")[0];
    expect(rule).toMatchObject({ name: "txdr-health-monitor-schedule-dev", schedule_expression: "rate(1 minute)", state: "ENABLED" });
    const [fnName] = functionNamed(stack, "txdr-health-monitor-dev");
    expect(bodies(stack, "aws_cloudwatch_event_target")).toEqual([
      expect.objectContaining({ rule: `\${aws_cloudwatch_event_rule.${ruleName}.name}`, arn: `\${aws_lambda_function.${fnName}.arn}` }),
    ]);
    expect(bodies(stack, "aws_lambda_permission")).toEqual([
      expect.objectContaining({
        action: "lambda:InvokeFunction",
        principal: "events.amazonaws.com",
        function_name: `\${aws_lambda_function.${fnName}.function_name}`,
        source_arn: `\${aws_cloudwatch_event_rule.${ruleName}.arn}`,
      }),
    ]);
  });

  test("GIVEN regions.active flipped THEN neither monitor's environment changes: which part of its work applies follows the writer at every sample, never a deploy", () => {
    for (const region of REGIONS) expect(monitor(flipped, region).environment.variables).toEqual(monitor(dev, region).environment.variables);
    expect(monitor(dev, "us-east-1").environment.variables.ROLE).toBeUndefined();
  });

  test("GIVEN regions.active flipped THEN no resource or data-source address of either ops stack changes", () => {
    const addresses = (app: SynthesizedApp, region: string) => {
      const stack = ops(app, region);
      return ["resource", "data"].flatMap((kind) =>
        Object.entries<any>(stack[kind] ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${kind}.${type}.${name}`)),
      );
    };
    for (const region of REGIONS) {
      const before = addresses(dev, region);
      expect(before.length).toBeGreaterThan(20);
      expect(addresses(flipped, region).sort()).toEqual(before.sort());
    }
  });

  test("GIVEN regions.active flipped THEN the function code, its asset path and every name stay the same", () => {
    for (const region of REGIONS) {
      const pick = (app: SynthesizedApp) =>
        bodies(ops(app, region), "aws_lambda_function").map((f) => {
          const upload = uploadOf(app, `ops-${region}`, f);
          return { name: f.function_name, source: upload.source, key: upload.key };
        });
      expect(pick(flipped)).toEqual(pick(dev));
    }
  });
});

// ------------------------------------------------------------------------------------------------ Lambda environment

describe("function environment", () => {
  test.each(REGIONS)("GIVEN %s THEN the monitor's environment loads through lambda/health-monitor/config.ts with the configured sampling and the peer's probe and witnesses", (region) => {
    const peer = region === "us-east-1" ? "us-east-2" : "us-east-1";
    const config = loadMonitorConfig(environmentOf(monitor(dev, region), region));
    expect(config).toMatchObject({
      peerRegion: peer,
      stateTableName: "txdr-failover-lock-dev",
      controlTableName: "txdr-control-dev",
      loadBalancerName: "txdr-app-dev",
      targetGroupName: "txdr-app-dev",
      sampleIntervalSeconds: 10,
      consecutiveSamples: 3,
      staleHeartbeatSeconds: 30,
      peerProbeUrl: new URL(regionalHealthUrl(configVariant("dev"), peer)).toString(),
      peerWitnessAliveName: witnessName(configVariant("dev"), peer, "alive"),
      peerWitnessServiceName: witnessName(configVariant("dev"), peer, "app"),
      metricNamespace: MONITOR_METRIC_NAMESPACE_DEFAULT,
    });
  });

  test.each(REGIONS)("GIVEN %s THEN the monitor's settings load in every authority, and only manual authority leaves it no runbook to start", (region) => {
    for (const app of [dev, approval, manual]) {
      const config = loadMonitorConfig(environmentOf(monitor(app, region), region));
      expect(config.topicArn).toBe(`arn:aws:sns:${region}:${FAKE_ACCOUNT}:txdr-alerts-dev`);
      expect(config.stateMachineArn === undefined).toBe(config.authority === "manual");
    }
  });

  test.each(REGIONS)("GIVEN %s THEN the orchestrator's environment loads through lambda/failover-orchestrator/config.ts", (region) => {
    const peer = region === "us-east-1" ? "us-east-2" : "us-east-1";
    const config = loadOrchestratorConfig(environmentOf(orchestrator(dev, region)[1], region));
    expect(config).toMatchObject({
      peerRegion: peer,
      controlTableName: "txdr-control-dev",
      ownGateUrl: regionalUrl(configVariant("dev"), region, "/.dr/gate"),
      ownHealthUrl: new URL(regionalHealthUrl(configVariant("dev"), region)).toString(),
      peerProbeUrl: new URL(regionalHealthUrl(configVariant("dev"), peer)).toString(),
      rpoSeconds: 300,
      onRpoBreach: "escalate",
      authority: "automatic",
    });
  });

  test.each([
    ["dev", {}],
    ["dev", { database: { rpoEnforcement: "alarm" } }],
  ])("GIVEN %s %j THEN the orchestrator escalates no RPO risk exactly where the clusters carry rds.global_db_rpo", (name, patch) => {
    const app = synthConfig(configVariant(name, patch));
    const clusterParameters = Object.values<any>(app.stacks["data-us-east-2"].resource.aws_rds_cluster_parameter_group).flatMap((g) => g.parameter ?? []);
    const enforced = clusterParameters.some((p: any) => p.name === "rds.global_db_rpo");
    expect(enforced).toBe(Object.keys(patch).length === 0);
    const config = loadOrchestratorConfig(environmentOf(orchestrator(app, "us-east-2")[1], "us-east-2"));
    expect(config.rpoEnforcement).toBe(enforced ? "database" : "alarm");
  });

  test("GIVEN the approval variant THEN the orchestrator's environment loads, with the wait split to fit the Lambda timeout", () => {
    const config = loadOrchestratorConfig(environmentOf(orchestrator(approval, "us-east-2")[1], "us-east-2"));
    expect(config.maxWaitSeconds).toBeLessThan(ORCHESTRATOR_TIMEOUT_SECONDS);
    expect(config.lockTtlSeconds).toBe(300);
    expect(config.authority).toBe("approval");
  });

  test("GIVEN the dev configuration THEN the functions name the deterministic ids of the data and application tiers", () => {
    const m = loadMonitorConfig(environmentOf(monitor(dev, "us-east-2"), "us-east-2"));
    expect(m).toMatchObject({
      globalClusterId: "txdr-global-dev",
      dbClusterId: "txdr-db-use2-dev",
      service: { cluster: "txdr-app-dev", service: "txdr-app-dev" },
      authority: "automatic",
      stateMachineArn: `arn:aws:states:us-east-2:${FAKE_ACCOUNT}:stateMachine:txdr-failover-dev`,
    });
    const o = loadOrchestratorConfig(environmentOf(orchestrator(dev, "us-east-1")[1], "us-east-1"));
    expect(o).toMatchObject({
      globalClusterId: "txdr-global-dev",
      dbClusterId: "txdr-db-use1-dev",
      service: { cluster: "txdr-app-dev", service: "txdr-app-dev" },
      loadBalancerName: "txdr-app-dev",
      activeMinCapacity: 1,
      standbyMinCapacity: 1,
      maxCapacity: 4,
      stateTableName: "txdr-failover-lock-dev",
      auditTableName: "txdr-failover-lock-dev",
      topicArn: `arn:aws:sns:us-east-1:${FAKE_ACCOUNT}:txdr-alerts-dev`,
    });
  });

  test("GIVEN a standby minimum above the active minimum THEN the configuration gate refuses it before synthesis, naming both fields", () => {
    // The rule lives in lib/config/validate.ts only (checkCapacities).
    const patch = { service: { capacity: { active: { min: 1, max: 4 }, standby: { min: 2, max: 4 } } } };
    expect(() => configVariant("dev", patch)).toThrow(/service\.capacity\.standby\.min: is above service\.capacity\.active\.min \(1\)/);
  });
});

// ------------------------------------------------------------------------------------------------ state table

describe("state table", () => {
  test.each(REGIONS)("GIVEN %s THEN its state table is regional: hash key pk (S), TTL on ttl, PITR, the region's data key", (region) => {
    const stack = ops(dev, region);
    const tables = bodies(stack, "aws_dynamodb_table");
    expect(tables).toHaveLength(1);
    const [table] = tables;
    expect(table).toMatchObject({
      name: "txdr-failover-lock-dev",
      hash_key: "pk",
      attribute: [{ name: "pk", type: "S" }],
      ttl: { attribute_name: "ttl", enabled: true },
      point_in_time_recovery: { enabled: true },
      server_side_encryption: { enabled: true },
    });
    expect(table.replica).toBeUndefined();
    expect(table.stream_enabled).toBeUndefined();
    const alias = /^\$\{data\.aws_kms_alias\.([^.]+)\.target_key_arn\}$/.exec(table.server_side_encryption.kms_key_arn)![1];
    expect(stack.data.aws_kms_alias[alias].name).toBe("alias/txdr-data-dev");
  });

  test("GIVEN the whole app THEN no table replica anywhere points at a failover state table", () => {
    const replicas = Object.values(dev.stacks).flatMap((stack) => bodies(stack, "aws_dynamodb_table_replica"));
    for (const replica of replicas) expect(JSON.stringify(replica)).not.toMatch(/failover-lock|state-table/);
    const stateTables = Object.values(dev.stacks).flatMap((stack) => bodies(stack, "aws_dynamodb_table")).filter((t) => t.name === "txdr-failover-lock-dev");
    expect(stateTables).toHaveLength(2);
    for (const table of stateTables) expect(table.replica).toBeUndefined();
  });

  test("GIVEN the destroyable profile THEN the table can be destroyed; GIVEN protected THEN it carries deletion protection and prevent_destroy", () => {
    const [devTable] = bodies(ops(dev, "us-east-1"), "aws_dynamodb_table");
    expect(devTable.deletion_protection_enabled).toBe(false);
    expect(devTable.lifecycle).toBeUndefined();
    const [protectedTable] = bodies(ops(bounded, "us-east-1"), "aws_dynamodb_table");
    expect(protectedTable.deletion_protection_enabled).toBe(true);
    expect(protectedTable.lifecycle).toEqual({ prevent_destroy: true });
  });

  test("GIVEN the Lambda code's item keys THEN the IAM leading-key conditions of the state table admit exactly those", () => {
    const stack = ops(dev, "us-east-2");
    const id = "txdr-global-dev";
    const tableRef = `aws_dynamodb_table.${byType(stack, "aws_dynamodb_table")[0][0]}.arn`;
    const ownTable = `\${${tableRef}}`;
    const peerTable = `\${replace(${tableRef}, ":us-east-2:", ":us-east-1:")}`;
    const keysOf = (role: string, action: string, resource = ownTable) =>
      statementsFor(roleStatements(stack, role), action)
        .filter((s) => s.resources.includes(resource))
        .flatMap((s) => conditionOf(s, "dynamodb:LeadingKeys")!.values);
    const like = (pattern: string, key: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(key);
    expect(keysOf("txdr-health-monitor-use2-dev", "dynamodb:PutItem")).toEqual([counterKey(id)]);
    expect(keysOf("txdr-health-monitor-use2-dev", "dynamodb:GetItem").sort()).toEqual([counterKey(id), lockKey(id)].sort());
    const audit = auditKey("arn:aws:states:us-east-2:123456789012:execution:txdr-failover-dev:run-1");
    expect(keysOf("txdr-failover-orchestrator-use2-dev", "dynamodb:DeleteItem")).toEqual([lockKey(id)]);
    expect(keysOf("txdr-failover-orchestrator-use2-dev", "dynamodb:PutItem").some((p) => like(p, audit))).toBe(true);
    expect(keysOf("txdr-failover-orchestrator-use2-dev", "dynamodb:PutItem").some((p) => like(p, lockKey(id)))).toBe(false);
    const updatable = keysOf("txdr-failover-orchestrator-use2-dev", "dynamodb:UpdateItem");
    expect(updatable.some((p) => like(p, lockKey(id)))).toBe(true);
    // Audit records are append-only: created (conditionally) and read, never updated.
    expect(updatable.some((p) => like(p, audit))).toBe(false);
    expect(keysOf("txdr-failover-orchestrator-use2-dev", "dynamodb:PutItem").some((p) => like(p, noticeKey("x", "failover-completed")))).toBe(true);
    expect(keysOf("txdr-failover-orchestrator-use2-dev", "dynamodb:PutItem").some((p) => like(p, approvalKey("x", "RequestApproval")))).toBe(true);
    expect(updatable.some((p) => like(p, counterKey(id)))).toBe(false);
    // The other region's state table: its lock item only.
    for (const action of ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]) {
      expect(keysOf("txdr-failover-orchestrator-use2-dev", action, peerTable)).toEqual([lockKey(id)]);
    }
  });
});

describe("control table", () => {
  test("GIVEN the data stacks THEN the control table is a global table: created in the founding region with pk, replicated to the other (replicas-<secondary>) with its own key", () => {
    const table = bodies(dev.stacks["data-us-east-1"], "aws_dynamodb_table").find((t) => t.name === "txdr-control-dev");
    expect(table).toMatchObject({ hash_key: "pk", attribute: [{ name: "pk", type: "S" }], stream_enabled: true, point_in_time_recovery: { enabled: true } });
    const replica = bodies(dev.stacks["replicas-us-east-2"], "aws_dynamodb_table_replica").find((r) => r.global_table_arn.endsWith(":table/txdr-control-dev"));
    expect(replica).toMatchObject({ point_in_time_recovery: true, kms_key_arn: expect.stringContaining("keys_data_") });
  });

  test("GIVEN the monitor and the orchestrator THEN each reads and writes only its own region's replica, item by item, as the Lambda code keys them", () => {
    for (const region of REGIONS) {
      const peer = region === "us-east-1" ? "us-east-2" : "us-east-1";
      const code = region === "us-east-1" ? "use1" : "use2";
      const stack = ops(dev, region);
      const onControl = (role: string, action: string) =>
        statementsFor(roleStatements(stack, role), action).filter((s) => s.resources.some((r) => r.endsWith(":table/txdr-control-dev")));
      const keys = (role: string, action: string) => onControl(role, action).flatMap((s) => conditionOf(s, "dynamodb:LeadingKeys")!.values).sort();
      for (const statement of [...onControl(`txdr-health-monitor-${code}-dev`, "dynamodb:GetItem"), ...onControl(`txdr-failover-orchestrator-${code}-dev`, "dynamodb:PutItem")]) {
        expect(statement.resources.map(resolveReferences)).toEqual([`arn:aws:dynamodb:${region}:${FAKE_ACCOUNT}:table/txdr-control-dev`]);
      }
      expect(keys(`txdr-health-monitor-${code}-dev`, "dynamodb:PutItem")).toEqual([CONTROL_KEYS.heartbeat(region)]);
      // fence#<peer>: the writer's monitor starts the reconciliation once the old region is back after a forced failover.
      expect(keys(`txdr-health-monitor-${code}-dev`, "dynamodb:GetItem")).toEqual([CONTROL_KEYS.fence(region), CONTROL_KEYS.fence(peer), CONTROL_KEYS.heartbeat(peer)].sort());
      expect(keys(`txdr-failover-orchestrator-${code}-dev`, "dynamodb:PutItem")).toEqual([CONTROL_KEYS.fence(region), CONTROL_KEYS.fence(peer)].sort());
      expect(keys(`txdr-failover-orchestrator-${code}-dev`, "dynamodb:GetItem")).toEqual([CONTROL_KEYS.fence(region), CONTROL_KEYS.fence(peer), CONTROL_KEYS.heartbeat(peer)].sort());
    }
  });

  test("GIVEN the application's roles THEN none may write the control table (the failover signals cannot be forged by the application); the transaction function may only read its region's fence and heartbeat", () => {
    for (const region of REGIONS) {
      const policies = Object.values<any>(dev.stacks[`app-${region}`].data?.aws_iam_policy_document ?? {});
      const touching = policies.flatMap((p) => p.statement ?? []).filter((st: any) => JSON.stringify(st.resources ?? []).includes("txdr-control-dev"));
      // Issue 18: the write gate (lambda/transaction-processor/write-gate.ts); __tests__/security-api.test.ts checks it in full.
      expect(touching).toEqual([expect.objectContaining({ sid: "ReadOwnRegionFence", actions: ["dynamodb:GetItem"] })]);
      expect(touching[0].condition[0].values).toEqual([`fence#${region}`, `heartbeat#${region}`]);
    }
  });
});

// ------------------------------------------------------------------------------------------------ runbooks

describe("runbooks (Step Functions)", () => {
  test.each(REGIONS)("GIVEN %s THEN it has a failover and a failback runbook, STANDARD, traced, logging ALL events without execution data (no task token, no run record in the logs)", (region) => {
    const stack = ops(dev, region);
    expect(machines(stack).map((m) => m.name).sort()).toEqual(["txdr-failback-dev", "txdr-failover-dev"]);
    for (const { body } of machines(stack)) {
      expect(body).toMatchObject({ type: "STANDARD", tracing_configuration: { enabled: true } });
      expect(body.logging_configuration).toMatchObject({ level: "ALL", include_execution_data: false });
      const group = /^\$\{aws_cloudwatch_log_group\.([^.]+)\.arn\}:\*$/.exec(body.logging_configuration.log_destination)![1];
      expect(stack.resource.aws_cloudwatch_log_group[group]).toMatchObject({ name: `/aws/vendedlogs/states/${body.name}`, retention_in_days: 14 });
    }
  });

  test("GIVEN each runbook THEN it is created only after its role's policy (Step Functions checks log delivery at creation)", () => {
    const stack = ops(dev, "us-east-1");
    for (const { body } of machines(stack)) {
      const role = /^\$\{aws_iam_role\.([^.]+)\.arn\}$/.exec(body.role_arn)![1];
      const policies = byType(stack, "aws_iam_role_policy").filter(([, p]) => p.role === `\${aws_iam_role.${role}.id}`).map(([name]) => `aws_iam_role_policy.${name}`);
      expect(policies).toHaveLength(1);
      expect(body.depends_on).toEqual(policies);
    }
  });

  test("GIVEN every runbook THEN its definition parses as JSON and every Task invokes the orchestrator of its own stack", () => {
    for (const region of REGIONS) {
      const [fnName] = orchestrator(dev, region);
      for (const { definition } of machines(ops(dev, region))) {
        const all = tasks(definition);
        expect(all.map(([name]) => name).sort()).toEqual([...Object.values(STEP_STATES), CONTROL_STATES.requestDecisionApproval].sort());
        for (const [, task] of all) {
          expect(task.Resource).toMatch(/^arn:\$\{data\.aws_partition\.[^}]+\.partition\}:states:::lambda:invoke(\.waitForTaskToken)?$/);
          expect(task.Parameters.FunctionName).toBe(`\${aws_lambda_function.${fnName}.arn}`);
        }
      }
    }
  });

  test("GIVEN every runbook THEN the promoting path fences, drains and decides before it promotes (P1, P3), each task passing the whole state and keeping the returned one", () => {
    for (const { definition } of machines(ops(dev, "us-east-2"))) {
      // The path when nothing stands down and nobody is asked: the Choice defaults, and "promote" after Decide.
      const steps: string[] = [];
      let name: string = definition.StartAt;
      for (let guard = 0; guard < 40 && definition.States[name].Type !== "Succeed"; guard++) {
        const state = definition.States[name];
        if (state.Type === "Task") {
          steps.push(state.Parameters.Payload.step);
          expect(state.Parameters.Payload["state.$"]).toBe("$");
          expect(state.OutputPath).toBe("$.Payload");
        }
        if (state.Type === "Wait") steps.push(`wait ${state.SecondsPath}`);
        name = state.Type === "Choice" ? (name === CONTROL_STATES.afterDecide ? STEP_STATES.promote : state.Default) : state.Next;
      }
      expect(steps).toEqual(["assess", "raiseCapacity", "fence", "wait $.run.drainSeconds", "decide", "promote", "awaitWriter", "openGate", "verify", "complete"]);
      expect(name).toBe(CONTROL_STATES.succeeded);
    }
  });

  test("GIVEN every runbook THEN assess can stand down or ask first, and decide can escalate, stand down or promote", () => {
    for (const { definition } of machines(ops(dev, "us-east-1"))) {
      const afterAssess = definition.States[CONTROL_STATES.afterAssess];
      expect(afterAssess.Choices).toEqual([
        { Variable: "$.run.intended", StringEquals: "stand-down", Next: STEP_STATES.standDown },
        { Variable: "$.run.needsApproval", BooleanEquals: true, Next: STEP_STATES.requestApproval },
      ]);
      const afterDecide = definition.States[CONTROL_STATES.afterDecide];
      expect(afterDecide.Choices).toEqual([
        { Variable: "$.run.needsApproval", BooleanEquals: true, Next: CONTROL_STATES.requestDecisionApproval },
        { Variable: "$.run.decision.kind", StringEquals: "switchover", Next: STEP_STATES.promote },
        { Variable: "$.run.decision.kind", StringEquals: "failover", Next: STEP_STATES.promote },
      ]);
      expect(afterDecide.Default).toBe(STEP_STATES.standDown);
      expect(definition.States[STEP_STATES.standDown].Next).toBe(CONTROL_STATES.stoodDown);
      expect(definition.States[CONTROL_STATES.stoodDown].Type).toBe("Succeed");
    }
  });

  test("GIVEN every task THEN it retries the retryable error names and the Lambda service errors with exponential backoff", () => {
    for (const { definition } of machines(ops(dev, "us-east-1"))) {
      for (const [name, task] of tasks(definition)) {
        for (const error of [...RETRYABLE_ERROR_NAMES, ...LAMBDA_SERVICE_ERRORS]) {
          // Step Functions applies the first retrier whose ErrorEquals names the error.
          const retry = task.Retry.find((r: any) => r.ErrorEquals.includes(error));
          // AwaitWriter's WriterNotReadyError follows the configured wait budget (tested below).
          if (name === STEP_STATES.awaitWriter && error === ERROR_NAMES.writerNotReady) continue;
          expect({ task: name, error, retried: retry !== undefined }).toEqual({ task: name, error, retried: true });
          expect(retry.BackoffRate).toBeGreaterThan(1);
          expect(retry.MaxAttempts).toBeGreaterThan(0);
        }
      }
    }
  });

  test("GIVEN every task THEN no permanent error name is retried and everything else is caught into Abort, which ends as Refused or Failed", () => {
    for (const { definition } of machines(ops(dev, "us-east-1"))) {
      for (const [name, task] of tasks(definition)) {
        const retried = task.Retry.flatMap((r: any) => r.ErrorEquals);
        for (const error of PERMANENT_ERROR_NAMES) expect(retried).not.toContain(error);
        const catchAll = task.Catch.find((c: any) => c.ErrorEquals.includes("States.ALL"));
        expect(catchAll).toBeDefined();
        if (name === STEP_STATES.abort) {
          // Abort, done or failed, goes to the choice that ends a refused approval apart from every other failure.
          expect(catchAll.Next).toBe(CONTROL_STATES.afterAbort);
          expect(task.Next).toBe(CONTROL_STATES.afterAbort);
        } else {
          expect(catchAll).toMatchObject({ ResultPath: "$.error", Next: STEP_STATES.abort });
        }
      }
      const afterAbort = definition.States[CONTROL_STATES.afterAbort];
      expect(afterAbort.Type).toBe("Choice");
      expect(afterAbort.Default).toBe(CONTROL_STATES.failed);
      expect(afterAbort.Choices.map((c: any) => c.Next)).toEqual([CONTROL_STATES.refused, CONTROL_STATES.refused]);
      expect(definition.States[CONTROL_STATES.refused]).toMatchObject({ Type: "Fail", Error: RUNBOOK_REFUSED_ERROR });
      expect(definition.States[CONTROL_STATES.failed].Type).toBe("Fail");
    }
  });

  test("GIVEN every runbook THEN every Next and Default names a state, and every state is reachable from StartAt", () => {
    for (const { definition } of machines(ops(dev, "us-east-2"))) {
      const targets = (s: any): string[] => [s.Next, s.Default, ...asList(s.Choices).map((c: any) => c.Next), ...asList(s.Catch).map((c: any) => c.Next)].filter(Boolean);
      const seen = new Set<string>([definition.StartAt]);
      const queue = [definition.StartAt];
      while (queue.length > 0) {
        for (const next of targets(definition.States[queue.shift()!])) {
          expect(Object.keys(definition.States)).toContain(next);
          if (!seen.has(next)) {
            seen.add(next);
            queue.push(next);
          }
        }
      }
      expect([...seen].sort()).toEqual(Object.keys(definition.States).sort());
    }
  });

  test("GIVEN the approval variant (1200 s) THEN both approval tasks wait for their task token for 1200 s, pass the token, and keep the answer apart", () => {
    const { definition } = machine(ops(approval, "us-east-2"), "txdr-failover-dev");
    for (const [name, resultPath, next] of [
      [STEP_STATES.requestApproval, "$.approval", STEP_STATES.assess],
      [CONTROL_STATES.requestDecisionApproval, "$.decisionApproval", STEP_STATES.decide],
    ]) {
      const task = definition.States[name];
      expect(task.Resource).toMatch(/:states:::lambda:invoke\.waitForTaskToken$/);
      expect(task.TimeoutSeconds).toBe(1200);
      expect(task.Parameters.Payload).toEqual({ step: "requestApproval", "state.$": "$", "taskToken.$": "$$.Task.Token", "request.$": "$$.State.Name" });
      expect(task.ResultPath).toBe(resultPath);
      expect(task.Next).toBe(next);
    }
  });

  test("GIVEN onApprovalTimeout proceed THEN an approval timeout goes back to Assess (which lets it stand in only for failover.authority); GIVEN abort THEN it fails into Abort; a data-loss escalation never proceeds on a timeout", () => {
    const timeoutCatch = (app: SynthesizedApp, state: string) =>
      machine(ops(app, "us-east-2"), "txdr-failover-dev").definition.States[state].Catch.find((c: any) => c.ErrorEquals.includes("States.Timeout"));
    expect(timeoutCatch(approval, STEP_STATES.requestApproval)).toEqual({ ErrorEquals: ["States.Timeout"], ResultPath: "$.approvalTimedOut", Next: STEP_STATES.assess });
    expect(timeoutCatch(dev, STEP_STATES.requestApproval)).toBeUndefined();
    expect(timeoutCatch(approval, CONTROL_STATES.requestDecisionApproval)).toBeUndefined();
  });

  test("GIVEN the failback runbook THEN it forces mode failback, and the failover runbook forces failover", () => {
    const stack = ops(dev, "us-east-1");
    expect(machine(stack, "txdr-failback-dev").definition.States[CONTROL_STATES.init].Parameters.forced).toEqual({ mode: "failback" });
    expect(machine(stack, "txdr-failover-dev").definition.States[CONTROL_STATES.init].Parameters.forced).toEqual({ mode: "failover" });
  });

  test("GIVEN failover.maxWaitSeconds 3600 and a 300 s lock THEN AwaitWriter's invocations each fit the lock and together wait the configured time", () => {
    const fn = orchestrator(approval, "us-east-2")[1];
    const slice = Number(fn.environment.variables.MAX_WAIT_SECONDS);
    const { definition } = machine(ops(approval, "us-east-2"), "txdr-failover-dev");
    const retry = definition.States.AwaitWriter.Retry[0];
    expect(retry.ErrorEquals).toEqual([ERROR_NAMES.writerNotReady]);
    expect(slice * (retry.MaxAttempts + 1)).toBeGreaterThanOrEqual(3600);
    expect(slice).toBeLessThanOrEqual(300 - 60);
    expect(slice).toBeLessThan(fn.timeout);
  });

  test("GIVEN a wait that fits one invocation THEN AwaitWriter retries WriterNotReadyError nowhere (no retrier with MaxAttempts 0 shadowing another, no general retry stretching the budget)", () => {
    const { definition } = machine(ops(dev, "us-east-2"), "txdr-failover-dev");
    const retriers = definition.States.AwaitWriter.Retry;
    expect(retriers.some((r: any) => r.MaxAttempts === 0)).toBe(false);
    expect(retriers.some((r: any) => r.ErrorEquals.includes(ERROR_NAMES.writerNotReady))).toBe(false);
  });

  test.each([
    [600, 1800, { sliceSeconds: 600, extraAttempts: 0 }],
    [3600, 1800, { sliceSeconds: 720, extraAttempts: 4 }],
    [600, 300, { sliceSeconds: 150, extraAttempts: 3 }],
  ])("GIVEN maxWait %i s and a %i s lock THEN the wait is split into %o", (maxWait, lockTtl, expected) => {
    expect(awaitWriterBudget(maxWait, lockTtl)).toEqual(expected);
  });
});

// ------------------------------------------------------------------------------------------------ IAM

describe("IAM", () => {
  const SCOPED_ACTIONS = [
    "rds:FailoverGlobalCluster",
    "rds:SwitchoverGlobalCluster",
    "ecs:UpdateService",
    "application-autoscaling:RegisterScalableTarget",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "sns:Publish",
    "states:StartExecution",
    "states:DescribeExecution",
    "elasticloadbalancing:ModifyRule",
    "lambda:InvokeFunction",
  ];

  test.each(SCOPED_ACTIONS)("GIVEN every role of the ops stacks THEN %s is granted, and only on named resources", (action) => {
    const grants = allRoleStatements(dev).filter(({ statement }) => statement.effect === "Allow" && statement.actions.includes(action));
    expect(grants.length).toBeGreaterThan(0);
    for (const { statement } of grants) {
      expect(statement.resources).not.toContain("*");
      for (const resource of statement.resources) expect(resource).not.toMatch(/^arn:[^:]*:[^:]*:[^:]*:[^:]*:\*$/);
    }
  });

  test("GIVEN the orchestrator THEN promotion names the global cluster and the two member clusters, built from their names", () => {
    const [statement] = statementsFor(roleStatements(ops(dev, "us-east-2"), "txdr-failover-orchestrator-use2-dev"), "rds:FailoverGlobalCluster");
    const account = /\$\{data\.aws_caller_identity\.[^}]+\}/;
    const resolved = statement.resources.map((r) => resolveReferences(r));
    expect(resolved.sort()).toEqual(
      [
        `arn:aws:rds::${FAKE_ACCOUNT}:global-cluster:txdr-global-dev`,
        `arn:aws:rds:us-east-1:${FAKE_ACCOUNT}:cluster:txdr-db-use1-dev`,
        `arn:aws:rds:us-east-2:${FAKE_ACCOUNT}:cluster:txdr-db-use2-dev`,
      ].sort(),
    );
    expect(statement.resources.every((r) => account.test(r))).toBe(true);
    expect(statement.actions.sort()).toEqual(["rds:FailoverGlobalCluster", "rds:SwitchoverGlobalCluster"]);
  });

  test("GIVEN the orchestrator THEN RegisterScalableTarget is limited to this account's scalable targets in the two regions, and the ECS permissions it depends on to the two named services", () => {
    const statements = roleStatements(ops(dev, "us-east-1"), "txdr-failover-orchestrator-use1-dev");
    const [register] = statementsFor(statements, "application-autoscaling:RegisterScalableTarget");
    expect(register.resources.map(resolveReferences).sort()).toEqual([
      `arn:aws:application-autoscaling:us-east-1:${FAKE_ACCOUNT}:scalable-target/*`,
      `arn:aws:application-autoscaling:us-east-2:${FAKE_ACCOUNT}:scalable-target/*`,
    ]);
    expect(conditionOf(register, "aws:RequestedRegion")).toEqual({ test: "StringEquals", variable: "aws:RequestedRegion", values: ["us-east-1", "us-east-2"] });
    // Only the ECS desired count, of a target that carries the project's tags...
    expect(conditionOf(register, "application-autoscaling:service-namespace")!.values).toEqual(["ecs"]);
    expect(conditionOf(register, "application-autoscaling:scalable-dimension")!.values).toEqual(["ecs:service:DesiredCount"]);
    const tagConditions = register.condition!.filter((c: any) => c.variable.startsWith("aws:ResourceTag/"));
    expect(tagConditions.map((c: any) => [c.variable, c.values])).toEqual([
      ["aws:ResourceTag/Project", ["txdr"]],
      ["aws:ResourceTag/Environment", ["dev"]],
    ]);
    // ...and the service's scalable target does carry them (the app stack's provider default tags).
    for (const region of REGIONS) {
      const appStack = dev.stacks[`app-${region}`];
      expect(Object.keys(appStack.resource.aws_appautoscaling_target)).toHaveLength(1);
      const tags = appStack.provider.aws.find((p: any) => p.alias === undefined).default_tags[0].tags;
      for (const c of tagConditions) expect(tags[c.variable.replace("aws:ResourceTag/", "")]).toBe(c.values[0]);
    }
    const [ecs] = statementsFor(statements, "ecs:UpdateService");
    expect(ecs.resources.map(resolveReferences).sort()).toEqual([
      `arn:aws:ecs:us-east-1:${FAKE_ACCOUNT}:service/txdr-app-dev/txdr-app-dev`,
      `arn:aws:ecs:us-east-2:${FAKE_ACCOUNT}:service/txdr-app-dev/txdr-app-dev`,
    ]);
    const [describe] = statementsFor(statements, "application-autoscaling:DescribeScalableTargets");
    expect(describe.resources).toEqual(["*"]);
    expect(conditionOf(describe, "aws:RequestedRegion")!.values).toEqual(["us-east-1", "us-east-2"]);
  });

  test("GIVEN the runbook roles THEN the log group policy for vended delivery is held to this account's logs in the region; only the delivery actions are on *", () => {
    for (const region of REGIONS) {
      const code = region === "us-east-1" ? "use1" : "use2";
      for (const role of [`txdr-failover-runbook-${code}-dev`, `txdr-reconcile-runbook-${code}-dev`]) {
        const statements = roleStatements(ops(dev, region), role);
        const [policy] = statementsFor(statements, "logs:PutResourcePolicy");
        expect(policy.actions.sort()).toEqual(["logs:DescribeLogGroups", "logs:DescribeResourcePolicies", "logs:PutResourcePolicy"]);
        expect(policy.resources.map(resolveReferences)).toEqual([`arn:aws:logs:${region}:${FAKE_ACCOUNT}:*`]);
        const [delivery] = statementsFor(statements, "logs:CreateLogDelivery");
        expect(delivery.resources).toEqual(["*"]);
        expect(delivery.actions.every((a: string) => /Log(Delivery|Deliveries)$/.test(a))).toBe(true);
      }
    }
  });

  test("GIVEN PutMetricData (no resource-level permissions) THEN the monitor may publish its verdict and its own gate's state in its own region only, and the orchestrator publishes nothing", () => {
    const stack = ops(dev, "us-east-2");
    const [monitorMetrics, ...more] = statementsFor(roleStatements(stack, "txdr-health-monitor-use2-dev"), "cloudwatch:PutMetricData");
    expect(more).toEqual([]);
    expect(monitorMetrics.resources).toEqual(["*"]);
    expect(conditionOf(monitorMetrics, "cloudwatch:namespace")!.values).toEqual([MONITOR_METRIC_NAMESPACE_DEFAULT, GATE_METRIC_NAMESPACE]);
    expect(conditionOf(monitorMetrics, "aws:RequestedRegion")!.values).toEqual(["us-east-2"]);
    expect(statementsFor(roleStatements(stack, "txdr-failover-orchestrator-use2-dev"), "cloudwatch:PutMetricData")).toEqual([]);
  });

  test("GIVEN the traffic gates THEN the monitor may set its own region's gate only, the orchestrator both regions', and only the rules of the project's load balancer", () => {
    const stack = ops(dev, "us-east-2");
    const rules = (role: string) => statementsFor(roleStatements(stack, role), "elasticloadbalancing:ModifyRule").flatMap((s) => s.resources.map(resolveReferences)).sort();
    const rulesOf = (region: string) => `arn:aws:elasticloadbalancing:${region}:${FAKE_ACCOUNT}:listener-rule/app/txdr-app-dev/*`;
    expect(rules("txdr-health-monitor-use2-dev")).toEqual([rulesOf("us-east-2")]);
    expect(rules("txdr-failover-orchestrator-use2-dev")).toEqual([rulesOf("us-east-1"), rulesOf("us-east-2")]);
    const [describe] = statementsFor(roleStatements(stack, "txdr-health-monitor-use2-dev"), "elasticloadbalancing:DescribeRules");
    expect(conditionOf(describe, "aws:RequestedRegion")!.values).toEqual(["us-east-2"]);
  });

  test("GIVEN the monitor THEN it may follow only its own failover runbook's executions", () => {
    const [follow] = statementsFor(roleStatements(ops(dev, "us-east-2"), "txdr-health-monitor-use2-dev"), "states:DescribeExecution");
    expect(follow.resources.map(resolveReferences)).toEqual([`arn:aws:states:us-east-2:${FAKE_ACCOUNT}:execution:txdr-failover-dev:*`]);
  });

  test("GIVEN the peer region's state table THEN its items' data key is usable only through DynamoDB there", () => {
    const [peerKey] = roleStatements(ops(dev, "us-east-2"), "txdr-failover-orchestrator-use2-dev").filter((s) => s.sid === "PeerStateTableKeyThroughDynamoDb");
    expect(peerKey.resources.map(resolveReferences)).toEqual([`arn:aws:kms:us-east-1:${FAKE_ACCOUNT}:key/*`]);
    // Any key of the account there, as its id cannot be built, but only the one aliased as the data key.
    expect(peerKey.condition).toEqual([
      { test: "StringEquals", variable: "kms:ViaService", values: ["dynamodb.us-east-1.amazonaws.com"] },
      { test: "ForAnyValue:StringEquals", variable: "kms:ResourceAliases", values: ["alias/txdr-data-dev"] },
    ]);
  });

  test("GIVEN any statement on \"*\" THEN it only holds actions without resource-level permissions", () => {
    const unscoped = new Set([
      "cloudwatch:PutMetricData",
      "cloudwatch:GetMetricData",
      "application-autoscaling:DescribeScalableTargets",
      "elasticloadbalancing:DescribeLoadBalancers",
      "elasticloadbalancing:DescribeListeners",
      "elasticloadbalancing:DescribeRules",
      "elasticloadbalancing:DescribeTargetGroups",
      "elasticloadbalancing:DescribeTargetHealth",
      "xray:PutTraceSegments",
      "xray:PutTelemetryRecords",
      "xray:GetSamplingRules",
      "xray:GetSamplingTargets",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeSubnets",
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      // The game-day experiment roles (constructs/resilience/game-day-permissions.ts), each also held to its region.
      "tag:GetResources",
      "ec2:DescribeVpcs",
      "ec2:DescribeNetworkAcls",
      "ec2:DescribeManagedPrefixLists",
    ]);
    const starred = allRoleStatements(dev).filter(({ statement }) => statement.resources.includes("*"));
    expect(starred.length).toBeGreaterThan(0);
    for (const { statement } of starred) for (const action of statement.actions) expect(unscoped.has(action) ? action : `${action} on *`).toBe(action);
  });

  test("GIVEN the monitor THEN it may start only its region's failover runbook (and its reconciliation run), and GIVEN manual authority THEN it may start no failover", () => {
    const starts = (app: SynthesizedApp) => statementsFor(roleStatements(ops(app, "us-east-2"), "txdr-health-monitor-use2-dev"), "states:StartExecution");
    expect(starts(dev).flatMap((s) => s.resources).map(resolveReferences)).toEqual([
      `arn:aws:states:us-east-2:${FAKE_ACCOUNT}:stateMachine:txdr-failover-dev`,
      `arn:aws:states:us-east-2:${FAKE_ACCOUNT}:stateMachine:txdr-reconcile-dev`,
    ]);
    expect(starts(manual).flatMap((s) => s.resources).map(resolveReferences)).toEqual([`arn:aws:states:us-east-2:${FAKE_ACCOUNT}:stateMachine:txdr-reconcile-dev`]);
  });

  test("GIVEN the runbook role THEN it may invoke only the orchestrator and is trusted by the two runbooks of this account only", () => {
    const stack = ops(dev, "us-east-1");
    const [fnName] = orchestrator(dev, "us-east-1");
    const [invoke] = statementsFor(roleStatements(stack, "txdr-failover-runbook-use1-dev"), "lambda:InvokeFunction");
    expect(invoke.resources).toEqual([`\${aws_lambda_function.${fnName}.arn}`, `\${aws_lambda_function.${fnName}.arn}:*`]);
    const [, role] = byType(stack, "aws_iam_role").find(([, r]) => r.name === "txdr-failover-runbook-use1-dev")!;
    const trustDoc = /^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$/.exec(role.assume_role_policy)![1];
    const [trust] = asList<any>(stack.data.aws_iam_policy_document[trustDoc].statement);
    expect(trust.principals).toEqual([{ type: "Service", identifiers: ["states.amazonaws.com"] }]);
    const sourceArn = trust.condition.find((c: any) => c.variable === "aws:SourceArn");
    expect(sourceArn.values.map(resolveReferences).sort()).toEqual([
      `arn:aws:states:us-east-1:${FAKE_ACCOUNT}:stateMachine:txdr-failback-dev`,
      `arn:aws:states:us-east-1:${FAKE_ACCOUNT}:stateMachine:txdr-failover-dev`,
    ]);
    expect(trust.condition.find((c: any) => c.variable === "aws:SourceAccount")).toBeDefined();
  });

  test("GIVEN the functions in a VPC THEN they may create network interfaces only in their own subnets and security group", () => {
    const [statement] = statementsFor(roleStatements(ops(dev, "us-east-1"), "txdr-health-monitor-use1-dev"), "ec2:CreateNetworkInterface");
    expect(statement.resources).toHaveLength(4);
    expect(statement.resources.filter((r) => r.includes(":subnet/"))).toHaveLength(2);
    expect(statement.resources.filter((r) => r.includes(":security-group/") && r.includes("security-groups_failover"))).toHaveLength(1);
  });

  test("GIVEN a permissions boundary in configuration THEN every role of the ops stacks carries it", () => {
    for (const region of REGIONS) {
      const roles = bodies(ops(bounded, region), "aws_iam_role");
      // The monitor, the orchestrator, the runbooks; the reconciler and its run; the four game-day experiment roles and their Automation role;
      // the failover operators'.
      expect(roles).toHaveLength(3 + 2 + 5 + 1);
      for (const role of roles) expect(role.permissions_boundary).toBe(BOUNDARY);
    }
  });
});
