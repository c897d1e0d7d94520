/**
 * The transaction processor's environment contract: what the infrastructure
 * (constructs/app/transaction-endpoint.ts) writes and config.ts reads. Tuning
 * variables (TXMETA_RETENTION_DAYS, RETRY_*, AWS_CALL_TIMEOUT_MS,
 * RETRY_AFTER_SECONDS, LOG_LEVEL, TXLOGS_KMS_KEY_ID) are not part of it: the
 * defaults in config.ts apply unless a deployment sets them by hand.
 */
import { envContract } from "../shared/env-contract";

export interface ProcessorEnvironment {
  /** Environment name, on every log line. */
  readonly environment: string;
  /** The `txmeta` global table (partition key transactionId). */
  readonly tableName: string;
  /** This region's transaction log bucket. */
  readonly bucketName: string;
}

export const PROCESSOR_ENVIRONMENT = envContract<ProcessorEnvironment>({
  environment: "ENVIRONMENT",
  tableName: "TXMETA_TABLE_NAME",
  bucketName: "TXLOGS_BUCKET_NAME",
});
