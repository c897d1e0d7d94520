/**
 * Recording one validated transaction: the metadata record first, then the
 * log object.
 *
 * Why this order. The conditional PutItem is the single decision point: it
 * alone says whether this transactionId is new, a replay, or a conflict, and
 * it is atomic. Writing it first means
 *  - a conflicting payload (same id, different hash) is refused before
 *    anything reaches the log bucket, so the bucket never holds a log object
 *    that disagrees with the table;
 *  - a crash (or an S3 failure, answered 503) after the record and before the
 *    log object leaves a record without its object; the client's retry finds
 *    the record (ConditionalCheckFailed -> same hash -> replay) and the replay
 *    always sends the conditional PutObject again, which writes the object if
 *    it is missing and gets 412 (nothing rewritten) if it is there.
 * The reverse order would leave an orphan object on a crash and, worse, let a
 * later request with a different payload find the key taken (412), record its
 * own metadata, and pair it with the first request's log object.
 *
 * So a record may exist briefly without its log object, until the client
 * retries; a client that gave up after a 5xx leaves such a record behind (a
 * reconciliation job listing records without objects would close that gap).
 *
 * A replay answers 200 with the stored record (not the request), whichever
 * region first wrote it; a 201 means this call created the record.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { TransientError } from "../shared/errors";
import { Logger } from "../shared/log";
import { Caller, Clock } from "../shared/retry";
import { WriteGate } from "./write-gate";
import { ProcessorConfig } from "./config";
import { TransactionConflictError } from "./errors";
import { LogObjectStatus, putLogObject } from "./log-object";
import { payloadSha256, Transaction } from "./payload";
import { getRecord, newRecord, putRecord, TransactionRecord } from "./record";

export interface ProcessorClients {
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
}

export interface ProcessorDeps {
  readonly config: ProcessorConfig;
  readonly clients: ProcessorClients;
  readonly clock: Clock;
  /** Retrying caller: throttling and 5xx with backoff, then TransientError. */
  readonly call: Caller;
  readonly log: Logger;
  /** This region's write gate (write-gate.ts): checked before every write. */
  readonly writeGate: WriteGate;
  /** Receives one embedded-metric-format line per refused write. @default process.stdout */
  readonly metricSink?: (line: string) => void;
}

export interface RecordOutcome {
  /** created: this call wrote the record; replayed: the same payload was already recorded. */
  readonly kind: "created" | "replayed";
  readonly record: TransactionRecord;
  /** written: this call wrote the log object (on a replay: repaired a missing one); exists: it was there (412). */
  readonly logObject: LogObjectStatus;
}

export async function recordTransaction(deps: ProcessorDeps, clientId: string, transaction: Transaction): Promise<RecordOutcome> {
  const { config, clients, call } = deps;
  const table = { dynamodb: clients.dynamodb, call, tableName: config.tableName };
  const hash = payloadSha256(transaction);
  const candidate = newRecord(clientId, transaction, hash, config.region, deps.clock(), config.retentionDays);

  let kind: RecordOutcome["kind"] = "created";
  let record = candidate;
  if (!(await putRecord(table, candidate))) {
    const existing = await getRecord(table, candidate.recordKey);
    // Deleted between the failed condition and the read (TTL, a replicated delete): a retry will create it.
    if (!existing) throw new TransientError("txmeta record vanished between PutItem and GetItem", { operation: "GetItem" });
    if (existing.payloadSha256 !== hash) throw new TransactionConflictError(transaction.transactionId);
    kind = "replayed";
    record = existing;
  }

  const logObject = await putLogObject({ s3: clients.s3, call, bucketName: config.bucketName, kmsKeyId: config.kmsKeyId }, record);
  return { kind, record, logObject };
}
