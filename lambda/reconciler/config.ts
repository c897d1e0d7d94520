/**
 * Reconciler configuration, read once from the environment (shared/env.ts:
 * a missing or invalid variable fails the cold start naming it). The same
 * function runs in both regions; it always reconciles INTO its own region
 * (the survivor) FROM the other one (the returned region).
 *
 * | variable                 | meaning                                                                  | default        |
 * |--------------------------|--------------------------------------------------------------------------|----------------|
 * | AWS_REGION               | own region: the surviving region (set by Lambda)                         | required       |
 * | ENVIRONMENT              | environment name (logs, metric dimension, pages)                         | required       |
 * | PEER_REGION              | the returned region, read through its own endpoints                      | required       |
 * | STATE_TABLE_NAME         | own regional state table (the failover audit records)                    | required       |
 * | TXMETA_TABLE_NAME        | the txmeta global table, with the time index                             | required       |
 * | TXLOGS_BUCKET_NAME       | own transaction log bucket (replay target; reports under REPORT_PREFIX)  | required       |
 * | PEER_TXLOGS_BUCKET_NAME  | the returned region's transaction log bucket (read only)                 | required       |
 * | REPORT_KMS_KEY_ARN       | own data key: SSE-KMS of reports and of replayed log objects             | required       |
 * | TOPIC_ARN                | own alert topic (summaries, approval requests)                           | required       |
 * | CLOCK_SKEW_SECONDS       | widens the window at both ends (the regions' clocks stamp receivedAt)     | 5              |
 * | LOOKBACK_SECONDS         | window start when the audit record has none                              | 3600           |
 * | REPORT_PREFIX            | key prefix of reports and work files in TXLOGS_BUCKET_NAME               | reconciliation/|
 * | METRIC_NAMESPACE         | namespace of the published counts                                        | DR/Reconciliation |
 * | MAX_RECORDS_PER_STEP     | records compared or replayed by one invocation before it hands a cursor on | 2000         |
 * | BATCH_CONCURRENCY        | concurrent HeadObject / conditional writes                               | 8              |
 * | PEER_TIMEOUT_MS          | timeout of one call into the returned region                             | 5000           |
 * | RETRY_MAX_ATTEMPTS       | attempts per AWS call (throttling, 5xx, timeouts)                        | 4              |
 * | RETRY_BASE_DELAY_MS      | first backoff delay, doubled per retry                                   | 200            |
 * | LOG_LEVEL                | debug \| info \| warn \| error                                           | info           |
 */
import { EnvReader, EnvSource } from "../shared/env";
import { ConfigurationError } from "../shared/errors";
import { RetryPolicy } from "../shared/retry";
import { RECONCILER_ENVIRONMENT } from "./environment";
import { RECONCILIATION_METRIC_NAMESPACE, REPORT_PREFIX_DEFAULT } from "./names";

const W = RECONCILER_ENVIRONMENT.names;

export interface ReconcilerConfig {
  readonly environment: string;
  readonly region: string;
  readonly peerRegion: string;
  readonly stateTableName: string;
  readonly tableName: string;
  readonly bucketName: string;
  readonly peerBucketName: string;
  readonly kmsKeyArn: string;
  readonly topicArn: string;
  readonly clockSkewSeconds: number;
  readonly lookbackSeconds: number;
  readonly reportPrefix: string;
  readonly metricNamespace: string;
  readonly maxRecordsPerStep: number;
  readonly concurrency: number;
  readonly peerTimeoutMs: number;
  readonly retry: RetryPolicy;
}

export function loadReconcilerConfig(source: EnvSource): ReconcilerConfig {
  const env = new EnvReader(source);
  const region = env.region("AWS_REGION");
  const peerRegion = env.region(W.peerRegion);
  if (peerRegion === region) throw new ConfigurationError(W.peerRegion, "must differ from the Lambda's own region", peerRegion);
  const reportPrefix = env.optionalString("REPORT_PREFIX") ?? REPORT_PREFIX_DEFAULT;
  if (!/^[a-z0-9][a-z0-9-]*\/$/.test(reportPrefix)) throw new ConfigurationError("REPORT_PREFIX", "must be lowercase letters, digits and '-', ending in '/'", reportPrefix);
  return {
    environment: env.string(W.environment),
    region,
    peerRegion,
    stateTableName: env.string(W.stateTableName),
    tableName: env.string(W.tableName),
    bucketName: env.string(W.bucketName),
    peerBucketName: env.string(W.peerBucketName),
    kmsKeyArn: env.arn(W.kmsKeyArn, "kms"),
    topicArn: env.arn(W.topicArn, "sns"),
    clockSkewSeconds: env.int(W.clockSkewSeconds, 5, { min: 0, max: 3_600 }),
    lookbackSeconds: env.int(W.lookbackSeconds, 3_600, { min: 60, max: 7 * 86_400 }),
    reportPrefix,
    metricNamespace: env.optionalString("METRIC_NAMESPACE") ?? RECONCILIATION_METRIC_NAMESPACE,
    maxRecordsPerStep: env.int("MAX_RECORDS_PER_STEP", 2_000, { min: 1, max: 100_000 }),
    concurrency: env.int("BATCH_CONCURRENCY", 8, { min: 1, max: 64 }),
    peerTimeoutMs: env.int("PEER_TIMEOUT_MS", 5_000, { min: 500, max: 30_000 }),
    retry: {
      maxAttempts: env.int("RETRY_MAX_ATTEMPTS", 4, { min: 1, max: 10 }),
      baseDelayMs: env.int("RETRY_BASE_DELAY_MS", 200, { min: 0, max: 10_000 }),
      maxDelayMs: 5_000,
    },
  };
}
