/**
 * The RTO/RPO budget of a synthesized configuration: both directions (either
 * region may be the one that takes over) and both failures (a whole region lost,
 * or only the writer's database with its region up); the worst one counts.
 */
import { ExtractOptions, extractInputs, SynthesizedApp } from "./extract";
import { Budget, computeBudget, excessLine, FAILURE_WORDS, FailureKind, rpoExcess, rtoExcess } from "./model";
import { Figures, FIGURES } from "./figures";

export { excessLine, rpoExcess, rtoExcess };
export type { Budget, FailureKind };

export interface DirectionalBudget extends Budget {
  /** The region that takes over (the other is lost). */
  readonly takeover: string;
}

/** The budget of each direction and each failure (a lost region, a lost writer database with its region up), worst first. */
export function budgetsOf(app: SynthesizedApp, options: ExtractOptions, figures: Figures = FIGURES, failures: readonly FailureKind[] = ["region", "database"]): DirectionalBudget[] {
  const all = [options.regions.secondary, options.regions.primary].flatMap((takeover) => {
    const inputs = extractInputs(app, options, takeover);
    return failures.map((failure) => ({ ...computeBudget(inputs, figures, failure), takeover }));
  });
  const rank = (b: Budget) => b.rtoSeconds ?? Number.POSITIVE_INFINITY;
  return all.sort((a, b) => rank(b) - rank(a));
}

const pad = (text: string | number, width: number) => String(text).padEnd(width);

/** Markdown table of one budget: the phases, the total against the target, the RPO per store. */
export function budgetTable(budget: DirectionalBudget): string {
  const rows = [
    `Failover into ${budget.takeover} ${FAILURE_WORDS[budget.failure]} (${budget.label}): RTO ${budget.rtoSeconds ?? "not bounded"} s against a target of ${budget.targets.rtoSeconds} s ${budget.meetsRto ? "(met)" : "(MISSED)"}`,
    "",
    "| phase | worst case (s) | how |",
    "|---|---|---|",
    ...budget.phases.map((p) => `| ${pad(p.name, 13)} | ${pad(p.seconds, 5)} | ${p.basis} |`),
    `| **total** | **${budget.rtoSeconds ?? "n/a"}** | target ${budget.targets.rtoSeconds} s |`,
    ...budget.offPath.map((p) => `| (off the path) ${p.name} | ${p.seconds} | ${p.basis} |`),
    "",
    `RPO ${budget.rpoSeconds ?? "not bounded"} s against a target of ${budget.targets.rpoSeconds} s ${budget.meetsRpo ? "(met)" : "(MISSED)"}`,
    "",
    "| store | worst-case loss (s) | counted | how |",
    "|---|---|---|---|",
    ...budget.rpo.map((s) => `| ${s.store} | ${s.seconds ?? "unbounded"} | ${s.checked ? "yes" : "reported"} | ${s.basis} |`),
  ];
  return rows.join("\n");
}
