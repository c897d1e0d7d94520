/**
 * The verdict on the writer region (shared/evidence.ts `judge`) and how its
 * signals are gathered (shared/signals.ts), docs/failover-protocol.md "Evidence" (P2).
 */
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { Evidence, isActionable, judge, Verdict } from "../../lambda/shared/evidence";
import { gatherEvidence, SignalParams, SignalSources } from "../../lambda/shared/signals";
import { MemberView } from "../../lambda/shared/global-cluster";
import {
  ACTIVE,
  AwsMocks,
  awsError,
  CLUSTER_ARN,
  CLUSTER_ID,
  CONTROL_TABLE,
  evidence,
  fakeTiming,
  failingProbe,
  givenItems,
  heartbeatItem,
  HEALTH_PATH,
  lagData,
  mockAws,
  okProbe,
  regionalUrl,
  STANDBY,
  T0,
  throttling,
  timedOutProbe,
  WITNESS_ALIVE,
  WITNESS_APP,
  witnesses,
} from "./support/fixtures";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createCaller } from "../../lambda/shared/retry";
import { Probe } from "../../lambda/shared/probe";
import { TxtResolver } from "../../lambda/shared/signals";

const STALE = { stale: true, ageMs: 120_000 };

describe("judge: the verdict on the writer region", () => {
  const rows: [string, Evidence, Verdict, boolean][] = [
    ["every signal up is healthy", evidence(), "healthy", false],
    ["the probe alone (the standby's own NAT) is only suspect", evidence({ probe: "down" }), "suspect", false],
    ["the probe down while every independent signal is unknown is only suspect (unknown never counts)", evidence({ probe: "down", heartbeat: "unknown", witness: "unknown", replication: "unknown" }, null), "suspect", false],
    ["nothing readable but nothing down is healthy (unknown is never down)", evidence({ heartbeat: "unknown", witness: "unknown", replication: "unknown", serviceWitness: "unknown" }, null), "healthy", false],
    ["a stale heartbeat alone is suspect: one independent signal is not enough", evidence({ heartbeat: "down" }, STALE), "suspect", false],
    ["the witness alone is suspect", evidence({ witness: "down" }), "suspect", false],
    ["a replication stall alone is suspect", evidence({ replication: "down" }), "suspect", false],
    ["the service witness alone is suspect", evidence({ serviceWitness: "down" }), "suspect", false],
    ["one independent signal down and the other two unknown is suspect", evidence({ heartbeat: "down", witness: "unknown", replication: "unknown" }, STALE), "suspect", false],
    ["a stale heartbeat and the witness down is region-down", evidence({ heartbeat: "down", witness: "down" }, STALE), "region-down", true],
    ["a stale heartbeat and a replication stall while Route 53 sees the region serving is only suspect: both ride the path between the regions (a partition)", evidence({ heartbeat: "down", replication: "down" }, STALE), "suspect", false],
    ["a stale heartbeat and a replication stall with the service witness down is region-down (the load balancer answers, the service does not)", evidence({ heartbeat: "down", replication: "down", serviceWitness: "down" }, STALE), "region-down", true],
    ["a stale heartbeat and a replication stall with Route 53's view unreadable is only suspect (unknown never counts)", evidence({ heartbeat: "down", replication: "down", witness: "unknown", serviceWitness: "unknown" }, STALE), "suspect", false],
    ["the service witness and one signal between the regions are not two independent signals", evidence({ heartbeat: "down", serviceWitness: "down" }, STALE), "suspect", false],
    ["the witness and a replication stall with a fresh healthy heartbeat is region-down", evidence({ witness: "down", replication: "down" }), "region-down", true],
    ["no heartbeat at all, the witness and replication down is region-down", evidence({ heartbeat: "unknown", witness: "down", replication: "down" }, null), "region-down", true],
    ["all three independent signals down is region-down", evidence({ probe: "down", heartbeat: "down", witness: "down", replication: "down" }, STALE), "region-down", true],
    ["a fresh heartbeat reporting the database unavailable plus a replication stall is database-down", evidence({ heartbeat: "down", replication: "down" }, { databaseAvailable: false }), "database-down", true],
    ["a stale heartbeat that last reported the database unavailable is region-down, not database-down", evidence({ heartbeat: "down", witness: "down" }, { ...STALE, databaseAvailable: false }), "region-down", true],
    ["a fresh heartbeat reporting the database unavailable plus the witness down, replication still up, is region-down (database-down needs the replication to agree)", evidence({ heartbeat: "down", witness: "down" }, { databaseAvailable: false }), "region-down", true],
    ["a fresh heartbeat reporting the service unhealthy and the service witness down is service-down", evidence({ serviceWitness: "down" }, { serviceHealthy: false }), "service-down", false],
    ["a fenced writer region's missing service is not service-down", evidence({ serviceWitness: "down" }, { serviceHealthy: false, fenced: true }), "suspect", false],
    ["an unreadable service health (null) is not service-down", evidence({ serviceWitness: "down" }, { serviceHealthy: null }), "suspect", false],
    ["a service the heartbeat reports healthy is not service-down", evidence({ serviceWitness: "down" }, { serviceHealthy: true }), "suspect", false],
    ["an unhealthy service that Route 53 still sees up is healthy", evidence({}, { serviceHealthy: false }), "healthy", false],
    ["a service failure reported by a stale heartbeat is not service-down", evidence({ heartbeat: "down", serviceWitness: "down" }, { ...STALE, serviceHealthy: false }), "suspect", false],
    ["a service failure while the database is unavailable is not service-down", evidence({ heartbeat: "down", serviceWitness: "down" }, { databaseAvailable: false, serviceHealthy: false }), "suspect", false],
    ["a service failure without a heartbeat report is not service-down", evidence({ heartbeat: "unknown", serviceWitness: "down" }, null), "suspect", false],
  ];

  it.each(rows)("%s", (_name, e, verdict, dataLossAllowed) => {
    // WHEN
    const judgement = judge(e);
    // THEN
    expect(judgement.verdict).toBe(verdict);
    expect(judgement.dataLossAllowed).toBe(dataLossAllowed);
  });

  it("lists the independent signals that say down, in a fixed order, never the probe or the service witness", () => {
    // GIVEN every signal down
    const e = evidence({ probe: "down", heartbeat: "down", witness: "down", replication: "down", serviceWitness: "down" }, STALE);
    // WHEN / THEN
    expect(judge(e).independentDown).toEqual(["heartbeat", "witness", "replication"]);
    expect(judge(evidence({ probe: "down", serviceWitness: "down", replication: "down" })).independentDown).toEqual(["replication"]);
  });

  it("needs two of three independent signals for data loss: exactly two is enough", () => {
    expect(judge(evidence({ witness: "down", replication: "down" })).dataLossAllowed).toBe(true);
    expect(judge(evidence({ witness: "down", replication: "unknown" })).dataLossAllowed).toBe(false);
  });

  it("summarizes the verdict and every signal in one line", () => {
    // GIVEN
    const e = evidence({ probe: "down", heartbeat: "down", witness: "down", replication: "unknown" }, STALE);
    // WHEN / THEN
    expect(judge(e).summary).toBe("region-down (probe=down, heartbeat=down, witness=down, replication=unknown, serviceWitness=up)");
  });

  describe("unreachable everywhere (nothing to drain)", () => {
    const rows: [string, Evidence, boolean][] = [
      ["probe, stale heartbeat and witness all down", evidence({ probe: "down", heartbeat: "down", witness: "down" }, STALE), true],
      ["probe, heartbeat and witness down with no heartbeat report at all", evidence({ probe: "down", heartbeat: "down", witness: "down" }, null), true],
      ["not when the probe answers", evidence({ heartbeat: "down", witness: "down" }, STALE), false],
      ["not when the witness answers", evidence({ probe: "down", heartbeat: "down", replication: "down" }, STALE), false],
      ["not when the heartbeat is unknown", evidence({ probe: "down", heartbeat: "unknown", witness: "down" }, STALE), false],
      ["not when a fresh heartbeat says down (the region's own monitor is alive: it reports its database unavailable)", evidence({ probe: "down", heartbeat: "down", witness: "down" }, { databaseAvailable: false }), false],
    ];
    it.each(rows)("%s", (_name, e, expected) => {
      expect(judge(e).unreachableEverywhere).toBe(expected);
    });
  });

  it.each<[Verdict, boolean]>([
    ["healthy", false],
    ["suspect", false],
    ["service-down", true],
    ["database-down", true],
    ["region-down", true],
  ])("%s is actionable: %s", (verdict, actionable) => {
    expect(isActionable(verdict)).toBe(actionable);
  });
});

describe("gatherEvidence: the signals as read from the standby region", () => {
  let mocks: AwsMocks;
  beforeEach(() => {
    mocks = mockAws();
  });
  afterEach(() => mocks.restore());

  const NOW = T0 + 60_000;
  const connected: MemberView = { arn: CLUSTER_ARN[STANDBY] as string, region: STANDBY, clusterId: CLUSTER_ID[STANDBY] as string, isWriter: false, synchronizationStatus: "connected" };

  function gather(options: { probe?: Probe; resolveTxt?: TxtResolver; ownMember?: MemberView | undefined } = {}) {
    const timing = fakeTiming(NOW);
    const sources: SignalSources = {
      dynamodb: new DynamoDBClient({ region: STANDBY }),
      cloudwatch: new CloudWatchClient({ region: STANDBY }),
      probe: options.probe ?? okProbe,
      resolveTxt: options.resolveTxt ?? witnesses({}),
      clock: timing.clock,
      call: createCaller({ policy: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 }, sleep: timing.sleep }),
    };
    const params: SignalParams = {
      controlTableName: CONTROL_TABLE,
      writerRegion: ACTIVE,
      probeUrl: regionalUrl(ACTIVE, HEALTH_PATH),
      probeTimeoutMs: 5000,
      witnessAliveName: WITNESS_ALIVE[ACTIVE] as string,
      witnessServiceName: WITNESS_APP[ACTIVE] as string,
      staleHeartbeatMs: 30_000,
      ownClusterId: CLUSTER_ID[STANDBY] as string,
      ownMember: "ownMember" in options ? options.ownMember : connected,
      replicationStallMs: 30_000,
      replicationStallSeconds: 180,
      lagLookbackSeconds: 300,
    };
    return gatherEvidence(sources, params);
  }

  function givenHeartbeatAge(ageMs: number, fields: Parameters<typeof heartbeatItem>[1] = {}) {
    givenItems(mocks.dynamodb, [heartbeatItem(ACTIVE, { at: NOW - ageMs, ...fields })]);
  }

  it("reads every signal up for a healthy writer region, from the local replica and this region's metrics", async () => {
    // GIVEN
    givenHeartbeatAge(5_000);
    mocks.cloudwatch.on(GetMetricDataCommand).resolves(lagData(120, NOW - 60_000));
    // WHEN
    const gathered = await gather();
    // THEN
    expect(Object.fromEntries(Object.entries(gathered.evidence).filter(([k]) => k !== "report").map(([k, v]) => [k, (v as { state: string }).state]))).toEqual({
      probe: "up",
      heartbeat: "up",
      witness: "up",
      replication: "up",
      serviceWitness: "up",
    });
    expect(gathered.evidence.report).toEqual({ ageMs: 5_000, stale: false, databaseAvailable: true, serviceHealthy: true, fenced: false });
    expect(gathered.replicationLagMs).toBe(120);
    expect(mocks.dynamodb).toHaveReceivedCommandWith(GetItemCommand, { TableName: CONTROL_TABLE, Key: { pk: { S: `heartbeat#${ACTIVE}` } }, ConsistentRead: true });
  });

  it("a heartbeat older than the stale limit is down and its report stale", async () => {
    givenHeartbeatAge(30_001);
    mocks.cloudwatch.on(GetMetricDataCommand).resolves(lagData(120, NOW));
    const gathered = await gather();
    expect(gathered.evidence.heartbeat.state).toBe("down");
    expect(gathered.evidence.report?.stale).toBe(true);
  });

  it("a heartbeat exactly at the stale limit is still fresh", async () => {
    givenHeartbeatAge(30_000);
    mocks.cloudwatch.on(GetMetricDataCommand).resolves(lagData(120, NOW));
    expect((await gather()).evidence.heartbeat.state).toBe("up");
  });

  it("a fresh heartbeat reporting the database unavailable is down", async () => {
    givenHeartbeatAge(1_000, { databaseAvailable: false });
    mocks.cloudwatch.on(GetMetricDataCommand).resolves(lagData(120, NOW));
    const gathered = await gather();
    expect(gathered.evidence.heartbeat.state).toBe("down");
    expect(gathered.evidence.report).toMatchObject({ stale: false, databaseAvailable: false });
  });

  it("no heartbeat yet is unknown, and an unreadable one too (never down)", async () => {
    givenItems(mocks.dynamodb, []);
    mocks.cloudwatch.on(GetMetricDataCommand).resolves(lagData(120, NOW));
    expect((await gather()).evidence.heartbeat.state).toBe("unknown");
    mocks.dynamodb.on(GetItemCommand).rejects(throttling());
    const gathered = await gather();
    expect(gathered.evidence.heartbeat.state).toBe("unknown");
    expect(gathered.evidence.report).toBeNull();
  });

  it("says in the heartbeat's detail how old it is, what it reports, or why there is none", async () => {
    // GIVEN
    mocks.cloudwatch.on(GetMetricDataCommand).resolves(lagData(120, NOW));
    const heartbeat = async () => (await gather()).evidence.heartbeat;
    // WHEN / THEN
    givenHeartbeatAge(4_600);
    expect(await heartbeat()).toEqual({ state: "up", detail: "heartbeat 5 s old" });
    givenHeartbeatAge(120_000);
    expect(await heartbeat()).toEqual({ state: "down", detail: `heartbeat of ${ACTIVE} is 120 s old` });
    givenHeartbeatAge(1_000, { databaseAvailable: false });
    expect(await heartbeat()).toEqual({ state: "down", detail: `${ACTIVE} reports its database unavailable` });
    givenItems(mocks.dynamodb, []);
    expect(await heartbeat()).toEqual({ state: "unknown", detail: `no heartbeat of ${ACTIVE} yet` });
    mocks.dynamodb.on(GetItemCommand).rejects(awsError("AccessDeniedException", "not authorized to perform dynamodb:GetItem"));
    expect(await heartbeat()).toEqual({ state: "unknown", detail: "heartbeat unreadable: AccessDeniedException: not authorized to perform dynamodb:GetItem" });
  });

  it.each<[string, TxtResolver, string, string]>([
    ["down answers are down", witnesses({ alive: "down", app: "down" }), "down", "down"],
    ["an unexpected answer is unknown", witnesses({ alive: "unknown", app: "up" }), "unknown", "up"],
    ["an unresolvable name is unknown", witnesses({ alive: "error", app: "error" }), "unknown", "unknown"],
  ])("witnesses: %s", async (_name, resolveTxt, alive, app) => {
    givenHeartbeatAge(1_000);
    mocks.cloudwatch.on(GetMetricDataCommand).resolves(lagData(120, NOW));
    const gathered = await gather({ resolveTxt });
    expect([gathered.evidence.witness.state, gathered.evidence.serviceWitness.state]).toEqual([alive, app]);
  });

  it("a TXT answer split in chunks is joined before it is read", async () => {
    givenHeartbeatAge(1_000);
    mocks.cloudwatch.on(GetMetricDataCommand).resolves(lagData(120, NOW));
    const gathered = await gather({ resolveTxt: async () => [["do", "wn"]] });
    expect(gathered.evidence.witness.state).toBe("down");
  });

  it("reads the answers the witness records carry (constructs/traffic/dns-failover.ts): up, down, and nothing else", async () => {
    givenHeartbeatAge(1_000);
    mocks.cloudwatch.on(GetMetricDataCommand).resolves(lagData(120, NOW));
    const stateFor = async (answers: string[][]) => (await gather({ resolveTxt: async () => answers })).evidence.witness.state;
    expect(await stateFor([["u", "p"]])).toBe("up");
    expect(await stateFor([["down"]])).toBe("down");
    expect(await stateFor([[""]])).toBe("unknown");
    expect(await stateFor([])).toBe("unknown");
  });

  it("names the witness record and its answer, or why it cannot be resolved, in the witnesses' details", async () => {
    // GIVEN
    givenHeartbeatAge(1_000);
    mocks.cloudwatch.on(GetMetricDataCommand).resolves(lagData(120, NOW));
    const alive = WITNESS_ALIVE[ACTIVE] as string;
    const app = WITNESS_APP[ACTIVE] as string;
    // WHEN / THEN
    const first = await gather({ resolveTxt: witnesses({ alive: "down", app: "up" }) });
    expect([first.evidence.witness, first.evidence.serviceWitness]).toEqual([
      { state: "down", detail: `${alive} TXT down` },
      { state: "up", detail: `${app} TXT up` },
    ]);
    const second = await gather({ resolveTxt: witnesses({ alive: "unknown", app: "error" }) });
    expect([second.evidence.witness, second.evidence.serviceWitness]).toEqual([
      { state: "unknown", detail: `${alive} TXT ["v=spf1 -all"]` },
      { state: "unknown", detail: `${app} unresolvable: ETIMEOUT: queryTxt ETIMEOUT` },
    ]);
  });

  it("says in the probe's detail what answered: the URL and its status, its error, or no answer", async () => {
    // GIVEN
    givenHeartbeatAge(1_000);
    mocks.cloudwatch.on(GetMetricDataCommand).resolves(lagData(120, NOW));
    const url = regionalUrl(ACTIVE, HEALTH_PATH);
    const probed = async (probe: Probe) => (await gather({ probe })).evidence.probe;
    // WHEN / THEN
    expect(await probed(okProbe)).toEqual({ state: "up", detail: `${url}: 200` });
    expect(await probed(failingProbe)).toEqual({ state: "down", detail: `${url}: 503` });
    expect(await probed(timedOutProbe)).toEqual({ state: "down", detail: `${url}: timeout after 5000 ms` });
    expect(await probed(async () => ({ ok: false, latencyMs: 3 }))).toEqual({ state: "down", detail: `${url}: no answer` });
  });

  it("the probe failing is down", async () => {
    givenHeartbeatAge(1_000);
    mocks.cloudwatch.on(GetMetricDataCommand).resolves(lagData(120, NOW));
    expect((await gather({ probe: failingProbe })).evidence.probe.state).toBe("down");
  });

  it.each<[string, number | null, number, MemberView | undefined, string, string]>([
    ["a lag below the stall limit and recent is up", 29_999, NOW - 60_000, connected, "up", "replication lag 29999 ms, 60 s old"],
    ["a lag at the stall limit is down", 30_000, NOW - 60_000, connected, "down", "replication lag 30000 ms"],
    ["a latest datapoint older than the stall window is down", 100, NOW - 181_000, connected, "down", "latest replication lag is 181 s old"],
    ["a latest datapoint exactly as old as the stall window is still up", 100, NOW - 180_000, connected, "up", "replication lag 100 ms, 180 s old"],
    ["no datapoint in the lookback is down", null, NOW, connected, "down", "no replication-lag datapoint in 300 s"],
    ["a member not connected is down", 100, NOW, { ...connected, synchronizationStatus: "pending-resync" }, "down", "synchronization pending-resync"],
    ["a member without a reported status is judged by its lag", 100, NOW, { ...connected, synchronizationStatus: undefined }, "up", "replication lag 100 ms, 0 s old"],
  ])("replication: %s", async (_name, lag, at, ownMember, state, detail) => {
    givenHeartbeatAge(1_000);
    mocks.cloudwatch.on(GetMetricDataCommand).resolves(lagData(lag, at));
    expect((await gather({ ownMember })).evidence.replication).toEqual({ state, detail });
  });

  it("a lag value that cannot be dated, or a dated datapoint without a usable value, is no datapoint: down", async () => {
    // GIVEN
    givenHeartbeatAge(1_000);
    const replication = async (values: number[], timestamps: Date[]) => {
      mocks.cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: "replicationLag", Values: values, Timestamps: timestamps }] });
      return (await gather()).evidence.replication;
    };
    // WHEN / THEN
    expect(await replication([100], [])).toEqual({ state: "down", detail: "no replication-lag datapoint in 300 s" });
    expect(await replication([Number.NaN], [new Date(NOW - 60_000)])).toEqual({ state: "down", detail: "no replication-lag datapoint in 300 s" });
  });

  it("unreadable metrics make replication unknown and the lag null", async () => {
    givenHeartbeatAge(1_000);
    mocks.cloudwatch.on(GetMetricDataCommand).rejects(throttling());
    const gathered = await gather();
    expect(gathered.evidence.replication).toEqual({ state: "unknown", detail: "replication lag unreadable: TransientError: GetMetricData failed after 2 attempts: ThrottlingException: Rate exceeded" });
    expect(gathered.replicationLagMs).toBeNull();
  });
});
