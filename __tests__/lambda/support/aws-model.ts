/**
 * A stateful, in-memory model of the AWS APIs the DR Lambdas call, installed
 * behind aws-sdk-client-mock (`mockClient(X).on(Command).callsFake(...)`).
 * Each fake reads the calling client's region, so one model serves the own
 * and the peer region's clients, and a region can be made unreachable.
 *
 * Kept state: the Aurora global cluster (members, writer, failover in
 * progress, completion after `promotionDurationMs` of model time), DB
 * clusters, DynamoDB items per region and table (conditions and updates are
 * evaluated, see ddb-expressions.ts; the traffic-gate decisions are such items,
 * read with `gateItem`), ECS scalable targets, metric datapoints per region
 * with their model time (gate values, monitor verdicts; read with `lastMetric`
 * and `published`), Step Functions executions, SNS messages, endpoint health.
 *
 * Time is the model's clock: pass `model.clock` and `model.sleep` to the code
 * under test, and sleeping advances time instantly. Faults are injected per
 * operation (`model.fail`), before or after the operation takes effect.
 *
 * Written to be reused by an offline drill: nothing here knows the tests.
 */
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { AttributeValue, DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import {
  DescribeDBClustersCommand,
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  RDSClient,
  SwitchoverGlobalClusterCommand,
} from "@aws-sdk/client-rds";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { applyUpdate, evaluateCondition, Item } from "./ddb-expressions";

export type ErrorFault = "client" | "server";

/** An error shaped like an AWS SDK v3 service exception. */
export function awsError(name: string, message = name, fault: ErrorFault = "client", httpStatusCode = fault === "server" ? 500 : 400): Error {
  return Object.assign(new Error(message), { name, $fault: fault, $metadata: { httpStatusCode } });
}

export function throttling(): Error {
  return awsError("ThrottlingException", "Rate exceeded", "client", 400);
}

/** What a call to an unreachable region looks like: the socket times out. */
export function unreachable(region: string): Error {
  return Object.assign(new Error(`connect ETIMEDOUT ${region}`), { name: "TimeoutError", code: "ETIMEDOUT" });
}

export interface ClusterSpec {
  readonly region: string;
  readonly id: string;
}

export interface ModelOptions {
  readonly account?: string;
  readonly globalClusterId: string;
  /** The first is the writer. */
  readonly clusters: readonly [ClusterSpec, ClusterSpec];
  /** Model time a promotion takes. @default 45000 */
  readonly promotionDurationMs?: number;
  /** Start time. @default 2025-01-01T00:00:00Z */
  readonly startMs?: number;
  /** Endpoint URL per region for the probe. */
  readonly endpoints?: Readonly<Record<string, string>>;
}

export interface MemberState {
  arn: string;
  region: string;
  id: string;
  isWriter: boolean;
  synchronizationStatus: string;
}

export interface PromotionRecord {
  readonly operation: "FailoverGlobalCluster" | "SwitchoverGlobalCluster";
  readonly calledIn: string;
  readonly target: string;
  readonly allowDataLoss: boolean;
  readonly atMs: number;
}

export interface Datapoint {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly value: number;
  readonly atMs: number;
}

export interface ExecutionRecord {
  readonly arn: string;
  readonly name: string;
  readonly stateMachineArn: string;
  readonly input: string;
  status: "RUNNING" | "SUCCEEDED" | "FAILED";
}

export interface FaultSpec {
  /** Operation name, e.g. "FailoverGlobalCluster", "RegisterScalableTarget". */
  readonly operation: string;
  /** Only calls from clients of this region. */
  readonly region?: string;
  readonly error: () => Error;
  /** How many calls fail. @default 1 */
  readonly times?: number;
  /** "after": the operation takes effect, then the error is thrown (a lost response). @default "before" */
  readonly when?: "before" | "after";
}

export interface CallRecord {
  readonly operation: string;
  readonly region: string;
  readonly input: unknown;
}

interface RegionState {
  reachable: boolean;
  endpointHealthy: boolean;
  tables: Map<string, Map<string, Item>>;
  scalableTargets: Map<string, { min: number; max: number }>;
  metrics: Datapoint[];
  executions: Map<string, ExecutionRecord>;
  messages: { topicArn: string; subject?: string; message: string; atMs: number }[];
}

export interface ModelMocks {
  readonly rds: AwsClientStub<RDSClient>;
  readonly cloudwatch: AwsClientStub<CloudWatchClient>;
  readonly dynamodb: AwsClientStub<DynamoDBClient>;
  readonly autoscaling: AwsClientStub<ApplicationAutoScalingClient>;
  readonly sfn: AwsClientStub<SFNClient>;
  readonly sns: AwsClientStub<SNSClient>;
}

/** The untyped surface of an AwsClientStub used to install fakes for every client class alike. */
interface AnyStub {
  onAnyCommand(): { callsFake(fn: (input: unknown, getClient: () => never) => unknown): unknown };
  on(command: unknown): { callsFake(fn: (input: never, getClient: () => never) => unknown): unknown };
  restore(): void;
}

async function regionOf(getClient: () => { config: { region?: unknown } }): Promise<string> {
  const region = getClient().config.region;
  const value = typeof region === "function" ? await (region as () => Promise<string>)() : region;
  return String(value);
}

export class AwsModel {
  readonly account: string;
  readonly globalClusterId: string;
  readonly promotionDurationMs: number;
  nowMs: number;
  globalStatus = "available";
  members: MemberState[];
  failover: { fromArn: string; toArn: string; allowDataLoss: boolean; completesAtMs: number; operation: PromotionRecord["operation"] } | null = null;
  /** Latest AuroraGlobalDBReplicationLag / RPOLag per cluster id, ms; null = no datapoint. */
  readonly lag = new Map<string, { replicationLagMs: number | null; rpoLagMs: number | null }>();
  readonly promotions: PromotionRecord[] = [];
  readonly calls: CallRecord[] = [];
  readonly endpoints: Record<string, string>;
  private readonly regions = new Map<string, RegionState>();
  private faults: (FaultSpec & { remaining: number })[] = [];
  private mocks: ModelMocks | null = null;

  constructor(options: ModelOptions) {
    this.account = options.account ?? "111122223333";
    this.globalClusterId = options.globalClusterId;
    this.promotionDurationMs = options.promotionDurationMs ?? 45_000;
    this.nowMs = options.startMs ?? Date.UTC(2025, 0, 1);
    this.members = options.clusters.map((c, i) => ({
      arn: this.clusterArn(c.region, c.id),
      region: c.region,
      id: c.id,
      isWriter: i === 0,
      synchronizationStatus: "connected",
    }));
    for (const c of options.clusters) {
      this.region(c.region);
      this.lag.set(c.id, { replicationLagMs: c === options.clusters[0] ? null : 120, rpoLagMs: null });
    }
    this.endpoints = { ...(options.endpoints ?? {}) };
  }

  // ---------------------------------------------------------------- time
  readonly clock = (): number => this.nowMs;
  readonly sleep = async (ms: number): Promise<void> => {
    this.nowMs += ms;
  };
  advance(ms: number): void {
    this.nowMs += ms;
  }

  // ---------------------------------------------------------------- set-up
  clusterArn(region: string, id: string): string {
    return `arn:aws:rds:${region}:${this.account}:cluster:${id}`;
  }

  region(name: string): RegionState {
    let state = this.regions.get(name);
    if (!state) {
      state = { reachable: true, endpointHealthy: true, tables: new Map(), scalableTargets: new Map(), metrics: [], executions: new Map(), messages: [] };
      this.regions.set(name, state);
    }
    return state;
  }

  /** A region outage: its APIs time out and its endpoint fails. */
  setRegionDown(region: string, down = true): void {
    const state = this.region(region);
    state.reachable = !down;
    state.endpointHealthy = !down;
  }

  setEndpointHealthy(region: string, healthy: boolean): void {
    this.region(region).endpointHealthy = healthy;
  }

  setScalableTarget(region: string, resourceId: string, min: number, max: number): void {
    this.region(region).scalableTargets.set(resourceId, { min, max });
  }

  setLag(clusterId: string, replicationLagMs: number | null, rpoLagMs: number | null = null): void {
    this.lag.set(clusterId, { replicationLagMs, rpoLagMs });
  }

  fail(spec: FaultSpec): void {
    this.faults.push({ ...spec, remaining: spec.times ?? 1 });
  }

  /** Drops every fault not yet used up. */
  clearFaults(): void {
    this.faults = [];
  }

  // ---------------------------------------------------------------- views
  writer(): MemberState | undefined {
    this.settle();
    return this.members.find((m) => m.isWriter);
  }

  item(region: string, table: string, key: string): Item | undefined {
    return this.region(region).tables.get(table)?.get(key);
  }

  items(region: string, table: string): Map<string, Item> {
    return this.region(region).tables.get(table) ?? new Map();
  }

  putItem(region: string, table: string, item: Item): void {
    const key = item.pk?.S;
    if (!key) throw new Error("item needs pk");
    this.table(region, table).set(key, item);
  }

  scalableTarget(region: string, resourceId: string): { min: number; max: number } | undefined {
    return this.region(region).scalableTargets.get(resourceId);
  }

  /** Last value of a metric with these dimensions published in `region`. */
  lastMetric(region: string, namespace: string, metricName: string, dimensions: Readonly<Record<string, string>>): number | undefined {
    const matches = this.region(region).metrics.filter(
      (d) =>
        d.namespace === namespace &&
        d.metricName === metricName &&
        Object.keys(dimensions).length === Object.keys(d.dimensions).length &&
        Object.entries(dimensions).every(([k, v]) => d.dimensions[k] === v),
    );
    return matches[matches.length - 1]?.value;
  }

  metrics(region: string): readonly Datapoint[] {
    return this.region(region).metrics;
  }

  /** Datapoints of one metric published in `region` at or after model time `sinceMs`, oldest first. */
  published(region: string, namespace: string, metricName: string, sinceMs = 0): Datapoint[] {
    return this.region(region).metrics.filter((d) => d.namespace === namespace && d.metricName === metricName && d.atMs >= sinceMs);
  }

  /** A traffic-gate decision item (lambda/shared/gate-store.ts) of `region`'s table, in plain form; undefined when absent. */
  gateItem(region: string, table: string, key: string): { value: number; decidedAt: number; decidedIn?: string; executionId?: string } | undefined {
    const item = this.item(region, table, key);
    if (!item) return undefined;
    return {
      value: Number(item.value?.N),
      decidedAt: Number(item.decidedAt?.N),
      ...(item.decidedIn?.S !== undefined ? { decidedIn: item.decidedIn.S } : {}),
      ...(item.executionId?.S !== undefined ? { executionId: item.executionId.S } : {}),
    };
  }

  executions(region: string): ExecutionRecord[] {
    return [...this.region(region).executions.values()];
  }

  messages(region: string): RegionState["messages"] {
    return this.region(region).messages;
  }

  /** The probe the code under test receives: healthy when the endpoint's region is up and healthy. */
  readonly probe = async (url: string): Promise<{ ok: boolean; status?: number; latencyMs: number; error?: string }> => {
    const region = Object.entries(this.endpoints).find(([, u]) => u === url)?.[0];
    if (!region) return { ok: false, latencyMs: 1, error: `unknown endpoint ${url}` };
    const state = this.region(region);
    if (!state.reachable) return { ok: false, latencyMs: 5_000, error: "timeout" };
    return state.endpointHealthy ? { ok: true, status: 200, latencyMs: 20 } : { ok: false, status: 503, latencyMs: 20 };
  };

  // ---------------------------------------------------------------- mocks
  /** Installs the fakes behind aws-sdk-client-mock; call `restore()` after the test. */
  install(): ModelMocks {
    const mocks: ModelMocks = {
      rds: mockClient(RDSClient),
      cloudwatch: mockClient(CloudWatchClient),
      dynamodb: mockClient(DynamoDBClient),
      autoscaling: mockClient(ApplicationAutoScalingClient),
      sfn: mockClient(SFNClient),
      sns: mockClient(SNSClient),
    };
    for (const stub of Object.values(mocks) as unknown as AnyStub[]) {
      stub.onAnyCommand().callsFake((input: unknown) => {
        throw new Error(`AwsModel: command not modelled (input ${JSON.stringify(input)})`);
      });
    }
    const on = <I, O>(stub: AnyStub, command: unknown, operation: string, fn: (input: I, region: string) => O) => {
      stub.on(command).callsFake(async (input: I, getClient: () => never) => this.dispatch(operation, await regionOf(getClient), input, fn));
    };
    const rds = mocks.rds as unknown as AnyStub;
    on(rds, DescribeGlobalClustersCommand, "DescribeGlobalClusters", (input: { GlobalClusterIdentifier?: string }) => this.describeGlobalClusters(input));
    on(rds, DescribeDBClustersCommand, "DescribeDBClusters", (input: { DBClusterIdentifier?: string }, region) => this.describeDbClusters(input, region));
    on(rds, FailoverGlobalClusterCommand, "FailoverGlobalCluster", (input: PromoteInput, region) => this.promote("FailoverGlobalCluster", input, region));
    on(rds, SwitchoverGlobalClusterCommand, "SwitchoverGlobalCluster", (input: PromoteInput, region) => this.promote("SwitchoverGlobalCluster", input, region));
    const cw = mocks.cloudwatch as unknown as AnyStub;
    on(cw, GetMetricDataCommand, "GetMetricData", (input: GetMetricDataInputLike, region) => this.getMetricData(input, region));
    on(cw, PutMetricDataCommand, "PutMetricData", (input: PutMetricDataInputLike, region) => this.putMetricData(input, region));
    const ddb = mocks.dynamodb as unknown as AnyStub;
    on(ddb, GetItemCommand, "GetItem", (input: KeyInput, region) => ({ Item: this.table(region, input.TableName).get(keyOf(input.Key)) }));
    on(ddb, PutItemCommand, "PutItem", (input: PutInput, region) => this.ddbPut(input, region));
    on(ddb, UpdateItemCommand, "UpdateItem", (input: UpdateInput, region) => this.ddbUpdate(input, region));
    on(ddb, DeleteItemCommand, "DeleteItem", (input: DeleteInput, region) => this.ddbDelete(input, region));
    const aas = mocks.autoscaling as unknown as AnyStub;
    on(aas, DescribeScalableTargetsCommand, "DescribeScalableTargets", (input: { ResourceIds?: string[] }, region) => ({
      ScalableTargets: (input.ResourceIds ?? [])
        .filter((id) => this.region(region).scalableTargets.has(id))
        .map((id) => {
          const t = this.region(region).scalableTargets.get(id) as { min: number; max: number };
          return { ServiceNamespace: "ecs", ResourceId: id, ScalableDimension: "ecs:service:DesiredCount", MinCapacity: t.min, MaxCapacity: t.max };
        }),
    }));
    on(aas, RegisterScalableTargetCommand, "RegisterScalableTarget", (input: { ResourceId: string; MinCapacity?: number; MaxCapacity?: number }, region) => {
      const current = this.region(region).scalableTargets.get(input.ResourceId);
      const min = input.MinCapacity ?? current?.min;
      const max = input.MaxCapacity ?? current?.max;
      if (min === undefined || max === undefined) throw awsError("ValidationException", "MinCapacity and MaxCapacity are required for a new target");
      if (min > max) throw awsError("ValidationException", "MinCapacity must be <= MaxCapacity");
      this.region(region).scalableTargets.set(input.ResourceId, { min, max });
      return {};
    });
    const sfn = mocks.sfn as unknown as AnyStub;
    on(sfn, StartExecutionCommand, "StartExecution", (input: { stateMachineArn: string; name: string; input?: string }, region) => this.startExecution(input, region));
    const sns = mocks.sns as unknown as AnyStub;
    on(sns, PublishCommand, "Publish", (input: { TopicArn: string; Subject?: string; Message: string }, region) => {
      this.region(region).messages.push({ topicArn: input.TopicArn, subject: input.Subject, message: input.Message, atMs: this.nowMs });
      return { MessageId: `msg-${this.region(region).messages.length}` };
    });
    this.mocks = mocks;
    return mocks;
  }

  restore(): void {
    if (!this.mocks) return;
    for (const stub of Object.values(this.mocks) as unknown as AnyStub[]) stub.restore();
    this.mocks = null;
  }

  /** Number of calls of `operation` (optionally from one region). */
  count(operation: string, region?: string): number {
    return this.calls.filter((c) => c.operation === operation && (region === undefined || c.region === region)).length;
  }

  /**
   * A comparable summary of everything the failover changes (no timestamps):
   * writer, global status, scalable targets, gate values per publishing
   * region, lock items, gate decision values, audit outcomes, promotions.
   */
  snapshot(options: { tables: readonly string[]; gateNamespace: string; gateMetric: string }): Record<string, unknown> {
    this.settle();
    const perRegion: Record<string, unknown> = {};
    for (const [name, state] of [...this.regions.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const gates: Record<string, number> = {};
      for (const d of state.metrics) {
        if (d.namespace === options.gateNamespace && d.metricName === options.gateMetric) gates[d.dimensions.Region ?? "?"] = d.value;
      }
      const items: Record<string, unknown> = {};
      for (const table of options.tables) {
        for (const [key, item] of this.items(name, table)) {
          if (key.startsWith("lock#")) items[key] = { holder: item.holder?.S };
          if (key.startsWith("gate#")) items[key] = { value: item.value?.N ?? null };
          if (key.startsWith("audit#")) items[key] = { outcome: item.outcome?.S ?? null, notified: item.notifiedAt !== undefined };
        }
      }
      perRegion[name] = {
        scalableTargets: Object.fromEntries([...state.scalableTargets.entries()].sort(([a], [b]) => a.localeCompare(b))),
        gates,
        items,
      };
    }
    return {
      writer: this.writer()?.arn ?? null,
      globalStatus: this.globalStatus,
      failoverInProgress: this.failover !== null,
      promotions: this.promotions.map((p) => ({ operation: p.operation, target: p.target, allowDataLoss: p.allowDataLoss, calledIn: p.calledIn })),
      regions: perRegion,
    };
  }

  // ---------------------------------------------------------------- internals
  private dispatch<I, O>(operation: string, region: string, input: I, fn: (input: I, region: string) => O): O {
    this.calls.push({ operation, region, input });
    if (!this.region(region).reachable) throw unreachable(region);
    const fault = this.faults.find((f) => f.operation === operation && (f.region === undefined || f.region === region) && f.remaining > 0);
    if (fault && (fault.when ?? "before") === "before") {
      fault.remaining--;
      throw fault.error();
    }
    const result = fn(input, region);
    if (fault) {
      fault.remaining--;
      throw fault.error();
    }
    return result;
  }

  /** Completes a promotion whose time has come. */
  private settle(): void {
    if (!this.failover || this.nowMs < this.failover.completesAtMs) return;
    const { toArn } = this.failover;
    for (const m of this.members) {
      m.isWriter = m.arn === toArn;
      // After an unplanned failover the old primary must resynchronize before it is a healthy secondary again.
      if (m.arn !== toArn && this.failover.allowDataLoss) m.synchronizationStatus = "pending-resync";
    }
    this.failover = null;
    this.globalStatus = "available";
  }

  private describeGlobalClusters(input: { GlobalClusterIdentifier?: string }) {
    this.settle();
    if (input.GlobalClusterIdentifier && input.GlobalClusterIdentifier !== this.globalClusterId) {
      throw awsError("GlobalClusterNotFoundFault", `GlobalCluster ${input.GlobalClusterIdentifier} not found`, "client", 404);
    }
    return {
      GlobalClusters: [
        {
          GlobalClusterIdentifier: this.globalClusterId,
          Status: this.globalStatus,
          GlobalClusterMembers: this.members.map((m) => ({ DBClusterArn: m.arn, IsWriter: m.isWriter, SynchronizationStatus: m.synchronizationStatus })),
          ...(this.failover
            ? { FailoverState: { Status: "failing-over", FromDbClusterArn: this.failover.fromArn, ToDbClusterArn: this.failover.toArn, IsDataLossAllowed: this.failover.allowDataLoss } }
            : {}),
        },
      ],
    };
  }

  private describeDbClusters(input: { DBClusterIdentifier?: string }, region: string) {
    this.settle();
    const member = this.members.find((m) => m.region === region && (m.id === input.DBClusterIdentifier || m.arn === input.DBClusterIdentifier));
    if (!member) throw awsError("DBClusterNotFoundFault", `DBCluster ${input.DBClusterIdentifier} not found in ${region}`, "client", 404);
    return { DBClusters: [{ DBClusterIdentifier: member.id, DBClusterArn: member.arn, Status: "available", GlobalClusterIdentifier: this.globalClusterId }] };
  }

  private promote(operation: PromotionRecord["operation"], input: PromoteInput, region: string) {
    this.settle();
    if (input.GlobalClusterIdentifier !== this.globalClusterId) throw awsError("GlobalClusterNotFoundFault");
    if (this.failover) throw awsError("InvalidGlobalClusterStateFault", `Global cluster ${this.globalClusterId} is already failing over`);
    const target = this.members.find((m) => m.arn === input.TargetDbClusterIdentifier);
    if (!target) throw awsError("DBClusterNotFoundFault", `${input.TargetDbClusterIdentifier} is not a member`);
    if (target.isWriter) throw awsError("InvalidGlobalClusterStateFault", `${target.arn} is already the primary cluster`);
    const writer = this.members.find((m) => m.isWriter);
    if (!writer) throw awsError("InvalidGlobalClusterStateFault", "no primary cluster");
    const allowDataLoss = operation === "FailoverGlobalCluster" && input.AllowDataLoss === true;
    if (operation === "SwitchoverGlobalCluster" && !this.region(writer.region).reachable) {
      throw awsError("InvalidGlobalClusterStateFault", `Switchover needs the primary in ${writer.region} to be available`);
    }
    if (operation === "FailoverGlobalCluster" && !allowDataLoss && input.Switchover !== true) {
      throw awsError("InvalidParameterCombination", "Specify AllowDataLoss or Switchover");
    }
    this.promotions.push({ operation, calledIn: region, target: target.arn, allowDataLoss, atMs: this.nowMs });
    this.failover = { fromArn: writer.arn, toArn: target.arn, allowDataLoss, completesAtMs: this.nowMs + this.promotionDurationMs, operation };
    this.globalStatus = operation === "SwitchoverGlobalCluster" ? "switching-over" : "failing-over";
    return { GlobalCluster: this.describeGlobalClusters({}).GlobalClusters[0] };
  }

  private getMetricData(input: GetMetricDataInputLike, region: string) {
    return {
      MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
        const expression = q.Expression ?? "";
        const clusterId = /DBClusterIdentifier="([^"]+)"/.exec(expression)?.[1];
        const member = this.members.find((m) => m.id === clusterId);
        const lag = clusterId ? this.lag.get(clusterId) : undefined;
        // Aurora publishes the lag of a secondary in the secondary's own region.
        const visible = member !== undefined && member.region === region;
        const value = !visible || !lag ? null : expression.includes("AuroraGlobalDBRPOLag") ? lag.rpoLagMs : expression.includes("AuroraGlobalDBReplicationLag") ? lag.replicationLagMs : null;
        return { Id: q.Id, StatusCode: "Complete", Timestamps: value === null ? [] : [new Date(this.nowMs)], Values: value === null ? [] : [value] };
      }),
    };
  }

  private putMetricData(input: PutMetricDataInputLike, region: string) {
    for (const d of input.MetricData ?? []) {
      this.region(region).metrics.push({
        namespace: input.Namespace,
        metricName: d.MetricName,
        dimensions: Object.fromEntries((d.Dimensions ?? []).map((x) => [x.Name, x.Value])),
        value: d.Value ?? Number.NaN,
        atMs: this.nowMs,
      });
    }
    return {};
  }

  private table(region: string, name: string): Map<string, Item> {
    const tables = this.region(region).tables;
    let table = tables.get(name);
    if (!table) {
      table = new Map();
      tables.set(name, table);
    }
    return table;
  }

  private ddbPut(input: PutInput, region: string) {
    const table = this.table(region, input.TableName);
    const key = keyOf(input.Item);
    if (!evaluateCondition(input.ConditionExpression, table.get(key), input.ExpressionAttributeNames, input.ExpressionAttributeValues)) {
      throw awsError("ConditionalCheckFailedException", "The conditional request failed");
    }
    table.set(key, { ...input.Item });
    return {};
  }

  private ddbUpdate(input: UpdateInput, region: string) {
    const table = this.table(region, input.TableName);
    const key = keyOf(input.Key);
    const current = table.get(key);
    if (!evaluateCondition(input.ConditionExpression, current, input.ExpressionAttributeNames, input.ExpressionAttributeValues)) {
      throw awsError("ConditionalCheckFailedException", "The conditional request failed");
    }
    const next = applyUpdate(input.UpdateExpression, current, input.Key, input.ExpressionAttributeNames, input.ExpressionAttributeValues);
    table.set(key, next);
    return input.ReturnValues === "ALL_NEW" ? { Attributes: { ...next } } : {};
  }

  private ddbDelete(input: DeleteInput, region: string) {
    const table = this.table(region, input.TableName);
    const key = keyOf(input.Key);
    if (!evaluateCondition(input.ConditionExpression, table.get(key), input.ExpressionAttributeNames, input.ExpressionAttributeValues)) {
      throw awsError("ConditionalCheckFailedException", "The conditional request failed");
    }
    table.delete(key);
    return {};
  }

  private startExecution(input: { stateMachineArn: string; name: string; input?: string }, region: string) {
    const executions = this.region(region).executions;
    const existing = executions.get(input.name);
    const arn = `${input.stateMachineArn.replace(":stateMachine:", ":execution:")}:${input.name}`;
    if (existing) {
      // Step Functions: same name and input while running is idempotent; anything else is refused.
      if (existing.status === "RUNNING" && existing.input === (input.input ?? "{}")) return { executionArn: existing.arn, startDate: new Date(this.nowMs) };
      throw awsError("ExecutionAlreadyExists", `Execution already exists: '${arn}'`);
    }
    executions.set(input.name, { arn, name: input.name, stateMachineArn: input.stateMachineArn, input: input.input ?? "{}", status: "RUNNING" });
    return { executionArn: arn, startDate: new Date(this.nowMs) };
  }
}

interface PromoteInput {
  GlobalClusterIdentifier: string;
  TargetDbClusterIdentifier: string;
  AllowDataLoss?: boolean;
  Switchover?: boolean;
}
interface GetMetricDataInputLike {
  MetricDataQueries?: { Id: string; Expression?: string }[];
}
interface PutMetricDataInputLike {
  Namespace: string;
  MetricData?: { MetricName: string; Dimensions?: { Name: string; Value: string }[]; Value?: number }[];
}
interface KeyInput {
  TableName: string;
  Key: Item;
}
interface PutInput {
  TableName: string;
  Item: Item;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
}
interface UpdateInput extends KeyInput {
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
  ReturnValues?: string;
}
interface DeleteInput extends KeyInput {
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
}

function keyOf(item: Item): string {
  const key = item.pk?.S;
  if (key === undefined) throw awsError("ValidationException", "The provided key element does not match the schema (pk, S)");
  return key;
}
