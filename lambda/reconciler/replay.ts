/**
 * The replay: the returned region's records (and their log objects) written
 * into the surviving region through the transaction path's own conditional
 * writes (lambda/transaction-processor: putRecord with
 * attribute_not_exists(recordKey), putLogObject with If-None-Match "*"), so
 * a replay never overwrites anything:
 *
 *  - record: written when absent; when present, compared by payload hash:
 *    equal is "present" (it arrived meanwhile: replication, a client retry, an
 *    earlier replay), different is a conflict, listed and left alone (and its
 *    log object is not written either);
 *  - log object: the document is rebuilt from the record (log-object.ts: the
 *    same bytes the first write had), written when absent; an existing object
 *    (412) is compared by its payload-sha256 metadata the same way.
 *
 * A second replay of the same set therefore writes nothing.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { TransientError } from "../shared/errors";
import { Caller } from "../shared/retry";
import { putLogObject } from "../transaction-processor/log-object";
import { getRecord, putRecord, TransactionRecord } from "../transaction-processor/record";
import { mapLimit, ObjectStore } from "./compare";

export type ReplayWrite = "written" | "present" | "conflict" | "skipped";

export interface ReplayOutcome {
  readonly clientId: string;
  readonly transactionId: string;
  readonly amount: string;
  readonly currency: string;
  readonly record: ReplayWrite;
  readonly object: ReplayWrite;
  readonly detail?: string;
}

export interface ReplayTarget {
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly call: Caller;
  readonly tableName: string;
  readonly bucketName: string;
  readonly kmsKeyArn: string;
  /** The survivor's objects, to compare an existing one. */
  readonly objects: ObjectStore;
}

export interface ReplayCounts {
  readonly records: Readonly<Record<ReplayWrite, number>>;
  readonly objects: Readonly<Record<ReplayWrite, number>>;
}

export const EMPTY_REPLAY_COUNTS: ReplayCounts = {
  records: { written: 0, present: 0, conflict: 0, skipped: 0 },
  objects: { written: 0, present: 0, conflict: 0, skipped: 0 },
};

/** Replays one record and its log object (see the module comment). */
export async function replayOne(target: ReplayTarget, record: TransactionRecord): Promise<ReplayOutcome> {
  const table = { dynamodb: target.dynamodb, call: target.call, tableName: target.tableName };
  const base = { clientId: record.clientId, transactionId: record.transactionId, amount: record.amount, currency: record.currency };
  let recordWrite: ReplayWrite;
  if (await putRecord(table, record)) recordWrite = "written";
  else {
    const existing = await getRecord(table, record.recordKey);
    if (!existing) throw new TransientError(`txmeta record ${record.recordKey} vanished between the conditional write and the read`, { operation: "GetItem" });
    recordWrite = existing.payloadSha256 === record.payloadSha256 ? "present" : "conflict";
  }
  if (recordWrite === "conflict") {
    return { ...base, record: "conflict", object: "skipped", detail: "the survivor holds another payload under this client's transactionId: left alone" };
  }
  const written = await putLogObject({ s3: target.s3, call: target.call, bucketName: target.bucketName, kmsKeyId: target.kmsKeyArn }, record);
  if (written === "written") return { ...base, record: recordWrite, object: "written" };
  const head = await target.objects.head(record.logObjectKey);
  const objectWrite: ReplayWrite = head?.payloadSha256 === record.payloadSha256 ? "present" : "conflict";
  return { ...base, record: recordWrite, object: objectWrite, ...(objectWrite === "conflict" ? { detail: "the survivor's log object holds another payload: left alone" } : {}) };
}

export function countReplay(outcomes: readonly ReplayOutcome[], start: ReplayCounts = EMPTY_REPLAY_COUNTS): ReplayCounts {
  const records = { ...start.records };
  const objects = { ...start.objects };
  for (const o of outcomes) {
    records[o.record]++;
    objects[o.object]++;
  }
  return { records, objects };
}

export function addReplayCounts(a: ReplayCounts, b: ReplayCounts): ReplayCounts {
  const sum = (x: Readonly<Record<ReplayWrite, number>>, y: Readonly<Record<ReplayWrite, number>>) =>
    ({ written: x.written + y.written, present: x.present + y.present, conflict: x.conflict + y.conflict, skipped: x.skipped + y.skipped });
  return { records: sum(a.records, b.records), objects: sum(a.objects, b.objects) };
}

/** Replays `records`, at most `concurrency` at once. */
export async function replayRecords(target: ReplayTarget, records: readonly TransactionRecord[], concurrency: number): Promise<ReplayOutcome[]> {
  return mapLimit(records, concurrency, (record) => replayOne(target, record));
}
