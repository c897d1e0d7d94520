/**
 * Input/output contract of the reconciliation run: one Lambda function,
 * dispatching on `event.step`, behind the states of the reconciliation state
 * machine (state-machine.ts). Every task sends `{ step, state.$: "$" }` (plus
 * the task token for requestApproval, the notice kind for notify) and returns
 * the next state (`OutputPath: "$.Payload"`).
 *
 *   Init → Locate → Settle (Wait) → Compare ⟲ → Report → Notify(report) → NeedsApproval?
 *        → RequestApproval (task token) → Replay ⟲ → Notify(replayed) → Done
 *   nothing to replay, or a dry run → Done; refused → Notify(refused) → Refused;
 *   approval timed out → Notify(expired) → Expired; any failure → Notify(failed) → Failed
 *
 * Steps (each safe to re-run after a crash: files are written at keys fixed by
 * the state, writes to the data are conditional):
 *  - locate           the window (audit record of the failover, or the request's bounds) and the run's file prefix
 *  - compare          one bounded slice of the window; its findings to compare/part-N.json; a cursor to go on
 *  - report           merges the parts into report.json (ids, amounts, no account numbers) and replay-set.json
 *                     (the returned region's records to replay), both SSE-KMS; publishes the counts as metrics
 *  - notify           one page of the given kind (report, replayed, refused, expired, failed)
 *  - requestApproval  keeps the task token in the state table and pages the summary and the npm run approve commands
 *  - replay           one bounded slice of the replay set, conditional writes only; replay/part-N.json; at the end replay.json
 */
import { CompareCounts, CompareCursor, Finding } from "./compare";
import { ReplayCounts, ReplayOutcome } from "./replay";
import { ReconcileWindow } from "./window";

export const STEP_NAMES = ["locate", "compare", "report", "notify", "requestApproval", "replay"] as const;
export type StepName = (typeof STEP_NAMES)[number];

export const NOTICE_KINDS = ["report", "replayed", "refused", "expired", "failed"] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** The execution input: a failover to reconcile (the monitor), or a window (an operator). */
export interface ReconcileRequest {
  /** The unplanned failover's execution ARN (its audit record is audit#<ARN> in this region's state table). */
  readonly failoverExecutionArn?: string;
  /** An operator's window instead (ISO, both required together). */
  readonly from?: string;
  readonly to?: string;
  /** Compare and report only; no approval, no replay. @default false */
  readonly dryRun?: boolean;
  readonly reason?: string;
  /** @default "operator" */
  readonly requestedBy?: "health-monitor" | "operator";
  /** Seconds the run waits before comparing, for replication resumed by the return to land. */
  readonly settleSeconds?: number;
}

export interface StepError {
  readonly Error: string;
  readonly Cause?: string;
}

export interface ReportSummary {
  readonly missingRecords: { readonly count: number; readonly totals: Readonly<Record<string, string>> };
  readonly missingObjects: { readonly count: number };
  readonly conflicts: { readonly count: number; readonly totals: Readonly<Record<string, string>> };
  /** Transactions the replay would write (record or object). */
  readonly replayable: number;
  readonly compared: number;
}

export interface RunState {
  readonly incidentKey: string;
  /** Key prefix of this run's files in the survivor's bucket. */
  readonly prefix: string;
  readonly survivorRegion: string;
  readonly returnedRegion: string;
  readonly failoverExecutionArn: string | null;
  readonly incidentId: string | null;
  readonly window: ReconcileWindow;
  /** What the audit record says of Aurora (the runbook's manual comparison). */
  readonly aurora: AuroraNote | null;
  readonly compare: { readonly cursor: CompareCursor | null; readonly parts: number; readonly done: boolean; readonly counts: CompareCounts };
  readonly report: { readonly key: string; readonly uri: string; readonly replaySetKey: string; readonly summary: ReportSummary } | null;
  readonly replay: { readonly next: number; readonly parts: number; readonly done: boolean; readonly counts: ReplayCounts; readonly resultKey: string | null } | null;
}

export interface AuroraNote {
  readonly window: { readonly from: string | null; readonly to: string | null; readonly basis: string } | null;
  readonly estimatedDataLossMs: number | null;
  /** The old primary cluster (identifier) and region: where AWS keeps the snapshot of its volume. */
  readonly oldClusterId: string | null;
  readonly oldRegion: string;
  /** Identifier pattern of the snapshot Aurora tries to take of the old primary's volume. */
  readonly snapshotPattern: string | null;
  readonly runbook: string;
}

export interface ReconcileState {
  /** $$.Execution.Id of the reconciliation run. */
  readonly executionId: string;
  /** $$.Execution.Name: the run id, part of the file prefix. */
  readonly runId: string;
  readonly request: ReconcileRequest;
  readonly run?: RunState;
  readonly approval?: unknown;
  readonly error?: StepError;
}

export interface StepEvent {
  readonly step: StepName;
  readonly state: ReconcileState;
  readonly taskToken?: string;
  /** requestApproval only: the asking state's name ($$.State.Name), which keys the approval item. */
  readonly request?: string;
  readonly kind?: NoticeKind;
}

/** The report object (report.json): what an operator reviews before approving. No account numbers. */
export interface Report {
  readonly version: 1;
  readonly runId: string;
  readonly executionId: string;
  readonly generatedAt: string;
  readonly survivorRegion: string;
  readonly returnedRegion: string;
  readonly failoverExecutionArn: string | null;
  readonly incidentId: string | null;
  readonly window: ReconcileWindow;
  readonly definitions: Readonly<Record<string, string>>;
  readonly counts: CompareCounts;
  readonly summary: ReportSummary;
  /** Transactions whose record the survivor lacks (amounts counted in summary.missingRecords.totals). */
  readonly missingRecords: readonly Finding[];
  /** Transactions whose record the survivor has, but not its log object. */
  readonly missingObjects: readonly Finding[];
  /** Listed, never replayed. */
  readonly conflicts: readonly Finding[];
  readonly aurora: AuroraNote | null;
}

export interface ReplayResult {
  readonly version: 1;
  readonly runId: string;
  readonly finishedAt: string;
  readonly counts: ReplayCounts;
  readonly outcomes: readonly ReplayOutcome[];
}
