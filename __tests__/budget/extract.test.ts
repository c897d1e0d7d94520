/**
 * The budget's inputs as read from each shipped configuration's synthesized JSON: every input the model adds up
 * is found where the stacks put it. A stack split or a renamed resource would otherwise turn a fact silently
 * false (for example "no global tables"), and the budget would then refuse or pass for the wrong reason.
 */
import * as path from "path";
import { budgetOptions } from "../../app/synth";
import { extractInputs } from "../../lib/budget/extract";
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
