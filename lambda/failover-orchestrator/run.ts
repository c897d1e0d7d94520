/** Helpers shared by the steps: the run record, the lock parameters, request validation. */
import { errorMessage, errorName, PreconditionFailedError } from "../shared/errors";
import { FAILOVER_MODES, FAILOVER_STRATEGIES, FailoverMode, FailoverRequest, FailoverStrategy } from "../shared/failover-request";
import { FailoverState, RunRecord, StepName, TimelineEntry } from "./contract";
import { OrchestratorDeps } from "./deps";
import { LockParams, lockKey, renewLock } from "./lock";
import { Plain } from "../shared/dynamo";

export interface NormalizedRequest extends FailoverRequest {
  readonly mode: FailoverMode;
  readonly strategy: FailoverStrategy;
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
  for (const field of ["pollIntervalSeconds", "maxWaitSeconds"] as const) {
    const value = request[field];
    if (value !== undefined && (typeof value !== "number" || !Number.isFinite(value) || value < 0)) {
      throw new PreconditionFailedError(`request.${field} must be a non-negative number`, { [field]: String(value) });
    }
  }
  return { ...request, mode, strategy, approvalRequired: request.approvalRequired === true, dryRun: request.dryRun === true };
}

export function requireRun(state: FailoverState, step: StepName): RunRecord {
  if (!state || typeof state.executionId !== "string" || !state.run) {
    throw new PreconditionFailedError(`Step ${step} needs the state returned by begin (executionId, request, run)`);
  }
  return state.run;
}

export function at(deps: OrchestratorDeps): string {
  return new Date(deps.clock()).toISOString();
}

export function withEvent(deps: OrchestratorDeps, run: RunRecord, step: StepName, event: string, detail?: TimelineEntry["detail"]): RunRecord {
  const entry: TimelineEntry = { at: at(deps), step, event, ...(detail ? { detail } : {}) };
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

/** Renews the lock before a mutating step (no-op in dry run). */
export async function holdLock(deps: OrchestratorDeps, run: RunRecord, extra?: Readonly<Record<string, Plain>>): Promise<{ run: RunRecord; item: Record<string, Plain> | null }> {
  if (run.dryRun) return { run, item: null };
  const renewed = await renewLock(deps.own.dynamodb, deps.call, lockParams(deps, run.executionId), extra);
  return { run: { ...run, lockExpiresAt: renewed.expiresAt }, item: renewed.item };
}

export function describeError(error: unknown): string {
  return `${errorName(error)}: ${errorMessage(error)}`;
}

export function output(state: FailoverState, run: RunRecord): FailoverState {
  return { executionId: state.executionId, request: state.request, run };
}
