/**
 * The data-loss window of an unplanned failover as the audit record states it
 * (lambda/failover-orchestrator/promotion.ts dataLossWindow), checked against
 * the reconciliation issue: from the fence and promotion times and the lag
 * measured at promotion, with a safety margin at both ends, or why unknown.
 */
import { dataLossWindow } from "../../lambda/failover-orchestrator/promotion";
import { EvidenceRecord, RunRecord } from "../../lambda/failover-orchestrator/contract";
import { OrchestratorDeps } from "../../lambda/failover-orchestrator/deps";

const config = { dataLossMarginSeconds: 5, sampleIntervalSeconds: 10, replicationAllowanceSeconds: 10 };
const deps = { config } as unknown as OrchestratorDeps;
const T = (iso: string) => Date.parse(iso);
const DETECTED = "2025-03-14T09:38:00.000Z"; // first bad sample
const FENCED = "2025-03-14T09:39:00.000Z";
const PROMOTED = T("2025-03-14T09:40:00.000Z");

const evidence = (lagMs: number | null): EvidenceRecord =>
  ({ at: FENCED, verdict: "region-down", summary: "", independentDown: [], dataLossAllowed: true, unreachableEverywhere: true, primaryReachable: false, synchronized: false, replicationLagMs: lagMs, rpoLagMs: null }) as EvidenceRecord;

function run(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    strategy: "unplanned",
    assessment: evidence(1200),
    decisionEvidence: evidence(1200),
    fence: { written: "done", at: FENCED, capacity: "zero", reason: "", gateOldRegion: "failed", capacityOldRegion: "failed", errors: [] },
    drainSeconds: 0,
    ...overrides,
  } as unknown as RunRecord;
}

describe("the data-loss window in the audit record", () => {
  test("GIVEN a monitor-started forced failover, old region unreachable THEN each store's window starts one sample before detection minus its bound and the margin, and ends at the fence plus drain plus the margin", () => {
    const w = dataLossWindow(deps, run({ drainSeconds: 0 }), PROMOTED, { detectedAt: DETECTED });
    const failedBy = T(DETECTED) - 10_000;
    expect(w.kind).toBe("estimated");
    expect(w.estimatedMs).toBe(1200 + 5000);
    expect(w.stores).toEqual({
      aurora: { from: new Date(failedBy - 1200 - 5000).toISOString(), to: new Date(T(FENCED) + 5000).toISOString(), basis: "Aurora lag 1200 ms + 5 s margin" },
      dynamodb: { from: new Date(failedBy - 10_000 - 5000).toISOString(), to: new Date(T(FENCED) + 5000).toISOString(), basis: "global-table replication allowance 10 s + 5 s margin" },
      s3: { from: new Date(failedBy - 900_000 - 5000).toISOString(), to: new Date(T(FENCED) + 5000).toISOString(), basis: "S3 Replication Time Control guarantee 15 min + 5 s margin" },
    });
  });

  test("GIVEN the old region's gate was confirmed closed and a drain THEN the end is the fence plus the drain (at most the promotion), plus the margin", () => {
    const closed = run({ fence: { written: "done", at: FENCED, capacity: "zero", reason: "", gateOldRegion: "done", capacityOldRegion: "done", errors: [] } as RunRecord["fence"], drainSeconds: 20, assessment: { ...evidence(1200), unreachableEverywhere: false } });
    expect(dataLossWindow(deps, closed, PROMOTED, { detectedAt: DETECTED }).stores!.dynamodb.to).toBe(new Date(T(FENCED) + 20_000 + 5000).toISOString());
    const late = run({ ...closed, drainSeconds: 600 } as Partial<RunRecord>);
    expect(dataLossWindow(deps, late, PROMOTED, { detectedAt: DETECTED }).stores!.dynamodb.to).toBe(new Date(PROMOTED + 5000).toISOString());
  });

  test("GIVEN the old region was neither confirmed fenced nor unreachable everywhere THEN the end is open and the reason says why", () => {
    const open = run({ assessment: { ...evidence(1200), unreachableEverywhere: false } });
    const w = dataLossWindow(deps, open, PROMOTED, { detectedAt: DETECTED });
    expect(w.stores!.s3.to).toBeNull();
    expect(w.reason).toContain("end open: the old region was not confirmed fenced");
  });

  test("GIVEN an operator's run without detectedAt THEN the start is unknown in every store, and the reason says why (no guess from the promotion time)", () => {
    const w = dataLossWindow(deps, run(), PROMOTED, {});
    expect([w.stores!.aurora.from, w.stores!.dynamodb.from, w.stores!.s3.from]).toEqual([null, null, null]);
    expect(w.stores!.dynamodb.to).not.toBeNull();
    expect(w.reason).toContain("start unknown: the run has no detectedAt");
    expect(w.kind).toBe("estimated");
  });

  test("GIVEN the lag could not be read at promotion THEN the kind is unknown, Aurora's window has no start, and the other stores keep theirs", () => {
    const w = dataLossWindow(deps, run({ assessment: evidence(null), decisionEvidence: evidence(null) }), PROMOTED, { detectedAt: DETECTED });
    expect(w).toMatchObject({ kind: "unknown", estimatedMs: null, reason: expect.stringContaining("could not be read") });
    expect(w.stores!.aurora).toMatchObject({ from: null, basis: "replication lag unknown" });
    expect(w.stores!.dynamodb.from).not.toBeNull();
  });

  test("GIVEN a planned switchover THEN no window: Aurora waits for the secondary (RPO 0)", () => {
    expect(dataLossWindow(deps, run({ strategy: "planned" }), PROMOTED, { detectedAt: DETECTED })).toMatchObject({ kind: "none", stores: null });
  });
});
