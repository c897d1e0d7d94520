/**
 * The invariant checker on a bare model, the RTO measurement, and the report's
 * table and chart.
 */
import { RDSClient, FailoverGlobalClusterCommand } from "@aws-sdk/client-rds";
import { AuditAdapter, AuditView } from "../../drill/audit";
import { INVARIANTS, InvariantChecker, RequestRecord } from "../../drill/invariants";
import { AwsModel, CALLER_REGION } from "../../drill/model/aws-model";
import { recoverySeconds, ScenarioResult } from "../../drill/scenario";
import { gantt, table } from "../../drill/report";
import { BRIEF_DEFAULTS } from "../../drill/figures";

const A = "us-east-1";
const B = "us-east-2";

let now: number;
let model: AwsModel;
let audits: ReturnType<AuditAdapter["records"]>;

function checker(): InvariantChecker {
  return new InvariantChecker(model, { drainWindowMs: 60_000, rpoMs: 60_000, audit: { name: "test", records: () => audits }, auditTables: [] });
}

function advance(ms: number, each?: () => void): void {
  for (let t = 0; t < ms; t += 1_000) {
    now += 1_000;
    model.tick();
    each?.();
  }
}

async function forceFailover(): Promise<void> {
  const rds = new RDSClient({ region: B });
  (rds as unknown as Record<symbol, string>)[CALLER_REGION] = B;
  await rds.send(new FailoverGlobalClusterCommand({ GlobalClusterIdentifier: "g", TargetDbClusterIdentifier: `arn:aws:rds:${B}:111122223333:cluster:b`, AllowDataLoss: true }));
}

beforeEach(() => {
  now = Date.UTC(2025, 0, 1);
  audits = [];
  model = new AwsModel({ globalClusterId: "g", clusters: [{ region: A, id: "a" }, { region: B, id: "b" }], now: () => now, promotionDurationMs: 60_000, replicationLagMs: 1_000 });
  model.tick();
  model.install();
});
afterEach(() => model.restore());

describe("the invariants", () => {
  it("a forced failover during a partition gives two writers (and is not a promotion against a synchronized primary)", async () => {
    const c = checker();
    model.network.setPartition(A, B);
    await forceFailover();
    c.check();
    advance(61_000, () => c.check());
    const names = c.violations().map((v) => v.invariant);
    expect(names).toContain(INVARIANTS.singleWriter);
    expect(names).not.toContain(INVARIANTS.noForcedPromotionInFact); // the partition cut replication: not synchronized
  });

  it("traffic may reach the old writer region during the drain window only", async () => {
    const c = checker();
    model.setRegionDown(A);
    await forceFailover();
    advance(61_000, () => c.check());
    model.setRegionDown(A, false);
    const request = (atMs: number): RequestRecord => ({ atMs, region: A, outcome: "failed", reachedApp: true });
    c.onRequest(request(now));
    expect(c.violations()).toEqual([]);
    advance(61_000);
    c.onRequest(request(now));
    expect(c.violations().map((v) => v.invariant)).toEqual([INVARIANTS.trafficFollowsWriter]);
  });

  const B_ARN = `arn:aws:rds:${B}:111122223333:cluster:b`;
  const audit = (fields: Partial<AuditView>): AuditView => ({
    executionId: "x",
    region: B,
    newWriterArn: B_ARN,
    forced: true,
    promotionRequestedAt: null,
    decision: "failover",
    dataLossKind: "estimated",
    estimatedDataLossMs: 6_000,
    windows: null,
    approvalReasons: [],
    approvalGranted: false,
    ...fields,
  });
  const window = (from: number | null, to: number | null) => ({ aurora: { from, to, basis: "" }, dynamodb: { from, to, basis: "" }, s3: { from, to, basis: "" } });

  async function loseOneWrite(): Promise<number> {
    advance(1_000);
    const write = model.commitWrite(A); // after the replication watermark: not yet on the secondary
    model.setRegionDown(A);
    await forceFailover();
    advance(61_000);
    return write?.atMs as number;
  }

  it("a lost write inside the audit record's Aurora window, with an estimate that covers it, holds", async () => {
    const c = checker();
    const at = await loseOneWrite();
    audits = [audit({ windows: window(at - 10_000, at + 10_000) })];
    c.finish();
    expect(c.violations()).toEqual([]);
    expect(c.dataLoss[0]).toMatchObject({ lostWrites: 1, lostFromMs: at, lostToMs: at });
  });

  it("a lost write before the audit record's Aurora window breaks audit-states-data-loss", async () => {
    const c = checker();
    const at = await loseOneWrite();
    audits = [audit({ windows: window(at + 1, null) })];
    c.finish();
    expect(c.violations().map((v) => v.detail)).toEqual([expect.stringMatching(/1 of 1 lost Aurora writes .* lie outside the audit record's Aurora window/)]);
  });

  it("an estimate below the actual loss, or an unknown window without a reason, breaks it", async () => {
    const c = checker();
    const at = await loseOneWrite();
    audits = [audit({ estimatedDataLossMs: 0, windows: window(at - 1, null) })];
    c.finish();
    expect(c.violations().map((v) => v.invariant)).toEqual([INVARIANTS.auditStatesDataLoss]);

    const unknown = checker();
    audits = [audit({ dataLossKind: "unknown", estimatedDataLossMs: null, windows: window(null, null) })];
    unknown.finish();
    expect(unknown.violations().map((v) => v.detail)).toEqual([expect.stringMatching(/unknown without a reason/)]);
  });

  it("a forced failover without an audit record breaks it", async () => {
    const c = checker();
    await loseOneWrite();
    c.finish();
    expect(c.violations().map((v) => v.detail)).toEqual([expect.stringMatching(/no audit record of the forced failover/)]);
  });
});

describe("the RTO", () => {
  const r = (s: number, outcome: RequestRecord["outcome"]): RequestRecord => ({ atMs: s * 1000, outcome, reachedApp: outcome === "committed" });
  it("is the time to the first success after the last failure; null when the run ends failing; 0 without failures", () => {
    expect(recoverySeconds([r(100, "committed"), r(130, "failed"), r(200, "committed"), r(210, "failed"), r(250, "committed"), r(260, "committed")], 120_000)).toBe(130);
    expect(recoverySeconds([r(130, "committed"), r(140, "unreachable")], 120_000)).toBeNull();
    expect(recoverySeconds([r(130, "committed")], 120_000)).toBe(0);
  });
});

describe("the report", () => {
  const result = {
    id: "x",
    title: "Primary region lost",
    durationSeconds: 600,
    startMs: 0,
    active: A,
    standby: B,
    incidentAtMs: 120_000,
    rtoSeconds: 186,
    rtoTargetSeconds: 900,
    rpoTargetSeconds: 60,
    rtoJudgement: "target",
    budgetRtoSeconds: 300,
    brokenTargets: [],
    dataLoss: [{ toRegion: B, lostWrites: 2, windowSeconds: 1, lostFromSeconds: 119, lostToSeconds: 119, ddbUnreplicated: 0, audit: { execution: "x", kind: "estimated", estimateSeconds: 6, auroraFromSeconds: 54, auroraToSeconds: 230 } }],
    violations: [{ invariant: INVARIANTS.singleWriter, firstAtMs: 300_000, lastAtMs: 310_000, count: 3, detail: "two" }],
    expectations: [],
    targetsMet: true,
    passed: false,
    writerAtEnd: B,
    promotions: [],
    executions: [],
    requests: { total: 0, committed: 0, failed: 0, refused: 0, unreachable: 0 },
    timeline: [],
    spans: [
      { lane: "faults", label: "us-east-1 down", fromSeconds: 120, toSeconds: 121 },
      { lane: "us-east-2 failover-1", label: "Promote", fromSeconds: 245, toSeconds: 246 },
    ],
    figures: { seconds: BRIEF_DEFAULTS, sources: {} as never },
    evaluations: 700,
  } as unknown as ScenarioResult;

  it("has one row per scenario with outcome, RTO, data-loss window, invariants and expectations", () => {
    const run = { configFile: "config/prod.json", environment: "prod", regions: { active: A, standby: B }, targets: { rpoSeconds: 60, rtoSeconds: 900 }, budgetRtoSeconds: 300, figures: [], seed: 1, results: [result], doubles: [] };
    expect(table(run).split("\n")[2]).toBe(
      "| Primary region lost | FAIL | 3.1 min (target 15.0 min) | 2 writes lost over 1.0 s (committed 119-119 s); audit: estimated 6.0 s, Aurora window 54 s-230 s | broken: single-writer | 0/0 met |",
    );
  });

  it("draws a Mermaid gantt with a section per lane", () => {
    const chart = gantt(result);
    expect(chart).toContain("gantt");
    expect(chart).toContain("section faults");
    expect(chart).toContain("us-east-1 down :crit, 120, 121");
    expect(chart).toContain("Promote :245, 246");
  });
});
