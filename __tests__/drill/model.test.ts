/**
 * The drill's AWS model, service by service: network paths, Aurora (views,
 * forced failover losing exactly the unreplicated writes, the partitioned old
 * primary, switchover), DynamoDB global tables (replication delay, LWW,
 * local conditions, partition), CloudWatch, ECS and Auto Scaling, ELBv2 rules;
 * and what the rewritten protocol adds (rds.global_db_rpo, unreplicated
 * global-table writes at a forced failover, the published lag, dead sandboxes).
 */
import { DescribeGlobalClustersCommand, FailoverGlobalClusterCommand, RDSClient, SwitchoverGlobalClusterCommand } from "@aws-sdk/client-rds";
import { DescribeTableCommand, DynamoDBClient, PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeServicesCommand, ECSClient } from "@aws-sdk/client-ecs";
import { DescribeRulesCommand, ElasticLoadBalancingV2Client, ModifyRuleCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { SNSClient } from "@aws-sdk/client-sns";
import { AwsModel, CALLER_REGION } from "../../drill/model/aws-model";
import { CommandRouter } from "../../drill/model/command-router";
import { NetworkModel } from "../../drill/model/network";
import { globMatch } from "../../drill/model/elbv2";

const A = "us-east-1";
const B = "us-east-2";
const GLOBAL = "g";
const ARN = (r: string) => `arn:aws:rds:${r}:111122223333:cluster:db-${r}`;

let now: number;
let model: AwsModel;

function clientIn<T extends object>(client: T, caller: string): T {
  (client as Record<symbol, unknown>)[CALLER_REGION] = caller;
  return client;
}

function build(): AwsModel {
  now = Date.UTC(2025, 0, 1);
  const m = new AwsModel({
    globalClusterId: GLOBAL,
    clusters: [
      { region: A, id: `db-${A}` },
      { region: B, id: `db-${B}` },
    ],
    now: () => now,
    promotionDurationMs: 60_000,
    replicationLagMs: 1_000,
    ddbReplicationDelayMs: 1_000,
    taskStartMs: 60_000,
    tables: [
      { name: "control", regions: [A, B] },
      { name: "state", regions: [A] },
    ],
  });
  m.tick();
  return m;
}

/** Advances the model's clock second by second, ticking. */
function advance(ms: number): void {
  for (let t = 0; t < ms; t += 1_000) {
    now += 1_000;
    model.tick();
  }
}

beforeEach(() => {
  model = build();
  model.install();
});
afterEach(() => model.restore());

describe("network paths", () => {
  it("a region's egress failure cuts its cross-region calls and probes, not its own APIs", () => {
    const net = new NetworkModel();
    net.setEgressDown(B);
    expect(net.canCallApi(B, B)).toBe(true);
    expect(net.canCallApi(B, A)).toBe(false);
    expect(net.canReachPublicEndpoint(B, A)).toBe(false);
    expect(net.canCallApi(A, B)).toBe(true);
    expect(net.replicationOpen(A, B)).toBe(true);
    expect(net.canResolve(B)).toBe(true);
  });

  it("a partition cuts calls, probes and replication between the regions; the internet still reaches both", () => {
    const net = new NetworkModel();
    net.setPartition(A, B);
    expect(net.canCallApi(A, B)).toBe(false);
    expect(net.replicationOpen(B, A)).toBe(false);
    expect(net.internetReaches(A) && net.internetReaches(B)).toBe(true);
    expect(net.canCallApi(undefined, A)).toBe(true);
  });

  it("a region down answers nothing; API endpoints down only refuse the APIs", async () => {
    model.network.setApiDown(A);
    const rds = clientIn(new RDSClient({ region: A }), A);
    await expect(rds.send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: GLOBAL }))).rejects.toMatchObject({ name: "TimeoutError" });
    expect(model.network.internetReaches(A)).toBe(true);
    model.setRegionDown(B);
    expect(model.network.internetReaches(B)).toBe(false);
  });
});

describe("Aurora global database", () => {
  it("a forced failover loses exactly the writes not yet replicated, and records them", async () => {
    advance(10_000);
    const early = model.commitWrite(A);
    for (let i = 0; i < 5; i++) {
      advance(1_000);
      model.commitWrite(A);
    }
    model.setRegionDown(A); // replication stops; the watermark stays where it was
    const cutoff = now - 1_000;
    const lateWrites = model.writes.filter((w) => w.atMs > cutoff);
    const rds = clientIn(new RDSClient({ region: B }), B);

    await rds.send(new FailoverGlobalClusterCommand({ GlobalClusterIdentifier: GLOBAL, TargetDbClusterIdentifier: ARN(B), AllowDataLoss: true }));
    advance(60_000);

    expect(model.writer()?.region).toBe(B);
    const [outcome] = model.failovers;
    expect(outcome?.cutoffMs).toBe(cutoff);
    expect(lateWrites).toHaveLength(1);
    expect(outcome?.lost.map((w) => w.id)).toEqual(lateWrites.map((w) => w.id));
    expect(early?.lostAtMs).toBeUndefined();
    expect(model.promotions[0]?.oldPrimary).toEqual({ region: A, reachableAndSynchronizedInFact: false, reachableAndSynchronizedFromCaller: false });
  });

  it("during a partition the old primary still sees itself as writer (split brain) until it reconnects, then rejoins as a secondary", async () => {
    model.network.setPartition(A, B);
    const rds = clientIn(new RDSClient({ region: B }), B);
    await rds.send(new FailoverGlobalClusterCommand({ GlobalClusterIdentifier: GLOBAL, TargetDbClusterIdentifier: ARN(B), AllowDataLoss: true }));
    advance(60_000);

    expect(model.writersAsDatabasesSee().sort()).toEqual([A, B]);
    const fromA = await clientIn(new RDSClient({ region: A }), A).send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: GLOBAL }));
    expect(fromA.GlobalClusters?.[0]?.GlobalClusterMembers?.find((m) => m.IsWriter)?.DBClusterArn).toBe(ARN(A));
    const splitBrainWrite = model.commitWrite(A);
    expect(splitBrainWrite?.lostAtMs).toBeDefined();

    model.network.setPartition(A, B, false);
    advance(1_000);
    expect(model.writersAsDatabasesSee()).toEqual([B]);
    expect(model.members.find((m) => m.region === A)?.synchronizationStatus).toBe("pending-resync");
    advance(61_000);
    expect(model.members.find((m) => m.region === A)?.synchronizationStatus).toBe("connected");
  });

  it("records a forced promotion against a reachable, synchronized primary as such", async () => {
    const rds = clientIn(new RDSClient({ region: B }), B);
    await rds.send(new FailoverGlobalClusterCommand({ GlobalClusterIdentifier: GLOBAL, TargetDbClusterIdentifier: ARN(B), AllowDataLoss: true }));
    expect(model.promotions[0]?.oldPrimary).toEqual({ region: A, reachableAndSynchronizedInFact: true, reachableAndSynchronizedFromCaller: true });
  });

  it("a switchover needs the primary available and loses nothing; the lag metric appears each minute only while replication flows", async () => {
    model.setDatabaseDown(A);
    expect(model.clusterStatus(A)).toBe("inaccessible");
    expect(model.commitWrite(A)).toBeNull();
    advance(120_000);
    const cw = clientIn(new CloudWatchClient({ region: B }), B);
    const query = {
      StartTime: new Date(now - 300_000),
      EndTime: new Date(now + 60_000),
      MetricDataQueries: [{ Id: "lag", Expression: `MAX(SEARCH('Namespace="AWS/RDS" MetricName="AuroraGlobalDBReplicationLag" DBClusterIdentifier="db-${B}"', 'Maximum', 60))` }],
    };
    const during = await cw.send(new GetMetricDataCommand(query));
    expect(during.MetricDataResults?.[0]?.Values).toEqual([1_000]); // only the minute before the failure
    model.setDatabaseDown(A, false);
    advance(120_000);
    const after = await cw.send(new GetMetricDataCommand({ ...query, StartTime: new Date(now - 100_000), EndTime: new Date(now + 60_000) }));
    expect(after.MetricDataResults?.[0]?.Values?.length).toBeGreaterThan(0);

    model.commitWrite(A);
    const rds = clientIn(new RDSClient({ region: B }), B);
    await rds.send(new SwitchoverGlobalClusterCommand({ GlobalClusterIdentifier: GLOBAL, TargetDbClusterIdentifier: ARN(B) }));
    expect(model.commitWrite(A)).toBeNull(); // writes wait during the switchover
    advance(60_000);
    expect(model.writer()?.region).toBe(B);
    expect(model.failovers[0]).toMatchObject({ operation: "SwitchoverGlobalCluster", allowDataLoss: false, lost: [] });
    expect(model.members.find((m) => m.region === A)?.synchronizationStatus).toBe("connected");
  });

  it("refuses a switchover while the primary's database is down", async () => {
    model.setDatabaseDown(A);
    const rds = clientIn(new RDSClient({ region: B }), B);
    await expect(rds.send(new SwitchoverGlobalClusterCommand({ GlobalClusterIdentifier: GLOBAL, TargetDbClusterIdentifier: ARN(B) }))).rejects.toMatchObject({ name: "InvalidGlobalClusterStateFault" });
  });
});

describe("DynamoDB", () => {
  it("replicates a global table's write after the delay, holds it during a partition and delivers it after", async () => {
    const ddb = clientIn(new DynamoDBClient({ region: A }), A);
    await ddb.send(new PutItemCommand({ TableName: "control", Item: { pk: { S: "k" }, v: { N: "1" } } }));
    expect(model.item(B, "control", "k")).toBeUndefined();
    advance(1_000);
    expect(model.item(B, "control", "k")?.v?.N).toBe("1");

    model.network.setPartition(A, B);
    await ddb.send(new PutItemCommand({ TableName: "control", Item: { pk: { S: "k" }, v: { N: "2" } } }));
    advance(10_000);
    expect(model.item(B, "control", "k")?.v?.N).toBe("1");
    model.network.setPartition(A, B, false);
    advance(1_000);
    expect(model.item(B, "control", "k")?.v?.N).toBe("2");
  });

  it("resolves concurrent writes last-writer-wins, with conditions checked only against the local replica", async () => {
    const inA = clientIn(new DynamoDBClient({ region: A }), A);
    const inB = clientIn(new DynamoDBClient({ region: B }), B);
    const once = { ConditionExpression: "attribute_not_exists(pk)" };
    await inA.send(new PutItemCommand({ TableName: "control", Item: { pk: { S: "lock" }, holder: { S: "a" } }, ...once }));
    now += 100;
    await inB.send(new PutItemCommand({ TableName: "control", Item: { pk: { S: "lock" }, holder: { S: "b" } }, ...once })); // succeeds: B's replica has no item yet
    advance(2_000);
    expect(model.item(A, "control", "lock")?.holder?.S).toBe("b");
    expect(model.item(B, "control", "lock")?.holder?.S).toBe("b");
  });

  it("refuses a command it does not model, naming its input, and stops answering once restored", async () => {
    const ddb = clientIn(new DynamoDBClient({ region: A }), A);
    await expect(ddb.send(new DescribeTableCommand({ TableName: "control" }))).rejects.toThrow('AwsModel: command not modelled (input {"TableName":"control"})');
    expect(Object.prototype.hasOwnProperty.call(DynamoDBClient.prototype, "send")).toBe(true);
    model.restore();
    expect(Object.prototype.hasOwnProperty.call(DynamoDBClient.prototype, "send")).toBe(false);
    model.install();
  });

  it("an install that fails part-way leaves no router behind", () => {
    model.restore();
    const blocker = CommandRouter.install(SNSClient, () => undefined);
    try {
      expect(() => model.install()).toThrow("CommandRouter: SNSClient already has a router; restore() it first");
      for (const client of [RDSClient, DynamoDBClient, CloudWatchClient, ECSClient]) expect(Object.prototype.hasOwnProperty.call(client.prototype, "send")).toBe(false);
    } finally {
      blocker.restore();
    }
    model.install();
  });

  it("keeps a regional table regional and answers Query with key conditions", async () => {
    const ddb = clientIn(new DynamoDBClient({ region: A }), A);
    await ddb.send(new PutItemCommand({ TableName: "state", Item: { pk: { S: "audit#1" } } }));
    await ddb.send(new PutItemCommand({ TableName: "state", Item: { pk: { S: "lock#1" } } }));
    advance(2_000);
    expect(model.items(B, "state").size).toBe(0);
    const result = await ddb.send(new QueryCommand({ TableName: "state", KeyConditionExpression: "begins_with(pk, :p)", ExpressionAttributeValues: { ":p": { S: "audit#" } } }));
    expect(result.Items?.map((i) => i.pk?.S)).toEqual(["audit#1"]);
  });
});

describe("ECS, Auto Scaling and the load balancer", () => {
  const SERVICE = "service/app/app";

  beforeEach(() => {
    model.setScalableTarget(B, SERVICE, 2, 10);
    model.elb.define(B, {
      name: "app",
      arn: "arn:lb",
      dnsName: "app.us-east-2.elb.amazonaws.com",
      listeners: [{ arn: "arn:listener", port: 443, protocol: "HTTPS", defaultActions: [{ Type: "forward", TargetGroupArn: "arn:tg" }] }],
      rules: [
        { RuleArn: "arn:rule/alive", listenerArn: "arn:listener", Priority: "1", Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/.dr/alive"] } }], Actions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "200", MessageBody: "alive" } }] },
        { RuleArn: "arn:rule/gate", listenerArn: "arn:listener", Priority: "3", Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/.dr/gate"] } }], Actions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "200", MessageBody: "open" } }] },
      ],
      targetGroups: [{ arn: "arn:tg", name: "tg", kind: "ecs", serviceResourceId: SERVICE }],
    });
  });

  it("raising the minimum starts tasks that run after the task-start time", async () => {
    model.setScalableTarget(B, SERVICE, 5, 10);
    advance(1_000);
    const ecs = clientIn(new ECSClient({ region: B }), B);
    const before = await ecs.send(new DescribeServicesCommand({ cluster: "app", services: ["app"] }));
    expect(before.services?.[0]).toMatchObject({ desiredCount: 5, runningCount: 2, pendingCount: 3 });
    advance(60_000);
    const after = await ecs.send(new DescribeServicesCommand({ cluster: "app", services: ["app"] }));
    expect(after.services?.[0]).toMatchObject({ desiredCount: 5, runningCount: 5, pendingCount: 0 });
  });

  it("answers by rule priority, and a ModifyRule closing the gate makes every request 503", async () => {
    expect(model.httpRequest(undefined, B, "GET", "/.dr/alive")).toMatchObject({ status: 200, servedBy: "fixed" });
    expect(model.httpRequest(undefined, B, "POST", "/app/payments")).toMatchObject({ status: 200, servedBy: "app" });
    const elb = clientIn(new ElasticLoadBalancingV2Client({ region: B }), B);
    await elb.send(
      new ModifyRuleCommand({
        RuleArn: "arn:rule/gate",
        Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/*"] } }],
        Actions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "503", MessageBody: "region fenced" } }],
      }),
    );
    expect(model.httpRequest(undefined, B, "POST", "/app/payments")).toMatchObject({ status: 503, servedBy: "fixed" });
    expect(model.httpRequest(undefined, B, "GET", "/.dr/alive")).toMatchObject({ status: 200 });
    const rules = await elb.send(new DescribeRulesCommand({ ListenerArn: "arn:listener" }));
    expect(rules.Rules?.map((r) => r.Priority)).toEqual(["1", "3", "default"]);
    model.setServiceUnhealthy(B, SERVICE);
    expect(model.httpRequest(undefined, B, "GET", "/health")).toMatchObject({ status: 503 });
  });

  it("matches ALB path patterns", () => {
    expect(globMatch("/*", "/anything/at/all")).toBe(true);
    expect(globMatch("/transactions", "/transactions/1")).toBe(false);
    expect(globMatch("/transactions/*", "/transactions/1")).toBe(true);
    expect(globMatch("/a?c", "/abc")).toBe(true);
  });
});

describe("what the rewritten protocol adds to the model", () => {
  it("rds.global_db_rpo: the primary refuses commits once its (available) secondary lags beyond the bound", () => {
    now = Date.UTC(2025, 0, 1);
    const enforced = new AwsModel({ globalClusterId: GLOBAL, clusters: [{ region: A, id: `db-${A}` }, { region: B, id: `db-${B}` }], now: () => now, replicationLagMs: 1_000, globalDbRpoMs: 20_000 });
    const tick = (ms: number) => {
      for (let t = 0; t < ms; t += 1_000) {
        now += 1_000;
        enforced.tick();
      }
    };
    tick(5_000);
    expect(enforced.commitWrite(A)).not.toBeNull();
    enforced.network.setPartition(A, B); // replication stops: the secondary falls behind
    tick(15_000);
    expect(enforced.commitWrite(A)).not.toBeNull();
    tick(10_000);
    expect(enforced.commitWrite(A)).toBeNull();
    enforced.network.setPartition(A, B, false);
    tick(2_000);
    expect(enforced.commitWrite(A)).not.toBeNull();
  });

  it("a forced failover counts the global-table writes of the old region not yet replicated", async () => {
    advance(5_000);
    model.clientPutItem(A, "control", { pk: { S: "tx-1" } });
    model.setRegionDown(A);
    const rds = clientIn(new RDSClient({ region: B }), B);
    await rds.send(new FailoverGlobalClusterCommand({ GlobalClusterIdentifier: GLOBAL, TargetDbClusterIdentifier: ARN(B), AllowDataLoss: true }));
    advance(61_000);
    expect(model.failovers[0]?.ddbUnreplicated).toEqual([{ table: "control", key: "tx-1", atMs: Date.UTC(2025, 0, 1) + 5_000 }]);
  });

  it("the lag the secondary publishes is its actual distance behind the writer", async () => {
    advance(61_000);
    model.replicationLagMs = 30_000;
    advance(120_000);
    const cw = clientIn(new CloudWatchClient({ region: B }), B);
    const result = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - 300_000),
        EndTime: new Date(now + 60_000),
        ScanBy: "TimestampDescending",
        MetricDataQueries: [{ Id: "lag", Expression: `MAX(SEARCH('Namespace="AWS/RDS" MetricName="AuroraGlobalDBReplicationLag" DBClusterIdentifier="db-${B}"', 'Maximum', 60))`, ReturnData: true }],
      }),
    );
    expect(result.MetricDataResults?.[0]?.Values?.[0]).toBe(30_000);
  });

  it("a dead sandbox's calls never complete; the same call from a live one answers", async () => {
    const sandbox = { alive: true };
    const rds = clientIn(new RDSClient({ region: A }), A);
    (rds as unknown as Record<symbol, unknown>)[Symbol.for("drill.sandbox")] = sandbox;
    await expect(rds.send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: GLOBAL }))).resolves.toBeDefined();
    sandbox.alive = false;
    const settled = await Promise.race([rds.send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: GLOBAL })).then(() => "settled"), new Promise((r) => setTimeout(() => r("pending"), 50))]);
    expect(settled).toBe("pending");
  });
});
