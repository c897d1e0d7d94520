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
  /** The failover automation's control table (read-only: this region's fence and heartbeat items). */
  readonly controlTableName: string;
  /** Seconds the write gate's verdict is cached (write-gate.ts). */
  readonly fenceCacheSeconds: number;
  /** Age beyond which this region's heartbeat no longer tells whether its cluster is the writer. */
  readonly staleHeartbeatSeconds: number;
  /** The `iss` of the tokens the load balancer validates; unset: authentication is not configured (every write refused). */
  readonly tokenIssuer?: string;
  /** The token claim that names the client. */
  readonly clientIdClaim: string;
  /** The client registry, JSON ({"<client id>": ["<account or prefix*>", ...]}). */
  readonly clientRegistry: string;
}

export const PROCESSOR_ENVIRONMENT = envContract<ProcessorEnvironment>({
  environment: "ENVIRONMENT",
  tableName: "TXMETA_TABLE_NAME",
  bucketName: "TXLOGS_BUCKET_NAME",
  controlTableName: "CONTROL_TABLE_NAME",
  fenceCacheSeconds: "FENCE_CACHE_SECONDS",
  staleHeartbeatSeconds: "STALE_HEARTBEAT_SECONDS",
  tokenIssuer: "TOKEN_ISSUER",
  clientIdClaim: "CLIENT_ID_CLAIM",
  clientRegistry: "CLIENT_REGISTRY",
});
