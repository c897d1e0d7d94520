/**
 * The durations the drill's model uses, by the ids of the AWS figures file
 * shared with the RTO/RPO budget (lib/budget/aws-figures.json: one entry per
 * id, `{ "value": number, "unit": "s", "source": ... }`).
 *
 * Source order: an explicit file (`--figures <path>` or DRILL_FIGURES), else
 * lib/budget/aws-figures.json when the repository has it, else the defaults
 * below, taken from the design brief (shared/design-brief.md, "Facts the design
 * must respect"). A file may hold any subset of the ids; missing ids keep
 * their defaults, and the report names the source of every figure used.
 */
import * as fs from "fs";
import * as path from "path";

export const FIGURE_IDS = {
  /**
   * Forced promotion of a secondary (FailoverGlobalCluster): the published figure the budget
   * (lib/budget/model.ts, phase "promotion") uses; aurora.globalFailover.seconds (600 s) is the
   * file's conservative assumption, not budgeted: run `--figures` with it to see its effect.
   */
  promotion: "aurora.globalFailover.published.seconds",
  /** Planned switchover (SwitchoverGlobalCluster). */
  switchover: "aurora.switchover.seconds",
  /** Aurora storage replication lag while healthy: "typically under 1 s". */
  auroraLag: "aurora.rpoLag.typical.seconds",
  /** TTL of an alias record to a load balancer. */
  dnsTtl: "alb.aliasTtl.seconds",
  /** Route 53 health-check interval when a check does not say (the synthesized `request_interval` wins). */
  route53Interval: "route53.healthCheck.interval.fast.seconds",
  /** From a health check changing status to Route 53's answers changing (the budget's detection and traffic phases). */
  dnsPropagation: "route53.dnsPropagationAfterHealthChange.seconds",
  /** DynamoDB global-table replication delay: "typically within a second". */
  ddbReplication: "dynamodb.globalReplication.seconds",
  /** Fargate task start (no image cache): "about a minute". */
  taskStart: "fargate.taskStart.seconds",
  /** CloudWatch alarm evaluation interval (metric health checks of Route 53). */
  alarmPeriod: "cloudwatch.alarmEvaluationInterval.seconds",
  /** Period of Aurora's CloudWatch metrics (AuroraGlobalDBReplicationLag is published once per period). */
  auroraMetricsPeriod: "aurora.metrics.period.seconds",
} as const;

export type FigureName = keyof typeof FIGURE_IDS;

/** Defaults from the design brief. */
export const BRIEF_DEFAULTS: Readonly<Record<FigureName, number>> = {
  promotion: 60,
  switchover: 60,
  auroraLag: 1,
  dnsTtl: 60,
  route53Interval: 10,
  dnsPropagation: 60,
  ddbReplication: 1,
  taskStart: 60,
  alarmPeriod: 60,
  auroraMetricsPeriod: 60,
};

export interface Figures {
  /** Seconds, by name. */
  readonly seconds: Readonly<Record<FigureName, number>>;
  /** Where each figure came from: the file path, or "design brief". */
  readonly sources: Readonly<Record<FigureName, string>>;
}

export const REPO_FIGURES_PATH = path.resolve(__dirname, "..", "lib", "budget", "aws-figures.json");

/** The figures of `file` (or the repository's file when present), the brief's defaults otherwise. */
export function loadFigures(file?: string): Figures {
  const chosen = file ?? process.env.DRILL_FIGURES ?? (fs.existsSync(REPO_FIGURES_PATH) ? REPO_FIGURES_PATH : undefined);
  const seconds = { ...BRIEF_DEFAULTS };
  const sources = Object.fromEntries(Object.keys(BRIEF_DEFAULTS).map((k) => [k, "design brief"])) as Record<FigureName, string>;
  if (!chosen) return { seconds, sources };
  const parsed = JSON.parse(fs.readFileSync(chosen, "utf8")) as Record<string, unknown>;
  return figuresFrom(parsed, path.relative(process.cwd(), chosen) || chosen);
}

/**
 * Figures from a parsed figures document: the figures file's shape (`{ "figures": { id: { value } } }`,
 * lib/budget/aws-figures.json) or a flat one (ids -> `{ value }` or a bare number).
 */
export function figuresFrom(raw: Record<string, unknown>, sourceName: string): Figures {
  const nested = raw.figures;
  const document = nested && typeof nested === "object" && !Array.isArray(nested) ? (nested as Record<string, unknown>) : raw;
  const seconds = { ...BRIEF_DEFAULTS } as Record<FigureName, number>;
  const sources = Object.fromEntries(Object.keys(BRIEF_DEFAULTS).map((k) => [k, "design brief"])) as Record<FigureName, string>;
  for (const [name, id] of Object.entries(FIGURE_IDS) as [FigureName, string][]) {
    const entry = document[id];
    const value = typeof entry === "number" ? entry : typeof entry === "object" && entry !== null ? (entry as { value?: unknown }).value : undefined;
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw new Error(`figures ${sourceName}: ${id} must be a non-negative number of seconds, got ${JSON.stringify(value)}`);
    seconds[name] = value;
    sources[name] = sourceName;
  }
  return { seconds, sources };
}
