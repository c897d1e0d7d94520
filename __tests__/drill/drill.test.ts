/**
 * The drill end to end on the shipped configurations: the emitted runbooks with
 * the real handlers (drill bundles), the health monitors on their schedules,
 * Route 53 from the dns stack, clients, invariants. The smoke scenario (the
 * primary region is lost) and the data-loss window: every Aurora write the forced
 * failover lost lies inside the audit record's Aurora window, and its estimate
 * covers the loss; the RTO is within the budget (lib/budget).
 */
import { activeIngressBlip, primaryRegionLost } from "../../drill/scenarios";
import { loadFigures } from "../../drill/figures";
import { TerraformApp } from "../../drill/terraform/app";
import { configVariant } from "../support/config";
import { synthConfig } from "../support/synth";
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

describe("what pre-routing costs: the internet loses the active region's load balancer for 60 s (prod)", () => {
  const run = (preRouteStandby: boolean) => {
    const config = configVariant("prod", { dns: { preRouteStandby } });
    return runScenario(activeIngressBlip, { app: TerraformApp.of(synthConfig(config).stacks), config, figures: loadFigures(), seed: 1 });
  };

  it("pre-routed, clients wait at the standby's closed gate until the active record recovers and cached answers expire; nothing is promoted", async () => {
    const result = await run(true);
    expect(result.violations).toEqual([]);
    expect(result.promotions).toEqual([]);
    expect(result.passed).toBe(true);
    // The 60 s blip, then the gate check's two answers, Route 53's propagation (60 s) and the alias TTL (60 s).
    expect(result.rtoSeconds as number).toBeGreaterThan(60 + 60);
    expect(result.rtoSeconds as number).toBeLessThanOrEqual(60 + 20 + 60 + 60);
  });

  it("without pre-routing, clients are back when the path is", async () => {
    const result = await run(false);
    expect(result.violations).toEqual([]);
    expect(result.promotions).toEqual([]);
    expect(result.rtoSeconds as number).toBeLessThanOrEqual(60 + 5);
  });
});
