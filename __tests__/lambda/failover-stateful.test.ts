/**
 * The orchestrator against a stateful model of the AWS APIs: crashes,
 * concurrent executions, lock expiry, throttling, permanent errors, and the
 * traffic-gate keep-alive (decisions persisted per region, republished by the
 * health monitors).
 */
import "aws-sdk-client-mock-jest";
import { createStepHandler } from "../../lambda/failover-orchestrator/steps";
import { createMonitorHandler } from "../../lambda/health-monitor/monitor";
import { MAIN_PATH, StepName } from "../../lambda/failover-orchestrator/contract";
import { lockKey } from "../../lambda/failover-orchestrator/lock";
import { auditKey } from "../../lambda/failover-orchestrator/report";
import { GATE_METRIC_NAME, GATE_METRIC_NAMESPACE, gateDimensionMap } from "../../lambda/shared/gate";
import { gateKey } from "../../lambda/shared/gate-store";
import { FailoverRequest } from "../../lambda/shared/failover-request";
import { AwsModel, awsError, throttling, unreachable } from "./support/aws-model";
import { Execution } from "./support/state-machine";
import {
  ACTIVE,
  ACTIVE_MIN,
  CLUSTER_ARN,
  CLUSTER_ID,
  ENVIRONMENT,
  executionId,
  GLOBAL_ID,
  MAX,
  monitorDeps,
  orchestratorDeps,
  RESOURCE_ID,
  STANDBY,
  STANDBY_MIN,
  standardModel,
  TABLE,
} from "./support/fixtures";

const FAILOVER: FailoverRequest = { mode: "failover", strategy: "auto", reason: "test" };

let model: AwsModel;

beforeEach(() => {
  model = standardModel();
  model.install();
});

afterEach(() => model.restore());

function handlerIn(region: string = STANDBY, env: Record<string, string> = {}) {
  return createStepHandler(orchestratorDeps({ own: region, env, probe: model.probe, timing: model }));
}

function execution(name: string, request: FailoverRequest = FAILOVER, region: string = STANDBY, env: Record<string, string> = {}): Execution {
  return new Execution(handlerIn(region, env), executionId(name, region), request, { onRetry: () => model.advance(30_000) });
}

const snapshotOptions = { tables: [TABLE], gateNamespace: GATE_METRIC_NAMESPACE, gateMetric: GATE_METRIC_NAME };

function gate(publishedIn: string, gatedRegion: string): number | undefined {
  return model.lastMetric(publishedIn, GATE_METRIC_NAMESPACE, GATE_METRIC_NAME, gateDimensionMap(ENVIRONMENT, gatedRegion));
}

/** A snapshot without the DynamoDB items (audit records differ between executions). */
function withoutItems(snapshot: Record<string, unknown>): Record<string, unknown> {
  const regions = snapshot.regions as Record<string, { items: unknown }>;
  return { ...snapshot, regions: Object.fromEntries(Object.entries(regions).map(([r, v]) => [r, { ...v, items: null }])) };
}

/** The final state of an uninterrupted unplanned failover, computed on a fresh model. */
async function referenceFinalState(): Promise<Record<string, unknown>> {
  model.restore();
  const reference = standardModel();
  reference.setRegionDown(ACTIVE);
  reference.install();
  const saved = model;
  model = reference;
  await execution("run-1").run();
  const snapshot = reference.snapshot(snapshotOptions);
  reference.restore();
  model = saved;
  model.install();
  return snapshot;
}

describe("an unplanned failover when the active region is down", () => {
  it("promotes the standby cluster once, fences where reachable, raises capacity, opens the gate and releases the lock", async () => {
    // GIVEN the active region is unreachable
    model.setRegionDown(ACTIVE);
    model.setLag(CLUSTER_ID[STANDBY] as string, 850);

    // WHEN the failover state machine runs in the standby region
    const run = await execution("run-1").run();

    // THEN
    expect(run.status).toBe("SUCCEEDED");
    expect(model.promotions).toEqual([
      expect.objectContaining({ operation: "FailoverGlobalCluster", calledIn: STANDBY, target: CLUSTER_ARN[STANDBY], allowDataLoss: true }),
    ]);
    expect(model.writer()?.arn).toBe(CLUSTER_ARN[STANDBY]);
    expect(model.scalableTarget(STANDBY, RESOURCE_ID[STANDBY] as string)).toEqual({ min: ACTIVE_MIN, max: MAX });
    expect(gate(STANDBY, STANDBY)).toBe(1);
    expect(gate(STANDBY, ACTIVE)).toBe(0);
    expect(model.item(STANDBY, TABLE, lockKey(model.globalClusterId))).toBeUndefined();
    const final = run.state.run;
    expect(final?.estimatedDataLossMs).toBe(850);
    expect(final?.fencing?.capacity).toBe("failed");
    expect(final?.fencing?.errors.join(" ")).toMatch(/ETIMEDOUT|TimeoutError/);
    const audit = model.item(STANDBY, TABLE, auditKey(run.executionId));
    expect(audit?.outcome?.S).toBe("completed");
    expect(audit?.estimatedDataLossMs?.N).toBe("850");
    expect(model.messages(STANDBY)).toHaveLength(1);
  });
});

describe("a crash after any step", () => {
  it.each(MAIN_PATH.map((s) => [s]))("after %s, re-running the step ends in the same final state with exactly one promotion", async (step) => {
    const reference = await referenceFinalState();
    model.setRegionDown(ACTIVE);

    const run = await execution("run-1").run({ crashAfter: step as StepName });

    expect(run.status).toBe("SUCCEEDED");
    expect(run.history.filter((h) => h.outcome === "crashed")).toHaveLength(1);
    expect(model.snapshot(snapshotOptions)).toEqual(reference);
    expect(model.promotions).toHaveLength(1);
    expect(model.messages(STANDBY)).toHaveLength(1);
  });

  it("when the promotion call's response is lost, the retry does not call FailoverGlobalCluster again", async () => {
    const reference = await referenceFinalState();
    model.setRegionDown(ACTIVE);
    model.fail({ operation: "FailoverGlobalCluster", error: () => Object.assign(new Error("socket hang up"), { name: "TimeoutError", code: "ECONNRESET" }), when: "after" });

    const run = await execution("run-1").run();

    expect(run.status).toBe("SUCCEEDED");
    expect(model.promotions).toHaveLength(1);
    expect(model.count("FailoverGlobalCluster")).toBe(1);
    expect(model.snapshot(snapshotOptions)).toEqual(reference);
    expect(run.state.run?.promotion).toBe("requested");
  });

  it("a second full run of the same execution after completion changes nothing", async () => {
    model.setRegionDown(ACTIVE);
    await execution("run-1").run();
    const after = model.snapshot(snapshotOptions);
    const registers = model.count("RegisterScalableTarget");

    const again = await execution("run-1").run();

    expect(again.status).toBe("SUCCEEDED");
    expect(model.snapshot(snapshotOptions)).toEqual(after);
    expect(model.promotions).toHaveLength(1);
    expect(model.count("RegisterScalableTarget")).toBe(registers);
    expect(again.state.run?.promotion).toBe("already-writer");
    expect(model.messages(STANDBY)).toHaveLength(1); // notified once per execution
  });
});

describe("two executions interleaved step by step", () => {
  it("promote once: the second cannot take the lock, and its abort leaves the first one's lock alone", async () => {
    model.setRegionDown(ACTIVE);
    const a = execution("run-a");
    const b = execution("run-b");

    for (let guard = 0; (a.status === "RUNNING" || b.status === "RUNNING") && guard < 100; guard++) {
      await a.step();
      if (b.status === "RUNNING") {
        await b.step();
        if (b.nextStep === "abort") {
          // B has been refused; A must still hold the lock when B aborts.
          await b.step();
          expect(model.item(STANDBY, TABLE, lockKey(model.globalClusterId))?.holder?.S).toBe(a.executionId);
        }
      }
    }

    expect(a.status).toBe("SUCCEEDED");
    expect(b.status).toBe("FAILED");
    expect(b.history.find((h) => h.outcome === "caught")).toEqual(expect.objectContaining({ step: "begin", error: "LockHeldError" }));
    expect(model.promotions).toHaveLength(1);
    expect(model.writer()?.arn).toBe(CLUSTER_ARN[STANDBY]);
    expect(model.item(STANDBY, TABLE, lockKey(model.globalClusterId))).toBeUndefined();
  });
});

describe("an expired lock", () => {
  it("is taken over by a new execution, and the old holder stops at its next step", async () => {
    model.setRegionDown(ACTIVE);
    const dead = execution("run-dead");
    await dead.step(); // begin: takes the lock, then its Lambda/execution dies

    model.advance(31 * 60_000); // LOCK_TTL_SECONDS default 1800
    const fresh = await execution("run-fresh").run();
    expect(fresh.status).toBe("SUCCEEDED");
    expect(model.promotions).toHaveLength(1);

    // The old execution resumes: it no longer holds the lock and changes nothing.
    const before = model.snapshot(snapshotOptions);
    await dead.run();
    expect(dead.status).toBe("FAILED");
    expect(dead.history.find((h) => h.outcome === "caught")?.error).toBe("LockLostError");
    expect(model.promotions).toHaveLength(1);
    const after = model.snapshot(snapshotOptions);
    expect(withoutItems(after)).toEqual(withoutItems(before));
    expect(model.item(STANDBY, TABLE, lockKey(model.globalClusterId))).toBeUndefined();
  });

  it("is not taken over before it expires", async () => {
    model.setRegionDown(ACTIVE);
    await execution("run-a").step();
    model.advance(10 * 60_000);

    const b = await execution("run-b").run();

    expect(b.status).toBe("FAILED");
    expect(b.history[0]).toEqual(expect.objectContaining({ step: "begin", outcome: "caught", error: "LockHeldError" }));
    expect(model.promotions).toHaveLength(0);
  });
});

describe("throttling", () => {
  it("is retried inside the step and the failover completes with one promotion", async () => {
    model.setRegionDown(ACTIVE);
    model.fail({ operation: "FailoverGlobalCluster", error: throttling, times: 2 });
    model.fail({ operation: "UpdateItem", region: STANDBY, error: throttling, times: 1 });

    const run = await execution("run-1").run();

    expect(run.status).toBe("SUCCEEDED");
    expect(model.count("FailoverGlobalCluster")).toBe(3);
    expect(model.promotions).toHaveLength(1);
    expect(run.history.every((h) => h.outcome === "ok")).toBe(true);
  });

  it("that outlasts the in-Lambda retries surfaces as TransientError, which the state machine retries", async () => {
    model.setRegionDown(ACTIVE);
    model.fail({ operation: "FailoverGlobalCluster", error: throttling, times: 5 });

    const run = await execution("run-1").run();

    expect(run.status).toBe("SUCCEEDED");
    expect(run.history).toContainEqual({ step: "promote", outcome: "retry", error: "TransientError" });
    expect(model.promotions).toHaveLength(1);
  });
});

describe("a permanent error", () => {
  it("is reported, audited and releases the lock", async () => {
    model.setRegionDown(ACTIVE);
    model.fail({ operation: "RegisterScalableTarget", region: STANDBY, error: () => awsError("AccessDeniedException", "not authorized to perform RegisterScalableTarget", "client", 403) });

    const run = await execution("run-1").run();

    expect(run.status).toBe("FAILED");
    expect(run.history).toContainEqual({ step: "raiseCapacity", outcome: "caught", error: "PermanentError" });
    expect(model.item(STANDBY, TABLE, lockKey(model.globalClusterId))).toBeUndefined();
    const audit = model.item(STANDBY, TABLE, auditKey(run.executionId));
    expect(audit?.outcome?.S).toBe("failed");
    expect(audit?.error?.S).toMatch(/AccessDeniedException/);
    const messages = model.messages(STANDBY);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.subject).toMatch(/FAILED/);
    expect(JSON.parse(messages[0]?.message ?? "{}").error.name).toBe("PermanentError");
  });
});

describe("a planned switchover when both regions are healthy", () => {
  it("switches over without data loss and fences the old region to zero with its gate closed in both regions", async () => {
    const run = await execution("run-1", { mode: "failover", reason: "drill" }).run();

    expect(run.status).toBe("SUCCEEDED");
    expect(model.promotions).toEqual([expect.objectContaining({ operation: "SwitchoverGlobalCluster", calledIn: STANDBY, target: CLUSTER_ARN[STANDBY] })]);
    expect(run.state.run?.estimatedDataLossMs).toBe(0);
    expect(model.scalableTarget(ACTIVE, RESOURCE_ID[ACTIVE] as string)).toEqual({ min: 0, max: 0 });
    expect(gate(ACTIVE, ACTIVE)).toBe(0);
    expect(gate(STANDBY, ACTIVE)).toBe(0);
    expect(gate(STANDBY, STANDBY)).toBe(1);
  });
});

describe("failback", () => {
  async function failOverThenRecover(): Promise<void> {
    model.setRegionDown(ACTIVE);
    await execution("run-1").run();
    model.setRegionDown(ACTIVE, false);
  }

  it("switches back to the old region once it has rejoined as a secondary with low lag", async () => {
    await failOverThenRecover();
    const old = model.members.find((m) => m.region === ACTIVE);
    if (old) old.synchronizationStatus = "connected";
    model.setLag(CLUSTER_ID[ACTIVE] as string, 200);

    const back = await execution("back-1", { mode: "failback", reason: "region recovered" }, ACTIVE).run();

    expect(back.status).toBe("SUCCEEDED");
    expect(model.promotions[1]).toEqual(expect.objectContaining({ operation: "SwitchoverGlobalCluster", calledIn: ACTIVE, target: CLUSTER_ARN[ACTIVE] }));
    expect(model.writer()?.arn).toBe(CLUSTER_ARN[ACTIVE]);
    expect(model.scalableTarget(ACTIVE, RESOURCE_ID[ACTIVE] as string)).toEqual({ min: ACTIVE_MIN, max: MAX });
    expect(model.scalableTarget(STANDBY, RESOURCE_ID[STANDBY] as string)).toEqual({ min: STANDBY_MIN, max: MAX });
    expect(gate(ACTIVE, ACTIVE)).toBe(1);
    expect(gate(ACTIVE, STANDBY)).toBe(0);
  });

  it("is refused while the old region is still resynchronizing or lagging", async () => {
    await failOverThenRecover();
    model.setLag(CLUSTER_ID[ACTIVE] as string, 45_000);

    const back = await execution("back-1", { mode: "failback" }, ACTIVE).run();

    expect(back.status).toBe("FAILED");
    expect(back.history[0]).toEqual(expect.objectContaining({ step: "begin", error: "PreconditionFailedError" }));
    expect(JSON.parse(model.messages(ACTIVE)[0]?.message ?? "{}").error.message).toMatch(/own-cluster-synchronized.*replication-lag-below-threshold/);
    expect(model.promotions).toHaveLength(1);
    expect(model.writer()?.arn).toBe(CLUSTER_ARN[STANDBY]);
  });
});

describe("a dry run", () => {
  it("walks every step and changes nothing", async () => {
    model.setRegionDown(ACTIVE);
    const before = model.snapshot(snapshotOptions);

    const run = await execution("dry-1", { ...FAILOVER, dryRun: true }).run();

    expect(run.status).toBe("SUCCEEDED");
    expect(run.state.run?.outcome).toBe("dry-run");
    expect(run.state.run?.plan.join("\n")).toMatch(/FailoverGlobalCluster .* AllowDataLoss/);
    expect(run.state.run?.plan.join("\n")).toMatch(/RegisterScalableTarget service\/dr-prod-usw2-app\/app min=10 max=50/);
    expect(model.snapshot(snapshotOptions)).toEqual(before);
    for (const op of ["FailoverGlobalCluster", "SwitchoverGlobalCluster", "RegisterScalableTarget", "PutMetricData", "PutItem", "UpdateItem", "DeleteItem", "Publish"]) {
      expect([op, model.count(op)]).toEqual([op, 0]);
    }
  });
});

describe("the traffic-gate keep-alive", () => {
  const monitorIn = (region: string, env: Record<string, string> = {}) => createMonitorHandler(monitorDeps({ own: region, env, probe: model.probe, timing: model }));

  /** The decision stored for `gated`'s gate in `region`'s state table. */
  const decision = (region: string, gated: string) => model.gateItem(region, TABLE, gateKey(GLOBAL_ID, gated));

  /** Gate values published in `region` from model time `sinceMs` on, by gated region. */
  function publishedSince(region: string, sinceMs: number): Record<string, number> {
    return Object.fromEntries(model.published(region, GATE_METRIC_NAMESPACE, GATE_METRIC_NAME, sinceMs).map((d) => [d.dimensions.Region, d.value]));
  }

  it("after a failover, the monitor of the surviving region republishes gate(old) = 0 and gate(new) = 1 every minute; the recovered region, with no decision stored, publishes none", async () => {
    model.setRegionDown(ACTIVE);
    const run = await execution("run-1").run();
    expect(run.status).toBe("SUCCEEDED");
    // Persisted where the orchestrator could reach: the surviving region's table only.
    expect(decision(STANDBY, ACTIVE)).toMatchObject({ value: 0, decidedIn: STANDBY, executionId: run.executionId });
    expect(decision(STANDBY, STANDBY)).toMatchObject({ value: 1, decidedIn: STANDBY, executionId: run.executionId });
    expect(decision(ACTIVE, ACTIVE)).toBeUndefined();

    for (let minute = 1; minute <= 3; minute++) {
      model.advance(60_000);
      const since = model.nowMs;
      const outcome = await monitorIn(STANDBY)();
      expect(publishedSince(STANDBY, since)).toEqual({ [ACTIVE]: 0, [STANDBY]: 1 });
      expect(outcome).toMatchObject({ activeRegionHealthy: false, ownIsWriter: true, consecutiveFailures: minute }); // the verdict is unaffected
    }
    expect(model.published(STANDBY, GATE_METRIC_NAMESPACE, GATE_METRIC_NAME)).toHaveLength(3 /* orchestrator */ + 3 * 2 /* monitor */);

    // The old region comes back: its table holds no decision, so its monitor publishes no gate (no data = open).
    // The gate that matters there, STANDBY's (its alarm lives in ACTIVE), is then open by absence of data: correct.
    model.setRegionDown(ACTIVE, false);
    model.advance(60_000);
    const outcome = await monitorIn(ACTIVE, { ROLE: "observer" })();
    expect(outcome.gates).toEqual({ status: "none", published: {}, errors: [] });
    expect(model.published(ACTIVE, GATE_METRIC_NAMESPACE, GATE_METRIC_NAME)).toHaveLength(0);
  });

  /*
   * Residual risk, which this design narrows but cannot remove: the monitor reads
   * only its own region's table (it calls nothing outside its region but the
   * probe), so a decision that never reached a region's table is never
   * republished there, and that region keeps republishing the older decision it
   * holds. After a failback whose peer-region writes failed, the old active
   * region (here STANDBY) keeps gate(ACTIVE) = 0, and ACTIVE's gate alarm lives in
   * STANDBY: the Route 53 gate check of the region just failed back to reads
   * "closed". Before the keep-alive the stale datapoint lingered just the same
   * (treat_missing_data ignore); now it is refreshed instead. It lasts until a
   * later execution reaches that table: re-running the failback runbook in the
   * now-active region promotes nothing and rewrites both regions' decisions
   * (shown below; docs/runbook.md). The execution output shows the case:
   * run.gate.peerRegion = "failed".
   */
  it("a failback whose peer writes fail leaves the peer region's copy stale (and republished) until a later execution reaches it; the surviving region's copy is right", async () => {
    // Failover to STANDBY with ACTIVE down, then ACTIVE rejoins as a synchronized secondary.
    model.setRegionDown(ACTIVE);
    expect((await execution("run-1").run()).status).toBe("SUCCEEDED");
    model.setRegionDown(ACTIVE, false);
    const old = model.members.find((m) => m.region === ACTIVE);
    if (old) old.synchronizationStatus = "connected";
    model.setLag(CLUSTER_ID[ACTIVE] as string, 200);

    // Failback to ACTIVE while STANDBY's DynamoDB and CloudWatch APIs time out (its database is fine).
    model.fail({ operation: "PutItem", region: STANDBY, error: () => unreachable(STANDBY), times: 1_000 });
    model.fail({ operation: "PutMetricData", region: STANDBY, error: () => unreachable(STANDBY), times: 1_000 });
    const back = await execution("back-1", { mode: "failback", reason: "region recovered" }, ACTIVE).run();
    model.clearFaults();
    expect(back.status).toBe("SUCCEEDED");
    expect(model.writer()?.arn).toBe(CLUSTER_ARN[ACTIVE]);
    expect(back.state.run?.gate).toMatchObject({ ownRegion: "done", peerRegion: "failed" });

    // The surviving (now active) region's copy is right; the peer's still holds the failover's decisions.
    expect(decision(ACTIVE, ACTIVE)).toMatchObject({ value: 1, executionId: back.executionId });
    expect(decision(ACTIVE, STANDBY)).toMatchObject({ value: 0, executionId: back.executionId });
    expect(decision(STANDBY, ACTIVE)).toMatchObject({ value: 0, executionId: executionId("run-1") });
    expect(decision(STANDBY, STANDBY)).toMatchObject({ value: 1, executionId: executionId("run-1") });

    // A minute later both monitors run: ACTIVE republishes the right gates, STANDBY its stale copy.
    model.advance(60_000);
    const since = model.nowMs;
    await monitorIn(ACTIVE, { ROLE: "observer" })();
    await monitorIn(STANDBY)();
    expect(publishedSince(ACTIVE, since)).toEqual({ [ACTIVE]: 1, [STANDBY]: 0 }); // STANDBY's gate alarm lives here: closed, right
    expect(publishedSince(STANDBY, since)).toEqual({ [ACTIVE]: 0, [STANDBY]: 1 }); // ACTIVE's gate alarm lives here: closed, stale
    expect(gate(STANDBY, ACTIVE)).toBe(0);

    // Until a later execution reaches STANDBY's table: the failback runbook again, in ACTIVE, promotes nothing.
    const again = await execution("back-2", { mode: "failback", reason: "re-record the traffic gates" }, ACTIVE).run();
    expect(again.status).toBe("SUCCEEDED");
    expect(again.state.run?.promotion).toBe("already-writer");
    expect(model.promotions).toHaveLength(2);
    expect(decision(STANDBY, ACTIVE)).toMatchObject({ value: 1, executionId: again.executionId });
    expect(decision(STANDBY, STANDBY)).toMatchObject({ value: 0, executionId: again.executionId });
    model.advance(60_000);
    const later = model.nowMs;
    await monitorIn(STANDBY)();
    expect(publishedSince(STANDBY, later)).toEqual({ [ACTIVE]: 1, [STANDBY]: 0 });
    expect(gate(STANDBY, ACTIVE)).toBe(1);
  });

  it("an older decision never replaces a newer one: the gate it would change keeps the newer decision and is not published", async () => {
    // A newer decision already in STANDBY's table (e.g. written by the other region's orchestrator, whose decision came later).
    const newer = model.nowMs + 3_600_000;
    const key = gateKey(GLOBAL_ID, STANDBY);
    model.putItem(STANDBY, TABLE, {
      pk: { S: key },
      kind: { S: "traffic-gate" },
      gatedRegion: { S: STANDBY },
      value: { N: "0" },
      decidedAt: { N: String(newer) },
      decidedIn: { S: ACTIVE },
      executionId: { S: "arn:newer" },
    });

    const run = await execution("run-1", { mode: "failover", reason: "drill" }).run();

    expect(run.status).toBe("SUCCEEDED");
    expect(decision(STANDBY, STANDBY)).toEqual({ value: 0, decidedAt: newer, decidedIn: ACTIVE, executionId: "arn:newer" });
    expect(gate(STANDBY, STANDBY)).toBeUndefined();
    expect(decision(ACTIVE, STANDBY)).toBeUndefined(); // not carried to the peer either
    expect(run.state.run?.gate?.errors).toEqual([`gate ${STANDBY} in ${STANDBY}: a newer decision is recorded; not changed`]);
    // The other gate is decided as usual, in both regions.
    expect(decision(STANDBY, ACTIVE)?.value).toBe(0);
    expect(decision(ACTIVE, ACTIVE)?.value).toBe(0);

    // The monitor republishes what the table holds: the newer decision.
    model.advance(60_000);
    const since = model.nowMs;
    await monitorIn(STANDBY)();
    expect(publishedSince(STANDBY, since)).toEqual({ [ACTIVE]: 0, [STANDBY]: 0 });
  });

  it("a dry run records no decision", async () => {
    model.setRegionDown(ACTIVE);
    await execution("dry-1", { ...FAILOVER, dryRun: true }).run();
    expect([...model.items(STANDBY, TABLE).keys()].filter((k) => k.startsWith("gate#"))).toEqual([]);
  });
});
