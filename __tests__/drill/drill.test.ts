/**
 * The drill end to end on the shipped configurations: the emitted runbooks with
 * the real handlers (drill bundles), the health monitors on their schedules,
 * Route 53 from the dns stack, clients, invariants. The smoke scenario (the
 * primary region is lost) and the data-loss window: every Aurora write the forced
 * failover lost lies inside the audit record's Aurora window, and its estimate
 * covers the loss; the RTO is within the budget (lib/budget).
 */
import { activeIngressBlip, databaseOnlyFailure, primaryRegionLost } from "../../drill/scenarios";
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
  const run = (preRouteStandby: boolean) => runScenario(activeIngressBlip, drillInputs("prod", { dns: { preRouteStandby } }));

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

describe("a stale replica in the old region: the fence has not reached it when the Fence closes its gate (prod)", () => {
  it("the old region's monitor does not reopen its gate while the other region's run holds its lock", async () => {
    let opened: { atMs: number; function?: string }[] = [];
    const result = await runScenario(databaseOnlyFailure, {
      ...drillInputs("prod"),
      prepare: (world) => {
        const table = world.functionsOf("health-monitor", world.active)[0]?.env.CONTROL_TABLE_NAME;
        if (!table) throw new Error("no control table in the active region's monitor environment");
        // For the first 400 s (past the Fence at about 250 s and the promotion), nothing written in the standby
        // region's replica of the control table reaches the old region: its monitor does not see the fence.
        const until = world.model.nowMs + 400_000;
        world.model.replicationHold = (p) => p.table === table && p.destination === world.active && world.model.nowMs < until;
        world.model.callListeners.push((call) => {
          const values = (call.input as { Conditions?: { PathPatternConfig?: { Values?: string[] } }[] }).Conditions?.[0]?.PathPatternConfig?.Values ?? [];
          if (call.operation === "ModifyRule" && call.region === world.active && values.includes("/.dr/gate")) opened = [...opened, { atMs: call.atMs, ...(call.function ? { function: call.function } : {}) }];
        });
      },
    });
    expect(result.violations).toEqual([]);
    expect(result.promotions).toEqual([expect.objectContaining({ operation: "FailoverGlobalCluster", calledIn: result.standby })]);
    // The gate of the old region was open before the fault and is never opened again.
    expect(opened).toEqual([]);
    expect(result.passed).toBe(true);
  });
});
