/** Dispatch on `event.step` (see contract.ts for each step's contract). */
import { PreconditionFailedError, toOutcomeError } from "../shared/errors";
import { assess } from "./assess";
import { FailoverState, STEP_NAMES, StepEvent } from "./contract";
import { OrchestratorDeps } from "./deps";
import { awaitWriter, decide, promote } from "./promotion";
import { abort, complete, requestApproval, standDown } from "./report";
import { fence, openGate, raiseCapacity, verify } from "./traffic";

export { abort, assess, awaitWriter, complete, decide, fence, openGate, promote, raiseCapacity, requestApproval, standDown, verify };

export async function runStep(event: StepEvent, deps: OrchestratorDeps): Promise<FailoverState> {
  if (!event || typeof event !== "object" || !event.state) throw new PreconditionFailedError("The event must be { step, state }");
  switch (event.step) {
    case "assess":
      return assess(deps, event.state);
    case "requestApproval":
      return requestApproval(deps, event.state, event.taskToken, event.request);
    case "raiseCapacity":
      return raiseCapacity(deps, event.state);
    case "fence":
      return fence(deps, event.state);
    case "decide":
      return decide(deps, event.state);
    case "promote":
      return promote(deps, event.state);
    case "awaitWriter":
      return awaitWriter(deps, event.state);
    case "openGate":
      return openGate(deps, event.state);
    case "verify":
      return verify(deps, event.state);
    case "complete":
      return complete(deps, event.state);
    case "standDown":
      return standDown(deps, event.state);
    case "abort":
      return abort(deps, event.state);
    default:
      throw new PreconditionFailedError(`Unknown step ${JSON.stringify((event as { step?: unknown }).step)}; expected one of ${STEP_NAMES.join(", ")}`);
  }
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
