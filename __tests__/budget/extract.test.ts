/**
 * The budget's inputs as read from each shipped configuration's synthesized JSON: every input the model adds up
 * is found where the stacks put it. A stack split or a renamed resource would otherwise turn a fact silently
 * false (for example "no global tables"), and the budget would then refuse or pass for the wrong reason.
 */
import * as path from "path";
import { budgetOptions } from "../../app/synth";
import { extractInputs } from "../../lib/budget/extract";
import { budgetsOf } from "../../lib/budget";
import { standbyRegion } from "../../lib/config/model";
import { configVariant, shippedConfigFiles } from "../support/config";
import { synthConfig } from "../support/synth";

const names = shippedConfigFiles().map((f) => path.basename(f, ".json"));

describe.each(names)("the budget's inputs of %s, read from its synthesized JSON", (name) => {
  const config = configVariant(name);
  const app = synthConfig(config);
  const takeover = config.regions.secondary;
  const inputs = extractInputs(app.stacks as Parameters<typeof extractInputs>[0], budgetOptions(config, name), takeover);

  it("finds the DynamoDB replicas (replicas-<secondary>) and the S3 replication with its time control", () => {
    expect(inputs.data.dynamodbGlobalTables).toBe(true);
    // every replication rule the constructs write carries S3 Replication Time Control
    expect(inputs.data.s3ReplicationTimeControl).toBe(true);
  });

  it("reads the monitor's and the orchestrator's settings through their own loaders", () => {
    expect(inputs.monitor.sampleIntervalSeconds).toBe(config.failover.sampleIntervalSeconds);
    expect(inputs.runbook.pollIntervalSeconds).toBe(config.failover.pollIntervalSeconds);
    expect(inputs.runbook.authority).toBe(config.failover.authority);
  });

  it("finds the Route 53 checks of both regions and the witness TTL", () => {
    expect(inputs.route53.alive.intervalSeconds).toBeGreaterThan(0);
    expect(inputs.route53.gate.intervalSeconds).toBeGreaterThan(0);
    expect(inputs.route53.witnessTtlSeconds).toBe(config.dns.witnessTtlSeconds);
  });
});

describe("how the global records route clients to the region that takes over", () => {
  const routing = (name: string, overrides: Parameters<typeof configVariant>[1] = {}) => {
    const config = configVariant(name, overrides);
    const stacks = synthConfig(config).stacks as Parameters<typeof extractInputs>[0];
    const into = (region: string) => extractInputs(stacks, budgetOptions(config, name), region).route53.routing;
    return { config, into };
  };

  it("prod: into the standby, pre-routed (its record carries only its app check); the lost active region's record fails with its gate check", () => {
    const { config, into } = routing("prod");
    expect(config.regions.active).toBe("us-east-1");
    // The active region's record carries gate AND app: the gate check (10 s x 2) fails first when the region is down.
    // With the region up, that record fails when the Fence closes the gate (its gate check, 10 s x 2).
    expect(into("us-east-2")).toEqual({ preRouted: true, takeoverPreferred: false, lostRecordSeconds: 20, lostRecordFollowsGate: true, lostGateSeconds: 20 });
    // Back into the active region (the standby, then the writer, is lost): its record is PRIMARY, answered when every
    // record is unhealthy; the lost standby's record carries only its app check: 10 s x 5 (prod's RTO of 900 s).
    // Its gate closing does not fail that record (only its app check does, once the Fence has scaled its service to zero).
    expect(into("us-east-1")).toEqual({ preRouted: true, takeoverPreferred: true, lostRecordSeconds: 50, lostRecordFollowsGate: false, lostGateSeconds: 20 });
  });

  it("without pre-routing, the standby's record needs its gate: clients move only after the promotion", () => {
    const { into } = routing("prod", { dns: { preRouteStandby: false } });
    expect(into("us-east-2")).toEqual({ preRouted: false, takeoverPreferred: false, lostRecordSeconds: 20, lostRecordFollowsGate: true, lostGateSeconds: 20 });
    expect(into("us-east-1")).toEqual({ preRouted: true, takeoverPreferred: true, lostRecordSeconds: 20, lostRecordFollowsGate: true, lostGateSeconds: 20 });
  });

  it("weighted routing (variant D): the weight-0 standby is pre-routed, the weighted active region preferred", () => {
    const { config, into } = routing("variant-d");
    // The active record's gate check (10 s x 2); the standby's app check (10 s x 10, variant D's RTO of 4 hours).
    expect(into(standbyRegion(config))).toEqual({ preRouted: true, takeoverPreferred: false, lostRecordSeconds: 20, lostRecordFollowsGate: true, lostGateSeconds: 20 });
    expect(into(config.regions.active)).toEqual({ preRouted: true, takeoverPreferred: true, lostRecordSeconds: 100, lostRecordFollowsGate: false, lostGateSeconds: 20 });
    const serial = routing("variant-d", { dns: { preRouteStandby: false } });
    expect(serial.into(standbyRegion(serial.config))).toEqual({ preRouted: false, takeoverPreferred: false, lostRecordSeconds: 20, lostRecordFollowsGate: true, lostGateSeconds: 20 });
    expect(serial.into(serial.config.regions.active)).toEqual({ preRouted: true, takeoverPreferred: true, lostRecordSeconds: 20, lostRecordFollowsGate: true, lostGateSeconds: 20 });
  });
});

describe("the modeled worst case of prod, as shipped", () => {
  it("is at most 3 minutes for the loss of either region, the traffic phase reduced to the OpenGate step", () => {
    const config = configVariant("prod");
    const budgets = budgetsOf(synthConfig(config).stacks as Parameters<typeof budgetsOf>[0], budgetOptions(config, "prod"), undefined, ["region"]);
    expect(budgets.map((b) => [b.takeover, b.rtoSeconds])).toEqual(
      expect.arrayContaining([
        ["us-east-1", 179],
        ["us-east-2", 179],
      ]),
    );
    for (const b of budgets) {
      expect(b.rtoSeconds).toBeLessThanOrEqual(180);
      expect(b.phases.map((p) => [p.name, p.seconds])).toEqual([
        ["detection", 95],
        ["decision", 0],
        ["orchestration", 19],
        ["drain", 0],
        ["promotion", 62],
        ["traffic", 3],
      ]);
    }
  });

  it("without pre-routing, the same configuration needs the serial DNS move after the promotion", () => {
    const config = configVariant("prod", { dns: { preRouteStandby: false } });
    const [worst] = budgetsOf(synthConfig(config).stacks as Parameters<typeof budgetsOf>[0], budgetOptions(config, "prod"), undefined, ["region"]);
    // OpenGate 3 s + the gate check 10 s x 2 + propagation 60 s + the alias TTL 60 s after 176 s.
    expect(worst?.rtoSeconds).toBe(176 + 3 + 20 + 60 + 60);
  });
});

describe("the loss of the writer's database with its region up (prod, as shipped)", () => {
  const config = configVariant("prod");
  const budgets = () => budgetsOf(synthConfig(config).stacks as Parameters<typeof budgetsOf>[0], budgetOptions(config, "prod"), undefined, ["database"]);
  const phases = (takeover: string) => budgets().find((b) => b.takeover === takeover)?.phases.map((p) => [p.name, p.seconds]);

  it("into the standby: clients move from the Fence, while the run drains and promotes", () => {
    // Detection: replication down (no datapoint for 180 s + a 60 s period) + 2 samples x 5 s. Up to the Fence: 3 task
    // states x 3 s. Drain: a sample, the replication and in-flight allowances (5 + 10 + 10). Promotion: Decide and
    // Promote (2 x 3 s) + 60 s + a 2 s poll. Traffic: the old gate check (10 s x 2), 60 s and 60 s = 140 s from the
    // Fence, 47 s after the promotion.
    expect(phases("us-east-2")).toEqual([
      ["detection", 250],
      ["decision", 0],
      ["orchestration", 9],
      ["drain", 25],
      ["promotion", 68],
      ["traffic", 47],
    ]);
  });

  it("back into the active region: the old writer's record carries no gate, so clients move only once this region's gate opens", () => {
    // (The Fence also scales the old service to zero, which fails that record's app check later; the budget does not count on it.)
    expect(phases("us-east-1")).toEqual([
      ["detection", 250],
      ["decision", 0],
      ["orchestration", 9],
      ["drain", 25],
      ["promotion", 68],
      ["traffic", 3 + 20 + 60 + 60],
    ]);
    const [worst] = budgetsOf(synthConfig(config).stacks as Parameters<typeof budgetsOf>[0], budgetOptions(config, "prod"));
    expect([worst?.failure, worst?.takeover, worst?.rtoSeconds]).toEqual(["database", "us-east-1", 495]);
  });
});
