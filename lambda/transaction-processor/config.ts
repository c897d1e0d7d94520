/**
 * Transaction processor configuration, read once from the environment; the
 * variables the infrastructure sets are the contract in environment.ts
 * (shared/env.ts: a missing or invalid variable fails the cold start with a
 * ConfigurationError naming it). Both regions deploy the same code with the
 * same variables; only AWS_REGION and the bucket name differ.
 *
 * | variable               | meaning                                                                         | default  |
 * |------------------------|---------------------------------------------------------------------------------|----------|
 * | AWS_REGION             | own region (set by Lambda); stored in each record as `region`                   | required |
 * | TXMETA_TABLE_NAME      | DynamoDB global table `txmeta`, partition key `transactionId` (S), TTL expiresAt | required |
 * | TXLOGS_BUCKET_NAME     | this region's transaction log bucket (SSE-KMS by default)                       | required |
 * | TXLOGS_KMS_KEY_ID      | KMS key id/ARN sent with PutObject; unset: the bucket's default key is used     | unset    |
 * | TXMETA_RETENTION_DAYS  | days a record is kept: expiresAt = receivedAt + this (DynamoDB TTL)             | 400      |
 * | RETRY_MAX_ATTEMPTS     | attempts per AWS call on throttling/5xx before answering 503                    | 3        |
 * | RETRY_BASE_DELAY_MS    | first backoff delay, doubled per retry (equal jitter)                           | 50       |
 * | RETRY_MAX_DELAY_MS     | cap of one backoff delay                                                        | 1000     |
 * | AWS_CALL_TIMEOUT_MS    | socket request timeout of one AWS call                                          | 3000     |
 * | RETRY_AFTER_SECONDS    | Retry-After header of a 503                                                     | 1        |
 * | ENVIRONMENT            | environment name, on every log line                                            | unset    |
 * | CONTROL_TABLE_NAME     | control table of the failover automation (fence and heartbeat of AWS_REGION)   | required |
 * | FENCE_CACHE_SECONDS    | seconds the write gate's verdict is cached (write-gate.ts)                      | 5        |
 * | STALE_HEARTBEAT_SECONDS| heartbeat age beyond which the writer is unknown (writes refused)               | 30       |
 * | TOKEN_ISSUER           | `iss` of the tokens the load balancer validates; unset: every write is refused  | unset    |
 * | CLIENT_ID_CLAIM        | the token claim naming the client                                               | client_id|
 * | CLIENT_REGISTRY        | {"<client id>": ["<account or prefix*>", ...]}: what each client may debit      | {} (none)|
 * | LOG_LEVEL              | debug \| info \| warn \| error                                                  | info     |
 *
 * Keep the Lambda timeout above RETRY_MAX_ATTEMPTS x (AWS_CALL_TIMEOUT_MS +
 * RETRY_MAX_DELAY_MS) x 3 calls and below the ALB idle timeout (60 s default).
 */
import { EnvReader, EnvSource } from "../shared/env";
import { ConfigurationError } from "../shared/errors";
import { RetryPolicy } from "../shared/retry";
import { ClientRegistry, parseClientRegistry } from "./clients";
import { PROCESSOR_ENVIRONMENT } from "./environment";

/** The variables the infrastructure writes (environment.ts). */
const WRITTEN = PROCESSOR_ENVIRONMENT.names;

export interface ProcessorConfig {
  readonly region: string;
  readonly environment: string | undefined;
  readonly tableName: string;
  readonly bucketName: string;
  /** Sent as SSEKMSKeyId only when set. */
  readonly kmsKeyId: string | undefined;
  readonly retentionDays: number;
  readonly retry: RetryPolicy;
  readonly callTimeoutMs: number;
  readonly retryAfterSeconds: number;
  readonly controlTableName: string;
  readonly fenceCacheSeconds: number;
  readonly staleHeartbeatSeconds: number;
  readonly tokenIssuer: string | undefined;
  readonly clientIdClaim: string;
  readonly clients: ClientRegistry;
}

function registryFrom(text: string | undefined): ClientRegistry {
  try {
    return parseClientRegistry(text);
  } catch (error) {
    throw new ConfigurationError(WRITTEN.clientRegistry, (error as Error).message);
  }
}

export function loadProcessorConfig(source: EnvSource): ProcessorConfig {
  const env = new EnvReader(source);
  const baseDelayMs = env.int("RETRY_BASE_DELAY_MS", 50, { min: 0, max: 5_000 });
  const maxDelayMs = env.int("RETRY_MAX_DELAY_MS", 1_000, { min: 0, max: 10_000 });
  if (maxDelayMs < baseDelayMs) throw new ConfigurationError("RETRY_MAX_DELAY_MS", `must be at least RETRY_BASE_DELAY_MS (${baseDelayMs})`, String(maxDelayMs));
  return {
    region: env.region("AWS_REGION"),
    environment: env.optionalString(WRITTEN.environment),
    tableName: env.string(WRITTEN.tableName),
    bucketName: env.string(WRITTEN.bucketName),
    kmsKeyId: env.optionalString("TXLOGS_KMS_KEY_ID"),
    retentionDays: env.int("TXMETA_RETENTION_DAYS", 400, { min: 1, max: 3_650 }),
    retry: { maxAttempts: env.int("RETRY_MAX_ATTEMPTS", 3, { min: 1, max: 10 }), baseDelayMs, maxDelayMs },
    callTimeoutMs: env.int("AWS_CALL_TIMEOUT_MS", 3_000, { min: 100, max: 30_000 }),
    retryAfterSeconds: env.int("RETRY_AFTER_SECONDS", 1, { min: 1, max: 300 }),
    controlTableName: env.string(WRITTEN.controlTableName),
    fenceCacheSeconds: env.int(WRITTEN.fenceCacheSeconds, 5, { min: 1, max: 30 }),
    staleHeartbeatSeconds: env.int(WRITTEN.staleHeartbeatSeconds, 30, { min: 10, max: 3_600 }),
    tokenIssuer: env.optionalString(WRITTEN.tokenIssuer),
    clientIdClaim: env.optionalString(WRITTEN.clientIdClaim) ?? "client_id",
    clients: registryFrom(env.optionalString(WRITTEN.clientRegistry)),
  };
}
