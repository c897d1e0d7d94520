/**
 * The drill's report: a Markdown file (one table row per scenario, then per
 * scenario its findings and a Mermaid gantt chart of its virtual timeline) and
 * a JSON result with everything the Markdown shows.
 */
import { ScenarioResult } from "./scenario";

export interface DrillRun {
  readonly configFile: string;
  readonly environment: string;
  readonly regions: { readonly active: string; readonly standby: string };
  readonly targets: { readonly rpoSeconds: number; readonly rtoSeconds: number };
  readonly figures: { readonly name: string; readonly seconds: number; readonly source: string }[];
  readonly seed: number;
  readonly results: readonly ScenarioResult[];
}

export function passed(run: DrillRun): boolean {
  return run.results.every((r) => r.passed);
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
  return `${fmtSeconds(r.rtoSeconds)} (${judged})`;
}

function expectationsOf(r: ScenarioResult): string {
  const missed = r.expectations.filter((e) => !e.met);
  const targets = r.brokenTargets.length > 0 ? `; broken target: ${r.brokenTargets.join("; ")}` : "";
  return `${r.expectations.length - missed.length}/${r.expectations.length} met${missed.length > 0 ? ` (NOT: ${missed.map((e) => e.expectation).join("; ")})` : ""}${targets}`;
}

/** The summary table (also printed by `npm run drill`). */
export function table(run: DrillRun): string {
  const rows = run.results.map(
    (r) => `| ${r.title} | ${r.passed ? "pass" : "FAIL"} | ${rtoOf(r)} | ${lossOf(r)} | ${invariantsOf(r)} | ${expectationsOf(r)} |`,
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

export function markdown(run: DrillRun): string {
  const out: string[] = [];
  out.push(`# DR drill: ${run.environment} (${run.configFile})`);
  out.push("");
  out.push(`Active region ${run.regions.active}, standby ${run.regions.standby}; targets RPO ${run.targets.rpoSeconds} s, RTO ${run.targets.rtoSeconds} s; seed ${run.seed}.`);
  out.push(`Overall: ${passed(run) ? "every scenario met its targets and invariants" : "at least one scenario broke a target, an invariant or an expectation"}.`);
  out.push("");
  out.push(table(run));
  out.push("");
  out.push("Figures (seconds): " + run.figures.map((f) => `${f.name} ${f.seconds} (${f.source})`).join("; ") + ".");
  for (const r of run.results) {
    out.push("");
    out.push(`## ${r.title}`);
    out.push("");
    out.push(`\`${r.id}\`, ${r.durationSeconds} s of virtual time, ${r.evaluations} invariant evaluations. Writer at the end: ${r.writerAtEnd ?? "none"}.`);
    out.push(`Client requests: ${r.requests.total} (${r.requests.committed} committed, ${r.requests.failed} failed in the application, ${r.requests.refused} refused by the load balancer, ${r.requests.unreachable} unreachable or unresolved).`);
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
