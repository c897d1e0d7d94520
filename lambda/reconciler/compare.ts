/**
 * The comparison: every transaction the returned region holds in the window
 * against what the surviving region holds now.
 *
 * Found by index, never by a scan: the returned region's time index
 * (TIME_INDEX: one Query per minute bucket, sort key between the window's
 * bounds) lists the record keys (client and transactionId) it received in the window; their records
 * are read from the returned replica and from the survivor's by key
 * (BatchGetItem, strongly consistent), and each record's log object
 * (`logObjectKey`) is looked up in the survivor's bucket, and in the returned
 * region's bucket only when the survivor lacks it (HeadObject; the object's
 * `payload-sha256` metadata is the record's payload hash).
 *
 * Definitions, at the time of the comparison (a second comparison of the same
 * window therefore reports only what is still missing):
 *  - record missing:  the survivor has no record under the id;
 *  - record present:  it has one with the same payloadSha256 (whether it came by
 *                     replication, by a client's retry in the survivor, or by a
 *                     replay; `region`/`receivedAt` may differ);
 *  - record conflict: it has one with a different payloadSha256 (a different
 *                     transaction under the same id): listed, never replayed;
 *  - object missing:  the survivor's bucket has no object at logObjectKey;
 *                     the returned region's object exists, or neither has one
 *                     ("absent-both": the record was written and its object
 *                     never was; the replay rebuilds it from the record, as a
 *                     client retry would);
 *  - object present:  the survivor's object carries the record's payload hash;
 *  - object conflict: it carries another hash (or none), or the returned
 *                     region's own object disagrees with its record.
 * What replication brings after the comparison is harmless: the replay's
 * conditional writes find it and write nothing.
 *
 * Bounded work: one call handles index pages until `maxRecords` ids, and
 * returns a cursor (minute bucket and DynamoDB's LastEvaluatedKey) to resume from.
 */
import { AttributeValue } from "@aws-sdk/client-dynamodb";
import { TransactionRecord } from "../transaction-processor/record";
import { minuteBuckets, ReconcileWindow, sortKeyBounds } from "./window";

export type DynamoKey = Record<string, AttributeValue>;

/** The returned region's time index. */
export interface WindowIndex {
  /** One page of the ids received in `bucket` with sort keys between the bounds; `next` when the page was cut. */
  page(bucket: string, bounds: { low: string; high: string }, limit: number, startKey: DynamoKey | null): Promise<{ ids: string[]; next: DynamoKey | null }>;
}

/** Records of one region's txmeta replica, by id (strongly consistent). Absent ids are absent from the map. */
export interface RecordStore {
  get(ids: readonly string[]): Promise<Map<string, TransactionRecord>>;
}

export interface ObjectHead {
  /** The object's payload-sha256 metadata; null when it has none. */
  readonly payloadSha256: string | null;
}

/** Log objects of one region's bucket. */
export interface ObjectStore {
  /** null when there is no object at `key`. */
  head(key: string): Promise<ObjectHead | null>;
}

export interface ComparisonSources {
  readonly index: WindowIndex;
  readonly returned: { readonly records: RecordStore; readonly objects: ObjectStore };
  readonly survivor: { readonly records: RecordStore; readonly objects: ObjectStore };
  /** Runs `fn` over `items` with at most this many at once. */
  readonly concurrency: number;
}

export type RecordState = "missing" | "present" | "conflict";
export type ObjectState = "missing" | "absent-both" | "present" | "conflict";

/** One transaction of the window and what the survivor holds of it. */
export interface Finding {
  /** The record key (`<clientId>#<transactionId>`): what records are compared by. */
  readonly recordKey: string;
  readonly clientId: string;
  readonly transactionId: string;
  readonly amount: string;
  readonly currency: string;
  readonly receivedAt: string;
  /** The region that first wrote the record (as the returned region holds it). */
  readonly region: string;
  readonly logObjectKey: string;
  /** The returned region's payload hash. */
  readonly payloadSha256: string;
  readonly record: RecordState;
  readonly object: ObjectState;
  /** Conflicts: the survivor's hashes, and why. */
  readonly survivorPayloadSha256?: string;
  readonly survivorObjectSha256?: string | null;
  readonly detail?: string;
}

export interface CompareCounts {
  readonly records: { readonly compared: number; readonly present: number; readonly missing: number; readonly conflict: number; readonly vanished: number };
  readonly objects: { readonly present: number; readonly missing: number; readonly conflict: number };
}

export const EMPTY_COUNTS: CompareCounts = {
  records: { compared: 0, present: 0, missing: 0, conflict: 0, vanished: 0 },
  objects: { present: 0, missing: 0, conflict: 0 },
};

export interface CompareCursor {
  /** Index into the window's minute buckets. */
  readonly bucket: number;
  /** DynamoDB's LastEvaluatedKey within that bucket; null at its start. */
  readonly startKey: DynamoKey | null;
}

export interface CompareResult {
  /** Every transaction that is not present in both stores of the survivor (missing or conflicting). */
  readonly findings: Finding[];
  /** The returned region's records to replay (record or object missing, no conflict). */
  readonly replayable: TransactionRecord[];
  readonly counts: CompareCounts;
  /** Where the next call resumes; null when the window is done. */
  readonly cursor: CompareCursor | null;
  /** Index pages read by this call. */
  readonly pages: number;
}

/** Runs `fn` over `items`, at most `limit` at once, results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** The object state of one record (pure given the heads). */
export function objectState(record: TransactionRecord, survivor: ObjectHead | null, returned: ObjectHead | null | undefined): { state: ObjectState; detail?: string } {
  if (survivor) {
    if (survivor.payloadSha256 === record.payloadSha256) return { state: "present" };
    return { state: "conflict", detail: survivor.payloadSha256 === null ? "the survivor's log object has no payload-sha256 metadata" : "the survivor's log object holds another payload" };
  }
  if (returned === null || returned === undefined) return { state: "absent-both", detail: "no log object in either region: the replay rebuilds it from the record" };
  if (returned.payloadSha256 !== record.payloadSha256) return { state: "conflict", detail: "the returned region's log object disagrees with its own record" };
  return { state: "missing" };
}

/** Compares one batch of ids (pure but for the reads). */
export async function compareIds(sources: ComparisonSources, ids: readonly string[]): Promise<Pick<CompareResult, "findings" | "replayable" | "counts">> {
  const [returned, survivor] = await Promise.all([sources.returned.records.get(ids), sources.survivor.records.get(ids)]);
  const records = { compared: 0, present: 0, missing: 0, conflict: 0, vanished: 0 };
  const objects = { present: 0, missing: 0, conflict: 0 };
  const findings: Finding[] = [];
  const replayable: TransactionRecord[] = [];
  const rows = await mapLimit(ids, sources.concurrency, async (id) => {
    const record = returned.get(id);
    if (!record) return { id, record: undefined };
    const survivorHead = await sources.survivor.objects.head(record.logObjectKey);
    const returnedHead = survivorHead ? undefined : await sources.returned.objects.head(record.logObjectKey);
    return { id, record, object: objectState(record, survivorHead, returnedHead), survivorHead };
  });
  for (const row of rows) {
    // Listed by the index, gone from the returned replica by the time it was read (TTL, a replicated delete): nothing to compare.
    if (!row.record) {
      records.vanished++;
      continue;
    }
    records.compared++;
    const record = row.record;
    const theirs = survivor.get(record.recordKey);
    const recordState: RecordState = !theirs ? "missing" : theirs.payloadSha256 === record.payloadSha256 ? "present" : "conflict";
    records[recordState]++;
    const object = row.object as { state: ObjectState; detail?: string };
    objects[object.state === "absent-both" ? "missing" : object.state]++;
    if (recordState === "present" && object.state === "present") continue;
    const details = [recordState === "conflict" ? "the survivor holds another payload under this client's transactionId" : undefined, object.detail].filter((d): d is string => d !== undefined);
    findings.push({
      recordKey: record.recordKey,
      clientId: record.clientId,
      transactionId: record.transactionId,
      amount: record.amount,
      currency: record.currency,
      receivedAt: record.receivedAt,
      region: record.region,
      logObjectKey: record.logObjectKey,
      payloadSha256: record.payloadSha256,
      record: recordState,
      object: object.state,
      ...(theirs && recordState === "conflict" ? { survivorPayloadSha256: theirs.payloadSha256 } : {}),
      ...(object.state === "conflict" && row.survivorHead ? { survivorObjectSha256: row.survivorHead.payloadSha256 } : {}),
      ...(details.length > 0 ? { detail: details.join("; ") } : {}),
    });
    if (recordState !== "conflict" && object.state !== "conflict") replayable.push(record);
  }
  return { findings, replayable, counts: { records, objects } };
}

export function addCounts(a: CompareCounts, b: CompareCounts): CompareCounts {
  const sum = <T extends Record<string, number>>(x: T, y: T): T => Object.fromEntries(Object.keys(x).map((k) => [k, (x[k] ?? 0) + (y[k] ?? 0)])) as T;
  return { records: sum(a.records, b.records), objects: sum(a.objects, b.objects) };
}

/**
 * Compares from `cursor` on until `maxRecords` ids were read or the window is
 * done. Ids are deduplicated within a call (a record is in exactly one minute
 * bucket, so across calls too).
 */
export async function compareWindow(
  sources: ComparisonSources,
  window: Pick<ReconcileWindow, "from" | "to">,
  cursor: CompareCursor,
  maxRecords: number,
): Promise<CompareResult> {
  const buckets = minuteBuckets(window);
  const bounds = sortKeyBounds(window);
  const findings: Finding[] = [];
  const replayable: TransactionRecord[] = [];
  let counts = EMPTY_COUNTS;
  let position: CompareCursor | null = cursor.bucket < buckets.length ? cursor : null;
  let read = 0;
  let pages = 0;
  while (position && read < maxRecords) {
    const bucket = buckets[position.bucket] as string;
    const page = await sources.index.page(bucket, bounds, Math.min(1_000, maxRecords - read), position.startKey);
    pages++;
    read += page.ids.length;
    const ids = [...new Set(page.ids)];
    for (let i = 0; i < ids.length; i += 100) {
      const batch = await compareIds(sources, ids.slice(i, i + 100));
      findings.push(...batch.findings);
      replayable.push(...batch.replayable);
      counts = addCounts(counts, batch.counts);
    }
    position = page.next ? { bucket: position.bucket, startKey: page.next } : position.bucket + 1 < buckets.length ? { bucket: position.bucket + 1, startKey: null } : null;
  }
  return { findings, replayable, counts, cursor: position, pages };
}
