/**
 * The traffic gate of a region (shared/gate-rule.ts): the rule's two states,
 * what a request gets, and finding and setting the rule through the region's
 * own Elastic Load Balancing endpoint (docs/failover-protocol.md, "Gates").
 */
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { ALIVE_PATH, GATE_PATH, gateAnswer, gateRuleSpec } from "../../lambda/shared/gate-rule";
import { applyGate, findGateRule } from "../../lambda/shared/gate-api";
import { createCaller } from "../../lambda/shared/retry";
import { AwsMocks, fakeTiming, gateRuleArn, gateRules, givenGate, HEALTH_PATH, LOAD_BALANCER, mockAws, STANDBY, throttling } from "./support/fixtures";

let mocks: AwsMocks;
beforeEach(() => {
  mocks = mockAws();
});
afterEach(() => mocks.restore());

const timing = fakeTiming();
const call = createCaller({ policy: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 }, sleep: timing.sleep, random: () => 0.5 });
const elb = () => new ElasticLoadBalancingV2Client({ region: STANDBY });
const GATE_RULE = gateRuleArn(STANDBY, 3);

describe("gateRuleSpec", () => {
  it("open: only the gate path, answered 200 open", () => {
    expect(gateRuleSpec(true)).toEqual({ pathPatterns: [GATE_PATH], response: { statusCode: "200", contentType: "text/plain", messageBody: "open" } });
  });

  it("closed: every path, answered 503 region fenced", () => {
    expect(gateRuleSpec(false)).toEqual({ pathPatterns: ["/*"], response: { statusCode: "503", contentType: "text/plain", messageBody: "region fenced" } });
  });
});

describe("gateAnswer: what a request gets before the application's rules", () => {
  it.each<[boolean, string, ReturnType<typeof gateAnswer>]>([
    [true, ALIVE_PATH, "alive"],
    [false, ALIVE_PATH, "alive"],
    [true, HEALTH_PATH, "health"],
    [false, HEALTH_PATH, "health"],
    [true, GATE_PATH, "gate-open"],
    [false, GATE_PATH, "refused"],
    [true, "/transactions", "application"],
    [false, "/transactions", "refused"],
  ])("gate open=%s, %s → %s", (open, path, answer) => {
    expect(gateAnswer(open, path, HEALTH_PATH)).toBe(answer);
  });
});

describe("findGateRule", () => {
  it.each<[boolean | null]>([[true], [false], [null]])("finds the HTTPS listener's priority-3 rule and reads its state (%s)", async (open) => {
    // GIVEN
    givenGate(mocks.elb, open);
    // WHEN
    const ref = await findGateRule(elb(), call, LOAD_BALANCER);
    // THEN
    expect(ref).toEqual({ ruleArn: GATE_RULE, open });
    expect(mocks.elb).toHaveReceivedCommandWith(DescribeLoadBalancersCommand, { Names: [LOAD_BALANCER] });
    expect(mocks.elb).toHaveReceivedCommandWith(DescribeRulesCommand, { ListenerArn: expect.stringMatching(/\/443$/) });
  });

  it("reads a rule whose condition uses the legacy Values field", async () => {
    givenGate(mocks.elb, true);
    mocks.elb.on(DescribeRulesCommand).resolves({
      Rules: [{ RuleArn: GATE_RULE, Priority: "3", Conditions: [{ Field: "path-pattern", Values: ["/*"] }], Actions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "503" } }] }],
    });
    expect(await findGateRule(elb(), call, LOAD_BALANCER)).toEqual({ ruleArn: GATE_RULE, open: false });
  });

  it("a 200 answer on another path is not the open gate", async () => {
    givenGate(mocks.elb, true);
    mocks.elb.on(DescribeRulesCommand).resolves({
      Rules: [{ RuleArn: GATE_RULE, Priority: "3", Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/*"] } }], Actions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "200" } }] }],
    });
    expect((await findGateRule(elb(), call, LOAD_BALANCER)).open).toBeNull();
  });

  it("prefers the HTTPS listener on 443 over another HTTPS listener listed first", async () => {
    givenGate(mocks.elb, false);
    mocks.elb.on(DescribeListenersCommand).resolves({ Listeners: [{ ListenerArn: "l-8443", Protocol: "HTTPS", Port: 8443 }, { ListenerArn: "l-443", Protocol: "HTTPS", Port: 443 }] });
    await findGateRule(elb(), call, LOAD_BALANCER);
    expect(mocks.elb).toHaveReceivedCommandWith(DescribeRulesCommand, { ListenerArn: "l-443" });
    expect(mocks.elb).not.toHaveReceivedCommandWith(DescribeRulesCommand, { ListenerArn: "l-8443" });
  });

  it("finds the listener on port 443 when none says HTTPS", async () => {
    givenGate(mocks.elb, false);
    mocks.elb.on(DescribeListenersCommand).resolves({ Listeners: [{ ListenerArn: "l-80", Port: 80 }, { ListenerArn: "l-443", Port: 443 }] });
    await findGateRule(elb(), call, LOAD_BALANCER);
    expect(mocks.elb).toHaveReceivedCommandWith(DescribeRulesCommand, { ListenerArn: "l-443" });
  });

  it.each<[string, () => void, string]>([
    ["no load balancer", () => mocks.elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] }), "LoadBalancerNotFoundException"],
    ["no HTTPS listener", () => mocks.elb.on(DescribeListenersCommand).resolves({ Listeners: [{ ListenerArn: "l-80", Protocol: "HTTP", Port: 80 }] }), "ListenerNotFoundException"],
    ["no rule at priority 3", () => mocks.elb.on(DescribeRulesCommand).resolves({ Rules: [{ RuleArn: "r1", Priority: "1" }] }), "RuleNotFoundException"],
  ])("fails with a named error when there is %s", async (_name, arrange, errorName) => {
    givenGate(mocks.elb, true);
    arrange();
    await expect(findGateRule(elb(), call, LOAD_BALANCER)).rejects.toMatchObject({ name: errorName });
  });

  it("retries a throttled describe through the caller", async () => {
    givenGate(mocks.elb, true);
    mocks.elb.on(DescribeRulesCommand).rejectsOnce(throttling()).resolves(gateRules(true));
    expect((await findGateRule(elb(), call, LOAD_BALANCER)).open).toBe(true);
    expect(mocks.elb).toHaveReceivedCommandTimes(DescribeRulesCommand, 2);
  });
});

describe("findGateRule: reading a rule changed by hand", () => {
  const givenRule = (rule: Record<string, unknown>) => {
    givenGate(mocks.elb, true);
    mocks.elb.on(DescribeRulesCommand).resolves({ Rules: [{ RuleArn: GATE_RULE, Priority: "3", ...rule }] });
  };
  const fixed = (statusCode: string) => [{ Type: "fixed-response" as const, FixedResponseConfig: { StatusCode: statusCode } }];
  const paths = (...values: string[]) => [{ Field: "path-pattern", PathPatternConfig: { Values: values } }];

  it.each<[string, Record<string, unknown>, boolean | null]>([
    ["a 503 on the gate path only is neither state", { Conditions: paths(GATE_PATH), Actions: fixed("503") }, null],
    ["a 200 on the gate path and another path is not the open gate", { Conditions: paths(GATE_PATH, "/other"), Actions: fixed("200") }, null],
    ["a 503 on every path and another path is not the closed gate", { Conditions: paths("/*", "/other"), Actions: fixed("503") }, null],
    ["a forward action is neither state", { Conditions: paths("/*"), Actions: [{ Type: "forward", TargetGroupArn: "tg" }] }, null],
    ["a rule with neither conditions nor actions is neither state", {}, null],
    ["a rule with an empty condition list is neither state", { Conditions: [], Actions: fixed("503") }, null],
    ["a rule with an empty action list is neither state", { Conditions: paths("/*"), Actions: [] }, null],
    [
      "the path condition is read wherever it is listed (after a host condition)",
      { Conditions: [{ Field: "host-header", Values: ["api.example.com"] }, ...paths("/*")], Actions: fixed("503") },
      false,
    ],
  ])("%s", async (_name, rule, open) => {
    givenRule(rule);
    expect(await findGateRule(elb(), call, LOAD_BALANCER)).toEqual({ ruleArn: GATE_RULE, open });
  });
});

describe("findGateRule: the calls and the errors", () => {
  it("asks for the listeners and rules of exactly what it found", async () => {
    givenGate(mocks.elb, true);
    mocks.elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [{ LoadBalancerArn: "lb-arn-1", LoadBalancerName: LOAD_BALANCER }] });
    await findGateRule(elb(), call, LOAD_BALANCER);
    expect(mocks.elb.commandCalls(DescribeListenersCommand).map((c) => c.args[0].input)).toEqual([{ LoadBalancerArn: "lb-arn-1" }]);
  });

  it("falls back to another HTTPS listener before a plain listener on 443", async () => {
    givenGate(mocks.elb, false);
    mocks.elb.on(DescribeListenersCommand).resolves({ Listeners: [{ ListenerArn: "l-80", Protocol: "HTTP", Port: 443 }, { ListenerArn: "l-8443", Protocol: "HTTPS", Port: 8443 }] });
    await findGateRule(elb(), call, LOAD_BALANCER);
    expect(mocks.elb.commandCalls(DescribeRulesCommand).map((c) => c.args[0].input)).toEqual([{ ListenerArn: "l-8443" }]);
  });

  it("takes the HTTPS listener on 443 even when a plain listener comes first", async () => {
    givenGate(mocks.elb, false);
    mocks.elb.on(DescribeListenersCommand).resolves({ Listeners: [{ ListenerArn: "l-80", Protocol: "HTTP", Port: 80 }, { ListenerArn: "l-443", Protocol: "HTTPS", Port: 443 }] });
    await findGateRule(elb(), call, LOAD_BALANCER);
    expect(mocks.elb.commandCalls(DescribeRulesCommand).map((c) => c.args[0].input)).toEqual([{ ListenerArn: "l-443" }]);
  });

  it.each<[string, () => void, string, string]>([
    ["no load balancer list at all", () => mocks.elb.on(DescribeLoadBalancersCommand).resolves({}), "LoadBalancerNotFoundException", `Load balancer ${LOAD_BALANCER} not found`],
    ["no listener list at all", () => mocks.elb.on(DescribeListenersCommand).resolves({}), "ListenerNotFoundException", `Load balancer ${LOAD_BALANCER} has no HTTPS listener`],
    ["no rule list at all", () => mocks.elb.on(DescribeRulesCommand).resolves({}), "RuleNotFoundException", `Load balancer ${LOAD_BALANCER} has no gate rule (priority 3)`],
  ])("fails with a named error and message when there is %s", async (_name, arrange, errorName, message) => {
    givenGate(mocks.elb, true);
    arrange();
    await expect(findGateRule(elb(), call, LOAD_BALANCER)).rejects.toMatchObject({ name: errorName, message });
  });

  it.each<[string, () => void]>([
    ["DescribeLoadBalancers", () => mocks.elb.on(DescribeLoadBalancersCommand).rejects(throttling())],
    ["DescribeListeners", () => mocks.elb.on(DescribeListenersCommand).rejects(throttling())],
    ["DescribeRules", () => mocks.elb.on(DescribeRulesCommand).rejects(throttling())],
    ["ModifyRule", () => mocks.elb.on(ModifyRuleCommand).rejects(throttling())],
  ])("names %s in the error when its retries run out", async (operation, throttle) => {
    givenGate(mocks.elb, true);
    throttle();
    await expect(applyGate(elb(), call, LOAD_BALANCER, false)).rejects.toMatchObject({ details: expect.objectContaining({ operation }) });
  });
});

describe("applyGate", () => {
  it.each<[boolean]>([[true], [false]])("leaves a gate already in the desired state (open=%s) unchanged", async (open) => {
    givenGate(mocks.elb, open);
    expect(await applyGate(elb(), call, LOAD_BALANCER, open)).toEqual({ change: "unchanged", previous: open });
    expect(mocks.elb).not.toHaveReceivedCommand(ModifyRuleCommand);
  });

  it("opens a closed gate with exactly the open condition and answer", async () => {
    givenGate(mocks.elb, false);
    expect(await applyGate(elb(), call, LOAD_BALANCER, true)).toEqual({ change: "done", previous: false });
    expect(mocks.elb).toHaveReceivedCommandTimes(ModifyRuleCommand, 1);
    expect(mocks.elb.commandCalls(ModifyRuleCommand)[0]?.args[0].input).toEqual({
      RuleArn: GATE_RULE,
      Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: [GATE_PATH] } }],
      Actions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "200", ContentType: "text/plain", MessageBody: "open" } }],
    });
  });

  it("closes an open gate with exactly the closed condition and answer", async () => {
    givenGate(mocks.elb, true);
    expect(await applyGate(elb(), call, LOAD_BALANCER, false)).toEqual({ change: "done", previous: true });
    expect(mocks.elb.commandCalls(ModifyRuleCommand)[0]?.args[0].input).toEqual({
      RuleArn: GATE_RULE,
      Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/*"] } }],
      Actions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "503", ContentType: "text/plain", MessageBody: "region fenced" } }],
    });
  });

  it("restores a rule changed by hand", async () => {
    givenGate(mocks.elb, null);
    expect(await applyGate(elb(), call, LOAD_BALANCER, false)).toEqual({ change: "done", previous: null });
    expect(mocks.elb).toHaveReceivedCommandWith(ModifyRuleCommand, { RuleArn: GATE_RULE });
  });

  it("dry run: reports the change and sends no ModifyRule", async () => {
    givenGate(mocks.elb, true);
    expect(await applyGate(elb(), call, LOAD_BALANCER, false, { dryRun: true })).toEqual({ change: "planned", previous: true });
    expect(mocks.elb).not.toHaveReceivedCommand(ModifyRuleCommand);
  });
});
