/**
 * Scenarios: small declarative scripts over the world (world.ts). A scenario
 * is a timeline of faults and operator actions at virtual seconds, plus
 * expectations checked at the end; the invariants (invariants.ts) are checked
 * at every instant whatever the scenario says.
 *
 * Regions are named by their role at the start of the run: "active" holds the
 * writer (`regions.active`), "standby" is the other one.
 *
 *   const primaryLost: Scenario = {
 *     id: "primary-region-lost",
 *     title: "Primary region lost",
 *     durationSeconds: 1800,
 *     timeline: [{ atSeconds: 120, action: { fault: "region-down", region: "active" } }],
 *     expect: [{ writer: "standby" }, { promotions: 1 }],
 *   };
 */
import { APPROVAL_REFUSED_ERROR } from "../lambda/shared/failover-request";
import { LambdaName } from "../constructs/app/lambda-bundle";
import { DR_RULE_PRIORITY, GATE_PATH } from "../lambda/shared/gate-rule";
import { DrConfig } from "../lib/config/model";
import { CrashPlan } from "./asl/runner";
import { AuditAdapter, auditAdapter } from "./audit";
import { budgetRtoOf } from "./budget";
import { FailureKind } from "../lib/budget";
import { Figures } from "./figures";
import { RequestRecord, Violation } from "./invariants";
import { awsError, lostResponse, throttling } from "./model/errors";
import { TerraformApp } from "./terraform/app";
import { TimelineEntry, TrafficOptions, World } from "./world";

export type RegionRole = "active" | "standby";
export type RunbookKind = "failover" | "failback";

export type Action =
  /** A fault, or its end with `heal: true`. */
  | { readonly fault: "region-down" | "egress-down" | "ingress-down" | "api-down" | "database-down" | "resolver-down"; readonly region: RegionRole; readonly heal?: boolean }
  | { readonly fault: "service-unhealthy"; readonly region: RegionRole; readonly heal?: boolean }
  | { readonly fault: "partition" | "witness-down"; readonly heal?: boolean }
  /** Aurora replication lags `seconds` behind (the secondary's watermark and the published lag); heal: back to the figure. */
  | { readonly fault: "replication-lag"; readonly seconds: number; readonly heal?: boolean }
  /** The replication-lag metric cannot be read in `region` (GetMetricData fails there). */
  | { readonly fault: "lag-unreadable"; readonly region: RegionRole; readonly heal?: boolean }
  /** Promotions take `seconds` from now on (a slow FailoverGlobalCluster); heal: back to the figure. */
  | { readonly fault: "slow-promotion"; readonly seconds: number; readonly heal?: boolean }
  /** API errors: `times` calls of `operation` (to `region`'s endpoints, from code in `callerRegion`) fail. */
  | {
      readonly fault: "api-error";
      readonly operation: string;
      readonly region?: RegionRole;
      readonly callerRegion?: RegionRole;
      readonly error: "throttling" | "server-error" | "lost-response" | "access-denied";
      readonly times?: number;
      readonly heal?: boolean;
    }
  /** The next execution of a runbook crashes after these task states (side effects done, then Lambda.Unknown, or killed). */
  | { readonly crash: { readonly runbook: RunbookKind; readonly region: RegionRole; readonly after: readonly CrashPlan[] } }
  /** An operator answers the oldest pending task token in a region's runbook (approval). */
  | { readonly operator: "approve" | "refuse"; readonly region: RegionRole }
  /** An operator starts a runbook. */
  | { readonly operator: "start"; readonly runbook: RunbookKind; readonly region: RegionRole; readonly name?: string; readonly input?: Record<string, unknown> };

/** When an event happens: at a virtual second, or when a runbook's execution enters a state (its first entry, or the n-th). */
export type Trigger =
  | { readonly atSeconds: number }
  | { readonly onEnter: { readonly state: string; readonly runbook?: RunbookKind; readonly region?: RegionRole; readonly nth?: number; readonly delaySeconds?: number } };

export type ScenarioEvent = Trigger & { readonly action: Action };

export type Expectation =
  | { readonly writer: RegionRole }
  | { readonly promotions: number; readonly allowDataLoss?: boolean }
  | { readonly executions: { readonly region: RegionRole; readonly runbook: RunbookKind; readonly status?: string; readonly count: number } }
  | { readonly rtoWithinTarget: true }
  | { readonly noTrafficLoss: true }
  /** The region's gate rule at the end. */
  | { readonly gate: { readonly region: RegionRole; readonly open: boolean } }
  /** The region's service at the end: at least the active minimum, the standby minimum, or held at zero (scalable target 0/0, no task). */
  | { readonly capacity: { readonly region: RegionRole; readonly is: "active" | "zero" | "standby-or-more" } }
  /** fence#<region> in force (fenced and its lease not run out), as the region's own replica of the control table says at the end. */
  | { readonly fenced: { readonly region: RegionRole; readonly inForce: boolean } }
  /** Pages (SNS messages) of a kind published in a region. */
  | { readonly pages: { readonly region: RegionRole; readonly kind: string; readonly count: number | { readonly min: number } } }
  /** Audit records (any region) matching the fields given. */
  | { readonly audits: { readonly count: number; readonly outcome?: string; readonly decision?: string; readonly strategy?: string } }
  /** No call of these kinds by a function's code (a dry run changes nothing). */
  | { readonly noMutatingCalls: { readonly by: LambdaName } }
  /** Client requests through the global name that were not served, at most. */
  | { readonly failedRequests: { readonly max: number } }
  /**
   * The end state is consistent: the writer's region has its gate open and at least the active
   * minimum running; the other region's gate is closed (P1, P5, P7).
   */
  | { readonly converged: true }
  /** A custom check of the world at the end. */
  | { readonly custom: { readonly expectation: string; readonly check: (world: World) => { readonly met: boolean; readonly detail: string } } };

/**
 * How the scenario's RTO is judged:
 * - budget: against the configuration's target AND the RTO/RPO budget (lib/budget, the unplanned
 *   failover the budget models): a drill RTO above the budget means the budget is wrong;
 * - target: against the target only (a path the budget does not model, e.g. a switchover);
 * - report: reported only (no recovery is expected, or a person's delay is part of the scenario).
 */
export type RtoJudgement = "budget" | "target" | "report";

export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
  readonly durationSeconds: number;
  readonly timeline: readonly ScenarioEvent[];
  readonly expect?: readonly Expectation[];
  /** Function environment overrides (e.g. FAILOVER_AUTHORITY), by role. */
  readonly environment?: readonly { readonly function: LambdaName; readonly region?: RegionRole; readonly variables: Readonly<Record<string, string>> }[];
  readonly traffic?: TrafficOptions | false;
  /** The incident start for the RTO. @default the first fault */
  readonly incidentAtSeconds?: number;
  /** @default "target" */
  readonly rto?: RtoJudgement;
  /** Which of the budget's failures the scenario is (a lost region, or a lost writer database with its region up). @default "region" */
  readonly failure?: FailureKind;
  /** A loss beyond the RPO is what this scenario's configuration allows (reported, not a violation). @default false */
  readonly rpoBreachAccepted?: boolean;
  /** The protocol properties (P1-P8) the scenario exercises. */
  readonly properties?: readonly string[];
  /**
   * A protocol problem this scenario reproduces on the real code and that is not fixed (a fix would change
   * the protocol's design): the scenario is expected to FAIL; the report lists it with this text, and says
   * so if it ever passes. The drill's exit code counts it as expected.
   */
  readonly knownProblem?: string;
}

export interface ScenarioInputs {
  readonly app: TerraformApp;
  readonly config: DrConfig;
  readonly figures: Figures;
  readonly seed?: number;
  readonly audit?: AuditAdapter;
  readonly hostRequire?: NodeRequire;
  /** A hook to change the world before it starts (test doubles: e.g. a safeguard removed). */
  readonly prepare?: (world: World) => void;
  /** The budget's RTO for this configuration; computed from the app when absent (null: no budget). */
  readonly budgetRtoSeconds?: number | null;
}

export interface ExpectationResult {
  readonly expectation: string;
  readonly met: boolean;
  readonly detail: string;
}

export interface DataLossSummary {
  readonly toRegion: string;
  readonly lostWrites: number;
  /** From the cutoff to the last lost write, seconds. */
  readonly windowSeconds: number;
  /** Lost commit times, seconds from the start of the run. */
  readonly lostFromSeconds: number | null;
  readonly lostToSeconds: number | null;
  readonly ddbUnreplicated: number;
  /** What the audit record states: kind, estimate (s), Aurora window (s from the start; null = open or unknown). */
  readonly audit: { readonly execution: string; readonly kind: string | null; readonly estimateSeconds: number | null; readonly auroraFromSeconds: number | null; readonly auroraToSeconds: number | null } | null;
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
  readonly durationSeconds: number;
  readonly startMs: number;
  readonly active: string;
  readonly standby: string;
  readonly incidentAtMs: number | null;
  /** Seconds from the incident until client writes succeed again for good; null when they never did. */
  readonly rtoSeconds: number | null;
  readonly rtoJudgement: RtoJudgement;
  readonly rtoTargetSeconds: number;
  /** The RTO/RPO budget's RTO for the configuration (the worse direction), null when none could be computed. */
  readonly budgetRtoSeconds: number | null;
  readonly rpoTargetSeconds: number;
  readonly rpoBreachAccepted: boolean;
  readonly dataLoss: readonly DataLossSummary[];
  readonly violations: readonly Violation[];
  readonly expectations: readonly ExpectationResult[];
  /** RTO (as judged) and RPO met, and the RTO within the budget when judged against it. */
  readonly targetsMet: boolean;
  /** The broken targets, in words (empty when met). */
  readonly brokenTargets: readonly string[];
  readonly passed: boolean;
  readonly writerAtEnd: string | null;
  readonly promotions: readonly { readonly atSeconds: number; readonly operation: string; readonly allowDataLoss: boolean; readonly calledIn: string }[];
  readonly executions: readonly { readonly name: string; readonly region: string; readonly status: string; readonly startSeconds: number; readonly stopSeconds: number | null; readonly error?: string }[];
  readonly audits: readonly { readonly execution: string; readonly region: string; readonly outcome: string | null; readonly decision: string | null; readonly strategy: string | null; readonly dataLossKind: string | null }[];
  readonly requests: { readonly total: number; readonly committed: number; readonly failed: number; readonly refused: number; readonly unreachable: number };
  readonly regionalRequests: { readonly total: number; readonly committed: number; readonly servedOutsideWriter: number };
  readonly timeline: readonly TimelineEntry[];
  /** Spans of virtual time, for the report's chart. */
  readonly spans: readonly { readonly lane: string; readonly label: string; readonly fromSeconds: number; readonly toSeconds: number }[];
  readonly figures: Figures;
  readonly evaluations: number;
  readonly properties: readonly string[];
  /** See Scenario.knownProblem. */
  readonly knownProblem?: string;
  /** What the run leaves, comparable between runs (no times, no execution names): see endStateOf. */
  readonly endState: EndState;
}

export interface EndState {
  readonly writer: string | null;
  readonly promotions: readonly { readonly operation: string; readonly allowDataLoss: boolean; readonly calledIn: string }[];
  /** Per region: gate open, scalable target, fence in force, lock held. */
  readonly regions: Readonly<Record<string, { readonly gateOpen: boolean | null; readonly capacity: string; readonly fenced: boolean; readonly lockHeld: boolean }>>;
  /** The audit records' (outcome, decision, strategy, data-loss kind), sorted. */
  readonly audits: readonly string[];
  /** Outcome notifications by kind. */
  readonly notifications: Readonly<Record<string, number>>;
}

/** The comparable end state of a run. */
export function endStateOf(world: World): EndState {
  const model = world.model;
  const regions: Record<string, EndState["regions"][string]> = {};
  for (const region of [world.active, world.standby].sort()) {
    const env = world.functionsOf("health-monitor", region)[0]?.env ?? {};
    const id = model.serviceIds(region).find((s) => s.endsWith(`/${env.ECS_SERVICE ?? ""}`)) ?? model.serviceIds(region)[0] ?? "";
    const target = model.scalableTarget(region, id);
    const lockTable = env.STATE_TABLE_NAME ?? "";
    const lockHeld = [...model.items(region, lockTable).keys()].some((k) => k.startsWith("lock#"));
    regions[region] = { gateOpen: gateOpen(world, region), capacity: target ? `${target.min}/${target.max}` : "none", fenced: fenceInForceIn(world, region), lockHeld };
  }
  const notifications: Record<string, number> = {};
  for (const region of model.regionNames()) {
    for (const m of model.messages(region)) {
      try {
        const kind = String((JSON.parse(m.message) as { kind?: unknown }).kind);
        if (/^failover-(completed|failed|stood-down)$/.test(kind)) notifications[kind] = (notifications[kind] ?? 0) + 1;
      } catch {
        // not JSON
      }
    }
  }
  return {
    writer: model.writer()?.region ?? null,
    promotions: model.promotions.map((p) => ({ operation: p.operation, allowDataLoss: p.allowDataLoss, calledIn: p.calledIn })),
    regions,
    audits: auditAdapter
      .records(model, world.auditTables)
      .map((a) => `${a.outcome ?? "?"}/${a.decision ?? "none"}/${a.strategy ?? "?"}/${a.dataLossKind ?? "?"}`)
      .sort(),
    notifications,
  };
}

function regionOf(world: World, role: RegionRole): string {
  return role === "active" ? world.active : world.standby;
}

function stateMachineArn(world: World, runbook: RunbookKind, region: string): string {
  const sm = world.sfn.stateMachines().find((m) => m.region === region && m.name.includes(`-${runbook}-`));
  if (!sm) throw new Error(`no ${runbook} runbook in ${region}`);
  return sm.arn;
}

function errorOf(kind: "throttling" | "server-error" | "lost-response" | "access-denied"): () => Error {
  switch (kind) {
    case "throttling":
      return throttling;
    case "server-error":
      return () => awsError("InternalFailure", "We encountered an internal error", "server");
    case "lost-response":
      return lostResponse;
    default:
      return () => awsError("AccessDeniedException", "not authorized");
  }
}

/** Applies one action to the world. */
export function apply(world: World, action: Action): void {
  const net = world.model.network;
  if ("fault" in action) {
    const on = !("heal" in action && action.heal === true);
    switch (action.fault) {
      case "region-down":
        world.setRegionDown(regionOf(world, action.region), on);
        break;
      case "egress-down":
        net.setEgressDown(regionOf(world, action.region), on);
        break;
      case "ingress-down":
        net.setIngressDown(regionOf(world, action.region), on);
        break;
      case "api-down":
        net.setApiDown(regionOf(world, action.region), on);
        break;
      case "resolver-down":
        net.setResolverDown(regionOf(world, action.region), on);
        break;
      case "database-down":
        world.model.setDatabaseDown(regionOf(world, action.region), on);
        break;
      case "service-unhealthy":
        for (const id of world.model.serviceIds(regionOf(world, action.region))) world.model.setServiceUnhealthy(regionOf(world, action.region), id, on);
        break;
      case "partition":
        net.setPartition(world.active, world.standby, on);
        break;
      case "witness-down":
        net.setWitnessDown(on);
        break;
      case "replication-lag":
        world.model.replicationLagMs = on ? action.seconds * 1000 : world.figures.seconds.auroraLag * 1000;
        break;
      case "slow-promotion":
        (world.model as { promotionDurationMs: number }).promotionDurationMs = on ? action.seconds * 1000 : world.figures.seconds.promotion * 1000;
        break;
      case "lag-unreadable": {
        const id = `lag-unreadable-${action.region}`;
        if (on) world.model.fail({ id, operation: "GetMetricData", region: regionOf(world, action.region), error: () => awsError("InternalServiceError", "metrics unavailable", "server"), times: Number.POSITIVE_INFINITY });
        else world.model.clearFault(id);
        break;
      }
      case "api-error": {
        const id = `api-error-${action.operation}-${action.error}`;
        if (!on) {
          world.model.clearFault(id);
          break;
        }
        world.model.fail({
          id,
          operation: action.operation,
          ...(action.region ? { region: regionOf(world, action.region) } : {}),
          ...(action.callerRegion ? { callerRegion: regionOf(world, action.callerRegion) } : {}),
          error: errorOf(action.error),
          times: action.times ?? 1,
          when: action.error === "lost-response" ? "after" : "before",
        });
        break;
      }
    }
    world.note("faults", describeAction(action));
    return;
  }
  if ("crash" in action) {
    world.sfn.planCrashes(stateMachineArn(world, action.crash.runbook, regionOf(world, action.crash.region)), action.crash.after);
    world.note("faults", describeAction(action));
    return;
  }
  const region = regionOf(world, action.region);
  if (action.operator === "start") {
    if (!net.canCallApi(undefined, region)) {
      world.note("operator", `cannot reach ${region} to start ${action.runbook}`);
      return;
    }
    const started = world.sfn.startExecution(region, {
      stateMachineArn: stateMachineArn(world, action.runbook, region),
      name: action.name ?? `operator-${action.runbook}-${Math.floor(world.clock.elapsedMs() / 1000)}`,
      input: JSON.stringify(action.input ?? { reason: "drill operator" }),
    });
    world.note("operator", `started ${action.runbook} in ${region}: ${started.executionArn.split(":").pop()}`);
    return;
  }
  const pending = world.sfn.pendingTokens().find((t) => world.sfn.execution(t.executionArn)?.stateMachineArn.includes(`:${region}:`));
  if (!pending) {
    world.note("operator", `${action.operator}: no task token pending in ${region}`);
    return;
  }
  // The operator answers with the token the orchestrator left in the state table for the request the page names
  // (npm run approve --request <state>), never one from the page.
  const stored = world.storedApprovalToken(region, pending.executionArn, pending.stateName);
  if (stored === undefined) {
    world.note("operator", `${action.operator}: no approval item for ${pending.executionArn.split(":").pop()} in ${region}'s state table`);
    return;
  }
  if (action.operator === "approve") world.sfn.sendTaskSuccess(region, { taskToken: stored, output: JSON.stringify({ approvedBy: "drill operator" }) });
  else world.sfn.sendTaskFailure(region, { taskToken: stored, error: APPROVAL_REFUSED_ERROR, cause: "drill operator refused" });
  world.note("operator", `${action.operator}d ${pending.executionArn.split(":").pop()}`);
}

export function describeAction(action: Action): string {
  if ("fault" in action) {
    const where = "region" in action && action.region ? ` ${action.region}` : "";
    const heal = "heal" in action && action.heal === true;
    if (action.fault === "api-error") return `${heal ? "end of " : ""}${action.error} on ${action.operation}${action.region ? ` in ${action.region}` : ""}${action.callerRegion ? ` from ${action.callerRegion}` : ""} x${action.times ?? 1}`;
    if (action.fault === "replication-lag" || action.fault === "slow-promotion") return `${heal ? "heal" : "fault"} ${action.fault}${heal ? "" : ` ${action.seconds} s`}`;
    return `${heal ? "heal" : "fault"} ${action.fault}${where}`;
  }
  if ("crash" in action) return `${action.crash.after.some((c) => c.kill) ? "kill" : "crash"} ${action.crash.runbook} (${action.crash.region}) after ${action.crash.after.map((c) => c.state).join(", ")}`;
  return action.operator === "start" ? `operator starts ${action.runbook} in ${action.region}${action.input?.dryRun ? " (dry run)" : ""}` : `operator ${action.operator}s in ${action.region}`;
}

/** Schedules the scenario's events: timed ones on the clock, state-triggered ones on the Step Functions events. */
function schedule(world: World, scenario: Scenario): void {
  const seen = new Map<number, number>();
  scenario.timeline.forEach((event, index) => {
    if ("atSeconds" in event) {
      setTimeout(() => apply(world, event.action), event.atSeconds * 1000);
      return;
    }
    const on = event.onEnter;
    world.sfnListeners.push((execution, history) => {
      if (!/StateEntered$/.test(history.type)) return;
      const name = (history.details?.stateEnteredEventDetails as { name?: string } | undefined)?.name;
      if (name !== on.state) return;
      if (on.runbook && !execution.stateMachineArn.includes(`-${on.runbook}-`)) return;
      if (on.region && !execution.stateMachineArn.includes(`:${regionOf(world, on.region)}:`)) return;
      const count = (seen.get(index) ?? 0) + 1;
      seen.set(index, count);
      if (count !== (on.nth ?? 1)) return;
      setTimeout(() => apply(world, event.action), (on.delaySeconds ?? 0) * 1000);
    });
  });
}

/** Runs one scenario in a fresh world and reports what happened. */
export async function runScenario(scenario: Scenario, inputs: ScenarioInputs): Promise<ScenarioResult> {
  const { config } = inputs;
  const active = config.regions.active;
  const standby = config.regions.active === config.regions.primary ? config.regions.secondary : config.regions.primary;
  const roleRegion = (role?: RegionRole) => (role === undefined ? undefined : role === "active" ? active : standby);
  const environment = (scenario.environment ?? []).map((e) => ({ function: e.function, ...(e.region ? { region: roleRegion(e.region) as string } : {}), variables: e.variables }));
  const world = new World({
    app: inputs.app,
    config,
    figures: inputs.figures,
    ...(inputs.seed !== undefined ? { seed: inputs.seed } : {}),
    ...(inputs.audit ? { audit: inputs.audit } : {}),
    ...(inputs.hostRequire ? { hostRequire: inputs.hostRequire } : {}),
    ...(scenario.traffic !== undefined ? { traffic: scenario.traffic } : {}),
    ...(scenario.rpoBreachAccepted ? { rpoBreachAccepted: true } : {}),
    environment,
  });
  inputs.prepare?.(world);
  world.start();
  schedule(world, scenario);
  const startMs = world.clock.now();
  try {
    await world.run(scenario.durationSeconds * 1000);
    world.invariants.finish();
    // A lost region has the same budget both ways as shipped (the worse one is taken); a lost database is judged in the
    // direction the scenario fails over: into the standby region.
    const budget =
      (scenario.failure ?? "region") === "region"
        ? inputs.budgetRtoSeconds !== undefined
          ? inputs.budgetRtoSeconds
          : budgetRtoOf(inputs.app, config, environment)
        : budgetRtoOf(inputs.app, config, environment, scenario.failure, world.standby);
    return summarize(scenario, world, startMs, inputs, budget);
  } finally {
    world.stop();
  }
}

const MUTATING = new Set([
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "ModifyRule",
  "RegisterScalableTarget",
  "UpdateService",
  "FailoverGlobalCluster",
  "SwitchoverGlobalCluster",
  "PutMetricData",
]);

function expectationOf(e: Expectation, world: World, ctx: { rtoSeconds: number | null; config: DrConfig }): ExpectationResult {
  const model = world.model;
  const writerRegion = model.writer()?.region ?? null;
  const role = (region: string | null) => (region === world.active ? "active" : region === world.standby ? "standby" : String(region));
  if ("writer" in e) return { expectation: `writer is the ${e.writer} region`, met: role(writerRegion) === e.writer, detail: `writer in ${writerRegion ?? "none"}` };
  if ("promotions" in e) {
    const matching = model.promotions.filter((p) => e.allowDataLoss === undefined || p.allowDataLoss === e.allowDataLoss);
    return { expectation: `${e.promotions} promotion(s)${e.allowDataLoss === undefined ? "" : e.allowDataLoss ? " allowing data loss" : " without data loss"}`, met: matching.length === e.promotions, detail: `${matching.length}` };
  }
  if ("executions" in e) {
    const region = regionOf(world, e.executions.region);
    const list = world.sfn
      .allExecutions()
      .filter((x) => x.arn.split(":")[3] === region && x.stateMachineArn.includes(`-${e.executions.runbook}-`) && (e.executions.status ? x.status === e.executions.status : true));
    return {
      expectation: `${e.executions.count} ${e.executions.runbook} execution(s) in the ${e.executions.region} region${e.executions.status ? ` ${e.executions.status}` : ""}`,
      met: list.length === e.executions.count,
      detail: `${list.length}${list.length > 0 ? ` (${list.map((x) => x.status).join(", ")})` : ""}`,
    };
  }
  if ("rtoWithinTarget" in e) return { expectation: "RTO within target", met: ctx.rtoSeconds !== null && ctx.rtoSeconds <= ctx.config.targets.rtoSeconds, detail: `${ctx.rtoSeconds ?? "not recovered"}` };
  if ("noTrafficLoss" in e) {
    const failed = world.requests.filter((r) => r.outcome !== "committed").length;
    return { expectation: "no failed client request", met: failed === 0, detail: `${failed} failed` };
  }
  if ("failedRequests" in e) {
    const failed = world.requests.filter((r) => r.outcome !== "committed").length;
    return { expectation: `at most ${e.failedRequests.max} client request(s) not served`, met: failed <= e.failedRequests.max, detail: `${failed}` };
  }
  if ("gate" in e) {
    const open = gateOpen(world, regionOf(world, e.gate.region));
    return { expectation: `the ${e.gate.region} region's gate is ${e.gate.open ? "open" : "closed"}`, met: open === e.gate.open, detail: open === null ? "no gate rule" : open ? "open" : "closed" };
  }
  if ("capacity" in e) {
    const region = regionOf(world, e.capacity.region);
    const env = world.functionsOf("health-monitor", region)[0]?.env ?? {};
    const activeMin = Number(env.ACTIVE_MIN_CAPACITY ?? 1);
    const standbyMin = Number(env.STANDBY_MIN_CAPACITY ?? 0);
    const ids = model.serviceIds(region).filter((id) => id.endsWith(`/${env.ECS_SERVICE ?? ""}`));
    const id = ids[0] ?? model.serviceIds(region)[0] ?? "";
    const target = model.scalableTarget(region, id);
    const service = model.service(region, id);
    const detail = `scalable target ${target ? `${target.min}/${target.max}` : "none"}, ${service?.running ?? 0} running`;
    const met =
      e.capacity.is === "zero"
        ? target?.min === 0 && target.max === 0 && (service?.running ?? 0) === 0
        : e.capacity.is === "active"
          ? (target?.min ?? 0) >= activeMin && (service?.running ?? 0) >= activeMin
          : (target?.min ?? 0) >= standbyMin;
    return { expectation: `the ${e.capacity.region} region's service is at ${e.capacity.is === "zero" ? "zero" : e.capacity.is === "active" ? "the active minimum" : "the standby minimum or more"}`, met, detail };
  }
  if ("fenced" in e) {
    const region = regionOf(world, e.fenced.region);
    const inForce = fenceInForceIn(world, region);
    return { expectation: `fence#${e.fenced.region} ${e.fenced.inForce ? "in force" : "not in force"}`, met: inForce === e.fenced.inForce, detail: inForce ? "in force" : "not in force" };
  }
  if ("pages" in e) {
    const region = regionOf(world, e.pages.region);
    const count = pagesOf(world, region, e.pages.kind).length;
    const want = e.pages.count;
    const met = typeof want === "number" ? count === want : count >= want.min;
    return { expectation: `${typeof want === "number" ? want : `at least ${want.min}`} "${e.pages.kind}" page(s) from the ${e.pages.region} region`, met, detail: `${count}` };
  }
  if ("audits" in e) {
    const audits = auditAdapter.records(model, world.auditTables).filter(
      (a) => (e.audits.outcome === undefined || a.outcome === e.audits.outcome) && (e.audits.decision === undefined || a.decision === e.audits.decision) && (e.audits.strategy === undefined || a.strategy === e.audits.strategy),
    );
    const what = [e.audits.outcome, e.audits.decision, e.audits.strategy].filter((x) => x !== undefined).join(", ");
    return { expectation: `${e.audits.count} audit record(s)${what ? ` (${what})` : ""}`, met: audits.length === e.audits.count, detail: `${audits.length}` };
  }
  if ("noMutatingCalls" in e) {
    const calls = model.calls.filter((c) => c.function === e.noMutatingCalls.by && MUTATING.has(c.operation) && c.outcome !== undefined && c.outcome !== "TimeoutError");
    return { expectation: `no mutating AWS call by ${e.noMutatingCalls.by}`, met: calls.length === 0, detail: calls.length === 0 ? "none" : [...new Set(calls.map((c) => c.operation))].join(", ") };
  }
  if ("converged" in e) {
    const writer = model.writer()?.region;
    if (!writer) return { expectation: "converged: the writer's region open with active capacity, the other closed (or down)", met: false, detail: "no writer" };
    const other = writer === world.active ? world.standby : world.active;
    const w = expectationOf({ capacity: { region: role(writer) as RegionRole, is: "active" } }, world, ctx);
    const openW = gateOpen(world, writer);
    const openO = gateOpen(world, other);
    const otherDown = !model.network.isRegionUp(other);
    return {
      expectation: "converged: the writer's region open with active capacity, the other closed (or down)",
      met: openW === true && (openO === false || otherDown) && w.met,
      detail: `writer ${writer} gate ${openW ? "open" : "closed"} (${w.detail}); ${other} ${otherDown ? "down" : `gate ${openO ? "open" : "closed"}`}`,
    };
  }
  const result = e.custom.check(world);
  return { expectation: e.custom.expectation, ...result };
}

/** The gate rule's state in `region` (true open, false closed, null: no gate rule). */
export function gateOpen(world: World, region: string): boolean | null {
  const rule = world.model.elb.rules(region).find((r) => r.Priority === String(DR_RULE_PRIORITY.gate));
  if (!rule) return null;
  const answer = world.model.elb.answer(region, "GET", GATE_PATH);
  return answer.kind === "answered" && answer.status === 200;
}

/** fence#<region> in force as `region`'s own replica of the control table says now. */
export function fenceInForceIn(world: World, region: string): boolean {
  const table = world.functionsOf("health-monitor", region)[0]?.env.CONTROL_TABLE_NAME;
  if (!table) return false;
  const item = world.model.item(region, table, `fence#${region}`);
  if (!item || item.fenced?.BOOL !== true) return false;
  const lease = item.leaseExpiresAt?.N;
  return lease === undefined || Number(lease) > world.clock.now();
}

/** The pages of one kind (the JSON `kind` of the message) published in `region`. */
export function pagesOf(world: World, region: string, kind: string): { atMs: number; body: Record<string, unknown> }[] {
  const out: { atMs: number; body: Record<string, unknown> }[] = [];
  for (const m of world.model.messages(region)) {
    try {
      const body = JSON.parse(m.message) as Record<string, unknown>;
      if (body.kind === kind) out.push({ atMs: m.atMs, body });
    } catch {
      // not JSON
    }
  }
  return out;
}

function summarize(scenario: Scenario, world: World, startMs: number, inputs: ScenarioInputs, budgetRtoSeconds: number | null): ScenarioResult {
  const { config } = inputs;
  const sec = (ms: number) => Math.round((ms - startMs) / 100) / 10;
  const firstFault = scenario.timeline.find((e) => "fault" in e.action && "atSeconds" in e);
  const incidentAtSeconds = scenario.incidentAtSeconds ?? (firstFault && "atSeconds" in firstFault ? firstFault.atSeconds : undefined);
  const incidentAtMs = incidentAtSeconds === undefined ? null : startMs + incidentAtSeconds * 1000;
  const rtoSeconds = incidentAtMs === null ? 0 : recoverySeconds(world.requests, incidentAtMs);
  const model = world.model;
  const dataLoss: DataLossSummary[] = world.invariants.dataLoss.map((d) => ({
    toRegion: d.failover.toRegion,
    lostWrites: d.lostWrites,
    windowSeconds: d.windowMs / 1000,
    lostFromSeconds: d.lostFromMs === null ? null : sec(d.lostFromMs),
    lostToSeconds: d.lostToMs === null ? null : sec(d.lostToMs),
    ddbUnreplicated: d.ddbUnreplicated,
    audit: d.audit
      ? {
          execution: d.audit.executionId.split(":").pop() ?? d.audit.executionId,
          kind: d.audit.dataLossKind,
          estimateSeconds: d.audit.estimatedDataLossMs === null ? null : d.audit.estimatedDataLossMs / 1000,
          auroraFromSeconds: d.audit.windows?.aurora.from == null ? null : sec(d.audit.windows.aurora.from),
          auroraToSeconds: d.audit.windows?.aurora.to == null ? null : sec(d.audit.windows.aurora.to),
        }
      : null,
  }));
  const executions = world.sfn.allExecutions().map((e) => ({
    name: e.name,
    region: e.arn.split(":")[3] ?? "",
    status: e.status,
    startSeconds: sec(e.startMs ?? startMs),
    stopSeconds: e.stopMs !== undefined ? sec(e.stopMs) : null,
    ...(e.error ? { error: e.error } : {}),
  }));
  const audits = auditAdapter.records(model, world.auditTables).map((a) => ({
    execution: a.executionId.split(":").pop() ?? a.executionId,
    region: a.region,
    outcome: a.outcome ?? null,
    decision: a.decision,
    strategy: a.strategy ?? null,
    dataLossKind: a.dataLossKind,
  }));
  const writerRegion = model.writer()?.region ?? null;
  const expectations = (scenario.expect ?? []).map((e) => expectationOf(e, world, { rtoSeconds, config }));
  const violations = world.invariants.violations();
  const judgement = scenario.rto ?? "target";
  const brokenTargets: string[] = [];
  if (judgement !== "report") {
    if (rtoSeconds === null) brokenTargets.push("RTO: clients never recovered");
    else if (rtoSeconds > config.targets.rtoSeconds) brokenTargets.push(`RTO ${rtoSeconds} s above the target ${config.targets.rtoSeconds} s`);
  }
  if (judgement === "budget" && budgetRtoSeconds !== null && rtoSeconds !== null && rtoSeconds > budgetRtoSeconds) {
    brokenTargets.push(`RTO ${rtoSeconds} s above the budget's ${budgetRtoSeconds} s: the budget (lib/budget) is wrong for this path`);
  }
  for (const d of dataLoss) {
    if (d.windowSeconds > config.targets.rpoSeconds && !scenario.rpoBreachAccepted) brokenTargets.push(`data loss ${d.windowSeconds.toFixed(1)} s above the RPO ${config.targets.rpoSeconds} s`);
  }
  const targetsMet = brokenTargets.length === 0;
  const count = (o: RequestRecord["outcome"]) => world.requests.filter((r) => r.outcome === o).length;
  return {
    id: scenario.id,
    title: scenario.title,
    ...(scenario.description ? { description: scenario.description } : {}),
    durationSeconds: scenario.durationSeconds,
    startMs,
    active: world.active,
    standby: world.standby,
    incidentAtMs,
    rtoSeconds,
    rtoJudgement: judgement,
    rtoTargetSeconds: config.targets.rtoSeconds,
    budgetRtoSeconds,
    rpoTargetSeconds: config.targets.rpoSeconds,
    rpoBreachAccepted: scenario.rpoBreachAccepted === true,
    dataLoss,
    violations,
    expectations,
    targetsMet,
    brokenTargets,
    passed: targetsMet && violations.length === 0 && expectations.every((e) => e.met),
    writerAtEnd: writerRegion,
    promotions: model.promotions.map((p) => ({ atSeconds: sec(p.atMs), operation: p.operation, allowDataLoss: p.allowDataLoss, calledIn: p.calledIn })),
    executions,
    audits,
    requests: { total: world.requests.length, committed: count("committed"), failed: count("failed"), refused: count("refused"), unreachable: count("unreachable") + count("unresolved") },
    regionalRequests: {
      total: world.regionalRequests.length,
      committed: world.regionalRequests.filter((r) => r.outcome === "committed").length,
      servedOutsideWriter: world.regionalRequests.filter((r) => r.reachedApp && r.region !== r.writerRegion).length,
    },
    timeline: world.timeline.map((t) => ({ ...t, atMs: t.atMs - startMs })),
    spans: spansOf(world, startMs),
    figures: inputs.figures,
    evaluations: world.invariants.evaluations,
    properties: scenario.properties ?? [],
    ...(scenario.knownProblem ? { knownProblem: scenario.knownProblem } : {}),
    endState: endStateOf(world),
  };
}

/**
 * Seconds from the incident to the first committed request after the last
 * failed one (a failed, refused, unreachable or unresolved request); null when
 * the last request failed. 0 when no request failed after the incident.
 */
export function recoverySeconds(requests: readonly RequestRecord[], incidentAtMs: number): number | null {
  const after = requests.filter((r) => r.atMs >= incidentAtMs);
  if (after.length === 0) return null;
  let lastBad = -1;
  after.forEach((r, i) => {
    if (r.outcome !== "committed") lastBad = i;
  });
  if (lastBad === -1) return 0;
  const recovered = after[lastBad + 1];
  if (!recovered) return null;
  return Math.round((recovered.atMs - incidentAtMs) / 1000);
}

function spansOf(world: World, startMs: number): ScenarioResult["spans"] {
  const spans: { lane: string; label: string; fromSeconds: number; toSeconds: number }[] = [];
  const sec = (ms: number) => Math.max(0, Math.round((ms - startMs) / 1000));
  const end = sec(world.clock.now());
  // Executions and their states.
  for (const e of world.sfn.allExecutions()) {
    const history = world.sfn.execution(e.arn)?.history ?? [];
    const entered = history.filter((h) => /StateEntered$/.test(h.type));
    entered.forEach((h, i) => {
      const name = (h.details?.stateEnteredEventDetails as { name?: string } | undefined)?.name ?? "?";
      const next = entered[i + 1]?.timestamp.getTime() ?? e.stopMs ?? world.clock.now();
      spans.push({ lane: `${e.arn.split(":")[3]} ${e.name.slice(0, 24)}`, label: name, fromSeconds: sec(h.timestamp.getTime()), toSeconds: Math.max(sec(h.timestamp.getTime()) + 1, sec(next)) });
    });
  }
  // Where client traffic went, in runs of the same (region, outcome).
  let run: { key: string; from: number; to: number } | null = null;
  for (const r of world.requests) {
    const key = `${r.region ?? "none"} ${r.outcome}`;
    const t = sec(r.atMs);
    if (run && run.key === key) run.to = t;
    else {
      if (run) spans.push({ lane: "client traffic", label: run.key, fromSeconds: run.from, toSeconds: Math.max(run.from + 1, t) });
      run = { key, from: t, to: t };
    }
  }
  if (run) spans.push({ lane: "client traffic", label: run.key, fromSeconds: run.from, toSeconds: Math.max(run.from + 1, end) });
  // Promotions.
  for (const f of world.model.failovers) spans.push({ lane: "database", label: `${f.operation} to ${f.toRegion}`, fromSeconds: sec(f.calledAtMs), toSeconds: sec(f.completedAtMs) });
  // Faults.
  for (const c of world.model.network.changes) spans.push({ lane: "faults", label: c.change, fromSeconds: sec(c.atMs), toSeconds: sec(c.atMs) + 1 });
  for (const c of world.route53.changes) spans.push({ lane: "route 53", label: `${c.check} ${c.healthy ? "healthy" : "unhealthy"}`, fromSeconds: sec(c.atMs), toSeconds: sec(c.atMs) + 1 });
  return spans;
}
