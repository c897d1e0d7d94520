/**
 * The protocol's properties (docs/failover-protocol.md, P1-P8), each with a
 * scenario that passes on the real code and a test double that removes the
 * safeguard behind the property: with the double installed (`prepare(world)`,
 * before the world starts) the same scenario must FAIL, in the way named here.
 * A double that does not break its scenario means the scenario does not test
 * the safeguard. `npm run drill` runs them after the scenarios (the report's
 * "Safeguards removed" table); __tests__/drill/properties.test.ts asserts them.
 */
import { InvariantId, INVARIANTS } from "./invariants";
import { awsError } from "./model/errors";
import { Scenario, ScenarioResult } from "./scenario";
import {
  concurrentFailoverFailback,
  crashAfter,
  failedRunRetried,
  partitionLong,
  partitionShort,
  primaryRegionLost,
  regionReturnsAfterFailover,
  returnsDuringDrain,
  rpoScenarios,
  secondOutage,
} from "./scenarios";
import { World } from "./world";

export type Property = "P1" | "P2" | "P3" | "P4" | "P5" | "P6" | "P7" | "P8";

export interface SafeguardDouble {
  readonly id: string;
  readonly property: Property;
  /** The safeguard that gives the property, in words. */
  readonly safeguard: string;
  /** What the double does. */
  readonly double: string;
  readonly scenario: (rpoSeconds: number) => Scenario;
  readonly prepare: (world: World) => void;
  /** The failure the double must cause, in words. */
  readonly expectedFailure: string;
  /** Did the run fail that way? */
  readonly brokenBy: (result: ScenarioResult) => { readonly broken: boolean; readonly detail: string };
}

/** The result broke `invariant`. */
export function violated(result: ScenarioResult, invariant: InvariantId): { broken: boolean; detail: string } {
  const found = result.violations.filter((v) => v.invariant === invariant);
  return { broken: !result.passed && found.length > 0, detail: found.length > 0 ? `${invariant}: ${found[0]?.detail ?? ""}` : `${invariant} held` };
}

/** The result missed an expectation whose text contains `text`. */
export function missed(result: ScenarioResult, text: string): { broken: boolean; detail: string } {
  const found = result.expectations.filter((e) => !e.met && e.expectation.includes(text));
  return { broken: !result.passed && found.length > 0, detail: found.length > 0 ? `NOT ${found[0]?.expectation} (${found[0]?.detail})` : `"${text}" met` };
}

/** Either check. */
function anyOf(...checks: { broken: boolean; detail: string }[]): { broken: boolean; detail: string } {
  const hit = checks.find((c) => c.broken);
  return hit ?? { broken: false, detail: checks.map((c) => c.detail).join("; ") };
}

const unused = () => new Error("unused (dropped)");

/** Drops (answers success, does nothing) the calls of `operation` matching `match`, forever. */
function drop(world: World, operation: string, match: (input: unknown) => boolean, callerFunction?: string): void {
  world.model.fail({ operation, when: "drop", times: Number.POSITIVE_INFINITY, match, error: unused, ...(callerFunction ? { callerFunction } : {}) });
}

const itemKey = (input: unknown) => (input as { Item?: { pk?: { S?: string } } }).Item?.pk?.S ?? (input as { Key?: { pk?: { S?: string } } }).Key?.pk?.S ?? "";

export const DOUBLES: readonly SafeguardDouble[] = [
  {
    id: "P1-fence-write-dropped",
    property: "P1",
    safeguard: "the runbook fences the old region (fence#old in the control table) before it promotes, and keeps it fenced after a forced failover",
    double: "every fence write that fences a region (PutItem fence#<region> with fenced = true by the orchestrator) answers success and does nothing",
    scenario: () => regionReturnsAfterFailover,
    prepare: (world) => drop(world, "PutItem", (input) => itemKey(input).startsWith("fence#") && (input as { Item?: { fenced?: { BOOL?: boolean } } }).Item?.fenced?.BOOL === true, "failover-orchestrator"),
    expectedFailure: "the returning region is not held fenced: fence#active not in force, its service not at zero",
    brokenBy: (r) => anyOf(missed(r, "fence#active in force"), missed(r, "service is at zero")),
  },
  {
    id: "P2-probe-counts-as-evidence",
    property: "P2",
    safeguard: "data loss needs two of heartbeat, witness and replication, one of them seen from outside both regions; the probe through the decider's own NAT never counts",
    double: "the shipped bundles' evidence rule (INDEPENDENT_SIGNALS and OUTSIDE_SIGNALS of lambda/shared/evidence.ts) patched to count the probe as an independent signal seen from outside",
    scenario: () => partitionShort,
    prepare: (world) =>
      world.bundlePatches.push((_bundle, code) =>
        code
          .split('["heartbeat","witness","replication"]')
          .join('["heartbeat","witness","replication","probe"]')
          .split('["witness","serviceWitness"]')
          .join('["witness","serviceWitness","probe"]'),
      ),
    expectedFailure: "in a 2-minute partition with both regions alive, the stale heartbeat and the probe start a failover run: the writer moves (a switchover once the partition heals)",
    brokenBy: (r) => anyOf(missed(r, "0 promotion(s)"), missed(r, "writer is the active region")),
  },
  {
    id: "P2-between-regions-counts-as-outside",
    property: "P2",
    safeguard: "a region-down verdict needs a signal seen from outside both regions (Route 53's witnesses): the heartbeat and the replication signal both travel between the regions",
    double: "the shipped bundles' OUTSIDE_SIGNALS (lambda/shared/evidence.ts) patched to include the heartbeat and the replication signal",
    scenario: () => partitionLong,
    prepare: (world) => world.bundlePatches.push((_bundle, code) => code.split('["witness","serviceWitness"]').join('["witness","serviceWitness","heartbeat","replication"]')),
    expectedFailure: "in a 15-minute partition with both regions alive, the stale heartbeat and the stalled replication force a promotion while Route 53 still sends clients to the old region",
    brokenBy: (r) => anyOf(missed(r, "0 promotion(s)"), missed(r, "writer is the active region")),
  },
  {
    id: "P3-decide-sees-what-assess-saw",
    property: "P3",
    safeguard: "Decide, after the fence and the drain, re-reads the writer and the evidence: a reachable synchronized primary gets a switchover, never a forced failover",
    double: "from the Drain on, the orchestrator's re-read of the old primary (DescribeDBClusters in the old region) times out, as when Decide reuses what Assess saw",
    scenario: () => returnsDuringDrain,
    prepare: (world) =>
      world.sfnListeners.push((_execution, event) => {
        const name = (event.details?.stateEnteredEventDetails as { name?: string } | undefined)?.name;
        if (!/StateEntered$/.test(event.type) || name !== "Drain") return;
        world.model.fail({
          id: "P3-double",
          operation: "DescribeDBClusters",
          region: world.active,
          callerRegion: world.standby,
          callerFunction: "failover-orchestrator",
          times: Number.POSITIVE_INFINITY,
          error: () => Object.assign(new Error(`connect ETIMEDOUT ${world.active}`), { name: "TimeoutError", code: "ETIMEDOUT" }),
        });
      }),
    expectedFailure: "the returned primary (reachable, synchronized) is force-promoted: no-forced-promotion-against-healthy-primary broken",
    brokenBy: (r) => anyOf(violated(r, INVARIANTS.noForcedPromotionInFact), violated(r, INVARIANTS.noForcedPromotionFromCaller)),
  },
  {
    id: "P4-audit-not-written",
    property: "P4",
    safeguard: "the audit record always states the data-loss window (or why it is unknown), written once per run",
    double: "the audit item's PutItem (audit#<execution>) answers success and does nothing",
    scenario: () => primaryRegionLost,
    prepare: (world) => drop(world, "PutItem", (input) => itemKey(input).startsWith("audit#")),
    expectedFailure: "the forced failover has no audit record: audit-states-data-loss broken",
    brokenBy: (r) => violated(r, INVARIANTS.auditStatesDataLoss),
  },
  {
    id: "P4-rpo-policy-off",
    property: "P4",
    safeguard: "a lag above the RPO escalates a forced failover to a person (failover.onRpoBreach escalate)",
    double: "the orchestrator runs with ON_RPO_BREACH=proceed (the escalation removed)",
    scenario: (rpo) => rpoScenarios(rpo).find((s) => s.id === "rpo-lag-escalates") as Scenario,
    prepare: (world) => {
      for (const f of world.functionsOf("failover-orchestrator")) f.env.ON_RPO_BREACH = "proceed";
    },
    expectedFailure: "the forced failover beyond the RPO goes ahead without asking anyone: no approval request",
    brokenBy: (r) => missed(r, "failover-approval-request"),
  },
  {
    id: "P4-database-rpo-off",
    property: "P4",
    safeguard: "the orchestrator skips the RPO escalation only where rds.global_db_rpo holds the primary's commits (RPO_ENFORCEMENT database, derived from the clusters' parameter groups)",
    double: "the primary no longer holds commits when the lag passes the RPO (rds.global_db_rpo removed from the model), the orchestrator still told the database enforces it",
    scenario: (rpo) => rpoScenarios(rpo).find((s) => s.id === "rpo-lag-database-enforced") as Scenario,
    prepare: (world) => {
      (world.model as { globalDbRpoMs: number | null }).globalDbRpoMs = null;
    },
    expectedFailure: "the forced failover loses more than the RPO: data-loss-within-rpo broken",
    brokenBy: (r) => violated(r, INVARIANTS.dataLossWithinRpo),
  },
  {
    id: "P5-peer-lock-dropped",
    property: "P5",
    safeguard: "runs take both regions' locks when both are reachable (a failback always), so a failover and a failback cannot run at once",
    double: "taking the other region's lock (UpdateItem of lock#... in the peer region's state table) answers success and does nothing",
    scenario: () => concurrentFailoverFailback,
    prepare: (world) => {
      // Only the other region's lock: the calls from each region to the other region's state table.
      for (const [caller, target] of [
        [world.standby, world.active],
        [world.active, world.standby],
      ] as const) {
        world.model.fail({
          operation: "UpdateItem",
          when: "drop",
          times: Number.POSITIVE_INFINITY,
          error: unused,
          region: target,
          callerRegion: caller,
          callerFunction: "failover-orchestrator",
          match: (input) => itemKey(input).startsWith("lock#") && (input as { ConditionExpression?: string }).ConditionExpression?.includes("attribute_not_exists") === true,
        });
      }
    },
    expectedFailure: "both runs get past Assess: the concurrent failover fences the failback's region while its switchover is under way (it fails later on GlobalClusterBusy and its rollback lifts that fence: not refused by the locks)",
    brokenBy: (r) => anyOf(missed(r, "refused by the locks"), missed(r, "converged")),
  },
  {
    id: "P6-gate-depends-on-other-region",
    property: "P6",
    safeguard: "each region's Route 53 record depends only on checks of that region's own load balancer, set through its own API",
    double: "the standby's global record also requires the active region's `alive` check (a record that depends on the other region)",
    scenario: () => secondOutage,
    prepare: (world) => {
      const record = world.route53.records.find((r) => r.type === "A" && r.setIdentifier === world.standby && r.healthCheckId !== undefined);
      const activeAlive = [...world.route53.checks.values()].find((c) => c.type !== "CALCULATED" && c.name.endsWith(`-alive-${world.active}`));
      const own = record?.healthCheckId !== undefined ? world.route53.checks.get(record.healthCheckId) : undefined;
      if (!record || !own || !activeAlive) throw new Error("P6 double: the standby's global record, its check or the active region's alive check was not found");
      // Whatever check the record carries (its `app` check, or its `region` check without pre-routing), AND the other region's.
      const id = `${own.id}+${activeAlive.id}`;
      world.route53.checks.set(id, { ...own, id, resource: `${own.resource}+double`, type: "CALCULATED", name: `${own.name}+double`, children: [own.id, activeAlive.id], childThreshold: 2, history: [] });
      Object.assign(record, { healthCheckId: id });
    },
    expectedFailure: "after the second outage clients never reach the survivor: the RTO is not met",
    brokenBy: (r) => ({ broken: !r.passed && r.brokenTargets.some((t) => t.startsWith("RTO")), detail: r.brokenTargets.join("; ") || "targets met" }),
  },
  {
    id: "P7-monitor-does-not-retry",
    property: "P7",
    safeguard: "the monitor retries a run that ended without promoting while the verdict holds (up to failover.maxAttempts), then escalates",
    double: "the monitor's DescribeExecution always fails (an unknown status is treated as still running: no next attempt)",
    scenario: () => failedRunRetried,
    prepare: (world) => world.model.fail({ operation: "DescribeExecution", callerFunction: "health-monitor", times: Number.POSITIVE_INFINITY, error: () => awsError("AccessDeniedException", "not authorized") }),
    expectedFailure: "the failed run is never retried: the writer stays in the lost region",
    brokenBy: (r) => missed(r, "writer is the standby region"),
  },
  {
    id: "P8-hand-edited-definition",
    property: "P8",
    safeguard: "the drill and the runbook tests run the state machine definitions as synthesized (cdktf.out), with the real handlers",
    double: "the emitted failover definition replaced by a hand-edited copy whose AwaitWriter retries nothing (every Retry MaxAttempts 0)",
    scenario: () => crashAfter("AwaitWriter"),
    prepare: (world) => {
      for (const machine of world.sfn.stateMachines()) {
        if (!machine.name.includes("-failover-")) continue;
        const edited = JSON.parse(JSON.stringify(machine.definition)) as { States: Record<string, { Retry?: { MaxAttempts?: number }[] }> };
        for (const retry of edited.States.AwaitWriter?.Retry ?? []) retry.MaxAttempts = 0;
        world.sfn.register(machine.region, machine.name, edited);
      }
    },
    expectedFailure: "the crash after AwaitWriter is not retried: the writer moves, the run fails before OpenGate",
    brokenBy: (r) => anyOf(missed(r, "SUCCEEDED"), missed(r, "ran twice")),
  },
];
