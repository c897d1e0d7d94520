/**
 * The orchestrator's pure decisions: the decision at the point of no return
 * (promotion.ts `chooseDecision`, P3), the data-loss window of the audit
 * record (`dataLossWindow`, P4), the drain after the fence (traffic.ts
 * `drainSeconds`, P1) and the assessment helpers they rest on.
 */
import { DataLossWindow, RunRecord } from "../../lambda/failover-orchestrator/contract";
import { chooseDecision, dataLossWindow } from "../../lambda/failover-orchestrator/promotion";
import { drainSeconds } from "../../lambda/failover-orchestrator/traffic";
import { lossLagMs, promotionState, rpoAtRisk, switchoverPossible, WriterView } from "../../lambda/failover-orchestrator/assessment";
import { ACTIVE, CLUSTER_ARN, evidenceRecord, fenced, globalView, orchestratorDeps, runRecord, STANDBY, T0 } from "./support/fixtures";

type DecisionInput = Parameters<typeof chooseDecision>[0];

function input(fields: Partial<Omit<DecisionInput, "run">> & { run?: Partial<DecisionInput["run"]> } = {}): DecisionInput {
  const { run, ...rest } = fields;
  return {
    run: { mode: "failover", intended: "failover", requestedBy: "health-monitor", ...run },
    requestedStrategy: "auto",
    switchoverPossible: false,
    dataLossAllowed: true,
    rpoAtRisk: false,
    onRpoBreach: "escalate",
    forcedApproved: false,
    rpoApproved: false,
    ...rest,
  };
}

describe("chooseDecision: the point of no return (P3, P4)", () => {
  it.each<[string, DecisionInput, string]>([
    // P3: a reachable, synchronized primary always gets a switchover.
    ["a reachable synchronized primary gets a switchover even with data-loss evidence", input({ switchoverPossible: true }), "switchover"],
    ["a reachable synchronized primary gets a switchover even when a person approved a forced failover", input({ switchoverPossible: true, run: { requestedBy: "operator" }, forcedApproved: true, rpoAtRisk: true }), "switchover"],
    ["a failback gets its switchover", input({ switchoverPossible: true, run: { mode: "failback", intended: "switchover", requestedBy: "operator" } }), "switchover"],
    // Failback never forces.
    ["a failback whose switchover became impossible stands down, whatever the evidence", input({ run: { mode: "failback", intended: "switchover", requestedBy: "operator" }, dataLossAllowed: true }), "stand-down"],
    ["a failback never forces, even one recorded as intending a failover", input({ run: { mode: "failback", intended: "failover", requestedBy: "operator" } }), "stand-down"],
    // Intended switchover (auto) that is no longer possible.
    ["an intended switchover that is no longer possible becomes a failover on independent evidence within the RPO", input({ run: { intended: "switchover" } }), "failover"],
    ["a planned request whose switchover is no longer possible stands down, whatever the evidence", input({ run: { intended: "switchover", requestedBy: "operator" }, requestedStrategy: "planned" }), "stand-down"],
    ["a planned request still gets its switchover", input({ run: { intended: "switchover", requestedBy: "operator" }, requestedStrategy: "planned", switchoverPossible: true }), "switchover"],
    ["an intended switchover that is no longer possible stands down when the RPO is at risk", input({ run: { intended: "switchover" }, rpoAtRisk: true }), "stand-down"],
    ["an intended switchover that is no longer possible stands down without evidence", input({ run: { intended: "switchover" }, dataLossAllowed: false }), "stand-down"],
    // Intended failover.
    ["a failover with independent evidence within the RPO goes ahead", input(), "failover"],
    ["the evidence gone since assess: stand down", input({ dataLossAllowed: false }), "stand-down"],
    ["RPO at risk with onRpoBreach escalate: a person must approve", input({ rpoAtRisk: true }), "escalate"],
    ["RPO at risk, approved by a person: failover", input({ rpoAtRisk: true, rpoApproved: true }), "failover"],
    ["RPO at risk with onRpoBreach proceed: failover", input({ rpoAtRisk: true, onRpoBreach: "proceed" }), "failover"],
    // Operator-forced failover.
    ["an operator's forced failover without evidence goes ahead only with approval", input({ run: { requestedBy: "operator" }, dataLossAllowed: false, forcedApproved: true }), "failover"],
    ["an operator's forced failover without evidence and without approval stands down", input({ run: { requestedBy: "operator" }, dataLossAllowed: false }), "stand-down"],
    ["an approval never stands in for evidence in the monitor's runs", input({ dataLossAllowed: false, forcedApproved: true }), "stand-down"],
    ["an approved forced failover still escalates an RPO risk", input({ run: { requestedBy: "operator" }, dataLossAllowed: false, forcedApproved: true, rpoAtRisk: true }), "escalate"],
  ])("%s", (_name, decisionInput, kind) => {
    expect(chooseDecision(decisionInput).kind).toBe(kind);
  });

  it.each<[DecisionInput, string]>([
    [input({ switchoverPossible: true }), "the writer is reachable and this secondary is synchronized: switchover, no data loss"],
    [input({ run: { intended: "switchover" } }), "a switchover is no longer possible and the writer region is down on independent evidence"],
    [input({ run: { intended: "switchover" }, dataLossAllowed: false }), "a switchover is not possible now (writer unreachable or secondary not synchronized)"],
    [input({ dataLossAllowed: false }), "the independent evidence that the writer region is down no longer holds"],
    [input({ rpoAtRisk: true }), "the replication lag is above the RPO or unknown: a person must approve the data loss"],
  ])("says why: %#", (decisionInput, reason) => {
    expect(chooseDecision(decisionInput).reason).toBe(reason);
  });

  it("says why a failover goes ahead: the evidence, or the person", () => {
    expect(chooseDecision(input()).reason).toBe("the writer region is down on independent evidence");
    expect(chooseDecision(input({ run: { requestedBy: "operator" }, dataLossAllowed: false, forcedApproved: true })).reason).toBe("a person approved a forced failover");
  });
});

describe("dataLossWindow: what the audit record says may be lost (P4)", () => {
  const deps = orchestratorDeps({ env: { DATA_LOSS_MARGIN_SECONDS: "5", SAMPLE_INTERVAL_SECONDS: "10", REPLICATION_ALLOWANCE_SECONDS: "7" } });
  const PROMOTED = T0 + 120_000;
  const DETECTED = T0 + 60_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  const forced = (fields: Partial<RunRecord> = {}) =>
    runRecord({ strategy: "unplanned", fence: fenced({ at: iso(T0 + 90_000), gateOldRegion: "done" }), drainSeconds: 10, decisionEvidence: evidenceRecord({ replicationLagMs: 800 }), ...fields });
  const window = (run: RunRecord, detectedAt: string | undefined = iso(DETECTED)): DataLossWindow => dataLossWindow(deps, run, PROMOTED, { detectedAt });

  it.each<[string, RunRecord["strategy"]]>([
    ["a planned switchover loses nothing", "planned"],
    ["no promotion loses nothing", "none"],
  ])("%s", (_name, strategy) => {
    expect(window(runRecord({ strategy }))).toEqual({ kind: "none", estimatedMs: 0, reason: expect.stringContaining("RPO 0"), stores: null });
  });

  it("a forced failover with a known lag estimates lag plus margin", () => {
    const w = window(forced());
    expect(w.kind).toBe("estimated");
    expect(w.estimatedMs).toBe(800 + 5_000);
    expect(w.reason).toBe("Aurora replication lag at promotion 800 ms plus margin");
  });

  it("bounds each store's window: from one sample before detection minus its replication bound and the margin, to the end of the drain plus the margin (the old region's clock)", () => {
    const w = window(forced());
    const failedBy = DETECTED - 10_000;
    const to = iso(T0 + 90_000 + 10_000 + 5_000);
    expect(w.stores).toEqual({
      aurora: { from: iso(failedBy - 800 - 5_000), to, basis: "Aurora lag 800 ms + 5 s margin" },
      dynamodb: { from: iso(failedBy - 7_000 - 5_000), to, basis: "global-table replication allowance 7 s + 5 s margin" },
      s3: { from: iso(failedBy - 15 * 60_000 - 5_000), to, basis: "S3 Replication Time Control guarantee 15 min + 5 s margin" },
    });
  });

  it("prefers Aurora's RPO lag to the replication lag when it reports one", () => {
    expect(window(forced({ decisionEvidence: evidenceRecord({ replicationLagMs: 800, rpoLagMs: 2_000 }) })).estimatedMs).toBe(7_000);
  });

  it("uses the assessment's lag when decide recorded no evidence", () => {
    expect(window(forced({ decisionEvidence: null, assessment: evidenceRecord({ replicationLagMs: 1_500 }) })).estimatedMs).toBe(6_500);
  });

  it("an unknown lag is kind unknown, with the reason, and no Aurora start", () => {
    const w = window(forced({ decisionEvidence: evidenceRecord({ replicationLagMs: null, rpoLagMs: null }) }));
    expect(w.kind).toBe("unknown");
    expect(w.estimatedMs).toBeNull();
    expect(w.reason).toBe("the replication lag could not be read at promotion");
    expect(w.stores?.aurora).toEqual({ from: null, to: iso(T0 + 100_000 + 5_000), basis: "replication lag unknown" });
    expect(w.stores?.dynamodb.from).not.toBeNull();
  });

  it("an unknown lag where the database enforces the RPO is bounded by it: estimated, with the basis named", () => {
    const enforced = orchestratorDeps({ env: { DATA_LOSS_MARGIN_SECONDS: "5", SAMPLE_INTERVAL_SECONDS: "10", REPLICATION_ALLOWANCE_SECONDS: "7", RPO_ENFORCEMENT: "database", RPO_SECONDS: "60" } });
    const w = dataLossWindow(enforced, forced({ decisionEvidence: evidenceRecord({ replicationLagMs: null, rpoLagMs: null }) }), PROMOTED, { detectedAt: iso(DETECTED) });
    expect(w.kind).toBe("estimated");
    expect(w.estimatedMs).toBe(60_000 + 5_000);
    expect(w.reason).toContain("rds.global_db_rpo");
    expect(w.stores?.aurora.from).toBe(iso(DETECTED - 10_000 - 60_000 - 5_000));
  });

  it("no evidence recorded at all is unknown", () => {
    expect(window(forced({ decisionEvidence: null, assessment: null })).kind).toBe("unknown");
  });

  it("leaves the end open when the old region was not confirmed fenced", () => {
    const w = window(forced({ fence: fenced({ at: iso(T0 + 90_000), gateOldRegion: "failed" }) }));
    expect(w.stores?.aurora.to).toBeNull();
    expect(w.stores?.s3.to).toBeNull();
    expect(w.reason).toContain("end open: the old region was not confirmed fenced");
  });

  it("closes the end when the old gate was already closed", () => {
    expect(window(forced({ fence: fenced({ at: iso(T0 + 90_000), gateOldRegion: "unchanged" }) })).stores?.aurora.to).toBe(iso(T0 + 100_000 + 5_000));
  });

  it("closes the end when nothing reached the old region anyway", () => {
    const w = window(forced({ fence: fenced({ at: iso(T0 + 90_000), gateOldRegion: "failed" }), assessment: evidenceRecord({ unreachableEverywhere: true }) }));
    expect(w.stores?.aurora.to).toBe(iso(T0 + 100_000 + 5_000));
    expect(w.reason).not.toContain("end open");
  });

  it("never ends the window later than the promotion plus the margin", () => {
    expect(window(forced({ drainSeconds: 600 })).stores?.aurora.to).toBe(iso(PROMOTED + 5_000));
  });

  it("starts from the promotion when detection is later; states the start unknown when there is no detection time", () => {
    expect(window(forced(), iso(PROMOTED + 60_000)).stores?.dynamodb.from).toBe(iso(PROMOTED - 10_000 - 7_000 - 5_000));
    for (const w of [dataLossWindow(deps, forced(), PROMOTED, {}), window(forced(), "not a date")]) {
      expect(w.stores?.dynamodb.from).toBeNull();
      expect(w.reason).toContain("start unknown");
    }
  });
});

describe("dataLossWindow: when the old region was last seen working bounds the start too", () => {
  const deps = orchestratorDeps({ env: { DATA_LOSS_MARGIN_SECONDS: "5", SAMPLE_INTERVAL_SECONDS: "10", REPLICATION_ALLOWANCE_SECONDS: "7" } });
  const PROMOTED = T0 + 120_000;
  const DETECTED = T0 + 60_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  const forced = runRecord({ strategy: "unplanned", fence: fenced({ at: iso(T0 + 90_000), gateOldRegion: "done" }), drainSeconds: 10, decisionEvidence: evidenceRecord({ replicationLagMs: 800 }) });
  const from = (detectedAt: string | undefined, lastSeenMs: number | null) => dataLossWindow(deps, forced, PROMOTED, { detectedAt }, lastSeenMs).stores?.dynamodb.from;

  it("starts from the last sight of the old region when that is older than one sample before detection", () => {
    expect(from(iso(DETECTED), DETECTED - 100_000)).toBe(iso(DETECTED - 100_000 - 7_000 - 5_000));
  });

  it("a last sight after the sample before detection does not move the start later", () => {
    expect(from(iso(DETECTED), DETECTED)).toBe(iso(DETECTED - 10_000 - 7_000 - 5_000));
  });

  it("knows the start from the last sight alone when the run has no detection time (an operator's run)", () => {
    const w = dataLossWindow(deps, forced, PROMOTED, {}, T0);
    expect(w.stores?.dynamodb.from).toBe(iso(T0 - 7_000 - 5_000));
    expect(w.reason).not.toContain("start unknown");
  });

  it.each<[string, number | null]>([
    ["no last sight", null],
    ["a last sight that is not a time", NaN],
  ])("%s leaves the start to the detection time", (_name, lastSeenMs) => {
    expect(from(iso(DETECTED), lastSeenMs)).toBe(iso(DETECTED - 10_000 - 7_000 - 5_000));
    expect(from(undefined, lastSeenMs)).toBeNull();
  });
});

describe("drainSeconds: how long the old region may still serve after the fence", () => {
  const deps = orchestratorDeps({ env: { SAMPLE_INTERVAL_SECONDS: "7", REPLICATION_ALLOWANCE_SECONDS: "11", INFLIGHT_ALLOWANCE_SECONDS: "13" } });

  it.each<[string, Partial<RunRecord>, boolean, number]>([
    ["one monitor sample, the replication allowance and the in-flight allowance when the old gate was not closed directly", {}, false, 7 + 11 + 13],
    ["only the in-flight allowance when the gate was closed directly", {}, true, 13],
    ["nothing when the old region is unreachable from every vantage point", { assessment: evidenceRecord({ unreachableEverywhere: true }) }, false, 0],
    ["nothing in a dry run", { dryRun: true }, false, 0],
    ["nothing in a dry run even when the gate was closed", { dryRun: true }, true, 0],
  ])("%s", (_name, fields, closedDirectly, seconds) => {
    expect(drainSeconds(deps, runRecord(fields), closedDirectly)).toBe(seconds);
  });
});

describe("assessment helpers", () => {
  it.each<[string, number | null, number | null, boolean]>([
    ["a lag within the RPO is no risk", 60_000, null, false],
    ["a lag just above the RPO is a risk", 60_001, null, true],
    ["an unknown lag is a risk", null, null, true],
    ["the RPO lag decides when Aurora reports it", 1_000, 90_000, true],
  ])("rpoAtRisk: %s", (_name, replicationLagMs, rpoLagMs, risk) => {
    expect(rpoAtRisk(evidenceRecord({ replicationLagMs, rpoLagMs }), 60, "alarm")).toBe(risk);
  });

  it.each<[string, number | null]>([
    ["an unknown lag", null],
    ["a lag far above the RPO", 900_000],
  ])("rpoAtRisk: where the database enforces the RPO (rds.global_db_rpo), %s is no risk: the primary refused what no secondary held", (_name, lag) => {
    expect(rpoAtRisk(evidenceRecord({ replicationLagMs: lag, rpoLagMs: lag }), 60, "database")).toBe(false);
    expect(rpoAtRisk(evidenceRecord({ replicationLagMs: lag, rpoLagMs: lag }), 60, "alarm")).toBe(true);
  });

  it("lossLagMs prefers the RPO lag", () => {
    expect(lossLagMs(evidenceRecord({ replicationLagMs: 5, rpoLagMs: 9 }))).toBe(9);
    expect(lossLagMs(evidenceRecord({ replicationLagMs: 5, rpoLagMs: null }))).toBe(5);
  });

  it.each<[string, boolean, boolean, string, boolean]>([
    ["reachable, synchronized, available", true, true, "available", true],
    ["unreachable primary", false, true, "available", false],
    ["secondary not synchronized", true, false, "available", false],
    ["global cluster busy", true, true, "modifying", false],
  ])("switchoverPossible: %s", (_name, primaryReachable, synchronized, status, possible) => {
    const view = { global: globalView({ status }) } as WriterView;
    expect(switchoverPossible(evidenceRecord({ primaryReachable, synchronized }), view)).toBe(possible);
  });

  it.each<[string, Parameters<typeof globalView>[0], WriterView["promotion"]]>([
    ["pending while the other region is the writer", {}, "pending"],
    ["already-writer when this region's cluster is the writer", { writer: STANDBY }, "already-writer"],
    ["in-progress while a promotion to this region runs", { failover: { to: STANDBY } }, "in-progress"],
    ["other-in-progress while a promotion elsewhere runs", { failover: { to: ACTIVE } }, "other-in-progress"],
  ])("promotionState: %s", (_name, spec, state) => {
    expect(promotionState(globalView(spec), CLUSTER_ARN[STANDBY] as string)).toBe(state);
  });
});
