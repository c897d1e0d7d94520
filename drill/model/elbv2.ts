/**
 * Elastic Load Balancing v2 in the model: per region, load balancers with
 * HTTPS listeners whose rules are kept in the API's own shape (Conditions,
 * Actions), so that ModifyRule by the failover code changes what a request
 * gets. The rules come from the synthesized Terraform (aws_lb_listener_rule,
 * converted by drill/world) or from a test.
 *
 * A request is matched against the rules by priority (path-pattern with `*`
 * and `?`, http-request-method), then the listener's default action:
 * fixed-response answers itself; forward answers 200 from a target group with
 * healthy targets (an ECS service's running tasks, or a Lambda target, always
 * healthy) and 503 otherwise. The docs/failover-protocol.md gate rules are
 * ordinary rules here: the gate's state is whatever the rule says now.
 */
import { awsError } from "./errors";

export interface RuleCondition {
  Field: string;
  Values?: string[];
  PathPatternConfig?: { Values: string[] };
  HttpRequestMethodConfig?: { Values: string[] };
  HostHeaderConfig?: { Values: string[] };
}

export interface RuleAction {
  Type: string;
  Order?: number;
  TargetGroupArn?: string;
  FixedResponseConfig?: { StatusCode: string; ContentType?: string; MessageBody?: string };
  RedirectConfig?: Record<string, unknown>;
  ForwardConfig?: { TargetGroups?: { TargetGroupArn: string; Weight?: number }[] };
}

export interface RuleState {
  readonly RuleArn: string;
  readonly listenerArn: string;
  Priority: string;
  Conditions: RuleCondition[];
  Actions: RuleAction[];
  readonly IsDefault: boolean;
}

export interface TargetGroupSpec {
  readonly arn: string;
  readonly name: string;
  /** ecs: targets are the tasks of `serviceResourceId`; lambda: one always-healthy target. */
  readonly kind: "ecs" | "lambda";
  readonly serviceResourceId?: string;
}

export interface ListenerSpec {
  readonly arn: string;
  readonly port: number;
  readonly protocol: string;
  readonly defaultActions: RuleAction[];
}

export interface LoadBalancerSpec {
  readonly name: string;
  readonly arn: string;
  readonly dnsName: string;
  readonly listeners: readonly ListenerSpec[];
  readonly rules: readonly Omit<RuleState, "IsDefault">[];
  readonly targetGroups: readonly TargetGroupSpec[];
}

export type HttpAnswer =
  | { readonly kind: "unreachable" }
  | { readonly kind: "answered"; readonly status: number; readonly body: string; readonly servedBy: "app" | "lambda" | "fixed" | "none"; readonly rule?: string };

/** What the load balancers need of the rest of the model. */
export interface ElbHost {
  readonly account: string;
  service(region: string, resourceId: string): { running: number; healthy: boolean } | undefined;
}

interface LoadBalancerState {
  readonly spec: LoadBalancerSpec;
  readonly rules: RuleState[];
}

export class ElbModel {
  private readonly byRegion = new Map<string, LoadBalancerState[]>();

  constructor(private readonly host: ElbHost) {}

  define(region: string, spec: LoadBalancerSpec): void {
    const list = this.byRegion.get(region) ?? [];
    const rules: RuleState[] = [
      ...spec.rules.map((r) => ({ ...r, IsDefault: false, Conditions: clone(r.Conditions), Actions: clone(r.Actions) })),
      ...spec.listeners.map((l) => ({ RuleArn: `${l.arn.replace(":listener/", ":listener-rule/")}/default`, listenerArn: l.arn, Priority: "default", Conditions: [], Actions: clone(l.defaultActions), IsDefault: true })),
    ];
    list.push({ spec, rules });
    this.byRegion.set(region, list);
  }

  has(region: string): boolean {
    return (this.byRegion.get(region)?.length ?? 0) > 0;
  }

  loadBalancers(region: string): readonly LoadBalancerSpec[] {
    return (this.byRegion.get(region) ?? []).map((l) => l.spec);
  }

  rules(region: string): readonly RuleState[] {
    return (this.byRegion.get(region) ?? []).flatMap((l) => l.rules);
  }

  /** A request to the HTTPS listener of `region`'s (first) load balancer, assumed reachable. */
  answer(region: string, method: string, path: string): HttpAnswer {
    const lb = this.byRegion.get(region)?.[0];
    if (!lb) return { kind: "unreachable" };
    const listener = lb.spec.listeners.find((l) => l.protocol === "HTTPS") ?? lb.spec.listeners[0];
    if (!listener) return { kind: "unreachable" };
    const ordered = lb.rules
      .filter((r) => r.listenerArn === listener.arn)
      .sort((a, b) => (a.IsDefault ? 1 : b.IsDefault ? -1 : Number(a.Priority) - Number(b.Priority)));
    for (const rule of ordered) {
      if (!rule.IsDefault && !matches(rule.Conditions, method, path)) continue;
      return this.act(region, lb, rule);
    }
    return { kind: "answered", status: 404, body: "", servedBy: "none" };
  }

  private act(region: string, lb: LoadBalancerState, rule: RuleState): HttpAnswer {
    // A jwt-validation action passes the request on to the next action: the drill's clients present valid tokens (the
    // model does not verify signatures; the function re-reads the token's issuer and client id).
    const action = [...rule.Actions].sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0)).find((a) => a.Type !== "jwt-validation");
    if (!action) return { kind: "answered", status: 500, body: "", servedBy: "none", rule: rule.RuleArn };
    if (action.Type === "fixed-response") {
      const c = action.FixedResponseConfig;
      return { kind: "answered", status: Number(c?.StatusCode ?? 200), body: c?.MessageBody ?? "", servedBy: "fixed", rule: rule.RuleArn };
    }
    if (action.Type === "forward") {
      const tgArn = action.TargetGroupArn ?? action.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn;
      const tg = lb.spec.targetGroups.find((t) => t.arn === tgArn);
      if (!tg) return { kind: "answered", status: 503, body: "", servedBy: "none", rule: rule.RuleArn };
      if (tg.kind === "lambda") return { kind: "answered", status: 200, body: "", servedBy: "lambda", rule: rule.RuleArn };
      const healthy = tg.serviceResourceId ? this.host.service(region, tg.serviceResourceId)?.healthy === true : false;
      return healthy ? { kind: "answered", status: 200, body: "ok", servedBy: "app", rule: rule.RuleArn } : { kind: "answered", status: 503, body: "", servedBy: "none", rule: rule.RuleArn };
    }
    if (action.Type === "redirect") return { kind: "answered", status: 301, body: "", servedBy: "fixed", rule: rule.RuleArn };
    return { kind: "answered", status: 500, body: `unsupported action ${action.Type}`, servedBy: "none", rule: rule.RuleArn };
  }

  // ------------------------------------------------------------ API
  describeLoadBalancers(region: string, input: { Names?: string[]; LoadBalancerArns?: string[] }) {
    const all = this.byRegion.get(region) ?? [];
    const wanted = all.filter((l) => (input.Names ? input.Names.includes(l.spec.name) : true) && (input.LoadBalancerArns ? input.LoadBalancerArns.includes(l.spec.arn) : true));
    if ((input.Names?.length ?? 0) > wanted.length) throw awsError("LoadBalancerNotFoundException", `One or more load balancers not found: ${input.Names?.join(", ")}`);
    return {
      LoadBalancers: wanted.map((l) => ({ LoadBalancerName: l.spec.name, LoadBalancerArn: l.spec.arn, DNSName: l.spec.dnsName, Type: "application", Scheme: "internet-facing", State: { Code: "active" } })),
    };
  }

  describeListeners(region: string, input: { LoadBalancerArn?: string; ListenerArns?: string[] }) {
    const listeners = (this.byRegion.get(region) ?? []).flatMap((l) => l.spec.listeners.map((x) => ({ lb: l.spec.arn, x })));
    const wanted = listeners.filter(({ lb, x }) => (input.LoadBalancerArn ? lb === input.LoadBalancerArn : true) && (input.ListenerArns ? input.ListenerArns.includes(x.arn) : true));
    if (input.LoadBalancerArn && !(this.byRegion.get(region) ?? []).some((l) => l.spec.arn === input.LoadBalancerArn)) throw awsError("LoadBalancerNotFoundException", input.LoadBalancerArn);
    return { Listeners: wanted.map(({ lb, x }) => ({ ListenerArn: x.arn, LoadBalancerArn: lb, Port: x.port, Protocol: x.protocol, DefaultActions: clone(x.defaultActions) })) };
  }

  describeRules(region: string, input: { ListenerArn?: string; RuleArns?: string[] }) {
    const rules = this.rules(region).filter((r) => (input.ListenerArn ? r.listenerArn === input.ListenerArn : true) && (input.RuleArns ? input.RuleArns.includes(r.RuleArn) : true));
    if (input.RuleArns && rules.length < input.RuleArns.length) throw awsError("RuleNotFoundException", `One or more rules not found`);
    return { Rules: rules.map((r) => ({ RuleArn: r.RuleArn, Priority: r.Priority, Conditions: clone(r.Conditions), Actions: clone(r.Actions), IsDefault: r.IsDefault })) };
  }

  modifyRule(region: string, input: { RuleArn: string; Conditions?: unknown[]; Actions?: unknown[] }) {
    const rule = this.rules(region).find((r) => r.RuleArn === input.RuleArn);
    if (!rule) throw awsError("RuleNotFoundException", `Rule ${input.RuleArn} not found`);
    if (input.Conditions) {
      if (rule.IsDefault) throw awsError("OperationNotPermittedException", "The default rule has no conditions");
      rule.Conditions = clone(input.Conditions as RuleCondition[]);
    }
    if (input.Actions) rule.Actions = clone(input.Actions as RuleAction[]);
    return { Rules: [{ RuleArn: rule.RuleArn, Priority: rule.Priority, Conditions: clone(rule.Conditions), Actions: clone(rule.Actions), IsDefault: rule.IsDefault }] };
  }

  describeTargetGroups(region: string, input: { Names?: string[]; TargetGroupArns?: string[] }) {
    const all = (this.byRegion.get(region) ?? []).flatMap((l) => l.spec.targetGroups.map((t) => ({ lb: l.spec.arn, t })));
    const wanted = all.filter(({ t }) => (input.Names ? input.Names.includes(t.name) : true) && (input.TargetGroupArns ? input.TargetGroupArns.includes(t.arn) : true));
    if ((input.Names?.length ?? 0) > 0 && wanted.length === 0) throw awsError("TargetGroupNotFoundException", `One or more target groups not found: ${input.Names?.join(", ")}`);
    return {
      TargetGroups: wanted.map(({ lb, t }) => ({ TargetGroupArn: t.arn, TargetGroupName: t.name, TargetType: t.kind === "lambda" ? "lambda" : "ip", LoadBalancerArns: [lb] })),
    };
  }

  describeTargetHealth(region: string, input: { TargetGroupArn: string }) {
    const tg = (this.byRegion.get(region) ?? []).flatMap((l) => l.spec.targetGroups).find((t) => t.arn === input.TargetGroupArn);
    if (!tg) throw awsError("TargetGroupNotFoundException", input.TargetGroupArn);
    if (tg.kind === "lambda") return { TargetHealthDescriptions: [{ Target: { Id: "lambda" }, TargetHealth: { State: "healthy" } }] };
    const s = tg.serviceResourceId ? this.host.service(region, tg.serviceResourceId) : undefined;
    const running = s?.running ?? 0;
    const state = s?.healthy ? "healthy" : "unhealthy";
    return { TargetHealthDescriptions: Array.from({ length: running }, (_, i) => ({ Target: { Id: `10.0.0.${i + 1}`, Port: 80 }, TargetHealth: { State: state } })) };
  }
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function matches(conditions: readonly RuleCondition[], method: string, path: string): boolean {
  return conditions.every((c) => {
    if (c.Field === "path-pattern") return (c.PathPatternConfig?.Values ?? c.Values ?? []).some((p) => globMatch(p, path));
    if (c.Field === "http-request-method") return (c.HttpRequestMethodConfig?.Values ?? c.Values ?? []).includes(method.toUpperCase());
    if (c.Field === "host-header") return true; // one name per load balancer in the drill
    throw new Error(`ElbModel: unsupported rule condition ${c.Field}`);
  });
}

/** ALB path patterns: `*` any sequence, `?` one character, case-sensitive. */
export function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  return re.test(value);
}
