/**
 * The traffic gate of a region: three rules of its load balancer's HTTPS
 * listener, above the application's own (lambda/shared/gate-rule.ts is the
 * contract, shared with the code that changes the gate):
 *
 *  1  /.dr/alive                       fixed 200: the load balancer is reachable (Route 53's `alive` check, the witness)
 *  2  the health path, GET and HEAD    forward to the service: its health stays observable while the region is fenced
 *  3  the gate                         open: only /.dr/gate answers 200; closed: every path answers 503
 *
 * Terraform creates the gate in the state `regions.active` implies and then
 * leaves its condition and action alone: from then on the health monitor of
 * the region (every sample) and the failover runbooks set it, from the writer
 * and the fences, through the region's own Elastic Load Balancing endpoint. A
 * closed gate refuses requests to the regional name as well as the global one.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { ALIVE_PATH, ALIVE_RESPONSE, DR_RULE_PRIORITY, FixedResponse, gateRuleSpec } from "../../lambda/shared/gate-rule";

export interface TrafficGateProps {
  readonly provider: AwsProvider;
  /** The HTTPS listener of the region's load balancer. */
  readonly listenerArn: string;
  /** The service's target group (the health path is forwarded to it). */
  readonly targetGroupArn: string;
  /** The service's health path (service.healthCheckPath). */
  readonly healthCheckPath: string;
  /** The gate's state at creation: open in the active region, closed in the standby. */
  readonly initiallyOpen: boolean;
}

const fixed = (r: FixedResponse) => ({ contentType: r.contentType, messageBody: r.messageBody, statusCode: r.statusCode });

export class TrafficGate extends Construct {
  readonly alive: LbListenerRule;
  readonly health: LbListenerRule;
  readonly gate: LbListenerRule;

  constructor(scope: Construct, id: string, props: TrafficGateProps) {
    super(scope, id);
    const { provider } = props;
    this.alive = new LbListenerRule(this, "alive", {
      provider,
      listenerArn: props.listenerArn,
      priority: DR_RULE_PRIORITY.alive,
      condition: [{ pathPattern: { values: [ALIVE_PATH] } }],
      action: [{ type: "fixed-response", fixedResponse: fixed(ALIVE_RESPONSE) }],
    });
    this.health = new LbListenerRule(this, "health", {
      provider,
      listenerArn: props.listenerArn,
      priority: DR_RULE_PRIORITY.health,
      condition: [{ pathPattern: { values: [props.healthCheckPath] } }, { httpRequestMethod: { values: ["GET", "HEAD"] } }],
      action: [{ type: "forward", targetGroupArn: props.targetGroupArn }],
    });
    const initial = gateRuleSpec(props.initiallyOpen);
    this.gate = new LbListenerRule(this, "gate", {
      provider,
      listenerArn: props.listenerArn,
      priority: DR_RULE_PRIORITY.gate,
      condition: [{ pathPattern: { values: [...initial.pathPatterns] } }],
      action: [{ type: "fixed-response", fixedResponse: fixed(initial.response) }],
      // The automation owns the gate's state after creation (as it owns the service's desired count).
      lifecycle: { ignoreChanges: ["condition", "action"] },
    });
  }
}
