/** In-memory regions for the comparison's unit tests: a txmeta replica with its time index (paged) and a log bucket. */
import { ComparisonSources, DynamoKey, ObjectHead } from "../../lambda/reconciler/compare";
import { payloadSha256, Transaction } from "../../lambda/transaction-processor/payload";
import { newRecord, TransactionRecord } from "../../lambda/transaction-processor/record";

export const OLD = "us-east-1";
export const NEW = "us-west-2";

let seq = 0;

/** A record as the transaction path writes it, received at `receivedAt` in `region`. */
/** The client of the records unless a test names another. */
export const CLIENT = "acme-payments";

export function record(receivedAt: string, overrides: Partial<Transaction> = {}, region = OLD, clientId = CLIENT): TransactionRecord {
  seq++;
  const transaction: Transaction = {
    transactionId: overrides.transactionId ?? `tx-${String(seq).padStart(5, "0")}`,
    amount: overrides.amount ?? "10.00",
    currency: overrides.currency ?? "EUR",
    debitAccount: "DE89370400440532013000",
    creditAccount: "GB29NWBK60161331926819",
    timestamp: overrides.timestamp ?? receivedAt,
    ...(overrides.reference ? { reference: overrides.reference } : {}),
  };
  return newRecord(clientId, transaction, payloadSha256(transaction), region, Date.parse(receivedAt), 400);
}

export class FakeRegion {
  readonly records = new Map<string, TransactionRecord>();
  /** logObjectKey -> payload-sha256 metadata (null: an object without it). */
  readonly objects = new Map<string, string | null>();
  /** Index Query calls, for pagination tests. */
  readonly queries: { bucket: string; limit: number; startKey: DynamoKey | null }[] = [];

  constructor(readonly indexPageSize = 1000) {}

  /** Stores a record and, unless told otherwise, its log object. */
  put(r: TransactionRecord, withObject = true): TransactionRecord {
    this.records.set(r.recordKey, r);
    if (withObject) this.objects.set(r.logObjectKey, r.payloadSha256);
    return r;
  }

  index(): ComparisonSources["index"] {
    return {
      page: async (bucket, bounds, limit, startKey) => {
        this.queries.push({ bucket, limit, startKey });
        const sorted = [...this.records.values()]
          .filter((r) => r.receivedMinute === bucket && r.receivedSort >= bounds.low && r.receivedSort <= bounds.high)
          .sort((a, b) => (a.receivedSort < b.receivedSort ? -1 : 1));
        const after = startKey ? sorted.filter((r) => r.receivedSort > (startKey.receivedSort?.S ?? "")) : sorted;
        const size = Math.min(limit, this.indexPageSize);
        const page = after.slice(0, size);
        const last = page[page.length - 1];
        const next = after.length > size && last ? { recordKey: { S: last.recordKey }, receivedMinute: { S: bucket }, receivedSort: { S: last.receivedSort } } : null;
        return { ids: page.map((r) => r.recordKey), next };
      },
    };
  }

  store(): ComparisonSources["survivor"] {
    return {
      records: { get: async (ids) => new Map(ids.flatMap((id) => (this.records.has(id) ? [[id, this.records.get(id) as TransactionRecord] as const] : []))) },
      objects: { head: async (key): Promise<ObjectHead | null> => (this.objects.has(key) ? { payloadSha256: this.objects.get(key) ?? null } : null) },
    };
  }
}

export function sources(returned: FakeRegion, survivor: FakeRegion): ComparisonSources {
  return { index: returned.index(), returned: returned.store(), survivor: survivor.store(), concurrency: 4 };
}
