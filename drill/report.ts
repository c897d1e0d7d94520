/**
 * The drill's report: a Markdown file (one table row per scenario, then per
 * scenario its findings and a Mermaid gantt chart of its virtual timeline) and
 * a JSON result with everything the Markdown shows.
 */
import { ScenarioResult } from "./scenario";

/** One safeguard removed by a test double (drill/doubles.ts) and what it did to its scenario. */
export interface DoubleResult {
  readonly id: string;
  readonly property: string;
  readonly safeguard: string;
  readonly double: string;
  readonly scenario: string;
  readonly expectedFailure: string;
  /** The scenario failed the expected way. */
  readonly broken: boolean;
  readonly detail: string;
}

export interface DrillRun {
  readonly configFile: string;
  readonly environment: string;
  readonly regions: { readonly active: string; readonly standby: string };
  readonly targets: { readonly rpoSeconds: number; readonly rtoSeconds: number };
  /** The RTO/RPO budget's RTO (lib/budget, the worse direction) of the configuration as synthesized. */
  readonly budgetRtoSeconds: number | null;
  readonly figures: { readonly name: string; readonly seconds: number; readonly source: string }[];
  readonly seed: number;
  readonly results: readonly ScenarioResult[];
  readonly doubles: readonly DoubleResult[];
}

/** A scenario counts as it should: passed, or a known protocol problem that still fails. */
export function asExpected(r: ScenarioResult): boolean {
  return r.knownProblem ? !r.passed : r.passed;
}

export function passed(run: DrillRun): boolean {
  return run.results.every((r) => asExpected(r) || (r.knownProblem !== undefined && r.passed)) && run.doubles.every((d) => d.broken);
}

function outcomeOf(r: ScenarioResult): string {
  if (r.knownProblem) return r.passed ? "pass (known problem no longer reproduces)" : "FAIL (known problem)";
  return r.passed ? "pass" : "FAIL";
}

const fmtSeconds = (s: number | null): string => (s === null ? "not recovered" : s >= 120 ? `${(s / 60).toFixed(1)} min` : `${s} s`);
const at = (s: number | null): string => (s === null ? "open" : `${s} s`);

function lossOf(r: ScenarioResult): string {
  if (r.dataLoss.length === 0) return "none (no forced failover)";
  return r.dataLoss
    .map((d) => {
      const lost = d.lostWrites === 0 ? "0 writes lost" : `${d.lostWrites} writes lost over ${d.windowSeconds.toFixed(1)} s (committed ${d.lostFromSeconds}-${d.lostToSeconds} s)`;
      const ddb = d.ddbUnreplicated > 0 ? `, ${d.ddbUnreplicated} txmeta items unreplicated` : "";
      const audit = d.audit
        ? `audit: ${d.audit.kind ?? "?"}${d.audit.estimateSeconds !== null ? ` ${d.audit.estimateSeconds.toFixed(1)} s` : ""}, Aurora window ${at(d.audit.auroraFromSeconds)}-${at(d.audit.auroraToSeconds)}`
        : "audit: no record";
      return `${lost}${ddb}; ${audit}`;
    })
    .join("; ");
}

function invariantsOf(r: ScenarioResult): string {
  if (r.violations.length === 0) return "all held";
  const names = [...new Set(r.violations.map((v) => v.invariant))];
  return `broken: ${names.join(", ")}`;
}

function rtoOf(r: ScenarioResult): string {
  const judged = r.rtoJudgement === "report" ? "reported" : r.rtoJudgement === "budget" ? `target ${fmtSeconds(r.rtoTargetSeconds)}, budget ${fmtSeconds(r.budgetRtoSeconds)}` : `target ${fmtSeconds(r.rtoTargetSeconds)}`;
  // A path the budget does not model (judged against the target only) that takes longer than the budget: shown, not failed.
  const overBudget =
    r.rtoJudgement === "target" && r.rtoSeconds !== null && r.budgetRtoSeconds !== null && r.rtoSeconds > r.budgetRtoSeconds
      ? `; ABOVE the budget's ${fmtSeconds(r.budgetRtoSeconds)}, a path the budget does not model`
      : "";
  return `${fmtSeconds(r.rtoSeconds)} (${judged}${overBudget})`;
}

function expectationsOf(r: ScenarioResult): string {
  const missed = r.expectations.filter((e) => !e.met);
  const targets = r.brokenTargets.length > 0 ? `; broken target: ${r.brokenTargets.join("; ")}` : "";
  return `${r.expectations.length - missed.length}/${r.expectations.length} met${missed.length > 0 ? ` (NOT: ${missed.map((e) => e.expectation).join("; ")})` : ""}${targets}`;
}

/** The summary table (also printed by `npm run drill`). */
export function table(run: DrillRun): string {
  const rows = run.results.map(
    (r) => `| ${r.title} | ${outcomeOf(r)} | ${rtoOf(r)} | ${lossOf(r)} | ${invariantsOf(r)} | ${expectationsOf(r)} |`,
  );
  return ["| scenario | outcome | RTO | data-loss window | invariants | expectations and targets |", "|---|---|---|---|---|---|", ...rows].join("\n");
}

function mermaidText(text: string): string {
  return text.replace(/[:#;,]/g, " ").replace(/\s+/g, " ").trim().slice(0, 60) || "-";
}

/** A Mermaid gantt of one scenario: faults, Route 53 changes, runbook states, the database, client traffic. */
export function gantt(r: ScenarioResult): string {
  const lines = ["```mermaid", "gantt", `  title ${mermaidText(r.title)} (virtual time)`, "  dateFormat X", "  axisFormat %H:%M:%S"];
  const lanes = [...new Set(r.spans.map((s) => s.lane))];
  const order = (lane: string) => (lane === "faults" ? 0 : lane === "route 53" ? 1 : lane === "database" ? 3 : lane === "client traffic" ? 4 : 2);
  lanes.sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  for (const lane of lanes) {
    lines.push(`  section ${mermaidText(lane)}`);
    const spans = r.spans.filter((s) => s.lane === lane).slice(0, 60);
    for (const s of spans) {
      const crit = /unhealthy|failed|down|unreachable|refused/i.test(s.label) ? "crit, " : "";
      lines.push(`  ${mermaidText(s.label)} :${crit}${s.fromSeconds}, ${Math.max(s.toSeconds, s.fromSeconds + 1)}`);
    }
  }
  lines.push("```");
  return lines.join("\n");
}

/** The safeguards table (P1-P8 with their doubles). */
export function doublesTable(run: DrillRun): string {
  const rows = run.doubles.map(
    (d) => `| ${d.property} | ${d.safeguard} | \`${d.scenario}\` | ${d.double} | ${d.expectedFailure} | ${d.broken ? "fails as expected" : "DID NOT FAIL"}: ${d.detail.replace(/\|/g, "/")} |`,
  );
  return ["| property | safeguard | scenario | double (safeguard removed) | expected failure | result |", "|---|---|---|---|---|---|", ...rows].join("\n");
}

export function markdown(run: DrillRun): string {
  const out: string[] = [];
  out.push(`# DR drill: ${run.environment} (${run.configFile})`);
  out.push("");
  out.push(
    `Generated by \`npm run drill -- --config ${run.configFile}\` (seed ${run.seed}): the emitted runbooks of the synthesized configuration with the real handlers (production bundle options, SDK external), the health monitors on their schedules, Route 53 from the dns stack, on a virtual clock. Active region ${run.regions.active}, standby ${run.regions.standby}; targets RPO ${run.targets.rpoSeconds} s, RTO ${run.targets.rtoSeconds} s; the RTO/RPO budget (lib/budget) of this configuration for the loss of a region: RTO ${run.budgetRtoSeconds ?? "n/a"} s (each scenario names the budget it is judged against).`,
  );
  out.push("");
  out.push(
    `Overall: ${passed(run) ? `every scenario met its targets, invariants and expectations${run.results.some((r) => r.knownProblem) ? " (known protocol problems excepted, listed below)" : ""}, and every safeguard's double broke its scenario` : "at least one scenario broke a target, an invariant or an expectation, or a double did not break its scenario"}.`,
  );
  out.push("");
  out.push(
    "RTO: from the first fault to the first committed client write after the last failed one; judged against the target and the budget (budget), the target only (a path the budget does not model), or only reported (no recovery expected, or a person's delay is part of the scenario). Data-loss window: the Aurora writes the model lost (their commit times, seconds into the run) and the txmeta global-table items not yet replicated, against what the audit record states (kind, estimate, Aurora window).",
  );
  out.push("");
  out.push(table(run));
  out.push("");
  const known = run.results.filter((r) => r.knownProblem);
  if (known.length > 0) {
    out.push("## Protocol problems the drill reproduces (not fixed)");
    out.push("");
    for (const r of known) out.push(`- \`${r.id}\` (${r.passed ? "no longer reproduces" : "fails as expected"}): ${r.knownProblem}`);
    out.push("");
  }
  out.push("## Safeguards removed: each property's double must break its scenario");
  out.push("");
  out.push(doublesTable(run));
  out.push("");
  out.push("Figures (seconds): " + run.figures.map((f) => `${f.name} ${f.seconds} (${f.source})`).join("; ") + ".");
  for (const r of run.results) {
    out.push("");
    out.push(`## ${r.title}`);
    out.push("");
    if (r.description) {
      out.push(r.description);
      out.push("");
    }
    out.push(`\`${r.id}\`${r.properties.length > 0 ? ` (${r.properties.join(", ")})` : ""}, ${r.durationSeconds} s of virtual time, ${r.evaluations} invariant evaluations. Writer at the end: ${r.writerAtEnd ?? "none"}.`);
    out.push(`Client requests through the global name: ${r.requests.total} (${r.requests.committed} committed, ${r.requests.failed} failed in the application, ${r.requests.refused} refused by the load balancer, ${r.requests.unreachable} unreachable or unresolved); to the regional names: ${r.regionalRequests.total} (${r.regionalRequests.committed} committed, ${r.regionalRequests.servedOutsideWriter} reached an application outside the writer's region).`);
    if (r.audits.length > 0) out.push(`Audit records: ${r.audits.map((a) => `${a.execution} (${a.region}): ${a.outcome ?? "?"}, decision ${a.decision ?? "none"}, strategy ${a.strategy ?? "?"}, data loss ${a.dataLossKind ?? "?"}`).join("; ")}.`);
    if (r.promotions.length > 0) out.push(`Promotions: ${r.promotions.map((p) => `${p.operation}${p.allowDataLoss ? " (AllowDataLoss)" : ""} in ${p.calledIn} at ${p.atSeconds} s`).join("; ")}.`);
    if (r.executions.length > 0) out.push(`Executions: ${r.executions.map((e) => `${e.name} (${e.region}) ${e.status}${e.error ? ` ${e.error}` : ""}, ${e.startSeconds}-${e.stopSeconds ?? "…"} s`).join("; ")}.`);
    out.push("");
    if (r.violations.length > 0) {
      out.push("| invariant | first | last | count | detail |");
      out.push("|---|---|---|---|---|");
      for (const v of r.violations) out.push(`| ${v.invariant} | ${Math.round((v.firstAtMs - r.startMs) / 1000)} s | ${Math.round((v.lastAtMs - r.startMs) / 1000)} s | ${v.count} | ${v.detail} |`);
      out.push("");
    }
    for (const e of r.expectations) out.push(`- expectation ${e.met ? "met" : "NOT met"}: ${e.expectation} (${e.detail})`);
    out.push("");
    out.push(gantt(r));
  }
  out.push("");
  return out.join("\n");
}

/** The JSON result: the run and, per scenario, everything but the raw timeline entries beyond the first 500. */
export function json(run: DrillRun): string {
  return JSON.stringify(
    { ...run, passed: passed(run), results: run.results.map((r) => ({ ...r, timeline: r.timeline.slice(0, 500), figures: undefined })) },
    null,
    2,
  );
}
