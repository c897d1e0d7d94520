/**
 * Transaction processor Lambda, deployed identically in both regions (same
 * bundle, same variables but AWS_REGION and the bucket name).
 *
 * Invocation: an ALB target group of target type `lambda` (alb.ts), behind a
 * listener rule that validates the caller's JWT first (clients.ts).
 *   Before any write: the caller's client id from the validated token (401
 *   without one), this region's write gate (write-gate.ts: 503 while fenced or
 *   not the writer), the payload (400), the client registry (403 for a debit
 *   account the client may not use).
 *   POST /transactions with a JSON body records a transaction;
 *   GET /transactions/health answers 200 without any AWS call (the target
 *   group's health check path, matcher 200). Multi-value headers: off (the
 *   response follows the form of the request, so turning them on also works).
 *   Status codes and log lines: handler.ts. Routing and body decoding: request.ts.
 *
 * Validation: payload.ts (zod, strict: unknown fields refused; amount a
 * decimal string, never a float). 400 names every bad field, never a value.
 *
 * Writes, in this order (why: processor.ts):
 *   1. txmeta global table, PutItem with attribute_not_exists(recordKey), keyed per client
 *      (record.ts). Already there: GetItem (consistent read); same payload
 *      hash -> idempotent replay, 200 with the stored record; different -> 409.
 *   2. the region's txlogs bucket, PutObject with IfNoneMatch "*", SSE-KMS
 *      (log-object.ts), on a replay too: it writes a missing object and gets
 *      412 (treated as written, nothing overwritten) for an existing one.
 *
 * Another region: the conditional write is checked only against the replica
 * it is sent to, and global tables are last-writer-wins. A retry that lands in
 * the other region after the record has replicated (typically under a second)
 * is a normal replay (200, `region` = the first region); one that lands within
 * the replication delay creates a second record there, and the later write
 * silently replaces the earlier (same payload: equal content except region and
 * receivedAt; different payload: no 409, one of them is lost). Hence: send
 * writes to the active region only (the failover fences the old region before
 * opening the new one) and keep consumers idempotent on transactionId.
 *
 * Throttling and 5xx: retried with backoff by shared/retry.ts, then 503 with
 * Retry-After. The SDK's own retries are off (maxAttempts 1) so that one
 * policy, RETRY_*, bounds the latency behind the ALB.
 *
 * Environment: config.ts. Clients, configuration and logger are created once,
 * at module scope; a bad variable fails the cold start naming it.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { createLogger, logLevelFrom } from "../shared/log";
import { realSleep, systemClock } from "../shared/retry";
import { createProcessorCaller } from "./caller";
import { loadProcessorConfig } from "./config";
import { createHandler, Handler } from "./handler";
import { createWriteGate } from "./write-gate";

const config = loadProcessorConfig(process.env);
const log = createLogger(
  { function: "transaction-processor", region: config.region, ...(config.environment ? { environment: config.environment } : {}) },
  { level: logLevelFrom(process.env.LOG_LEVEL) },
);

const clientConfig = {
  maxAttempts: 1,
  requestHandler: { requestTimeout: config.callTimeoutMs, connectionTimeout: Math.min(config.callTimeoutMs, 1_000) },
};

const clients = {
  dynamodb: new DynamoDBClient(clientConfig),
  s3: new S3Client(clientConfig),
};

const call = createProcessorCaller(config.retry, realSleep, log);

const writeGate = createWriteGate({
  dynamodb: clients.dynamodb,
  call,
  clock: systemClock,
  settings: { controlTableName: config.controlTableName, region: config.region, cacheSeconds: config.fenceCacheSeconds, staleHeartbeatSeconds: config.staleHeartbeatSeconds },
});

export const handler: Handler = createHandler({ config, clients, clock: systemClock, call, log, writeGate });
