/**
 * A stateful, in-memory model of the AWS APIs the DR Lambdas call, installed
 * as the `send` of each SDK client class (drill/model/command-router.ts).
 * Every call is evaluated from the caller's region (the region of the Lambda
 * that built the client, see drill/lambda) against the target region (the
 * client's region), through the network model (network.ts): an unreachable
 * endpoint answers like a socket timeout.
 *
 * Kept state:
 * - RDS: the Aurora global cluster (members, the true writer, SynchronizationStatus,
 *   FailoverState during a promotion that completes after `promotionDurationMs`),
 *   each region's *view* of it (a partitioned old primary still sees itself as
 *   writer until it reconnects, then rejoins as a secondary), cluster status
 *   (available, failing-over, inaccessible for a database-only failure), and the
 *   write log: every committed write with its commit time and region, replicated
 *   to the secondary after the lag; a forced failover LOSES the writes not yet
 *   replicated (recorded in `failovers`).
 * - DynamoDB: regional tables and global tables (replicas, asynchronous
 *   replication after `ddbReplicationDelayMs`, last-writer-wins, conditions
 *   evaluated against the local replica only, replication held back while the
 *   regions are partitioned and delivered after), Get/Put/Update/Delete/Query/Scan.
 * - CloudWatch: datapoints per region (PutMetricData, GetMetricData with SEARCH
 *   expressions and MetricStat), alarm evaluation for Route 53 metric checks,
 *   AuroraGlobalDBReplicationLag published by `tick` in the secondary's region
 *   (one datapoint per minute; none while the primary is unreachable or its
 *   database unavailable: a modelling assumption).
 * - ECS + Application Auto Scaling: scalable targets, desired count within
 *   [min, max] (target tracking simplified: desired = max(min, current) capped
 *   at max), tasks that run `taskStartMs` after they are started.
 * - Elastic Load Balancing v2 (elbv2.ts), SNS messages, Step Functions through
 *   a pluggable backend (sfn.ts; without one, StartExecution only records).
 *
 * Time: by default the model keeps its own clock (`advance`, `sleep`: tests that
 * drive handlers directly); with `now` it reads a virtual clock (the drill).
 * Periodic behaviour (replication, metrics, tasks) happens in `tick()`, which the
 * drill calls every virtual second.
 */
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
  AttributeValue,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  DescribeDBClustersCommand,
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  RDSClient,
  SwitchoverGlobalClusterCommand,
} from "@aws-sdk/client-rds";
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { applyUpdate, evaluateCondition, Item } from "./ddb-expressions";
import { CommandClass, CommandRouter } from "./command-router";
import { awsError, unreachable } from "./errors";
import { ElbModel, HttpAnswer } from "./elbv2";
import { NetworkModel } from "./network";

export type { Item } from "./ddb-expressions";

export { awsError, lostResponse, throttling, unreachable } from "./errors";
export type { ErrorFault } from "./errors";

/** The property the drill's Lambda loader sets on every SDK client it builds: the region the code runs in. */
export const CALLER_REGION = Symbol.for("drill.callerRegion");
/** The property the loader sets when the client was built with a request timeout (`requestHandler.requestTimeout`), ms. */
export const REQUEST_TIMEOUT = Symbol.for("drill.requestTimeoutMs");
/** The property the loader sets on every SDK client it builds: the function whose code built it. */
export const CALLER_FUNCTION = Symbol.for("drill.callerFunction");
/** The property the loader sets on every SDK client it builds: its sandbox's liveness (`{ alive }`). */
export const SANDBOX = Symbol.for("drill.sandbox");

export interface ClusterSpec {
  readonly region: string;
  readonly id: string;
}

export interface TableSpec {
  readonly name: string;
  /** Regions holding a replica: one for a regional table, two or more for a global table. */
  readonly regions: readonly string[];
  /** Key attribute names (hash, then range). @default ["pk"] */
  readonly keys?: readonly string[];
}

export interface ModelOptions {
  readonly account?: string;
  readonly globalClusterId: string;
  /** The first is the writer. */
  readonly clusters: readonly [ClusterSpec, ClusterSpec];
  /** Time a promotion takes. @default 45000 */
  readonly promotionDurationMs?: number;
  /** Time a planned switchover takes. @default promotionDurationMs */
  readonly switchoverDurationMs?: number;
  /** Start time of the model's own clock (ignored with `now`). @default 2025-01-01T00:00:00Z */
  readonly startMs?: number;
  /** Endpoint URL per region for the legacy `probe`. */
  readonly endpoints?: Readonly<Record<string, string>>;
  /** A virtual clock to read time from; without it the model keeps its own (`advance`). */
  readonly now?: () => number;
  /** The network; a fresh, healthy one by default. */
  readonly network?: NetworkModel;
  /**
   * Aurora replication lag while replication flows, ms. When set, `tick` publishes
   * AuroraGlobalDBReplicationLag datapoints; otherwise the lag is what `setLag` says.
   */
  readonly replicationLagMs?: number;
  /** DynamoDB global-table replication delay, ms. @default 1000 */
  readonly ddbReplicationDelayMs?: number;
  /** Time from starting an ECS task to it running (and healthy), ms. @default 0 */
  readonly taskStartMs?: number;
  /** Time for a rejoined old primary to resynchronize ("pending-resync" -> "connected"), ms. @default promotionDurationMs */
  readonly resyncDurationMs?: number;
  /** Tables to create (with their replicas); tables not declared are regional and created on first use. */
  readonly tables?: readonly TableSpec[];
  /**
   * How long a call to an unreachable endpoint takes to fail, ms, when the client set no request
   * timeout (a client's own `requestHandler.requestTimeout` wins). 0: at once (tests without a
   * virtual clock). @default 0
   */
  readonly unreachableTimeoutMs?: number;
  /**
   * Aurora PostgreSQL's rds.global_db_rpo, ms: the primary refuses commits while every connected
   * secondary lags behind it by more than this. null: not enforced. @default null
   */
  readonly globalDbRpoMs?: number | null;
  /** Period of the AuroraGlobalDBReplicationLag datapoints, ms. @default 60000 */
  readonly lagMetricPeriodMs?: number;
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
  /** Region of the code that called (the Lambda's region), when known. */
  readonly caller?: string;
  readonly target: string;
  readonly allowDataLoss: boolean;
  readonly atMs: number;
  /** The writer before the call. */
  readonly fromArn: string;
  /** Facts at the moment of the call, for the invariant "no forced promotion against a reachable synchronized primary". */
  readonly oldPrimary: {
    readonly region: string;
    /** The old primary's region and database were up and replication flowed. */
    readonly reachableAndSynchronizedInFact: boolean;
    /** From the calling region: the old primary's API endpoints answered and the member was reported connected. */
    readonly reachableAndSynchronizedFromCaller: boolean;
  };
}

export interface Datapoint {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly value: number;
  /** When the call was made (model time). */
  readonly atMs: number;
  /** The datapoint's own timestamp (PutMetricData Timestamp, or atMs). */
  readonly timestampMs: number;
}

export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

export interface ExecutionRecord {
  readonly arn: string;
  readonly name: string;
  readonly stateMachineArn: string;
  readonly input: string;
  status: ExecutionStatus;
  startMs?: number;
  stopMs?: number;
  output?: string;
  error?: string;
  cause?: string;
}

export interface FaultSpec {
  /** Operation name, e.g. "FailoverGlobalCluster", "RegisterScalableTarget". */
  readonly operation: string;
  /** Only calls to this region's endpoints. */
  readonly region?: string;
  /** Only calls made by code running in this region. */
  readonly callerRegion?: string;
  /** Only calls made by this function's code (drill instances: the bundle name). */
  readonly callerFunction?: string;
  readonly error: () => Error;
  /** How many calls fail. @default 1 */
  readonly times?: number;
  /**
   * "before": the call fails; "after": the operation takes effect, then the error is thrown (a lost response);
   * "drop": the call answers success and does nothing (a test double that removes a safeguard). @default "before"
   */
  readonly when?: "before" | "after" | "drop";
  /** Only calls whose input matches. */
  readonly match?: (input: unknown) => boolean;
  /** Names the fault so that `clearFault` can remove it (a fault healed by a scenario). */
  readonly id?: string;
}

export interface CallRecord {
  readonly operation: string;
  readonly region: string;
  readonly caller?: string;
  /** The function whose code made the call (drill instances), when known. */
  readonly function?: string;
  readonly input: unknown;
  readonly atMs: number;
  /** ok, or the error name the caller saw. */
  outcome?: string;
}

export interface WriteRecord {
  readonly id: string;
  readonly region: string;
  readonly clusterArn: string;
  readonly atMs: number;
  /** Set when a forced failover (or a rejoin after a split brain) discarded it. */
  lostAtMs?: number;
}

export interface FailoverOutcome {
  readonly operation: PromotionRecord["operation"];
  readonly fromArn: string;
  readonly toArn: string;
  readonly fromRegion: string;
  readonly toRegion: string;
  readonly allowDataLoss: boolean;
  readonly calledAtMs: number;
  readonly completedAtMs: number;
  /** The new writer holds every write of the old one committed at or before this time. */
  readonly cutoffMs: number;
  /** Writes of the old writer committed after the cutoff: lost. Grows if the old primary kept taking writes while partitioned. */
  readonly lost: WriteRecord[];
  /** Global-table writes made in the old region and not yet replicated to the new one when the promotion completed. */
  readonly ddbUnreplicated: readonly { readonly table: string; readonly key: string; readonly atMs: number }[];
}

interface ServiceState {
  readonly resourceId: string;
  min: number;
  max: number;
  desired: number;
  /** One entry per started task: when it is (or was) running. */
  tasks: number[];
  /** An application failure: tasks run but fail their health checks. */
  unhealthy: boolean;
}

interface RegionState {
  tables: Map<string, Map<string, Item>>;
  /** LWW version per table and key (global tables). */
  versions: Map<string, Map<string, { atMs: number; region: string }>>;
  services: Map<string, ServiceState>;
  metrics: Datapoint[];
  executions: Map<string, ExecutionRecord>;
  messages: { topicArn: string; subject?: string; message: string; atMs: number }[];
  endpointHealthy: boolean;
}

interface PendingReplication {
  readonly table: string;
  readonly key: string;
  readonly item: Item | null;
  readonly version: { atMs: number; region: string };
  readonly source: string;
  readonly destination: string;
  readonly dueMs: number;
}

/**
 * The Step Functions API, implemented by the drill's ASL runner (drill/asl).
 * Every method receives the region whose endpoint was called.
 */
export interface StepFunctionsBackend {
  startExecution(region: string, input: { stateMachineArn: string; name?: string; input?: string }): { executionArn: string; startDate: Date };
  describeExecution(region: string, executionArn: string): Record<string, unknown>;
  listExecutions(region: string, input: { stateMachineArn: string; statusFilter?: string; maxResults?: number }): Record<string, unknown>;
  stopExecution(region: string, input: { executionArn: string; error?: string; cause?: string }): Record<string, unknown>;
  sendTaskSuccess(region: string, input: { taskToken: string; output: string }): Record<string, unknown>;
  sendTaskFailure(region: string, input: { taskToken: string; error?: string; cause?: string }): Record<string, unknown>;
  sendTaskHeartbeat(region: string, input: { taskToken: string }): Record<string, unknown>;
  getExecutionHistory(region: string, input: { executionArn: string; reverseOrder?: boolean; maxResults?: number }): Record<string, unknown>;
}

/** An addition to the model in a file of its own (drill/model/s3.ts, ddb-index.ts): installed and restored with the model's routers. */
export interface ModelExtension {
  install(model: AwsModel): void;
  restore(): void;
}

/** The SDK client classes the model answers for, by the name an extension asks `router()` for. */
const MODELLED_CLIENTS = {
  rds: RDSClient,
  cloudwatch: CloudWatchClient,
  dynamodb: DynamoDBClient,
  autoscaling: ApplicationAutoScalingClient,
  ecs: ECSClient,
  elbv2: ElasticLoadBalancingV2Client,
  sfn: SFNClient,
  sns: SNSClient,
} as const;

export type ModelledClient = keyof typeof MODELLED_CLIENTS;


type ClientLike = { config: { region?: unknown }; [CALLER_REGION]?: string; [REQUEST_TIMEOUT]?: number; [CALLER_FUNCTION]?: string; [SANDBOX]?: { alive: boolean } };

/** Whether the client belongs to a dead sandbox (it timed out, or its region went down); checked again after every wait. */
const frozen = (client: ClientLike): boolean => client[SANDBOX]?.alive === false;

async function regionOf(client: ClientLike): Promise<{ region: string; caller?: string; timeoutMs?: number; fn?: string }> {
  const region = client.config.region;
  const value = typeof region === "function" ? await (region as () => Promise<string>)() : region;
  return {
    region: String(value),
    caller: client[CALLER_REGION],
    ...(client[REQUEST_TIMEOUT] !== undefined ? { timeoutMs: client[REQUEST_TIMEOUT] } : {}),
    ...(client[CALLER_FUNCTION] !== undefined ? { fn: client[CALLER_FUNCTION] } : {}),
  };
}

const EPOCH_2025 = Date.UTC(2025, 0, 1);
export const LAG_METRIC = "AuroraGlobalDBReplicationLag";

export class AwsModel {
  readonly account: string;
  readonly globalClusterId: string;
  readonly promotionDurationMs: number;
  readonly switchoverDurationMs: number;
  readonly resyncDurationMs: number;
  readonly network: NetworkModel;
  readonly elb: ElbModel;
  globalStatus = "available";
  members: MemberState[];
  failover: {
    fromArn: string;
    toArn: string;
    allowDataLoss: boolean;
    completesAtMs: number;
    calledAtMs: number;
    operation: PromotionRecord["operation"];
  } | null = null;
  /** Latest AuroraGlobalDBReplicationLag / RPOLag per cluster id, ms; null = no datapoint (legacy, without `replicationLagMs`). */
  readonly lag = new Map<string, { replicationLagMs: number | null; rpoLagMs: number | null }>();
  readonly promotions: PromotionRecord[] = [];
  readonly calls: CallRecord[] = [];
  readonly endpoints: Record<string, string>;
  readonly writes: WriteRecord[] = [];
  readonly failovers: FailoverOutcome[] = [];
  /** Regions whose database is down (a database-only failure): cluster inaccessible, no writes, no replication. */
  readonly databasesDown = new Set<string>();
  /** Called after every API call (the drill checks its invariants there). */
  readonly callListeners: ((call: CallRecord) => void)[] = [];
  sfnBackend: StepFunctionsBackend | null = null;
  replicationLagMs: number | null;
  readonly ddbReplicationDelayMs: number;
  readonly taskStartMs: number;
  readonly unreachableTimeoutMs: number;
  readonly globalDbRpoMs: number | null;
  readonly lagMetricPeriodMs: number;
  /** Global-table writes the traffic made (the transaction path's txmeta items), for data-loss accounting. */
  readonly ddbWrites: { readonly table: string; readonly key: string; readonly region: string; readonly atMs: number }[] = [];
  private ownNowMs: number;
  private readonly timeSource: (() => number) | undefined;
  private readonly regions = new Map<string, RegionState>();
  private readonly tableSpecs = new Map<string, TableSpec>();
  private pending: PendingReplication[] = [];
  /** Regions whose cluster still believes it is the writer although the writer moved (a partitioned old primary). */
  private readonly staleWriters = new Set<string>();
  /** Per secondary cluster arn: the old writer's writes committed at or before this time have been replicated. */
  private readonly replicatedUpTo = new Map<string, number>();
  private resyncCompletes = new Map<string, number>();
  private lastLagMinute = new Map<string, number>();
  private lastTickMs: number | null = null;
  private faults: (FaultSpec & { remaining: number })[] = [];
  private routers: Record<ModelledClient, CommandRouter> | null = null;
  /** Additions installed with the mocks (ModelExtension). */
  readonly extensions: ModelExtension[] = [];
  /** A DynamoDB replication held back although the regions can reach each other (a backlog that has not drained); null: none. */
  replicationHold: ((p: { readonly table: string; readonly source: string; readonly destination: string }) => boolean) | null = null;
  private writeSeq = 0;

  constructor(options: ModelOptions) {
    this.account = options.account ?? "111122223333";
    this.globalClusterId = options.globalClusterId;
    this.promotionDurationMs = options.promotionDurationMs ?? 45_000;
    this.resyncDurationMs = options.resyncDurationMs ?? this.promotionDurationMs;
    this.switchoverDurationMs = options.switchoverDurationMs ?? this.promotionDurationMs;
    this.timeSource = options.now;
    this.ownNowMs = options.startMs ?? EPOCH_2025;
    this.network = options.network ?? new NetworkModel(() => this.nowMs);
    this.elb = new ElbModel(this);
    this.replicationLagMs = options.replicationLagMs ?? null;
    this.ddbReplicationDelayMs = options.ddbReplicationDelayMs ?? 1_000;
    this.taskStartMs = options.taskStartMs ?? 0;
    this.unreachableTimeoutMs = options.unreachableTimeoutMs ?? 0;
    this.globalDbRpoMs = options.globalDbRpoMs ?? null;
    this.lagMetricPeriodMs = options.lagMetricPeriodMs ?? 60_000;
    this.members = options.clusters.map((c, i) => ({
      arn: this.clusterArn(c.region, c.id),
      region: c.region,
      id: c.id,
      isWriter: i === 0,
      synchronizationStatus: "connected",
    }));
    for (const c of options.clusters) {
      this.region(c.region);
      if (this.replicationLagMs === null) this.lag.set(c.id, { replicationLagMs: c === options.clusters[0] ? null : 120, rpoLagMs: null });
    }
    for (const m of this.members) if (!m.isWriter) this.replicatedUpTo.set(m.arn, this.nowMs);
    for (const t of options.tables ?? []) this.defineTable(t);
    this.endpoints = { ...(options.endpoints ?? {}) };
  }

  // ---------------------------------------------------------------- time
  get nowMs(): number {
    return this.timeSource ? this.timeSource() : this.ownNowMs;
  }
  readonly clock = (): number => this.nowMs;
  readonly sleep = async (ms: number): Promise<void> => {
    this.advance(ms);
  };
  advance(ms: number): void {
    if (this.timeSource) throw new Error("AwsModel: time comes from the virtual clock; advance the clock instead");
    this.ownNowMs += ms;
  }

  // ---------------------------------------------------------------- set-up
  clusterArn(region: string, id: string): string {
    return `arn:aws:rds:${region}:${this.account}:cluster:${id}`;
  }

  region(name: string): RegionState {
    let state = this.regions.get(name);
    if (!state) {
      state = { tables: new Map(), versions: new Map(), services: new Map(), metrics: [], executions: new Map(), messages: [], endpointHealthy: true };
      this.regions.set(name, state);
    }
    return state;
  }

  regionNames(): string[] {
    return [...this.regions.keys()].sort();
  }

  defineTable(spec: TableSpec): void {
    this.tableSpecs.set(spec.name, spec);
    for (const r of spec.regions) this.table(r, spec.name);
  }

  isGlobalTable(name: string): boolean {
    return (this.tableSpecs.get(name)?.regions.length ?? 1) > 1;
  }

  /** A region outage: its APIs time out, its endpoint and load balancer fail. */
  setRegionDown(region: string, down = true): void {
    this.network.setRegionDown(region, down);
    this.region(region).endpointHealthy = !down;
  }

  setEndpointHealthy(region: string, healthy: boolean): void {
    this.region(region).endpointHealthy = healthy;
  }

  /** A database-only failure of `region`'s cluster (the region and its other services stay up). */
  setDatabaseDown(region: string, down = true): void {
    if (down) this.databasesDown.add(region);
    else this.databasesDown.delete(region);
  }

  /** Registers (or replaces) an ECS service with its scalable target; its tasks are running at once. */
  setScalableTarget(region: string, resourceId: string, min: number, max: number): void {
    const existing = this.region(region).services.get(resourceId);
    if (existing) {
      existing.min = min;
      existing.max = max;
      existing.desired = clamp(Math.max(min, existing.desired), min, max);
      return;
    }
    const desired = clamp(min, min, max);
    this.region(region).services.set(resourceId, { resourceId, min, max, desired, tasks: Array.from({ length: desired }, () => this.nowMs), unhealthy: false });
  }

  /** An application failure of a service (tasks run, health checks fail). */
  setServiceUnhealthy(region: string, resourceId: string, unhealthy = true): void {
    const service = this.region(region).services.get(resourceId);
    if (!service) throw new Error(`no service ${resourceId} in ${region}`);
    service.unhealthy = unhealthy;
  }

  setLag(clusterId: string, replicationLagMs: number | null, rpoLagMs: number | null = null): void {
    this.lag.set(clusterId, { replicationLagMs, rpoLagMs });
  }

  fail(spec: FaultSpec): void {
    this.faults.push({ ...spec, remaining: spec.times ?? 1 });
  }

  /** Removes the faults named `id` (see FaultSpec.id). */
  clearFault(id: string): void {
    this.faults = this.faults.filter((f) => f.id !== id);
  }

  /** Drops every fault not yet used up. */
  clearFaults(): void {
    this.faults = [];
  }

  // ---------------------------------------------------------------- views
  /** The true writer (what the storage layer of the global database says). */
  writer(): MemberState | undefined {
    this.settle();
    return this.members.find((m) => m.isWriter);
  }

  /**
   * Regions whose cluster accepts writes now, as the database sees it: the true
   * writer (unless its database or region is down, or a promotion is under way)
   * and any partitioned old primary that still believes it is the writer.
   */
  writersAsDatabasesSee(): string[] {
    this.settle();
    const out: string[] = [];
    for (const m of this.members) {
      const believes = m.isWriter || this.staleWriters.has(m.region);
      if (believes && this.acceptsWrites(m.region)) out.push(m.region);
    }
    return out;
  }

  /** Does `region`'s cluster take a write now? */
  acceptsWrites(region: string): boolean {
    this.settle();
    const member = this.members.find((m) => m.region === region);
    if (!member || !this.network.isRegionUp(region) || this.databasesDown.has(region)) return false;
    if (this.rpoBlocked(member)) return false;
    if (this.staleWriters.has(region)) return true;
    if (!member.isWriter) return false;
    return this.failover === null;
  }

  /**
   * rds.global_db_rpo: the primary blocks commits while every secondary that is attached and
   * synchronized (connected, its region and its database up) lags behind by more than the bound. A secondary
   * that is detached or unavailable (its region lost, its database inaccessible, or resynchronizing after a
   * forced failover) does not count: a simplification (AWS does not document that case).
   */
  private rpoBlocked(writer: MemberState): boolean {
    if (this.globalDbRpoMs === null || !this.ticking) return false;
    const secondaries = this.members.filter((m) => m.arn !== writer.arn && m.synchronizationStatus === "connected" && this.network.isRegionUp(m.region) && !this.databasesDown.has(m.region) && !this.staleWriters.has(m.region));
    if (this.staleWriters.has(writer.region)) {
      // A partitioned old primary: its former secondary (now the writer) receives nothing from it.
      return true;
    }
    if (secondaries.length === 0) return false;
    return secondaries.every((m) => this.nowMs - (this.replicatedUpTo.get(m.arn) ?? this.nowMs) > (this.globalDbRpoMs as number));
  }

  /**
   * Commits a write in `region`'s cluster if it accepts writes (see acceptsWrites);
   * returns the record, or null when refused.
   */
  commitWrite(region: string, id = `w${++this.writeSeq}`): WriteRecord | null {
    if (!this.acceptsWrites(region)) return null;
    const member = this.members.find((m) => m.region === region) as MemberState;
    const record: WriteRecord = { id, region, clusterArn: member.arn, atMs: this.nowMs };
    this.writes.push(record);
    // A split-brain write on a stale old primary is lost from the start: the global database discards it when the region rejoins.
    if (this.staleWriters.has(region)) {
      const outcome = [...this.failovers].reverse().find((f) => f.fromRegion === region);
      record.lostAtMs = this.nowMs;
      outcome?.lost.push(record);
    }
    return record;
  }

  item(region: string, table: string, key: string): Item | undefined {
    return this.region(region).tables.get(table)?.get(key);
  }

  items(region: string, table: string): Map<string, Item> {
    return this.region(region).tables.get(table) ?? new Map();
  }

  putItem(region: string, table: string, item: Item): void {
    const key = this.keyOf(table, item);
    this.table(region, table).set(key, item);
    this.replicateWrite(region, table, key, item);
  }

  /** A client's write to a global table (the transaction path's metadata), kept for data-loss accounting. */
  clientPutItem(region: string, table: string, item: Item): void {
    this.putItem(region, table, item);
    this.ddbWrites.push({ table, key: this.keyOf(table, item), region, atMs: this.nowMs });
  }

  scalableTarget(region: string, resourceId: string): { min: number; max: number } | undefined {
    const s = this.region(region).services.get(resourceId);
    return s ? { min: s.min, max: s.max } : undefined;
  }

  /** Desired, running (healthy-capable) and pending task counts of a service. */
  service(region: string, resourceId: string): { desired: number; running: number; pending: number; healthy: boolean } | undefined {
    const s = this.region(region).services.get(resourceId);
    if (!s) return undefined;
    const now = this.nowMs;
    const running = s.tasks.filter((t) => t <= now).length;
    return { desired: s.desired, running, pending: s.tasks.length - running, healthy: !s.unhealthy && running > 0 };
  }

  serviceIds(region: string): string[] {
    return [...this.region(region).services.keys()];
  }

  /** Is `region`'s service (any, or `resourceId`) running healthy tasks? */
  serviceHealthy(region: string, resourceId?: string): boolean {
    if (!this.network.isRegionUp(region)) return false;
    const ids = resourceId ? [resourceId] : this.serviceIds(region);
    return ids.some((id) => this.service(region, id)?.healthy === true);
  }

  /** Last value of a metric with these dimensions published in `region`. */
  lastMetric(region: string, namespace: string, metricName: string, dimensions: Readonly<Record<string, string>>): number | undefined {
    const matches = this.region(region).metrics.filter(
      (d) => d.namespace === namespace && d.metricName === metricName && sameDimensions(d.dimensions, dimensions),
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

  /** The probe the code under test receives (legacy tests): healthy when the endpoint's region is up and healthy. */
  readonly probe = async (url: string): Promise<{ ok: boolean; status?: number; latencyMs: number; error?: string }> => {
    const region = Object.entries(this.endpoints).find(([, u]) => u === url)?.[0];
    if (!region) return { ok: false, latencyMs: 1, error: `unknown endpoint ${url}` };
    const state = this.region(region);
    if (!this.network.isRegionUp(region)) return { ok: false, latencyMs: 5_000, error: "timeout" };
    return state.endpointHealthy ? { ok: true, status: 200, latencyMs: 20 } : { ok: false, status: 503, latencyMs: 20 };
  };

  /** What a request to `region`'s load balancer gets (see elbv2.ts); `from` is the caller's region, undefined for the internet. */
  httpRequest(from: string | undefined, region: string, method: string, path: string): HttpAnswer {
    if (!this.network.canReachPublicEndpoint(from, region)) return { kind: "unreachable" };
    if (!this.elb.has(region)) {
      return this.region(region).endpointHealthy ? { kind: "answered", status: 200, body: "ok", servedBy: "app" } : { kind: "answered", status: 503, body: "", servedBy: "none" };
    }
    return this.elb.answer(region, method, path);
  }

  // ---------------------------------------------------------------- periodic behaviour
  /**
   * Moves the model to the current time: completes promotions, reconnects
   * partitioned old primaries, replicates (Aurora watermark, DynamoDB queue),
   * publishes the lag metric each minute, starts and stops tasks.
   */
  tick(): void {
    const now = this.nowMs;
    this.settle();
    this.replicateAurora();
    this.deliverDynamoDb();
    this.publishLag();
    this.reconcileTasks();
    this.lastTickMs = now;
  }

  /** Has the drill ever ticked (periodic behaviour on)? */
  get ticking(): boolean {
    return this.lastTickMs !== null;
  }

  private replicationConnected(secondary: MemberState): boolean {
    const writer = this.members.find((m) => m.isWriter);
    if (!writer || writer === secondary || this.staleWriters.has(secondary.region)) return false;
    if (this.databasesDown.has(writer.region) || this.databasesDown.has(secondary.region)) return false;
    return this.network.replicationOpen(writer.region, secondary.region) && secondary.synchronizationStatus === "connected";
  }

  private replicateAurora(): void {
    const lag = this.replicationLagMs ?? 0;
    for (const m of this.members) {
      if (m.isWriter || !this.replicationConnected(m)) continue;
      // Once a forced failover to this cluster is requested, it takes nothing more from the old primary.
      if (this.failover?.allowDataLoss && this.failover.toArn === m.arn) continue;
      const upTo = Math.max(this.replicatedUpTo.get(m.arn) ?? 0, this.nowMs - lag);
      this.replicatedUpTo.set(m.arn, upTo);
    }
  }

  private publishLag(): void {
    if (this.replicationLagMs === null) return;
    const minute = Math.floor(this.nowMs / this.lagMetricPeriodMs) * this.lagMetricPeriodMs;
    for (const m of this.members) {
      if (m.isWriter || this.lastLagMinute.get(m.arn) === minute) continue;
      this.lastLagMinute.set(m.arn, minute);
      if (!this.replicationConnected(m)) continue; // no datapoint while the primary is unreachable or unavailable
      const writer = this.members.find((w) => w.isWriter) as MemberState;
      this.region(m.region).metrics.push({
        namespace: "AWS/RDS",
        metricName: LAG_METRIC,
        dimensions: { DBClusterIdentifier: m.id, SourceRegion: writer.region },
        // The lag the secondary actually has: how far its watermark is behind now (the configured lag while it flows).
        value: Math.max(this.replicationLagMs, this.nowMs - (this.replicatedUpTo.get(m.arn) ?? this.nowMs)),
        atMs: this.nowMs,
        timestampMs: minute,
      });
    }
  }

  private reconcileTasks(): void {
    const now = this.nowMs;
    for (const [name, state] of this.regions) {
      if (!this.network.isRegionUp(name)) continue;
      for (const s of state.services.values()) {
        s.desired = clamp(Math.max(s.min, s.desired), s.min, s.max);
        if (s.tasks.length < s.desired) {
          while (s.tasks.length < s.desired) s.tasks.push(now + this.taskStartMs);
        } else if (s.tasks.length > s.desired) {
          s.tasks.sort((a, b) => b - a); // stop the youngest first
          s.tasks = s.tasks.slice(s.tasks.length - s.desired);
        }
      }
    }
  }

  // ---------------------------------------------------------------- mocks
  /** Answers every command of the modelled clients from now on; call `restore()` after the test. */
  install(): void {
    if (this.routers) throw new Error("AwsModel: already installed; restore() it first");
    const notModelled = (input: unknown) => {
      throw new Error(`AwsModel: command not modelled (input ${JSON.stringify(input)})`);
    };
    const installed: [string, CommandRouter][] = [];
    try {
      for (const [name, client] of Object.entries(MODELLED_CLIENTS)) installed.push([name, CommandRouter.install(client, notModelled)]);
    } catch (error) {
      // One class already routed (a model not restored): leave none of this model's routers behind.
      for (const [, router] of installed) router.restore();
      throw error;
    }
    const routers = Object.fromEntries(installed) as Record<ModelledClient, CommandRouter>;
    const on = <I, O>(router: CommandRouter, command: CommandClass, operation: string, fn: (input: I, region: string, caller: string | undefined) => O) => {
      router.on(command, async (input: I, getClient: () => unknown) => {
        const client = getClient() as ClientLike;
        // Code of a dead sandbox (timed out, or its region went down) is frozen: its calls never complete.
        if (frozen(client)) return new Promise<never>(() => undefined);
        const { region, caller, timeoutMs, fn: callerFunction } = await regionOf(client);
        // An unreachable endpoint answers nothing: the caller waits for its request timeout (or the model's default).
        const waitMs = timeoutMs ?? this.unreachableTimeoutMs;
        if (waitMs > 0 && !this.network.canCallApi(caller, region)) await new Promise((resolve) => setTimeout(resolve, waitMs));
        if (frozen(client)) return new Promise<never>(() => undefined);
        return this.dispatch(operation, region, caller, input, fn, callerFunction);
      });
    };
    const rds = routers.rds;
    on(rds, DescribeGlobalClustersCommand, "DescribeGlobalClusters", (input: { GlobalClusterIdentifier?: string }, region) => this.describeGlobalClusters(input, region));
    on(rds, DescribeDBClustersCommand, "DescribeDBClusters", (input: { DBClusterIdentifier?: string }, region) => this.describeDbClusters(input, region));
    on(rds, FailoverGlobalClusterCommand, "FailoverGlobalCluster", (input: PromoteInput, region, caller) => this.promote("FailoverGlobalCluster", input, region, caller));
    on(rds, SwitchoverGlobalClusterCommand, "SwitchoverGlobalCluster", (input: PromoteInput, region, caller) => this.promote("SwitchoverGlobalCluster", input, region, caller));
    const cw = routers.cloudwatch;
    on(cw, GetMetricDataCommand, "GetMetricData", (input: GetMetricDataInputLike, region) => this.getMetricData(input, region));
    on(cw, PutMetricDataCommand, "PutMetricData", (input: PutMetricDataInputLike, region) => this.putMetricData(input, region));
    const ddb = routers.dynamodb;
    on(ddb, GetItemCommand, "GetItem", (input: KeyInput, region) => ({ Item: this.table(region, input.TableName).get(this.keyOf(input.TableName, input.Key)) }));
    on(ddb, PutItemCommand, "PutItem", (input: PutInput, region) => this.ddbPut(input, region));
    on(ddb, UpdateItemCommand, "UpdateItem", (input: UpdateInput, region) => this.ddbUpdate(input, region));
    on(ddb, DeleteItemCommand, "DeleteItem", (input: DeleteInput, region) => this.ddbDelete(input, region));
    on(ddb, QueryCommand, "Query", (input: QueryInput, region) => this.ddbQuery(input, region));
    on(ddb, ScanCommand, "Scan", (input: QueryInput, region) => this.ddbScan(input, region));
    const aas = routers.autoscaling;
    on(aas, DescribeScalableTargetsCommand, "DescribeScalableTargets", (input: { ResourceIds?: string[] }, region) => ({
      ScalableTargets: [...this.region(region).services.values()]
        .filter((s) => input.ResourceIds === undefined || input.ResourceIds.includes(s.resourceId))
        .map((s) => ({ ServiceNamespace: "ecs", ResourceId: s.resourceId, ScalableDimension: "ecs:service:DesiredCount", MinCapacity: s.min, MaxCapacity: s.max })),
    }));
    on(aas, RegisterScalableTargetCommand, "RegisterScalableTarget", (input: { ResourceId: string; MinCapacity?: number; MaxCapacity?: number }, region) => {
      const current = this.region(region).services.get(input.ResourceId);
      const min = input.MinCapacity ?? current?.min;
      const max = input.MaxCapacity ?? current?.max;
      if (min === undefined || max === undefined) throw awsError("ValidationException", "MinCapacity and MaxCapacity are required for a new target");
      if (min > max) throw awsError("ValidationException", "MinCapacity must be <= MaxCapacity");
      this.setScalableTarget(region, input.ResourceId, min, max);
      if (!this.ticking) this.reconcileNow(region, input.ResourceId);
      return {};
    });
    const ecs = routers.ecs;
    on(ecs, DescribeServicesCommand, "DescribeServices", (input: { cluster?: string; services: string[] }, region) => this.describeServices(input, region));
    on(ecs, UpdateServiceCommand, "UpdateService", (input: { cluster?: string; service: string; desiredCount?: number }, region) => this.updateService(input, region));
    const elb = routers.elbv2;
    on(elb, DescribeLoadBalancersCommand, "DescribeLoadBalancers", (input: { Names?: string[]; LoadBalancerArns?: string[] }, region) => this.elb.describeLoadBalancers(region, input));
    on(elb, DescribeListenersCommand, "DescribeListeners", (input: { LoadBalancerArn?: string; ListenerArns?: string[] }, region) => this.elb.describeListeners(region, input));
    on(elb, DescribeRulesCommand, "DescribeRules", (input: { ListenerArn?: string; RuleArns?: string[] }, region) => this.elb.describeRules(region, input));
    on(elb, ModifyRuleCommand, "ModifyRule", (input: { RuleArn: string; Conditions?: unknown[]; Actions?: unknown[] }, region) => this.elb.modifyRule(region, input));
    on(elb, DescribeTargetGroupsCommand, "DescribeTargetGroups", (input: { Names?: string[]; TargetGroupArns?: string[] }, region) => this.elb.describeTargetGroups(region, input));
    on(elb, DescribeTargetHealthCommand, "DescribeTargetHealth", (input: { TargetGroupArn: string }, region) => this.elb.describeTargetHealth(region, input));
    const sfn = routers.sfn;
    on(sfn, StartExecutionCommand, "StartExecution", (input: { stateMachineArn: string; name?: string; input?: string }, region) =>
      this.sfnBackend ? this.sfnBackend.startExecution(region, input) : this.startExecution(input, region),
    );
    const backend = (operation: string): StepFunctionsBackend => {
      if (!this.sfnBackend) throw new Error(`AwsModel: ${operation} needs a Step Functions backend (drill/asl)`);
      return this.sfnBackend;
    };
    on(sfn, DescribeExecutionCommand, "DescribeExecution", (input: { executionArn: string }, region) => backend("DescribeExecution").describeExecution(region, input.executionArn));
    on(sfn, ListExecutionsCommand, "ListExecutions", (input: { stateMachineArn: string; statusFilter?: string }, region) => backend("ListExecutions").listExecutions(region, input));
    on(sfn, StopExecutionCommand, "StopExecution", (input: { executionArn: string }, region) => backend("StopExecution").stopExecution(region, input));
    on(sfn, SendTaskSuccessCommand, "SendTaskSuccess", (input: { taskToken: string; output: string }, region) => backend("SendTaskSuccess").sendTaskSuccess(region, input));
    on(sfn, SendTaskFailureCommand, "SendTaskFailure", (input: { taskToken: string }, region) => backend("SendTaskFailure").sendTaskFailure(region, input));
    on(sfn, SendTaskHeartbeatCommand, "SendTaskHeartbeat", (input: { taskToken: string }, region) => backend("SendTaskHeartbeat").sendTaskHeartbeat(region, input));
    on(sfn, GetExecutionHistoryCommand, "GetExecutionHistory", (input: { executionArn: string }, region) => backend("GetExecutionHistory").getExecutionHistory(region, input));
    const sns = routers.sns;
    on(sns, PublishCommand, "Publish", (input: { TopicArn: string; Subject?: string; Message: string }, region) => {
      this.region(region).messages.push({ topicArn: input.TopicArn, subject: input.Subject, message: input.Message, atMs: this.nowMs });
      return { MessageId: `msg-${this.region(region).messages.length}` };
    });
    this.routers = routers;
    for (const extension of this.extensions) extension.install(this);
  }

  /** The router of one mocked client, for an extension's commands (drill/model/ddb-index.ts); installed by `install()`. */
  router(client: ModelledClient): CommandRouter {
    if (!this.routers) throw new Error("AwsModel: install() the mocks before routing commands");
    return this.routers[client];
  }

  restore(): void {
    if (!this.routers) return;
    for (const extension of this.extensions) extension.restore();
    for (const router of Object.values(this.routers)) router.restore();
    this.routers = null;
  }

  /** Number of calls of `operation` (optionally to one region). */
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
          if (key.startsWith("audit#")) items[key] = { outcome: item.outcome?.S ?? null, notified: [...this.items(name, table).keys()].some((k) => k.startsWith(`notice#${key.slice("audit#".length)}#`)) };
        }
      }
      perRegion[name] = {
        scalableTargets: Object.fromEntries(
          [...state.services.values()].map((s) => [s.resourceId, { min: s.min, max: s.max }] as const).sort(([a], [b]) => a.localeCompare(b)),
        ),
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
  private dispatch<I, O>(operation: string, region: string, caller: string | undefined, input: I, fn: (input: I, region: string, caller: string | undefined) => O, callerFunction?: string): O {
    const call: CallRecord = { operation, region, caller, ...(callerFunction ? { function: callerFunction } : {}), input, atMs: this.nowMs };
    this.calls.push(call);
    try {
      if (!this.network.canCallApi(caller, region)) throw unreachable(region);
      const fault = this.faults.find(
        (f) =>
          (f.operation === operation || f.operation === "*") &&
          (f.region === undefined || f.region === region) &&
          (f.callerRegion === undefined || f.callerRegion === caller) &&
          (f.callerFunction === undefined || f.callerFunction === callerFunction) &&
          (f.match === undefined || f.match(input)) &&
          f.remaining > 0,
      );
      if (fault && fault.when === "drop") {
        fault.remaining--;
        call.outcome = "dropped";
        return {} as O;
      }
      if (fault && (fault.when ?? "before") === "before") {
        fault.remaining--;
        throw fault.error();
      }
      const result = fn(input, region, caller);
      if (fault) {
        fault.remaining--;
        throw fault.error();
      }
      call.outcome = "ok";
      return result;
    } catch (error) {
      call.outcome = (error as Error).name;
      throw error;
    } finally {
      for (const listener of this.callListeners) listener(call);
    }
  }

  /** Completes a promotion whose time has come; reconnects partitioned old primaries; finishes resynchronizations. */
  private settle(): void {
    const now = this.nowMs;
    if (this.failover && now >= this.failover.completesAtMs) this.completePromotion();
    for (const region of [...this.staleWriters]) {
      const writer = this.members.find((m) => m.isWriter);
      if (writer && this.network.isRegionUp(region) && this.network.replicationOpen(writer.region, region)) this.rejoin(region);
    }
    for (const [arn, at] of [...this.resyncCompletes]) {
      if (now < at) continue;
      const member = this.members.find((m) => m.arn === arn);
      const writer = this.members.find((m) => m.isWriter);
      if (member && writer && this.network.replicationOpen(writer.region, member.region)) {
        member.synchronizationStatus = "connected";
        this.replicatedUpTo.set(member.arn, now - (this.replicationLagMs ?? 0));
        this.resyncCompletes.delete(arn);
      }
    }
  }

  private completePromotion(): void {
    const f = this.failover;
    if (!f) return;
    const from = this.members.find((m) => m.arn === f.fromArn) as MemberState;
    const to = this.members.find((m) => m.arn === f.toArn) as MemberState;
    const cutoffMs = f.allowDataLoss ? (this.replicatedUpTo.get(to.arn) ?? f.calledAtMs) : f.completesAtMs;
    const lost = f.allowDataLoss ? this.writes.filter((w) => w.clusterArn === from.arn && w.atMs > cutoffMs && w.lostAtMs === undefined) : [];
    for (const w of lost) w.lostAtMs = f.completesAtMs;
    const ddbUnreplicated = f.allowDataLoss
      ? this.pending.filter((p) => p.source === from.region && p.destination === to.region && p.item !== null).map((p) => ({ table: p.table, key: p.key, atMs: p.version.atMs }))
      : [];
    for (const m of this.members) m.isWriter = m.arn === to.arn;
    this.failovers.push({
      operation: f.operation,
      fromArn: from.arn,
      toArn: to.arn,
      fromRegion: from.region,
      toRegion: to.region,
      allowDataLoss: f.allowDataLoss,
      calledAtMs: f.calledAtMs,
      completedAtMs: f.completesAtMs,
      cutoffMs,
      lost,
      ddbUnreplicated,
    });
    this.replicatedUpTo.delete(to.arn);
    if (f.allowDataLoss) {
      // The old primary: if it cannot hear of the promotion it still believes it is the writer (split brain);
      // otherwise it rejoins as a secondary that must resynchronize.
      if (this.network.isRegionUp(from.region) && !this.network.replicationOpen(to.region, from.region)) this.staleWriters.add(from.region);
      else if (!this.network.isRegionUp(from.region)) this.staleWriters.add(from.region);
      else this.rejoin(from.region);
    } else {
      from.synchronizationStatus = "connected";
      this.replicatedUpTo.set(from.arn, f.completesAtMs);
    }
    this.failover = null;
    this.globalStatus = "available";
    if (!this.ticking && this.replicationLagMs === null) {
      // Legacy (no periodic behaviour): the old primary is immediately a secondary needing resynchronization.
      this.staleWriters.delete(from.region);
      if (f.allowDataLoss) from.synchronizationStatus = "pending-resync";
    }
  }

  private rejoin(region: string): void {
    this.staleWriters.delete(region);
    const member = this.members.find((m) => m.region === region);
    if (!member) return;
    member.isWriter = false;
    member.synchronizationStatus = "pending-resync";
    this.resyncCompletes.set(member.arn, this.nowMs + this.resyncDurationMs);
  }

  private viewFrom(region: string): MemberState[] {
    if (!this.staleWriters.has(region)) return this.members;
    // A partitioned old primary's view: itself the writer, the others secondaries as they were.
    return this.members.map((m) => ({ ...m, isWriter: m.region === region, synchronizationStatus: m.region === region ? m.synchronizationStatus : "connected" }));
  }

  private describeGlobalClusters(input: { GlobalClusterIdentifier?: string }, region?: string) {
    this.settle();
    if (input.GlobalClusterIdentifier && input.GlobalClusterIdentifier !== this.globalClusterId) {
      throw awsError("GlobalClusterNotFoundFault", `GlobalCluster ${input.GlobalClusterIdentifier} not found`, "client", 404);
    }
    const stale = region !== undefined && this.staleWriters.has(region);
    const members = region === undefined ? this.members : this.viewFrom(region);
    return {
      GlobalClusters: [
        {
          GlobalClusterIdentifier: this.globalClusterId,
          Status: stale ? "available" : this.globalStatus,
          GlobalClusterMembers: members.map((m) => ({ DBClusterArn: m.arn, IsWriter: m.isWriter, SynchronizationStatus: m.synchronizationStatus })),
          ...(this.failover && !stale
            ? { FailoverState: { Status: "failing-over", FromDbClusterArn: this.failover.fromArn, ToDbClusterArn: this.failover.toArn, IsDataLossAllowed: this.failover.allowDataLoss } }
            : {}),
        },
      ],
    };
  }

  /** Status of `region`'s cluster as RDS reports it. */
  clusterStatus(region: string): string {
    this.settle();
    if (this.databasesDown.has(region)) return "inaccessible";
    if (this.failover && this.members.find((m) => m.arn === this.failover?.toArn)?.region === region) return "failing-over";
    return "available";
  }

  private describeDbClusters(input: { DBClusterIdentifier?: string }, region: string) {
    this.settle();
    const member = this.members.find((m) => m.region === region && (m.id === input.DBClusterIdentifier || m.arn === input.DBClusterIdentifier));
    if (!member) throw awsError("DBClusterNotFoundFault", `DBCluster ${input.DBClusterIdentifier} not found in ${region}`, "client", 404);
    return {
      DBClusters: [{ DBClusterIdentifier: member.id, DBClusterArn: member.arn, Status: this.clusterStatus(region), GlobalClusterIdentifier: this.globalClusterId }],
    };
  }

  private promote(operation: PromotionRecord["operation"], input: PromoteInput, region: string, caller: string | undefined) {
    this.settle();
    if (input.GlobalClusterIdentifier !== this.globalClusterId) throw awsError("GlobalClusterNotFoundFault");
    const view = this.viewFrom(region);
    if (this.staleWriters.has(region)) throw awsError("InvalidGlobalClusterStateFault", `${region} is not connected to the global cluster`);
    if (this.failover) throw awsError("InvalidGlobalClusterStateFault", `Global cluster ${this.globalClusterId} is already failing over`);
    const target = view.find((m) => m.arn === input.TargetDbClusterIdentifier || m.id === input.TargetDbClusterIdentifier);
    if (!target) throw awsError("DBClusterNotFoundFault", `${input.TargetDbClusterIdentifier} is not a member`);
    if (target.isWriter) throw awsError("InvalidGlobalClusterStateFault", `${target.arn} is already the primary cluster`);
    const writer = this.members.find((m) => m.isWriter);
    if (!writer) throw awsError("InvalidGlobalClusterStateFault", "no primary cluster");
    const allowDataLoss = operation === "FailoverGlobalCluster" && input.AllowDataLoss === true;
    const switchover = operation === "SwitchoverGlobalCluster" || (operation === "FailoverGlobalCluster" && input.Switchover === true);
    if (switchover) {
      const targetMember = this.members.find((m) => m.arn === target.arn) as MemberState;
      if (!this.network.isRegionUp(writer.region) || this.databasesDown.has(writer.region)) {
        throw awsError("InvalidGlobalClusterStateFault", `Switchover needs the primary in ${writer.region} to be available`);
      }
      if (!this.replicationConnected(targetMember) && this.ticking) {
        throw awsError("InvalidGlobalClusterStateFault", `Switchover needs ${target.arn} to be a synchronized secondary`);
      }
    }
    if (operation === "FailoverGlobalCluster" && !allowDataLoss && input.Switchover !== true) {
      throw awsError("InvalidParameterCombination", "Specify AllowDataLoss or Switchover");
    }
    const writerMember = writer;
    const targetMember = this.members.find((m) => m.arn === target.arn) as MemberState;
    const inFact =
      this.network.isRegionUp(writerMember.region) && !this.databasesDown.has(writerMember.region) && (this.replicationConnected(targetMember) || !this.ticking);
    const fromCaller =
      this.network.canCallApi(caller ?? region, writerMember.region) &&
      !this.databasesDown.has(writerMember.region) &&
      targetMember.synchronizationStatus === "connected";
    this.promotions.push({
      operation,
      calledIn: region,
      ...(caller ? { caller } : {}),
      target: target.arn,
      allowDataLoss,
      atMs: this.nowMs,
      fromArn: writer.arn,
      oldPrimary: { region: writerMember.region, reachableAndSynchronizedInFact: inFact, reachableAndSynchronizedFromCaller: fromCaller },
    });
    this.failover = {
      fromArn: writer.arn,
      toArn: target.arn,
      allowDataLoss: allowDataLoss && !switchover,
      completesAtMs: this.nowMs + (switchover ? this.switchoverDurationMs : this.promotionDurationMs),
      calledAtMs: this.nowMs,
      operation,
    };
    this.globalStatus = switchover ? "switching-over" : "failing-over";
    return { GlobalCluster: this.describeGlobalClusters({}, region).GlobalClusters[0] };
  }

  private getMetricData(input: GetMetricDataInputLike, region: string) {
    const start = input.StartTime ? new Date(input.StartTime).getTime() : 0;
    const end = input.EndTime ? new Date(input.EndTime).getTime() : this.nowMs + 60_000;
    const ascending = input.ScanBy === "TimestampAscending";
    return {
      MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
        const legacy = this.legacyLag(q.Expression ?? "", region);
        if (legacy !== undefined) {
          return { Id: q.Id, StatusCode: "Complete", Timestamps: legacy === null ? [] : [new Date(this.nowMs)], Values: legacy === null ? [] : [legacy] };
        }
        const query = metricQueryOf(q);
        if (!query) return { Id: q.Id, StatusCode: "Complete", Timestamps: [], Values: [] };
        const points = this.region(region).metrics.filter(
          (d) =>
            d.namespace === query.namespace &&
            d.metricName === query.metricName &&
            d.timestampMs >= start &&
            d.timestampMs < end &&
            d.atMs <= this.nowMs &&
            Object.entries(query.dimensions).every(([k, v]) => d.dimensions[k] === v) &&
            (query.exactDimensions ? Object.keys(d.dimensions).length === Object.keys(query.dimensions).length : true),
        );
        const buckets = new Map<number, number[]>();
        for (const p of points) {
          const bucket = start + Math.floor((p.timestampMs - start) / (query.period * 1000)) * query.period * 1000;
          buckets.set(bucket, [...(buckets.get(bucket) ?? []), p.value]);
        }
        const rows = [...buckets.entries()].map(([t, values]) => [t, statistic(query.stat, values)] as const).sort((a, b) => (ascending ? a[0] - b[0] : b[0] - a[0]));
        return { Id: q.Id, StatusCode: "Complete", Timestamps: rows.map(([t]) => new Date(t)), Values: rows.map(([, v]) => v) };
      }),
    };
  }

  /** Legacy: the lag set with `setLag`, visible in the secondary's own region; undefined when not a legacy lag query. */
  private legacyLag(expression: string, region: string): number | null | undefined {
    if (this.replicationLagMs !== null) return undefined;
    if (!expression.includes("AuroraGlobalDB")) return undefined;
    const clusterId = /DBClusterIdentifier="([^"]+)"/.exec(expression)?.[1];
    const member = this.members.find((m) => m.id === clusterId);
    const lag = clusterId ? this.lag.get(clusterId) : undefined;
    const visible = member !== undefined && member.region === region;
    return !visible || !lag ? null : expression.includes("AuroraGlobalDBRPOLag") ? lag.rpoLagMs : expression.includes("AuroraGlobalDBReplicationLag") ? lag.replicationLagMs : null;
  }

  private putMetricData(input: PutMetricDataInputLike, region: string) {
    for (const d of input.MetricData ?? []) {
      this.region(region).metrics.push({
        namespace: input.Namespace,
        metricName: d.MetricName,
        dimensions: Object.fromEntries((d.Dimensions ?? []).map((x) => [x.Name, x.Value])),
        value: d.Value ?? Number.NaN,
        atMs: this.nowMs,
        timestampMs: d.Timestamp ? new Date(d.Timestamp).getTime() : this.nowMs,
      });
    }
    return {};
  }

  /**
   * A CloudWatch alarm's state now, from the datapoints of `region`: the statistic
   * over the last `evaluationPeriods` periods compared with the threshold.
   * INSUFFICIENT_DATA when no datapoint (the caller applies treat_missing_data).
   */
  alarmState(region: string, alarm: AlarmSpec): "OK" | "ALARM" | "INSUFFICIENT_DATA" {
    const end = this.nowMs;
    const start = end - alarm.periodSeconds * 1000 * alarm.evaluationPeriods;
    const values = this.region(region).metrics
      .filter(
        (d) =>
          d.namespace === alarm.namespace &&
          d.metricName === alarm.metricName &&
          sameDimensions(d.dimensions, alarm.dimensions) &&
          d.timestampMs > start - 1 &&
          d.timestampMs <= end &&
          d.atMs <= end,
      )
      .map((d) => d.value);
    if (values.length === 0) return "INSUFFICIENT_DATA";
    const v = statistic(alarm.statistic, values);
    const breach = compareAlarm(alarm.comparisonOperator, v, alarm.threshold);
    return breach ? "ALARM" : "OK";
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

  /** The key string of an item of `table` (the hash key value, or hash and range joined). */
  keyOf(table: string, item: Item): string {
    const keys = this.tableSpecs.get(table)?.keys ?? ["pk"];
    return keys
      .map((k) => {
        const v = item[k];
        const s = v?.S ?? v?.N;
        if (s === undefined) throw awsError("ValidationException", `The provided key element does not match the schema (${k})`);
        return s;
      })
      .join("\u0000");
  }

  private replicateWrite(region: string, table: string, key: string, item: Item | null): void {
    const spec = this.tableSpecs.get(table);
    const version = { atMs: this.nowMs, region };
    versionsOf(this.region(region), table).set(key, version);
    if (!spec || spec.regions.length < 2 || !spec.regions.includes(region)) return;
    for (const destination of spec.regions) {
      if (destination === region) continue;
      this.pending.push({ table, key, item: item ? { ...item } : null, version, source: region, destination, dueMs: this.nowMs + this.ddbReplicationDelayMs });
    }
    if (!this.ticking && this.ddbReplicationDelayMs === 0) this.deliverDynamoDb();
  }

  private deliverDynamoDb(): void {
    const now = this.nowMs;
    const remaining: PendingReplication[] = [];
    for (const p of this.pending) {
      if (p.dueMs > now || !this.network.replicationOpen(p.source, p.destination) || this.replicationHold?.(p) === true) {
        remaining.push(p);
        continue;
      }
      const dest = this.region(p.destination);
      const current = versionsOf(dest, p.table).get(p.key);
      // Last writer wins: the later write time, ties broken by region name (deterministic).
      if (current && (current.atMs > p.version.atMs || (current.atMs === p.version.atMs && current.region > p.version.region))) continue;
      versionsOf(dest, p.table).set(p.key, p.version);
      if (p.item) this.table(p.destination, p.table).set(p.key, p.item);
      else this.table(p.destination, p.table).delete(p.key);
    }
    this.pending = remaining;
  }

  /** Writes waiting for replication (all tables, all destinations). */
  pendingReplication(): number {
    return this.pending.length;
  }

  private ddbPut(input: PutInput, region: string) {
    const table = this.table(region, input.TableName);
    const key = this.keyOf(input.TableName, input.Item);
    if (!evaluateCondition(input.ConditionExpression, table.get(key), input.ExpressionAttributeNames, input.ExpressionAttributeValues)) {
      throw awsError("ConditionalCheckFailedException", "The conditional request failed");
    }
    const previous = table.get(key);
    table.set(key, { ...input.Item });
    this.replicateWrite(region, input.TableName, key, input.Item);
    return input.ReturnValues === "ALL_OLD" && previous ? { Attributes: { ...previous } } : {};
  }

  private ddbUpdate(input: UpdateInput, region: string) {
    const table = this.table(region, input.TableName);
    const key = this.keyOf(input.TableName, input.Key);
    const current = table.get(key);
    if (!evaluateCondition(input.ConditionExpression, current, input.ExpressionAttributeNames, input.ExpressionAttributeValues)) {
      throw awsError("ConditionalCheckFailedException", "The conditional request failed");
    }
    const next = applyUpdate(input.UpdateExpression, current, input.Key, input.ExpressionAttributeNames, input.ExpressionAttributeValues);
    table.set(key, next);
    this.replicateWrite(region, input.TableName, key, next);
    if (input.ReturnValues === "ALL_NEW") return { Attributes: { ...next } };
    if (input.ReturnValues === "ALL_OLD" && current) return { Attributes: { ...current } };
    return {};
  }

  private ddbDelete(input: DeleteInput, region: string) {
    const table = this.table(region, input.TableName);
    const key = this.keyOf(input.TableName, input.Key);
    if (!evaluateCondition(input.ConditionExpression, table.get(key), input.ExpressionAttributeNames, input.ExpressionAttributeValues)) {
      throw awsError("ConditionalCheckFailedException", "The conditional request failed");
    }
    table.delete(key);
    this.replicateWrite(region, input.TableName, key, null);
    return {};
  }

  private ddbQuery(input: QueryInput, region: string) {
    if (!input.KeyConditionExpression) throw awsError("ValidationException", "KeyConditionExpression is required");
    return this.ddbScan({ ...input, FilterExpression: combine(input.KeyConditionExpression, input.FilterExpression) }, region);
  }

  private ddbScan(input: QueryInput, region: string) {
    const rows = [...this.table(region, input.TableName).values()].filter((item) =>
      input.FilterExpression ? evaluateCondition(input.FilterExpression, item, input.ExpressionAttributeNames, input.ExpressionAttributeValues) : true,
    );
    const keys = this.tableSpecs.get(input.TableName)?.keys ?? ["pk"];
    const sortKey = keys[1];
    if (sortKey) rows.sort((a, b) => compareAttr(a[sortKey], b[sortKey]));
    if (input.ScanIndexForward === false) rows.reverse();
    const limited = input.Limit !== undefined ? rows.slice(0, input.Limit) : rows;
    return { Items: limited.map((i) => ({ ...i })), Count: limited.length, ScannedCount: limited.length };
  }

  private describeServices(input: { cluster?: string; services: string[] }, region: string) {
    const services = [];
    const failures = [];
    for (const name of input.services) {
      const resourceId = `service/${clusterName(input.cluster ?? "default")}/${name.split("/").pop()}`;
      const s = this.service(region, resourceId);
      if (!s) {
        failures.push({ arn: name, reason: "MISSING" });
        continue;
      }
      services.push({
        serviceName: name.split("/").pop(),
        clusterArn: `arn:aws:ecs:${region}:${this.account}:cluster/${clusterName(input.cluster ?? "default")}`,
        status: "ACTIVE",
        desiredCount: s.desired,
        runningCount: s.running,
        pendingCount: s.pending,
      });
    }
    return { services, failures };
  }

  private updateService(input: { cluster?: string; service: string; desiredCount?: number }, region: string) {
    const resourceId = `service/${clusterName(input.cluster ?? "default")}/${input.service.split("/").pop()}`;
    const s = this.region(region).services.get(resourceId);
    if (!s) throw awsError("ServiceNotFoundException", `Service ${input.service} not found`);
    if (input.desiredCount !== undefined) s.desired = clamp(input.desiredCount, s.min, s.max);
    if (!this.ticking) this.reconcileNow(region, resourceId);
    return { service: { serviceName: input.service, desiredCount: s.desired } };
  }

  /** Without periodic behaviour (unit tests of the handlers), tasks follow the desired count at once. */
  private reconcileNow(region: string, resourceId: string): void {
    const s = this.region(region).services.get(resourceId);
    if (!s) return;
    s.desired = clamp(Math.max(s.min, s.desired), s.min, s.max);
    s.tasks = Array.from({ length: s.desired }, () => this.nowMs);
  }

  private startExecution(input: { stateMachineArn: string; name?: string; input?: string }, region: string) {
    const executions = this.region(region).executions;
    const name = input.name ?? `exec-${executions.size + 1}`;
    const existing = executions.get(name);
    const arn = `${input.stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
    if (existing) {
      // Step Functions: same name and input while running is idempotent; anything else is refused.
      if (existing.status === "RUNNING" && existing.input === (input.input ?? "{}")) return { executionArn: existing.arn, startDate: new Date(this.nowMs) };
      throw awsError("ExecutionAlreadyExists", `Execution already exists: '${arn}'`);
    }
    executions.set(name, { arn, name, stateMachineArn: input.stateMachineArn, input: input.input ?? "{}", status: "RUNNING", startMs: this.nowMs });
    return { executionArn: arn, startDate: new Date(this.nowMs) };
  }
}

export interface AlarmSpec {
  readonly name: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: string;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly threshold: number;
  readonly comparisonOperator: string;
  /** missing, ignore, breaching, notBreaching */
  readonly treatMissingData: string;
}

interface PromoteInput {
  GlobalClusterIdentifier: string;
  TargetDbClusterIdentifier: string;
  AllowDataLoss?: boolean;
  Switchover?: boolean;
}
interface MetricQueryLike {
  Id: string;
  Expression?: string;
  MetricStat?: { Metric?: { Namespace?: string; MetricName?: string; Dimensions?: { Name: string; Value: string }[] }; Period?: number; Stat?: string };
}
interface GetMetricDataInputLike {
  MetricDataQueries?: MetricQueryLike[];
  StartTime?: Date | string | number;
  EndTime?: Date | string | number;
  ScanBy?: string;
}
interface PutMetricDataInputLike {
  Namespace: string;
  MetricData?: { MetricName: string; Dimensions?: { Name: string; Value: string }[]; Value?: number; Timestamp?: Date | string | number }[];
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
  ReturnValues?: string;
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
interface QueryInput {
  TableName: string;
  KeyConditionExpression?: string;
  FilterExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
  ScanIndexForward?: boolean;
  Limit?: number;
}

function combine(a: string, b: string | undefined): string {
  return b ? `(${a}) AND (${b})` : a;
}

function compareAttr(a: AttributeValue | undefined, b: AttributeValue | undefined): number {
  if (a?.N !== undefined && b?.N !== undefined) return Number(a.N) - Number(b.N);
  return String(a?.S ?? "").localeCompare(String(b?.S ?? ""));
}

function versionsOf(state: RegionState, table: string): Map<string, { atMs: number; region: string }> {
  let versions = state.versions.get(table);
  if (!versions) {
    versions = new Map();
    state.versions.set(table, versions);
  }
  return versions;
}

function clusterName(clusterOrArn: string): string {
  return clusterOrArn.includes(":cluster/") ? (clusterOrArn.split(":cluster/")[1] as string) : clusterOrArn;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function sameDimensions(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  return Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);
}

export function statistic(stat: string, values: readonly number[]): number {
  switch (stat) {
    case "Minimum":
      return Math.min(...values);
    case "Maximum":
      return Math.max(...values);
    case "Sum":
      return values.reduce((s, v) => s + v, 0);
    case "SampleCount":
      return values.length;
    default:
      return values.reduce((s, v) => s + v, 0) / values.length;
  }
}

function compareAlarm(operator: string, value: number, threshold: number): boolean {
  switch (operator) {
    case "LessThanThreshold":
      return value < threshold;
    case "LessThanOrEqualToThreshold":
      return value <= threshold;
    case "GreaterThanThreshold":
      return value > threshold;
    case "GreaterThanOrEqualToThreshold":
      return value >= threshold;
    default:
      throw new Error(`AwsModel: unsupported alarm comparison ${operator}`);
  }
}

/** The metric a query reads: a MetricStat, or a SEARCH expression (optionally wrapped in MAX/MIN/SUM/AVG). */
function metricQueryOf(q: MetricQueryLike): { namespace: string; metricName: string; dimensions: Record<string, string>; stat: string; period: number; exactDimensions: boolean } | null {
  if (q.MetricStat?.Metric?.Namespace && q.MetricStat.Metric.MetricName) {
    return {
      namespace: q.MetricStat.Metric.Namespace,
      metricName: q.MetricStat.Metric.MetricName,
      dimensions: Object.fromEntries((q.MetricStat.Metric.Dimensions ?? []).map((d) => [d.Name, d.Value])),
      stat: q.MetricStat.Stat ?? "Average",
      period: q.MetricStat.Period ?? 60,
      exactDimensions: true,
    };
  }
  const search = /SEARCH\(\s*'([^']*)'\s*,\s*'([A-Za-z]+)'\s*,\s*(\d+)\s*\)/.exec(q.Expression ?? "");
  if (!search) return null;
  const terms = Object.fromEntries([...(search[1] as string).matchAll(/([A-Za-z0-9_]+)="([^"]*)"/g)].map((m) => [m[1] as string, m[2] as string]));
  const { Namespace: namespace, MetricName: metricName, ...dimensions } = terms;
  if (!namespace || !metricName) return null;
  return { namespace, metricName, dimensions, stat: search[2] as string, period: Number(search[3]), exactDimensions: false };
}
