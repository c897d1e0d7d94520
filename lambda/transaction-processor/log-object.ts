/**
 * The transaction log object in this region's txlogs bucket:
 *
 *   transactions/<clientId>/<yyyy>/<mm>/<dd>/<transactionId>.json
 *
 * under the client's own prefix (two clients' equal transactionIds never share a key).
 * The date is the transaction's own `timestamp` (UTC), not the time of
 * receipt, so every retry of a transaction, on any day and in either region,
 * names the same key. The body is built from the metadata record only, with a
 * fixed key order: a retry that repairs a missing object writes the same bytes
 * the first attempt would have.
 *
 * Written with `IfNoneMatch: "*"` (S3 conditional write): an existing object
 * is never overwritten; 412 PreconditionFailed means it is already there and
 * counts as written. 409 ConditionalRequestConflict (a concurrent write of the
 * same key) is retried like throttling, and then normally ends in 412.
 * Encryption: SSE-KMS with the bucket's default key, or TXLOGS_KMS_KEY_ID when set.
 */
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { isAwsError, TransientError } from "../shared/errors";
import { Caller } from "../shared/retry";
import { canonicalJson, Transaction } from "./payload";

export const LOG_OBJECT_PREFIX = "transactions/";
/** 2: the client's id in the metadata and in the key (1: keyed by transactionId alone). */
export const LOG_DOCUMENT_VERSION = 2;

/** What the conditional write found: "written" by this call, or "exists" already (412). */
export type LogObjectStatus = "written" | "exists";

export interface LogTarget {
  readonly s3: S3Client;
  readonly call: Caller;
  readonly bucketName: string;
  /** SSEKMSKeyId; the bucket's default key when undefined. */
  readonly kmsKeyId: string | undefined;
}

/** What the log document holds besides the transaction. */
export interface LogMetadata {
  readonly clientId: string;
  readonly status: string;
  readonly region: string;
  readonly receivedAt: string;
  readonly expiresAt: number;
  readonly payloadSha256: string;
  readonly logObjectKey: string;
}

export function logObjectKey(clientId: string, transaction: Pick<Transaction, "transactionId" | "timestamp">): string {
  const at = new Date(transaction.timestamp);
  const yyyy = String(at.getUTCFullYear()).padStart(4, "0");
  const mm = String(at.getUTCMonth() + 1).padStart(2, "0");
  const dd = String(at.getUTCDate()).padStart(2, "0");
  return `${LOG_OBJECT_PREFIX}${clientId}/${yyyy}/${mm}/${dd}/${transaction.transactionId}.json`;
}

/** The object body: the canonical transaction and the record's metadata, in a fixed order. */
export function logDocument(record: Transaction & LogMetadata): string {
  const transaction: Transaction = {
    transactionId: record.transactionId,
    amount: record.amount,
    currency: record.currency,
    debitAccount: record.debitAccount,
    creditAccount: record.creditAccount,
    timestamp: record.timestamp,
    ...(record.reference === undefined ? {} : { reference: record.reference }),
  };
  return (
    JSON.stringify({
      version: LOG_DOCUMENT_VERSION,
      transaction: JSON.parse(canonicalJson(transaction)) as unknown,
      metadata: {
        clientId: record.clientId,
        status: record.status,
        region: record.region,
        receivedAt: record.receivedAt,
        expiresAt: record.expiresAt,
        payloadSha256: record.payloadSha256,
      },
    }) + "\n"
  );
}

function isPreconditionFailed(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  return isAwsError(error, "PreconditionFailed") || status === 412;
}

/** Conditional PutObject of the log document at record.logObjectKey. */
export async function putLogObject(target: LogTarget, record: Transaction & LogMetadata): Promise<LogObjectStatus> {
  try {
    await target.call("PutObject", async () => {
      try {
        return await target.s3.send(
          new PutObjectCommand({
            Bucket: target.bucketName,
            Key: record.logObjectKey,
            Body: logDocument(record),
            ContentType: "application/json",
            ServerSideEncryption: "aws:kms",
            ...(target.kmsKeyId === undefined ? {} : { SSEKMSKeyId: target.kmsKeyId }),
            IfNoneMatch: "*",
            Metadata: { "payload-sha256": record.payloadSha256 },
          }),
        );
      } catch (error) {
        // A concurrent conditional write of the same key: S3 asks for a retry.
        if (isAwsError(error, "ConditionalRequestConflict")) throw new TransientError("PutObject: ConditionalRequestConflict", { cause: "ConditionalRequestConflict" }, error);
        throw error;
      }
    });
    return "written";
  } catch (error) {
    if (isPreconditionFailed(error)) return "exists";
    throw error;
  }
}
