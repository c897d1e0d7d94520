/**
 * The comparison window: from the failover's audit record (the data-loss
 * window per store, lambda/failover-orchestrator/promotion.ts) or from an
 * operator (`--from/--to`), widened at both ends for clock skew, and cut into
 * the minute buckets of the time index (lambda/transaction-processor/record.ts).
 *
 * Clocks: the audit record's instants are the survivor's clock; each record's
 * receivedAt is the clock of the region that received it. CLOCK_SKEW_SECONDS
 * widens the window at both ends so that a record stamped by a clock that
 * runs ahead of (or behind) the survivor's by up to that much still falls in.
 */
import { Plain } from "../shared/dynamo";
import { PreconditionFailedError } from "../shared/errors";
import { receivedMinuteOf } from "../transaction-processor/record";

/** One store's window as the audit record states it. */
export interface StatedWindow {
  readonly from: string | null;
  readonly to: string | null;
  readonly basis: string;
}

/** What the reconciliation reads of a failover audit record (state table, audit#<execution ARN>). */
export interface FailoverAudit {
  readonly executionId: string;
  readonly strategy: string;
  readonly outcome: string | null;
  readonly oldRegion: string;
  readonly newRegion: string;
  readonly oldWriterArn: string | null;
  readonly promotionRequestedAt: string | null;
  readonly dataLossKind: string;
  readonly dataLossReason: string;
  readonly estimatedDataLossMs: number | null;
  readonly incidentId: string | null;
  readonly stores: { readonly aurora: StatedWindow; readonly dynamodb: StatedWindow; readonly s3: StatedWindow } | null;
}

export interface ReconcileWindow {
  /** Where the window comes from. */
  readonly source: "audit" | "manual";
  /** The query bounds, ISO, inclusive: the stated window widened by the clock-skew margin. */
  readonly from: string;
  readonly to: string;
  /** The window before widening. */
  readonly statedFrom: string;
  readonly statedTo: string;
  readonly clockSkewSeconds: number;
  /** How each bound was chosen, in words (report, page). */
  readonly notes: readonly string[];
}

export interface WindowOptions {
  readonly nowMs: number;
  readonly clockSkewSeconds: number;
  readonly lookbackSeconds: number;
}

/** The most minute buckets one window may span (7 days): a longer one is an operator's mistake. */
export const MAX_WINDOW_MINUTES = 7 * 24 * 60;

function str(value: Plain | undefined): string | null {
  return typeof value === "string" ? value : null;
}

function stated(value: Plain | undefined): StatedWindow {
  const v = value && typeof value === "object" && !Array.isArray(value) ? value : {};
  return { from: str(v.from), to: str(v.to), basis: str(v.basis) ?? "" };
}

/** Reads the fields the reconciliation needs from an audit item (already unmarshalled). */
export function auditFromItem(item: Record<string, Plain>): FailoverAudit {
  const window = item.dataLossWindow;
  const stores =
    window && typeof window === "object" && !Array.isArray(window)
      ? { aurora: stated(window.aurora), dynamodb: stated(window.dynamodb), s3: stated(window.s3) }
      : null;
  const executionId = str(item.executionId);
  if (!executionId) throw new PreconditionFailedError("the audit record has no executionId");
  return {
    executionId,
    strategy: str(item.strategy) ?? "none",
    outcome: str(item.outcome),
    oldRegion: str(item.oldRegion) ?? "",
    newRegion: str(item.newRegion) ?? "",
    oldWriterArn: str(item.oldWriterArn),
    promotionRequestedAt: str(item.promotionRequestedAt),
    dataLossKind: str(item.dataLossKind) ?? "unknown",
    dataLossReason: str(item.dataLossReason) ?? "",
    estimatedDataLossMs: typeof item.estimatedDataLossMs === "number" ? item.estimatedDataLossMs : null,
    incidentId: str(item.incidentId),
    stores,
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

function parse(value: string, what: string): number {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new PreconditionFailedError(`${what} is not an ISO date-time: ${JSON.stringify(value)}`);
  return ms;
}

function widen(source: ReconcileWindow["source"], fromMs: number, toMs: number, options: WindowOptions, notes: string[]): ReconcileWindow {
  if (toMs < fromMs) throw new PreconditionFailedError(`the window ends (${iso(toMs)}) before it starts (${iso(fromMs)})`);
  const skewMs = options.clockSkewSeconds * 1000;
  const window: ReconcileWindow = {
    source,
    from: iso(fromMs - skewMs),
    to: iso(toMs + skewMs),
    statedFrom: iso(fromMs),
    statedTo: iso(toMs),
    clockSkewSeconds: options.clockSkewSeconds,
    notes: [...notes, `widened by ${options.clockSkewSeconds} s at both ends for clock skew between the regions`],
  };
  const minutes = minuteBuckets(window).length;
  if (minutes > MAX_WINDOW_MINUTES) throw new PreconditionFailedError(`the window spans ${minutes} minutes; at most ${MAX_WINDOW_MINUTES} (7 days) are compared in one run`);
  return window;
}

/**
 * The window of an unplanned failover: from the earliest `from` of the
 * DynamoDB and S3 windows (S3's is the wider: replication time control allows
 * 15 minutes) to the latest `to`. A missing start (the audit says why) is
 * replaced by the end minus LOOKBACK_SECONDS; a missing end (the old region was
 * not confirmed fenced) by now, the time of the comparison. Each replacement is
 * noted in the report.
 */
export function windowFromAudit(audit: FailoverAudit, options: WindowOptions): ReconcileWindow {
  if (audit.strategy !== "unplanned") {
    throw new PreconditionFailedError(`failover ${audit.executionId} was ${audit.strategy === "planned" ? "a planned switchover (no data loss)" : `not a forced failover (strategy ${audit.strategy})`}: nothing to reconcile`);
  }
  const notes: string[] = [];
  const stores = audit.stores ? [audit.stores.dynamodb, audit.stores.s3] : [];
  if (!audit.stores) notes.push(`the audit record states no window per store (${audit.dataLossReason || "no reason given"})`);
  const tos = stores.map((s) => s.to);
  let toMs: number;
  if (tos.length > 0 && tos.every((t): t is string => t !== null)) {
    toMs = Math.max(...tos.map((t) => parse(t, "dataLossWindow.to")));
    notes.push(`end ${iso(toMs)}: the audit record's (${stores.map((s) => s.basis).join("; ")})`);
  } else {
    toMs = options.nowMs;
    notes.push(`end open in the audit record (the old region was not confirmed fenced): compared up to now, ${iso(toMs)}`);
  }
  const froms = stores.map((s) => s.from).filter((f): f is string => f !== null);
  let fromMs: number;
  if (froms.length > 0) {
    fromMs = Math.min(...froms.map((f) => parse(f, "dataLossWindow.from")));
    notes.push(`start ${iso(fromMs)}: the earliest of the DynamoDB and S3 windows of the audit record`);
  } else {
    fromMs = toMs - options.lookbackSeconds * 1000;
    notes.push(`start unknown in the audit record (${audit.dataLossReason || "no reason given"}): looked back ${options.lookbackSeconds} s from the end`);
  }
  return widen("audit", Math.min(fromMs, toMs), toMs, options, notes);
}

/** A window an operator gives (`npm run reconcile -- --from ... --to ...`). */
export function windowFromBounds(from: string, to: string, options: WindowOptions): ReconcileWindow {
  return widen("manual", parse(from, "--from"), parse(to, "--to"), options, [`given by an operator: ${from} to ${to}`]);
}

/** The time-index partitions (minutes, "YYYY-MM-DDTHH:MM") that overlap the window, in order. */
export function minuteBuckets(window: Pick<ReconcileWindow, "from" | "to">): string[] {
  const fromMs = Math.floor(Date.parse(window.from) / 60_000) * 60_000;
  const toMs = Date.parse(window.to);
  const buckets: string[] = [];
  for (let t = fromMs; t <= toMs; t += 60_000) {
    buckets.push(receivedMinuteOf(iso(t)));
    if (buckets.length > MAX_WINDOW_MINUTES + 1) break;
  }
  return buckets;
}

/**
 * Sort-key bounds of a window (BETWEEN is inclusive): the sort key is
 * `receivedAt#recordKey`, so `from` sorts before every record received at
 * `from`, and `to#~` after every record received at `to` ('~' sorts after every
 * character a record key may hold: a client id, '#', a transactionId).
 */
export function sortKeyBounds(window: Pick<ReconcileWindow, "from" | "to">): { low: string; high: string } {
  return { low: window.from, high: `${window.to}#~` };
}
