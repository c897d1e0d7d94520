/**
 * The drill end to end on the shipped configurations: the emitted runbooks with
 * the real handlers (drill bundles), the health monitors on their schedules,
 * Route 53 from the dns stack, clients, invariants. The smoke scenario (the
 * primary region is lost) and the data-loss window: every Aurora write the forced
 * failover lost lies inside the audit record's Aurora window, and its estimate
 * covers the loss; the RTO is within the budget (lib/budget).
 */
import { primaryRegionLost } from "../../drill/scenarios";
import { runScenario, ScenarioResult } from "../../drill/scenario";
import { drillInputs } from "./support/inputs";

describe.each(["dev", "prod"] as const)("the primary region is lost (%s)", (name) => {
  let result: ScenarioResult;

  beforeAll(async () => {
    result = await runScenario(primaryRegionLost, drillInputs(name));
  });

  it("the standby's monitor starts the emitted failover runbook, which fences, decides and force-promotes; clients recover within the target and the budget", () => {
    expect(result.violations).toEqual([]);
    expect(result.expectations.filter((e) => !e.met)).toEqual([]);
    expect(result.executions).toEqual([expect.objectContaining({ region: result.standby, status: "SUCCEEDED" })]);
    expect(result.promotions).toEqual([expect.objectContaining({ operation: "FailoverGlobalCluster", allowDataLoss: true, calledIn: result.standby })]);
    const entered = result.timeline.filter((t) => t.lane.startsWith("sfn ")).map((t) => t.text.replace(/^enter /, ""));
    const path = ["Init", "Normalize", "Assess", "AfterAssess", "RaiseCapacity", "Fence", "Drain", "Decide", "AfterDecide", "Promote", "AwaitWriter", "OpenGate", "Verify", "Complete", "Succeeded"];
    expect(entered.filter((s) => path.includes(s))).toEqual(path);
    expect(result.rtoSeconds).not.toBeNull();
    expect(result.budgetRtoSeconds).not.toBeNull();
    expect(result.rtoSeconds as number).toBeLessThanOrEqual(result.budgetRtoSeconds as number);
    expect(result.passed).toBe(true);
  });

  it("the audit record's data-loss window holds every lost write, and its estimate covers the loss", () => {
    const [loss] = result.dataLoss;
    expect(result.dataLoss).toHaveLength(1);
    expect(loss?.lostWrites).toBeGreaterThan(0);
    expect(loss?.audit?.kind).toBe("estimated");
    expect(loss?.audit?.estimateSeconds as number).toBeGreaterThanOrEqual(loss?.windowSeconds as number);
    expect(loss?.audit?.auroraFromSeconds as number).toBeLessThanOrEqual(loss?.lostFromSeconds as number);
    expect(loss?.audit?.auroraToSeconds === null || (loss?.audit?.auroraToSeconds as number) >= (loss?.lostToSeconds as number)).toBe(true);
    expect(loss?.windowSeconds).toBeLessThanOrEqual(result.rpoTargetSeconds);
  });
});
