/**
 * The report (pure): the comparison's findings sorted into what the survivor
 * lacks and what conflicts, with counts and totals per currency, and the
 * texts of the pages. The report holds ids, amounts and currencies, never
 * account numbers or references; the records to replay are a separate file.
 */
import { CompareCounts, Finding } from "./compare";
import { AuroraNote, Report, ReportSummary, RunState } from "./contract";
import { totalsByCurrency } from "./money";
import { ReplayCounts } from "./replay";
import { FailoverAudit } from "./window";

export const DEFINITIONS: Readonly<Record<string, string>> = {
  window: "records the returned region received (receivedAt, its own clock) between window.from and window.to, inclusive, found through its time index",
  missingRecord: "the survivor has no record under the record key (client and transactionId) at the time of the comparison",
  missingObject: "the survivor has the record (same payload hash) but no log object at its logObjectKey",
  conflict: "the survivor holds a record or log object under the same key with a different payload hash: listed, never replayed",
  present: "the survivor holds the same payload hash (by replication, a client's retry, or a replay): not listed",
};

const byTime = (a: Finding, b: Finding) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : a.recordKey < b.recordKey ? -1 : 1);

export function classify(findings: readonly Finding[]): { missingRecords: Finding[]; missingObjects: Finding[]; conflicts: Finding[] } {
  const conflicts = findings.filter((f) => f.record === "conflict" || f.object === "conflict").sort(byTime);
  const missingRecords = findings.filter((f) => f.record === "missing" && f.object !== "conflict").sort(byTime);
  const missingObjects = findings.filter((f) => f.record === "present" && (f.object === "missing" || f.object === "absent-both")).sort(byTime);
  return { missingRecords, missingObjects, conflicts };
}

export function summarize(findings: readonly Finding[], counts: CompareCounts, replayable: number): ReportSummary {
  const { missingRecords, missingObjects, conflicts } = classify(findings);
  return {
    missingRecords: { count: missingRecords.length, totals: totalsByCurrency(missingRecords) },
    missingObjects: { count: missingObjects.length },
    conflicts: { count: conflicts.length, totals: totalsByCurrency(conflicts) },
    replayable,
    compared: counts.records.compared,
  };
}

export function buildReport(input: {
  readonly runId: string;
  readonly executionId: string;
  readonly generatedAt: string;
  readonly run: Pick<RunState, "survivorRegion" | "returnedRegion" | "failoverExecutionArn" | "incidentId" | "window" | "aurora">;
  readonly findings: readonly Finding[];
  readonly counts: CompareCounts;
  readonly replayable: number;
}): Report {
  const { missingRecords, missingObjects, conflicts } = classify(input.findings);
  return {
    version: 1,
    runId: input.runId,
    executionId: input.executionId,
    generatedAt: input.generatedAt,
    survivorRegion: input.run.survivorRegion,
    returnedRegion: input.run.returnedRegion,
    failoverExecutionArn: input.run.failoverExecutionArn,
    incidentId: input.run.incidentId,
    window: input.run.window,
    definitions: DEFINITIONS,
    counts: input.counts,
    summary: summarize(input.findings, input.counts, input.replayable),
    missingRecords,
    missingObjects,
    conflicts,
    aurora: input.run.aurora,
  };
}

/** The Aurora part of the report: AWS keeps a snapshot of the old primary's volume, compared by hand (docs/reconciliation.md). */
export function auroraNote(audit: FailoverAudit | null, returnedRegion: string): AuroraNote | null {
  if (!audit) return null;
  const oldClusterId = audit.oldWriterArn?.split(":cluster:")[1] ?? null;
  return {
    window: audit.stores?.aurora ?? null,
    estimatedDataLossMs: audit.estimatedDataLossMs,
    oldClusterId,
    oldRegion: audit.oldRegion || returnedRegion,
    snapshotPattern: oldClusterId ? `rds:unplanned-global-failover-${oldClusterId}-*` : null,
    runbook: "docs/reconciliation.md, section Aurora: find the snapshot, copy it to a manual snapshot at once, restore it to a separate cluster, compare, re-apply by hand",
  };
}

const LIST_IN_PAGE = 25;

/** The body of the report page (SNS): counts, totals, the first ids, where the report is. */
export function reportNotice(report: Pick<Report, "summary" | "missingRecords" | "missingObjects" | "conflicts" | "window" | "aurora" | "returnedRegion" | "survivorRegion" | "failoverExecutionArn" | "incidentId" | "runId">, uri: string, dryRun: boolean): Record<string, unknown> {
  const ids = (list: readonly Finding[]) => ({ first: list.slice(0, LIST_IN_PAGE).map((f) => f.recordKey), more: Math.max(0, list.length - LIST_IN_PAGE) });
  const s = report.summary;
  return {
    kind: "reconciliation-report",
    runId: report.runId,
    survivorRegion: report.survivorRegion,
    returnedRegion: report.returnedRegion,
    failoverExecutionArn: report.failoverExecutionArn,
    incidentId: report.incidentId,
    window: { from: report.window.from, to: report.window.to, notes: report.window.notes },
    compared: s.compared,
    missingRecords: { count: s.missingRecords.count, totalsByCurrency: s.missingRecords.totals, ids: ids(report.missingRecords) },
    missingObjects: { count: s.missingObjects.count, ids: ids(report.missingObjects) },
    conflicts: { count: s.conflicts.count, totalsByCurrency: s.conflicts.totals, ids: ids(report.conflicts), note: "listed, never replayed: decide each by hand" },
    report: uri,
    next: dryRun ? "dry run: nothing is replayed" : s.replayable > 0 ? `an approval request follows: approving replays ${s.replayable} transaction(s) with conditional writes` : "nothing to replay",
    aurora: report.aurora,
  };
}

/** The page's subject (SNS keeps 100 characters): the counts; the totals per currency are in the body. */
export function subjectOf(environment: string, summary: ReportSummary, returnedRegion: string): string {
  return `[DR ${environment}] Reconciliation with ${returnedRegion}: ${summary.missingRecords.count} missing, ${summary.missingObjects.count} log objects, ${summary.conflicts.count} conflicts`;
}

export function replayNotice(counts: ReplayCounts, uri: string, runId: string): Record<string, unknown> {
  return {
    kind: "reconciliation-replayed",
    runId,
    records: counts.records,
    objects: counts.objects,
    result: uri,
    note: "conflicts were left alone; a second replay writes nothing",
  };
}
