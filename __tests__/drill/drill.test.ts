/**
 * The drill end to end on today's synthesized output (config/dev.json): the
 * emitted runbooks with the real handlers (drill bundles), the health monitor
 * on its schedule, Route 53 from the dns stack, clients, invariants; and a run
 * with a safeguard removed through a test double, which the drill must catch.
 */
import { TerraformApp } from "../../drill/terraform/app";
import { loadFigures } from "../../drill/figures";
import { runScenario, ScenarioInputs } from "../../drill/scenario";
import { primaryRegionLost, regionReturnsAfterFailover } from "../../drill/scenarios";
import { INVARIANTS } from "../../drill/invariants";
import { GATE_METRIC_NAMESPACE } from "../../lambda/shared/gate";
import { configVariant } from "../support/config";
import { synthConfig } from "../support/synth";

let inputs: ScenarioInputs;

beforeAll(() => {
  const config = configVariant("dev");
  const app = TerraformApp.of(synthConfig(config).stacks);
  inputs = { app, config, figures: loadFigures(), seed: 1 };
});

describe("the smoke scenario: the primary region is lost, automatic authority", () => {
  it("the standby's monitor starts the emitted failover runbook, which promotes the standby with the real orchestrator; clients recover", async () => {
    const result = await runScenario(primaryRegionLost, inputs);

    expect(result.executions).toEqual([expect.objectContaining({ region: result.standby, status: "SUCCEEDED" })]);
    expect(result.promotions).toEqual([expect.objectContaining({ operation: "FailoverGlobalCluster", allowDataLoss: true, calledIn: result.standby })]);
    expect(result.writerAtEnd).toBe(result.standby);
    const entered = result.timeline.filter((t) => t.lane.startsWith("sfn ")).map((t) => t.text);
    expect(entered).toEqual(expect.arrayContaining(["enter Begin", "enter Promote", "enter AwaitWriter", "enter Fence", "enter OpenGate", "enter Verify", "enter Complete"]));
    // The monitor needs FAILURE_THRESHOLD (3) failed minutes before it starts the runbook.
    const started = result.executions[0]?.startSeconds ?? 0;
    expect(started).toBeGreaterThanOrEqual(120 + 2 * 60);
    expect(result.rtoSeconds).not.toBeNull();
    expect(result.dataLoss).toEqual([expect.objectContaining({ toRegion: result.standby })]);
    expect(result.evaluations).toBeGreaterThan(result.durationSeconds);
  });
});

describe("a safeguard removed through a test double", () => {
  const afterReturn = (result: Awaited<ReturnType<typeof runScenario>>) =>
    result.violations.filter((v) => v.invariant === INVARIANTS.trafficFollowsWriter && v.lastAtMs - result.startMs > 600_000);

  it("with the fence (the gate metric) in place, the returning region gets no client traffic", async () => {
    const result = await runScenario(regionReturnsAfterFailover, inputs);
    expect(afterReturn(result)).toEqual([]);
  });

  it("without the fence, clients go back to the returning region whose database is no longer the writer: the drill fails", async () => {
    const result = await runScenario(regionReturnsAfterFailover, {
      ...inputs,
      prepare: (world) =>
        world.model.fail({
          operation: "PutMetricData",
          when: "drop",
          times: Number.POSITIVE_INFINITY,
          match: (input) => (input as { Namespace?: string }).Namespace === GATE_METRIC_NAMESPACE,
          error: () => new Error("unused"),
        }),
    });
    expect(afterReturn(result)).not.toEqual([]);
    expect(result.passed).toBe(false);
  });
});
