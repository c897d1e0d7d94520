/**
 * Shared test fixtures of the Lambda suites: regions and names, the functions'
 * environments, fake time, a logger that keeps its lines, AWS-shaped errors,
 * builders of the AWS responses and control/state-table items the DR code
 * reads, and the mocks of every client class the two functions use.
 *
 * Regions: the peer region's clients are subclasses of the SDK classes
 * (`PeerRDSClient`...) so that each region is mocked by class: `mockAws()`
 * returns one aws-sdk-client-mock stub per class and region.
 */
import "aws-sdk-client-mock-jest";
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient, GetMetricDataCommand, GetMetricDataOutput, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeServicesCommand, ECSClient } from "@aws-sdk/client-ecs";
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeRulesOutput,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { DBCluster, DescribeDBClustersCommand, DescribeGlobalClustersCommand, FailoverStatus, GlobalCluster, GlobalClusterMember, RDSClient } from "@aws-sdk/client-rds";
import { SFNClient } from "@aws-sdk/client-sfn";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { loadMonitorConfig } from "../../../lambda/health-monitor/config";
import { MonitorDeps } from "../../../lambda/health-monitor/monitor";
import { loadOrchestratorConfig } from "../../../lambda/failover-orchestrator/config";
import { EvidenceRecord, FailoverState, RunRecord } from "../../../lambda/failover-orchestrator/contract";
import { OrchestratorDeps } from "../../../lambda/failover-orchestrator/deps";
import { CONTROL_KEYS, Fence, Heartbeat } from "../../../lambda/shared/control-table";
import { fromItem, Item, Plain, TABLE_KEY, toItem } from "../../../lambda/shared/dynamo";
import { Evidence, Signal, SignalState } from "../../../lambda/shared/evidence";
import { clusterIdOfArn, GlobalClusterView, MemberView, regionOfArn } from "../../../lambda/shared/global-cluster";
import { FailoverRequest } from "../../../lambda/shared/failover-request";
import { DR_RULE_PRIORITY, GATE_PATH } from "../../../lambda/shared/gate-rule";
import { lockKey } from "../../../lambda/shared/lock";
import { createLogger, Logger } from "../../../lambda/shared/log";
import { Probe } from "../../../lambda/shared/probe";
import { Clock, createCaller, Sleep } from "../../../lambda/shared/retry";
import { TxtResolver, WITNESS_DOWN, WITNESS_UP } from "../../../lambda/shared/signals";

// ---------------------------------------------------------------------------------------------
// Regions and names
// ---------------------------------------------------------------------------------------------

/** The region that holds the writer at the start of every scenario. */
export const ACTIVE = "us-east-1";
/** The warm standby: where the monitor judges and the failover runbook runs. */
export const STANDBY = "us-west-2";
export const ACCOUNT = "111122223333";
export const ENVIRONMENT = "prod";
export const GLOBAL_ID = "dr-prod-global";
export const CLUSTER_ID: Readonly<Record<string, string>> = { [ACTIVE]: "dr-prod-use1", [STANDBY]: "dr-prod-usw2" };
export const CLUSTER_ARN: Readonly<Record<string, string>> = {
  [ACTIVE]: `arn:aws:rds:${ACTIVE}:${ACCOUNT}:cluster:${CLUSTER_ID[ACTIVE]}`,
  [STANDBY]: `arn:aws:rds:${STANDBY}:${ACCOUNT}:cluster:${CLUSTER_ID[STANDBY]}`,
};
/** A cluster that is neither of the two (the writer moved somewhere this run did not expect). */
export const THIRD_ARN = `arn:aws:rds:eu-west-1:${ACCOUNT}:cluster:dr-prod-euw1`;

/** What the health monitor asks for when it starts a run: an automatic failover from the writer it saw in ACTIVE. */
export const MONITOR_REQUEST: FailoverRequest = {
  mode: "failover",
  strategy: "auto",
  requestedBy: "health-monitor",
  observedWriterArn: CLUSTER_ARN[ACTIVE] as string,
  incidentId: "i-1",
  attempt: 1,
};
export const STATE_TABLE = "dr-prod-state";
export const CONTROL_TABLE = "dr-prod-control";
export const ECS_CLUSTER = "dr-prod-app";
export const ECS_SERVICE = "app";
export const RESOURCE_ID = `service/${ECS_CLUSTER}/${ECS_SERVICE}`;
export const LOAD_BALANCER = "dr-prod-alb";
export const TARGET_GROUP = "dr-prod-app";
export const HEALTH_PATH = "/health";
export const regionalUrl = (region: string, path: string): string => `https://${region}.app.example.com${path}`;
export const WITNESS_ALIVE: Readonly<Record<string, string>> = { [ACTIVE]: "dr-alive-use1.example.com", [STANDBY]: "dr-alive-usw2.example.com" };
export const WITNESS_APP: Readonly<Record<string, string>> = { [ACTIVE]: "dr-app-use1.example.com", [STANDBY]: "dr-app-usw2.example.com" };
export const TOPIC_ARN: Readonly<Record<string, string>> = {
  [ACTIVE]: `arn:aws:sns:${ACTIVE}:${ACCOUNT}:dr-prod-failover-events`,
  [STANDBY]: `arn:aws:sns:${STANDBY}:${ACCOUNT}:dr-prod-failover-events`,
};
export const STATE_MACHINE_ARN: Readonly<Record<string, string>> = {
  [ACTIVE]: `arn:aws:states:${ACTIVE}:${ACCOUNT}:stateMachine:dr-prod-failover`,
  [STANDBY]: `arn:aws:states:${STANDBY}:${ACCOUNT}:stateMachine:dr-prod-failover`,
};
export const ACTIVE_MIN = 10;
export const STANDBY_MIN = 2;
export const MAX = 50;
export const LOCK_KEY = lockKey(GLOBAL_ID);
/** 2025-01-01T00:00:00Z: every fake clock starts here. */
export const T0 = Date.UTC(2025, 0, 1);

export function otherRegion(region: string): string {
  return region === ACTIVE ? STANDBY : ACTIVE;
}

export function executionArn(name: string, region = STANDBY): string {
  return `arn:aws:states:${region}:${ACCOUNT}:execution:dr-prod-failover:${name}`;
}

/** The execution every orchestrator test runs as. */
export const EXEC = executionArn("run-1");
/** Another execution (another run, in either region). */
export const OTHER_EXEC = executionArn("run-2", ACTIVE);

// ---------------------------------------------------------------------------------------------
// Environments
// ---------------------------------------------------------------------------------------------

export type Env = Record<string, string | undefined>;

export function monitorEnv(own: string = STANDBY, overrides: Env = {}): Env {
  const peer = otherRegion(own);
  return {
    ENVIRONMENT,
    AWS_REGION: own,
    PEER_REGION: peer,
    GLOBAL_CLUSTER_ID: GLOBAL_ID,
    DB_CLUSTER_ID: CLUSTER_ID[own],
    STATE_TABLE_NAME: STATE_TABLE,
    CONTROL_TABLE_NAME: CONTROL_TABLE,
    ECS_CLUSTER,
    ECS_SERVICE,
    LOAD_BALANCER_NAME: LOAD_BALANCER,
    TARGET_GROUP_NAME: TARGET_GROUP,
    ACTIVE_MIN_CAPACITY: String(ACTIVE_MIN),
    STANDBY_MIN_CAPACITY: String(STANDBY_MIN),
    MAX_CAPACITY: String(MAX),
    PEER_PROBE_URL: regionalUrl(peer, HEALTH_PATH),
    PEER_WITNESS_ALIVE_NAME: WITNESS_ALIVE[peer],
    PEER_WITNESS_SERVICE_NAME: WITNESS_APP[peer],
    FAILOVER_AUTHORITY: "automatic",
    STATE_MACHINE_ARN: STATE_MACHINE_ARN[own],
    TOPIC_ARN: TOPIC_ARN[own],
    CONSECUTIVE_SAMPLES: "3",
    MAX_ATTEMPTS: "3",
    ...overrides,
  };
}

export function orchestratorEnv(own: string = STANDBY, overrides: Env = {}): Env {
  const peer = otherRegion(own);
  return {
    ENVIRONMENT,
    AWS_REGION: own,
    PEER_REGION: peer,
    GLOBAL_CLUSTER_ID: GLOBAL_ID,
    DB_CLUSTER_ID: CLUSTER_ID[own],
    STATE_TABLE_NAME: STATE_TABLE,
    CONTROL_TABLE_NAME: CONTROL_TABLE,
    TOPIC_ARN: TOPIC_ARN[own],
    ECS_CLUSTER,
    ECS_SERVICE,
    LOAD_BALANCER_NAME: LOAD_BALANCER,
    OWN_HEALTH_URL: regionalUrl(own, HEALTH_PATH),
    OWN_GATE_URL: regionalUrl(own, GATE_PATH),
    PEER_PROBE_URL: regionalUrl(peer, HEALTH_PATH),
    PEER_WITNESS_ALIVE_NAME: WITNESS_ALIVE[peer],
    PEER_WITNESS_SERVICE_NAME: WITNESS_APP[peer],
    ACTIVE_MIN_CAPACITY: String(ACTIVE_MIN),
    STANDBY_MIN_CAPACITY: String(STANDBY_MIN),
    MAX_CAPACITY: String(MAX),
    FAILOVER_AUTHORITY: "automatic",
    RPO_SECONDS: "60",
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------
// Time, logs, errors
// ---------------------------------------------------------------------------------------------

/** A logger that keeps its lines for assertions instead of writing them. */
export function testLogger(clock: Clock = () => 0): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { log: createLogger({}, { sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>), clock, level: "debug" }), lines };
}

export interface Timing {
  readonly clock: Clock;
  readonly sleep: Sleep;
}

/** A fake clock whose sleep advances time instantly and records the delays. */
export function fakeTiming(startMs = T0): Timing & { sleeps: number[]; now: () => number; advance: (ms: number) => void } {
  let now = startMs;
  const sleeps: number[] = [];
  return {
    clock: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}

export type ErrorFault = "client" | "server";

/** An error shaped like an AWS SDK v3 service exception. */
export function awsError(name: string, message = name, fault: ErrorFault = "client", httpStatusCode = fault === "server" ? 500 : 400): Error {
  return Object.assign(new Error(message), { name, $fault: fault, $metadata: { httpStatusCode } });
}

export function throttling(): Error {
  return awsError("ThrottlingException", "Rate exceeded", "client", 400);
}

export function conditionFailed(): Error {
  return awsError("ConditionalCheckFailedException", "The conditional request failed");
}

/** What the SDK throws when a request's response never arrives (the request may have taken effect). */
export function timeout(): Error {
  return Object.assign(new Error("socket hang up"), { name: "TimeoutError", code: "ETIMEDOUT" });
}

/** What a call to an unreachable region looks like (the peer clients make one attempt: the caller retries). */
export function unreachable(region: string): Error {
  return Object.assign(new Error(`connect ETIMEDOUT ${region}`), { name: "TimeoutError", code: "ETIMEDOUT" });
}

// ---------------------------------------------------------------------------------------------
// Clients and their mocks
// ---------------------------------------------------------------------------------------------

/** The peer region's clients: the SDK classes, subclassed so each region is mocked by its own class. */
export class PeerRDSClient extends RDSClient {}
export class PeerDynamoDBClient extends DynamoDBClient {}
export class PeerElasticLoadBalancingV2Client extends ElasticLoadBalancingV2Client {}
export class PeerApplicationAutoScalingClient extends ApplicationAutoScalingClient {}

export interface AwsMocks {
  readonly rds: AwsClientStub<RDSClient>;
  readonly cloudwatch: AwsClientStub<CloudWatchClient>;
  readonly dynamodb: AwsClientStub<DynamoDBClient>;
  readonly sfn: AwsClientStub<SFNClient>;
  readonly sns: AwsClientStub<SNSClient>;
  readonly ecs: AwsClientStub<ECSClient>;
  readonly elb: AwsClientStub<ElasticLoadBalancingV2Client>;
  readonly autoscaling: AwsClientStub<ApplicationAutoScalingClient>;
  readonly peer: {
    readonly rds: AwsClientStub<RDSClient>;
    readonly dynamodb: AwsClientStub<DynamoDBClient>;
    readonly elb: AwsClientStub<ElasticLoadBalancingV2Client>;
    readonly autoscaling: AwsClientStub<ApplicationAutoScalingClient>;
  };
  /** Undo every mock (afterEach). */
  restore(): void;
}

/**
 * Mocks every client class, the peer region's first (a subclass must be stubbed
 * before its base class, and restored after it). Call in beforeEach and
 * `restore()` in afterEach: every test starts with no behaviour and no calls.
 */
export function mockAws(): AwsMocks {
  const peer = {
    rds: mockClient(PeerRDSClient) as unknown as AwsClientStub<RDSClient>,
    dynamodb: mockClient(PeerDynamoDBClient) as unknown as AwsClientStub<DynamoDBClient>,
    elb: mockClient(PeerElasticLoadBalancingV2Client) as unknown as AwsClientStub<ElasticLoadBalancingV2Client>,
    autoscaling: mockClient(PeerApplicationAutoScalingClient) as unknown as AwsClientStub<ApplicationAutoScalingClient>,
  };
  const own = {
    rds: mockClient(RDSClient),
    cloudwatch: mockClient(CloudWatchClient),
    dynamodb: mockClient(DynamoDBClient),
    sfn: mockClient(SFNClient),
    sns: mockClient(SNSClient),
    ecs: mockClient(ECSClient),
    elb: mockClient(ElasticLoadBalancingV2Client),
    autoscaling: mockClient(ApplicationAutoScalingClient),
  };
  return {
    ...own,
    peer,
    restore: () => {
      Object.values(own).forEach((m) => m.restore());
      Object.values(peer).forEach((m) => m.restore());
    },
  };
}

const FAST_RETRY = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 };

export function monitorDeps(options: { own?: string; env?: Env; probe?: Probe; resolveTxt?: TxtResolver; timing?: Timing; log?: Logger } = {}): MonitorDeps {
  const own = options.own ?? STANDBY;
  const timing = options.timing ?? fakeTiming();
  const config = loadMonitorConfig(monitorEnv(own, options.env));
  return {
    config,
    clients: {
      rds: new RDSClient({ region: own }),
      cloudwatch: new CloudWatchClient({ region: own }),
      dynamodb: new DynamoDBClient({ region: own }),
      sfn: new SFNClient({ region: own }),
      sns: new SNSClient({ region: own }),
      ecs: new ECSClient({ region: own }),
      elb: new ElasticLoadBalancingV2Client({ region: own }),
      autoscaling: new ApplicationAutoScalingClient({ region: own }),
    },
    probe: options.probe ?? okProbe,
    resolveTxt: options.resolveTxt ?? witnesses({}),
    clock: timing.clock,
    sleep: timing.sleep,
    call: createCaller({ policy: FAST_RETRY, sleep: timing.sleep, random: () => 0.5 }),
    log: options.log ?? testLogger(timing.clock).log,
  };
}

export function orchestratorDeps(options: { own?: string; env?: Env; probe?: Probe; resolveTxt?: TxtResolver; timing?: Timing; log?: Logger } = {}): OrchestratorDeps {
  const own = options.own ?? STANDBY;
  const peer = otherRegion(own);
  const timing = options.timing ?? fakeTiming();
  const config = loadOrchestratorConfig(orchestratorEnv(own, options.env));
  return {
    config,
    own: {
      rds: new RDSClient({ region: own }),
      cloudwatch: new CloudWatchClient({ region: own }),
      autoscaling: new ApplicationAutoScalingClient({ region: own }),
      dynamodb: new DynamoDBClient({ region: own }),
      sns: new SNSClient({ region: own }),
      ecs: new ECSClient({ region: own }),
      elb: new ElasticLoadBalancingV2Client({ region: own }),
    },
    peer: {
      rds: new PeerRDSClient({ region: peer, maxAttempts: 1 }),
      autoscaling: new PeerApplicationAutoScalingClient({ region: peer, maxAttempts: 1 }),
      dynamodb: new PeerDynamoDBClient({ region: peer, maxAttempts: 1 }),
      elb: new PeerElasticLoadBalancingV2Client({ region: peer, maxAttempts: 1 }),
    },
    probe: options.probe ?? okProbe,
    resolveTxt: options.resolveTxt ?? witnesses({}),
    clock: timing.clock,
    sleep: timing.sleep,
    call: createCaller({ policy: { ...config.retry, baseDelayMs: 100 }, sleep: timing.sleep, random: () => 0.5 }),
    peerCall: createCaller({ policy: { ...config.peerRetry, baseDelayMs: 100 }, sleep: timing.sleep, random: () => 0.5 }),
    log: options.log ?? testLogger(timing.clock).log,
  };
}

// ---------------------------------------------------------------------------------------------
// Probe and DNS witnesses
// ---------------------------------------------------------------------------------------------

export const okProbe: Probe = async () => ({ ok: true, status: 200, latencyMs: 12 });
export const failingProbe: Probe = async () => ({ ok: false, status: 503, latencyMs: 15 });
export const timedOutProbe: Probe = async (_url, timeoutMs) => ({ ok: false, latencyMs: timeoutMs, error: `timeout after ${timeoutMs} ms` });

/** TXT answers of the peer's witnesses: "up"/"down", "unknown" (an unexpected answer) or "error" (unresolvable). Default up. */
export function witnesses(states: { alive?: SignalState | "error"; app?: SignalState | "error" }): TxtResolver {
  const answer = (state: SignalState | "error" | undefined): Promise<string[][]> => {
    if (state === "error") return Promise.reject(Object.assign(new Error("queryTxt ETIMEOUT"), { code: "ETIMEOUT" }));
    if (state === "down") return Promise.resolve([[WITNESS_DOWN]]);
    if (state === "unknown") return Promise.resolve([["v=spf1 -all"]]);
    return Promise.resolve([[WITNESS_UP]]);
  };
  return async (name) => {
    if (Object.values(WITNESS_ALIVE).includes(name)) return answer(states.alive);
    if (Object.values(WITNESS_APP).includes(name)) return answer(states.app);
    throw new Error(`unexpected TXT lookup ${name}`);
  };
}

// ---------------------------------------------------------------------------------------------
// AWS responses
// ---------------------------------------------------------------------------------------------

export interface GlobalSpec {
  /** Region whose cluster is the writer; null: no writer visible. @default ACTIVE */
  readonly writer?: string | null;
  /** SynchronizationStatus per region (omitted when absent). @default both "connected" except the writer */
  readonly sync?: Readonly<Record<string, string | undefined>>;
  readonly status?: string;
  /** A promotion under way. */
  readonly failover?: { readonly to: string; readonly from?: string; readonly status?: string; readonly dataLoss?: boolean };
  /** Replace the writer's ARN (e.g. THIRD_ARN). */
  readonly writerArn?: string;
}

export function globalCluster(spec: GlobalSpec = {}): GlobalCluster {
  const writer = spec.writer === undefined ? ACTIVE : spec.writer;
  const members: GlobalClusterMember[] = [ACTIVE, STANDBY].map((region) => {
    const isWriter = region === writer && spec.writerArn === undefined;
    const sync = spec.sync && region in spec.sync ? spec.sync[region] : isWriter ? undefined : "connected";
    return { DBClusterArn: CLUSTER_ARN[region], IsWriter: isWriter, ...(sync ? { SynchronizationStatus: sync as GlobalClusterMember["SynchronizationStatus"] } : {}) };
  });
  if (spec.writerArn) members.push({ DBClusterArn: spec.writerArn, IsWriter: true });
  return {
    GlobalClusterIdentifier: GLOBAL_ID,
    Status: spec.status ?? "available",
    GlobalClusterMembers: members,
    ...(spec.failover
      ? {
          FailoverState: {
            Status: (spec.failover.status ?? "failing-over") as FailoverStatus,
            FromDbClusterArn: spec.failover.from ?? CLUSTER_ARN[otherRegion(spec.failover.to)],
            ToDbClusterArn: spec.failover.to.startsWith("arn:") ? spec.failover.to : CLUSTER_ARN[spec.failover.to],
            IsDataLossAllowed: spec.failover.dataLoss ?? false,
          },
        }
      : {}),
  };
}

/** The view describeGlobalCluster (shared/global-cluster.ts) makes of `globalCluster(spec)`, for the pure helpers. */
export function globalView(spec: GlobalSpec = {}): GlobalClusterView {
  const g = globalCluster(spec);
  const members: MemberView[] = (g.GlobalClusterMembers ?? []).map((m) => ({
    arn: m.DBClusterArn as string,
    region: regionOfArn(m.DBClusterArn as string),
    clusterId: clusterIdOfArn(m.DBClusterArn as string),
    isWriter: m.IsWriter === true,
    ...(m.SynchronizationStatus ? { synchronizationStatus: m.SynchronizationStatus } : {}),
  }));
  const f = g.FailoverState;
  return {
    id: GLOBAL_ID,
    status: g.Status ?? "available",
    members,
    writer: members.find((m) => m.isWriter),
    ...(f ? { failover: { status: f.Status, fromArn: f.FromDbClusterArn, toArn: f.ToDbClusterArn, dataLossAllowed: f.IsDataLossAllowed } } : {}),
  };
}

export function dbCluster(region: string, status = "available"): DBCluster {
  return { DBClusterIdentifier: CLUSTER_ID[region], DBClusterArn: CLUSTER_ARN[region], Status: status };
}

/** Sets DescribeGlobalClusters (own region) and DescribeDBClusters of `ownRegion`'s own cluster. */
export function givenRds(mocks: AwsMocks, spec: GlobalSpec = {}, ownRegion = STANDBY, ownStatus = "available"): void {
  mocks.rds.on(DescribeGlobalClustersCommand).resolves({ GlobalClusters: [globalCluster(spec)] });
  mocks.rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [dbCluster(ownRegion, ownStatus)] });
}

/** A GetMetricData answer with the latest replication lag (and RPO lag) at `atMs`. */
export function lagData(lagMs: number | null, atMs: number, rpoLagMs: number | null = null): GetMetricDataOutput {
  return {
    MetricDataResults: [
      { Id: "replicationLag", Values: lagMs === null ? [] : [lagMs], Timestamps: lagMs === null ? [] : [new Date(atMs)] },
      { Id: "rpoLag", Values: rpoLagMs === null ? [] : [rpoLagMs], Timestamps: rpoLagMs === null ? [] : [new Date(atMs)] },
    ],
  };
}

export function givenLag(mocks: AwsMocks, lagMs: number | null, atMs: number, rpoLagMs: number | null = null): void {
  mocks.cloudwatch.on(GetMetricDataCommand).resolves(lagData(lagMs, atMs, rpoLagMs));
  mocks.cloudwatch.on(PutMetricDataCommand).resolves({});
}

/** The gate rule of a load balancer as ELB describes it: open, closed, or changed by hand (null). */
export function givenGate(elb: AwsClientStub<ElasticLoadBalancingV2Client>, open: boolean | null, region = STANDBY): void {
  const lbArn = `arn:aws:elasticloadbalancing:${region}:${ACCOUNT}:loadbalancer/app/${LOAD_BALANCER}/1`;
  const listenerArn = `arn:aws:elasticloadbalancing:${region}:${ACCOUNT}:listener/app/${LOAD_BALANCER}/1/443`;
  elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [{ LoadBalancerArn: lbArn, LoadBalancerName: LOAD_BALANCER }] });
  elb.on(DescribeListenersCommand).resolves({
    Listeners: [
      { ListenerArn: `${listenerArn.replace("/443", "/80")}`, Protocol: "HTTP", Port: 80 },
      { ListenerArn: listenerArn, Protocol: "HTTPS", Port: 443 },
    ],
  });
  elb.on(DescribeRulesCommand).resolves(gateRules(open, region));
  elb.on(ModifyRuleCommand).resolves({});
}

/** DescribeRules of the HTTPS listener: the DR rules, an application rule and the default, the gate in the given state. */
export function gateRules(open: boolean | null, region = STANDBY): DescribeRulesOutput {
  const gate =
    open === null
      ? { Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/maintenance"] } }], Actions: [{ Type: "fixed-response" as const, FixedResponseConfig: { StatusCode: "418" } }] }
      : open
        ? { Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: [GATE_PATH] } }], Actions: [{ Type: "fixed-response" as const, FixedResponseConfig: { StatusCode: "200" } }] }
        : { Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/*"] } }], Actions: [{ Type: "fixed-response" as const, FixedResponseConfig: { StatusCode: "503" } }] };
  return {
    Rules: [
      { RuleArn: gateRuleArn(region, DR_RULE_PRIORITY.alive), Priority: String(DR_RULE_PRIORITY.alive) },
      { RuleArn: gateRuleArn(region, DR_RULE_PRIORITY.health), Priority: String(DR_RULE_PRIORITY.health) },
      { RuleArn: gateRuleArn(region, DR_RULE_PRIORITY.gate), Priority: String(DR_RULE_PRIORITY.gate), ...gate },
      { RuleArn: gateRuleArn(region, 10), Priority: "10" },
      { RuleArn: gateRuleArn(region, 0), Priority: "default", IsDefault: true },
    ],
  };
}

export function gateRuleArn(region: string, priority: number): string {
  return `arn:aws:elasticloadbalancing:${region}:${ACCOUNT}:listener-rule/app/${LOAD_BALANCER}/1/443/r${priority}`;
}

/** Running tasks and healthy targets of the own service. */
export function givenService(mocks: AwsMocks, healthy: boolean): void {
  mocks.ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: ECS_SERVICE, runningCount: healthy ? 4 : 0 }] });
  mocks.elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [{ TargetGroupArn: `arn:aws:elasticloadbalancing:${STANDBY}:${ACCOUNT}:targetgroup/${TARGET_GROUP}/1` }] });
  mocks.elb.on(DescribeTargetHealthCommand).resolves({
    TargetHealthDescriptions: healthy ? [{ TargetHealth: { State: "healthy" } }, { TargetHealth: { State: "unhealthy" } }] : [{ TargetHealth: { State: "unhealthy" } }],
  });
}

/** The service's scalable target as Application Auto Scaling describes it. */
export function givenScalableTarget(autoscaling: AwsClientStub<ApplicationAutoScalingClient>, min: number | null, max: number | null = MAX): void {
  autoscaling.on(DescribeScalableTargetsCommand).resolves({
    ScalableTargets:
      min === null
        ? []
        : [
            {
              ServiceNamespace: "ecs",
              ScalableDimension: "ecs:service:DesiredCount",
              ResourceId: RESOURCE_ID,
              MinCapacity: min,
              MaxCapacity: max ?? MAX,
              RoleARN: "arn:aws:iam::1:role/x",
              CreationTime: new Date(T0),
            },
          ],
  });
  autoscaling.on(RegisterScalableTargetCommand).resolves({});
}

// ---------------------------------------------------------------------------------------------
// DynamoDB items
// ---------------------------------------------------------------------------------------------

export function heartbeatItem(region: string, fields: Partial<Heartbeat> = {}): Record<string, Plain> {
  return {
    [TABLE_KEY]: CONTROL_KEYS.heartbeat(region),
    kind: "heartbeat",
    region,
    at: T0,
    writerArn: CLUSTER_ARN[ACTIVE] as string,
    ownIsWriter: region === ACTIVE,
    databaseAvailable: true,
    serviceHealthy: true,
    fenced: false,
    gateOpen: region === ACTIVE,
    ...(fields as Record<string, Plain>),
  };
}

export function fenceItem(region: string, fields: Partial<Fence> = {}): Record<string, Plain> {
  return {
    [TABLE_KEY]: CONTROL_KEYS.fence(region),
    kind: "fence",
    region,
    fenced: true,
    by: EXEC,
    byRegion: otherRegion(region),
    at: T0,
    leaseExpiresAt: T0 + 1_800_000,
    capacity: "zero",
    reason: "test",
    ...(fields as Record<string, Plain>),
  };
}

export function lockItem(holder: string, expiresAtSeconds: number, extra: Record<string, Plain> = {}): Record<string, Plain> {
  return { [TABLE_KEY]: LOCK_KEY, holder, expiresAt: expiresAtSeconds, ...extra };
}

/**
 * GetItem answers by key (the same key in any table), the rest answer "no item";
 * PutItem, UpdateItem and DeleteItem succeed. Returns nothing: assert on the mock.
 */
export function givenItems(dynamodb: AwsClientStub<DynamoDBClient>, items: readonly Record<string, Plain>[] = []): void {
  dynamodb.on(GetItemCommand).resolves({});
  for (const item of items) {
    dynamodb.on(GetItemCommand, { Key: { [TABLE_KEY]: { S: String(item[TABLE_KEY]) } } }).resolves({ Item: toItem(item) });
  }
  dynamodb.on(PutItemCommand).resolves({});
  dynamodb.on(UpdateItemCommand).callsFake((input: { Key?: Record<string, { S?: string }>; ExpressionAttributeValues?: Record<string, { S?: string; N?: string }> }) => ({
    Attributes: {
      [TABLE_KEY]: { S: input.Key?.[TABLE_KEY]?.S ?? "" },
      holder: { S: input.ExpressionAttributeValues?.[":holder"]?.S ?? "" },
      expiresAt: { N: input.ExpressionAttributeValues?.[":exp"]?.N ?? "0" },
    },
  }));
  dynamodb.on(DeleteItemCommand).resolves({});
}

/** The items put with PutItem whose key is `key`, in order, as plain objects. */
export function putItems(dynamodb: AwsClientStub<DynamoDBClient>, key: string): Record<string, Plain>[] {
  return dynamodb
    .commandCalls(PutItemCommand)
    .map((c) => c.args[0].input.Item)
    .filter((item) => item?.[TABLE_KEY]?.S === key)
    .map((item) => plainOf(item));
}

export function plainOf(item: Item | undefined): Record<string, Plain> {
  return fromItem(item);
}

export function published(sns: AwsClientStub<SNSClient>): Record<string, unknown>[] {
  return sns.commandCalls(PublishCommand).map((c) => JSON.parse(c.args[0].input.Message ?? "{}") as Record<string, unknown>);
}

// ---------------------------------------------------------------------------------------------
// Evidence, runs, states
// ---------------------------------------------------------------------------------------------

export function signal(state: SignalState): Signal {
  return { state, detail: `test ${state}` };
}

export type SignalName = "probe" | "heartbeat" | "witness" | "replication" | "serviceWitness";

/** Evidence with every signal up and a fresh, healthy heartbeat report, except what is given. */
export function evidence(signals: Partial<Record<SignalName, SignalState>> = {}, report: Partial<NonNullable<Evidence["report"]>> | null = {}): Evidence {
  return {
    probe: signal(signals.probe ?? "up"),
    heartbeat: signal(signals.heartbeat ?? "up"),
    witness: signal(signals.witness ?? "up"),
    replication: signal(signals.replication ?? "up"),
    serviceWitness: signal(signals.serviceWitness ?? "up"),
    report: report === null ? null : { ageMs: 1_000, stale: false, databaseAvailable: true, serviceHealthy: true, fenced: false, ...report },
  };
}

export function evidenceRecord(fields: Partial<EvidenceRecord> = {}): EvidenceRecord {
  return {
    at: new Date(T0).toISOString(),
    verdict: "region-down",
    summary: "region-down (test)",
    independentDown: ["heartbeat", "witness"],
    dataLossAllowed: true,
    unreachableEverywhere: false,
    primaryReachable: false,
    synchronized: false,
    replicationLagMs: 800,
    rpoLagMs: null,
    ...fields,
  };
}

/** A run record as assess leaves it: a failover of the writer in ACTIVE to STANDBY, both locks held. */
export function runRecord(fields: Partial<RunRecord> = {}): RunRecord {
  return {
    executionId: EXEC,
    mode: "failover",
    dryRun: false,
    requestedBy: "health-monitor",
    globalClusterId: GLOBAL_ID,
    newRegion: STANDBY,
    oldRegion: ACTIVE,
    newWriterArn: CLUSTER_ARN[STANDBY] as string,
    oldWriterArn: CLUSTER_ARN[ACTIVE] as string,
    locks: { own: "done", peer: "held" },
    assessment: evidenceRecord(),
    intended: "failover",
    approval: { required: false, reasons: [], kinds: [], granted: false, timedOut: false },
    needsApproval: false,
    rpoSeconds: 60,
    fence: null,
    drainSeconds: 0,
    decisionEvidence: null,
    decision: null,
    strategy: "none",
    promotion: "pending",
    promotionRequestedAt: null,
    replicationLagMsAtPromotion: null,
    rpoLagMsAtPromotion: null,
    dataLoss: { kind: "none", estimatedMs: null, reason: "no promotion yet", stores: null },
    writerConfirmedAt: null,
    lockExpiresAt: Math.floor(T0 / 1000) + 1800,
    capacity: null,
    gate: null,
    verification: null,
    checks: [],
    plan: [],
    timeline: [{ at: new Date(T0).toISOString(), step: "assess", event: "assessed" }],
    ...fields,
  };
}

/** The fence part of a run record after the fence step. */
export function fenced(fields: Partial<NonNullable<RunRecord["fence"]>> = {}): NonNullable<RunRecord["fence"]> {
  return { written: "done", at: new Date(T0).toISOString(), capacity: "zero", reason: "test", gateOldRegion: "done", capacityOldRegion: "done", errors: [], ...fields };
}

export function stateOf(run: RunRecord | undefined, request: FailoverRequest = { mode: "failover", requestedBy: "health-monitor" }, extra: Partial<FailoverState> = {}): FailoverState {
  return { executionId: EXEC, request, ...(run ? { run } : {}), ...extra };
}
