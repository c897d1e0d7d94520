/**
 * Reads the budget's inputs (model.ts) from the synthesized Terraform JSON,
 * not from the configuration: what the budget adds up is what would be
 * deployed. The Lambda functions' settings are read through the functions' own
 * configuration loaders, applied to the environment variables the JSON sets,
 * so a default the infrastructure leaves to the function is the function's.
 *
 * Both directions are budgeted (either region may be the one that takes over);
 * the worse one is the budget.
 */
import * as fs from "fs";
import * as path from "path";
import { loadMonitorConfig } from "../../lambda/health-monitor/config";
import { loadOrchestratorConfig } from "../../lambda/failover-orchestrator/config";
import { STEP_STATES } from "../../lambda/failover-orchestrator/state-machine";
import { BudgetInputs, CheckTiming } from "./model";

/** One stack's synthesized JSON. */
export type StackJson = {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly [key: string]: unknown;
};

export type SynthesizedApp = Readonly<Record<string, StackJson>>;

/** Reads every stack of a cdktf output directory. */
export function readSynthesized(outdir: string): SynthesizedApp {
  const stacksDir = path.join(outdir, "stacks");
  const app: Record<string, StackJson> = {};
  for (const id of fs.readdirSync(stacksDir).sort()) {
    const file = path.join(stacksDir, id, "cdk.tf.json");
    if (fs.existsSync(file)) app[id] = JSON.parse(fs.readFileSync(file, "utf8")) as StackJson;
  }
  return app;
}

export class BudgetExtractionError extends Error {
  constructor(message: string) {
    super(`The budget cannot be read from the synthesized Terraform: ${message}`);
    this.name = "BudgetExtractionError";
  }
}

function resources(stack: StackJson | undefined, type: string): Record<string, unknown>[] {
  return Object.values(stack?.resource?.[type] ?? {}) as Record<string, unknown>[];
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new BudgetExtractionError(`no ${what}`);
  return value;
}

/**
 * Values Terraform resolves only at apply time (ARNs holding the account, remote-state
 * outputs) appear as `${...}` tokens; `concrete(variable, region)` gives each such
 * variable a value of the right shape (the catalog's ARN for a stand-in account), so
 * the function's loader can read the rest. The budget reads no ARN.
 */
export type Concrete = (variable: string, region: string) => string;

/** The environment of the function whose name contains `marker`, with the region Lambda sets. */
function functionEnvironment(stack: StackJson, marker: string, region: string, concrete: Concrete): Record<string, string> {
  const fn = resources(stack, "aws_lambda_function").find((f) => String(f.function_name).includes(marker));
  const variables = (fn?.environment as { variables?: Record<string, string> } | undefined)?.variables;
  if (!variables) throw new BudgetExtractionError(`${marker} function in the ${region} ops stack`);
  const resolved = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, typeof v === "string" && v.includes("${") ? concrete(k, region) : v]));
  return { ...resolved, AWS_REGION: region };
}

/** The health check whose Name tag is `nameTag`: its resource key and its body. */
function taggedCheck(dns: StackJson, nameTag: string): { key: string; body: Record<string, unknown> } {
  const found = Object.entries(dns.resource?.aws_route53_health_check ?? {}).find(([, c]) => (c as { tags?: Record<string, string> }).tags?.Name === nameTag);
  if (!found) throw new BudgetExtractionError(`Route 53 health check tagged ${nameTag}`);
  return { key: found[0], body: found[1] as Record<string, unknown> };
}

function healthCheck(dns: StackJson, nameTag: string): CheckTiming {
  const { body } = taggedCheck(dns, nameTag);
  return { intervalSeconds: Number(body.request_interval), failureThreshold: Number(body.failure_threshold) };
}

function witnessTtl(dns: StackJson): number {
  const txt = resources(dns, "aws_route53_record").filter((r) => r.type === "TXT");
  if (txt.length === 0) throw new BudgetExtractionError("witness TXT records in the dns stack");
  return Math.max(...txt.map((r) => Number(r.ttl)));
}

/** The health check a `${aws_route53_health_check.<key>.id}` reference names. */
function referencedCheck(dns: StackJson, reference: unknown): { key: string; body: Record<string, unknown> } {
  const key = /^\$\{aws_route53_health_check\.([^.}]+)\.id\}$/.exec(String(reference))?.[1];
  const body = key !== undefined ? (dns.resource?.aws_route53_health_check?.[key] as Record<string, unknown> | undefined) : undefined;
  if (key === undefined || !body) throw new BudgetExtractionError(`Route 53 health check ${String(reference)}`);
  return { key, body };
}

/**
 * Worst case of a check failing when its whole region is down: an HTTPS check after its threshold; a calculated
 * check once fewer than its child threshold of children are healthy, that is when the (n - threshold + 1)-th
 * fastest child has failed.
 */
function regionDownLatency(dns: StackJson, check: Record<string, unknown>, depth = 0): number {
  if (check.type !== "CALCULATED") return Number(check.request_interval) * Number(check.failure_threshold);
  if (depth > 5) throw new BudgetExtractionError("a calculated health check that does not nest too deep");
  const children = ((check.child_healthchecks as string[] | undefined) ?? []).map((c) => regionDownLatency(dns, referencedCheck(dns, c).body, depth + 1)).sort((a, b) => a - b);
  const threshold = Number(check.child_health_threshold ?? 1);
  return need(children[children.length - threshold], "children of a calculated health check");
}

/** Whether a check is, or (calculated) depends on, the check with key `target`. */
function dependsOn(dns: StackJson, key: string, target: string, depth = 0): boolean {
  if (key === target) return true;
  const body = dns.resource?.aws_route53_health_check?.[key] as Record<string, unknown> | undefined;
  if (!body || body.type !== "CALCULATED" || depth > 5) return false;
  return ((body.child_healthchecks as string[] | undefined) ?? []).some((c) => dependsOn(dns, referencedCheck(dns, c).key, target, depth + 1));
}

/**
 * How clients reach `takeover` when the other region is lost, from the global records: Route 53 answers the record of
 * lower preference (SECONDARY, weight 0) only while it is healthy and the preferred one is not, and the preferred one
 * when every record is unhealthy. So clients are routed to `takeover` before its gate opens when its record is the
 * preferred one, or when that record's check does not depend on its gate check.
 */
function globalRouting(dns: StackJson, takeover: string, lost: string, gateCheckName: string, lostGateCheckName: string): BudgetInputs["route53"]["routing"] {
  const records = resources(dns, "aws_route53_record").filter((r) => r.type === "A" && typeof r.set_identifier === "string" && r.health_check_id !== undefined);
  const recordOf = (region: string) => need(records.find((r) => r.set_identifier === region), `global record of ${region}`);
  const preferred = (r: Record<string, unknown>) =>
    (r.failover_routing_policy as { type?: string } | undefined)?.type === "PRIMARY" || Number((r.weighted_routing_policy as { weight?: number } | undefined)?.weight ?? 0) > 0;
  const own = recordOf(takeover);
  const gate = taggedCheck(dns, gateCheckName);
  const lostGate = taggedCheck(dns, lostGateCheckName);
  const lostCheck = referencedCheck(dns, recordOf(lost).health_check_id);
  return {
    preRouted: preferred(own) || !dependsOn(dns, referencedCheck(dns, own.health_check_id).key, gate.key),
    takeoverPreferred: preferred(own),
    lostRecordSeconds: regionDownLatency(dns, lostCheck.body),
    lostRecordFollowsGate: dependsOn(dns, lostCheck.key, lostGate.key),
    lostGateSeconds: regionDownLatency(dns, lostGate.body),
  };
}

interface Definition {
  readonly States: Record<string, { Type: string; Next?: string; Default?: string; TimeoutSeconds?: number }>;
}

function failoverDefinition(ops: StackJson): Definition {
  const machine = resources(ops, "aws_sfn_state_machine").find((m) => String(m.name).includes("failover") && !String(m.name).includes("failback"));
  if (!machine) throw new BudgetExtractionError("failover state machine");
  return JSON.parse(String(machine.definition)) as Definition;
}

/** Task states from the start to `target` (the promotion call by default) along the path that promotes (no approval, no stand-down). */
function taskStatesTo(definition: Definition, target: string = STEP_STATES.promote): number {
  let name: string | undefined = Object.keys(definition.States)[0];
  let tasks = 0;
  for (let guard = 0; name && guard < 50; guard++) {
    const state: Definition["States"][string] | undefined = definition.States[name];
    if (!state) break;
    if (state.Type === "Task") tasks++;
    if (name === target) return tasks;
    // Choices: the promoting path is the default after assess, and "promote" after decide.
    name = state.Type === "Choice" ? (state.Default === STEP_STATES.standDown ? STEP_STATES.promote : state.Default) : state.Next;
  }
  throw new BudgetExtractionError(`a path from the start of the failover state machine to ${target}`);
}

function approvalTimeout(definition: Definition): number {
  return need(definition.States[STEP_STATES.requestApproval]?.TimeoutSeconds, "approval task timeout in the failover state machine");
}

/** Seconds of the largest threshold of the replication-lag alarms (the page), or null. */
function lagAlarmSeconds(stacks: StackJson[]): number | null {
  const thresholds = stacks.flatMap((s) =>
    resources(s, "aws_cloudwatch_metric_alarm")
      .filter((a) => a.metric_name === "AuroraGlobalDBReplicationLag" || a.metric_name === "AuroraGlobalDBRPOLag")
      .map((a) => Number(a.threshold) / 1000),
  );
  return thresholds.length > 0 ? Math.max(...thresholds) : null;
}

function globalDbRpo(stacks: StackJson[]): number | null {
  const values = stacks.flatMap((s) =>
    resources(s, "aws_rds_cluster_parameter_group").flatMap((g) =>
      ((g.parameter as { name: string; value: string }[] | undefined) ?? []).filter((p) => p.name === "rds.global_db_rpo").map((p) => Number(p.value)),
    ),
  );
  return values.length > 0 ? Math.max(...values) : null;
}

function backupInterval(stacks: StackJson[]): number | null {
  const rules = stacks.flatMap((s) => resources(s, "aws_backup_plan").flatMap((p) => (p.rule as Record<string, unknown>[] | undefined) ?? []));
  if (rules.length === 0) return null;
  if (rules.some((r) => r.enable_continuous_backup === true)) return 0;
  const hourly = rules.some((r) => /^cron\(\S+ \* \* \* \? \*\)$/.test(String(r.schedule)));
  return hourly ? 3600 : 86_400;
}

export interface ExtractOptions {
  readonly label: string;
  readonly targets: BudgetInputs["targets"];
  readonly regions: { readonly primary: string; readonly secondary: string };
  /** Stand-ins for the values resolved at apply time (see Concrete). */
  readonly concrete: Concrete;
}

/** The budget inputs for a failover INTO `takeover` (the other region is lost). */
export function extractInputs(app: SynthesizedApp, options: ExtractOptions, takeover: string): BudgetInputs {
  const lost = takeover === options.regions.primary ? options.regions.secondary : options.regions.primary;
  const ops = need(app[`ops-${takeover}`], `ops-${takeover} stack`);
  const dns = need(app.dns, "dns stack");
  const appStack = need(app[`app-${takeover}`], `app-${takeover} stack`);
  const monitor = loadMonitorConfig(functionEnvironment(ops, "health-monitor", takeover, options.concrete));
  const orchestrator = loadOrchestratorConfig(functionEnvironment(ops, "failover-orchestrator", takeover, options.concrete));
  const definition = failoverDefinition(ops);
  const checkName = (kind: string, region: string) => {
    const tagged = resources(dns, "aws_route53_health_check").map((c) => (c.tags as Record<string, string> | undefined)?.Name ?? "");
    const found = tagged.find((n) => n.endsWith(`-${kind}-${region}`));
    return need(found, `${kind} health check of ${region}`);
  };
  const targetGroup = resources(appStack, "aws_lb_target_group").find((t) => (t.health_check as { path?: string } | undefined)?.path !== undefined && !String(t.name).includes("-tx-"));
  const dataStacks = Object.entries(app).filter(([id]) => id.startsWith("data-")).map(([, s]) => s);
  const opsStacks = Object.entries(app).filter(([id]) => id.startsWith("ops-")).map(([, s]) => s);
  const replicationStacks = Object.entries(app).filter(([id]) => id.startsWith("cross-region")).map(([, s]) => s);
  const replicaStacks = Object.entries(app).filter(([id]) => id.startsWith("replicas-")).map(([, s]) => s);
  return {
    label: options.label,
    targets: options.targets,
    monitor: {
      sampleIntervalSeconds: monitor.sampleIntervalSeconds,
      consecutiveSamples: monitor.consecutiveSamples,
      staleHeartbeatSeconds: monitor.staleHeartbeatSeconds,
      replicationStallSeconds: monitor.replicationStallSeconds,
    },
    route53: {
      alive: healthCheck(dns, checkName("alive", lost)),
      gate: healthCheck(dns, checkName("gate", takeover)),
      witnessTtlSeconds: witnessTtl(dns),
      routing: globalRouting(dns, takeover, lost, checkName("gate", takeover), checkName("gate", lost)),
    },
    runbook: {
      authority: orchestrator.authority,
      approvalTimeoutSeconds: approvalTimeout(definition),
      onRpoBreach: orchestrator.onRpoBreach,
      pollIntervalSeconds: orchestrator.pollIntervalSeconds,
      peerTimeoutMs: orchestrator.peerTimeoutMs,
      peerRetryAttempts: orchestrator.peerRetry.maxAttempts,
      taskStatesToPromotion: taskStatesTo(definition),
      taskStatesToFence: taskStatesTo(definition, STEP_STATES.fence),
      replicationAllowanceSeconds: orchestrator.replicationAllowanceSeconds,
      inflightAllowanceSeconds: orchestrator.inflightAllowanceSeconds,
    },
    capacity: {
      targetGroupIntervalSeconds: Number((need(targetGroup, "service target group").health_check as { interval: number }).interval),
    },
    data: {
      globalDbRpoSeconds: globalDbRpo(dataStacks),
      lagAlarmSeconds: lagAlarmSeconds(opsStacks),
      s3ReplicationTimeControl: replicationStacks.some((s) => JSON.stringify(s.resource?.aws_s3_bucket_replication_configuration ?? {}).includes('"replication_time"')),
      dynamodbGlobalTables: replicaStacks.some((s) => resources(s, "aws_dynamodb_table_replica").length > 0),
      backupIntervalSeconds: backupInterval(dataStacks),
    },
  };
}
