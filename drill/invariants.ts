/**
 * The drill's invariants, checked at every virtual second the harness steps
 * through, after every API call, and on every client request:
 *
 * - single-writer: at most one region's cluster takes writes, as the databases
 *   see it (a partitioned old primary that still believes it is the writer counts);
 * - traffic-follows-writer: no client request (global or regional name) reaches
 *   the application of a region whose database is not the writer, beyond the
 *   drain window after the writer left that region;
 * - no-forced-promotion-against-healthy-primary (in fact / from the caller):
 *   no FailoverGlobalCluster with AllowDataLoss while the old primary was
 *   reachable and synchronized, in fact or as the calling region could see;
 *
 * and at the end of the run:
 *
 * - data-loss-within-rpo: the writes a forced failover lost span at most the RPO
 *   (unless the scenario accepts a breach the configuration allows: ON_RPO_BREACH
 *   proceed, or a person approved it);
 * - audit-states-data-loss: the audit record of the run that forced the failover
 *   states a window that holds every lost Aurora write (commit time within the
 *   record's Aurora window) and every global-table write not yet replicated (within
 *   its DynamoDB window), and an estimate at least the actual loss span; an unknown
 *   window must say why. A forced failover that lost nothing needs no window;
 * - audit-written-once: every finished run (not a dry run) has its audit item,
 *   written by exactly one successful PutItem;
 * - one-notification-per-run: every finished run (not a dry run) sent exactly one
 *   outcome notification (completed, stood down or failed).
 */
import { AuditAdapter, AuditView } from "./audit";
import { AwsModel, FailoverOutcome } from "./model/aws-model";

export const INVARIANTS = {
  singleWriter: "single-writer",
  trafficFollowsWriter: "traffic-follows-writer",
  noForcedPromotionInFact: "no-forced-promotion-against-healthy-primary (in fact)",
  noForcedPromotionFromCaller: "no-forced-promotion-against-healthy-primary (from the deciding region)",
  dataLossWithinRpo: "data-loss-within-rpo",
  auditStatesDataLoss: "audit-states-data-loss",
  auditWrittenOnce: "audit-written-once",
  oneNotificationPerRun: "one-notification-per-run",
} as const;

export type InvariantId = (typeof INVARIANTS)[keyof typeof INVARIANTS];

export interface Violation {
  readonly invariant: InvariantId;
  readonly firstAtMs: number;
  lastAtMs: number;
  count: number;
  /** The first occurrence's detail. */
  readonly detail: string;
}

export interface RequestRecord {
  readonly atMs: number;
  /** Through the global name, or to a regional name directly. @default "global" */
  readonly via?: "global" | "regional";
  /** Region the client's DNS answer sent it to; undefined when the name did not resolve. */
  readonly region?: string;
  /** committed: served and written; refused: the load balancer answered without the application (fence, 503); failed: the application could not write; unreachable. */
  readonly outcome: "committed" | "refused" | "failed" | "unreachable" | "unresolved";
  readonly status?: number;
  /** The request reached the region's application. */
  readonly reachedApp: boolean;
  /** The region whose cluster was the (true) writer at that instant. */
  readonly writerRegion?: string;
}

/** A finished (or running) runbook execution, as the invariants need it. */
export interface RunView {
  readonly executionArn: string;
  readonly status: string;
  readonly dryRun: boolean;
}

export interface InvariantOptions {
  readonly drainWindowMs: number;
  readonly rpoMs: number;
  readonly audit: AuditAdapter;
  /** Tables holding audit records (the orchestrators' AUDIT_TABLE_NAME). */
  readonly auditTables: readonly string[];
  /** The runbook executions, for the once-per-run checks (none: the checks are skipped). */
  readonly runs?: () => readonly RunView[];
  /** A loss beyond the RPO is what the configuration or a person allowed (reported, not a violation). @default false */
  readonly rpoBreachAccepted?: boolean;
}

export interface DataLossFinding {
  readonly failover: FailoverOutcome;
  readonly lostWrites: number;
  /** From the last write the new writer holds (the cutoff) to the last lost write, ms; 0 when nothing was lost. */
  readonly windowMs: number;
  /** First and last lost commit times (epoch ms), or null when nothing was lost. */
  readonly lostFromMs: number | null;
  readonly lostToMs: number | null;
  /** Global-table writes of the old region not yet replicated when the promotion completed. */
  readonly ddbUnreplicated: number;
  /** The audit record of the run that forced the failover; undefined when none was found. */
  readonly audit?: AuditView;
}

export class InvariantChecker {
  private readonly found = new Map<string, Violation>();
  private writerRegion: string | undefined;
  /** When the writer last left each region. */
  private readonly writerLeftAt = new Map<string, number>();
  /** When each region last came back from an outage (its stale gate state needs one monitor sample to follow the writer). */
  private readonly returnedAt = new Map<string, number>();
  private seenPromotions = 0;
  private checks = 0;
  readonly dataLoss: DataLossFinding[] = [];

  constructor(
    private readonly model: AwsModel,
    private readonly options: InvariantOptions,
  ) {
    this.writerRegion = model.writer()?.region;
  }

  /** Number of evaluations so far (each virtual second and each API call). */
  get evaluations(): number {
    return this.checks;
  }

  private violate(invariant: InvariantId, detail: string, key: string = invariant): void {
    const now = this.model.nowMs;
    const existing = this.found.get(key);
    if (existing) {
      existing.lastAtMs = now;
      existing.count++;
      return;
    }
    this.found.set(key, { invariant, firstAtMs: now, lastAtMs: now, count: 1, detail });
  }

  /** Everything that must hold at every instant. */
  check(): void {
    this.checks++;
    this.trackWriter();
    const writers = this.model.writersAsDatabasesSee();
    if (writers.length > 1) this.violate(INVARIANTS.singleWriter, `clusters taking writes in ${writers.join(" and ")}`);
    const promotions = this.model.promotions;
    for (; this.seenPromotions < promotions.length; this.seenPromotions++) {
      const p = promotions[this.seenPromotions];
      if (!p || !p.allowDataLoss) continue;
      if (p.oldPrimary.reachableAndSynchronizedInFact) {
        this.violate(INVARIANTS.noForcedPromotionInFact, `FailoverGlobalCluster AllowDataLoss called in ${p.calledIn} while the primary in ${p.oldPrimary.region} was up and replicating`, `${INVARIANTS.noForcedPromotionInFact}#${this.seenPromotions}`);
      }
      if (p.oldPrimary.reachableAndSynchronizedFromCaller) {
        this.violate(INVARIANTS.noForcedPromotionFromCaller, `FailoverGlobalCluster AllowDataLoss called from ${p.caller ?? p.calledIn} although it could reach the synchronized primary in ${p.oldPrimary.region}`, `${INVARIANTS.noForcedPromotionFromCaller}#${this.seenPromotions}`);
      }
    }
  }

  /** Notes when the (true) writer leaves a region. */
  private trackWriter(): void {
    const writer = this.model.writer()?.region;
    if (writer === this.writerRegion) return;
    if (this.writerRegion) this.writerLeftAt.set(this.writerRegion, this.model.nowMs);
    this.writerRegion = writer;
  }

  /** A region came back from an outage: the drain window starts again for it (its gate kept its pre-outage state). */
  regionReturned(region: string): void {
    this.returnedAt.set(region, this.model.nowMs);
  }

  /**
   * A client request: did it reach a region whose database is not the writer, beyond the drain window
   * after the writer left it (or after it came back from an outage, whichever is later)?
   */
  onRequest(request: RequestRecord): void {
    if (!request.reachedApp || !request.region) return;
    this.trackWriter();
    const writer = this.model.writer()?.region;
    if (request.region === writer) return;
    const left = this.writerLeftAt.get(request.region);
    const returned = this.returnedAt.get(request.region);
    const leftAt = left === undefined ? undefined : Math.max(left, returned ?? left);
    const since = leftAt === undefined ? Number.POSITIVE_INFINITY : request.atMs - leftAt;
    if (since > this.options.drainWindowMs) {
      this.violate(
        INVARIANTS.trafficFollowsWriter,
        leftAt === undefined
          ? `a request reached the application in ${request.region}, whose database was never the writer during the run`
          : `a request reached the application in ${request.region} ${Math.round(since / 1000)} s after the writer left it (drain window ${this.options.drainWindowMs / 1000} s)`,
      );
    }
  }

  /** The end-of-run checks: data lost against the RPO and against the audit record; the audit and notification once per run. */
  finish(): void {
    this.finishDataLoss();
    this.finishOncePerRun();
  }

  private finishDataLoss(): void {
    const audits = this.options.audit.records(this.model, this.options.auditTables);
    const iso = (ms: number | null) => (ms === null ? "open" : new Date(ms).toISOString());
    for (const f of this.model.failovers) {
      if (!f.allowDataLoss) continue;
      const lostAt = f.lost.map((w) => w.atMs);
      const lostFromMs = lostAt.length === 0 ? null : Math.min(...lostAt);
      const lostToMs = lostAt.length === 0 ? null : Math.max(...lostAt);
      const windowMs = lostToMs === null ? 0 : lostToMs - f.cutoffMs;
      // The record of the run that asked for this promotion: the latest request at or before the call.
      const audit = audits
        .filter((a) => a.forced && a.newWriterArn === f.toArn && a.region === f.toRegion && (a.promotionRequestedAt === null || a.promotionRequestedAt <= f.calledAtMs))
        .sort((a, b) => (b.promotionRequestedAt ?? 0) - (a.promotionRequestedAt ?? 0))[0];
      this.dataLoss.push({ failover: f, lostWrites: f.lost.length, windowMs, lostFromMs, lostToMs, ddbUnreplicated: f.ddbUnreplicated.length, ...(audit ? { audit } : {}) });
      if (windowMs > this.options.rpoMs && !this.options.rpoBreachAccepted) {
        this.violateAt(f.completedAtMs, INVARIANTS.dataLossWithinRpo, `${f.lost.length} writes lost over ${(windowMs / 1000).toFixed(1)} s (RPO ${this.options.rpoMs / 1000} s)`);
      }
      if (!audit) {
        this.violateAt(f.completedAtMs, INVARIANTS.auditStatesDataLoss, `no audit record of the forced failover to ${f.toRegion} (${f.lost.length} writes lost over ${(windowMs / 1000).toFixed(1)} s)`);
        continue;
      }
      if (f.lost.length === 0 && f.ddbUnreplicated.length === 0) continue;
      const aurora = audit.windows?.aurora;
      if (audit.dataLossKind === "unknown") {
        if (!audit.dataLossReason) this.violateAt(f.completedAtMs, INVARIANTS.auditStatesDataLoss, `the audit record (${audit.executionId}) states the data-loss window as unknown without a reason`);
      } else if (audit.estimatedDataLossMs === null || audit.estimatedDataLossMs < windowMs) {
        this.violateAt(f.completedAtMs, INVARIANTS.auditStatesDataLoss, `the audit record estimates ${audit.estimatedDataLossMs === null ? "no" : `${(audit.estimatedDataLossMs / 1000).toFixed(1)} s of`} data loss; the model lost ${f.lost.length} writes over ${(windowMs / 1000).toFixed(1)} s`);
      }
      if (f.lost.length > 0) {
        const outside = f.lost.filter((w) => !inside(w.atMs, aurora));
        if (!aurora || (aurora.from === null && audit.dataLossKind !== "unknown")) {
          this.violateAt(f.completedAtMs, INVARIANTS.auditStatesDataLoss, `the audit record (${audit.executionId}) states no Aurora window; ${f.lost.length} writes were lost`);
        } else if (outside.length > 0 && !(aurora.from === null && audit.dataLossKind === "unknown" && outside.every((w) => aurora.to === null || w.atMs <= aurora.to))) {
          this.violateAt(
            f.completedAtMs,
            INVARIANTS.auditStatesDataLoss,
            `${outside.length} of ${f.lost.length} lost Aurora writes (committed ${iso(lostFromMs)} to ${iso(lostToMs)}) lie outside the audit record's Aurora window ${iso(aurora.from)} to ${iso(aurora.to)}`,
          );
        }
      }
      if (f.ddbUnreplicated.length > 0) {
        const dynamodb = audit.windows?.dynamodb;
        const outside = f.ddbUnreplicated.filter((w) => !inside(w.atMs, dynamodb));
        if (outside.length > 0) {
          this.violateAt(f.completedAtMs, INVARIANTS.auditStatesDataLoss, `${outside.length} global-table writes not replicated at promotion lie outside the audit record's DynamoDB window ${iso(dynamodb?.from ?? null)} to ${iso(dynamodb?.to ?? null)}`);
        }
      }
    }
  }

  private finishOncePerRun(): void {
    const runs = this.options.runs?.();
    if (!runs) return;
    const puts = new Map<string, number>();
    for (const c of this.model.calls) {
      if (c.operation !== "PutItem" || c.outcome !== "ok") continue;
      const key = (c.input as { Item?: { pk?: { S?: string } } }).Item?.pk?.S;
      if (key?.startsWith("audit#")) puts.set(key.slice("audit#".length), (puts.get(key.slice("audit#".length)) ?? 0) + 1);
    }
    const notices = new Map<string, number>();
    for (const region of this.model.regionNames()) {
      for (const m of this.model.messages(region)) {
        let body: { kind?: string; executionId?: string } = {};
        try {
          body = JSON.parse(m.message) as typeof body;
        } catch {
          continue;
        }
        if (body.executionId && (body.kind === "failover-completed" || body.kind === "failover-stood-down" || body.kind === "failover-failed")) {
          notices.set(body.executionId, (notices.get(body.executionId) ?? 0) + 1);
        }
      }
    }
    const now = this.model.nowMs;
    for (const run of runs) {
      const written = puts.get(run.executionArn) ?? 0;
      const sent = notices.get(run.executionArn) ?? 0;
      const finished = run.status !== "RUNNING" && run.status !== "ABORTED";
      const expected = run.dryRun ? 0 : finished ? 1 : undefined;
      if (written > 1 || (expected !== undefined && written !== expected)) {
        this.violateAt(now, INVARIANTS.auditWrittenOnce, `${run.executionArn.split(":").pop()} (${run.status}${run.dryRun ? ", dry run" : ""}): audit item written ${written} time(s), expected ${expected ?? "at most 1"}`);
      }
      if (sent > 1 || (expected !== undefined && sent !== expected)) {
        this.violateAt(now, INVARIANTS.oneNotificationPerRun, `${run.executionArn.split(":").pop()} (${run.status}${run.dryRun ? ", dry run" : ""}): ${sent} outcome notification(s), expected ${expected ?? "at most 1"}`);
      }
    }
  }

  private violateAt(atMs: number, invariant: InvariantId, detail: string): void {
    const key = `${invariant}#${atMs}#${detail}`;
    if (!this.found.has(key)) this.found.set(key, { invariant, firstAtMs: atMs, lastAtMs: atMs, count: 1, detail });
  }

  violations(): Violation[] {
    return [...this.found.values()].sort((a, b) => a.firstAtMs - b.firstAtMs);
  }
}

/** Is `atMs` within a stated window (an open end reaches to infinity; an unknown start is treated as no bound)? */
function inside(atMs: number, window: { from: number | null; to: number | null } | undefined): boolean {
  if (!window) return false;
  return (window.from === null || atMs >= window.from) && (window.to === null || atMs <= window.to);
}
