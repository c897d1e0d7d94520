/**
 * AWS Fault Injection Service (FIS) game-day templates for one region's own
 * resources. Each region's ops stack has them, so a game day can target
 * whichever region is active now (and the other one after a failover). A
 * template is inert: creating it starts nothing; an experiment runs only when
 * someone calls `aws fis start-experiment` (docs/game-day.md).
 *
 * | template        | FIS action                           | targets (tags + resource type)                                   |
 * |-----------------|--------------------------------------|------------------------------------------------------------------|
 * | stop-tasks      | aws:ecs:stop-task, then aws:fis:wait | aws:ecs:task of the project's cluster and service                |
 * | disrupt-network | aws:network:disrupt-connectivity     | aws:ec2:subnet, the private (and optionally public) tier of the VPC |
 * | db-writer       | aws:rds:failover-db-cluster, wait    | aws:rds:cluster, the region's member of the global database      |
 * | db-failover     | aws:ssm:start-automation-execution   | none: the Automation document starts the region's failover runbook |
 *
 * Each template has its own role (game-day-permissions.ts: its action's
 * permissions only, on tagged resources of this region), stop conditions on
 * the region's critical alarms (`stopConditionsFor`), and logs (schema 2) to
 * one CloudWatch Logs group encrypted with the region's logs key.
 *
 * FIS has no action for an Aurora global-database failover, so db-failover runs
 * the project's own failover runbook through Systems Manager Automation
 * (runbook-start-document.ts says why that runbook).
 */
import { Construct } from "constructs";
import { ITerraformDependable, TerraformOutput } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { FisExperimentTemplate, FisExperimentTemplateAction, FisExperimentTemplateTarget } from "@cdktf/provider-aws/lib/fis-experiment-template";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SsmDocument } from "@cdktf/provider-aws/lib/ssm-document";
import { GAME_DAY_TEMPLATES, GameDayTemplate, RegionCatalog } from "../../lib/catalog";
import { DrConfig, RegionRole } from "../../lib/config/model";
import { TIER_TAG } from "../network/network";
import { EncryptedLogGroup } from "../observability/encrypted-log-group";
import { AccountContext } from "../security/account-context";
import { BoundedRole } from "../security/bounded-role";
import {
  GameDayResources,
  automationStatements,
  dbFailoverStatements,
  dbWriterStatements,
  disruptNetworkStatements,
  stopTasksStatements,
} from "./game-day-permissions";
import { RUNBOOK_DOCUMENT_PARAMETERS, runbookStartDocument } from "./runbook-start-document";

/** The gameDay section of the configuration. */
export type GameDaySettings = DrConfig["gameDay"];
/** A subnet tier disrupt-network may cut off. */
export type GameDaySubnetTier = GameDaySettings["disruptConnectivity"]["subnetTiers"][number];

/** FIS experiment log schema (monitoring-logging.html: "The current schema version is 2"). */
export const EXPERIMENT_LOG_SCHEMA_VERSION = 2;

/** The names the templates use: the catalog of their region. */
export type GameDayNames = Pick<RegionCatalog, "region" | "role" | "gameDay" | "ecsCluster" | "ecsService">;

/** The region's alarms the templates stop on, by ARN (built from their names in the catalog). */
export interface GameDayAlarms {
  /** The RPO guard (data stack): this region's cluster lags towards the RPO bound. */
  readonly rpoGuard: string;
  /** Error log lines of this region's failover orchestrator: a runbook step failed. */
  readonly orchestratorErrors: string;
  /** A failover runbook execution of this region failed, timed out or was aborted. */
  readonly failoverRunbookFailed: string;
  /** The composite "active region unhealthy" of this region (its canary of the active name, or the monitor's verdict). */
  readonly activeRegionUnhealthy: string;
}
export type GameDayAlarm = keyof GameDayAlarms;

/** Alarms every experiment stops on: data at risk, or the region's own recovery path failing. */
const SAFETY: readonly GameDayAlarm[] = ["rpoGuard", "orchestratorErrors", "failoverRunbookFailed"];

/**
 * What "hurting more than intended" means for each experiment, in this region's current role:
 * - stop-tasks and db-writer are in-region faults: the service and the cluster must recover in the
 *   region, so the active region looking unhealthy (customers see it, or the standby's monitor is
 *   counting towards a regional failover) stops them;
 * - disrupt-network in the active region is the "region lost" game day: the active region looking
 *   unhealthy is the point, and the other region's automation must fail over. In the standby region it
 *   must not touch the active region, so the same alarm stops it;
 * - db-failover fences the old region on purpose (its gate closes, its canary fails), so the composite
 *   would stop every successful run; it stops on the safety alarms only.
 */
export function stopConditionsFor(template: GameDayTemplate, role: RegionRole): readonly GameDayAlarm[] {
  switch (template) {
    case "stop-tasks":
    case "db-writer":
      return [...SAFETY, "activeRegionUnhealthy"];
    case "disrupt-network":
      return role === "standby" ? [...SAFETY, "activeRegionUnhealthy"] : SAFETY;
    case "db-failover":
      return SAFETY;
  }
}

export interface GameDayTargetTags {
  /** Tags every project resource carries (Project, Environment): required on every target. */
  readonly project: Readonly<Record<string, string>>;
  /** Further tags that pick the region's subnets (the base stack of this region); the tier tag is added per tier. */
  readonly subnets: Readonly<Record<string, string>>;
  /** Further tags that pick the region's cluster (the data stack of this region). */
  readonly cluster: Readonly<Record<string, string>>;
}

export interface GameDayExperimentsProps {
  readonly provider: AwsProvider;
  readonly account: AccountContext;
  readonly names: GameDayNames;
  /** ARN of the region's logs key (the experiment log group). */
  readonly logsKeyArn: string;
  /** retention.logDays. */
  readonly logRetentionDays: number;
  /** The region's VPC and its subnets by tier (disrupt-network cuts off the tiers gameDay.disruptConnectivity.subnetTiers names). */
  readonly network: { readonly vpcId: string; readonly subnetIds: Readonly<Record<GameDaySubnetTier, string[]>> };
  /** Identifier of the region's cluster (the db-writer target's filter). */
  readonly clusterIdentifier: string;
  /** Tags that select the targets. */
  readonly targetTags: GameDayTargetTags;
  /** The alarms the templates stop on. */
  readonly alarms: GameDayAlarms;
  readonly settings: GameDaySettings;
  /**
   * ARN of the permissions boundary of every role.
   * @default no boundary
   */
  readonly permissionsBoundaryArn?: string;
  /**
   * Resources the templates are created after (the stop-condition alarms of the same stack).
   * @default none
   */
  readonly dependsOn?: ITerraformDependable[];
}

const minutes = (n: number) => `PT${n}M`;
const tagList = (tags: Readonly<Record<string, string>>) => Object.entries(tags).map(([key, value]) => ({ key, value }));

export class GameDayExperiments extends Construct {
  readonly logGroup: EncryptedLogGroup;
  readonly roles: Readonly<Record<GameDayTemplate, BoundedRole>>;
  readonly automationRole: BoundedRole;
  readonly document: SsmDocument;
  readonly templates: Readonly<Record<GameDayTemplate, FisExperimentTemplate>>;

  constructor(scope: Construct, id: string, props: GameDayExperimentsProps) {
    super(scope, id);
    const { provider, account, names, settings } = props;
    const { region } = names;
    const arns = account.arns;

    this.logGroup = new EncryptedLogGroup(this, "logs", {
      provider,
      logGroupName: names.gameDay.logGroup,
      kmsKeyArn: props.logsKeyArn,
      retentionDays: props.logRetentionDays,
    });

    // The Automation document and the role it runs as: it may start this region's failover runbook only.
    this.automationRole = new BoundedRole(this, "automation-role", {
      provider,
      roleName: names.gameDay.automationRole,
      description: `Game day: the Automation document that starts the failover runbook of ${region}`,
      assumedBy: "ssm.amazonaws.com",
      trustConditions: [
        { test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] },
        { test: "ArnLike", variable: "aws:SourceArn", values: [arns.ssmAutomationExecutions] },
      ],
      permissionsBoundaryArn: props.permissionsBoundaryArn,
      statements: automationStatements(arns),
    });
    this.document = new SsmDocument(this, "runbook-document", {
      provider,
      name: names.gameDay.document,
      documentType: "Automation",
      documentFormat: "JSON",
      content: JSON.stringify(
        runbookStartDocument({
          stateMachineArn: arns.stateMachine("failover"),
          automationRoleArn: this.automationRole.arn,
          region,
          waitTimeoutSeconds: settings.databaseFailover.maxDurationMinutes * 60,
        }),
      ),
    });

    const tiers = settings.disruptConnectivity.subnetTiers;
    const resources: GameDayResources = {
      region,
      arns,
      projectTags: props.targetTags.project,
      vpcId: props.network.vpcId,
      disruptedSubnetIds: tiers.flatMap((tier) => props.network.subnetIds[tier]),
      documentName: names.gameDay.document,
      automationRoleArn: this.automationRole.arn,
    };
    const statements = {
      "stop-tasks": stopTasksStatements(resources),
      "disrupt-network": disruptNetworkStatements(resources),
      "db-writer": dbWriterStatements(resources),
      "db-failover": dbFailoverStatements(resources),
    } as const;
    const role = (template: GameDayTemplate) =>
      new BoundedRole(this, `${template}-role`, {
        provider,
        roleName: names.gameDay.experimentRoles[template],
        description: `Game day: the FIS ${template} experiment of ${region}`,
        assumedBy: "fis.amazonaws.com",
        trustConditions: [
          { test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] },
          { test: "ArnLike", variable: "aws:SourceArn", values: [arns.fisExperiments] },
        ],
        permissionsBoundaryArn: props.permissionsBoundaryArn,
        statements: [...statements[template]],
      });
    this.roles = Object.fromEntries(GAME_DAY_TEMPLATES.map((t) => [t, role(t)])) as Record<GameDayTemplate, BoundedRole>;

    const observe = (after: string): FisExperimentTemplateAction => ({
      name: "observe",
      actionId: "aws:fis:wait",
      description: `Keeps the experiment (and its stop conditions) running for ${settings.observationMinutes} minutes of recovery`,
      parameter: [{ key: "duration", value: minutes(settings.observationMinutes) }],
      startAfter: [after],
    });
    const projectTags = props.targetTags.project;
    const definitions: Record<GameDayTemplate, { description: string; actions: FisExperimentTemplateAction[]; targets: FisExperimentTemplateTarget[] }> = {
      "stop-tasks": {
        description: `Game day ${region}: stop ${settings.stopTasks.selectionMode} of the service's tasks; the service must replace them without a regional failover`,
        actions: [
          { name: "stop-tasks", actionId: "aws:ecs:stop-task", description: "Stops the selected tasks of the service", target: { key: "Tasks", value: "service-tasks" } },
          observe("stop-tasks"),
        ],
        targets: [
          {
            name: "service-tasks",
            resourceType: "aws:ecs:task",
            selectionMode: settings.stopTasks.selectionMode,
            resourceTag: tagList(projectTags),
            parameters: { cluster: names.ecsCluster, service: names.ecsService },
          },
        ],
      },
      "disrupt-network": {
        description:
          `Game day ${region}: deny all traffic in and out of the ${tiers.join(" and ")} subnets for ` +
          `${settings.disruptConnectivity.durationMinutes} minutes; FIS restores the network ACLs at the end`,
        actions: tiers.map((tier) => ({
          name: `disrupt-${tier}-subnets`,
          actionId: "aws:network:disrupt-connectivity",
          description: `Swaps each ${tier} subnet's network ACL for a deny-all copy, and back`,
          parameter: [
            { key: "duration", value: minutes(settings.disruptConnectivity.durationMinutes) },
            { key: "scope", value: "all" },
          ],
          target: { key: "Subnets", value: `${tier}-subnets` },
        })),
        targets: tiers.map((tier) => ({
          name: `${tier}-subnets`,
          resourceType: "aws:ec2:subnet",
          selectionMode: "ALL",
          resourceTag: tagList({ ...projectTags, ...props.targetTags.subnets, [TIER_TAG]: tier }),
          filter: [{ path: "VpcId", values: [props.network.vpcId] }],
        })),
      },
      "db-writer": {
        description: `Game day ${region}: fail the cluster's writer over to a replica in the region; the automation must not fail the region over`,
        actions: [
          {
            name: "failover-writer",
            actionId: "aws:rds:failover-db-cluster",
            description: "FailoverDBCluster: an in-region writer failover",
            target: { key: "Clusters", value: "regional-cluster" },
          },
          observe("failover-writer"),
        ],
        targets: [
          {
            name: "regional-cluster",
            resourceType: "aws:rds:cluster",
            selectionMode: "ALL",
            resourceTag: tagList({ ...projectTags, ...props.targetTags.cluster }),
            filter: [{ path: "DBClusterIdentifier", values: [props.clusterIdentifier] }],
          },
        ],
      },
      "db-failover": {
        description:
          `Game day ${region}: start the failover runbook of ${region} (moves the global database's writer here by the real protocol); ` +
          `dryRun ${settings.databaseFailover.dryRun}, strategy ${settings.databaseFailover.strategy}`,
        actions: [
          {
            name: "start-failover-runbook",
            actionId: "aws:ssm:start-automation-execution",
            description: "Runs the Automation document that starts the failover runbook and waits for it",
            parameter: [
              { key: "documentArn", value: this.document.arn },
              {
                key: "documentParameters",
                value: JSON.stringify({
                  [RUNBOOK_DOCUMENT_PARAMETERS.dryRun]: String(settings.databaseFailover.dryRun),
                  [RUNBOOK_DOCUMENT_PARAMETERS.strategy]: settings.databaseFailover.strategy,
                  [RUNBOOK_DOCUMENT_PARAMETERS.reason]: `FIS game day ${names.gameDay.templates["db-failover"]}`,
                }),
              },
              { key: "maxDuration", value: minutes(settings.databaseFailover.maxDurationMinutes) },
            ],
          },
        ],
        targets: [],
      },
    };

    const template = (name: GameDayTemplate) => {
      const def = definitions[name];
      const experimentRole = this.roles[name];
      const t = new FisExperimentTemplate(this, name, {
        provider,
        description: def.description,
        roleArn: experimentRole.arn,
        action: def.actions,
        target: def.targets.length > 0 ? def.targets : undefined,
        stopCondition: stopConditionsFor(name, names.role).map((alarm) => ({ source: "aws:cloudwatch:alarm", value: props.alarms[alarm] })),
        logConfiguration: {
          logSchemaVersion: EXPERIMENT_LOG_SCHEMA_VERSION,
          // The log group ARN with its ":*" suffix, as Step Functions takes it (docs/aws-facts.md 11(e)).
          cloudwatchLogsConfiguration: { logGroupArn: `${this.logGroup.arn}:*` },
        },
        // A target that resolves to nothing fails the experiment instead of "succeeding" on nothing.
        experimentOptions: { accountTargeting: "single-account", emptyTargetResolutionMode: "fail" },
        tags: { Name: names.gameDay.templates[name] },
        dependsOn: [
          ...experimentRole.node.findAll().filter((c): c is IamRolePolicy => c instanceof IamRolePolicy),
          ...(props.dependsOn ?? []),
        ],
      });
      new TerraformOutput(this, `${name}-template-id`, {
        value: t.id,
        description: `Id of the ${name} game-day experiment template of ${region} (aws fis start-experiment --experiment-template-id)`,
      }).overrideLogicalId(`game_day_${name.replace(/-/g, "_")}_template_id`);
      return t;
    };
    this.templates = Object.fromEntries(GAME_DAY_TEMPLATES.map((t) => [t, template(t)])) as Record<GameDayTemplate, FisExperimentTemplate>;
  }
}
