/**
 * Incident ids and execution names: deterministic, so that a duplicate
 * StartExecution for the same attempt of the same incident is impossible (Step
 * Functions refuses a second execution with the same name for 90 days, and
 * ExecutionAlreadyExists is treated as success).
 *
 * Incident = (global cluster, the writer the monitor saw, the start of the
 * actionable streak that opened it). Execution = incident + attempt number.
 */
import { createHash } from "node:crypto";

const MAX_EXECUTION_NAME = 80;

export function incidentId(globalClusterId: string, writerArn: string, streakStartedAtSeconds: number): string {
  const stamp = new Date(streakStartedAtSeconds * 1000).toISOString().replace(/[-:]/g, "").slice(0, 15) + "Z"; // 20250101T000000Z
  const hash = createHash("sha256").update(`${globalClusterId}|${writerArn}|${streakStartedAtSeconds}`).digest("hex").slice(0, 10);
  return `${stamp}-${hash}`;
}

/** `failover-<prefix>-<incident>-a<attempt>`, at most 80 characters of [A-Za-z0-9_-]. */
export function executionName(globalClusterId: string, incident: string, attempt: number): string {
  const fixed = `failover--${incident}-a${attempt}`.length;
  const prefix = globalClusterId.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, Math.max(0, MAX_EXECUTION_NAME - fixed));
  return `failover-${prefix}-${incident}-a${attempt}`;
}

/** arn:aws:states:r:acct:stateMachine:name + execution -> arn:aws:states:r:acct:execution:name:execution */
export function executionArnFor(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
}
