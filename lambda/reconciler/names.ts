/**
 * Names the reconciliation shares with the infrastructure and the operators:
 * metrics (namespace, names, dimensions), the report layout in the surviving
 * region's transaction log bucket, and the deterministic execution name that
 * makes "one reconciliation per incident" hold. Plain constants and pure
 * functions, no SDK: lib/ and constructs/ import them.
 */
import { createHash } from "node:crypto";

export const RECONCILIATION_METRIC_NAMESPACE = "DR/Reconciliation";

/** Published by the report step (the comparison) and the replay, dimensions Environment and Region (the surviving region). */
export const RECONCILIATION_METRICS = {
  /** Transaction records the returned region holds in the window and the survivor lacks. Count. */
  missingRecords: "MissingRecords",
  /** Transaction log objects the survivor lacks (of records in the window). Count. */
  missingObjects: "MissingObjects",
  /** Records or objects held by both regions with different payload hashes: listed, never replayed. Count. */
  conflicts: "Conflicts",
  /** Sum of the missing records' amounts, one series per currency (extra dimension Currency). None. */
  missingAmount: "MissingAmount",
  /** Records and objects the replay wrote (0 on a second replay). Count. */
  replayedRecords: "ReplayedRecords",
  replayedObjects: "ReplayedObjects",
} as const;

export const RECONCILIATION_DIMENSION_ENVIRONMENT = "Environment";
export const RECONCILIATION_DIMENSION_REGION = "Region";
export const RECONCILIATION_DIMENSION_CURRENCY = "Currency";

/** Key prefix of reports and work files in the surviving region's transaction log bucket. */
export const REPORT_PREFIX_DEFAULT = "reconciliation/";

const MAX_EXECUTION_NAME = 80;

/** The last segment of an execution ARN (its name); the input when it is not an ARN. */
export function executionNameOf(executionArn: string): string {
  return executionArn.split(":").pop() ?? executionArn;
}

/**
 * The reconciliation execution of one unplanned failover: `reconcile-<failover
 * execution name, shortened>-<hash>`, at most 80 characters of [A-Za-z0-9_-].
 * Step Functions refuses a second execution of the same name for 90 days: the
 * monitor can ask at every sample and one run starts.
 */
export function reconciliationExecutionName(failoverExecutionArn: string): string {
  const hash = createHash("sha256").update(failoverExecutionArn).digest("hex").slice(0, 12);
  const fixed = `reconcile--${hash}`.length;
  const middle = executionNameOf(failoverExecutionArn)
    .replace(/[^A-Za-z0-9_-]/g, "-")
    .slice(0, MAX_EXECUTION_NAME - fixed);
  return `reconcile-${middle}-${hash}`;
}

/** Where one run keeps its files: `<prefix><incident key>/<run id>/`. */
export function runPrefix(reportPrefix: string, incidentKey: string, runId: string): string {
  return `${reportPrefix}${incidentKey}/${runId}/`;
}

export const RUN_FILES = {
  report: "report.json",
  replaySet: "replay-set.json",
  replayResult: "replay.json",
  comparePart: (n: number) => `compare/part-${String(n).padStart(5, "0")}.json`,
  replayPart: (n: number) => `replay/part-${String(n).padStart(5, "0")}.json`,
} as const;
