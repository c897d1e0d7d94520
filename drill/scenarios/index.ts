/**
 * The drill's scenarios: declarative scripts over the harness (drill/scenario.ts),
 * each run for every configuration (`npm run drill`, `--config config/prod.json`).
 * Every scenario is also checked against the invariants at every virtual instant
 * (drill/invariants.ts); the expectations below are its own.
 *
 * Regions are named by their role at the start: "active" holds the writer,
 * "standby" is the other. Events fire at a virtual second or when a runbook
 * enters a state (`onEnter`), so that the same script means the same thing in
 * configurations with other timings. docs/failover-protocol.md names the
 * properties (P1-P8) each scenario exercises.
 */
import { auditAdapter } from "../audit";
import { Action, Expectation, fenceInForceIn, Scenario, ScenarioEvent } from "../scenario";

const AUTOMATIC = [
  { function: "health-monitor" as const, variables: { FAILOVER_AUTHORITY: "automatic" } },
  { function: "failover-orchestrator" as const, variables: { FAILOVER_AUTHORITY: "automatic" } },
];
const APPROVAL = [
  { function: "health-monitor" as const, variables: { FAILOVER_AUTHORITY: "approval" } },
  { function: "failover-orchestrator" as const, variables: { FAILOVER_AUTHORITY: "approval" } },
];

const at = (atSeconds: number, action: Action): ScenarioEvent => ({ atSeconds, action });
const onEnter = (state: string, action: Action, options: { runbook?: "failover" | "failback"; region?: "active" | "standby"; nth?: number; delaySeconds?: number } = {}): ScenarioEvent => ({
  onEnter: { state, ...options },
  action,
});
const activeDown: Action = { fault: "region-down", region: "active" };
const activeBack: Action = { fault: "region-down", region: "active", heal: true };

/** What a completed unplanned failover into the standby leaves. */
const FAILED_OVER: readonly Expectation[] = [
  { writer: "standby" },
  { promotions: 1, allowDataLoss: true },
  { executions: { region: "standby", runbook: "failover", status: "SUCCEEDED", count: 1 } },
  { audits: { count: 1, outcome: "completed", decision: "failover", strategy: "unplanned" } },
  { gate: { region: "standby", open: true } },
  { capacity: { region: "standby", is: "active" } },
  { pages: { region: "standby", kind: "failover-completed", count: 1 } },
];

/** Nothing moved and nothing was left behind. */
const UNTOUCHED: readonly Expectation[] = [{ writer: "active" }, { promotions: 0 }, { converged: true }, { fenced: { region: "active", inForce: false } }];

// ------------------------------------------------------------------ regional failures

export const primaryRegionLost: Scenario = {
  id: "primary-region-lost",
  title: "Primary region lost (automatic authority)",
  description:
    "The active region goes down entirely at 2 min. The standby's health monitor sees the heartbeat go stale and the witness turn down, starts the emitted failover runbook, which fences, decides and force-promotes with the real orchestrator; clients follow DNS to the standby.",
  durationSeconds: 1_200,
  environment: AUTOMATIC,
  timeline: [at(120, activeDown)],
  rto: "budget",
  properties: ["P1", "P2", "P4", "P6", "P7", "P8"],
  expect: [...FAILED_OVER, { rtoWithinTarget: true }],
};

export const databaseOnlyFailure: Scenario = {
  id: "database-only-failure",
  title: "Database-only failure (writer cluster unavailable, region up)",
  description:
    "The active region's writer cluster becomes inaccessible at 2 min; the region, its load balancer and its service stay up. The heartbeat (fresh, database unavailable) and the stalled replication give the database-down verdict: a forced failover; the old region is fenced directly (gate closed, service at zero) and drained first. Judged against the budget of that failure (the writer's database lost, its region up): the old region's load balancer keeps answering, so clients leave it only once the Fence closes its gate (then the gate check, Route 53's propagation and the alias TTL).",
  durationSeconds: 1_500,
  environment: AUTOMATIC,
  timeline: [at(120, { fault: "database-down", region: "active" })],
  rto: "budget",
  failure: "database",
  properties: ["P1", "P2", "P4"],
  expect: [...FAILED_OVER, { gate: { region: "active", open: false } }, { capacity: { region: "active", is: "zero" } }, { fenced: { region: "active", inForce: true } }],
};

export const applicationOnlyFailure: Scenario = {
  id: "application-only-failure",
  title: "Application-only failure (service unhealthy, database fine): switchover",
  description:
    "The active region's service fails its health checks at 2 min; the database is fine. The service-down verdict allows only a switchover: no data loss, the old region becomes a healthy standby.",
  durationSeconds: 1_500,
  environment: AUTOMATIC,
  timeline: [at(120, { fault: "service-unhealthy", region: "active" })],
  rto: "target",
  properties: ["P2", "P3"],
  expect: [
    { writer: "standby" },
    { promotions: 1, allowDataLoss: false },
    { audits: { count: 1, outcome: "completed", decision: "switchover", strategy: "planned" } },
    { gate: { region: "standby", open: true } },
    { gate: { region: "active", open: false } },
    { fenced: { region: "active", inForce: false } },
  ],
};

export const standbyEgressLost: Scenario = {
  id: "standby-egress-lost",
  title: "Standby region's egress fails, primary healthy (must not promote)",
  description:
    "The standby region's NAT fails at 2 min while the active region stays healthy. The probe through that NAT fails; the heartbeat (DynamoDB gateway endpoint), the witness (VPC resolver) and the replication stay up: suspect, paged once, never promoted.",
  durationSeconds: 900,
  environment: AUTOMATIC,
  timeline: [at(120, { fault: "egress-down", region: "standby" })],
  properties: ["P2"],
  expect: [...UNTOUCHED, { pages: { region: "standby", kind: "failover-suspect", count: 1 } }, { executions: { region: "standby", runbook: "failover", count: 0 } }, { noTrafficLoss: true }],
};

export const activeIngressBlip: Scenario = {
  id: "active-ingress-blip",
  title: "The internet loses the active region's load balancer for 60 s (what pre-routing costs)",
  description:
    "From 2 min to 3 min, clients and Route 53's checkers cannot reach the active region's load balancer; inside, everything works (database, replication, heartbeat, egress). The witness goes down but the heartbeat and the replication do not: suspect, no promotion. The active region's record fails, so Route 53 sends clients to the standby's closed gate (dns.preRouteStandby) until the record recovers and cached answers expire: the reported RTO is the blip plus the gate check, Route 53's propagation and the alias TTL. No write reaches the standby.",
  durationSeconds: 900,
  environment: AUTOMATIC,
  timeline: [at(120, { fault: "ingress-down", region: "active" }), at(180, { fault: "ingress-down", region: "active", heal: true })],
  rto: "report",
  properties: ["P1", "P2"],
  expect: [...UNTOUCHED, { executions: { region: "standby", runbook: "failover", count: 0 } }],
};

export const standbyResolverDown: Scenario = {
  id: "standby-resolver-down",
  title: "Standby region's DNS resolver fails (signals unknown, no action)",
  description:
    "The standby region's VPC resolver fails at 2 min: the witnesses cannot be resolved (unknown, never down) and the probe cannot resolve the active region's name. Nothing is promoted.",
  durationSeconds: 900,
  environment: AUTOMATIC,
  timeline: [at(120, { fault: "resolver-down", region: "standby" })],
  properties: ["P2"],
  expect: [...UNTOUCHED, { executions: { region: "standby", runbook: "failover", count: 0 } }, { noTrafficLoss: true }],
};

export const partitionShort: Scenario = {
  id: "partition-both-alive",
  title: "Partition between the regions, both alive (no forced promotion)",
  description:
    "The two regions cannot reach each other for 2 minutes (API calls, probes, Aurora and DynamoDB replication); the internet and Route 53's checkers still reach both. The witness stays up: no region-down verdict, no promotion.",
  durationSeconds: 900,
  environment: AUTOMATIC,
  timeline: [at(120, { fault: "partition" }), at(240, { fault: "partition", heal: true })],
  properties: ["P2", "P3"],
  expect: [...UNTOUCHED, { executions: { region: "standby", runbook: "failover", count: 0 } }],
};

export const partitionLong: Scenario = {
  id: "partition-long-both-alive",
  title: "Long partition between the regions, both alive (no forced promotion)",
  description:
    "As partition-both-alive, but the partition lasts 15 minutes. The standby's heartbeat of the active region goes stale (DynamoDB replication is held) and, after REPLICATION_STALL_SECONDS, the replication signal stalls: two independent signals are down, but both travel between the regions, and Route 53's checkers (the witnesses) still see the active region serving. Region-down needs a signal seen from outside both regions (lambda/shared/evidence.ts OUTSIDE_SIGNALS): no promotion, pages only.",
  durationSeconds: 1_800,
  environment: AUTOMATIC,
  timeline: [at(120, { fault: "partition" }), at(1_020, { fault: "partition", heal: true })],
  rto: "report",
  properties: ["P1", "P2"],
  expect: [...UNTOUCHED, { executions: { region: "standby", runbook: "failover", count: 0 } }],
};

export const flappingPrimary: Scenario = {
  id: "flapping-primary",
  title: "Flapping primary (down 20 s, up 40 s, for 6 minutes)",
  description: "The active region fails for 20 s every minute for six minutes, then stays up. No failover, or exactly one, and a consistent end state.",
  durationSeconds: 1_500,
  environment: AUTOMATIC,
  timeline: [0, 1, 2, 3, 4, 5].flatMap((i) => [at(120 + i * 60, activeDown), at(140 + i * 60, activeBack)]),
  rto: "report",
  properties: ["P2", "P3", "P7"],
  expect: [
    { converged: true },
    {
      custom: {
        expectation: "no failover, or exactly one",
        check: (world) => ({ met: world.model.promotions.length <= 1, detail: `${world.model.promotions.length} promotion(s)` }),
      },
    },
  ],
};

// ------------------------------------------------------------------ the primary returns during each phase

function returnsDuring(state: string, id: string, title: string, expect: readonly Expectation[], delaySeconds = 0): Scenario {
  return {
    id,
    title,
    description: `The active region is lost at 2 min and comes back when the standby's failover runbook enters ${state}${delaySeconds ? ` (+${delaySeconds} s)` : ""}.`,
    durationSeconds: 1_500,
    environment: AUTOMATIC,
    timeline: [at(120, activeDown), onEnter(state, activeBack, { runbook: "failover", region: "standby", delaySeconds })],
    rto: "report",
    properties: ["P1", "P3", "P5", "P7"],
    expect,
  };
}

/** Stand down with the fence rolled back, or a switchover: never a forced failover against the returned primary. */
const STOOD_DOWN_OR_SWITCHED: readonly Expectation[] = [
  { promotions: 0, allowDataLoss: true },
  { converged: true },
  {
    custom: {
      expectation: "stood down with the fence rolled back (writer still active, not fenced), or switched over",
      check: (world) => {
        const writer = world.model.writer()?.region;
        const fenced = fenceInForceIn(world, world.active);
        return { met: writer === world.standby || !fenced, detail: `writer ${writer ?? "none"}, fence#active ${fenced ? "in force" : "not in force"}` };
      },
    },
  },
];

export const returnsBeforeAssess = returnsDuring("Assess", "primary-returns-before-assess", "Primary returns before Assess", STOOD_DOWN_OR_SWITCHED);
export const returnsDuringRaiseCapacity = returnsDuring("RaiseCapacity", "primary-returns-during-raise-capacity", "Primary returns during RaiseCapacity", STOOD_DOWN_OR_SWITCHED);
export const returnsDuringFence = returnsDuring("Fence", "primary-returns-during-fence", "Primary returns during Fence", STOOD_DOWN_OR_SWITCHED);
export const returnsDuringDrain = returnsDuring("Drain", "primary-returns-during-drain", "Primary returns during Drain", STOOD_DOWN_OR_SWITCHED);
export const returnsAtDecide = returnsDuring("Decide", "primary-returns-at-decide", "Primary returns at Decide", STOOD_DOWN_OR_SWITCHED);
export const returnsAfterPromote = returnsDuring("AwaitWriter", "primary-returns-after-promote", "Primary returns after Promote (stays fenced)", [
  { writer: "standby" },
  { promotions: 1, allowDataLoss: true },
  { gate: { region: "active", open: false } },
  { capacity: { region: "active", is: "zero" } },
  { fenced: { region: "active", inForce: true } },
  { converged: true },
]);

export const regionReturnsAfterFailover: Scenario = {
  id: "region-returns-after-failover",
  title: "Region returns after a failover (stays fenced until a failback)",
  description:
    "As primary-region-lost, then the lost region comes back at 15 min with its service still deployed. Its database rejoins as a secondary; it stays fenced (gate closed, zero capacity); no client request reaches it, through either name.",
  durationSeconds: 1_800,
  environment: AUTOMATIC,
  timeline: [at(120, activeDown), at(900, activeBack)],
  rto: "budget",
  properties: ["P1", "P5", "P7"],
  expect: [...FAILED_OVER, { gate: { region: "active", open: false } }, { capacity: { region: "active", is: "zero" } }, { fenced: { region: "active", inForce: true } }, { converged: true }],
};

// ------------------------------------------------------------------ RPO policy (P4)

/**
 * Replication stops keeping up at 1 min (the secondary falls behind by up to `lag`); the active region is
 * lost once the measured lag has passed the RPO (1 min + RPO + 2 min). With rds.global_db_rpo (every shipped
 * configuration) the primary blocks commits once the lag passes it, so the loss stays within the RPO.
 */
export function rpoScenarios(rpoSeconds: number): Scenario[] {
  const lag = rpoSeconds * 2 + 180;
  const down = 60 + rpoSeconds + 120;
  /** The orchestrator as synthesized for a cluster without rds.global_db_rpo: only the lag alarm stands for the RPO. */
  const alarmOnly = { function: "failover-orchestrator" as const, variables: { RPO_ENFORCEMENT: "alarm" } };
  return [
    {
      id: "rpo-lag-database-enforced",
      title: "Replication lag above the RPO where the database enforces it: proceeds without asking",
      description: `Replication falls behind from 1 min; the active region is lost at ${down} s. rds.global_db_rpo holds commits on the primary once the lag passes the RPO, so a forced failover loses at most the RPO: the orchestrator proceeds without an approval (RPO_ENFORCEMENT database) and the audit record bounds the window by the parameter.`,
      durationSeconds: 1_500 + down,
      environment: [...AUTOMATIC, { function: "failover-orchestrator", variables: { RPO_ENFORCEMENT: "database" } }],
      timeline: [at(60, { fault: "replication-lag", seconds: lag }), at(down, activeDown)],
      incidentAtSeconds: down,
      rto: "target",
      properties: ["P4"],
      expect: [...FAILED_OVER, { pages: { region: "standby", kind: "failover-approval-request", count: 0 } }],
    },
    {
      id: "rpo-lag-escalates",
      title: "Replication lag above the RPO: escalated to an approval, approved",
      description: `Replication falls behind from 1 min; the active region is lost at ${down} s, when the measured lag is above the RPO. A forced failover could lose more than the RPO: the runbook asks a person (failover.onRpoBreach escalate), who approves 2 minutes later.`,
      durationSeconds: 1_800 + down,
      environment: [...AUTOMATIC, alarmOnly],
      timeline: [at(60, { fault: "replication-lag", seconds: lag }), at(down, activeDown), onEnter("RequestApproval", { operator: "approve", region: "standby" }, { region: "standby", delaySeconds: 120 }), onEnter("RequestDecisionApproval", { operator: "approve", region: "standby" }, { region: "standby", delaySeconds: 120 })],
      incidentAtSeconds: down,
      rto: "report",
      properties: ["P4"],
      expect: [
        { writer: "standby" },
        { promotions: 1, allowDataLoss: true },
        { pages: { region: "standby", kind: "failover-approval-request", count: { min: 1 } } },
        { audits: { count: 1, outcome: "completed", decision: "failover" } },
        { converged: true },
      ],
    },
    {
      id: "rpo-lag-proceed",
      title: "Replication lag above the RPO with ON_RPO_BREACH proceed: proceeds",
      description: `As rpo-lag-escalates, with the orchestrator's ON_RPO_BREACH set to proceed: no approval; a loss beyond the RPO would be what the configuration accepts, and the audit record states the window.`,
      durationSeconds: 1_500 + down,
      environment: [...AUTOMATIC, alarmOnly, { function: "failover-orchestrator", variables: { ON_RPO_BREACH: "proceed" } }],
      timeline: [at(60, { fault: "replication-lag", seconds: lag }), at(down, activeDown)],
      incidentAtSeconds: down,
      rto: "target",
      rpoBreachAccepted: true,
      properties: ["P4"],
      expect: [...FAILED_OVER, { pages: { region: "standby", kind: "failover-approval-request", count: 0 } }],
    },
    {
      id: "rpo-lag-unreadable",
      title: "Replication lag unreadable: escalated to an approval, approved; the audit says the window is unknown",
      description:
        "The standby region cannot read the replication-lag metric from 1 min on; the active region is lost at 2 min. The replication signal is unknown (never down); heartbeat and witness give the region-down verdict; the unknown lag escalates to a person, who approves.",
      durationSeconds: 1_800,
      environment: [...AUTOMATIC, alarmOnly],
      timeline: [at(60, { fault: "lag-unreadable", region: "standby" }), at(120, activeDown), onEnter("RequestApproval", { operator: "approve", region: "standby" }, { region: "standby", delaySeconds: 120 }), onEnter("RequestDecisionApproval", { operator: "approve", region: "standby" }, { region: "standby", delaySeconds: 120 })],
      incidentAtSeconds: 120,
      rto: "report",
      properties: ["P2", "P4"],
      expect: [
        { writer: "standby" },
        { promotions: 1, allowDataLoss: true },
        { pages: { region: "standby", kind: "failover-approval-request", count: { min: 1 } } },
        {
          custom: {
            expectation: "the audit record states the data-loss window as unknown, with a reason",
            check: (world) => {
              const audit = world.invariants.dataLoss[0]?.audit;
              return { met: audit?.dataLossKind === "unknown" && (audit.dataLossReason ?? "") !== "", detail: `${audit?.dataLossKind ?? "no record"}: ${audit?.dataLossReason ?? ""}` };
            },
          },
        },
        { converged: true },
      ],
    },
  ];
}

// ------------------------------------------------------------------ approvals (authority approval)

export const approvalGranted: Scenario = {
  id: "approval-granted",
  title: "Approval authority: approval granted",
  description: "failover.authority approval: the monitor starts the runbook, which pages for an approval before changing anything; a person approves 3 minutes later.",
  durationSeconds: 1_800,
  environment: APPROVAL,
  timeline: [at(120, activeDown), onEnter("RequestApproval", { operator: "approve", region: "standby" }, { region: "standby", delaySeconds: 180 })],
  rto: "budget",
  properties: ["P4", "P8"],
  expect: [...FAILED_OVER, { pages: { region: "standby", kind: "failover-approval-request", count: 1 } }],
};

export const approvalRefused: Scenario = {
  id: "approval-refused",
  title: "Approval authority: approval refused",
  description: "As approval-granted, but the person refuses: nothing is fenced or promoted, the run ends ApprovalRefused, and the monitor pages once that it stops for this incident (no second request for the same decision).",
  durationSeconds: 1_800,
  environment: APPROVAL,
  timeline: [
    at(120, activeDown),
    ...[1, 2, 3, 4].map((nth) => onEnter("RequestApproval", { operator: "refuse", region: "standby" }, { region: "standby", nth, delaySeconds: 60 })),
  ],
  rto: "report",
  properties: ["P4", "P7"],
  expect: [
    { writer: "active" },
    { promotions: 0 },
    { fenced: { region: "active", inForce: false } },
    { audits: { count: 1, outcome: "failed" } },
    { executions: { region: "standby", runbook: "failover", status: "FAILED", count: 1 } },
    { pages: { region: "standby", kind: "failover-approval-request", count: 1 } },
    { pages: { region: "standby", kind: "failover-refused", count: 1 } },
    { pages: { region: "standby", kind: "failover-escalated", count: 0 } },
  ],
};

export const approvalTimedOut: Scenario = {
  id: "approval-timed-out",
  title: "Approval authority: approval timed out (failover.onApprovalTimeout abort)",
  description: "Nobody answers: each attempt's approval times out after failover.approvalTimeoutSeconds and aborts; the monitor retries up to failover.maxAttempts, then escalates.",
  durationSeconds: 3_600,
  environment: APPROVAL,
  timeline: [at(120, activeDown)],
  rto: "report",
  properties: ["P4", "P7"],
  expect: [{ writer: "active" }, { promotions: 0 }, { audits: { count: 3, outcome: "failed" } }, { pages: { region: "standby", kind: "failover-escalated", count: 1 } }],
};

// ------------------------------------------------------------------ locks, failback, the survivor (P5, P6)

/** The active region is lost, the standby takes over, the old region returns (fenced) at 15 min. */
const FAILED_OVER_AND_RETURNED: readonly ScenarioEvent[] = [at(120, activeDown), at(900, activeBack)];

export const failback: Scenario = {
  id: "failback",
  title: "Failback after a failover (planned switchover back, fence lifted)",
  description:
    "After a failover and the old region's return (and its resynchronization), an operator starts the failback runbook in the original region at 25 min: both locks, a switchover, no data loss; the old region's fence is cleared and it takes the traffic back.",
  durationSeconds: 2_400,
  environment: AUTOMATIC,
  timeline: [...FAILED_OVER_AND_RETURNED, at(1_500, { operator: "start", runbook: "failback", region: "active", input: { reason: "drill failback" } })],
  rto: "report",
  properties: ["P5", "P6"],
  expect: [
    { writer: "active" },
    { promotions: 2 },
    { executions: { region: "active", runbook: "failback", status: "SUCCEEDED", count: 1 } },
    { audits: { count: 1, outcome: "completed", decision: "switchover", strategy: "planned" } },
    { fenced: { region: "active", inForce: false } },
    { converged: true },
  ],
};

export const concurrentFailoverFailback: Scenario = {
  id: "concurrent-failover-failback",
  title: "Concurrent failover and failback (one aborted by the locks)",
  description:
    "After a failover and the old region's return, an operator starts the failback runbook in the original region while another starts the failover runbook in the current writer's region 2 s later: the second cannot take both locks and aborts; the end state is consistent.",
  durationSeconds: 2_400,
  environment: AUTOMATIC,
  timeline: [
    ...FAILED_OVER_AND_RETURNED,
    at(1_500, { operator: "start", runbook: "failback", region: "active", input: { reason: "drill failback" } }),
    at(1_502, { operator: "start", runbook: "failover", region: "standby", input: { reason: "drill concurrent failover", strategy: "planned" } }),
  ],
  rto: "report",
  properties: ["P5"],
  expect: [
    { writer: "active" },
    { executions: { region: "standby", runbook: "failover", status: "FAILED", count: 1 } },
    { executions: { region: "active", runbook: "failback", status: "SUCCEEDED", count: 1 } },
    {
      custom: {
        expectation: "the concurrent failover was refused by the locks at Assess (LockHeldError), before fencing anything",
        check: (world) => {
          const failed = auditAdapter.records(world.model, world.auditTables).filter((a) => a.outcome === "failed" && a.region === world.standby);
          const refused = failed.filter((a) => (a.error ?? "").startsWith("LockHeldError"));
          return { met: failed.length === 1 && refused.length === 1, detail: failed.map((a) => a.error ?? "no error").join("; ") || "no failed run" };
        },
      },
    },
    { converged: true },
  ],
};

export const secondOutage: Scenario = {
  id: "second-outage-after-failback",
  title: "Failover, failback, then the new active region is lost (the survivor opens its own gate)",
  description:
    "The active region is lost and returns; a failback moves the writer back at 25 min; at 35 min the original region is lost again. The standby fails over a second time and opens its own gate with nothing of the lost region (P6).",
  durationSeconds: 3_000,
  environment: AUTOMATIC,
  timeline: [...FAILED_OVER_AND_RETURNED, at(1_500, { operator: "start", runbook: "failback", region: "active", input: { reason: "drill failback" } }), at(2_100, activeDown)],
  incidentAtSeconds: 2_100,
  rto: "budget",
  properties: ["P6", "P7"],
  expect: [{ writer: "standby" }, { promotions: 3 }, { gate: { region: "standby", open: true } }, { capacity: { region: "standby", is: "active" } }],
};

export const plannedSwitchover: Scenario = {
  id: "planned-switchover",
  title: "Planned switchover (operator, strategy planned)",
  description: "Both regions healthy; an operator starts the failover runbook in the standby with strategy planned at 2 min: a switchover, no data loss, the old region a healthy standby.",
  durationSeconds: 900,
  environment: AUTOMATIC,
  timeline: [at(120, { operator: "start", runbook: "failover", region: "standby", input: { reason: "drill planned switchover", strategy: "planned" } })],
  incidentAtSeconds: 120,
  rto: "target",
  properties: ["P1", "P5"],
  expect: [
    { writer: "standby" },
    { promotions: 1, allowDataLoss: false },
    { audits: { count: 1, outcome: "completed", decision: "switchover", strategy: "planned" } },
    { fenced: { region: "active", inForce: false } },
    { capacity: { region: "active", is: "standby-or-more" } },
    { converged: true },
  ],
};

// ------------------------------------------------------------------ crashes, lost responses, throttling

const MAIN_PATH_TASKS = ["Assess", "RaiseCapacity", "Fence", "Decide", "Promote", "AwaitWriter", "OpenGate", "Verify", "Complete"] as const;

export function crashAfter(state: string): Scenario {
  return {
    id: `crash-after-${state.replace(/[A-Z]/g, (c, i: number) => `${i > 0 ? "-" : ""}${c.toLowerCase()}`)}`,
    title: `Orchestrator crashes after ${state} (the emitted Retry runs it again)`,
    description: `As primary-region-lost; the sandbox dies after ${state} did its work (Lambda.Unknown): the emitted Retry runs the step again, which must find its own work done and end as an uninterrupted run. Judged against the target, not the budget: the crash is a second fault, and the Retry's wait is not in the budget of one.`,
    durationSeconds: 1_200,
    environment: AUTOMATIC,
    timeline: [at(0, { crash: { runbook: "failover", region: "standby", after: [{ state }] } }), at(120, activeDown)],
    incidentAtSeconds: 120,
    rto: "target",
    properties: ["P5", "P8"],
    expect: [
      ...FAILED_OVER,
      {
        custom: {
          expectation: `${state} ran twice (the crash, then the Retry)`,
          check: (world) => {
            const history = world.sfn.allExecutions().flatMap((e) => world.sfn.execution(e.arn)?.history ?? []);
            const scheduled = history.filter((h) => h.type === "TaskScheduled" && h.details?.name === state).length;
            return { met: scheduled === 2, detail: `${scheduled} invocation(s)` };
          },
        },
      },
    ],
  };
}

export const CRASH_SCENARIOS: readonly Scenario[] = MAIN_PATH_TASKS.map(crashAfter);

export const killedAfterFence: Scenario = {
  id: "killed-after-fence-rerun-after-lock-expiry",
  title: "Runbook execution dies after Fence; a new execution after the lock expires",
  description:
    "The first execution dies after Fence (its lock and fence lease stay until the lock expires). The monitor's next attempts find the lock held and fail; it escalates. An operator starts a new execution after failover.lockTtlSeconds: it takes the expired lock and completes.",
  durationSeconds: 3_000,
  environment: AUTOMATIC,
  timeline: [at(0, { crash: { runbook: "failover", region: "standby", after: [{ state: "Fence", kill: true }] } }), at(120, activeDown), at(2_400, { operator: "start", runbook: "failover", region: "standby", input: { reason: "drill: re-run after the lock expired" } })],
  incidentAtSeconds: 120,
  rto: "report",
  properties: ["P5", "P7"],
  expect: [
    { writer: "standby" },
    { promotions: 1, allowDataLoss: true },
    { executions: { region: "standby", runbook: "failover", status: "ABORTED", count: 1 } },
    { pages: { region: "standby", kind: "failover-escalated", count: 1 } },
    { audits: { count: 1, outcome: "completed", decision: "failover" } },
    { converged: true },
  ],
};

export const lostFailoverResponse: Scenario = {
  id: "lost-response-failover-global-cluster",
  title: "Lost response of FailoverGlobalCluster (the call took effect)",
  description: "As primary-region-lost; the FailoverGlobalCluster call takes effect but its response is lost: the retry looks first and finds the promotion under way. One promotion.",
  durationSeconds: 1_200,
  environment: AUTOMATIC,
  timeline: [at(0, { fault: "api-error", operation: "FailoverGlobalCluster", error: "lost-response" }), at(120, activeDown)],
  incidentAtSeconds: 120,
  rto: "budget",
  properties: ["P5"],
  expect: FAILED_OVER,
};

export const lostSwitchoverResponse: Scenario = {
  id: "lost-response-switchover-global-cluster",
  title: "Lost response of SwitchoverGlobalCluster in a planned switchover",
  description: "As planned-switchover; the SwitchoverGlobalCluster call takes effect but its response is lost. One switchover.",
  durationSeconds: 900,
  environment: AUTOMATIC,
  timeline: [at(0, { fault: "api-error", operation: "SwitchoverGlobalCluster", error: "lost-response" }), ...plannedSwitchover.timeline],
  incidentAtSeconds: 120,
  rto: "target",
  properties: ["P5"],
  expect: plannedSwitchover.expect ?? [],
};

export const lostModifyRuleResponse: Scenario = {
  id: "lost-response-modify-rule",
  title: "Lost responses of ModifyRule (the gate changes, the caller sees a reset)",
  description: "As primary-region-lost; the first three ModifyRule calls of the standby region take effect but their responses are lost: the callers retry and find the gate as wanted.",
  durationSeconds: 1_200,
  environment: AUTOMATIC,
  timeline: [at(100, { fault: "api-error", operation: "ModifyRule", region: "standby", error: "lost-response", times: 3 }), at(120, activeDown)],
  incidentAtSeconds: 120,
  rto: "budget",
  properties: ["P6", "P7"],
  expect: FAILED_OVER,
};

export const throttlingDuringFailover: Scenario = {
  id: "throttling",
  title: "Throttling of the standby region's APIs during the failover",
  description:
    "As primary-region-lost; from 3 min the standby's DescribeGlobalClusters, PutItem, UpdateItem, ModifyRule, RegisterScalableTarget and GetMetricData are throttled six times each: the callers' backoff and the emitted Retry absorb it. Judged against the target, not the budget: the budget assumes at most one SDK retry per step, and a monitor sample whose DescribeGlobalClusters fails after its retries ends that whole invocation (the next samples wait for the next minute).",
  durationSeconds: 1_200,
  environment: AUTOMATIC,
  timeline: [
    at(120, activeDown),
    ...["DescribeGlobalClusters", "PutItem", "UpdateItem", "ModifyRule", "RegisterScalableTarget", "GetMetricData"].map((operation) =>
      at(180, { fault: "api-error", operation, region: "standby", error: "throttling", times: 6 }),
    ),
  ],
  rto: "target",
  properties: ["P5", "P7"],
  expect: FAILED_OVER,
};

// ------------------------------------------------------------------ the reconciler (P7)

export const failedRunRetried: Scenario = {
  id: "failed-run-retried",
  title: "A failed run is retried by the monitor (attempt 2 succeeds)",
  description: "As primary-region-lost; the first FailoverGlobalCluster is refused (access denied): that run fails (the fence stays: a promotion was asked for). The verdict still holds: the monitor starts attempt 2, which promotes.",
  durationSeconds: 1_500,
  environment: AUTOMATIC,
  timeline: [at(0, { fault: "api-error", operation: "FailoverGlobalCluster", error: "access-denied", times: 1 }), at(120, activeDown)],
  incidentAtSeconds: 120,
  rto: "target",
  properties: ["P7"],
  expect: [
    { writer: "standby" },
    { promotions: 1, allowDataLoss: true },
    { executions: { region: "standby", runbook: "failover", status: "FAILED", count: 1 } },
    { executions: { region: "standby", runbook: "failover", status: "SUCCEEDED", count: 1 } },
    { converged: true },
  ],
};

export const failedRunEscalated: Scenario = {
  id: "failed-run-escalated",
  title: "Failed runs escalated after failover.maxAttempts",
  description: "FailoverGlobalCluster is refused every time: each attempt fails; after failover.maxAttempts the monitor pages once that a person must act, and starts no more.",
  durationSeconds: 1_800,
  environment: AUTOMATIC,
  timeline: [at(0, { fault: "api-error", operation: "FailoverGlobalCluster", error: "access-denied", times: Number.POSITIVE_INFINITY }), at(120, activeDown)],
  incidentAtSeconds: 120,
  rto: "report",
  properties: ["P7"],
  expect: [{ writer: "active" }, { promotions: 0 }, { executions: { region: "standby", runbook: "failover", status: "FAILED", count: 3 } }, { pages: { region: "standby", kind: "failover-escalated", count: 1 } }],
};

export const awaitWriterRunsOut: Scenario = {
  id: "await-writer-runs-out",
  title: "AwaitWriter runs out of its wait; the promotion completes later and the reconciler opens the gate",
  description:
    "As primary-region-lost, but the promotion takes 15 minutes: AwaitWriter gives up after failover.maxWaitSeconds and the run ends failed (nothing rolled back after a promotion request). When the writer appears, the standby's monitor opens its gate.",
  durationSeconds: 2_400,
  environment: AUTOMATIC,
  timeline: [at(0, { fault: "slow-promotion", seconds: 900 }), at(120, activeDown)],
  incidentAtSeconds: 120,
  rto: "report",
  properties: ["P7"],
  expect: [
    { writer: "standby" },
    { promotions: 1, allowDataLoss: true },
    { executions: { region: "standby", runbook: "failover", status: "FAILED", count: 1 } },
    // No second attempt while the global cluster still reports the promotion under way (FailoverState).
    { executions: { region: "standby", runbook: "failover", count: 1 } },
    { audits: { count: 1, outcome: "failed" } },
    { gate: { region: "standby", open: true } },
    { converged: true },
  ],
};

// ------------------------------------------------------------------ dry runs

export const dryRun: Scenario = {
  id: "dry-run-changes-nothing",
  title: "Dry runs change nothing (failover and failback, healthy regions)",
  description: "An operator starts the failover runbook in the standby and the failback runbook in the active region as dry runs: every step reads and checks; no lock, fence, gate, capacity, promotion, audit item or notification.",
  durationSeconds: 600,
  environment: AUTOMATIC,
  timeline: [
    at(120, { operator: "start", runbook: "failover", region: "standby", input: { reason: "drill dry run", dryRun: true } }),
    at(300, { operator: "start", runbook: "failback", region: "active", input: { reason: "drill dry run", dryRun: true } }),
  ],
  properties: ["P8"],
  expect: [...UNTOUCHED, { noMutatingCalls: { by: "failover-orchestrator" } }, { audits: { count: 0 } }, { noTrafficLoss: true }],
};

/** Every scenario, for a configuration with this RPO (the RPO scenarios size their lag from it). */
export function scenariosFor(rpoSeconds: number): Scenario[] {
  return [
    primaryRegionLost,
    databaseOnlyFailure,
    applicationOnlyFailure,
    standbyEgressLost,
    activeIngressBlip,
    standbyResolverDown,
    partitionShort,
    partitionLong,
    flappingPrimary,
    returnsBeforeAssess,
    returnsDuringRaiseCapacity,
    returnsDuringFence,
    returnsDuringDrain,
    returnsAtDecide,
    returnsAfterPromote,
    regionReturnsAfterFailover,
    ...rpoScenarios(rpoSeconds),
    approvalGranted,
    approvalRefused,
    approvalTimedOut,
    concurrentFailoverFailback,
    failback,
    secondOutage,
    plannedSwitchover,
    ...CRASH_SCENARIOS,
    killedAfterFence,
    lostFailoverResponse,
    lostSwitchoverResponse,
    lostModifyRuleResponse,
    throttlingDuringFailover,
    failedRunRetried,
    failedRunEscalated,
    awaitWriterRunsOut,
    dryRun,
  ];
}

/** The scenarios of config/dev.json (RPO 300 s): kept for callers that need a fixed list. */
export const SCENARIOS: readonly Scenario[] = scenariosFor(300);
