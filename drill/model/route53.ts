/**
 * Route 53 in the drill, built from the synthesized Terraform JSON of any
 * stack (generically over the resource types, so that records and checks the
 * protocol adds work as soon as they are synthesized):
 *
 * - aws_route53_health_check
 *   - HTTPS/HTTP/HTTPS_STR_MATCH: `fqdn` (resolved through the zone's records to
 *     a region's load balancer), `resource_path`, `request_interval`,
 *     `failure_threshold`; evaluated every interval from the checkers' vantage
 *     point (the internet: the region must be up; the answer is what that
 *     region's load balancer gives for the path, see elbv2.ts); 2xx/3xx is a
 *     success; the status flips after `failure_threshold` consecutive results
 *     the other way (Route 53 uses the same threshold both ways). `invert_healthcheck`.
 *     All checker regions share one view of the internet in the model.
 *   - CALCULATED: healthy when at least `child_health_threshold` of
 *     `child_healthchecks` are healthy (evaluated on demand).
 *   - CLOUDWATCH_METRIC: the alarm `cloudwatch_alarm_name` in
 *     `cloudwatch_alarm_region` (an aws_cloudwatch_metric_alarm of the app),
 *     evaluated from the model's datapoints every alarm period; OK = healthy,
 *     ALARM = unhealthy, INSUFFICIENT_DATA = `insufficient_data_health_status`
 *     (Healthy, Unhealthy, LastKnownStatus), and the alarm's
 *     `treat_missing_data` ignore keeps its last state.
 * - aws_route53_record: `name`, `type`, `set_identifier`, `failover_routing_policy`,
 *   `weighted_routing_policy`, `health_check_id`, `alias` (to a load balancer:
 *   the answer is that region; to another record of the zone: that record's
 *   answer, followed down the chain, as the protocol's global records alias the
 *   regional records; TTL from the figures, 60 s) or `records` with `ttl`.
 * - Propagation: an answer follows a check's status only `propagationSeconds`
 *   after the status changed (route53.dnsPropagationAfterHealthChange.seconds,
 *   the figure the budget uses); the checks themselves (and calculated checks)
 *   see each other at once.
 *   Answers: failover: PRIMARY if healthy, else SECONDARY if healthy, else
 *   PRIMARY; weighted: the healthy records with weight > 0, else the healthy
 *   records of weight 0, else those with weight > 0 as if healthy, picked by
 *   weight (records of weight 0 alike); simple: the record.
 *
 * Resolvers cache answers for their TTL (`Resolver`): a client population and
 * each region's VPC resolver have one each.
 */
import { Body, Json, TerraformApp } from "../terraform/app";
import { AlarmSpec, AwsModel } from "./aws-model";

export interface HealthCheckState {
  readonly id: string;
  readonly resource: string;
  readonly type: string;
  readonly name: string;
  readonly fqdn?: string;
  readonly path: string;
  readonly intervalMs: number;
  readonly threshold: number;
  readonly inverted: boolean;
  readonly children: readonly string[];
  readonly childThreshold: number;
  /** Status changes (at, healthy), oldest first; the status before the first is `initiallyHealthy`. */
  readonly history: { atMs: number; healthy: boolean }[];
  initiallyHealthy: boolean;
  readonly alarm?: { readonly region: string; readonly spec: AlarmSpec | undefined; readonly insufficient: string };
  healthy: boolean;
  streak: number;
  nextEvalMs: number;
  lastAlarm?: "OK" | "ALARM" | "INSUFFICIENT_DATA";
}

export interface RecordSpec {
  readonly resource: string;
  readonly name: string;
  readonly type: string;
  readonly setIdentifier?: string;
  readonly failover?: "PRIMARY" | "SECONDARY";
  readonly weight?: number;
  readonly healthCheckId?: string;
  /** Alias to a load balancer: its region. */
  readonly aliasRegion?: string;
  /** Alias target name (a load balancer's DNS name, or another record of the zone). */
  readonly aliasName?: string;
  readonly evaluateTargetHealth: boolean;
  readonly ttlSeconds: number;
  readonly values: readonly string[];
}

export interface DnsAnswer {
  /** Alias answers: "alb:<region>"; other answers: the record values (TXT without quotes). */
  readonly values: readonly string[];
  readonly ttlSeconds: number;
  /** The record that answered. */
  readonly record: RecordSpec;
  /** The region of the load balancer the answer leads to (an alias chain followed to its end); undefined for other answers. */
  readonly region?: string;
}

export interface Route53Options {
  /** TTL of alias answers, seconds (alb.aliasTtl.seconds). @default 60 */
  readonly aliasTtlSeconds?: number;
  /** Alarm evaluation period for metric checks, seconds. @default 60 */
  readonly alarmPeriodSeconds?: number;
  /** Interval of a check that does not say, seconds. @default 30 (Route 53's default) */
  readonly defaultIntervalSeconds?: number;
  /** Region of each load balancer DNS name / name, for alias targets. */
  readonly loadBalancerRegion?: (dnsName: string) => string | undefined;
  /** Seconds between a check's status change and DNS answers following it. @default 0 */
  readonly propagationSeconds?: number;
}

export class Route53Model {
  readonly checks = new Map<string, HealthCheckState>();
  readonly records: RecordSpec[] = [];
  /** Health-status changes, for the timeline. */
  readonly changes: { atMs: number; check: string; healthy: boolean }[] = [];
  private readonly aliasTtlSeconds: number;

  constructor(
    app: TerraformApp,
    private readonly model: AwsModel,
    private readonly options: Route53Options = {},
  ) {
    this.aliasTtlSeconds = options.aliasTtlSeconds ?? 60;
    for (const r of app.resources("aws_route53_record")) {
      const body = app.resolve(r.stack, r.body as Json) as Body;
      this.records.push(this.recordOf(r.id, body));
    }
    const alarms = new Map<string, AlarmSpec & { region: string }>();
    for (const a of app.resources("aws_cloudwatch_metric_alarm")) {
      const body = app.resolve(a.stack, a.body as Json) as Body;
      if (typeof body.alarm_name !== "string" || typeof body.metric_name !== "string") continue;
      alarms.set(`${a.region}/${body.alarm_name}`, {
        region: a.region,
        name: body.alarm_name,
        namespace: String(body.namespace ?? ""),
        metricName: body.metric_name,
        dimensions: (body.dimensions ?? {}) as Record<string, string>,
        statistic: String(body.statistic ?? "Average"),
        periodSeconds: Number(body.period ?? 60),
        evaluationPeriods: Number(body.evaluation_periods ?? 1),
        threshold: Number(body.threshold ?? 0),
        comparisonOperator: String(body.comparison_operator ?? "GreaterThanThreshold"),
        treatMissingData: String(body.treat_missing_data ?? "missing"),
      });
    }
    for (const h of app.resources("aws_route53_health_check")) {
      const body = app.resolve(h.stack, h.body as Json) as Body;
      const id = app.resourceAttribute(h, "id");
      const type = String(body.type ?? "HTTPS");
      const tags = (body.tags ?? {}) as Record<string, string>;
      const alarmRegion = typeof body.cloudwatch_alarm_region === "string" ? body.cloudwatch_alarm_region : undefined;
      this.checks.set(id, {
        id,
        resource: h.id,
        type,
        name: tags.Name ?? h.id,
        ...(typeof body.fqdn === "string" ? { fqdn: body.fqdn } : {}),
        path: String(body.resource_path ?? "/"),
        intervalMs: Number(body.request_interval ?? options.defaultIntervalSeconds ?? 30) * 1000,
        threshold: Number(body.failure_threshold ?? 3),
        inverted: body.invert_healthcheck === true,
        children: Array.isArray(body.child_healthchecks) ? (body.child_healthchecks as string[]) : [],
        childThreshold: Number(body.child_health_threshold ?? 1),
        ...(alarmRegion
          ? {
              alarm: {
                region: alarmRegion,
                spec: alarms.get(`${alarmRegion}/${String(body.cloudwatch_alarm_name)}`),
                insufficient: String(body.insufficient_data_health_status ?? "LastKnownStatus"),
              },
            }
          : {}),
        healthy: true,
        streak: 0,
        nextEvalMs: 0,
        history: [],
        initiallyHealthy: true,
      });
    }
  }

  private recordOf(resource: string, body: Body): RecordSpec {
    const alias = body.alias as { name?: string; evaluate_target_health?: boolean } | undefined;
    const failover = (body.failover_routing_policy as { type?: string } | undefined)?.type;
    const weight = (body.weighted_routing_policy as { weight?: number } | undefined)?.weight;
    const aliasRegion = alias?.name ? (this.options.loadBalancerRegion?.(alias.name) ?? regionInDnsName(alias.name)) : undefined;
    return {
      resource,
      name: normalize(String(body.name ?? "")),
      type: String(body.type ?? "A"),
      ...(typeof body.set_identifier === "string" ? { setIdentifier: body.set_identifier } : {}),
      ...(failover === "PRIMARY" || failover === "SECONDARY" ? { failover } : {}),
      ...(weight !== undefined ? { weight: Number(weight) } : {}),
      ...(typeof body.health_check_id === "string" ? { healthCheckId: body.health_check_id } : {}),
      ...(aliasRegion ? { aliasRegion } : {}),
      ...(alias?.name ? { aliasName: normalize(alias.name) } : {}),
      evaluateTargetHealth: alias?.evaluate_target_health === true,
      ttlSeconds: alias ? this.aliasTtlSeconds : Number(body.ttl ?? 300),
      values: Array.isArray(body.records) ? (body.records as string[]).map((v) => v.replace(/^"(.*)"$/, "$1")) : [],
    };
  }

  private primed = false;

  /** Evaluates the checks whose time has come (call every virtual second). */
  tick(): void {
    const now = this.model.nowMs;
    if (!this.primed) this.prime();
    for (const check of this.checks.values()) {
      if (now < check.nextEvalMs) continue;
      if (check.type === "CALCULATED") continue;
      if (check.type === "CLOUDWATCH_METRIC") {
        check.nextEvalMs = now + (this.options.alarmPeriodSeconds ?? 60) * 1000;
        this.setHealth(check, this.metricHealth(check));
        continue;
      }
      check.nextEvalMs = now + check.intervalMs;
      const ok = this.probe(check);
      const result = check.inverted ? !ok : ok;
      if (result === check.healthy) {
        check.streak = 0;
        continue;
      }
      check.streak++;
      if (check.streak >= check.threshold) this.setHealth(check, result);
    }
  }

  /**
   * The first evaluation: every check starts in the status its first result gives, as
   * if the environment had been running before the drill (no threshold, no history).
   */
  private prime(): void {
    this.primed = true;
    for (const check of this.checks.values()) {
      if (check.type === "CALCULATED") continue;
      if (check.type === "CLOUDWATCH_METRIC") check.healthy = this.metricHealth(check);
      else {
        const ok = this.probe(check);
        check.healthy = check.inverted ? !ok : ok;
      }
      check.initiallyHealthy = check.healthy;
    }
  }

  private setHealth(check: HealthCheckState, healthy: boolean): void {
    check.streak = 0;
    if (check.healthy === healthy) return;
    check.healthy = healthy;
    check.history.push({ atMs: this.model.nowMs, healthy });
    this.changes.push({ atMs: this.model.nowMs, check: check.name, healthy });
  }

  /** One HTTPS/HTTP check request from the internet. */
  private probe(check: HealthCheckState): boolean {
    if (!check.fqdn) return false;
    const region = this.regionOfName(check.fqdn);
    if (!region) return false;
    const answer = this.model.httpRequest(undefined, region, "GET", check.path);
    return answer.kind === "answered" && answer.status >= 200 && answer.status < 400;
  }

  private metricHealth(check: HealthCheckState): boolean {
    const alarm = check.alarm;
    if (!alarm?.spec) return alarm?.insufficient !== "Unhealthy";
    let state = this.model.alarmState(alarm.region, alarm.spec);
    if (state === "INSUFFICIENT_DATA" && alarm.spec.treatMissingData === "ignore" && check.lastAlarm) state = check.lastAlarm;
    if (state === "INSUFFICIENT_DATA" && alarm.spec.treatMissingData === "breaching") state = "ALARM";
    if (state === "INSUFFICIENT_DATA" && alarm.spec.treatMissingData === "notBreaching") state = "OK";
    check.lastAlarm = state;
    if (state === "OK") return true;
    if (state === "ALARM") return false;
    return alarm.insufficient === "Healthy" ? true : alarm.insufficient === "Unhealthy" ? false : check.healthy;
  }

  /** The health of a check now (CALCULATED: from its children). */
  isHealthy(id: string, depth = 0): boolean {
    const check = this.checks.get(id);
    if (!check) return true; // a check the model does not know: Route 53 would refuse the record; treat as healthy
    if (check.type !== "CALCULATED") return check.healthy;
    if (depth > 5) throw new Error(`Route53Model: calculated check ${id} nests too deep`);
    const healthy = check.children.filter((c) => this.isHealthy(c, depth + 1)).length;
    const result = healthy >= check.childThreshold;
    return check.inverted ? !result : result;
  }

  /** The status of a check as it was at `atMs` (CALCULATED: from its children then). */
  healthAt(id: string, atMs: number, depth = 0): boolean {
    const check = this.checks.get(id);
    if (!check) return true;
    if (check.type !== "CALCULATED") {
      let healthy = check.initiallyHealthy;
      for (const h of check.history) {
        if (h.atMs > atMs) break;
        healthy = h.healthy;
      }
      return healthy;
    }
    if (depth > 5) throw new Error(`Route53Model: calculated check ${id} nests too deep`);
    const healthy = check.children.filter((c) => this.healthAt(c, atMs, depth + 1)).length;
    const result = healthy >= check.childThreshold;
    return check.inverted ? !result : result;
  }

  /** The status DNS answers follow now: the status one propagation delay ago. */
  private answerHealth(id: string): boolean {
    const delayMs = (this.options.propagationSeconds ?? 0) * 1000;
    return delayMs === 0 ? this.isHealthy(id) : this.healthAt(id, this.model.nowMs - delayMs);
  }

  checkByName(name: string): HealthCheckState | undefined {
    return [...this.checks.values()].find((c) => c.name === name || c.resource === name);
  }

  /** The region a name's (non-health-checked, or only) alias record points to: how checks and probes reach a regional name. */
  regionOfName(name: string): string | undefined {
    return this.answer(name, "A")?.region;
  }

  /** What Route 53 answers for `name` and `type` now; undefined = NXDOMAIN. Alias chains within the zone are followed. */
  answer(name: string, type: string, depth = 0): DnsAnswer | undefined {
    const candidates = this.records.filter((r) => r.name === normalize(name) && r.type === type);
    if (candidates.length === 0) return undefined;
    const healthy = (r: RecordSpec) => (r.healthCheckId ? this.answerHealth(r.healthCheckId) : true) && (r.evaluateTargetHealth && r.aliasRegion ? this.model.network.internetReaches(r.aliasRegion) : true);
    let chosen: RecordSpec | undefined;
    const primary = candidates.find((r) => r.failover === "PRIMARY");
    const secondary = candidates.find((r) => r.failover === "SECONDARY");
    if (primary || secondary) {
      chosen = primary && healthy(primary) ? primary : secondary && healthy(secondary) ? secondary : (primary ?? secondary);
    } else if (candidates.some((r) => r.weight !== undefined)) {
      // Route 53 considers the records of weight 0 only when every record of a higher weight is unhealthy, and with
      // every record unhealthy answers as if all were healthy (the weighted ones again, when there are any).
      const weighted = candidates.filter((r) => (r.weight ?? 0) > 0);
      const zero = candidates.filter((r) => (r.weight ?? 0) === 0);
      const live = weighted.filter(healthy);
      const liveZero = zero.filter(healthy);
      const pool = live.length > 0 ? live : liveZero.length > 0 ? liveZero : weighted.length > 0 ? weighted : zero;
      const total = pool.reduce((s, r) => s + (r.weight ?? 0), 0);
      let pick = Math.random() * total;
      chosen = pool.find((r) => (pick -= r.weight ?? 0) < 0) ?? pool[0];
    } else {
      chosen = candidates[0];
    }
    if (!chosen) return undefined;
    if (chosen.aliasName && !chosen.aliasRegion && depth < 8 && this.records.some((r) => r.name === chosen?.aliasName && r.type === type)) {
      // An alias of another record in the zone: that record's answer (its own routing and checks), with this record's TTL.
      const target = this.answer(chosen.aliasName, type, depth + 1);
      if (!target) return undefined;
      return { values: target.values, ttlSeconds: chosen.ttlSeconds, record: chosen, ...(target.region ? { region: target.region } : {}) };
    }
    return {
      values: chosen.aliasRegion ? [`alb:${chosen.aliasRegion}`] : chosen.values,
      ttlSeconds: chosen.ttlSeconds,
      record: chosen,
      ...(chosen.aliasRegion ? { region: chosen.aliasRegion } : {}),
    };
  }
}

/** A caching resolver (a client population, or a region's VPC resolver). */
export class Resolver {
  private readonly cache = new Map<string, { answer: DnsAnswer | undefined; expiresMs: number }>();

  constructor(
    private readonly route53: Route53Model,
    private readonly now: () => number,
  ) {}

  resolve(name: string, type: string): DnsAnswer | undefined {
    const key = `${normalize(name)}/${type}`;
    const hit = this.cache.get(key);
    if (hit && hit.expiresMs > this.now()) return hit.answer;
    const answer = this.route53.answer(name, type);
    // Negative answers are cached for the zone's SOA minimum; the drill uses 60 s.
    this.cache.set(key, { answer, expiresMs: this.now() + (answer ? answer.ttlSeconds : 60) * 1000 });
    return answer;
  }

  flush(): void {
    this.cache.clear();
  }
}

function normalize(name: string): string {
  return name.replace(/\.$/, "").toLowerCase();
}

function regionInDnsName(dnsName: string): string | undefined {
  return /\.([a-z]{2}-[a-z]+-\d)\.elb\.amazonaws\.com$/.exec(dnsName)?.[1];
}
