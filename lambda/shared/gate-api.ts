/**
 * Reading and setting a region's traffic gate (the contract: gate-rule.ts)
 * through that region's Elastic Load Balancing endpoint: the client's region
 * decides which region's gate it is (names are the same in both).
 */
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
  Rule,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { DR_RULE_PRIORITY, GATE_PATH, gateRuleSpec } from "./gate-rule";
import { Caller } from "./retry";

export interface GateRuleRef {
  readonly ruleArn: string;
  /** null when the rule's action is not one of the two gate states (changed by hand). */
  readonly open: boolean | null;
}

function stateOf(rule: Rule): boolean | null {
  const status = rule.Actions?.[0]?.FixedResponseConfig?.StatusCode;
  const paths = rule.Conditions?.find((c) => c.Field === "path-pattern")?.PathPatternConfig?.Values ?? rule.Conditions?.[0]?.Values ?? [];
  if (status === "200" && paths.length === 1 && paths[0] === GATE_PATH) return true;
  if (status === "503" && paths.length === 1 && paths[0] === "/*") return false;
  return null;
}

/**
 * Finds the gate rule of the load balancer named `loadBalancerName` (its HTTPS
 * listener's rule at DR_RULE_PRIORITY.gate). Names are the same in both regions,
 * so the client's region decides which gate this is.
 */
export async function findGateRule(elb: ElasticLoadBalancingV2Client, call: Caller, loadBalancerName: string): Promise<GateRuleRef> {
  const lbs = await call("DescribeLoadBalancers", () => elb.send(new DescribeLoadBalancersCommand({ Names: [loadBalancerName] })));
  const lbArn = lbs.LoadBalancers?.[0]?.LoadBalancerArn;
  if (!lbArn) throw Object.assign(new Error(`Load balancer ${loadBalancerName} not found`), { name: "LoadBalancerNotFoundException" });
  const listeners = await call("DescribeListeners", () => elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn })));
  // The project's gate sits on its HTTPS listener on 443; another HTTPS listener (added by hand) is a fallback only.
  const all = listeners.Listeners ?? [];
  const https = all.find((l) => l.Protocol === "HTTPS" && l.Port === 443) ?? all.find((l) => l.Protocol === "HTTPS") ?? all.find((l) => l.Port === 443);
  if (!https?.ListenerArn) throw Object.assign(new Error(`Load balancer ${loadBalancerName} has no HTTPS listener`), { name: "ListenerNotFoundException" });
  const listenerArn = https.ListenerArn;
  const rules = await call("DescribeRules", () => elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn })));
  const rule = rules.Rules?.find((r) => r.Priority === String(DR_RULE_PRIORITY.gate));
  if (!rule?.RuleArn) throw Object.assign(new Error(`Load balancer ${loadBalancerName} has no gate rule (priority ${DR_RULE_PRIORITY.gate})`), { name: "RuleNotFoundException" });
  return { ruleArn: rule.RuleArn, open: stateOf(rule) };
}

export type GateChange = "unchanged" | "done" | "planned";

/**
 * Sets the gate of the load balancer `loadBalancerName` (in the client's region)
 * to `open`, unless it already is. The rule is looked up every time (three
 * read calls): a redeployed load balancer or rule is found again at once.
 */
export async function applyGate(
  elb: ElasticLoadBalancingV2Client,
  call: Caller,
  loadBalancerName: string,
  open: boolean,
  options: { dryRun?: boolean } = {},
): Promise<{ change: GateChange; previous: boolean | null }> {
  const ref = await findGateRule(elb, call, loadBalancerName);
  if (ref.open === open) return { change: "unchanged", previous: ref.open };
  if (options.dryRun) return { change: "planned", previous: ref.open };
  const spec = gateRuleSpec(open);
  await call("ModifyRule", () =>
    elb.send(
      new ModifyRuleCommand({
        RuleArn: ref.ruleArn,
        Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: [...spec.pathPatterns] } }],
        Actions: [
          {
            Type: "fixed-response",
            FixedResponseConfig: { StatusCode: spec.response.statusCode, ContentType: spec.response.contentType, MessageBody: spec.response.messageBody },
          },
        ],
      }),
    ),
  );
  return { change: "done", previous: ref.open };
}
