/**
 * The orchestrator's crash-after-every-step property, on the EMITTED failover
 * runbook of the synthesized configuration, in the whole drill (real bundles, the
 * monitor that starts the run, the model): for each task of the main path, the
 * sandbox dies after the step did its work (Lambda.Unknown); the emitted Retry
 * runs it again, and the run ends in exactly the end state of an uninterrupted
 * run (writer, promotions, gates, capacity, fences, locks, audit records,
 * notifications), with the step invoked twice.
 */
import { crashAfter, primaryRegionLost } from "../../drill/scenarios";
import { EndState, runScenario } from "../../drill/scenario";
import { drillInputs } from "./support/inputs";

const MAIN_PATH = ["Assess", "RaiseCapacity", "Fence", "Decide", "Promote", "AwaitWriter", "OpenGate", "Verify", "Complete"];
/** prod: the steps around the point of no return (the whole path runs for dev). */
const PROD_STEPS = ["Fence", "Promote", "AwaitWriter", "OpenGate"];

describe.each([
  ["dev", MAIN_PATH],
  ["prod", PROD_STEPS],
] as const)("crash after a step of the emitted runbook (%s)", (name, steps) => {
  let reference: EndState;

  beforeAll(async () => {
    const uninterrupted = await runScenario({ ...primaryRegionLost, durationSeconds: crashAfter("Assess").durationSeconds }, drillInputs(name));
    expect(uninterrupted.passed).toBe(true);
    reference = uninterrupted.endState;
  });

  it.each(steps)("a crash after %s is retried by the emitted Retry and ends as the uninterrupted run", async (state) => {
    const result = await runScenario(crashAfter(state), drillInputs(name));

    expect(result.violations).toEqual([]);
    expect(result.expectations.filter((e) => !e.met)).toEqual([]);
    expect(result.timeline.some((t) => t.text === "TaskFailed Lambda.Unknown")).toBe(true);
    expect(result.endState).toEqual(reference);
  });
});
