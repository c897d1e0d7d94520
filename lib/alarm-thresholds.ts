/**
 * Alarm thresholds derived from the configured recovery targets, with the
 * unit of each metric explicit: CloudWatch reports AuroraGlobalDBReplicationLag
 * and AuroraGlobalDBRPOLag in milliseconds, DynamoDB ReplicationLatency in
 * milliseconds, and S3 ReplicationLatency in seconds.
 */

/** Warnings fire at this share of the RPO, critical alarms at the RPO itself. */
export const WARNING_SHARE_OF_RPO = 0.5;

export interface LagThresholds {
  readonly warning: number;
  readonly critical: number;
}

/** Aurora global replication lag and RPO lag, in milliseconds. */
export function auroraLagThresholdsMs(rpoSeconds: number): LagThresholds {
  return { warning: Math.floor(rpoSeconds * 1000 * WARNING_SHARE_OF_RPO), critical: rpoSeconds * 1000 };
}

/** DynamoDB global table ReplicationLatency, in milliseconds. */
export function dynamoReplicationThresholdsMs(rpoSeconds: number): LagThresholds {
  return { warning: Math.floor(rpoSeconds * 1000 * WARNING_SHARE_OF_RPO), critical: rpoSeconds * 1000 };
}

/** S3 ReplicationLatency, in seconds: the RPO, since replicated objects are data the DR region must have. */
export function s3ReplicationLatencyThresholdSeconds(rpoSeconds: number): number {
  return rpoSeconds;
}
