/**
 * The audit record as the drill reads it, behind a typed adapter: the
 * orchestrator writes one `audit#<execution ARN>` item per run in the state
 * table of the region it promotes (lambda/failover-orchestrator/report.ts,
 * `auditItem`), stating the data-loss window per store or why it is unknown
 * (docs/failover-protocol.md, P4). The invariants compare that window with the
 * writes the model actually lost.
 */
import { AttributeValue } from "@aws-sdk/client-dynamodb";
import { AwsModel, Item } from "./model/aws-model";

/** One store's window as the record states it: writes accepted by the old region from `from` to `to` may be missing. */
export interface StoreWindowView {
  /** Epoch ms; null when the record says the start is unknown. */
  readonly from: number | null;
  /** Epoch ms; null while the old region may still have accepted writes (an open end). */
  readonly to: number | null;
  readonly basis: string;
}

export type AuditStore = "aurora" | "dynamodb" | "s3";

export interface AuditView {
  readonly executionId: string;
  /** Region whose state table holds the record. */
  readonly region: string;
  readonly newWriterArn?: string;
  readonly newRegion?: string;
  readonly oldRegion?: string;
  /** completed | failed | stood-down (dry runs write no record). */
  readonly outcome?: string;
  /** switchover | failover | stand-down | escalate | none (the run's last decision), or null before Decide. */
  readonly decision: string | null;
  /** planned | unplanned | none */
  readonly strategy?: string;
  /** pending | requested | in-progress | already-writer */
  readonly promotion?: string;
  /** The run asked for a promotion that allowed data loss. */
  readonly forced: boolean;
  /** When the run asked for the promotion (epoch ms), or null. */
  readonly promotionRequestedAt: number | null;
  /** none | estimated | unknown */
  readonly dataLossKind: string | null;
  /** The Aurora estimate (lag at promotion plus the margin), ms; null when unknown or none. */
  readonly estimatedDataLossMs: number | null;
  readonly dataLossReason?: string;
  /** The window per store; null when the record has none (no forced promotion). */
  readonly windows: Readonly<Record<AuditStore, StoreWindowView>> | null;
  readonly approvalReasons: readonly string[];
  readonly approvalGranted: boolean;
  readonly incidentId?: string;
  readonly error?: string;
}

export interface AuditAdapter {
  readonly name: string;
  /** Every audit record in the given tables of every region. */
  records(model: AwsModel, tables: readonly string[]): AuditView[];
}

type Plain = null | boolean | number | string | Plain[] | { [key: string]: Plain };

function plain(value: AttributeValue | undefined): Plain {
  if (!value) return null;
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL) return null;
  if (value.L) return value.L.map((v) => plain(v));
  if (value.M) return Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, plain(v)]));
  if (value.SS) return [...value.SS];
  return null;
}

function time(value: Plain | undefined): number | null {
  if (typeof value !== "string") return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

function windowOf(value: Plain | undefined): StoreWindowView {
  const w = (value && typeof value === "object" && !Array.isArray(value) ? value : {}) as Record<string, Plain>;
  return { from: time(w.from), to: time(w.to), basis: typeof w.basis === "string" ? w.basis : "" };
}

/** Reads one audit item (exported for tests). */
export function auditViewOf(item: Item, region: string, key: string): AuditView {
  const v = Object.fromEntries(Object.entries(item).map(([k, a]) => [k, plain(a)])) as Record<string, Plain>;
  const str = (k: string) => (typeof v[k] === "string" ? (v[k] as string) : undefined);
  const stores = v.dataLossWindow && typeof v.dataLossWindow === "object" && !Array.isArray(v.dataLossWindow) ? (v.dataLossWindow as Record<string, Plain>) : null;
  const newWriterArn = str("newWriterArn");
  const newRegion = str("newRegion");
  const oldRegion = str("oldRegion");
  const outcome = str("outcome");
  const strategy = str("strategy");
  const promotion = str("promotion");
  const dataLossReason = str("dataLossReason");
  const incidentId = str("incidentId");
  const error = str("error");
  return {
    executionId: str("executionId") ?? key.slice("audit#".length),
    region,
    ...(newWriterArn ? { newWriterArn } : {}),
    ...(newRegion ? { newRegion } : {}),
    ...(oldRegion ? { oldRegion } : {}),
    ...(outcome ? { outcome } : {}),
    decision: str("decision") ?? null,
    ...(strategy ? { strategy } : {}),
    ...(promotion ? { promotion } : {}),
    forced: strategy === "unplanned" && promotion === "requested",
    promotionRequestedAt: time(v.promotionRequestedAt),
    dataLossKind: str("dataLossKind") ?? null,
    estimatedDataLossMs: typeof v.estimatedDataLossMs === "number" ? v.estimatedDataLossMs : null,
    ...(dataLossReason ? { dataLossReason } : {}),
    windows: stores ? { aurora: windowOf(stores.aurora), dynamodb: windowOf(stores.dynamodb), s3: windowOf(stores.s3) } : null,
    approvalReasons: Array.isArray(v.approvalReasons) ? v.approvalReasons.filter((r): r is string => typeof r === "string") : [],
    approvalGranted: v.approvalGranted === true,
    ...(incidentId ? { incidentId } : {}),
    ...(error ? { error } : {}),
  };
}

/**
 * The rewritten protocol's audit item (lambda/failover-orchestrator/report.ts): pk
 * `audit#<execution ARN>` in the promoted region's state table (AUDIT_TABLE_NAME), with
 * `dataLossKind`, `estimatedDataLossMs`, `dataLossWindow` ({aurora, dynamodb, s3} each
 * {from, to, basis}, ISO times), `decision`, `strategy`, `promotion`, `outcome`.
 */
export const auditAdapter: AuditAdapter = {
  name: "lambda/failover-orchestrator/report.ts (audit#<execution ARN>: dataLossKind, estimatedDataLossMs, dataLossWindow per store, decision, strategy, outcome)",
  records(model, tables) {
    const out: AuditView[] = [];
    for (const region of model.regionNames()) {
      for (const table of tables) {
        for (const [key, item] of model.items(region, table)) {
          if (!key.startsWith("audit#")) continue;
          out.push(auditViewOf(item, region, key));
        }
      }
    }
    return out;
  },
};
