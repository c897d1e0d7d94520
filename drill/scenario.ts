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
import { LambdaName } from "../constructs/app/lambda-bundle";
import { DrConfig } from "../lib/config/model";
import { CrashPlan } from "./asl/runner";
import { AuditAdapter } from "./audit";
import { Figures } from "./figures";
import { DataLossFinding, RequestRecord, Violation } from "./invariants";
import { awsError, lostResponse, throttling } from "./model/errors";
import { TerraformApp } from "./terraform/app";
import { TimelineEntry, TrafficOptions, World } from "./world";

export type RegionRole = "active" | "standby";
export type RunbookKind = "failover" | "failback";

export type Action =
  /** A fault, or its end with `heal: true`. */
  | { readonly fault: "region-down" | "egress-down" | "api-down" | "database-down"; readonly region: RegionRole; readonly heal?: boolean }
  | { readonly fault: "service-unhealthy"; readonly region: RegionRole; readonly heal?: boolean }
  | { readonly fault: "partition" | "witness-down"; readonly heal?: boolean }
  /** API errors: `times` calls of `operation` (to `region`'s endpoints, from code in `callerRegion`) fail. */
  | {
      readonly fault: "api-error";
      readonly operation: string;
      readonly region?: RegionRole;
      readonly callerRegion?: RegionRole;
      readonly error: "throttling" | "server-error" | "lost-response" | "access-denied";
      readonly times?: number;
    }
  /** The next execution of a runbook crashes after these task states (side effects done, then Lambda.Unknown). */
  | { readonly crash: { readonly runbook: RunbookKind; readonly region: RegionRole; readonly after: readonly CrashPlan[] } }
  /** An operator answers the oldest pending task token in a region's runbook (approval). */
  | { readonly operator: "approve" | "refuse"; readonly region: RegionRole }
  /** An operator starts a runbook. */
  | { readonly operator: "start"; readonly runbook: RunbookKind; readonly region: RegionRole; readonly name?: string; readonly input?: Record<string, unknown> };

export interface ScenarioEvent {
  readonly atSeconds: number;
  readonly action: Action;
}

export type Expectation =
  | { readonly writer: RegionRole }
  | { readonly promotions: number; readonly allowDataLoss?: boolean }
  | { readonly executions: { readonly region: RegionRole; readonly runbook: RunbookKind; readonly status?: string; readonly count: number } }
  | { readonly rtoWithinTarget: true }
  | { readonly noTrafficLoss: true };

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
}

export interface ExpectationResult {
  readonly expectation: string;
  readonly met: boolean;
  readonly detail: string;
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly durationSeconds: number;
  readonly startMs: number;
  readonly active: string;
  readonly standby: string;
  readonly incidentAtMs: number | null;
  /** Seconds from the incident until client writes succeed again for good; null when they never did. */
  readonly rtoSeconds: number | null;
  readonly rtoTargetSeconds: number;
  readonly rpoTargetSeconds: number;
  readonly dataLoss: readonly { readonly lostWrites: number; readonly windowSeconds: number; readonly auditWindowSeconds: number | null | undefined; readonly toRegion: string }[];
  readonly violations: readonly Violation[];
  readonly expectations: readonly ExpectationResult[];
  readonly targetsMet: boolean;
  readonly passed: boolean;
  readonly writerAtEnd: string | null;
  readonly promotions: readonly { readonly atSeconds: number; readonly operation: string; readonly allowDataLoss: boolean; readonly calledIn: string }[];
  readonly executions: readonly { readonly name: string; readonly region: string; readonly status: string; readonly startSeconds: number; readonly stopSeconds: number | null; readonly error?: string }[];
  readonly requests: { readonly total: number; readonly committed: number; readonly failed: number; readonly refused: number; readonly unreachable: number };
  readonly timeline: readonly TimelineEntry[];
  /** Spans of virtual time, for the report's chart. */
  readonly spans: readonly { readonly lane: string; readonly label: string; readonly fromSeconds: number; readonly toSeconds: number }[];
  readonly figures: Figures;
  readonly evaluations: number;
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
        world.model.setRegionDown(regionOf(world, action.region), on);
        break;
      case "egress-down":
        net.setEgressDown(regionOf(world, action.region), on);
        break;
      case "api-down":
        net.setApiDown(regionOf(world, action.region), on);
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
      case "api-error":
        world.model.fail({
          operation: action.operation,
          ...(action.region ? { region: regionOf(world, action.region) } : {}),
          ...(action.callerRegion ? { callerRegion: regionOf(world, action.callerRegion) } : {}),
          error: errorOf(action.error),
          times: action.times ?? 1,
          when: action.error === "lost-response" ? "after" : "before",
        });
        break;
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
  if (action.operator === "approve") world.sfn.sendTaskSuccess(region, { taskToken: pending.token, output: JSON.stringify({ approvedBy: "drill operator" }) });
  else world.sfn.sendTaskFailure(region, { taskToken: pending.token, error: "Refused", cause: "drill operator refused" });
  world.note("operator", `${action.operator}d ${pending.executionArn.split(":").pop()}`);
}

export function describeAction(action: Action): string {
  if ("fault" in action) {
    const where = "region" in action && action.region ? ` ${action.region}` : "";
    if (action.fault === "api-error") return `${action.error} on ${action.operation}${action.region ? ` in ${action.region}` : ""} x${action.times ?? 1}`;
    return `${"heal" in action && action.heal ? "heal" : "fault"} ${action.fault}${where}`;
  }
  if ("crash" in action) return `crash ${action.crash.runbook} (${action.crash.region}) after ${action.crash.after.map((c) => c.state).join(", ")}`;
  return action.operator === "start" ? `operator starts ${action.runbook} in ${action.region}` : `operator ${action.operator}s in ${action.region}`;
}

/** Runs one scenario in a fresh world and reports what happened. */
export async function runScenario(scenario: Scenario, inputs: ScenarioInputs): Promise<ScenarioResult> {
  const { config } = inputs;
  const active = config.regions.active;
  const standby = config.regions.active === config.regions.primary ? config.regions.secondary : config.regions.primary;
  const roleRegion = (role?: RegionRole) => (role === undefined ? undefined : role === "active" ? active : standby);
  const world = new World({
    app: inputs.app,
    config,
    figures: inputs.figures,
    ...(inputs.seed !== undefined ? { seed: inputs.seed } : {}),
    ...(inputs.audit ? { audit: inputs.audit } : {}),
    ...(inputs.hostRequire ? { hostRequire: inputs.hostRequire } : {}),
    ...(scenario.traffic !== undefined ? { traffic: scenario.traffic } : {}),
    environment: (scenario.environment ?? []).map((e) => ({ function: e.function, ...(e.region ? { region: roleRegion(e.region) } : {}), variables: e.variables })),
  });
  inputs.prepare?.(world);
  world.start();
  const startMs = world.clock.now();
  try {
    for (const event of scenario.timeline) setTimeout(() => apply(world, event.action), event.atSeconds * 1000);
    await world.run(scenario.durationSeconds * 1000);
    world.invariants.finish();
    return summarize(scenario, world, startMs, inputs);
  } finally {
    world.stop();
  }
}

function summarize(scenario: Scenario, world: World, startMs: number, inputs: ScenarioInputs): ScenarioResult {
  const { config } = inputs;
  const sec = (ms: number) => Math.round((ms - startMs) / 100) / 10;
  const firstFault = scenario.timeline.find((e) => "fault" in e.action);
  const incidentAtSeconds = scenario.incidentAtSeconds ?? firstFault?.atSeconds;
  const incidentAtMs = incidentAtSeconds === undefined ? null : startMs + incidentAtSeconds * 1000;
  const rtoSeconds = incidentAtMs === null ? 0 : recoverySeconds(world.requests, incidentAtMs);
  const model = world.model;
  const dataLoss = world.invariants.dataLoss.map((d: DataLossFinding) => ({
    lostWrites: d.lostWrites,
    windowSeconds: d.windowMs / 1000,
    auditWindowSeconds: d.auditWindowMs === undefined ? undefined : d.auditWindowMs === null ? null : d.auditWindowMs / 1000,
    toRegion: d.failover.toRegion,
  }));
  const executions = world.sfn.allExecutions().map((e) => ({
    name: e.name,
    region: e.arn.split(":")[3] ?? "",
    status: e.status,
    startSeconds: sec(e.startMs ?? startMs),
    stopSeconds: e.stopMs !== undefined ? sec(e.stopMs) : null,
    ...(e.error ? { error: e.error } : {}),
  }));
  const writerRegion = model.writer()?.region ?? null;
  const role = (region: string | null) => (region === world.active ? "active" : region === world.standby ? "standby" : String(region));
  const expectations: ExpectationResult[] = (scenario.expect ?? []).map((e) => {
    if ("writer" in e) return { expectation: `writer is the ${e.writer} region`, met: role(writerRegion) === e.writer, detail: `writer in ${writerRegion ?? "none"}` };
    if ("promotions" in e) {
      const matching = model.promotions.filter((p) => e.allowDataLoss === undefined || p.allowDataLoss === e.allowDataLoss);
      return { expectation: `${e.promotions} promotion(s)${e.allowDataLoss === undefined ? "" : e.allowDataLoss ? " allowing data loss" : " without data loss"}`, met: matching.length === e.promotions, detail: `${matching.length}` };
    }
    if ("executions" in e) {
      const region = e.executions.region === "active" ? world.active : world.standby;
      const list = executions.filter((x) => x.region === region && world.sfn.execution(world.sfn.allExecutions().find((a) => a.name === x.name)?.arn ?? "")?.stateMachineArn.includes(`-${e.executions.runbook}-`) && (e.executions.status ? x.status === e.executions.status : true));
      return { expectation: `${e.executions.count} ${e.executions.runbook} execution(s) in the ${e.executions.region} region${e.executions.status ? ` ${e.executions.status}` : ""}`, met: list.length === e.executions.count, detail: `${list.length}` };
    }
    if ("rtoWithinTarget" in e) return { expectation: "RTO within target", met: rtoSeconds !== null && rtoSeconds <= config.targets.rtoSeconds, detail: `${rtoSeconds ?? "not recovered"}` };
    const failed = world.requests.filter((r) => r.outcome !== "committed").length;
    return { expectation: "no failed client request", met: failed === 0, detail: `${failed} failed` };
  });
  const violations = world.invariants.violations();
  const rtoMet = rtoSeconds !== null && rtoSeconds <= config.targets.rtoSeconds;
  const rpoMet = dataLoss.every((d) => d.windowSeconds <= config.targets.rpoSeconds);
  const targetsMet = rtoMet && rpoMet;
  const count = (o: RequestRecord["outcome"]) => world.requests.filter((r) => r.outcome === o).length;
  return {
    id: scenario.id,
    title: scenario.title,
    durationSeconds: scenario.durationSeconds,
    startMs,
    active: world.active,
    standby: world.standby,
    incidentAtMs,
    rtoSeconds,
    rtoTargetSeconds: config.targets.rtoSeconds,
    rpoTargetSeconds: config.targets.rpoSeconds,
    dataLoss,
    violations,
    expectations,
    targetsMet,
    passed: targetsMet && violations.length === 0 && expectations.every((e) => e.met),
    writerAtEnd: writerRegion,
    promotions: model.promotions.map((p) => ({ atSeconds: sec(p.atMs), operation: p.operation, allowDataLoss: p.allowDataLoss, calledIn: p.calledIn })),
    executions,
    requests: { total: world.requests.length, committed: count("committed"), failed: count("failed"), refused: count("refused"), unreachable: count("unreachable") + count("unresolved") },
    timeline: world.timeline.map((t) => ({ ...t, atMs: t.atMs - startMs })),
    spans: spansOf(world, startMs),
    figures: inputs.figures,
    evaluations: world.invariants.evaluations,
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
