/**
 * The traffic gate of a region: a rule of that region's load balancer that
 * either lets client requests through to the application (open) or answers
 * every request with 503 (closed). Route 53's `gate` health check reads it;
 * a closed gate also refuses requests sent to the regional name directly.
 *
 * The contract below is shared by the infrastructure (which creates the rules
 * in the state `regions.active` implies, and then ignores their condition and
 * action: constructs/traffic/traffic-gate.ts) and by the health monitor and the
 * orchestrator, which change the gate through the region's own Elastic Load
 * Balancing endpoint (gate-api.ts). Plain data and small functions only: no SDK.
 *
 * Rules on the HTTPS listener, above the application's own:
 *  1  ALIVE_PATH                           fixed 200 "alive": the load balancer is reachable (Route 53 `alive` check, the witness)
 *  2  the service's health path, GET/HEAD  forward to the service: its health stays observable while fenced
 *  3  the gate                             open: GATE_PATH only, fixed 200 "open"; closed: every path, fixed 503
 */

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
