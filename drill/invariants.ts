/**
 * The drill's invariants, checked at every virtual second the harness steps
 * through, after every API call, and on every client request:
 *
 * - single-writer: at most one region's cluster takes writes, as the databases
 *   see it (a partitioned old primary that still believes it is the writer counts);
 * - traffic-follows-writer: no client request reaches the application of a region
 *   whose database is not the writer, beyond the drain window after the writer
 *   left that region;
 * - no-forced-promotion-against-healthy-primary (in fact / from the caller):
 *   no FailoverGlobalCluster with AllowDataLoss while the old primary was
 *   reachable and synchronized, in fact or as the calling region could see;
 * - data-loss-within-rpo: the writes a forced failover lost span at most the RPO;
 * - audit-states-data-loss: the audit record of the run that forced the failover
 *   states that span (within a tolerance of one replication delay and 1 s).
 */
import { AuditAdapter } from "./audit";
import { AwsModel, FailoverOutcome } from "./model/aws-model";

export const INVARIANTS = {
  singleWriter: "single-writer",
  trafficFollowsWriter: "traffic-follows-writer",
  noForcedPromotionInFact: "no-forced-promotion-against-healthy-primary (in fact)",
  noForcedPromotionFromCaller: "no-forced-promotion-against-healthy-primary (from the deciding region)",
  dataLossWithinRpo: "data-loss-within-rpo",
  auditStatesDataLoss: "audit-states-data-loss",
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

export interface InvariantOptions {
  readonly drainWindowMs: number;
  readonly rpoMs: number;
  readonly audit: AuditAdapter;
  /** Tables holding audit records (the orchestrators' AUDIT_TABLE_NAME). */
  readonly auditTables: readonly string[];
  /** Tolerance of the audit comparison. @default max(1000, 2 x the Aurora lag) */
  readonly auditToleranceMs?: number;
}

export interface DataLossFinding {
  readonly failover: FailoverOutcome;
  readonly lostWrites: number;
  readonly windowMs: number;
  readonly auditWindowMs: number | null | undefined;
  readonly auditExecution?: string;
}

export class InvariantChecker {
  private readonly found = new Map<string, Violation>();
  private writerRegion: string | undefined;
  /** When the writer last left each region. */
  private readonly writerLeftAt = new Map<string, number>();
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

  /** A client request: did it reach a region whose database is not the writer, beyond the drain window? */
  onRequest(request: RequestRecord): void {
    if (!request.reachedApp || !request.region) return;
    this.trackWriter();
    const writer = this.model.writer()?.region;
    if (request.region === writer) return;
    const leftAt = this.writerLeftAt.get(request.region);
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

  /** The end-of-run checks: data lost against the RPO and against the audit record. */
  finish(): void {
    const audits = this.options.audit.records(this.model, this.options.auditTables);
    const tolerance = this.options.auditToleranceMs ?? Math.max(1_000, 2 * (this.model.replicationLagMs ?? 0));
    for (const f of this.model.failovers) {
      if (!f.allowDataLoss) continue;
      const windowMs = f.lost.length === 0 ? 0 : Math.max(...f.lost.map((w) => w.atMs)) - f.cutoffMs;
      const audit = audits.find((a) => a.forced && a.newWriterArn === f.toArn && a.region === f.toRegion);
      this.dataLoss.push({ failover: f, lostWrites: f.lost.length, windowMs, auditWindowMs: audit ? audit.dataLossWindowMs : undefined, ...(audit ? { auditExecution: audit.executionId } : {}) });
      if (windowMs > this.options.rpoMs) {
        this.violateAt(f.completedAtMs, INVARIANTS.dataLossWithinRpo, `${f.lost.length} writes lost over ${(windowMs / 1000).toFixed(1)} s (RPO ${this.options.rpoMs / 1000} s)`);
      }
      if (!audit) {
        this.violateAt(f.completedAtMs, INVARIANTS.auditStatesDataLoss, `no audit record of the forced failover to ${f.toRegion} (${f.lost.length} writes lost over ${(windowMs / 1000).toFixed(1)} s)`);
      } else if (audit.dataLossWindowMs === null) {
        this.violateAt(f.completedAtMs, INVARIANTS.auditStatesDataLoss, `the audit record (${audit.executionId}) states the data-loss window as unknown${audit.unknownReason ? ` (${audit.unknownReason})` : " without a reason"}; ${f.lost.length} writes were lost over ${(windowMs / 1000).toFixed(1)} s`);
      } else if (Math.abs(audit.dataLossWindowMs - windowMs) > tolerance) {
        this.violateAt(f.completedAtMs, INVARIANTS.auditStatesDataLoss, `the audit record states ${(audit.dataLossWindowMs / 1000).toFixed(1)} s of data loss; the model lost ${f.lost.length} writes over ${(windowMs / 1000).toFixed(1)} s`);
      }
    }
  }

  private violateAt(atMs: number, invariant: InvariantId, detail: string): void {
    const key = `${invariant}#${atMs}`;
    if (!this.found.has(key)) this.found.set(key, { invariant, firstAtMs: atMs, lastAtMs: atMs, count: 1, detail });
  }

  violations(): Violation[] {
    return [...this.found.values()].sort((a, b) => a.firstAtMs - b.firstAtMs);
  }
}
