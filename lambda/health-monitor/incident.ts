/**
 * The failover execution name: deterministic per incident, so a duplicate
 * StartExecution for the same incident is impossible (Step Functions refuses
 * a second execution with the same name for 90 days; ExecutionAlreadyExists is
 * treated as success).
 *
 * Incident = (global cluster, the writer the monitor saw, the start of the
 * current run of bad checks). Every tick of one outage yields the same name;
 * a new outage (after a good check) or a new writer yields a new one.
 */
import { createHash } from "node:crypto";

const MAX_EXECUTION_NAME = 80;

export function incidentExecutionName(globalClusterId: string, writerArn: string, streakStartedAtSeconds: number): string {
  const stamp = new Date(streakStartedAtSeconds * 1000).toISOString().replace(/[-:]/g, "").slice(0, 13) + "Z"; // 20250101T0000Z
  const hash = createHash("sha256").update(`${globalClusterId}|${writerArn}|${streakStartedAtSeconds}`).digest("hex").slice(0, 12);
  const fixed = `failover--${stamp}-${hash}`.length;
  const prefix = globalClusterId.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, MAX_EXECUTION_NAME - fixed);
  return `failover-${prefix}-${stamp}-${hash}`;
}
