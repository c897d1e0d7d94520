/**
 * The reconciler's environment contract: what the infrastructure
 * (constructs/failover/reconciliation.ts) writes and config.ts reads. Tuning
 * (page sizes, budgets, retries, LOG_LEVEL) keeps config.ts's defaults.
 */
import { envContract } from "../shared/env-contract";

export interface ReconcilerEnvironment {
  readonly environment: string;
  /** The other region: the one that returned after an unplanned failover (its txmeta replica and txlogs bucket are read). */
  readonly peerRegion: string;
  /** This region's regional state table: the failover audit records (audit#<execution ARN>). */
  readonly stateTableName: string;
  /** The txmeta global table (same name in both regions). */
  readonly tableName: string;
  /** This region's transaction log bucket: replay target, and the report prefix. */
  readonly bucketName: string;
  /** The other region's transaction log bucket (read only). */
  readonly peerBucketName: string;
  /** ARN of this region's data key: SSE-KMS of the report and of replayed log objects. */
  readonly kmsKeyArn: string;
  /** The alert topic of this region. */
  readonly topicArn: string;
  /** Seconds added to both ends of the window for clock skew between the regions. */
  readonly clockSkewSeconds: number;
  /** Window start when the audit record states none (an operator-started failover without detectedAt). */
  readonly lookbackSeconds: number;
}

export const RECONCILER_ENVIRONMENT = envContract<ReconcilerEnvironment>({
  environment: "ENVIRONMENT",
  peerRegion: "PEER_REGION",
  stateTableName: "STATE_TABLE_NAME",
  tableName: "TXMETA_TABLE_NAME",
  bucketName: "TXLOGS_BUCKET_NAME",
  peerBucketName: "PEER_TXLOGS_BUCKET_NAME",
  kmsKeyArn: "REPORT_KMS_KEY_ARN",
  topicArn: "TOPIC_ARN",
  clockSkewSeconds: "CLOCK_SKEW_SECONDS",
  lookbackSeconds: "LOOKBACK_SECONDS",
});
