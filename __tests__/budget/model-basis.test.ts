/**
 * What the budget says, not only what it adds up: the "how" of every phase and store (the table
 * `npm run budget` prints), the configuration fields each phase names, and the one-line refusal the
 * configuration gate prints at synthesis (rtoExcess, rpoExcess). The AWS figures are cited with
 * figures.ts's own `cite`, so an update of aws-figures.json does not break these tests; the
 * arithmetic and the wording around the figures are the model's.
 */
import { cite } from "../../lib/budget/figures";
import { Budget, BudgetInputs, computeBudget, excessLine, FailureKind, rpoExcess, rtoExcess } from "../../lib/budget/model";

const base: BudgetInputs = {
  label: "hand",
  targets: { rtoSeconds: 900, rpoSeconds: 60 },
  monitor: { sampleIntervalSeconds: 10, consecutiveSamples: 3, staleHeartbeatSeconds: 30, replicationStallSeconds: 180 },
  route53: { alive: { intervalSeconds: 10, failureThreshold: 2 }, gate: { intervalSeconds: 10, failureThreshold: 1 }, witnessTtlSeconds: 5, routing: { preRouted: false, takeoverPreferred: false, lostRecordSeconds: 10, lostRecordFollowsGate: true, lostGateSeconds: 20 } },
  runbook: { authority: "automatic", approvalTimeoutSeconds: 900, onRpoBreach: "escalate", pollIntervalSeconds: 10, peerTimeoutMs: 5000, peerRetryAttempts: 2, taskStatesToPromotion: 5, taskStatesToFence: 3, replicationAllowanceSeconds: 10, inflightAllowanceSeconds: 10 },
  capacity: { targetGroupIntervalSeconds: 22 },
  data: { globalDbRpoSeconds: 60, lagAlarmSeconds: 60, s3ReplicationTimeControl: true, dynamodbGlobalTables: true, backupIntervalSeconds: 3600 },
};

type Patch = { [K in keyof BudgetInputs]?: Partial<BudgetInputs[K]> };

function budget(patch: Patch = {}, failure: FailureKind = "region"): Budget {
  const inputs = Object.fromEntries(
    Object.entries(base).map(([key, value]) => {
      const change = patch[key as keyof BudgetInputs];
      return [key, typeof value === "object" && typeof change === "object" ? { ...value, ...change } : (change ?? value)];
    }),
  ) as unknown as BudgetInputs;
  return computeBudget(inputs, undefined, failure);
}

const phase = (b: Budget, name: string) => {
  const found = b.phases.find((p) => p.name === name);
  if (!found) throw new Error(`no phase ${name}`);
  return found;
};
const store = (b: Budget, name: string) => {
  const found = b.rpo.find((s) => s.store === name);
  if (!found) throw new Error(`no store ${name}`);
  return found;
};

describe("the detection phase: the second-fastest independent signal, then the monitor's count", () => {
  it("names the two fastest signals with how each turns down", () => {
    // heartbeat 30 + 10 = 40 s; witness 10 x 2 + 60 + 5 = 85 s; replication 180 + 60 = 240 s.
    expect(phase(budget(), "detection").basis).toBe(
      "two independent signals down: heartbeat (stale after 30 s, written every 10 s) and witness (alive check 10 s x 2 + propagation 60 s + TTL 5 s) = 85 s; then 3 samples x 10 s",
    );
  });

  it("takes the signals in the order they turn down, not in the order they are listed", () => {
    // heartbeat 300 + 10 = 310 s is now the slowest: witness (85 s) and replication (75 + 60 = 135 s) decide.
    const b = budget({ monitor: { staleHeartbeatSeconds: 300, replicationStallSeconds: 75 } });
    expect(phase(b, "detection").seconds).toBe(135 + 30);
    expect(phase(b, "detection").basis).toBe(
      "two independent signals down: witness (alive check 10 s x 2 + propagation 60 s + TTL 5 s) and replication (no lag datapoint for 75 s + one 60 s metric period) = 135 s; then 3 samples x 10 s",
    );
  });

  it("names the configuration fields that change it", () => {
    expect(phase(budget(), "detection").fields).toEqual(["failover.sampleIntervalSeconds", "failover.consecutiveFailures", "failover.staleHeartbeatSeconds", "dns.witnessTtlSeconds"]);
  });
});

describe("the decision phase: who must act before the runbook goes on", () => {
  it.each<[string, Patch, number, string]>([
    ["automatic authority", {}, 0, "automatic authority: no person in the path"],
    ["approval authority", { runbook: { authority: "approval", approvalTimeoutSeconds: 600 } }, 600, "approval authority: up to the approval window (600 s)"],
    [
      "manual authority",
      { runbook: { authority: "manual", approvalTimeoutSeconds: 300 } },
      300,
      "manual authority: a paged person starts the runbook, budgeted at the approval window (300 s)",
    ],
    [
      "a lag the database does not bound, escalated",
      { data: { globalDbRpoSeconds: null }, runbook: { approvalTimeoutSeconds: 450 } },
      450,
      "the database does not bound the lag, so a lag above the RPO or unreadable escalates to an approval (up to 450 s)",
    ],
    ["a lag the database does not bound, with onRpoBreach proceed", { data: { globalDbRpoSeconds: null }, runbook: { onRpoBreach: "proceed" } }, 0, "automatic authority: no person in the path"],
    ["a lag the database bounds, with onRpoBreach escalate", { runbook: { onRpoBreach: "escalate" } }, 0, "automatic authority: no person in the path"],
  ])("%s", (_name, patch, seconds, basis) => {
    const decision = phase(budget(patch), "decision");
    expect(decision).toEqual({ name: "decision", seconds, basis, fields: ["failover.authority", "failover.approvalTimeoutSeconds", "failover.onRpoBreach", "database.rpoEnforcement"] });
  });
});

describe("orchestration, drain, promotion and traffic", () => {
  it("orchestration: the task states and the lost region's lock attempt, rounded up to whole seconds", () => {
    const b = budget({ runbook: { peerTimeoutMs: 1500, peerRetryAttempts: 1, taskStatesToPromotion: 4 } });
    // 4 x 3 s + 1.5 s rounded up.
    expect(phase(b, "orchestration")).toEqual({
      name: "orchestration",
      seconds: 12 + 2,
      basis: `4 task states x ${cite("orchestration.step.worstCase.seconds")} + the lost region's lock attempt timing out (1500 ms x 1)`,
      fields: ["failover.peerTimeoutMs"],
    });
  });

  it("drain: nothing reaches a region no vantage point reaches, and no field changes that", () => {
    expect(phase(budget(), "drain")).toEqual({
      name: "drain",
      seconds: 0,
      basis: "the lost region is unreachable from every vantage point: nothing to drain (a reachable old region drains for one sample, the replication allowance and the in-flight allowance)",
      fields: [],
    });
  });

  it("promotion: the published promotion time and one poll", () => {
    expect(phase(budget({ runbook: { pollIntervalSeconds: 7 } }), "promotion")).toEqual({
      name: "promotion",
      seconds: 60 + 7,
      basis: `${cite("aurora.globalFailover.published.seconds")} + one poll (7 s)`,
      fields: ["failover.pollIntervalSeconds"],
    });
  });

  it("traffic, not pre-routed: the OpenGate step, then the gate check, the propagation and the alias TTL", () => {
    expect(phase(budget({ route53: { gate: { intervalSeconds: 30, failureThreshold: 2 } } }), "traffic")).toEqual({
      name: "traffic",
      seconds: 3 + 60 + 60 + 60,
      basis: `the OpenGate task state (3 s) + gate check 30 s x 2 + ${cite("route53.dnsPropagationAfterHealthChange.seconds")} + ${cite("alb.aliasTtl.seconds")}`,
      fields: ["dns.preRouteStandby"],
    });
  });

  it("traffic, pre-routed: says why clients are already there, when the DNS move ends, and what is left", () => {
    const standby = (lostRecordSeconds: number) => ({ preRouted: true, takeoverPreferred: false, lostRecordSeconds, lostRecordFollowsGate: true, lostGateSeconds: 20 });
    const dnsMove = (lost: number) => `its check ${lost} s + ${cite("route53.dnsPropagationAfterHealthChange.seconds")} + ${cite("alb.aliasTtl.seconds")} = ${lost + 120} s from the fault`;
    expect(phase(budget({ route53: { routing: standby(10) } }), "traffic")).toEqual({
      name: "traffic",
      seconds: 3,
      basis: `clients routed here since the lost region's record failed (its record carries no gate check (dns.preRouteStandby)): ${dnsMove(10)}, within the 210 s before; the phase is the longer of what is left and the OpenGate task state (3 s)`,
      fields: ["dns.preRouteStandby"],
    });
    expect(phase(budget({ route53: { routing: { preRouted: true, takeoverPreferred: true, lostRecordSeconds: 30, lostRecordFollowsGate: true, lostGateSeconds: 20 } } }), "traffic").basis).toBe(
      `clients routed here since the lost region's record failed (every record unhealthy: Route 53 answers the preferred one, this region's): ${dnsMove(30)}, within the 210 s before; the phase is the longer of what is left and the OpenGate task state (3 s)`,
    );
    // At the boundary: a DNS move that ends with the promotion is within; one second later it is after, and shorter than the step.
    expect(phase(budget({ route53: { routing: standby(90) } }), "traffic")).toMatchObject({ seconds: 3, basis: expect.stringContaining("= 210 s from the fault, within the 210 s before;") });
    expect(phase(budget({ route53: { routing: standby(91) } }), "traffic")).toMatchObject({ seconds: 3, basis: expect.stringContaining("= 211 s from the fault, 1 s after the promotion;") });
    expect(phase(budget({ route53: { routing: standby(100) } }), "traffic")).toMatchObject({ seconds: 10, basis: expect.stringContaining("= 220 s from the fault, 10 s after the promotion;") });
  });

  it("capacity is off the path: pre-warmed at the first bad sample", () => {
    expect(budget({ capacity: { targetGroupIntervalSeconds: 15 } }).offPath).toEqual([
      {
        name: "capacity",
        seconds: 10 + 120 + 15,
        basis: `pre-warmed at the first bad sample; ${cite("fargate.taskStart.seconds")} + the first target-group check (15 s); the standby's running tasks serve meanwhile`,
      },
    ]);
  });

  it("meets the RTO at the target exactly, not above it", () => {
    const total = budget().rtoSeconds as number;
    expect(budget({ targets: { rtoSeconds: total } }).meetsRto).toBe(true);
    expect(budget({ targets: { rtoSeconds: total - 1 } }).meetsRto).toBe(false);
  });
});

describe("the RPO of each store", () => {
  it.each<[string, Patch, { seconds: number | null; basis: string }]>([
    ["Aurora with rds.global_db_rpo", { data: { globalDbRpoSeconds: 45 } }, { seconds: 45, basis: "rds.global_db_rpo = 45 s: the database refuses commits beyond it" }],
    [
      "Aurora bounded by the lag alarm, escalating",
      { data: { globalDbRpoSeconds: null, lagAlarmSeconds: 30 } },
      { seconds: 30, basis: "not enforced by the database: the lag alarm pages at 30 s and a forced failover waits for a person above it" },
    ],
    [
      "Aurora bounded by the lag alarm, proceeding",
      { data: { globalDbRpoSeconds: null, lagAlarmSeconds: 30 }, runbook: { onRpoBreach: "proceed" } },
      { seconds: 30, basis: "not enforced by the database: the lag alarm pages at 30 s and a forced failover proceeds above it" },
    ],
    ["Aurora neither enforced nor alarmed", { data: { globalDbRpoSeconds: null, lagAlarmSeconds: null } }, { seconds: null, basis: "not enforced and not alarmed" }],
  ])("%s", (_name, patch, expected) => {
    expect(store(budget(patch), "aurora")).toEqual({ store: "aurora", checked: true, ...expected });
  });

  it("DynamoDB: the global tables' replication figure, or unbounded without global tables", () => {
    expect(store(budget(), "dynamodb")).toEqual({ store: "dynamodb", seconds: 10, basis: cite("dynamodb.globalReplication.worstCase.seconds"), checked: true });
    expect(store(budget({ data: { dynamodbGlobalTables: false } }), "dynamodb")).toEqual({ store: "dynamodb", seconds: null, basis: "no global tables", checked: true });
  });

  it("S3: Replication Time Control's 15 minutes, reported and not counted; unbounded without it", () => {
    expect(store(budget(), "s3")).toEqual({
      store: "s3",
      seconds: 900,
      basis: `${cite("s3.rtc.seconds")}; reported, not counted: the transaction log objects are re-derivable from the records`,
      checked: false,
    });
    expect(store(budget({ data: { s3ReplicationTimeControl: false } }), "s3")).toEqual({ store: "s3", seconds: null, basis: "no Replication Time Control", checked: false });
  });

  it.each<[number | null, string]>([
    [null, "no backup plan"],
    [0, "continuous backup (point-in-time restore): logical corruption"],
    [3600, "every 3600 s: what only backups protect (logical corruption)"],
  ])("backups every %s s: reported, not counted", (interval, basis) => {
    expect(store(budget({ data: { backupIntervalSeconds: interval } }), "backups")).toEqual({ store: "backups", seconds: interval, basis, checked: false });
  });

  it("the RPO is the largest bound of the counted stores; S3 and backups never count", () => {
    const b = budget({ data: { globalDbRpoSeconds: 25 }, targets: { rpoSeconds: 25 } });
    expect(b.rpoSeconds).toBe(25);
    expect(b.meetsRpo).toBe(true);
    expect(budget({ data: { globalDbRpoSeconds: 25 }, targets: { rpoSeconds: 24 } }).meetsRpo).toBe(false);
  });

  it("one unbounded counted store leaves the RPO unbounded, which meets no target", () => {
    const b = budget({ data: { dynamodbGlobalTables: false }, targets: { rpoSeconds: 86_400 } });
    expect(b.rpoSeconds).toBeNull();
    expect(b.meetsRpo).toBe(false);
  });
});

describe("the loss of the writer's database, its region up: what each phase says", () => {
  const db = (patch: Patch = {}) => budget(patch, "database");
  const dns = `${cite("route53.dnsPropagationAfterHealthChange.seconds")} + ${cite("alb.aliasTtl.seconds")}`;

  it("detection: the later of the heartbeat's report and the replication signal, then the monitor's count", () => {
    expect(phase(db(), "detection")).toEqual({
      name: "detection",
      seconds: 240 + 30,
      basis:
        `the database-down verdict: the writer's heartbeat reports its database unavailable (two samples of 10 s + ${cite("dynamodb.globalReplication.worstCase.seconds")} = 30 s) ` +
        "and replication down (no lag datapoint for 180 s + one 60 s metric period = 240 s); then 3 samples x 10 s",
      fields: ["failover.sampleIntervalSeconds", "failover.consecutiveFailures", "failover.replicationStallSeconds"],
    });
    // With a replication signal faster than two samples and the table's replication, the heartbeat's report decides.
    expect(phase(db({ monitor: { sampleIntervalSeconds: 30, replicationStallSeconds: 0 } }), "detection").seconds).toBe(2 * 30 + 10 + 3 * 30);
  });

  it("orchestration ends at the Fence; the drain waits for a sample and both allowances; the promotion counts Decide and Promote", () => {
    const b = db({ runbook: { taskStatesToFence: 2, replicationAllowanceSeconds: 7, inflightAllowanceSeconds: 11, pollIntervalSeconds: 5 } });
    expect(phase(b, "orchestration")).toEqual({
      name: "orchestration",
      seconds: 6,
      basis: `2 task states up to the Fence x ${cite("orchestration.step.worstCase.seconds")} (the old region answers: its lock is taken, not waited for)`,
      fields: [],
    });
    expect(phase(b, "drain")).toEqual({
      name: "drain",
      seconds: 10 + 7 + 11,
      basis: "the old region is reachable: one sample (10 s) + the replication allowance (7 s) + the in-flight allowance (11 s), the wait when its closed gate is not confirmed directly",
      fields: ["failover.sampleIntervalSeconds", "failover.inflightAllowanceSeconds"],
    });
    expect(phase(b, "promotion")).toEqual({
      name: "promotion",
      seconds: 3 * 3 + 60 + 5,
      basis: `the task states after the Fence up to Promote (3 x 3 s) + ${cite("aurora.globalFailover.published.seconds")} + one poll (5 s)`,
      fields: ["failover.pollIntervalSeconds"],
    });
  });

  it("traffic from the Fence: says why clients move, and when the DNS move ends against the drain and the promotion", () => {
    const routing = { route53: { routing: { preRouted: true, takeoverPreferred: false, lostRecordSeconds: 20, lostRecordFollowsGate: true, lostGateSeconds: 20 } } };
    // Drain 30 s + promotion 76 s = 106 s; the DNS move 20 + 60 + 60 = 140 s.
    expect(phase(db(routing), "traffic")).toEqual({
      name: "traffic",
      seconds: 140 - 106,
      basis:
        "clients routed here once the Fence closed the old region's gate (its record carries that gate's check; this region's record carries no gate check; " +
        `the run holds that region's lock, so its monitor does not reopen it): gate check 20 s + ${dns} = 140 s from the Fence, ` +
        "34 s after the promotion; the phase is the longer of what is left and the OpenGate task state (3 s)",
      fields: ["dns.preRouteStandby"],
    });
    const preferred = { route53: { routing: { ...routing.route53.routing, preRouted: false, takeoverPreferred: true } } };
    expect(phase(db(preferred), "traffic").basis).toContain("(its record carries that gate's check; then every record is unhealthy and Route 53 answers this region's, the preferred one;");
    // At the boundary: the drain and the promotion ending with the DNS move is within; a second sooner, it ends after.
    const inflight = (inflightAllowanceSeconds: number) => db({ ...routing, runbook: { inflightAllowanceSeconds } });
    expect(phase(inflight(44), "traffic")).toMatchObject({ seconds: 3, basis: expect.stringContaining("= 140 s from the Fence, within the 140 s of the drain and the promotion;") });
    expect(phase(inflight(43), "traffic")).toMatchObject({ seconds: 3, basis: expect.stringContaining("= 140 s from the Fence, 1 s after the promotion;") });
  });

  it("traffic once this region's gate opens, when the old record does not follow its gate", () => {
    const unfollowed = { route53: { gate: { intervalSeconds: 10, failureThreshold: 2 }, routing: { preRouted: true, takeoverPreferred: true, lostRecordSeconds: 50, lostRecordFollowsGate: false, lostGateSeconds: 20 } } };
    expect(phase(db(unfollowed), "traffic")).toEqual({
      name: "traffic",
      seconds: 3 + 20 + 60 + 60,
      basis: `clients move only when this region's record turns healthy: the OpenGate task state (3 s) + gate check 10 s x 2 + ${dns}`,
      // dns.preRouteStandby would not change it: the old record carries no gate check.
      fields: [],
    });
    // Not pre-routed: the same wait, which pre-routing would shorten.
    expect(phase(db(), "traffic")).toMatchObject({ seconds: 3 + 10 + 60 + 60, fields: ["dns.preRouteStandby"] });
  });
});

describe("the refusal at synthesis: one line naming what to change", () => {
  it("says nothing when both targets are met", () => {
    const b = budget();
    expect([rtoExcess(b), rpoExcess(b), excessLine(b)]).toEqual([null, null, null]);
  });

  it("names the largest phases until they cover the excess, each with the fields that change it", () => {
    // Phases: detection 115, decision 0, orchestration 25, drain 0, promotion 70, traffic 133: 343 s.
    // An excess of 203 s is covered by traffic (133) and detection (115); promotion is not needed.
    expect(rtoExcess(budget({ targets: { rtoSeconds: 140 } }))).toBe(
      "targets.rtoSeconds: 140 s is below the failover budget of 343 s after the loss of a region (excess 203 s: " +
        "traffic 133 s via dns.preRouteStandby; " +
        "detection 115 s via failover.sampleIntervalSeconds, failover.consecutiveFailures, failover.staleHeartbeatSeconds, dns.witnessTtlSeconds" +
        "); raise targets.rtoSeconds or change those fields",
    );
  });

  it("an excess exactly covered by one phase names that phase alone", () => {
    expect(rtoExcess(budget({ targets: { rtoSeconds: 210 } }))).toMatch(/\(excess 133 s: traffic 133 s via [^;]*\); raise/);
  });

  it("never names a phase that takes no time", () => {
    // The whole budget is the excess: every phase with time is named, the zero ones (decision, drain) are not.
    const line = rtoExcess(budget({ targets: { rtoSeconds: 0 } })) as string;
    expect(line.match(/(\w+) \d+ s via/g)).toEqual(["traffic 133 s via", "detection 115 s via", "promotion 70 s via", "orchestration 25 s via"]);
  });

  it("names each store whose bound exceeds the RPO, and an unbounded one as such", () => {
    expect(rpoExcess(budget({ targets: { rpoSeconds: 20 }, data: { globalDbRpoSeconds: 30, dynamodbGlobalTables: false } }))).toBe(
      "targets.rpoSeconds: 20 s is below what the data stores bound (" +
        "aurora 30 s: rds.global_db_rpo = 30 s: the database refuses commits beyond it; dynamodb unbounded: no global tables" +
        "); raise targets.rpoSeconds or set database.rpoEnforcement to database",
    );
  });

  it("an RPO target equal to a store's bound is met by that store", () => {
    expect(rpoExcess(budget({ targets: { rpoSeconds: 10 }, data: { globalDbRpoSeconds: 20 } }))).toBe(
      "targets.rpoSeconds: 10 s is below what the data stores bound (aurora 20 s: rds.global_db_rpo = 20 s: the database refuses commits beyond it); raise targets.rpoSeconds or set database.rpoEnforcement to database",
    );
  });

  it("both excesses in one line, the RTO's first", () => {
    const b = budget({ targets: { rtoSeconds: 210, rpoSeconds: 5 } });
    expect(excessLine(b)).toBe(`${rtoExcess(b)} | ${rpoExcess(b)}`);
    expect(excessLine(budget({ targets: { rtoSeconds: 900, rpoSeconds: 5 } }))).toBe(rpoExcess(budget({ targets: { rpoSeconds: 5 } })));
  });
});
