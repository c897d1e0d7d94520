/**
 * The drill's scenarios. Phase 1 ships the end-to-end smoke scenario (and the
 * standby-egress check, which needs nothing of the protocol rewrite); the full
 * list of the issue (database-only failure, partition, flapping primary,
 * approvals, concurrent runs, crashes after each step, switchover, failback...)
 * is written against the rewritten protocol in phase 2, with the same API.
 */
import { Scenario } from "../scenario";

/** The active region is lost two minutes in; automatic authority; 30 minutes of virtual time. */
export const primaryRegionLost: Scenario = {
  id: "primary-region-lost",
  title: "Primary region lost (automatic authority)",
  description:
    "The active region goes down entirely at 2 min. The standby region's health monitor, on its schedule, must start the failover runbook; the emitted runbook runs with the real orchestrator; clients follow DNS to the standby region.",
  durationSeconds: 1_800,
  environment: [{ function: "health-monitor", variables: { FAILOVER_AUTHORITY: "automatic" } }],
  timeline: [{ atSeconds: 120, action: { fault: "region-down", region: "active" } }],
  expect: [{ writer: "standby" }, { promotions: 1, allowDataLoss: true }, { rtoWithinTarget: true }],
};

/** The standby region's own egress (its NAT) fails while the active region is healthy: nothing may be promoted. */
export const standbyEgressLost: Scenario = {
  id: "standby-egress-lost",
  title: "Standby region's egress fails, primary healthy (must not promote)",
  description:
    "The standby region's NAT fails at 2 min while the active region stays healthy. A probe through that NAT fails, but the primary is reachable and synchronized: no forced promotion may follow, and clients keep being served by the active region.",
  durationSeconds: 900,
  environment: [{ function: "health-monitor", variables: { FAILOVER_AUTHORITY: "automatic" } }],
  timeline: [{ atSeconds: 120, action: { fault: "egress-down", region: "standby" } }],
  expect: [{ writer: "active" }, { promotions: 0 }],
};

/** The active region is lost, the standby takes over, then the old region comes back: it must stay fenced. */
export const regionReturnsAfterFailover: Scenario = {
  id: "region-returns-after-failover",
  title: "Region returns after a failover (must stay fenced)",
  description:
    "As primary-region-lost, then the lost region comes back at 10 min with its service still running. Its database rejoins as a secondary; no client request may reach it (beyond the drain window) until a failback.",
  durationSeconds: 1_500,
  environment: [{ function: "health-monitor", variables: { FAILOVER_AUTHORITY: "automatic" } }],
  timeline: [
    { atSeconds: 120, action: { fault: "region-down", region: "active" } },
    { atSeconds: 600, action: { fault: "region-down", region: "active", heal: true } },
  ],
  expect: [{ writer: "standby" }, { promotions: 1, allowDataLoss: true }],
};

export const SCENARIOS: readonly Scenario[] = [primaryRegionLost, standbyEgressLost, regionReturnsAfterFailover];
