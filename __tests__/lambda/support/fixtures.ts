/** Shared test fixtures: regions, names, environments, collaborators. */
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { RDSClient } from "@aws-sdk/client-rds";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SNSClient } from "@aws-sdk/client-sns";
import { loadMonitorConfig } from "../../../lambda/health-monitor/config";
import { MonitorDeps } from "../../../lambda/health-monitor/monitor";
import { loadOrchestratorConfig } from "../../../lambda/failover-orchestrator/config";
import { OrchestratorDeps } from "../../../lambda/failover-orchestrator/deps";
import { createLogger, Logger } from "../../../lambda/shared/log";
import { Probe } from "../../../lambda/shared/probe";
import { Clock, createCaller, Sleep } from "../../../lambda/shared/retry";
import { AwsModel } from "./aws-model";

export const ACTIVE = "us-east-1";
export const STANDBY = "us-west-2";
export const ACCOUNT = "111122223333";
export const ENVIRONMENT = "prod";
export const GLOBAL_ID = "dr-prod-global";
export const CLUSTER_ID: Record<string, string> = { [ACTIVE]: "dr-prod-use1", [STANDBY]: "dr-prod-usw2" };
export const CLUSTER_ARN: Record<string, string> = {
  [ACTIVE]: `arn:aws:rds:${ACTIVE}:${ACCOUNT}:cluster:${CLUSTER_ID[ACTIVE]}`,
  [STANDBY]: `arn:aws:rds:${STANDBY}:${ACCOUNT}:cluster:${CLUSTER_ID[STANDBY]}`,
};
export const ENDPOINT: Record<string, string> = {
  [ACTIVE]: `https://${ACTIVE}.app.example.com/health`,
  [STANDBY]: `https://${STANDBY}.app.example.com/health`,
};
export const TABLE = "dr-prod-state";
export const ECS_CLUSTER: Record<string, string> = { [ACTIVE]: "dr-prod-use1-app", [STANDBY]: "dr-prod-usw2-app" };
export const ECS_SERVICE = "app";
export const RESOURCE_ID: Record<string, string> = {
  [ACTIVE]: `service/${ECS_CLUSTER[ACTIVE]}/${ECS_SERVICE}`,
  [STANDBY]: `service/${ECS_CLUSTER[STANDBY]}/${ECS_SERVICE}`,
};
export const TOPIC_ARN: Record<string, string> = {
  [ACTIVE]: `arn:aws:sns:${ACTIVE}:${ACCOUNT}:dr-prod-failover-events`,
  [STANDBY]: `arn:aws:sns:${STANDBY}:${ACCOUNT}:dr-prod-failover-events`,
};
export const STATE_MACHINE_ARN: Record<string, string> = {
  [ACTIVE]: `arn:aws:states:${ACTIVE}:${ACCOUNT}:stateMachine:dr-prod-failover`,
  [STANDBY]: `arn:aws:states:${STANDBY}:${ACCOUNT}:stateMachine:dr-prod-failover`,
};
export const ACTIVE_MIN = 10;
export const STANDBY_MIN = 2;
export const MAX = 50;

export function otherRegion(region: string): string {
  return region === ACTIVE ? STANDBY : ACTIVE;
}

export function executionId(name: string, region = STANDBY): string {
  return `arn:aws:states:${region}:${ACCOUNT}:execution:dr-prod-failover:${name}`;
}

export function orchestratorEnv(own: string = STANDBY, overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const peer = otherRegion(own);
  return {
    AWS_REGION: own,
    PEER_REGION: peer,
    ENVIRONMENT,
    GLOBAL_CLUSTER_ID: GLOBAL_ID,
    DB_CLUSTER_ID: CLUSTER_ID[own],
    STATE_TABLE_NAME: TABLE,
    TOPIC_ARN: TOPIC_ARN[own],
    OWN_ENDPOINT_URL: ENDPOINT[own],
    OWN_ECS_CLUSTER: ECS_CLUSTER[own],
    OWN_ECS_SERVICE: ECS_SERVICE,
    PEER_ECS_CLUSTER: ECS_CLUSTER[peer],
    PEER_ECS_SERVICE: ECS_SERVICE,
    ACTIVE_MIN_CAPACITY: String(ACTIVE_MIN),
    STANDBY_MIN_CAPACITY: String(STANDBY_MIN),
    MAX_CAPACITY: String(MAX),
    VERIFY_INTERVAL_SECONDS: "5",
    ...overrides,
  };
}

export function monitorEnv(own: string = STANDBY, overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    ROLE: "decider",
    AWS_REGION: own,
    PEER_REGION: otherRegion(own),
    ENVIRONMENT,
    GLOBAL_CLUSTER_ID: GLOBAL_ID,
    DB_CLUSTER_ID: CLUSTER_ID[own],
    ACTIVE_ENDPOINT_URL: ENDPOINT[otherRegion(own)],
    STATE_TABLE_NAME: TABLE,
    FAILOVER_AUTHORITY: "automatic",
    STATE_MACHINE_ARN: STATE_MACHINE_ARN[own],
    TOPIC_ARN: TOPIC_ARN[own],
    FAILURE_THRESHOLD: "3",
    ...overrides,
  };
}

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
export function fakeTiming(startMs = Date.UTC(2025, 0, 1)): Timing & { sleeps: number[]; now: () => number; advance: (ms: number) => void } {
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

export function orchestratorDeps(options: {
  own?: string;
  env?: Record<string, string | undefined>;
  probe: Probe;
  timing: Timing;
  log?: Logger;
}): OrchestratorDeps {
  const own = options.own ?? STANDBY;
  const peer = otherRegion(own);
  const config = loadOrchestratorConfig(orchestratorEnv(own, options.env));
  const policy = { ...config.retry, baseDelayMs: 100 };
  return {
    config,
    own: {
      rds: new RDSClient({ region: own }),
      cloudwatch: new CloudWatchClient({ region: own }),
      autoscaling: new ApplicationAutoScalingClient({ region: own }),
      dynamodb: new DynamoDBClient({ region: own }),
      sns: new SNSClient({ region: own }),
    },
    peer: {
      rds: new RDSClient({ region: peer, maxAttempts: 1 }),
      cloudwatch: new CloudWatchClient({ region: peer, maxAttempts: 1 }),
      autoscaling: new ApplicationAutoScalingClient({ region: peer, maxAttempts: 1 }),
      dynamodb: new DynamoDBClient({ region: peer, maxAttempts: 1 }),
    },
    probe: options.probe,
    clock: options.timing.clock,
    sleep: options.timing.sleep,
    call: createCaller({ policy, sleep: options.timing.sleep, random: () => 0.5 }),
    peerCall: createCaller({ policy: { ...config.peerRetry, baseDelayMs: 100 }, sleep: options.timing.sleep, random: () => 0.5 }),
    log: options.log ?? testLogger(options.timing.clock).log,
  };
}

export function monitorDeps(options: { own?: string; env?: Record<string, string | undefined>; probe: Probe; timing: Timing; log?: Logger }): MonitorDeps {
  const own = options.own ?? STANDBY;
  const config = loadMonitorConfig(monitorEnv(own, options.env));
  return {
    config,
    clients: {
      rds: new RDSClient({ region: own }),
      cloudwatch: new CloudWatchClient({ region: own }),
      dynamodb: new DynamoDBClient({ region: own }),
      sfn: new SFNClient({ region: own }),
      sns: new SNSClient({ region: own }),
    },
    probe: options.probe,
    clock: options.timing.clock,
    call: createCaller({ policy: { ...config.retry, baseDelayMs: 100 }, sleep: options.timing.sleep, random: () => 0.5 }),
    log: options.log ?? testLogger(options.timing.clock).log,
  };
}

/** A model of the two regions with the active region's cluster as writer and both services at their usual capacity. */
export function standardModel(): AwsModel {
  const model = new AwsModel({
    account: ACCOUNT,
    globalClusterId: GLOBAL_ID,
    clusters: [
      { region: ACTIVE, id: CLUSTER_ID[ACTIVE] as string },
      { region: STANDBY, id: CLUSTER_ID[STANDBY] as string },
    ],
    endpoints: ENDPOINT,
  });
  model.setScalableTarget(ACTIVE, RESOURCE_ID[ACTIVE] as string, ACTIVE_MIN, MAX);
  model.setScalableTarget(STANDBY, RESOURCE_ID[STANDBY] as string, STANDBY_MIN, MAX);
  return model;
}

export const okProbe: Probe = async () => ({ ok: true, status: 200, latencyMs: 12 });
export const failingProbe: Probe = async () => ({ ok: false, status: 503, latencyMs: 15 });
