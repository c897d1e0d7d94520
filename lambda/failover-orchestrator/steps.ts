/** Dispatch on `event.step` (see contract.ts for each step's contract). */
import { PreconditionFailedError, toOutcomeError } from "../shared/errors";
import { assess } from "./assess";
import { FailoverState, STEP_NAMES, StepEvent } from "./contract";
import { OrchestratorDeps } from "./deps";
import { awaitWriter, decide, promote } from "./promotion";
import { abort, complete, requestApproval, standDown } from "./report";
import { fence, openGate, raiseCapacity, verify } from "./traffic";

export { abort, assess, awaitWriter, complete, decide, fence, openGate, promote, raiseCapacity, requestApproval, standDown, verify };

/** The steps whose whole input is the run's state, by the name the runbooks send in `event.step`. */
export const STATE_STEPS = { assess, raiseCapacity, fence, decide, promote, awaitWriter, openGate, verify, complete, standDown, abort } as const;

export async function runStep(event: StepEvent, deps: OrchestratorDeps): Promise<FailoverState> {
  if (typeof event !== "object" || event === null || !event.state) throw new PreconditionFailedError("The event must be { step, state }");
  if (event.step === "requestApproval") return requestApproval(deps, event.state, event.taskToken, event.request);
  if (!Object.hasOwn(STATE_STEPS, event.step)) {
    throw new PreconditionFailedError(`Unknown step ${JSON.stringify((event as { step?: unknown }).step)}; expected one of ${STEP_NAMES.join(", ")}`);
  }
  return STATE_STEPS[event.step as keyof typeof STATE_STEPS](deps, event.state);
}

/**
 * The Lambda handler over the given collaborators: logs, runs the step, and
 * maps any failure to a typed error whose name the state machine matches.
 */
export function createStepHandler(deps: OrchestratorDeps): (event: StepEvent) => Promise<FailoverState> {
  return async (event) => {
    const log = deps.log.child({ step: event?.step, executionId: event?.state?.executionId });
    log.info("step.start");
    try {
      const result = await runStep(event, { ...deps, log });
      log.info("step.done", { promotion: result.run?.promotion, outcome: result.run?.outcome, decision: result.run?.decision?.kind });
      return result;
    } catch (error) {
      const outcome = toOutcomeError(error);
      log.error("step.failed", { error: outcome, retryable: outcome.retryable });
      throw outcome;
    }
  };
}
