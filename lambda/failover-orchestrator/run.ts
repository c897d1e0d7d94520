/** Helpers shared by the steps: the run record, the locks, request validation. */
import { writeFence } from "../shared/control-table";
import { Plain } from "../shared/dynamo";
import { errorMessage, errorName, PreconditionFailedError } from "../shared/errors";
import { FAILOVER_MODES, FAILOVER_STRATEGIES, FailoverMode, FailoverRequest, FailoverStrategy, Requester, REQUESTERS } from "../shared/failover-request";
import { LockParams, lockKey, renewLock } from "../shared/lock";
import { FailoverState, RunRecord, StepName, TimelineEntry } from "./contract";
import { OrchestratorDeps } from "./deps";

export interface NormalizedRequest extends FailoverRequest {
  readonly mode: FailoverMode;
  readonly strategy: FailoverStrategy;
  readonly requestedBy: Requester;
  readonly approvalRequired: boolean;
  readonly dryRun: boolean;
}

/** Validates the execution input; a bad input is permanent. */
export function normalizeRequest(request: FailoverRequest | undefined): NormalizedRequest {
  if (!request || typeof request !== "object") throw new PreconditionFailedError("The execution input (request) is missing");
  const mode = request.mode ?? "failover";
  if (!FAILOVER_MODES.includes(mode)) throw new PreconditionFailedError(`request.mode must be one of ${FAILOVER_MODES.join(", ")}`, { mode });
  const strategy = request.strategy ?? "auto";
  if (!FAILOVER_STRATEGIES.includes(strategy)) throw new PreconditionFailedError(`request.strategy must be one of ${FAILOVER_STRATEGIES.join(", ")}`, { strategy });
  if (mode === "failback" && strategy === "unplanned") throw new PreconditionFailedError("A failback is always a planned switchover; strategy unplanned is not allowed", { mode, strategy });
  const requestedBy = request.requestedBy ?? "operator";
  if (!REQUESTERS.includes(requestedBy)) throw new PreconditionFailedError(`request.requestedBy must be one of ${REQUESTERS.join(", ")}`, { requestedBy });
  const poll = request.pollIntervalSeconds;
  if (poll !== undefined && (typeof poll !== "number" || !Number.isFinite(poll) || poll <= 0)) {
    throw new PreconditionFailedError("request.pollIntervalSeconds must be a positive number", { pollIntervalSeconds: String(poll) });
  }
  return { ...request, mode, strategy, requestedBy, approvalRequired: request.approvalRequired === true, dryRun: request.dryRun === true };
}

/** Who answered an approval, as npm run approve sends it ({"approvedBy", "approvedAt"}); null when the answer names nobody. */
export function approverOf(answer: unknown): string | null {
  // Object() of anything but null or undefined has the answer's own properties, or none (a string, a number).
  const { approvedBy, approvedAt } = Object(answer ?? {}) as { approvedBy?: unknown; approvedAt?: unknown };
  if (typeof approvedBy !== "string" || approvedBy === "") return null;
  return typeof approvedAt === "string" && approvedAt !== "" ? `${approvedBy} at ${approvedAt}` : approvedBy;
}

/** The approvers so far with one more (a re-run of the same step adds nobody twice). */
export function withApprover(approvedBy: readonly string[] | undefined, answer: unknown): readonly string[] {
  const who = approverOf(answer);
  const known = approvedBy ?? [];
  return who === null || known.includes(who) ? known : [...known, who];
}

export function requireRun(state: FailoverState, step: StepName): RunRecord {
  if (!state || typeof state.executionId !== "string" || !state.run) {
    throw new PreconditionFailedError(`Step ${step} needs the state returned by assess (executionId, request, run)`);
  }
  return state.run;
}

export function isoAt(deps: OrchestratorDeps, ms: number = deps.clock()): string {
  return new Date(ms).toISOString();
}

export function withEvent(deps: OrchestratorDeps, run: RunRecord, step: StepName, event: string, detail?: TimelineEntry["detail"]): RunRecord {
  const entry: TimelineEntry = { at: isoAt(deps), step, event, ...(detail ? { detail } : {}) };
  deps.log.info(`${step}.${event}`, { executionId: run.executionId, ...(detail ?? {}) });
  return { ...run, timeline: [...run.timeline, entry] };
}

export function lockParams(deps: OrchestratorDeps, holder: string): LockParams {
  return {
    tableName: deps.config.stateTableName,
    key: lockKey(deps.config.globalClusterId),
    holder,
    nowMs: deps.clock(),
    ttlSeconds: deps.config.lockTtlSeconds,
  };
}

/**
 * Renews this region's lock before a mutating step (proves this execution still
 * holds it; LockLostError otherwise) and, best effort, the other region's.
 * `extra` is stored on the own lock in the same conditional write. No-op in dry run.
 */
export async function holdLock(deps: OrchestratorDeps, run: RunRecord, extra?: Readonly<Record<string, Plain>>): Promise<{ run: RunRecord; item: Record<string, Plain> | null }> {
  if (run.dryRun) return { run, item: null };
  const params = lockParams(deps, run.executionId);
  const renewed = await renewLock(deps.own.dynamodb, deps.call, params, extra);
  if (run.locks.peer === "held") {
    await renewLock(deps.peer.dynamodb, deps.peerCall, params).catch((error) =>
      deps.log.warn("lock.peer-renew-failed", { executionId: run.executionId, error: describeError(error) }),
    );
  }
  // The fence of the old region lives as long as the lock until the promotion is asked for.
  if (run.fence?.written === "done" && run.promotion === "pending" && run.fence.at) {
    await writeFence(deps.own.dynamodb, deps.call, deps.config.controlTableName, {
      region: run.oldRegion,
      fenced: true,
      by: run.executionId,
      byRegion: run.newRegion,
      at: Date.parse(run.fence.at),
      leaseExpiresAt: renewed.expiresAt * 1000,
      capacity: run.fence.capacity,
      reason: run.fence.reason,
    });
  }
  return { run: { ...run, lockExpiresAt: renewed.expiresAt }, item: renewed.item };
}

export function describeError(error: unknown): string {
  return `${errorName(error)}: ${errorMessage(error)}`;
}

export function output(state: FailoverState, run: RunRecord): FailoverState {
  return { executionId: state.executionId, request: state.request, run };
}
