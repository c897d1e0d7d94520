/**
 * The health monitor's pure decisions: the counts (counter.ts `advance`), what
 * to do after a sample (`nextAction`), sample slots, and the deterministic
 * incident ids and execution names (incident.ts). docs/failover-protocol.md,
 * "Evidence" (the thresholds) and "The reconciler" (retries, escalation).
 */
import {
  ActionInputs,
  advance,
  counterKey,
  ExecutionStatus,
  IncidentState,
  INITIAL_STATE,
  MonitorState,
  nextAction,
  sampleSlot,
  stateFromItem,
} from "../../lambda/health-monitor/counter";
import { executionArnFor, executionName, incidentId } from "../../lambda/health-monitor/incident";
import { Verdict } from "../../lambda/shared/evidence";
import { CLUSTER_ARN, ACTIVE, GLOBAL_ID, STATE_MACHINE_ARN, STANDBY } from "./support/fixtures";

const THRESHOLD = 3;
const MAX_ATTEMPTS = 3;
const T = 1_735_689_600; // 2025-01-01T00:00:00Z, epoch seconds

/** The state after these verdicts, one sample per slot, from `start`. */
function after(verdicts: readonly Verdict[], start: MonitorState = INITIAL_STATE): MonitorState {
  return verdicts.reduce((state, verdict, i) => advance(state, verdict, start.lastSlot + i + 1, T + 10 * (start.lastSlot + i + 1)), start);
}

function incident(fields: Partial<IncidentState> = {}): IncidentState {
  return {
    id: "20250101T000000Z-0123456789",
    writerArn: CLUSTER_ARN[ACTIVE] as string,
    verdict: "region-down",
    openedAt: T,
    attempts: 1,
    executionName: "failover-x-a1",
    executionArn: "arn:aws:states:us-west-2:111122223333:execution:dr-prod-failover:failover-x-a1",
    escalated: false,
    paged: false,
    ...fields,
  };
}

function withIncident(verdicts: readonly Verdict[], fields: Partial<IncidentState> = {}): MonitorState {
  return after(verdicts, { ...INITIAL_STATE, incident: incident(fields) });
}

function action(state: MonitorState, overrides: Partial<ActionInputs> = {}) {
  return nextAction({
    state,
    verdict: state.lastVerdict ?? "healthy",
    threshold: THRESHOLD,
    maxAttempts: MAX_ATTEMPTS,
    authority: "automatic",
    executionStatus: null,
    ...overrides,
  });
}

const DOWN: Verdict = "region-down";

describe("advance: the counts after one more sample", () => {
  it("counts consecutive actionable samples and remembers when the streak started", () => {
    // GIVEN / WHEN
    const state = after(["healthy", "service-down", "database-down", "region-down"]);
    // THEN
    expect(state.actionable).toBe(3);
    expect(state.streakStartedAt).toBe(T + 20);
    expect(state.healthy).toBe(0);
    expect(state.lastVerdict).toBe("region-down");
    expect(state.lastSlot).toBe(4);
  });

  it("a suspect sample breaks the actionable streak", () => {
    const state = after([DOWN, DOWN, "suspect"]);
    expect(state.actionable).toBe(0);
    expect(state.streakStartedAt).toBeNull();
  });

  it("a healthy sample breaks the actionable streak and starts a healthy one", () => {
    const state = after([DOWN, DOWN, "healthy", "healthy"]);
    expect(state.actionable).toBe(0);
    expect(state.streakStartedAt).toBeNull();
    expect(state.healthy).toBe(2);
  });

  it.each<Verdict>(["suspect", "service-down", "region-down"])("a %s sample breaks the healthy streak", (verdict) => {
    expect(after(["healthy", "healthy", verdict]).healthy).toBe(0);
  });

  it("keeps the suspect page while the samples stay suspect, forgets it at the first other verdict", () => {
    const paged = { ...after(["suspect"]), suspectPaged: true };
    expect(after(["suspect"], paged).suspectPaged).toBe(true);
    expect(after(["healthy"], paged).suspectPaged).toBe(false);
    expect(after([DOWN], paged).suspectPaged).toBe(false);
  });

  it("keeps the incident and the prewarm (nextAction and the monitor change them)", () => {
    const start: MonitorState = { ...INITIAL_STATE, incident: incident(), prewarmedAt: T };
    const state = after(["healthy", "healthy", "healthy"], start);
    expect(state.incident).toEqual(incident());
    expect(state.prewarmedAt).toBe(T);
  });

  it("a new streak after a broken one starts at its own first sample", () => {
    expect(after([DOWN, "suspect", DOWN, DOWN]).streakStartedAt).toBe(T + 30);
  });
});

describe("nextAction without an incident", () => {
  it.each<[string, Verdict[], Partial<ActionInputs>, ReturnType<typeof nextAction>]>([
    ["a healthy sample does nothing", ["healthy"], {}, { kind: "none" }],
    ["one actionable sample short of the threshold waits", [DOWN, DOWN], {}, { kind: "below-threshold" }],
    ["exactly the threshold of actionable samples starts attempt 1", [DOWN, DOWN, DOWN], {}, { kind: "start", attempt: 1 }],
    ["different actionable verdicts count together", ["service-down", "database-down", "region-down"], {}, { kind: "start", attempt: 1 }],
    ["a streak broken by a suspect sample starts over", [DOWN, DOWN, "suspect", DOWN], {}, { kind: "below-threshold" }],
    ["a streak broken by a healthy sample starts over", [DOWN, DOWN, "healthy", DOWN, DOWN], {}, { kind: "below-threshold" }],
    ["approval authority starts too (the runbook asks the person)", [DOWN, DOWN, DOWN], { authority: "approval" }, { kind: "start", attempt: 1 }],
    ["manual authority pages instead of starting", [DOWN, DOWN, DOWN], { authority: "manual" }, { kind: "page-incident" }],
    ["manual authority below the threshold only waits", [DOWN, DOWN], { authority: "manual" }, { kind: "below-threshold" }],
    ["the first suspect sample pages", ["suspect"], {}, { kind: "page-suspect" }],
    ["a promotion already under way starts nothing", [DOWN, DOWN, DOWN], { promotionInProgress: true }, { kind: "promotion-in-progress" }],
    ["below the threshold a promotion under way changes nothing", [DOWN, DOWN], { promotionInProgress: true }, { kind: "below-threshold" }],
    ["manual authority still pages while a promotion is under way", [DOWN, DOWN, DOWN], { authority: "manual", promotionInProgress: true }, { kind: "page-incident" }],
  ])("%s", (_name, verdicts, overrides, expected) => {
    expect(action(after(verdicts), overrides)).toEqual(expected);
  });

  it("a suspect run already paged stays quiet", () => {
    const state = { ...after(["suspect", "suspect"]), suspectPaged: true };
    expect(action(state)).toEqual({ kind: "none" });
  });

  it("a new suspect run after a healthy sample pages again", () => {
    const paged = { ...after(["suspect"]), suspectPaged: true };
    expect(action(after(["healthy", "suspect"], paged))).toEqual({ kind: "page-suspect" });
  });
});

describe("nextAction with an open incident", () => {
  it.each<ExecutionStatus>(["FAILED", "TIMED_OUT", "ABORTED", "SUCCEEDED"])(
    "retries with the next attempt after the execution ended %s while the verdict holds",
    (status) => {
      expect(action(withIncident([DOWN, DOWN, DOWN], { attempts: 1 }), { executionStatus: status })).toEqual({ kind: "start", attempt: 2 });
    },
  );

  it("retries when the execution is unknown to Step Functions", () => {
    expect(action(withIncident([DOWN, DOWN, DOWN], { attempts: 1 }), { executionStatus: null })).toEqual({ kind: "start", attempt: 2 });
  });

  it.each<ExecutionStatus>(["RUNNING", "PENDING_REDRIVE"])("does not retry while the execution is %s", (status) => {
    expect(action(withIncident([DOWN, DOWN, DOWN]), { executionStatus: status })).toEqual({ kind: "in-progress" });
  });

  it("pages once that a person refused, and starts no further attempt for the incident", () => {
    const refusedRun = { executionStatus: "FAILED" as const, executionError: "ApprovalRefused" };
    expect(action(withIncident([DOWN, DOWN, DOWN], { attempts: 1 }), refusedRun)).toEqual({ kind: "refused" });
    expect(action(withIncident([DOWN, DOWN, DOWN, DOWN], { attempts: 1, escalated: true }), refusedRun)).toEqual({ kind: "escalated" });
  });

  it("remembers the refusal even when the verdict has stopped being actionable", () => {
    expect(action(withIncident([DOWN, DOWN, DOWN, "suspect"], { attempts: 1 }), { executionStatus: "FAILED", executionError: "ApprovalRefused" })).toEqual({ kind: "refused" });
  });

  it("retries a run that failed for any other reason", () => {
    expect(action(withIncident([DOWN, DOWN, DOWN], { attempts: 1 }), { executionStatus: "FAILED", executionError: "FailoverFailed" })).toEqual({ kind: "start", attempt: 2 });
  });

  it("waits instead of starting the next attempt while the global cluster still reports a promotion under way", () => {
    expect(action(withIncident([DOWN, DOWN, DOWN], { attempts: 1 }), { executionStatus: "FAILED", promotionInProgress: true })).toEqual({ kind: "promotion-in-progress" });
    expect(action(withIncident([DOWN, DOWN, DOWN], { attempts: 1 }), { executionStatus: "FAILED", promotionInProgress: false })).toEqual({ kind: "start", attempt: 2 });
  });

  it("a healthy streak resolves the incident even while a promotion is reported under way", () => {
    const healthy = Array.from({ length: 3 }, () => "healthy" as Verdict);
    expect(action(withIncident([DOWN, DOWN, DOWN, ...healthy], { attempts: 1 }), { executionStatus: "FAILED", promotionInProgress: true })).toEqual({ kind: "resolve" });
  });

  it("starts the last allowed attempt", () => {
    expect(action(withIncident([DOWN, DOWN, DOWN], { attempts: MAX_ATTEMPTS - 1 }), { executionStatus: "FAILED" })).toEqual({ kind: "start", attempt: MAX_ATTEMPTS });
  });

  it("escalates once maxAttempts executions ended without moving the writer", () => {
    expect(action(withIncident([DOWN, DOWN, DOWN], { attempts: MAX_ATTEMPTS }), { executionStatus: "FAILED" })).toEqual({ kind: "escalate" });
  });

  it("does not escalate twice", () => {
    expect(action(withIncident([DOWN, DOWN, DOWN], { attempts: MAX_ATTEMPTS, escalated: true }), { executionStatus: "FAILED" })).toEqual({ kind: "escalated" });
  });

  it("keeps the incident across a broken streak and retries only after a full streak again", () => {
    // GIVEN the verdict wavered after the first attempt failed
    const wavered = withIncident([DOWN, DOWN, DOWN, "suspect", DOWN, DOWN]);
    // THEN it waits (the incident stays open) ...
    expect(action(wavered, { executionStatus: "FAILED" })).toEqual({ kind: "below-threshold" });
    expect(wavered.incident).not.toBeNull();
    // ... and retries with the same incident's next attempt once the streak is full again
    expect(action(after([DOWN], wavered), { executionStatus: "FAILED" })).toEqual({ kind: "start", attempt: 2 });
  });

  it("a suspect sample during an incident neither pages nor retries", () => {
    expect(action(withIncident([DOWN, DOWN, DOWN, "suspect"]), { executionStatus: "FAILED" })).toEqual({ kind: "in-progress" });
  });

  it("a healthy sample shorter than the threshold does not resolve", () => {
    expect(action(withIncident(["healthy", "healthy"]), { executionStatus: "FAILED" })).toEqual({ kind: "in-progress" });
  });

  it("an escalated incident with a wavering verdict stays escalated", () => {
    expect(action(withIncident(["healthy"], { escalated: true, attempts: MAX_ATTEMPTS }), { executionStatus: "FAILED" })).toEqual({ kind: "escalated" });
  });

  it("resolves after a healthy streak exactly as long as the threshold", () => {
    expect(action(withIncident(["healthy", "healthy", "healthy"]), { executionStatus: "FAILED" })).toEqual({ kind: "resolve" });
    expect(action(withIncident(["healthy", "healthy", "healthy"], { escalated: true }), { executionStatus: "SUCCEEDED" })).toEqual({ kind: "resolve" });
  });

  it("manual authority pages once for the incident and never starts", () => {
    expect(action(withIncident([DOWN, DOWN, DOWN], { attempts: 0, executionArn: null, paged: false }), { authority: "manual" })).toEqual({ kind: "page-incident" });
    expect(action(withIncident([DOWN, DOWN, DOWN], { attempts: 0, executionArn: null, paged: true }), { authority: "manual" })).toEqual({ kind: "escalated" });
  });

  it("below the threshold, an incident waits even when its execution ended", () => {
    expect(action(withIncident([DOWN]), { executionStatus: "FAILED" })).toEqual({ kind: "below-threshold" });
  });
});

describe("sample slots and the counter item", () => {
  it("numbers slots by the sample interval: a duplicate delivery falls in the same slot", () => {
    const ms = T * 1000;
    expect(sampleSlot(ms, 10)).toBe(T / 10);
    expect(sampleSlot(ms + 9_999, 10)).toBe(T / 10);
    expect(sampleSlot(ms + 10_000, 10)).toBe(T / 10 + 1);
    expect(sampleSlot(ms + 10_000, 20)).toBe(T / 20);
  });

  it("keys the counter by global cluster", () => {
    expect(counterKey(GLOBAL_ID)).toBe(`monitor#${GLOBAL_ID}`);
  });

  it("reads a stored counter back as it was written", () => {
    const state: MonitorState = { ...after([DOWN, DOWN]), suspectPaged: true, prewarmedAt: T, incident: incident({ escalated: true, paged: true }) };
    const item = JSON.parse(JSON.stringify(state)) as Parameters<typeof stateFromItem>[0];
    expect(stateFromItem(item)).toEqual(state);
  });

  it("reads a missing or malformed counter as the initial state", () => {
    expect(stateFromItem({})).toEqual(INITIAL_STATE);
    expect(stateFromItem({ lastSlot: "x", actionable: null, incident: { id: 1 } })).toEqual(INITIAL_STATE);
  });

  it.each<[string, Record<string, unknown>]>([
    ["an incident that is a list", { incident: [] }],
    ["a null incident", { incident: null }],
    ["an incident without an id", { incident: { writerArn: "w" } }],
    ["an incident without a writer", { incident: { id: "i" } }],
  ])("reads %s as no incident", (_name, item) => {
    expect(stateFromItem(item as Parameters<typeof stateFromItem>[0]).incident).toBeNull();
  });

  it("reads counts that are not finite numbers as their defaults", () => {
    expect(stateFromItem({ lastSlot: Number.NaN, actionable: Number.POSITIVE_INFINITY, streakStartedAt: Number.NaN, prewarmedAt: Number.NEGATIVE_INFINITY })).toEqual(INITIAL_STATE);
  });

  it("fills an incident's missing fields with safe defaults", () => {
    const state = stateFromItem({ incident: { id: "i", writerArn: "w" } });
    expect(state.incident).toEqual({ id: "i", writerArn: "w", verdict: "region-down", openedAt: 0, attempts: 0, executionName: null, executionArn: null, escalated: false, paged: false });
  });
});

describe("incident ids and execution names", () => {
  const writer = CLUSTER_ARN[ACTIVE] as string;

  it("derives the same incident id from the same cluster, writer and streak start", () => {
    expect(incidentId(GLOBAL_ID, writer, T)).toBe(incidentId(GLOBAL_ID, writer, T));
  });

  it("starts the id with the streak's start time and ends it with a hash", () => {
    expect(incidentId(GLOBAL_ID, writer, T + 3_723)).toMatch(/^20250101T010203Z-[0-9a-f]{10}$/);
  });

  it.each<[string, string, string, number]>([
    ["another streak", GLOBAL_ID, writer, T + 10],
    ["another writer", GLOBAL_ID, CLUSTER_ARN[STANDBY] as string, T],
    ["another global cluster", "other-global", writer, T],
  ])("gives %s another id", (_name, cluster, w, start) => {
    expect(incidentId(cluster, w, start)).not.toBe(incidentId(GLOBAL_ID, writer, T));
  });

  it("names executions failover-<cluster>-<incident>-a<attempt>", () => {
    const id = incidentId(GLOBAL_ID, writer, T);
    expect(executionName(GLOBAL_ID, id, 2)).toBe(`failover-${GLOBAL_ID}-${id}-a2`);
  });

  it.each([1, 10])("keeps names within 80 characters of [A-Za-z0-9_-] for a long, odd cluster id (attempt %i)", (attempt) => {
    const id = incidentId("x", writer, T);
    const name = executionName(`${"very.long:global/cluster".repeat(5)}`, id, attempt);
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(name.endsWith(`-${id}-a${attempt}`)).toBe(true);
    expect(name.startsWith("failover-very-long-global-cluster")).toBe(true);
  });

  it("uses the whole room: a long name is exactly 80 characters", () => {
    const name = executionName("c".repeat(100), incidentId("x", writer, T), 1);
    expect(name).toHaveLength(80);
  });

  it("gives each attempt its own name", () => {
    const id = incidentId(GLOBAL_ID, writer, T);
    expect(executionName(GLOBAL_ID, id, 1)).not.toBe(executionName(GLOBAL_ID, id, 2));
  });

  it("builds the execution ARN from the state machine ARN", () => {
    expect(executionArnFor(STATE_MACHINE_ARN[STANDBY] as string, "failover-a1")).toBe("arn:aws:states:us-west-2:111122223333:execution:dr-prod-failover:failover-a1");
  });
});
