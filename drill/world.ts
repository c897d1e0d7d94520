/**
 * The drill's world: everything the synthesized app describes, brought to life
 * on one virtual clock.
 *
 * - the AWS model (model/aws-model.ts) seeded from the Terraform JSON: the global
 *   cluster and its members (writer = `regions.active`), every DynamoDB table and
 *   global-table replica, the ECS services' scalable targets, each region's load
 *   balancer with its listeners, listener rules and target groups;
 * - every Lambda function of every stack, loaded from its drill bundle with the
 *   environment of its own stack (lambda/), invoked by the state machines and,
 *   for scheduled functions, by their EventBridge rule (`rate(...)`);
 * - every state machine (aws_sfn_state_machine.definition) registered with the
 *   ASL runner (asl/runner.ts) in its region;
 * - Route 53 (model/route53.ts) from the dns stack, the clients' resolver and
 *   each region's VPC resolver, `fetch` and `dns` for the handlers;
 * - the traffic generator and the invariant checker.
 */
import { LambdaName } from "../constructs/app/lambda-bundle";
import { S3Model } from "./model/s3";
import { DynamoDbIndexes, IndexSpec } from "./model/ddb-index";
import { DrConfig } from "../lib/config/model";
import { RUNBOOK_MODES } from "../lib/catalog";
import { Invocation, StepFunctionsService, TaskFailure } from "./asl/runner";
import { AuditAdapter, auditAdapter } from "./audit";
import { VirtualClock } from "./clock";
import { Figures } from "./figures";
import { InvariantChecker, RequestRecord, RunView } from "./invariants";
import { bundleOfFunction, drillBundles } from "./lambda/bundle";
import { DnsShim, FetchLike, LambdaInstance, loadInstance } from "./lambda/instance";
import { AwsModel, TableSpec } from "./model/aws-model";
import { RuleAction, RuleCondition, TargetGroupSpec } from "./model/elbv2";
import { Resolver, Route53Model } from "./model/route53";
import { Body, Json, ResourceRef, TerraformApp } from "./terraform/app";
import { PARTITION_KEY } from "../lambda/transaction-processor/record";
import { approvalKey } from "../lambda/shared/approval";

export interface FunctionSpec {
  readonly arn: string;
  readonly functionName: string;
  readonly bundle: LambdaName;
  readonly region: string;
  readonly env: Record<string, string>;
  readonly timeoutSeconds: number;
}

export interface ScheduleSpec {
  readonly region: string;
  readonly functionArn: string;
  readonly everyMs: number;
  readonly rule: string;
}

export interface TrafficOptions {
  /** Requests per virtual second through the global name. @default 2 */
  readonly ratePerSecond?: number;
  /** Seconds between requests sent to each regional name directly (clients that pinned a region). 0: none. @default 5 */
  readonly regionalEverySeconds?: number;
  /** @default "POST" */
  readonly method?: string;
  /** Path of the application's write (served by the load balancer's default action: the ECS service). @default "/app/payments" */
  readonly path?: string;
}

export interface EnvironmentOverride {
  readonly function: LambdaName;
  /** Only the function of this region. @default both */
  readonly region?: string;
  readonly variables: Readonly<Record<string, string>>;
}

export interface WorldOptions {
  readonly app: TerraformApp;
  readonly config: DrConfig;
  readonly figures: Figures;
  readonly seed?: number;
  readonly startMs?: number;
  readonly environment?: readonly EnvironmentOverride[];
  readonly traffic?: TrafficOptions | false;
  /** Drain window of the traffic invariant, seconds. @default the failover figures' promotion time + DNS TTL */
  readonly drainWindowSeconds?: number;
  readonly audit?: AuditAdapter;
  /** A loss beyond the RPO is what the configuration or a person allowed (ON_RPO_BREACH proceed, an approval). @default false */
  readonly rpoBreachAccepted?: boolean;
  /** The require the Lambda bundles use for the SDK (jest passes its own). */
  readonly hostRequire?: NodeRequire;
}

/** A test double applied to a bundle's code before it is loaded (a safeguard removed in the code as shipped). */
export type BundlePatch = (bundle: LambdaName, code: string) => string;

/**
 * How long an AWS call to an unreachable endpoint takes to fail when the client set no request
 * timeout of its own (the orchestrator's peer clients set PEER_TIMEOUT_MS): a modelling choice.
 */
export const UNREACHABLE_TIMEOUT_MS = 10_000;

/**
 * How long an S3 replica takes to appear in the other region while both are up: a modelling choice (S3 Replication
 * Time Control guarantees 15 minutes for 99.99 % of objects and replicates most within seconds).
 */
export const S3_REPLICATION_DELAY_MS = 15_000;

export interface TimelineEntry {
  readonly atMs: number;
  readonly lane: string;
  readonly text: string;
}

export class World {
  readonly clock: VirtualClock;
  readonly model: AwsModel;
  /** The synthesized buckets (every S3 call of every function is answered by the model, never by AWS). */
  s3: S3Model;
  readonly route53: Route53Model;
  readonly sfn: StepFunctionsService;
  readonly invariants: InvariantChecker;
  readonly functions = new Map<string, FunctionSpec>();
  readonly schedules: ScheduleSpec[] = [];
  /** Requests through the global name (the RTO is measured on these). */
  readonly requests: RequestRecord[] = [];
  /** Requests sent to a regional name directly. */
  readonly regionalRequests: RequestRecord[] = [];
  readonly timeline: TimelineEntry[] = [];
  readonly active: string;
  readonly standby: string;
  readonly globalName: string | undefined;
  /** Each region's own name (its regional record), by region. */
  readonly regionalNames = new Map<string, string>();
  /** The txmeta global table the transaction path writes (for data-loss accounting); undefined when the app has none. */
  readonly txmetaTable: string | undefined;
  readonly drainWindowMs: number;
  readonly auditTables: string[];
  readonly figures: Figures;
  /** Called on every Step Functions history event (scenarios react to states being entered). */
  /** Test doubles applied to the bundles' code before they are loaded (set them in `prepare`). */
  readonly bundlePatches: BundlePatch[] = [];
  readonly sfnListeners: ((execution: { arn: string; name: string; stateMachineArn: string }, event: { type: string; details?: Record<string, unknown> }) => void)[] = [];
  private readonly instances = new Map<string, LambdaInstance & { sandbox: { alive: boolean } }>();
  private readonly running = new Map<string, number>();
  private readonly lastAction = new Map<string, string>();
  private readonly clientResolver: Resolver;
  private readonly vpcResolvers = new Map<string, Resolver>();
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private readonly traffic: Required<TrafficOptions> | null;
  private readonly options: WorldOptions;
  private started = false;

  constructor(options: WorldOptions) {
    this.options = options;
    const { app, config, figures } = options;
    this.figures = figures;
    this.active = config.regions.active;
    this.standby = config.regions.active === config.regions.primary ? config.regions.secondary : config.regions.primary;
    this.clock = new VirtualClock({ ...(options.startMs !== undefined ? { startMs: options.startMs } : {}), seed: options.seed ?? 1 });
    const s = figures.seconds;

    // ---- Aurora
    const global = app.resources("aws_rds_global_cluster")[0];
    if (!global) throw new Error("The synthesized app has no aws_rds_global_cluster");
    const globalClusterId = String(app.resolve(global.stack, global.body.global_cluster_identifier as Json));
    const clusters = app.resources("aws_rds_cluster").map((c) => ({ region: c.region, id: String(app.resolve(c.stack, c.body.cluster_identifier as Json)) }));
    const writer = clusters.find((c) => c.region === this.active);
    const secondary = clusters.find((c) => c.region !== this.active);
    if (!writer || !secondary) throw new Error(`Expected one aws_rds_cluster in ${this.active} and one in the other region, found ${JSON.stringify(clusters)}`);

    this.model = new AwsModel({
      account: app.account,
      globalClusterId,
      clusters: [writer, secondary],
      now: this.clock.now,
      promotionDurationMs: s.promotion * 1000,
      switchoverDurationMs: s.switchover * 1000,
      resyncDurationMs: s.promotion * 1000,
      replicationLagMs: s.auroraLag * 1000,
      ddbReplicationDelayMs: s.ddbReplication * 1000,
      taskStartMs: s.taskStart * 1000,
      lagMetricPeriodMs: s.auroraMetricsPeriod * 1000,
      unreachableTimeoutMs: UNREACHABLE_TIMEOUT_MS,
      globalDbRpoMs: globalDbRpoSeconds(app) === null ? null : (globalDbRpoSeconds(app) as number) * 1000,
      tables: tablesOf(app),
    });

    // ---- S3 and the tables' secondary indexes: every function's S3 calls and index queries are answered by the model
    // (the reconciler runs in every scenario a region returns in; drill/scenarios/reconciliation.ts judges it).
    this.s3 = S3Model.fromApp(app, { replicationDelayMs: S3_REPLICATION_DELAY_MS });
    this.model.extensions.push(this.s3);
    const indexes = indexesOf(app);
    if (indexes.length > 0) this.model.extensions.push(new DynamoDbIndexes(indexes));

    // ---- ECS services and load balancers
    const services = new Map<string, string>(); // target group arn -> service resource id
    for (const svc of app.resources("aws_ecs_service")) {
      const body = app.resolve(svc.stack, svc.body as Json) as Body;
      const cluster = String(body.cluster ?? "").split("cluster/").pop() ?? "";
      const resourceId = `service/${cluster}/${String(body.name)}`;
      for (const lb of (body.load_balancer as Body[] | undefined) ?? []) services.set(String(lb.target_group_arn), resourceId);
    }
    for (const t of app.resources("aws_appautoscaling_target")) {
      const body = app.resolve(t.stack, t.body as Json) as Body;
      if (body.service_namespace !== "ecs") continue;
      this.model.setScalableTarget(t.region, String(body.resource_id), Number(body.min_capacity), Number(body.max_capacity));
    }
    for (const lb of app.resources("aws_lb")) this.defineLoadBalancer(app, lb, services);

    // ---- Lambda functions, state machines, schedules
    for (const fn of app.resources("aws_lambda_function")) {
      const body = fn.body;
      const bundle = bundleOfFunction(app.stacks.get(fn.stack) as Body, body);
      if (!bundle) continue;
      const variables = app.resolve(fn.stack, ((body.environment as Body | undefined)?.variables ?? {}) as Json) as Record<string, string>;
      for (const o of options.environment ?? []) if (o.function === bundle && (o.region === undefined || o.region === fn.region)) Object.assign(variables, o.variables);
      const arn = app.resourceAttribute(fn, "arn");
      this.functions.set(arn, { arn, functionName: app.resourceAttribute(fn, "function_name"), bundle, region: fn.region, env: variables, timeoutSeconds: Number(body.timeout ?? 3) });
    }
    this.sfn = new StepFunctionsService({
      account: app.account,
      now: this.clock.now,
      invoke: (invocation) => this.invokeForTask(invocation),
      onEvent: (execution, event) => {
        for (const listener of this.sfnListeners) listener(execution, event);
        if (/StateEntered$/.test(event.type) || /^Execution(Started|Succeeded|Failed|Aborted|TimedOut)$/.test(event.type) || event.type === "TaskFailed" || event.type === "TaskTimedOut") {
          const name = (event.details?.stateEnteredEventDetails as { name?: string } | undefined)?.name;
          const error = (event.details?.taskFailedEventDetails as { error?: string } | undefined)?.error;
          this.note(`sfn ${execution.name}`, name ? `enter ${name}` : error ? `${event.type} ${error}` : event.type);
        }
      },
    });
    this.model.sfnBackend = this.sfn;
    for (const sm of app.resources("aws_sfn_state_machine")) {
      const definition = app.resolveString(sm.stack, String(sm.body.definition));
      this.sfn.register(sm.region, String(app.resolve(sm.stack, sm.body.name as Json)), definition);
    }
    const rules = app.resources("aws_cloudwatch_event_rule");
    for (const target of app.resources("aws_cloudwatch_event_target")) {
      const body = app.resolve(target.stack, target.body as Json) as Body;
      const rule = rules.find((r) => r.stack === target.stack && String(app.resolve(r.stack, r.body.name as Json)) === body.rule);
      const expression = rule ? String(rule.body.schedule_expression ?? "") : "";
      const everyMs = rateMs(expression);
      if (!everyMs || !this.functions.has(String(body.arn))) continue;
      if (rule?.body.state === "DISABLED") continue;
      this.schedules.push({ region: target.region, functionArn: String(body.arn), everyMs, rule: String(body.rule) });
    }
    this.auditTables = [...new Set([...this.functions.values()].flatMap((f) => [f.env.AUDIT_TABLE_NAME, f.env.STATE_TABLE_NAME].filter((t): t is string => typeof t === "string")))];

    // ---- Route 53 and traffic
    this.route53 = new Route53Model(app, this.model, { aliasTtlSeconds: s.dnsTtl, alarmPeriodSeconds: s.alarmPeriod, defaultIntervalSeconds: s.route53Interval, propagationSeconds: s.dnsPropagation });
    this.clientResolver = new Resolver(this.route53, this.clock.now);
    this.globalName = this.route53.records.find((r) => (r.failover !== undefined || r.weight !== undefined) && r.type === "A")?.name;
    for (const r of this.route53.records) {
      if (r.type !== "A" || r.failover !== undefined || r.weight !== undefined || !r.aliasRegion) continue;
      this.regionalNames.set(r.aliasRegion, r.name);
    }
    this.txmetaTable = [...this.functions.values()].find((f) => f.env.TXMETA_TABLE_NAME)?.env.TXMETA_TABLE_NAME;
    this.traffic =
      options.traffic === false
        ? null
        : {
            ratePerSecond: options.traffic?.ratePerSecond ?? 2,
            regionalEverySeconds: options.traffic?.regionalEverySeconds ?? 5,
            method: options.traffic?.method ?? "POST",
            path: options.traffic?.path ?? "/app/payments",
          };
    this.drainWindowMs = (options.drainWindowSeconds ?? s.promotion + s.dnsTtl) * 1000;
    this.invariants = new InvariantChecker(this.model, {
      drainWindowMs: this.drainWindowMs,
      rpoMs: config.targets.rpoSeconds * 1000,
      audit: options.audit ?? auditAdapter,
      auditTables: this.auditTables,
      runs: () => this.runs(),
      ...(options.rpoBreachAccepted ? { rpoBreachAccepted: true } : {}),
    });
  }

  private defineLoadBalancer(app: TerraformApp, lb: ResourceRef, services: Map<string, string>): void {
    const arn = app.resourceAttribute(lb, "arn");
    const listeners = app
      .resources("aws_lb_listener")
      .filter((l) => l.stack === lb.stack && app.resolveString(l.stack, String(l.body.load_balancer_arn)) === arn)
      .map((l) => {
        const body = app.resolve(l.stack, l.body as Json) as Body;
        return { arn: app.resourceAttribute(l, "arn"), port: Number(body.port), protocol: String(body.protocol ?? "HTTP"), defaultActions: ((body.default_action as Body[]) ?? []).map(actionOf) };
      });
    const listenerArns = new Set(listeners.map((l) => l.arn));
    const rules = app
      .resources("aws_lb_listener_rule")
      .filter((r) => r.stack === lb.stack && listenerArns.has(app.resolveString(r.stack, String(r.body.listener_arn))))
      .map((r) => {
        const body = app.resolve(r.stack, r.body as Json) as Body;
        return { RuleArn: app.resourceAttribute(r, "arn"), listenerArn: String(body.listener_arn), Priority: String(body.priority ?? 1), Conditions: ((body.condition as Body[]) ?? []).flatMap(conditionsOf), Actions: ((body.action as Body[]) ?? []).map(actionOf) };
      });
    const targetGroups: TargetGroupSpec[] = app
      .resources("aws_lb_target_group")
      .filter((t) => t.stack === lb.stack)
      .map((t) => {
        const tgArn = app.resourceAttribute(t, "arn");
        const kind = t.body.target_type === "lambda" ? "lambda" : "ecs";
        const serviceResourceId = services.get(tgArn);
        return { arn: tgArn, name: String(t.body.name ?? t.id), kind, ...(serviceResourceId ? { serviceResourceId } : {}) } as TargetGroupSpec;
      });
    this.model.elb.define(lb.region, { name: app.resourceAttribute(lb, "name"), arn, dnsName: app.resourceAttribute(lb, "dns_name"), listeners, rules, targetGroups });
  }

  // ------------------------------------------------------------ lifecycle
  /** Installs the clock and the model's mocks, starts the schedules, the model's second ticks and the traffic. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.clock.install();
    this.model.install();
    this.model.callListeners.push(() => this.invariants.check());
    for (const schedule of this.schedules) {
      this.timers.push(setInterval(() => this.invokeScheduled(schedule), schedule.everyMs));
    }
    this.timers.push(setInterval(() => this.second(), 1_000));
    this.second();
  }

  /** Stops the timers, restores the SDK and the clock. */
  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    this.model.restore();
    this.clock.uninstall();
    this.started = false;
  }

  /** Runs the world for `ms` of virtual time. */
  async run(ms: number): Promise<void> {
    await this.clock.tick(ms);
  }

  note(lane: string, text: string): void {
    this.timeline.push({ atMs: this.clock.now(), lane, text });
  }

  private second(): void {
    this.model.tick();
    this.route53.tick();
    if (this.traffic) {
      for (let i = 0; i < this.traffic.ratePerSecond; i++) this.request();
      const every = this.traffic.regionalEverySeconds;
      const elapsed = Math.round(this.clock.elapsedMs() / 1000);
      if (every > 0 && elapsed % every === 0) for (const region of [...this.regionalNames.keys()].sort()) this.request(region);
    }
    this.invariants.check();
  }

  /**
   * One client request: through the global name (the client population's resolver), or to
   * `regional`'s own name (a client that pinned that region). A request the load balancer
   * forwards to the application commits a write in that region's cluster, which succeeds only
   * while that cluster takes writes; a committed write also writes its txmeta item in that
   * region's replica of the global table.
   */
  private request(regional?: string): void {
    const traffic = this.traffic as Required<TrafficOptions>;
    const atMs = this.clock.now();
    const name = regional ? this.regionalNames.get(regional) : this.globalName;
    const answer = name ? this.clientResolver.resolve(name, "A") : undefined;
    const region = answer?.region;
    const via = regional ? ("regional" as const) : ("global" as const);
    let record: RequestRecord;
    if (!region) record = { atMs, via, outcome: "unresolved", reachedApp: false };
    else {
      const response = this.model.httpRequest(undefined, region, traffic.method, traffic.path);
      if (response.kind === "unreachable") record = { atMs, via, region, outcome: "unreachable", reachedApp: false };
      else if (response.servedBy !== "app") record = { atMs, via, region, outcome: "refused", status: response.status, reachedApp: false };
      else {
        const write = this.model.commitWrite(region);
        if (write && this.txmetaTable) this.model.clientPutItem(region, this.txmetaTable, { [PARTITION_KEY]: { S: write.id }, region: { S: region }, at: { N: String(atMs) } });
        record = write ? { atMs, via, region, outcome: "committed", status: 200, reachedApp: true } : { atMs, via, region, outcome: "failed", status: 500, reachedApp: true };
      }
    }
    const writerRegion = this.model.writer()?.region;
    if (writerRegion) record = { ...record, writerRegion };
    if (regional) this.regionalRequests.push(record);
    else this.requests.push(record);
    this.invariants.onRequest(record);
  }

  /**
   * The task token a runbook left in `region`'s state table for one approval request (approval#<execution>#<state>),
   * as npm run approve reads it; undefined when there is none.
   */
  storedApprovalToken(region: string, executionArn: string, request: string): string | undefined {
    return this.auditTables.map((table) => this.model.items(region, table).get(approvalKey(executionArn, request))?.taskToken?.S).find((t) => t !== undefined);
  }

  /** Every runbook execution, with whether it was a dry run. */
  /** Replaces the S3 model (a scenario that holds or inspects its copies brings its own); before start(). */
  useS3(model: S3Model): void {
    const at = this.model.extensions.indexOf(this.s3);
    this.model.extensions.splice(at, 1, model);
    this.s3 = model;
  }

  /** The failover and failback runbooks' executions: the runs the orchestrator audits and notifies once each. */
  runs(): RunView[] {
    // The catalog names them <project>-<mode>-<environment> (the drill's scenarios find them the same way).
    const isRunbook = (stateMachineArn: string) => RUNBOOK_MODES.some((mode) => (stateMachineArn.split(":").pop() ?? "").includes(`-${mode}-`));
    return this.sfn
      .allExecutions()
      .filter((e) => isRunbook(e.stateMachineArn))
      .map((e) => {
      let dryRun = false;
      try {
        dryRun = (JSON.parse(e.input) as { dryRun?: unknown }).dryRun === true;
      } catch {
        dryRun = false;
      }
      return { executionArn: e.arn, status: e.status, dryRun };
    });
  }

  // ------------------------------------------------------------ Lambda
  functionsOf(bundle: LambdaName, region?: string): FunctionSpec[] {
    return [...this.functions.values()].filter((f) => f.bundle === bundle && (region === undefined || f.region === region));
  }

  instance(arn: string): LambdaInstance {
    let instance = this.instances.get(arn);
    if (instance) return instance;
    const spec = this.functions.get(arn);
    if (!spec) throw new Error(`No function ${arn} in the synthesized app`);
    const original = drillBundles().get(spec.bundle);
    if (!original) throw new Error(`No drill bundle for ${spec.bundle}`);
    const code = this.bundlePatches.reduce((c, patch) => patch(spec.bundle, c), original);
    const sandbox = { alive: true };
    const fetch = this.fetchFrom(spec.region);
    const dns = this.dnsFrom(spec.region);
    const frozen = <T>(): Promise<T> => new Promise<T>(() => undefined);
    const loaded = loadInstance({
      sandbox,
      functionName: spec.functionName,
      tag: spec.bundle,
      region: spec.region,
      code,
      env: spec.env,
      fetch: (url, init) => (sandbox.alive ? fetch(url, init) : frozen()),
      dns: {
        ...dns,
        promises: {
          resolveTxt: (name) => (sandbox.alive ? dns.promises.resolveTxt(name) : frozen()),
          Resolver: class {
            resolveTxt(name: string) {
              return sandbox.alive ? dns.promises.resolveTxt(name) : frozen<string[][]>();
            }
          },
        },
      },
      ...(this.options.hostRequire ? { hostRequire: this.options.hostRequire } : {}),
    });
    const live = Object.assign(loaded, { sandbox });
    this.instances.set(arn, live);
    return live;
  }

  /** Invokes a function as Lambda would: its timeout enforced (Sandbox.Timedout), a down region refusing the call. */
  async invoke(arn: string, event: unknown): Promise<unknown> {
    const spec = this.functions.get(arn) ?? [...this.functions.values()].find((f) => f.functionName === arn);
    if (!spec) throw new TaskFailure("Lambda.ResourceNotFoundException", JSON.stringify({ errorType: "ResourceNotFoundException", errorMessage: `Function not found: ${arn}` }));
    if (!this.model.network.isRegionUp(spec.region)) {
      throw new TaskFailure("Lambda.ServiceException", JSON.stringify({ errorType: "ServiceException", errorMessage: `${spec.region} is down` }));
    }
    const instance = this.instance(spec.arn);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TaskFailure("Sandbox.Timedout", JSON.stringify({ errorType: "Sandbox.Timedout", errorMessage: `Task timed out after ${spec.timeoutSeconds}.00 seconds` }))),
        spec.timeoutSeconds * 1000,
      );
    });
    try {
      return await Promise.race([instance.handler(event), timeout]);
    } catch (error) {
      // A timed-out invocation's execution environment is discarded: its code stops; the next invocation starts cold.
      if (error instanceof TaskFailure && error.name === "Sandbox.Timedout") this.discard(spec.arn);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Freezes and forgets a function's execution environment (timed out, or its region lost). */
  private discard(arn: string): void {
    const instance = this.instances.get(arn);
    if (instance) instance.sandbox.alive = false;
    this.instances.delete(arn);
    this.running.set(arn, 0);
  }

  /** A region outage (or its end): its Lambda execution environments die with it. */
  setRegionDown(region: string, down: boolean): void {
    this.model.setRegionDown(region, down);
    if (down) {
      for (const spec of this.functions.values()) if (spec.region === region) this.discard(spec.arn);
    } else {
      this.invariants.regionReturned(region);
    }
  }

  private async invokeForTask(invocation: Invocation): Promise<unknown> {
    return this.invoke(invocation.functionArn, invocation.payload);
  }

  private invokeScheduled(schedule: ScheduleSpec): void {
    if (!this.model.network.isRegionUp(schedule.region)) return;
    const spec = this.functions.get(schedule.functionArn) as FunctionSpec;
    // Reserved concurrency 1 (the monitor): a tick that finds the previous one running is throttled.
    if ((this.running.get(spec.arn) ?? 0) > 0) {
      this.note(`${spec.bundle} ${spec.region}`, "throttled (previous invocation still running)");
      return;
    }
    this.running.set(spec.arn, 1);
    this.invoke(spec.arn, { source: "aws.events", "detail-type": "Scheduled Event", time: new Date(this.clock.now()).toISOString() })
      .then((result) => {
        // The health monitor returns one outcome per sample: note when its role, verdict or action changes, and gate changes.
        for (const sample of Array.isArray(result) ? (result as { role?: string; action?: string; judgement?: { verdict?: string }; gate?: { desired?: boolean; change?: string } }[]) : []) {
          const summary = `${sample.role ?? "?"}${sample.judgement?.verdict ? ` ${sample.judgement.verdict}` : ""}${sample.action ? ` ${sample.action}` : ""}`;
          if (summary !== this.lastAction.get(spec.arn)) this.note(`${spec.bundle} ${spec.region}`, summary);
          this.lastAction.set(spec.arn, summary);
          if (sample.gate?.change === "done") this.note(`${spec.bundle} ${spec.region}`, `gate ${sample.gate.desired ? "opened" : "closed"}`);
        }
      })
      .catch((error: Error) => this.note(`${spec.bundle} ${spec.region}`, `failed: ${error.name}`))
      .finally(() => this.running.set(spec.arn, 0));
  }

  /** The VPC resolver of `region`. */
  resolverOf(region: string): Resolver {
    let resolver = this.vpcResolvers.get(region);
    if (!resolver) {
      resolver = new Resolver(this.route53, this.clock.now);
      this.vpcResolvers.set(region, resolver);
    }
    return resolver;
  }

  /** The handlers' fetch, from `region`'s vantage point (through its NAT). */
  fetchFrom(region: string): FetchLike {
    return (url, init = {}) => {
      const u = new URL(String(url));
      if (!this.model.network.canResolve(region)) return Promise.reject(Object.assign(new TypeError("fetch failed"), { cause: { code: "EAI_AGAIN" } }));
      const target = this.resolverOf(region).resolve(u.hostname, "A")?.region ?? /\.([a-z]{2}-[a-z]+-\d)\.elb\.amazonaws\.com$/.exec(u.hostname)?.[1];
      if (!target) return Promise.reject(Object.assign(new TypeError("fetch failed"), { cause: { code: "ENOTFOUND", hostname: u.hostname } }));
      const answer = this.model.httpRequest(region, target, init.method ?? "GET", u.pathname);
      if (answer.kind === "unreachable") {
        return new Promise((_, reject) => {
          const signal = init.signal;
          const abort = () => reject(Object.assign(new Error("This operation was aborted"), { name: "AbortError" }));
          if (signal?.aborted) abort();
          signal?.addEventListener("abort", abort, { once: true });
          setTimeout(() => reject(Object.assign(new TypeError("fetch failed"), { cause: { code: "UND_ERR_CONNECT_TIMEOUT" } })), 30_000);
        });
      }
      return Promise.resolve({ status: answer.status, body: { cancel: async () => undefined } });
    };
  }

  /** The handlers' node:dns, answered by Route 53 through `region`'s VPC resolver. */
  dnsFrom(region: string): DnsShim {
    const resolveTxt = async (name: string): Promise<string[][]> => {
      if (!this.model.network.canResolve(region)) throw Object.assign(new Error(`queryTxt ETIMEOUT ${name}`), { code: "ETIMEOUT" });
      if (!this.model.network.witnessUp()) throw Object.assign(new Error(`queryTxt ESERVFAIL ${name}`), { code: "ESERVFAIL" });
      const answer = this.resolverOf(region).resolve(name, "TXT");
      if (!answer) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: "ENOTFOUND" });
      return answer.values.map((v) => [v]);
    };
    const promises = {
      resolveTxt,
      Resolver: class {
        resolveTxt(name: string) {
          return resolveTxt(name);
        }
      },
    };
    return {
      promises,
      resolveTxt: (name, callback) => {
        resolveTxt(name).then((r) => callback(null, r), (e: Error) => callback(e));
      },
      Resolver: class {
        resolveTxt(name: string, callback: (error: Error | null, records?: string[][]) => void) {
          resolveTxt(name).then((r) => callback(null, r), (e: Error) => callback(e));
        }
      },
    };
  }
}

/** rds.global_db_rpo of the clusters' parameter groups (seconds), or null when the database does not enforce an RPO. */
export function globalDbRpoSeconds(app: TerraformApp): number | null {
  const values = app
    .resources("aws_rds_cluster_parameter_group")
    .flatMap((g) => ((g.body.parameter as Body[] | undefined) ?? []).filter((p) => p.name === "rds.global_db_rpo").map((p) => Number(p.value)));
  return values.length > 0 ? Math.max(...values) : null;
}

/** The global secondary indexes of the synthesized tables (the txmeta time index the reconciler queries). */
function indexesOf(app: TerraformApp): IndexSpec[] {
  return app.resources("aws_dynamodb_table").flatMap((t) =>
    ((t.body.global_secondary_index as Body[] | undefined) ?? []).map((i) => ({
      table: String(app.resolve(t.stack, t.body.name as Json)),
      name: String(i.name),
      tableKey: String(t.body.hash_key),
      partitionKey: String(i.hash_key),
      sortKey: String(i.range_key),
      projection: String(i.projection_type) as IndexSpec["projection"],
    })),
  );
}

function tablesOf(app: TerraformApp): TableSpec[] {
  const specs = new Map<string, { name: string; regions: string[]; keys: string[] }>();
  for (const t of app.resources("aws_dynamodb_table")) {
    const name = String(app.resolve(t.stack, t.body.name as Json));
    const keys = [String(t.body.hash_key ?? "pk"), ...(t.body.range_key ? [String(t.body.range_key)] : [])];
    const replicas = ((t.body.replica as Body[] | undefined) ?? []).map((r) => String(r.region_name));
    const key = `${name}@${t.region}`;
    specs.set(key, { name, regions: [t.region, ...replicas], keys });
  }
  for (const r of app.resources("aws_dynamodb_table_replica")) {
    const arn = app.resolveString(r.stack, String(r.body.global_table_arn));
    const m = /:dynamodb:([a-z0-9-]+):\d+:table\/(.+)$/.exec(arn);
    if (!m) continue;
    const spec = specs.get(`${m[2]}@${m[1]}`);
    if (spec && !spec.regions.includes(r.region)) spec.regions.push(r.region);
  }
  // A regional table that exists under the same name in both regions stays regional (two tables).
  return [...specs.values()].map((s) => ({ name: s.name, regions: s.regions, keys: s.keys }));
}

function rateMs(expression: string): number | undefined {
  const m = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] as string;
  return n * (unit.startsWith("minute") ? 60_000 : unit.startsWith("hour") ? 3_600_000 : 86_400_000);
}

function actionOf(action: Body): RuleAction {
  const type = String(action.type ?? "forward");
  const out: RuleAction = { Type: type };
  if (action.order !== undefined) out.Order = Number(action.order);
  if (action.target_group_arn) out.TargetGroupArn = String(action.target_group_arn);
  const fixed = action.fixed_response as Body | undefined;
  if (fixed) {
    out.FixedResponseConfig = {
      StatusCode: String(fixed.status_code ?? "200"),
      ...(fixed.content_type ? { ContentType: String(fixed.content_type) } : {}),
      ...(fixed.message_body !== undefined ? { MessageBody: String(fixed.message_body) } : {}),
    };
  }
  if (action.redirect) out.RedirectConfig = action.redirect as Record<string, unknown>;
  return out;
}

function conditionsOf(condition: Body): RuleCondition[] {
  const out: RuleCondition[] = [];
  const values = (key: string) => (((condition[key] as Body | undefined)?.values ?? []) as string[]).map(String);
  if (condition.path_pattern) out.push({ Field: "path-pattern", Values: values("path_pattern"), PathPatternConfig: { Values: values("path_pattern") } });
  if (condition.http_request_method) out.push({ Field: "http-request-method", HttpRequestMethodConfig: { Values: values("http_request_method") } });
  if (condition.host_header) out.push({ Field: "host-header", Values: values("host_header"), HostHeaderConfig: { Values: values("host_header") } });
  return out;
}
