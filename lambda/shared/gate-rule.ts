/**
 * The traffic gate of a region: a rule of that region's load balancer that
 * either lets client requests through to the application (open) or answers
 * every request with 503 (closed). Route 53's `gate` health check reads it;
 * a closed gate also refuses requests sent to the regional name directly.
 *
 * The contract below is shared by the infrastructure (which creates the rules
 * in the state `regions.active` implies, and then ignores their condition and
 * action) and by the health monitor and the orchestrator, which change the gate
 * through the region's own Elastic Load Balancing endpoint. Plain data and
 * small functions only, plus the two API helpers at the end.
 *
 * Rules on the HTTPS listener, above the application's own:
 *  1  ALIVE_PATH                           fixed 200 "alive": the load balancer is reachable (Route 53 `alive` check, the witness)
 *  2  the service's health path, GET/HEAD  forward to the service: its health stays observable while fenced
 *  3  the gate                             open: GATE_PATH only, fixed 200 "open"; closed: every path, fixed 503
 */
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
  Rule,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { Caller } from "./retry";

export const ALIVE_PATH = "/.dr/alive";
export const GATE_PATH = "/.dr/gate";

export const DR_RULE_PRIORITY = { alive: 1, health: 2, gate: 3 } as const;

export const GATE_OPEN_BODY = "open";
export const GATE_CLOSED_BODY = "region fenced";
export const ALIVE_BODY = "alive";

export interface FixedResponse {
  readonly statusCode: string;
  readonly contentType: "text/plain";
  readonly messageBody: string;
}

export interface GateRuleSpec {
  /** Path patterns of the rule's only condition. */
  readonly pathPatterns: readonly string[];
  readonly response: FixedResponse;
}

/** The gate rule's condition and fixed response for a state. */
export function gateRuleSpec(open: boolean): GateRuleSpec {
  return open
    ? { pathPatterns: [GATE_PATH], response: { statusCode: "200", contentType: "text/plain", messageBody: GATE_OPEN_BODY } }
    : { pathPatterns: ["/*"], response: { statusCode: "503", contentType: "text/plain", messageBody: GATE_CLOSED_BODY } };
}

export const ALIVE_RESPONSE: FixedResponse = { statusCode: "200", contentType: "text/plain", messageBody: ALIVE_BODY };

/** What a request for `path` gets from a load balancer whose gate is in `open` state, before the application's rules. */
export function gateAnswer(open: boolean, path: string, healthPath: string): "alive" | "health" | "gate-open" | "refused" | "application" {
  if (path === ALIVE_PATH) return "alive";
  if (path === healthPath) return "health";
  if (!open) return "refused";
  return path === GATE_PATH ? "gate-open" : "application";
}

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
  const https = listeners.Listeners?.find((l) => l.Protocol === "HTTPS") ?? listeners.Listeners?.find((l) => l.Port === 443);
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
