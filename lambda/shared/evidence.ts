/**
 * The verdict on the writer region, from signals whose failure domains differ
 * (docs/failover-protocol.md, "Evidence"). Pure: the signals are gathered by
 * signals.ts; the health monitor and the orchestrator's Assess and Decide steps
 * judge with this one function.
 *
 * A signal that cannot be read is `unknown`, never `down`: a fault of the
 * decider's own region (its NAT, its DNS, its API endpoints) makes signals
 * unknown, and unknown never counts towards a failover.
 */

export type SignalState = "up" | "down" | "unknown";

export interface Signal {
  readonly state: SignalState;
  readonly detail: string;
}

/** The writer region's own report, from its heartbeat (see control-table.ts). */
export interface HeartbeatReport {
  readonly ageMs: number;
  readonly stale: boolean;
  readonly databaseAvailable: boolean;
  readonly serviceHealthy: boolean | null;
  readonly fenced: boolean;
}

export interface Evidence {
  /** HTTPS probe of the writer region's health path, through the decider's own egress (NAT). Not independent. */
  readonly probe: Signal;
  /** The writer region's heartbeat in the local replica of the control table: stale, or reporting its database unavailable, is down. */
  readonly heartbeat: Signal;
  /** Route 53's health checkers' view of the writer region's load balancer (`alive`), read through DNS. */
  readonly witness: Signal;
  /** The local secondary's replication: synchronization status and lag freshness. */
  readonly replication: Signal;
  /** Route 53's health checkers' view of the writer region's service (`app`), read through DNS. */
  readonly serviceWitness: Signal;
  /** Present when a heartbeat of the writer region was read. */
  readonly report: HeartbeatReport | null;
}

export type Verdict = "healthy" | "suspect" | "service-down" | "database-down" | "region-down";

/** The signals whose failure domains exclude the decider's egress (P2). */
export const INDEPENDENT_SIGNALS = ["heartbeat", "witness", "replication"] as const;
export type IndependentSignal = (typeof INDEPENDENT_SIGNALS)[number];

/** Independent signals that must agree before data loss may be allowed. */
export const MIN_INDEPENDENT_SIGNALS = 2;

/**
 * Route 53's health checkers, outside both regions: the only view that a fault on the path between the regions
 * cannot bias. The heartbeat (the control table's replication) and the replication signal (Aurora's) both travel
 * between the regions, so a partition silences both while the old region keeps serving: a region-down verdict
 * needs one of these to see the old region not serving as well.
 */
export const OUTSIDE_SIGNALS = ["witness", "serviceWitness"] as const;

export interface Judgement {
  readonly verdict: Verdict;
  /** Independent signals that say down. */
  readonly independentDown: readonly IndependentSignal[];
  /** At least MIN_INDEPENDENT_SIGNALS independent signals say the writer region is down: a forced failover may be considered. */
  readonly dataLossAllowed: boolean;
  /** The probe, the heartbeat and the witness all say down: nothing reaches the region, so there is nothing to drain. */
  readonly unreachableEverywhere: boolean;
  /** One line for logs, pages and the audit record. */
  readonly summary: string;
}

export function judge(evidence: Evidence): Judgement {
  const independentDown = INDEPENDENT_SIGNALS.filter((name) => evidence[name].state === "down");
  const report = evidence.report;
  const fresh = report !== null && !report.stale;
  // Database-down: the region itself reports its database gone (a fresh heartbeat: the path between the regions
  // works), and the database's own replication agrees.
  const databaseDown = fresh && !report.databaseAvailable && evidence.replication.state === "down";
  // Region-down: two independent signals, one of them seen from outside both regions (OUTSIDE_SIGNALS).
  const seenFromOutside = OUTSIDE_SIGNALS.some((name) => evidence[name].state === "down");
  const regionDown = independentDown.length >= MIN_INDEPENDENT_SIGNALS && seenFromOutside;
  const dataLossAllowed = databaseDown || regionDown;
  let verdict: Verdict;
  if (dataLossAllowed) {
    verdict = databaseDown ? "database-down" : "region-down";
  } else if (fresh && report.databaseAvailable && !report.fenced && report.serviceHealthy === false && evidence.serviceWitness.state === "down") {
    verdict = "service-down";
  } else if ([evidence.probe, evidence.heartbeat, evidence.witness, evidence.replication, evidence.serviceWitness].some((s) => s.state === "down")) {
    verdict = "suspect";
  } else {
    verdict = "healthy";
  }
  const unreachableEverywhere = evidence.probe.state === "down" && report?.stale !== false && evidence.heartbeat.state === "down" && evidence.witness.state === "down";
  return { verdict, independentDown, dataLossAllowed, unreachableEverywhere, summary: summarize(verdict, evidence) };
}

/** Verdicts that start an incident when they hold for consecutive samples. */
export function isActionable(verdict: Verdict): boolean {
  return verdict === "service-down" || verdict === "database-down" || verdict === "region-down";
}

function summarize(verdict: Verdict, e: Evidence): string {
  const part = (name: string, s: Signal) => `${name}=${s.state}`;
  return `${verdict} (${[
    part("probe", e.probe),
    part("heartbeat", e.heartbeat),
    part("witness", e.witness),
    part("replication", e.replication),
    part("serviceWitness", e.serviceWitness),
  ].join(", ")})`;
}
