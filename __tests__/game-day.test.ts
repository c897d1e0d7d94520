/**
 * The AWS FIS game-day templates (constructs/resilience/), on the synthesized
 * Terraform JSON: the construct on the one-stack harness, then the ops stacks
 * of every shipped configuration from the shared synthesis (the stop
 * conditions name alarms that exist, the target tags are the tags the real
 * resources carry, nothing starts an experiment). docs/game-day.md names these
 * tests.
 */
import { TerraformJson, SynthesizedApp } from "../app/layout-check";
import { ConfigError, validateConfig } from "../lib/config/load";
import { GAME_DAY_TEMPLATES, GameDayTemplate } from "../lib/catalog";
import { DrConfig } from "../lib/config/model";
import { FAILOVER_STRATEGIES, REQUESTERS } from "../lambda/shared/failover-request";
import {
  EXPERIMENT_LOG_SCHEMA_VERSION,
  GameDayAlarm,
  GameDayExperiments,
  GameDaySettings,
  stopConditionsFor,
} from "../constructs/resilience/game-day-experiments";
import { FIS_MANAGED_TAG } from "../constructs/resilience/game-day-permissions";
import { EXECUTION_NAME_PREFIX, REASON_PATTERN, RUNBOOK_END_STATES } from "../constructs/resilience/runbook-start-document";
import { configVariant, rawVariant, shippedConfigFiles } from "./support/config";
import { Harness, ofType, synthOneStack } from "./support/harness";
import { actionNeedsStarResource, asList, effectiveTags } from "./support/policy";
import { synthConfig } from "./support/synth";
import * as path from "path";

const ACCOUNT = "123456789012";
const LOGS_KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/logs`;
const VPC = "vpc-0a1b2c3d";
const SUBNETS = ["subnet-0aaa", "subnet-0bbb"];
const PUBLIC_SUBNETS = ["subnet-0ccc", "subnet-0ddd"];
const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/dr-boundary`;

/** Account and partition references resolved as in a test account. */
const resolve = (value: string): string =>
  value.replace(/\$\{data\.aws_caller_identity\.[^}]+\.account_id\}/g, ACCOUNT).replace(/\$\{data\.aws_partition\.[^}]+\.partition\}/g, "aws");

interface Statement {
  sid?: string;
  effect: string;
  actions: string[];
  resources: string[];
  condition?: { test: string; variable: string; values: string[] }[];
  principals?: { type: string; identifiers: string[] }[];
}

// ------------------------------------------------------------------------------------------------ the construct

interface Built {
  readonly json: TerraformJson;
  readonly config: DrConfig;
}

/** The construct in the harness stack (ops-us-east-1 of dev), with a settings patch and an optional boundary. */
function build(options: { settings?: Partial<GameDaySettings> | Record<string, any>; boundary?: string } = {}): Built {
  const config = configVariant("dev", options.settings ? { gameDay: options.settings } : {});
  const json = synthOneStack(({ stack, catalog, account }: Harness) => {
    new GameDayExperiments(stack, "game-day", {
      provider: stack.provider,
      account,
      names: catalog,
      logsKeyArn: LOGS_KEY,
      logRetentionDays: 30,
      network: { vpcId: VPC, subnetIds: { private: SUBNETS, public: PUBLIC_SUBNETS } },
      clusterIdentifier: catalog.clusterId,
      targetTags: {
        project: { Project: config.project, Environment: config.environment },
        subnets: { Stack: "base-us-east-1" },
        cluster: { Stack: "data-us-east-1" },
      },
      alarms: {
        rpoGuard: account.arns.alarm(catalog.rpoGuardAlarm),
        orchestratorErrors: account.arns.alarm(catalog.alarm("failover-orchestrator-errors")),
        failoverRunbookFailed: account.arns.alarm(catalog.alarm("sfn-failed-failover")),
        activeRegionUnhealthy: account.arns.alarm(catalog.alarm("active-region-unhealthy")),
      },
      settings: config.gameDay,
      permissionsBoundaryArn: options.boundary,
    });
  }, config);
  return { json, config };
}

const entries = (json: TerraformJson, type: string, kind: "resource" | "data" = "resource"): [string, any][] => Object.entries<any>(ofType(json, type, kind));

/** The experiment template with this Name tag suffix (txdr-game-day-<template>-dev). */
function templateOf(json: TerraformJson, template: GameDayTemplate): [string, any] {
  const found = entries(json, "aws_fis_experiment_template").find(([, t]) => t.tags?.Name === `txdr-game-day-${template}-dev`);
  if (!found) throw new Error(`No template ${template}`);
  return found;
}

/** The role a template runs as, by its reference. */
function roleOfTemplate(json: TerraformJson, template: GameDayTemplate): [string, any] {
  const [, t] = templateOf(json, template);
  const name = /^\$\{aws_iam_role\.([^.]+)\.arn\}$/.exec(t.role_arn)![1];
  return [name, ofType(json, "aws_iam_role")[name]];
}

function documentOf(json: TerraformJson, ref: string): any {
  const name = /^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$/.exec(ref)![1];
  return ofType(json, "aws_iam_policy_document", "data")[name];
}

/** Every statement of every inline policy of a role (by its logical name). */
function statementsOfRole(json: TerraformJson, roleName: string): Statement[] {
  return entries(json, "aws_iam_role_policy")
    .filter(([, p]) => p.role === `\${aws_iam_role.${roleName}.id}`)
    .flatMap(([, p]) => asList<Statement>(documentOf(json, p.policy).statement));
}
const trustOf = (json: TerraformJson, role: any): Statement => asList<Statement>(documentOf(json, role.assume_role_policy).statement)[0];
const conditionOf = (s: Statement, variable: string) => asList(s.condition).find((c) => c.variable === variable);
const actionsOf = (statements: Statement[]) => statements.flatMap((s) => s.actions).sort();
const withAction = (statements: Statement[], action: string) => statements.filter((s) => s.actions.includes(action));

describe("game-day templates (construct)", () => {
  let built: Built;
  beforeAll(() => {
    built = build();
  });
  const json = () => built.json;

  test("GIVEN the construct THEN it holds one experiment template per game day and nothing that starts an experiment", () => {
    expect(entries(json(), "aws_fis_experiment_template").map(([, t]) => t.tags.Name).sort()).toEqual(
      GAME_DAY_TEMPLATES.map((t) => `txdr-game-day-${t}-dev`).sort(),
    );
    const types = Object.keys(json().resource).sort();
    expect(types).toEqual([
      "aws_cloudwatch_log_group",
      "aws_fis_experiment_template",
      "aws_iam_role",
      "aws_iam_role_policy",
      "aws_ssm_document",
    ]);
    // Nothing runs by itself: no association runs the document, no schedule or rule starts an experiment, no provisioner.
    for (const [, body] of Object.values<any>(json().resource).flatMap((byName) => Object.entries<any>(byName))) expect(body.provisioner).toBeUndefined();
  });

  test("GIVEN stop-tasks THEN it stops the service's tasks (cluster and service parameters, project tags) and then keeps watching", () => {
    const [, t] = templateOf(json(), "stop-tasks");
    const [stop, observe] = t.action;
    expect(stop).toMatchObject({ action_id: "aws:ecs:stop-task", target: { key: "Tasks", value: "service-tasks" } });
    expect(observe).toMatchObject({ action_id: "aws:fis:wait", parameter: [{ key: "duration", value: "PT10M" }], start_after: [stop.name] });
    expect(t.target).toEqual([
      {
        name: "service-tasks",
        resource_type: "aws:ecs:task",
        selection_mode: "ALL",
        resource_tag: [
          { key: "Project", value: "txdr" },
          { key: "Environment", value: "dev" },
        ],
        parameters: { cluster: "txdr-app-dev", service: "txdr-app-dev" },
      },
    ]);
  });

  test("GIVEN a selection mode and an observation time in configuration THEN stop-tasks uses them", () => {
    const { json: custom } = build({ settings: { stopTasks: { selectionMode: "PERCENT(50)" }, observationMinutes: 3 } });
    const [, t] = templateOf(custom, "stop-tasks");
    expect(t.target[0].selection_mode).toBe("PERCENT(50)");
    expect(t.action[1].parameter).toEqual([{ key: "duration", value: "PT3M" }]);
  });

  test("GIVEN disrupt-network THEN it cuts all traffic of the private subnets, picked by tags, tier and VPC, for the configured time", () => {
    const [, t] = templateOf(json(), "disrupt-network");
    expect(t.action).toEqual([
      expect.objectContaining({
        name: "disrupt-private-subnets",
        action_id: "aws:network:disrupt-connectivity",
        parameter: [
          { key: "duration", value: "PT10M" },
          { key: "scope", value: "all" },
        ],
        target: { key: "Subnets", value: "private-subnets" },
      }),
    ]);
    expect(t.target).toEqual([
      {
        name: "private-subnets",
        resource_type: "aws:ec2:subnet",
        selection_mode: "ALL",
        resource_tag: [
          { key: "Project", value: "txdr" },
          { key: "Environment", value: "dev" },
          { key: "Stack", value: "base-us-east-1" },
          { key: "Tier", value: "private" },
        ],
        filter: [{ path: "VpcId", values: [VPC] }],
      },
    ]);
    const { json: longer } = build({ settings: { disruptConnectivity: { durationMinutes: 25 } } });
    expect(templateOf(longer, "disrupt-network")[1].action[0].parameter[0]).toEqual({ key: "duration", value: "PT25M" });
  });

  test("GIVEN the public tier too THEN disrupt-network cuts both tiers at once (one action and target each) and its role may swap both tiers' ACLs only", () => {
    const { json: both } = build({ settings: { disruptConnectivity: { subnetTiers: ["private", "public"] } } });
    const [, t] = templateOf(both, "disrupt-network");
    expect(t.action.map((a: any) => [a.name, a.target.value, a.start_after])).toEqual([
      ["disrupt-private-subnets", "private-subnets", undefined],
      ["disrupt-public-subnets", "public-subnets", undefined],
    ]);
    expect(t.target.map((x: any) => x.resource_tag.find((tag: any) => tag.key === "Tier").value)).toEqual(["private", "public"]);
    const [roleName] = roleOfTemplate(both, "disrupt-network");
    const [swap] = withAction(statementsOfRole(both, roleName), "ec2:ReplaceNetworkAclAssociation");
    expect(swap.resources.map(resolve)).toEqual([...SUBNETS, ...PUBLIC_SUBNETS].map((id) => `arn:aws:ec2:us-east-1:${ACCOUNT}:subnet/${id}`));
    // By default the public subnets (load balancer, NAT) are out of reach.
    const [defaultSwap] = withAction(statementsOfRole(json(), roleOfTemplate(json(), "disrupt-network")[0]), "ec2:ReplaceNetworkAclAssociation");
    expect(defaultSwap.resources.map(resolve).filter((r) => PUBLIC_SUBNETS.some((id) => r.endsWith(id)))).toEqual([]);
  });

  test("GIVEN db-writer THEN it fails the region's cluster over in the region (aws:rds:failover-db-cluster) and keeps watching", () => {
    const [, t] = templateOf(json(), "db-writer");
    expect(t.action[0]).toMatchObject({ action_id: "aws:rds:failover-db-cluster", target: { key: "Clusters", value: "regional-cluster" } });
    expect(t.action[1]).toMatchObject({ action_id: "aws:fis:wait", start_after: [t.action[0].name] });
    expect(t.target).toEqual([
      {
        name: "regional-cluster",
        resource_type: "aws:rds:cluster",
        selection_mode: "ALL",
        resource_tag: [
          { key: "Project", value: "txdr" },
          { key: "Environment", value: "dev" },
          { key: "Stack", value: "data-us-east-1" },
        ],
        filter: [{ path: "DBClusterIdentifier", values: ["txdr-db-use1-dev"] }],
      },
    ]);
  });

  test("GIVEN db-failover THEN it runs the runbook-starting document through SSM Automation, as a dry run by default, within the configured time", () => {
    const [, t] = templateOf(json(), "db-failover");
    const [documentName] = entries(json(), "aws_ssm_document")[0];
    expect(t.target).toBeUndefined();
    expect(t.action).toHaveLength(1);
    expect(t.action[0].action_id).toBe("aws:ssm:start-automation-execution");
    const parameters = Object.fromEntries(t.action[0].parameter.map((p: any) => [p.key, p.value]));
    expect(parameters.documentArn).toBe(`\${aws_ssm_document.${documentName}.arn}`);
    expect(parameters.maxDuration).toBe("PT60M");
    const documentParameters = JSON.parse(parameters.documentParameters);
    expect(documentParameters).toEqual({ DryRun: "true", Strategy: "planned", Reason: "FIS game day txdr-game-day-db-failover-dev" });
    expect(new RegExp(REASON_PATTERN).test(documentParameters.Reason)).toBe(true);

    const { json: real } = build({ settings: { databaseFailover: { dryRun: false, strategy: "auto", maxDurationMinutes: 45 } } });
    const realParameters = Object.fromEntries(templateOf(real, "db-failover")[1].action[0].parameter.map((p: any) => [p.key, p.value]));
    expect(JSON.parse(realParameters.documentParameters)).toMatchObject({ DryRun: "false", Strategy: "auto" });
    expect(realParameters.maxDuration).toBe("PT45M");
  });

  test.each([
    ["stop-tasks", "active", ["rpoGuard", "orchestratorErrors", "failoverRunbookFailed", "activeRegionUnhealthy"]],
    ["stop-tasks", "standby", ["rpoGuard", "orchestratorErrors", "failoverRunbookFailed", "activeRegionUnhealthy"]],
    ["db-writer", "active", ["rpoGuard", "orchestratorErrors", "failoverRunbookFailed", "activeRegionUnhealthy"]],
    ["disrupt-network", "active", ["rpoGuard", "orchestratorErrors", "failoverRunbookFailed"]],
    ["disrupt-network", "standby", ["rpoGuard", "orchestratorErrors", "failoverRunbookFailed", "activeRegionUnhealthy"]],
    ["db-failover", "active", ["rpoGuard", "orchestratorErrors", "failoverRunbookFailed"]],
    ["db-failover", "standby", ["rpoGuard", "orchestratorErrors", "failoverRunbookFailed"]],
  ] as const)("GIVEN %s in the %s region THEN it stops on %j", (template, role, alarms) => {
    expect(stopConditionsFor(template, role)).toEqual(alarms);
  });

  test("GIVEN each template THEN its stop conditions are CloudWatch alarms of its own region, by ARN, within FIS's five per template", () => {
    const byAlarm: Record<GameDayAlarm, string> = {
      rpoGuard: "txdr-rpo-guard-dev",
      orchestratorErrors: "txdr-failover-orchestrator-errors-dev",
      failoverRunbookFailed: "txdr-sfn-failed-failover-dev",
      activeRegionUnhealthy: "txdr-active-region-unhealthy-dev",
    };
    for (const template of GAME_DAY_TEMPLATES) {
      const [, t] = templateOf(json(), template);
      expect(t.stop_condition.length).toBeLessThanOrEqual(5);
      expect(t.stop_condition.map((s: any) => s.source)).toEqual(t.stop_condition.map(() => "aws:cloudwatch:alarm"));
      // The harness stack is us-east-1, the active region of dev.
      expect(t.stop_condition.map((s: any) => resolve(s.value))).toEqual(
        stopConditionsFor(template, "active").map((a) => `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:${byAlarm[a]}`),
      );
    }
  });

  test("GIVEN each template THEN it logs (schema 2) to one group encrypted with the logs key and kept for the configured retention", () => {
    const [[groupName, group]] = entries(json(), "aws_cloudwatch_log_group");
    expect(group).toMatchObject({ name: "/aws/vendedlogs/fis/txdr-game-day-dev", kms_key_id: LOGS_KEY, retention_in_days: 30 });
    for (const template of GAME_DAY_TEMPLATES) {
      expect(templateOf(json(), template)[1].log_configuration).toEqual({
        log_schema_version: EXPERIMENT_LOG_SCHEMA_VERSION,
        cloudwatch_logs_configuration: { log_group_arn: `\${aws_cloudwatch_log_group.${groupName}.arn}:*` },
      });
    }
    expect(EXPERIMENT_LOG_SCHEMA_VERSION).toBe(2);
  });

  test("GIVEN each template THEN an empty target fails the experiment, in this account only", () => {
    for (const template of GAME_DAY_TEMPLATES) {
      expect(templateOf(json(), template)[1].experiment_options).toEqual({ account_targeting: "single-account", empty_target_resolution_mode: "fail" });
    }
  });

  test("GIVEN each template THEN it has a role of its own, trusted by FIS experiments of this account and region only", () => {
    const roles = GAME_DAY_TEMPLATES.map((t) => roleOfTemplate(json(), t));
    expect(new Set(roles.map(([name]) => name)).size).toBe(GAME_DAY_TEMPLATES.length);
    expect(roles.map(([, r]) => r.name)).toEqual(GAME_DAY_TEMPLATES.map((t) => `txdr-fis-${t}-use1-dev`));
    for (const [, role] of roles) {
      const trust = trustOf(json(), role);
      expect(trust.principals).toEqual([{ type: "Service", identifiers: ["fis.amazonaws.com"] }]);
      expect(trust.actions).toEqual(["sts:AssumeRole"]);
      expect(resolve(conditionOf(trust, "aws:SourceAccount")!.values[0])).toBe(ACCOUNT);
      expect(conditionOf(trust, "aws:SourceArn")).toMatchObject({ test: "ArnLike" });
      expect(conditionOf(trust, "aws:SourceArn")!.values.map(resolve)).toEqual([`arn:aws:fis:us-east-1:${ACCOUNT}:experiment/*`]);
    }
  });

  test("GIVEN each template THEN it is created after its role's policy (FIS checks nothing at creation, the experiment would fail at once)", () => {
    for (const template of GAME_DAY_TEMPLATES) {
      const [, t] = templateOf(json(), template);
      const [roleName] = roleOfTemplate(json(), template);
      const policies = entries(json(), "aws_iam_role_policy").filter(([, p]) => p.role === `\${aws_iam_role.${roleName}.id}`).map(([n]) => `aws_iam_role_policy.${n}`);
      expect(policies).toHaveLength(1);
      expect(t.depends_on).toEqual(expect.arrayContaining(policies));
    }
  });

  test("GIVEN each role THEN it holds exactly its action's permissions (FIS actions reference) and the experiment-log permissions", () => {
    const logs = ["logs:CreateLogDelivery", "logs:DescribeLogGroups", "logs:DescribeResourcePolicies", "logs:PutResourcePolicy"];
    const expected: Record<GameDayTemplate, string[]> = {
      "stop-tasks": ["ecs:DescribeTasks", "ecs:ListTasks", "ecs:StopTask", "tag:GetResources"],
      "disrupt-network": [
        "ec2:CreateNetworkAcl",
        "ec2:CreateNetworkAcl",
        "ec2:CreateNetworkAclEntry",
        "ec2:CreateTags",
        "ec2:DeleteNetworkAcl",
        "ec2:DescribeManagedPrefixLists",
        "ec2:DescribeNetworkAcls",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
        "ec2:GetManagedPrefixListEntries",
        "ec2:ReplaceNetworkAclAssociation",
        "ec2:ReplaceNetworkAclAssociation",
      ],
      "db-writer": ["rds:DescribeDBClusters", "rds:FailoverDBCluster", "tag:GetResources"],
      "db-failover": ["iam:PassRole", "ssm:GetAutomationExecution", "ssm:StartAutomationExecution", "ssm:StopAutomationExecution"],
    };
    for (const template of GAME_DAY_TEMPLATES) {
      const [roleName] = roleOfTemplate(json(), template);
      expect([template, actionsOf(statementsOfRole(json(), roleName))]).toEqual([template, [...expected[template], ...logs].sort()]);
    }
  });

  test("GIVEN the stop-tasks role THEN it may stop and describe only tagged tasks of the project's cluster in this region", () => {
    const statements = statementsOfRole(json(), roleOfTemplate(json(), "stop-tasks")[0]);
    const [stop] = withAction(statements, "ecs:StopTask");
    expect(stop.resources.map(resolve)).toEqual([`arn:aws:ecs:us-east-1:${ACCOUNT}:task/txdr-app-dev/*`]);
    expect(conditionOf(stop, "ecs:cluster")).toMatchObject({ test: "ArnEquals" });
    expect(conditionOf(stop, "ecs:cluster")!.values.map(resolve)).toEqual([`arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/txdr-app-dev`]);
    expect(conditionOf(stop, "aws:ResourceTag/Project")).toEqual({ test: "StringEquals", variable: "aws:ResourceTag/Project", values: ["txdr"] });
    expect(conditionOf(stop, "aws:ResourceTag/Environment")).toEqual({ test: "StringEquals", variable: "aws:ResourceTag/Environment", values: ["dev"] });
    const [list] = withAction(statements, "ecs:ListTasks");
    expect(list.resources.map(resolve)).toEqual([`arn:aws:ecs:us-east-1:${ACCOUNT}:container-instance/txdr-app-dev/*`]);
    expect(conditionOf(list, "ecs:cluster")!.values.map(resolve)).toEqual([`arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/txdr-app-dev`]);
  });

  test("GIVEN the disrupt-network role THEN it swaps the ACLs of the named private subnets (tagged) within the project's VPC, and edits only ACLs FIS created", () => {
    const statements = statementsOfRole(json(), roleOfTemplate(json(), "disrupt-network")[0]);
    const vpc = `arn:aws:ec2:us-east-1:${ACCOUNT}:vpc/${VPC}`;
    const acls = `arn:aws:ec2:us-east-1:${ACCOUNT}:network-acl/*`;
    const [subnets, aclSide] = withAction(statements, "ec2:ReplaceNetworkAclAssociation");
    expect(subnets.resources.map(resolve)).toEqual(SUBNETS.map((id) => `arn:aws:ec2:us-east-1:${ACCOUNT}:subnet/${id}`));
    expect(conditionOf(subnets, "aws:ResourceTag/Project")!.values).toEqual(["txdr"]);
    expect(conditionOf(subnets, "aws:ResourceTag/Environment")!.values).toEqual(["dev"]);
    // The subnets' own ACL is the VPC's default one, untagged: it is limited to the VPC so that FIS can put it back.
    expect(aclSide.resources.map(resolve)).toEqual([acls]);
    expect(aclSide.condition!.map((c) => ({ ...c, values: c.values.map(resolve) }))).toEqual([{ test: "ArnEquals", variable: "ec2:Vpc", values: [vpc] }]);
    const [createInVpc, createAcl] = withAction(statements, "ec2:CreateNetworkAcl");
    expect(createInVpc.resources.map(resolve)).toEqual([vpc]);
    expect(conditionOf(createAcl, `aws:RequestTag/${FIS_MANAGED_TAG.key}`)!.values).toEqual([FIS_MANAGED_TAG.value]);
    const [tag] = withAction(statements, "ec2:CreateTags");
    expect(conditionOf(tag, "ec2:CreateAction")!.values).toEqual(["CreateNetworkAcl"]);
    expect(conditionOf(tag, `aws:RequestTag/${FIS_MANAGED_TAG.key}`)!.values).toEqual(["true"]);
    const [edit] = withAction(statements, "ec2:DeleteNetworkAcl");
    expect(edit.actions.sort()).toEqual(["ec2:CreateNetworkAclEntry", "ec2:DeleteNetworkAcl"]);
    expect(edit.resources.map(resolve).sort()).toEqual([acls, vpc].sort());
    expect(conditionOf(edit, `ec2:ResourceTag/${FIS_MANAGED_TAG.key}`)!.values).toEqual(["true"]);
  });

  test("GIVEN the db-writer role THEN it may fail over only the region's cluster, by ARN and the project's tags", () => {
    const statements = statementsOfRole(json(), roleOfTemplate(json(), "db-writer")[0]);
    const cluster = `arn:aws:rds:us-east-1:${ACCOUNT}:cluster:txdr-db-use1-dev`;
    const [failover] = withAction(statements, "rds:FailoverDBCluster");
    expect(failover.resources.map(resolve)).toEqual([cluster]);
    expect(conditionOf(failover, "aws:ResourceTag/Project")!.values).toEqual(["txdr"]);
    expect(withAction(statements, "rds:DescribeDBClusters")[0].resources.map(resolve)).toEqual([cluster]);
    expect(statements.flatMap((s) => s.actions).filter((a) => /Global/.test(a))).toEqual([]);
  });

  test("GIVEN the db-failover role THEN it may start only the runbook document, and pass only the automation role, to SSM only", () => {
    const statements = statementsOfRole(json(), roleOfTemplate(json(), "db-failover")[0]);
    const [automationRoleName] = entries(json(), "aws_iam_role").find(([, r]) => r.name === "txdr-fis-automation-use1-dev")!;
    const [start] = withAction(statements, "ssm:StartAutomationExecution");
    expect(start.resources.map(resolve).sort()).toEqual(
      [
        `arn:aws:ssm:us-east-1:${ACCOUNT}:automation-definition/txdr-game-day-failover-dev:*`,
        `arn:aws:ssm:us-east-1:${ACCOUNT}:automation-execution/*`,
        `arn:aws:ssm:us-east-1:${ACCOUNT}:document/txdr-game-day-failover-dev`,
      ].sort(),
    );
    const [pass] = withAction(statements, "iam:PassRole");
    expect(pass.resources).toEqual([`\${aws_iam_role.${automationRoleName}.arn}`]);
    expect(pass.condition).toEqual([{ test: "StringEquals", variable: "iam:PassedToService", values: ["ssm.amazonaws.com"] }]);
  });

  test("GIVEN every role THEN logs go only through CloudWatch Logs vended delivery, as the CloudWatch Logs guide lists it", () => {
    for (const template of GAME_DAY_TEMPLATES) {
      const statements = statementsOfRole(json(), roleOfTemplate(json(), template)[0]);
      const [delivery] = withAction(statements, "logs:CreateLogDelivery");
      expect(delivery).toMatchObject({ actions: ["logs:CreateLogDelivery"], resources: ["*"] });
      const [policy] = withAction(statements, "logs:PutResourcePolicy");
      expect(policy.actions.sort()).toEqual(["logs:DescribeLogGroups", "logs:DescribeResourcePolicies", "logs:PutResourcePolicy"]);
      expect(policy.resources.map(resolve)).toEqual([`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:*`]);
    }
  });

  test("GIVEN any statement of the game-day roles on \"*\" THEN it holds only actions without resource-level permissions and is held to this region", () => {
    const roles = entries(json(), "aws_iam_role").map(([name]) => name);
    const starred = roles.flatMap((name) => statementsOfRole(json(), name)).filter((s) => s.resources.includes("*"));
    expect(starred.length).toBeGreaterThan(0);
    for (const s of starred) {
      for (const action of s.actions) expect(actionNeedsStarResource(action) ? action : `${action} on *`).toBe(action);
      expect(conditionOf(s, "aws:RequestedRegion")).toEqual({ test: "StringEquals", variable: "aws:RequestedRegion", values: ["us-east-1"] });
    }
    // Every other statement names resources of this region (or IAM's global ones).
    for (const s of roles.flatMap((name) => statementsOfRole(json(), name)).filter((s) => !s.resources.includes("*"))) {
      for (const r of s.resources.map(resolve)) if (r.startsWith("arn:")) expect(r).toMatch(/^arn:aws:(iam::|[a-z0-9-]+:us-east-1:)/);
    }
  });

  test("GIVEN the automation role THEN SSM Automation of this account assumes it, and it may start and follow this region's failover runbook only", () => {
    const [name, role] = entries(json(), "aws_iam_role").find(([, r]) => r.name === "txdr-fis-automation-use1-dev")!;
    const trust = trustOf(json(), role);
    expect(trust.principals).toEqual([{ type: "Service", identifiers: ["ssm.amazonaws.com"] }]);
    expect(conditionOf(trust, "aws:SourceAccount")).toBeDefined();
    expect(conditionOf(trust, "aws:SourceArn")!.values.map(resolve)).toEqual([`arn:aws:ssm:us-east-1:${ACCOUNT}:automation-execution/*`]);
    const statements = statementsOfRole(json(), name);
    expect(statements.map((s) => ({ actions: s.actions, resources: s.resources.map(resolve) }))).toEqual([
      { actions: ["states:StartExecution"], resources: [`arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:txdr-failover-dev`] },
      { actions: ["states:DescribeExecution"], resources: [`arn:aws:states:us-east-1:${ACCOUNT}:execution:txdr-failover-dev:*`] },
    ]);
  });

  test("GIVEN the document THEN it parses as JSON, is an Automation document of schema 0.3 with a dry run by default, and starts this region's failover runbook as the automation role", () => {
    const [, document] = entries(json(), "aws_ssm_document")[0];
    const [automationRoleName] = entries(json(), "aws_iam_role").find(([, r]) => r.name === "txdr-fis-automation-use1-dev")!;
    expect(document).toMatchObject({ name: "txdr-game-day-failover-dev", document_type: "Automation", document_format: "JSON" });
    const content = JSON.parse(document.content);
    expect(content.schemaVersion).toBe("0.3");
    expect(content.assumeRole).toBe(`\${aws_iam_role.${automationRoleName}.arn}`);
    expect(content.parameters.DryRun).toMatchObject({ type: "Boolean", default: true });
    expect(content.parameters.Strategy).toMatchObject({ type: "String", default: "planned", allowedValues: ["planned", "auto"] });
    expect(content.parameters.Reason).toMatchObject({ type: "String", allowedPattern: REASON_PATTERN });
    const [start, wait, assert] = content.mainSteps;
    expect(start).toMatchObject({ action: "aws:executeAwsApi", inputs: { Service: "stepfunctions", Api: "StartExecution" } });
    expect(resolve(start.inputs.stateMachineArn)).toBe(`arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:txdr-failover-dev`);
    expect(wait).toMatchObject({ action: "aws:waitForAwsResourceProperty", timeoutSeconds: 3600, inputs: { Api: "DescribeExecution", DesiredValues: [...RUNBOOK_END_STATES] } });
    expect(assert).toMatchObject({ action: "aws:assertAwsResourceProperty", isEnd: true, inputs: { DesiredValues: ["SUCCEEDED"] } });
    for (const step of [wait, assert]) expect(step.inputs.executionArn).toBe(`{{ ${start.name}.ExecutionArn }}`);
  });

  test("GIVEN the document's execution input WHEN SSM fills in the parameters THEN it is a failover request the runbook accepts", () => {
    const [, document] = entries(json(), "aws_ssm_document")[0];
    const start = JSON.parse(document.content).mainSteps[0].inputs;
    const fill = (template: string, values: Record<string, string>) => template.replace(/\{\{ (\w+) \}\}/g, (_, name) => values[name]);
    for (const [dryRun, strategy] of [["true", "planned"], ["false", "auto"]]) {
      const request = JSON.parse(fill(start.input, { DryRun: dryRun, Strategy: strategy, Reason: "CHG-1234 game day: db-failover (dry run)" }));
      expect(request).toEqual({ dryRun: dryRun === "true", strategy, reason: "CHG-1234 game day: db-failover (dry run)", requestedBy: "operator" });
      expect(FAILOVER_STRATEGIES).toContain(request.strategy);
      expect(REQUESTERS).toContain(request.requestedBy);
    }
    // A reason that could break out of the JSON string is refused by the parameter's pattern.
    for (const bad of ['x", "strategy": "unplanned', "back\\slash", ""]) expect(new RegExp(REASON_PATTERN).test(bad)).toBe(false);
    // The execution name: the prefix and the automation's id (a UUID), within Step Functions' 80 characters.
    expect(start.name).toBe(`${EXECUTION_NAME_PREFIX}{{ automation:EXECUTION_ID }}`);
    expect(`${EXECUTION_NAME_PREFIX}${"0".repeat(36)}`.length).toBeLessThanOrEqual(80);
  });

  test("GIVEN the templates THEN their ids are stack outputs named for the command in docs/game-day.md", () => {
    expect(Object.keys(json().output).sort()).toEqual(GAME_DAY_TEMPLATES.map((t) => `game_day_${t.replace(/-/g, "_")}_template_id`).sort());
    for (const template of GAME_DAY_TEMPLATES) {
      const [name] = templateOf(json(), template);
      expect(json().output[`game_day_${template.replace(/-/g, "_")}_template_id`].value).toBe(`\${aws_fis_experiment_template.${name}.id}`);
    }
  });

  test("GIVEN a permissions boundary THEN every game-day role carries it", () => {
    const { json: bounded } = build({ boundary: BOUNDARY });
    const roles = entries(bounded, "aws_iam_role").map(([, r]) => r);
    expect(roles).toHaveLength(GAME_DAY_TEMPLATES.length + 1);
    for (const role of roles) expect(role.permissions_boundary).toBe(BOUNDARY);
  });
});

// ------------------------------------------------------------------------------------------------ configuration

describe("game-day configuration", () => {
  function problemsOf(raw: unknown): string[] {
    try {
      validateConfig(raw, "test.json");
    } catch (error) {
      if (error instanceof ConfigError) return error.problems.map((p) => `${p.path}: ${p.message}`);
      throw error;
    }
    return [];
  }

  test("GIVEN no gameDay section THEN the templates are on, stop ALL tasks, cut the network for 10 minutes and dry-run a planned failover", () => {
    expect(configVariant("dev", { gameDay: undefined }).gameDay).toEqual({
      enabled: true,
      observationMinutes: 10,
      stopTasks: { selectionMode: "ALL" },
      disruptConnectivity: { subnetTiers: ["private"], durationMinutes: 10 },
      databaseFailover: { dryRun: true, strategy: "planned", maxDurationMinutes: 60 },
    });
  });

  test.each(["COUNT(0)", "PERCENT(101)", "SOME", "count(1)", "PERCENT(50 )"])("GIVEN the selection mode %s THEN the configuration is refused with one message naming the field", (mode) => {
    expect(problemsOf(rawVariant("dev", { gameDay: { stopTasks: { selectionMode: mode } } }))).toEqual([
      "gameDay.stopTasks.selectionMode: must be ALL, COUNT(n) with n from 1 to 1000, or PERCENT(n) with n from 1 to 100 (AWS FIS selection modes)",
    ]);
  });

  test.each([
    [{ disruptConnectivity: { durationMinutes: 721 } }, "gameDay.disruptConnectivity.durationMinutes"],
    [{ databaseFailover: { strategy: "unplanned" } }, "gameDay.databaseFailover.strategy"],
    [{ databaseFailover: { maxDurationMinutes: 0 } }, "gameDay.databaseFailover.maxDurationMinutes"],
    [{ disruptConnectivity: { subnetTiers: [] } }, "gameDay.disruptConnectivity.subnetTiers"],
    [{ disruptConnectivity: { subnetTiers: ["private", "private"] } }, "gameDay.disruptConnectivity.subnetTiers"],
    [{ disruptConnectivity: { subnetTiers: ["isolated"] } }, "gameDay.disruptConnectivity.subnetTiers.0"],
  ])("GIVEN %j THEN the configuration is refused at %s", (patch, field) => {
    const problems = problemsOf(rawVariant("dev", { gameDay: patch }));
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith(`${field}: `)).toBe(true);
  });
});

// ------------------------------------------------------------------------------------------------ the ops stacks

const SHIPPED = shippedConfigFiles().map((f) => path.basename(f, ".json"));
const alarmNames = (stack: TerraformJson): string[] =>
  ["aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm"].flatMap((type) => Object.values<any>(stack.resource?.[type] ?? {}).map((a) => a.alarm_name));

describe.each(SHIPPED)("game-day templates in the %s configuration", (name) => {
  let config: DrConfig;
  let app: SynthesizedApp;
  beforeAll(() => {
    config = configVariant(name);
    app = synthConfig(config);
  });
  const regions = () => [config.regions.primary, config.regions.secondary];

  test("GIVEN each ops stack THEN it has the four templates of its own region, and every stop condition names an alarm of that region that the ops or data stack creates", () => {
    for (const region of regions()) {
      const ops = app.stacks[`ops-${region}`];
      const templates = Object.values<any>(ops.resource.aws_fis_experiment_template);
      expect(templates).toHaveLength(GAME_DAY_TEMPLATES.length);
      const existing = new Set([...alarmNames(ops), ...alarmNames(app.stacks[`data-${region}`])]);
      for (const t of templates) {
        expect(t.description).toContain(region);
        for (const condition of t.stop_condition) {
          const m = /^arn:\$\{data\.aws_partition\.[^}]+\.partition\}:cloudwatch:([a-z0-9-]+):\$\{data\.aws_caller_identity\.[^}]+\.account_id\}:alarm:(.+)$/.exec(condition.value);
          expect([condition.value, m?.[1]]).toEqual([condition.value, region]);
          expect([m![2], existing.has(m![2])]).toEqual([m![2], true]);
        }
      }
    }
  });

  test("GIVEN the targets' tags THEN exactly the private subnets of the region's base stack carry them, and the cluster and service are the ones in the parameters and filters", () => {
    for (const region of regions()) {
      const ops = app.stacks[`ops-${region}`];
      const target = (actionId: string) =>
        Object.values<any>(ops.resource.aws_fis_experiment_template).find((t) => t.action[0].action_id === actionId).target[0];
      const matches = (tags: Record<string, string>, wanted: { key: string; value: string }[]) => wanted.every(({ key, value }) => tags[key] === value);

      const base = app.stacks[`base-${region}`];
      const subnets = Object.values<any>(base.resource.aws_subnet);
      const disrupt = Object.values<any>(ops.resource.aws_fis_experiment_template).find((t) => t.action[0].action_id === "aws:network:disrupt-connectivity");
      expect(disrupt.target).toHaveLength(config.gameDay.disruptConnectivity.subnetTiers.length);
      for (const subnetTarget of disrupt.target) {
        const tier = subnetTarget.resource_tag.find((tag: any) => tag.key === "Tier").value;
        const selected = subnets.filter((s) => matches(effectiveTags(base, s), subnetTarget.resource_tag));
        expect(selected.length).toBe(config.network.availabilityZones);
        for (const s of selected) expect(s.tags.Tier).toBe(tier);
      }

      const data = app.stacks[`data-${region}`];
      const clusterTarget = target("aws:rds:failover-db-cluster");
      const clusters = Object.values<any>(data.resource.aws_rds_cluster).filter((c) => matches(effectiveTags(data, c), clusterTarget.resource_tag));
      expect(clusters.map((c) => c.cluster_identifier)).toEqual(clusterTarget.filter[0].values);

      const appStack = app.stacks[`app-${region}`];
      const taskTarget = target("aws:ecs:stop-task");
      const [service] = Object.values<any>(appStack.resource.aws_ecs_service);
      const [cluster] = Object.values<any>(appStack.resource.aws_ecs_cluster);
      expect(service.propagate_tags).toBe("SERVICE");
      expect(matches(effectiveTags(appStack, service), taskTarget.resource_tag)).toBe(true);
      expect(taskTarget.parameters).toEqual({ cluster: cluster.name, service: service.name });
    }
  });

  test("GIVEN the db-failover document THEN the runbook it starts is the failover state machine of the same stack, and its role may start nothing else", () => {
    for (const region of regions()) {
      const ops = app.stacks[`ops-${region}`];
      const [document] = Object.values<any>(ops.resource.aws_ssm_document);
      const arn: string = JSON.parse(document.content).mainSteps[0].inputs.stateMachineArn;
      const machineName = arn.split(":stateMachine:")[1];
      expect(arn).toContain(`:states:${region}:`);
      expect(Object.values<any>(ops.resource.aws_sfn_state_machine).map((m) => m.name)).toContain(machineName);
      expect(machineName).toBe(`${config.project}-failover-${config.suffix}`);
    }
  });

  test("GIVEN the experiment log group THEN it is encrypted with the region's logs key and kept for retention.logDays", () => {
    for (const region of regions()) {
      const ops = app.stacks[`ops-${region}`];
      const group = Object.values<any>(ops.resource.aws_cloudwatch_log_group).find((g) => g.name.startsWith("/aws/vendedlogs/fis/"));
      expect(group.retention_in_days).toBe(config.retention.logDays);
      const alias = /^\$\{data\.aws_kms_alias\.([^.]+)\.target_key_arn\}$/.exec(group.kms_key_id)![1];
      expect(ops.data.aws_kms_alias[alias].name).toBe(`alias/${config.project}-logs-${config.suffix}`);
    }
  });

  test("GIVEN every stack THEN nothing starts an experiment or runs the document: no association, schedule, rule target or provisioner reaches FIS or SSM Automation", () => {
    for (const [id, stack] of Object.entries(app.stacks)) {
      const types = Object.keys(stack.resource ?? {});
      expect([id, types.filter((t) => /^aws_(ssm_association|ssm_maintenance_window|scheduler_schedule|fis_(?!experiment_template))/.test(t))]).toEqual([id, []]);
      for (const target of Object.values<any>(stack.resource?.aws_cloudwatch_event_target ?? {})) {
        expect(String(target.arn)).not.toMatch(/:fis:|automation-definition|aws_ssm_document|aws_fis_/);
      }
      for (const byName of Object.values<any>(stack.resource ?? {})) for (const body of Object.values<any>(byName)) expect(body.provisioner).toBeUndefined();
    }
  });
});

describe("game-day templates and the active region", () => {
  test("GIVEN the active region swapped THEN no template address changes, and only disrupt-network's stop conditions follow the new role", () => {
    const dev = synthConfig(configVariant("dev"));
    const swapped = synthConfig(configVariant("dev", { regions: { active: "us-east-2" } }));
    for (const region of ["us-east-1", "us-east-2"]) {
      const before = dev.stacks[`ops-${region}`].resource.aws_fis_experiment_template;
      const after = swapped.stacks[`ops-${region}`].resource.aws_fis_experiment_template;
      expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
      for (const [address, t] of Object.entries<any>(before)) {
        const changed = JSON.stringify(t.stop_condition) !== JSON.stringify(after[address].stop_condition);
        expect([t.tags.Name, changed]).toEqual([t.tags.Name, t.tags.Name.includes("disrupt-network")]);
      }
    }
  });

  test("GIVEN gameDay.enabled false THEN the ops stacks have no template, role, document or log group of the game days", () => {
    const off = synthConfig(configVariant("dev", { gameDay: { enabled: false } }));
    for (const region of ["us-east-1", "us-east-2"]) {
      const ops = off.stacks[`ops-${region}`];
      expect(ops.resource.aws_fis_experiment_template).toBeUndefined();
      expect(ops.resource.aws_ssm_document).toBeUndefined();
      expect(Object.values<any>(ops.resource.aws_iam_role).map((r) => r.name).filter((n) => n.includes("-fis-"))).toEqual([]);
      expect(ops.output).toBeUndefined();
    }
  });
});
