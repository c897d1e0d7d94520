/**
 * The world one orchestrator step sees, installed on the client mocks of
 * fixtures.ts: the global cluster as the own region reads it, the writer
 * region's condition as the evidence shows it (probe, heartbeat, witnesses,
 * replication, its database through its own endpoint), the locks, and the
 * control table's items. Plain aws-sdk-client-mock behaviours; nothing here
 * runs a runbook: each test calls one step.
 */
import { GetMetricDataCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DeleteItemCommand, GetItemCommand, GetItemCommandInput, PutItemCommand, UpdateItemCommand, UpdateItemCommandInput } from "@aws-sdk/client-dynamodb";
import { DescribeDBClustersCommand, DescribeGlobalClustersCommand, FailoverGlobalClusterCommand, SwitchoverGlobalClusterCommand } from "@aws-sdk/client-rds";
import { PublishCommand } from "@aws-sdk/client-sns";
import { OrchestratorDeps } from "../../../lambda/failover-orchestrator/deps";
import { CONTROL_KEYS } from "../../../lambda/shared/control-table";
import { Plain, TABLE_KEY, toItem } from "../../../lambda/shared/dynamo";
import { Probe } from "../../../lambda/shared/probe";
import { TxtResolver } from "../../../lambda/shared/signals";
import {
  ACTIVE,
  ACTIVE_MIN,
  AwsMocks,
  dbCluster,
  Env,
  fakeTiming,
  givenGate,
  givenScalableTarget,
  globalCluster,
  GlobalSpec,
  heartbeatItem,
  lagData,
  orchestratorDeps,
  STANDBY,
  STANDBY_MIN,
  T0,
  testLogger,
  unreachable,
  witnesses,
} from "./fixtures";

/**
 * The writer region (ACTIVE) as the standby's evidence shows it:
 * - healthy: everything answers, the secondary is synchronized (lag 100 ms): a switchover is possible;
 * - lagging: everything answers but the secondary lags (5 s): healthy, yet no switchover;
 * - suspect: only the probe fails (the standby's NAT); the primary answers;
 * - service-down: the database answers and is synchronized, the service is down (its heartbeat and Route 53 say so);
 * - region-down: nothing answers; the last lag datapoint (800 ms) is older than the stall window;
 * - region-down-unknown-lag: the same without any lag datapoint.
 */
export type WriterRegion = "healthy" | "lagging" | "suspect" | "service-down" | "region-down" | "region-down-unknown-lag";

export class OrchestratorWorld {
  readonly timing = fakeTiming(T0);
  readonly logger = testLogger(this.timing.clock);
  readonly deps: OrchestratorDeps;
  writerRegion: WriterRegion;
  global: GlobalSpec;
  /** Whether the own region's gate and health paths answer 200 (verify). */
  ownServing = true;
  /** The last replication lag the standby read before the writer region went down. */
  downLagMs = 800;
  /** What the own lock item holds besides holder and expiry (the promotion intent), as renewLock returns it. */
  lockExtra: Record<string, Plain> = {};
  /** Items of the own region's tables, by key. */
  readonly items = new Map<string, Record<string, Plain>>();

  constructor(
    readonly mocks: AwsMocks,
    options: { env?: Env; writerRegion?: WriterRegion; global?: GlobalSpec; items?: Record<string, Plain>[]; peerLock?: "free" | "unreachable" } = {},
  ) {
    this.writerRegion = options.writerRegion ?? "region-down";
    this.global = options.global ?? {};
    for (const item of options.items ?? []) this.items.set(String(item[TABLE_KEY]), item);
    const probe: Probe = async (url) => {
      if (url.includes(STANDBY)) return this.ownServing ? { ok: true, status: 200, latencyMs: 5 } : { ok: false, status: 503, latencyMs: 5 };
      return this.writerRegion === "healthy" || this.writerRegion === "lagging" || this.writerRegion === "service-down" ? { ok: true, status: 200, latencyMs: 5 } : { ok: false, latencyMs: 5000, error: "timeout after 5000 ms" };
    };
    const resolveTxt: TxtResolver = (name) => witnesses(this.down() ? { alive: "down", app: "down" } : this.writerRegion === "service-down" ? { app: "down" } : {})(name);
    this.deps = orchestratorDeps({ env: options.env, probe, resolveTxt, timing: this.timing, log: this.logger.log });

    mocks.rds.on(DescribeGlobalClustersCommand).callsFake(() => ({ GlobalClusters: [globalCluster(this.global)] }));
    mocks.rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [dbCluster(STANDBY)] });
    mocks.rds.on(SwitchoverGlobalClusterCommand).resolves({});
    mocks.rds.on(FailoverGlobalClusterCommand).resolves({});
    mocks.peer.rds.on(DescribeDBClustersCommand).callsFake(() => (this.down() ? Promise.reject(unreachable(ACTIVE)) : { DBClusters: [dbCluster(ACTIVE)] }));

    mocks.cloudwatch.on(GetMetricDataCommand).callsFake(() => {
      const now = this.timing.now();
      switch (this.writerRegion) {
        case "healthy":
        case "suspect":
        case "service-down":
          return lagData(100, now - 30_000);
        case "lagging":
          return lagData(5_000, now - 30_000);
        case "region-down":
          return lagData(this.downLagMs, now - 200_000);
        case "region-down-unknown-lag":
          return lagData(null, 0);
      }
    });
    mocks.cloudwatch.on(PutMetricDataCommand).resolves({});

    mocks.dynamodb.on(GetItemCommand).callsFake((input: GetItemCommandInput) => {
      const key = input.Key?.[TABLE_KEY]?.S ?? "";
      if (key === CONTROL_KEYS.heartbeat(ACTIVE) && !this.items.has(key)) return { Item: toItem(this.heartbeat()) };
      const item = this.items.get(key);
      return item ? { Item: toItem(item) } : {};
    });
    mocks.dynamodb.on(PutItemCommand).resolves({});
    mocks.dynamodb.on(UpdateItemCommand).callsFake((input: UpdateItemCommandInput) => ({
      Attributes: toItem({
        [TABLE_KEY]: input.Key?.[TABLE_KEY]?.S ?? "",
        holder: input.ExpressionAttributeValues?.[":holder"]?.S ?? "",
        expiresAt: Number(input.ExpressionAttributeValues?.[":exp"]?.N ?? 0),
        ...this.lockExtra,
      }),
    }));
    mocks.dynamodb.on(DeleteItemCommand).resolves({});

    if (options.peerLock === "unreachable") {
      mocks.peer.dynamodb.on(UpdateItemCommand).rejects(unreachable(ACTIVE));
      mocks.peer.dynamodb.on(GetItemCommand).rejects(unreachable(ACTIVE));
      mocks.peer.dynamodb.on(DeleteItemCommand).rejects(unreachable(ACTIVE));
    } else {
      mocks.peer.dynamodb.on(UpdateItemCommand).resolves({ Attributes: {} });
      mocks.peer.dynamodb.on(GetItemCommand).resolves({});
      mocks.peer.dynamodb.on(DeleteItemCommand).resolves({});
    }

    givenGate(mocks.elb, false, STANDBY);
    givenGate(mocks.peer.elb, true, ACTIVE);
    givenScalableTarget(mocks.autoscaling, STANDBY_MIN);
    givenScalableTarget(mocks.peer.autoscaling, ACTIVE_MIN);
    mocks.sns.on(PublishCommand).resolves({ MessageId: "m" });
  }

  private down(): boolean {
    return this.writerRegion === "region-down" || this.writerRegion === "region-down-unknown-lag";
  }

  private heartbeat(): Record<string, Plain> {
    if (this.down()) return heartbeatItem(ACTIVE, { at: T0 - 600_000 });
    return heartbeatItem(ACTIVE, { at: this.timing.now() - 2_000, serviceHealthy: this.writerRegion !== "service-down" });
  }
}
