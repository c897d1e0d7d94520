/**
 * `npm run cost`: a monthly estimate per configuration, component by component, computed from the
 * synthesized Terraform JSON (what is deployed: instance classes and counts, tasks at their minimum, NAT
 * gateways, endpoints, health checks, alarms...) and the price table app/cost-prices.json (on-demand list
 * prices with their source and how each was checked, and the usage assumptions for what no resource fixes:
 * storage, requests, transfer). Pure: the script (scripts/cost.ts) synthesizes and prints or writes
 * docs/cost.md; __tests__/operator-tools.test.ts checks the arithmetic on the shipped configurations.
 */
import * as fs from "fs";
import * as path from "path";
import { SynthesizedApp, TerraformJson } from "./layout-check";

export interface PriceEntry {
  readonly usd: number;
  readonly unit: string;
  readonly source: string;
  readonly checked: string;
}
export interface PriceTable {
  readonly hoursPerMonth: number;
  readonly prices: Readonly<Record<string, PriceEntry>>;
  readonly assumptions: Readonly<Record<string, { readonly value: number; readonly why: string }>>;
}
/** The price file beside this module. */
export const PRICE_FILE = path.join(__dirname, "cost-prices.json");
export const PRICES: PriceTable = JSON.parse(fs.readFileSync(PRICE_FILE, "utf8")) as PriceTable;

export interface CostLine {
  readonly component: string;
  readonly region: string;
  /** How the quantity was counted, in words. */
  readonly basis: string;
  /** USD per month; null when the price table has no price for it (named in basis). */
  readonly monthly: number | null;
  /** Usage-driven (from the assumptions) rather than fixed by the synthesized resources. */
  readonly usage: boolean;
}

type Resource = Record<string, any>;

function resources(stack: TerraformJson, type: string): [string, Resource][] {
  return Object.entries<Resource>((stack.resource as Record<string, Record<string, Resource>> | undefined)?.[type] ?? {});
}

/** The region of a stack's default (unaliased) AWS provider. */
export function stackRegion(stack: TerraformJson): string {
  const providers = ((stack.provider as Record<string, Resource[]> | undefined)?.aws ?? []) as Resource[];
  return (providers.find((p) => !p.alias) ?? providers[0])?.region ?? "global";
}

const minutesOfRate = (expression: string | undefined): number | null => {
  const match = /^rate\((\d+) (minute|minutes|hour|hours)\)$/.exec(expression ?? "");
  if (!match) return null;
  return Number(match[1]) * (match[2]!.startsWith("hour") ? 60 : 1);
};

const count = (value: unknown, fallback: number): number => (Array.isArray(value) ? value.length : fallback);

export function estimate(app: SynthesizedApp, table: PriceTable = PRICES): CostLine[] {
  const H = table.hoursPerMonth;
  const p = (id: string): number | null => table.prices[id]?.usd ?? null;
  const price = (id: string): number => {
    const value = p(id);
    if (value === null) throw new Error(`app/cost-prices.json has no price ${id}`);
    return value;
  };
  const a = (id: string): number => {
    const value = table.assumptions[id]?.value;
    if (value === undefined) throw new Error(`app/cost-prices.json has no assumption ${id}`);
    return value;
  };
  const lines: CostLine[] = [];
  const add = (component: string, region: string, basis: string, monthly: number | null, usage = false) => lines.push({ component, region, basis, monthly, usage });
  const txPerMonth = a("transactionsPerHour") * H;

  for (const stack of Object.values(app.stacks)) {
    const region = stackRegion(stack);
    // Aurora instances: a provisioned class by the hour, Serverless v2 at its minimum ACU (the floor).
    const clusters = resources(stack, "aws_rds_cluster");
    for (const [, instance] of resources(stack, "aws_rds_cluster_instance")) {
      const cls = String(instance.instance_class);
      if (cls === "db.serverless") {
        const minAcu = Number(clusters[0]?.[1]?.serverlessv2_scaling_configuration?.min_capacity ?? 0.5);
        add("Aurora instances", region, `db.serverless at its minimum ${minAcu} ACU`, minAcu * price("aurora.db.serverless.acu.hour") * H);
      } else {
        const hourly = p(`aurora.${cls}.hour`);
        add("Aurora instances", region, hourly === null ? `${cls}: no price aurora.${cls}.hour in app/cost-prices.json` : `${cls} on demand`, hourly === null ? null : hourly * H);
      }
    }
    if (clusters.length > 0) {
      add("Aurora storage", region, `${a("auroraStorageGb")} GB (assumption)`, a("auroraStorageGb") * price("aurora.storage.gb"), true);
    }
    // Fargate: the service's task size times the scalable target's minimum, all month.
    const task = resources(stack, "aws_ecs_task_definition")[0]?.[1];
    const target = resources(stack, "aws_appautoscaling_target")[0]?.[1];
    if (task && target) {
      const vcpu = Number(task.cpu) / 1024;
      const gb = Number(task.memory) / 1024;
      const tasks = Number(target.min_capacity);
      add("Fargate tasks", region, `${tasks} task(s) x ${vcpu} vCPU / ${gb} GB (the scalable target's minimum)`, tasks * H * (vcpu * price("fargate.vcpu.hour") + gb * price("fargate.gb.hour")));
    }
    // Load balancers, with a public IPv4 address per zone.
    for (const [, lb] of resources(stack, "aws_lb")) {
      const zones = count(lb.subnets, 2);
      add("Load balancer", region, `1 ALB, ${a("albLcu")} LCU, ${zones} public IPv4`, H * (price("alb.hour") + a("albLcu") * price("alb.lcu.hour") + zones * price("ipv4.hour")));
    }
    // NAT gateways and their addresses; traffic by assumption.
    const nats = resources(stack, "aws_nat_gateway").length;
    if (nats > 0) {
      const eips = resources(stack, "aws_eip").length;
      add("NAT gateways", region, `${nats} gateway(s), ${eips} public IPv4`, H * (nats * price("nat.hour") + eips * price("ipv4.hour")));
      add("NAT data", region, `${a("natGbPerMonth")} GB (assumption)`, a("natGbPerMonth") * price("nat.gb"), true);
    }
    // Interface endpoints: per endpoint and zone.
    const interfaces = resources(stack, "aws_vpc_endpoint").filter(([, e]) => e.vpc_endpoint_type === "Interface");
    if (interfaces.length > 0) {
      const zoneHours = interfaces.reduce((sum, [, e]) => sum + count(e.subnet_ids, 2), 0);
      add("Interface endpoints", region, `${interfaces.length} endpoints, ${zoneHours} endpoint-zones`, zoneHours * H * price("vpce.interface.hour"));
    }
    const keys = resources(stack, "aws_kms_key").length;
    if (keys > 0) add("KMS keys", region, `${keys} customer-managed keys`, keys * price("kms.key.month"));
    for (const [, secret] of resources(stack, "aws_secretsmanager_secret")) {
      const replicas = count(secret.replica, 0);
      add("Secrets", region, `1 secret + ${replicas} replica(s)`, (1 + replicas) * price("secretsmanager.secret.month"));
    }
    const zones = resources(stack, "aws_route53_zone").length;
    if (zones > 0) add("Route 53", "global", `${zones} hosted zone(s)`, zones * price("route53.zone.month"));
    const checks = resources(stack, "aws_route53_health_check");
    if (checks.length > 0) {
      let monthly = 0;
      let options = 0;
      for (const [, check] of checks) {
        if (check.type === "CALCULATED" || check.type === "CLOUDWATCH_METRIC") monthly += price("route53.healthcheck.calculated.month");
        else {
          const opts = (String(check.type).startsWith("HTTPS") ? 1 : 0) + (Number(check.request_interval) === 10 ? 1 : 0) + (check.search_string ? 1 : 0) + (check.measure_latency ? 1 : 0);
          options += opts;
          monthly += price("route53.healthcheck.month") + opts * price("route53.healthcheck.option.month");
        }
      }
      add("Route 53 health checks", "global", `${checks.length} checks, ${options} optional features (HTTPS, 10 s interval...)`, monthly);
    }
    const alarms = resources(stack, "aws_cloudwatch_metric_alarm").length;
    const composites = resources(stack, "aws_cloudwatch_composite_alarm").length;
    const dashboards = resources(stack, "aws_cloudwatch_dashboard").length;
    if (alarms + composites + dashboards > 0) {
      add(
        "CloudWatch alarms and dashboards",
        region,
        `${alarms} alarms, ${composites} composite, ${dashboards} dashboards`,
        alarms * price("cloudwatch.alarm.month") + composites * price("cloudwatch.composite-alarm.month") + dashboards * price("cloudwatch.dashboard.month"),
      );
    }
    const canaries = resources(stack, "aws_synthetics_canary");
    if (canaries.length > 0) {
      const runs = canaries.reduce((sum, [, c]) => sum + (H * 60) / (minutesOfRate(c.schedule?.expression) ?? 5), 0);
      add("Synthetics canaries", region, `${canaries.length} canaries, ${Math.round(runs)} runs`, runs * price("synthetics.run"));
    }
    for (const [, acl] of resources(stack, "aws_wafv2_web_acl")) {
      const rules = count(acl.rule, 0);
      add("WAF", region, `1 web ACL, ${rules} rules`, price("waf.acl.month") + rules * price("waf.rule.month"));
    }
    // The scheduled health monitor: one invocation per sample, all month.
    for (const [name, rule] of resources(stack, "aws_cloudwatch_event_rule")) {
      const minutes = minutesOfRate(rule.schedule_expression);
      if (minutes === null || !name.includes("health-monitor")) continue;
      const fn = resources(stack, "aws_lambda_function").find(([n]) => n.includes("health-monitor"))?.[1];
      const memoryGb = Number(fn?.memory_size ?? 256) / 1024;
      const invocations = (H * 60) / minutes;
      add(
        "Lambda (health monitor)",
        region,
        `${invocations} invocations x ${a("lambdaAverageDurationSeconds")} s x ${memoryGb} GB`,
        (invocations / 1e6) * price("lambda.requests.million") + invocations * a("lambdaAverageDurationSeconds") * memoryGb * price("lambda.gb-second"),
        true,
      );
    }
    const vaults = resources(stack, "aws_backup_vault").length;
    if (vaults > 0) add("AWS Backup (Aurora recovery points)", region, `${a("backupGb")} GB (assumption)`, a("backupGb") * price("backup.aurora.gb"), true);
    if (resources(stack, "aws_flow_log").length > 0) {
      add("CloudWatch Logs ingestion", region, `${a("logsIngestGbPerMonth")} GB (assumption)`, a("logsIngestGbPerMonth") * price("cloudwatch.logs.ingest.gb"), true);
    }
  }

  // Traffic-driven, in the active region (the one whose service runs the larger minimum), replicated to the other.
  const activeRegion = lines.filter((l) => l.component === "Fargate tasks").sort((x, y) => (y.monthly ?? 0) - (x.monthly ?? 0))[0]?.region ?? null;
  const replicas = Object.values(app.stacks).reduce((sum, s) => sum + resources(s, "aws_dynamodb_table_replica").filter(([n]) => n.includes("txmeta")).length, 0);
  const writes = (txPerMonth * 2) / 1e6; // the record and its time-index entry
  add("DynamoDB writes (txmeta)", activeRegion ?? "active", `${txPerMonth} transactions, 2 WRU each, ${replicas} replica(s)`, writes * price("dynamodb.write.million") + writes * replicas * price("dynamodb.replicated-write.million"), true);
  const io = (txPerMonth * a("auroraIoPerTransaction")) / 1e6;
  add("Aurora I/O", activeRegion ?? "active", `${a("auroraIoPerTransaction")} I/Os per transaction (assumption), half replicated`, io * price("aurora.io.million") + (io / 2) * price("aurora.global.replicated-write-io.million"), true);
  add(
    "S3 storage and replication",
    "both",
    `${a("s3StoredGb")} GB per region, ${a("s3ReplicatedGbPerMonth")} GB replicated with RTC (assumptions)`,
    2 * a("s3StoredGb") * price("s3.standard.gb") + a("s3ReplicatedGbPerMonth") * (price("s3.rtc.gb") + price("transfer.inter-region.gb")),
    true,
  );
  add("WAF requests", activeRegion ?? "active", `${txPerMonth} requests`, (txPerMonth / 1e6) * price("waf.requests.million"), true);
  return lines;
}

export interface CostSummary {
  readonly label: string;
  readonly lines: readonly CostLine[];
  /** Sum per component (every region). */
  readonly byComponent: readonly { readonly component: string; readonly monthly: number; readonly usage: boolean }[];
  readonly fixed: number;
  readonly usage: number;
  readonly total: number;
  /** Lines without a price. */
  readonly unpriced: readonly CostLine[];
}

export function summarize(label: string, lines: readonly CostLine[]): CostSummary {
  const by = new Map<string, { component: string; monthly: number; usage: boolean }>();
  for (const line of lines) {
    const entry = by.get(line.component) ?? { component: line.component, monthly: 0, usage: line.usage };
    entry.monthly += line.monthly ?? 0;
    by.set(line.component, entry);
  }
  const byComponent = [...by.values()].sort((x, y) => y.monthly - x.monthly);
  const fixed = lines.filter((l) => !l.usage).reduce((s, l) => s + (l.monthly ?? 0), 0);
  const usage = lines.filter((l) => l.usage).reduce((s, l) => s + (l.monthly ?? 0), 0);
  return { label, lines, byComponent, fixed, usage, total: fixed + usage, unpriced: lines.filter((l) => l.monthly === null) };
}

const usd = (n: number) => `$${n.toFixed(2)}`;

/** What changes the estimate most, and the configuration field that changes it. */
export const LEVERS: readonly string[] = [
  "`database.instances.active` / `database.instances.standby` and `database.capacity` (instance class, or Serverless v2 with its minimum ACU): the largest fixed line in prod.",
  "`service.capacity.active.min` / `service.capacity.standby.min` with `service.cpu` / `service.memory`: Fargate runs the minimum all month; the warm standby's minimum is the price of a fast RTO.",
  "`network.natGateways` (`single` or `per-az`) and `network.availabilityZones`: each NAT gateway and its address is billed by the hour.",
  "`network.interfaceEndpoints`: each endpoint is billed per zone and hour (prod's set is one of its largest lines); the destroyable profile has none by default.",
  "`canaries.enabled` / `canaries.intervalMinutes`: runs are billed one by one.",
  "`waf.enabled`: a web ACL and its rules per region, plus requests.",
  "`backup.copyHourlyRecoveryPoints` and the `backup.*RetentionDays`: copies are transfer plus storage in the other region.",
];

export function costMarkdown(summaries: readonly CostSummary[], table: PriceTable = PRICES): string {
  const out: string[] = [
    "# Monthly cost estimate",
    "",
    "Generated by `npm run cost -- --write-docs` (app/cost.ts) from the synthesized Terraform JSON of each",
    "configuration and the price table `app/cost-prices.json`: on-demand list prices of US East, each with its",
    "AWS pricing page and how it was checked. It is an estimate, not a quote: **fixed** lines follow from the",
    "synthesized resources (classes, counts, minimum capacity, all month); **usage** lines follow from the",
    "assumptions at the end (10,000 transactions an hour, stored GB...). Taxes, support, data transfer to the",
    "internet, free tiers and savings plans are not included. Refresh the prices before budgeting.",
    "",
  ];
  for (const s of summaries) {
    out.push(`## ${s.label}`, "", `Total **${usd(s.total)} a month**: ${usd(s.fixed)} fixed, ${usd(s.usage)} usage.`, "");
    out.push("| component | fixed or usage | USD / month |", "|---|---|---:|");
    for (const c of s.byComponent) out.push(`| ${c.component} | ${c.usage ? "usage" : "fixed"} | ${usd(c.monthly)} |`);
    out.push("", "<details><summary>Per region, with the count behind each line</summary>", "", "| component | region | basis | USD / month |", "|---|---|---|---:|");
    for (const l of s.lines) out.push(`| ${l.component} | ${l.region} | ${l.basis} | ${l.monthly === null ? "no price" : usd(l.monthly)} |`);
    out.push("", "</details>", "");
  }
  out.push("## Levers", "", ...LEVERS.map((l) => `- ${l}`), "");
  out.push("## Prices", "", `${table.hoursPerMonth} hours a month.`, "", "| id | USD | unit | source | checked |", "|---|---:|---|---|---|");
  for (const [id, e] of Object.entries(table.prices)) out.push(`| \`${id}\` | ${e.usd} | ${e.unit} | ${e.source} | ${e.checked} |`);
  out.push("", "## Assumptions", "", "| id | value | why |", "|---|---:|---|");
  for (const [id, e] of Object.entries(table.assumptions)) out.push(`| \`${id}\` | ${e.value} | ${e.why} |`);
  return `${out.join("\n")}\n`;
}
