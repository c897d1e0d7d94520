/**
 * The invariant checker on a bare model, the RTO measurement, and the report's
 * table and chart.
 */
import { RDSClient, FailoverGlobalClusterCommand } from "@aws-sdk/client-rds";
import { AuditAdapter } from "../../drill/audit";
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

  it("compares the lost writes with the RPO and with the audit record", async () => {
    const c = checker();
    advance(1_000);
    model.commitWrite(A); // after the replication watermark: not yet on the secondary
    model.setRegionDown(A);
    await forceFailover();
    advance(61_000);
    audits = [{ executionId: "x", region: B, newWriterArn: `arn:aws:rds:${B}:111122223333:cluster:b`, forced: true, dataLossWindowMs: null }];
    c.finish();
    expect(c.violations().map((v) => v.detail)).toEqual([expect.stringMatching(/states the data-loss window as unknown without a reason; 1 writes were lost/)]);
    expect(c.dataLoss[0]).toMatchObject({ lostWrites: 1, auditWindowMs: null });
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
    dataLoss: [{ lostWrites: 2, windowSeconds: 1, auditWindowSeconds: null, toRegion: B }],
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

  it("has one row per scenario with outcome, RTO, data loss, invariants and targets", () => {
    const run = { configFile: "config/prod.json", environment: "prod", regions: { active: A, standby: B }, targets: { rpoSeconds: 60, rtoSeconds: 900 }, figures: [], seed: 1, results: [result] };
    expect(table(run).split("\n")[2]).toBe("| Primary region lost | FAIL | 3.1 min (target 15.0 min) | 1.0 s / 2 writes (audit: unknown) (RPO 60 s) | broken: single-writer | RTO met, RPO met |");
  });

  it("draws a Mermaid gantt with a section per lane", () => {
    const chart = gantt(result);
    expect(chart).toContain("gantt");
    expect(chart).toContain("section faults");
    expect(chart).toContain("us-east-1 down :crit, 120, 121");
    expect(chart).toContain("Promote :245, 246");
  });
});
