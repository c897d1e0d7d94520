/**
 * The budget model on hand-made inputs: every phase equals the figure computed
 * here by hand from the inputs and aws-figures.json, so a change of formula or
 * figure shows up as a named difference.
 */
import { BudgetInputs, computeBudget, excessLine } from "../../lib/budget/model";
import { FIGURES } from "../../lib/budget/figures";

const base: BudgetInputs = {
  label: "hand",
  targets: { rtoSeconds: 900, rpoSeconds: 60 },
  monitor: { sampleIntervalSeconds: 10, consecutiveSamples: 3, staleHeartbeatSeconds: 30, replicationStallSeconds: 180 },
  route53: { alive: { intervalSeconds: 10, failureThreshold: 2 }, gate: { intervalSeconds: 10, failureThreshold: 1 }, witnessTtlSeconds: 5, routing: { preRouted: false, takeoverPreferred: false, lostRecordSeconds: 10, lostRecordFollowsGate: true, lostGateSeconds: 20 } },
  runbook: { authority: "automatic", approvalTimeoutSeconds: 900, onRpoBreach: "escalate", pollIntervalSeconds: 10, peerTimeoutMs: 5000, peerRetryAttempts: 2, taskStatesToPromotion: 5, taskStatesToFence: 3, replicationAllowanceSeconds: 10, inflightAllowanceSeconds: 10 },
  capacity: { targetGroupIntervalSeconds: 22 },
  data: { globalDbRpoSeconds: 60, lagAlarmSeconds: 60, s3ReplicationTimeControl: true, dynamodbGlobalTables: true, backupIntervalSeconds: 3600 },
};

const phase = (b: ReturnType<typeof computeBudget>, name: string) => b.phases.find((p) => p.name === name)?.seconds;

describe("the RTO budget of a lost writer region", () => {
  it("adds up the phases computed by hand", () => {
    const b = computeBudget(base);
    // heartbeat 30 + 10 = 40; witness 10 x 2 + 60 propagation + 5 TTL = 85; replication 180 + 60 = 240.
    // The second-fastest of the three decides: 85; then 3 samples x 10 s.
    expect(phase(b, "detection")).toBe(85 + 30);
    expect(phase(b, "decision")).toBe(0);
    // 5 task states x 3 s + the lost region's lock attempt: 5 s x 2.
    expect(phase(b, "orchestration")).toBe(15 + 10);
    expect(phase(b, "drain")).toBe(0);
    // published promotion 60 s + one 10 s poll.
    expect(phase(b, "promotion")).toBe(70);
    // Not pre-routed: the OpenGate step 3 + gate check 10 x 1 + propagation 60 + alias TTL 60.
    expect(phase(b, "traffic")).toBe(133);
    expect(b.rtoSeconds).toBe(115 + 0 + 25 + 0 + 70 + 133);
    expect(b.meetsRto).toBe(true);
  });

  it("uses the figures file, so a changed figure changes the budget", () => {
    const slow = { ...FIGURES, "aurora.globalFailover.published.seconds": { ...FIGURES["aurora.globalFailover.published.seconds"], value: 300 } };
    expect(computeBudget(base, slow).rtoSeconds).toBe((computeBudget(base).rtoSeconds as number) + 240);
  });

  it("counts the approval window in approval mode", () => {
    const b = computeBudget({ ...base, runbook: { ...base.runbook, authority: "approval", approvalTimeoutSeconds: 600 } });
    expect(phase(b, "decision")).toBe(600);
  });

  it("counts an approval when the database does not bound the lag and a breach escalates", () => {
    const b = computeBudget({ ...base, data: { ...base.data, globalDbRpoSeconds: null } });
    expect(phase(b, "decision")).toBe(900);
    const proceed = computeBudget({ ...base, data: { ...base.data, globalDbRpoSeconds: null }, runbook: { ...base.runbook, onRpoBreach: "proceed" } });
    expect(phase(proceed, "decision")).toBe(0);
  });

  it("budgets a paged person within the approval window in manual mode", () => {
    const b = computeBudget({ ...base, runbook: { ...base.runbook, authority: "manual", approvalTimeoutSeconds: 300 } });
    expect(phase(b, "decision")).toBe(300);
    expect(b.phases.find((p) => p.name === "decision")?.basis).toContain("manual authority");
  });

  it("names the phases that make up an excess and the fields that change them, in one line", () => {
    const b = computeBudget({ ...base, targets: { rtoSeconds: 240, rpoSeconds: 60 } });
    const line = excessLine(b) as string;
    expect(line).not.toContain("\n");
    expect(line).toMatch(/^targets\.rtoSeconds: 240 s is below the failover budget of 343 s after the loss of a region \(excess 103 s: traffic 133 s via dns\.preRouteStandby/);
  });

  it("pre-routed: the DNS move runs from the fault alongside detection and promotion, leaving only the OpenGate step", () => {
    const routing = { preRouted: true, takeoverPreferred: false, lostRecordSeconds: 10, lostRecordFollowsGate: true, lostGateSeconds: 20 };
    const b = computeBudget({ ...base, route53: { ...base.route53, routing } });
    // The lost record fails after 10 s, + propagation 60 + TTL 60 = 130 s from the fault, before the 210 s the
    // phases up to the promotion take: clients wait at the closed gate, which opens one step after the promotion.
    expect(phase(b, "traffic")).toBe(3);
    expect(b.rtoSeconds).toBe(115 + 25 + 70 + 3);
    // A DNS move slower than everything before it is the rest of it.
    const slow = computeBudget({ ...base, route53: { ...base.route53, routing: { ...routing, lostRecordSeconds: 200, lostRecordFollowsGate: true, lostGateSeconds: 20 } } });
    expect(phase(slow, "traffic")).toBe(200 + 60 + 60 - 210);
    expect(slow.rtoSeconds).toBe(200 + 60 + 60);
  });
});

describe("the RTO budget of a lost writer database, its region up", () => {
  const database = (routing: Partial<BudgetInputs["route53"]["routing"]> = {}) =>
    computeBudget({ ...base, route53: { ...base.route53, routing: { ...base.route53.routing, ...routing } } }, FIGURES, "database");

  it("detects with the database-down verdict, fences without waiting for the old region, drains, then promotes", () => {
    const b = database();
    expect(b.failure).toBe("database");
    // The heartbeat's report (2 samples x 10 s + 10 s of table replication = 30 s) and replication down (180 s + a 60 s
    // period = 240 s): the later one, then 3 samples x 10 s.
    expect(phase(b, "detection")).toBe(240 + 30);
    // Assess, RaiseCapacity, Fence: 3 task states x 3 s, no lock attempt timing out (the old region answers).
    expect(phase(b, "orchestration")).toBe(9);
    // A sample, the replication allowance and the in-flight allowance.
    expect(phase(b, "drain")).toBe(10 + 10 + 10);
    const allowances = computeBudget({ ...base, runbook: { ...base.runbook, replicationAllowanceSeconds: 7, inflightAllowanceSeconds: 11 } }, FIGURES, "database");
    expect(phase(allowances, "drain")).toBe(10 + 7 + 11);
    // Decide and Promote (2 x 3 s), the published promotion, one poll.
    expect(phase(b, "promotion")).toBe(6 + 60 + 10);
  });

  it("moves clients from the Fence when the old record follows its gate and this region's is pre-routed or preferred; serially otherwise", () => {
    // From the Fence: the old gate check 20 s, 60 s and 60 s = 140 s, of which the drain and the promotion cover 106 s.
    const overlapped = database({ preRouted: true });
    expect(phase(overlapped, "traffic")).toBe(140 - 106);
    expect(overlapped.rtoSeconds).toBe(270 + 9 + 30 + 76 + 34);
    // This region preferred: with the old record failed, every record is unhealthy and Route 53 answers this one.
    expect(phase(database({ preRouted: false, takeoverPreferred: true }), "traffic")).toBe(140 - 106);
    // Neither pre-routed nor preferred, or an old record without its gate: OpenGate, this gate's check, 60 s, 60 s.
    for (const routing of [{ preRouted: false }, { preRouted: true, lostRecordFollowsGate: false }, { preRouted: true, takeoverPreferred: true, lostRecordFollowsGate: false }]) {
      expect(phase(database(routing), "traffic")).toBe(3 + 10 + 60 + 60);
    }
    // The rest of the DNS move after the promotion follows the old gate check: 120 - 106 s with a check of no time.
    expect(phase(database({ preRouted: true, lostGateSeconds: 0 }), "traffic")).toBe(120 - 106);
    // A DNS move the drain and the promotion cover leaves only the OpenGate step.
    expect(phase(computeBudget({ ...base, runbook: { ...base.runbook, inflightAllowanceSeconds: 100 }, route53: { ...base.route53, routing: { ...base.route53.routing, preRouted: true } } }, FIGURES, "database"), "traffic")).toBe(3);
  });

  it("names the failure in the refusal", () => {
    expect(excessLine(computeBudget({ ...base, targets: { rtoSeconds: 300, rpoSeconds: 60 } }, FIGURES, "database"))).toMatch(
      /^targets\.rtoSeconds: 300 s is below the failover budget of 518 s after the loss of the writer's database, its region up \(excess 218 s: detection 270 s via failover\.sampleIntervalSeconds, failover\.consecutiveFailures, failover\.replicationStallSeconds\)/,
    );
  });
});

describe("the RPO budget", () => {
  it("is the database-enforced bound for Aurora and the replication figure for DynamoDB", () => {
    const b = computeBudget(base);
    expect(b.rpo.find((s) => s.store === "aurora")?.seconds).toBe(60);
    expect(b.rpo.find((s) => s.store === "dynamodb")?.seconds).toBe(10);
    expect(b.rpoSeconds).toBe(60);
    expect(b.meetsRpo).toBe(true);
  });

  it("reports S3's 15 minutes and the backups without counting them against the target", () => {
    const b = computeBudget(base);
    expect(b.rpo.find((s) => s.store === "s3")).toMatchObject({ seconds: 900, checked: false });
    expect(b.rpo.find((s) => s.store === "backups")).toMatchObject({ seconds: 3600, checked: false });
  });

  it("refuses an RPO below the DynamoDB replication figure, naming the store", () => {
    const b = computeBudget({ ...base, targets: { rtoSeconds: 900, rpoSeconds: 5 }, data: { ...base.data, globalDbRpoSeconds: null, lagAlarmSeconds: 5 } });
    expect(b.meetsRpo).toBe(false);
    expect(excessLine(b)).toContain("dynamodb 10 s");
  });
});
