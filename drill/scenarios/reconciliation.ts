/**
 * The reconciliation drill: the primary region is lost with transactions in
 * flight in every store (Aurora writes from the application's traffic, txmeta
 * records and transaction-log objects from clients of the real transaction
 * processor), the standby fails over on its own, the lost region returns, and
 * the writer region's health monitor starts the reconciliation, which reports,
 * asks for an approval and replays.
 *
 * What makes something missing here: replication that resumed with the
 * region's return and has not drained yet. AWS documents that the writes a
 * global table (MREC) had not propagated are propagated when the region is
 * back, with no bound on how long it takes, and that S3 keeps an object PENDING
 * through a temporary failure; the drill holds the txmeta and txlogs
 * replication between the regions back (both directions; the model's
 * replicationHold and S3Model.hold) from the failure until well after the
 * replay, then lets it drain, so that the report has a fixed truth to match and
 * the late arrivals are seen to change nothing the replay wrote. (Which
 * backlog drains first is not documented: had the survivor's conflicting write
 * reached the returned region before the comparison, last-writer-wins would
 * have replaced the old version there too; docs/reconciliation.md says what
 * is left then.)
 *
 * A conflict: after the failover a client reuses the id of a transaction the
 * old region accepted (and never replicated) with another amount; the survivor
 * accepts it. The report must list it, the replay must leave it alone.
 *
 * The truth the report is checked against is read from the models directly
 * (items and objects of both regions, not through the reconciler's index,
 * pages and API calls), at the moment the approval is requested; the client's
 * own ledger checks it from the other side.
 *
 * Model additions it needs, in files of their own: the time index and
 * BatchGetItem (model/ddb-index.ts) and S3 (model/s3.ts), installed as model
 * extensions; this file adds a third extension that drives the clients and the
 * operator.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { Report, ReplayResult } from "../../lambda/reconciler/contract";
import { objectsOf } from "../../lambda/reconciler/stores";
import { replayRecords } from "../../lambda/reconciler/replay";
import { createCaller } from "../../lambda/shared/retry";
import { recordFromItem, recordKeyOf, TIME_INDEX, TransactionRecord } from "../../lambda/transaction-processor/record";
import { AwsModel, ModelExtension } from "../model/aws-model";
import { S3Model } from "../model/s3";
import { runScenario, Scenario, ScenarioInputs, ScenarioResult } from "../scenario";
import { S3_REPLICATION_DELAY_MS, World } from "../world";

const FAILURE_AT_S = 120;
const RETURN_AT_S = 600;
/** New transactions stop here, so the data is still once the region is back (retries go on until answered). */
const LAST_NEW_TRANSACTION_AT_S = 480;
const CONFLICT_AT_S = 420;
/** The returned region's txmeta and txlogs backlog drains here, long after the replay. */
const BACKLOG_DRAINS_AT_S = 2_700;
const APPROVE_AFTER_S = 60;
const DURATION_S = 3_000;
const TRANSACTIONS_PER_SECOND = 5;

export const reconciliationScenario: Scenario = {
  id: "reconciliation-after-return",
  title: "Primary lost with transactions in flight; region returns; reconciliation reports, is approved, replays",
  description:
    "The active region goes down at 2 min with transactions in flight in Aurora, txmeta and the transaction-log bucket; the standby fails over on its own; the region returns at 10 min with its txmeta/txlogs replication backlog not drained; the writer's monitor starts the reconciliation, which reports exactly what the survivor lacks, asks for an approval, replays it with conditional writes, and leaves a conflicting record alone. A second replay writes nothing.",
  durationSeconds: DURATION_S,
  environment: [{ function: "health-monitor", variables: { FAILOVER_AUTHORITY: "automatic" } }],
  timeline: [
    { atSeconds: FAILURE_AT_S, action: { fault: "region-down", region: "active" } },
    { atSeconds: RETURN_AT_S, action: { fault: "region-down", region: "active", heal: true } },
  ],
  expect: [{ writer: "standby" }, { promotions: 1, allowDataLoss: true }],
};

/** What a client sent, and what it learned. */
export interface LedgerEntry {
  readonly transactionId: string;
  readonly body: Record<string, string>;
  attempts: number;
  /** A request of it is under way; when the last one was sent. */
  inFlight: boolean;
  lastAtMs: number;
  /** 201/200 from a region, 409, or still trying. */
  outcome: "pending" | "accepted" | "conflict" | "gave-up";
  acceptedBy?: string;
  acceptedAtMs?: number;
  /** Requests that got no answer (the region was unreachable or failed): in flight when the region was lost. */
  unanswered: number;
}

export interface DrillCheck {
  readonly check: string;
  readonly met: boolean;
  readonly detail: string;
}

export interface ReconciliationDrillResult {
  readonly scenario: ScenarioResult;
  readonly checks: readonly DrillCheck[];
  /** No invariant broken, the scenario's expectations and every check met. */
  readonly passed: boolean;
  readonly report: Report | null;
  readonly replay: ReplayResult | null;
  /** The truth at the approval: ids the survivor lacked (records, log objects) and the conflicting ids. */
  readonly truth: { readonly missingRecords: string[]; readonly missingObjects: string[]; readonly conflicts: string[] } | null;
  readonly ledger: { readonly sent: number; readonly acceptedByOld: number; readonly acceptedBySurvivor: number; readonly unansweredAtFailure: number };
  readonly secondReplay: { readonly recordsWritten: number; readonly objectsWritten: number; readonly present: number } | null;
  readonly reconciliations: readonly { readonly name: string; readonly status: string }[];
  /** The last error a client's request met (diagnostics). */
  readonly lastClientError: string | null;
  readonly clientFailures: Readonly<Record<string, number>>;
}

const sorted = (ids: Iterable<string>) => [...ids].sort();
const same = (a: Iterable<string>, b: Iterable<string>) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));

interface Names {
  readonly table: string;
  readonly bucketOf: (region: string) => string;
  readonly stateTable: string;
}

/** The clients, the conflict, the operator and the truth: a model extension, so its timers run on the world's clock. */
class Driver implements ModelExtension {
  readonly ledger = new Map<string, LedgerEntry>();
  truth: ReconciliationDrillResult["truth"] = null;
  approvedAtMs: number | null = null;
  secondReplay: ReconciliationDrillResult["secondReplay"] = null;
  secondRunStarted = false;
  private replaying = false;
  conflictId: string | null = null;
  private timers: ReturnType<typeof setInterval>[] = [];
  private sent = 0;
  private tokenSeenAtMs: number | null = null;
  private answer: { region: string | undefined; expiresMs: number } | null = null;
  lastError: string | null = null;
  /** Requests without an answer, by why. */
  readonly failures = new Map<string, number>();

  constructor(
    private readonly world: () => World,
    private readonly s3: S3Model,
    private readonly names: Names,
    private readonly old: string,
    private readonly survivor: string,
    /** The drill's API client: its token's issuer and client id (transactionApi.authentication and .clients of the configuration). */
    private readonly client: { readonly issuer: string; readonly clientId: string },
  ) {}

  /** The record key of one of this client's transactions (records are keyed per client). */
  key(transactionId: string): string {
    return recordKeyOf(this.client.clientId, transactionId);
  }

  /** The client's access token as the load balancer forwards it after validating it (the model does not check signatures). */
  private bearer(): string {
    const segment = (value: unknown) => Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
    const nowS = Math.floor(this.world().clock.now() / 1000);
    return `${segment({ alg: "RS256", typ: "at+jwt" })}.${segment({ iss: this.client.issuer, client_id: this.client.clientId, iat: nowS, exp: nowS + 3_600 })}.drill`;
  }

  install(_model: AwsModel): void {
    const world = this.world();
    const startMs = world.clock.now();
    const at = (s: number) => startMs + s * 1000;
    this.timers.push(
      setInterval(() => {
        const now = world.clock.now();
        if (now <= at(LAST_NEW_TRANSACTION_AT_S)) for (let i = 0; i < TRANSACTIONS_PER_SECOND; i++) this.newTransaction();
        this.retryPending(now);
        if (this.conflictId === null && now >= at(CONFLICT_AT_S)) this.injectConflict();
        this.operator(now);
      }, 1_000),
    );
  }

  restore(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  private newTransaction(): void {
    const n = ++this.sent;
    const world = this.world();
    const id = `drill-tx-${String(n).padStart(6, "0")}`;
    const currencies = ["EUR", "USD", "GBP"];
    const body = {
      transactionId: id,
      amount: `${(n % 97) + 1}.${String((n * 7) % 100).padStart(2, "0")}`,
      currency: currencies[n % 3] as string,
      debitAccount: `DE${String(10_000_000 + n).padStart(20, "0")}`,
      creditAccount: "GB29NWBK60161331926819",
      timestamp: new Date(world.clock.now()).toISOString(),
    };
    const entry: LedgerEntry = { transactionId: id, body, attempts: 0, inFlight: false, lastAtMs: 0, outcome: "pending", unanswered: 0 };
    this.ledger.set(id, entry);
    void this.send(entry);
  }

  private retryPending(now: number): void {
    for (const entry of this.ledger.values()) {
      if (entry.outcome !== "pending" || entry.attempts === 0 || entry.inFlight) continue;
      // A client retries the same body every 10 s until it is answered.
      if (now - entry.lastAtMs >= 10_000) void this.send(entry);
    }
  }

  /** One POST /transactions through the global name, answered by the load balancer's rules and the real processor. */
  private async send(entry: LedgerEntry, region?: string): Promise<number | null> {
    const world = this.world();
    const e = entry;
    e.inFlight = true;
    e.attempts++;
    e.lastAtMs = world.clock.now();
    try {
      const target = region ?? this.route(world);
      if (!target) return this.noAnswer(e, "no region open");
      const answer = world.model.httpRequest(undefined, target, "POST", "/transactions");
      if (answer.kind === "unreachable") return this.noAnswer(e, "unreachable");
      if (answer.servedBy !== "lambda") return this.noAnswer(e, `refused ${answer.status}`);
      const fn = world.functionsOf("transaction-processor", target)[0];
      if (!fn) return this.noAnswer(e, "no function");
      const result = (await world.invoke(fn.arn, {
        httpMethod: "POST",
        path: "/transactions",
        headers: { "content-type": "application/json", authorization: `Bearer ${this.bearer()}` },
        body: JSON.stringify(entry.body),
        isBase64Encoded: false,
        requestContext: { elb: { targetGroupArn: "arn:aws:elasticloadbalancing:drill" } },
      })) as { statusCode: number };
      if (result.statusCode === 201 || result.statusCode === 200) {
        // The application also writes the transaction to its database (the model's Aurora: lost if not replicated at a forced failover).
        world.model.commitWrite(target);
        e.outcome = "accepted";
        e.acceptedBy = target;
        e.acceptedAtMs = world.clock.now();
      } else if (result.statusCode === 409) e.outcome = "conflict";
      else return this.noAnswer(e, `status ${result.statusCode}`);
      return result.statusCode;
    } catch (error) {
      this.lastError = `${(error as Error).name}: ${(error as Error).message}`;
      return this.noAnswer(e, "error");
    } finally {
      e.inFlight = false;
    }
  }

  private noAnswer(e: LedgerEntry, why: string): null {
    this.failures.set(why, (this.failures.get(why) ?? 0) + 1);
    e.unanswered++;
    if (e.attempts >= 60) e.outcome = "gave-up";
    return null;
  }

  /**
   * Where a client's request goes: the global name's answer. The Route 53 model answers the global
   * name only when its record is an alias to a load balancer; the protocol's global record is being
   * reworked in the drill, so the clients here follow what that record does: the first region in
   * PRIMARY, SECONDARY order whose gate answers open (the `gate` check of the calculated `region`
   * check), re-resolved once per alias TTL (60 s).
   */
  private route(world: World): string | undefined {
    const now = world.clock.now();
    if (this.answer && this.answer.expiresMs > now) return this.answer.region;
    const region = [this.old, this.survivor].find((r) => {
      const gate = world.model.httpRequest(undefined, r, "GET", "/.dr/gate");
      return gate.kind === "answered" && gate.status === 200;
    });
    this.answer = { region, expiresMs: now + 60_000 };
    return region;
  }

  /** A client reuses, in the survivor, the id of a transaction the old region accepted and never replicated, with another amount. */
  private injectConflict(): void {
    const world = this.world();
    const inSurvivor = world.model.items(this.survivor, this.names.table);
    const victim = [...this.ledger.values()].find((e) => e.outcome === "accepted" && e.acceptedBy === this.old && e.unanswered === 0 && !inSurvivor.has(this.key(e.transactionId)));
    if (!victim) return;
    this.conflictId = this.key(victim.transactionId);
    const clash: LedgerEntry = { transactionId: victim.transactionId, body: { ...victim.body, amount: "9999.99" }, attempts: 0, inFlight: false, lastAtMs: 0, outcome: "pending", unanswered: 0 };
    world.note("drill client", `reuses ${victim.transactionId} with another amount in ${this.survivor}`);
    void this.send(clash, this.survivor);
  }

  /** The operator: approves the replay a while after the approval page, and checks the replay set again afterwards. */
  private operator(now: number): void {
    const world = this.world();
    const pending = world.sfn.pendingTokens().find((t) => world.sfn.execution(t.executionArn)?.stateMachineArn.includes("-reconcile-"));
    if (pending && this.tokenSeenAtMs === null) {
      this.tokenSeenAtMs = now;
      this.truth = this.readTruth();
      world.note("drill operator", "reads the reconciliation report");
    }
    if (pending && this.tokenSeenAtMs !== null && this.approvedAtMs === null && now - this.tokenSeenAtMs >= APPROVE_AFTER_S * 1000) {
      // As npm run approve does: the token the reconciler left in the survivor's state table for the request the page names.
      const stored = world.storedApprovalToken(this.survivor, pending.executionArn, pending.stateName);
      if (stored === undefined) throw new Error(`drill: no approval item for ${pending.executionArn} ${pending.stateName} in ${this.survivor}'s state table`);
      world.sfn.sendTaskSuccess(this.survivor, { taskToken: stored, output: JSON.stringify({ approvedBy: "drill operator" }) });
      this.approvedAtMs = now;
      world.note("drill operator", "approves the replay");
    }
    const first = this.reconciliations().find((e) => !e.name.startsWith("operator-"));
    if (first?.status === "SUCCEEDED" && this.approvedAtMs !== null && this.secondReplay === null && !this.replaying) {
      this.replaying = true;
      void this.replayAgain();
    }
    if (this.secondReplay !== null && !this.secondRunStarted) {
      this.secondRunStarted = true;
      const machine = world.sfn.stateMachines().find((m) => m.region === this.survivor && m.name.includes("-reconcile-"));
      const failover = JSON.parse(world.sfn.execution(first!.arn)!.input) as { failoverExecutionArn: string };
      if (machine) world.sfn.startExecution(this.survivor, { stateMachineArn: machine.arn, name: "operator-reconcile-again", input: JSON.stringify({ failoverExecutionArn: failover.failoverExecutionArn, settleSeconds: 0 }) });
      world.note("drill operator", "starts a second reconciliation run");
    }
  }

  reconciliations(): { name: string; status: string; arn: string }[] {
    return this.world()
      .sfn.allExecutions()
      .filter((e) => e.stateMachineArn.includes("-reconcile-"))
      .map((e) => ({ name: e.name, status: e.status, arn: e.arn }));
  }

  /** The same replay set replayed again, from an operator's machine (no region of its own: the internet). */
  private async replayAgain(): Promise<void> {
    const setKey = [...this.s3.objects(this.names.bucketOf(this.survivor)).keys()].find((k) => k.startsWith("reconciliation/") && k.endsWith("/replay-set.json") && !k.includes("operator-"));
    if (!setKey) return;
    const set = JSON.parse(this.s3.objects(this.names.bucketOf(this.survivor)).get(setKey)!.body) as { records: TransactionRecord[] };
    const call = createCaller({ policy: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 }, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
    const dynamodb = new DynamoDBClient({ region: this.survivor });
    const s3 = new S3Client({ region: this.survivor });
    const outcomes = await replayRecords(
      { dynamodb, s3, call, tableName: this.names.table, bucketName: this.names.bucketOf(this.survivor), kmsKeyArn: "alias/drill", objects: objectsOf({ s3, call, bucketName: this.names.bucketOf(this.survivor) }) },
      set.records,
      4,
    );
    this.secondReplay = {
      recordsWritten: outcomes.filter((o) => o.record === "written").length,
      objectsWritten: outcomes.filter((o) => o.object === "written").length,
      present: outcomes.filter((o) => o.record === "present" && o.object === "present").length,
    };
    this.world().note("drill operator", `replays the approved set again: ${this.secondReplay.recordsWritten} records, ${this.secondReplay.objectsWritten} objects written`);
  }

  /** What the survivor lacks, read from the models (not through the reconciler): the report must say exactly this. */
  private readTruth(): ReconciliationDrillResult["truth"] {
    const world = this.world();
    const report = this.readReport();
    if (!report) return null;
    const from = report.window.from;
    const to = report.window.to;
    const oldItems = world.model.items(this.old, this.names.table);
    const newItems = world.model.items(this.survivor, this.names.table);
    const oldObjects = this.s3.objects(this.names.bucketOf(this.old));
    const newObjects = this.s3.objects(this.names.bucketOf(this.survivor));
    const missingRecords: string[] = [];
    const missingObjects: string[] = [];
    const conflicts: string[] = [];
    for (const item of oldItems.values()) {
      // Only the transaction path's records (the world's own client traffic writes bare txmeta items for its loss accounting).
      if (item[TIME_INDEX.partitionKey] === undefined) continue;
      const r = recordFromItem(item);
      if (r.receivedAt < from || r.receivedAt > to) continue;
      const theirs = newItems.get(r.recordKey);
      const theirObject = newObjects.get(r.logObjectKey);
      const recordConflict = theirs !== undefined && recordFromItem(theirs).payloadSha256 !== r.payloadSha256;
      const objectConflict = theirObject !== undefined && theirObject.metadata["payload-sha256"] !== r.payloadSha256;
      const mine = oldObjects.get(r.logObjectKey);
      if (recordConflict || objectConflict || (theirObject === undefined && mine !== undefined && mine.metadata["payload-sha256"] !== r.payloadSha256)) conflicts.push(r.recordKey);
      else if (!theirs) missingRecords.push(r.recordKey);
      else if (!theirObject) missingObjects.push(r.recordKey);
    }
    return { missingRecords: sorted(missingRecords), missingObjects: sorted(missingObjects), conflicts: sorted(conflicts) };
  }

  readReport(): Report | null {
    const objects = this.s3.objects(this.names.bucketOf(this.survivor));
    const key = [...objects.keys()].find((k) => k.startsWith("reconciliation/") && k.endsWith("/report.json") && !k.includes("/operator-"));
    return key ? (JSON.parse(objects.get(key)!.body) as Report) : null;
  }

  readReplay(): ReplayResult | null {
    const objects = this.s3.objects(this.names.bucketOf(this.survivor));
    const key = [...objects.keys()].find((k) => k.startsWith("reconciliation/") && k.endsWith("/replay.json") && !k.includes("/operator-"));
    return key ? (JSON.parse(objects.get(key)!.body) as ReplayResult) : null;
  }

  ledgerSummary(failureAtMs: number): ReconciliationDrillResult["ledger"] {
    const entries = [...this.ledger.values()];
    return {
      sent: this.sent,
      acceptedByOld: entries.filter((e) => e.acceptedBy === this.old).length,
      acceptedBySurvivor: entries.filter((e) => e.acceptedBy === this.survivor).length,
      unansweredAtFailure: entries.filter((e) => e.unanswered > 0 && (e.body.timestamp ?? "") <= new Date(failureAtMs + 60_000).toISOString()).length,
    };
  }
}

/** Runs the scenario with its model additions and driver, then checks the reconciliation against the truth. */
export async function runReconciliationDrill(inputs: ScenarioInputs): Promise<ReconciliationDrillResult> {
  const { app, config } = inputs;
  const old = config.regions.active;
  const survivor = old === config.regions.primary ? config.regions.secondary : config.regions.primary;
  const txmeta = app.resources("aws_dynamodb_table").find((t) => JSON.stringify(t.body.global_secondary_index ?? []).includes(TIME_INDEX.name));
  if (!txmeta) throw new Error(`the synthesized app has no table with the ${TIME_INDEX.name} index`);
  const table = String(app.resolve(txmeta.stack, txmeta.body.name as never));
  const s3 = S3Model.fromApp(app, { replicationDelayMs: S3_REPLICATION_DELAY_MS });
  const bucketOf = (region: string) => {
    const found = [...s3.buckets.entries()].find(([name, b]) => b.region === region && name.includes("-txlogs-"));
    if (!found) throw new Error(`no txlogs bucket in ${region}`);
    return found[0];
  };
  const names: Names = { table, bucketOf, stateTable: "" };
  let world: World | null = null;
  const auth = config.transactionApi.authentication;
  const apiClient = config.transactionApi.clients[0];
  if (!auth || !apiClient) throw new Error("the drill's configuration needs transactionApi.authentication and a registered client (config/dev.json has both)");
  const driver = new Driver(() => world as World, s3, names, old, survivor, { issuer: auth.issuer, clientId: apiClient.clientId });
  let startMs = 0;
  // From the failure until long after the replay, the txmeta and txlogs replication between the regions does not drain (both directions).
  const backlogHeld = () => world !== null && world.clock.now() >= startMs + FAILURE_AT_S * 1000 && world.clock.now() < startMs + BACKLOG_DRAINS_AT_S * 1000;
  const result = await runScenario(reconciliationScenario, {
    ...inputs,
    prepare: (w) => {
      world = w;
      startMs = w.clock.now();
      // The world answers the time index already (the synthesized table's); this scenario brings its own S3 model,
      // whose copies it holds and inspects.
      w.useS3(s3);
      w.model.extensions.push(driver);
      w.model.replicationHold = (p) => p.table === table && backlogHeld();
      s3.hold = (copy) => copy.sourceBucket.includes("-txlogs-") && backlogHeld();
      inputs.prepare?.(w);
    },
  });

  const report = driver.readReport();
  const replay = driver.readReplay();
  const truth = driver.truth;
  const w = world as unknown as World;
  const newItems = w.model.items(survivor, table);
  const newObjects = s3.objects(bucketOf(survivor));
  const oldItems = w.model.items(old, table);
  const ids = (list: readonly { recordKey: string }[] | undefined) => sorted((list ?? []).map((f) => f.recordKey));
  const reconciliations = driver.reconciliations();
  const byMonitor = reconciliations.filter((e) => e.name.startsWith("reconcile-"));
  const entries = [...driver.ledger.values()];
  const acceptedByOld = entries.filter((e) => e.acceptedBy === old && driver.key(e.transactionId) !== driver.conflictId);
  const survivorHash = (id: string) => (newItems.get(id) ? recordFromItem(newItems.get(id)!).payloadSha256 : null);
  const oldHash = (id: string) => (oldItems.get(id) ? recordFromItem(oldItems.get(id)!).payloadSha256 : null);
  const converged = truth !== null && [...truth.missingRecords, ...truth.conflicts].every((id) => oldHash(id) !== null && oldHash(id) === survivorHash(id));
  const checks: DrillCheck[] = [
    { check: "the writer's monitor started one reconciliation run, and it succeeded", met: byMonitor.length === 1 && byMonitor[0]?.status === "SUCCEEDED", detail: JSON.stringify(byMonitor.map((e) => [e.name, e.status])) },
    { check: "the pages say it started, what is missing, and ask for the approval", met: ["reconciliation-started", "reconciliation-report", "reconciliation-approval-request", "reconciliation-replayed"].every((k) => w.model.messages(survivor).some((m) => m.message.includes(`"kind":"${k}"`))), detail: w.model.messages(survivor).map((m) => /"kind":"([^"]+)"/.exec(m.message)?.[1]).filter((k) => k?.startsWith("reconciliation")).join(", ") },
    { check: "transactions were in flight in every store: Aurora writes lost, txmeta records and log objects missing in the survivor", met: result.dataLoss.some((d) => d.lostWrites > 0) && (truth?.missingRecords.length ?? 0) > 0 && (truth?.missingObjects.length ?? 0) > 0, detail: `Aurora lost ${result.dataLoss.map((d) => d.lostWrites).join("+")} writes; truth: ${truth?.missingRecords.length ?? "?"} records, ${truth?.missingObjects.length ?? "?"} objects` },
    { check: "the report lists exactly the records the survivor lacked (no more, no fewer)", met: truth !== null && report !== null && same(ids(report.missingRecords), truth.missingRecords), detail: `report ${ids(report?.missingRecords).length}, truth ${truth?.missingRecords.length ?? "?"}` },
    { check: "the report lists exactly the log objects the survivor lacked", met: truth !== null && report !== null && same(ids(report.missingObjects), truth.missingObjects), detail: `report ${ids(report?.missingObjects).length}, truth ${truth?.missingObjects.length ?? "?"}` },
    { check: "the report lists the conflicting record, and only it", met: driver.conflictId !== null && truth !== null && report !== null && same(ids(report.conflicts), [driver.conflictId]) && same(truth.conflicts, [driver.conflictId]), detail: `${driver.conflictId}; report ${JSON.stringify(ids(report?.conflicts))}` },
    { check: "every transaction the old region accepted is in the survivor or in the report (from the clients' ledger)", met: report !== null && acceptedByOld.every((e) => newItems.has(driver.key(e.transactionId)) || ids(report.missingRecords).includes(driver.key(e.transactionId))), detail: `${acceptedByOld.length} accepted by ${old}` },
    { check: "the replay restored every missing record and log object, with the old region's payload", met: replay !== null && truth !== null && truth.missingRecords.every((id) => survivorHash(id) === recordFromItem(oldItems.get(id)!).payloadSha256) && [...truth.missingRecords, ...truth.missingObjects].every((id) => newObjects.get(recordFromItem(oldItems.get(id) ?? newItems.get(id)!).logObjectKey)?.metadata["payload-sha256"] === recordFromItem(oldItems.get(id) ?? newItems.get(id)!).payloadSha256), detail: replay ? JSON.stringify(replay.counts) : "no replay result" },
    { check: "the conflicting record was left alone (the survivor's payload stands)", met: driver.conflictId !== null && survivorHash(driver.conflictId) !== null && report !== null && survivorHash(driver.conflictId) === report.conflicts[0]?.survivorPayloadSha256, detail: `${driver.conflictId}` },
    { check: "a second replay of the approved set writes nothing", met: driver.secondReplay !== null && driver.secondReplay.recordsWritten === 0 && driver.secondReplay.objectsWritten === 0, detail: JSON.stringify(driver.secondReplay) },
    { check: "a second reconciliation run finds nothing to replay", met: reconciliations.some((e) => e.name === "operator-reconcile-again" && e.status === "SUCCEEDED") && !w.sfn.allExecutions().some((e) => e.name === "operator-reconcile-again" && (w.sfn.execution(e.arn)?.history ?? []).some((h) => h.type === "TaskStateEntered" && (h.details?.stateEnteredEventDetails as { name?: string } | undefined)?.name === "RequestApproval")), detail: JSON.stringify(reconciliations.map((e) => [e.name, e.status])) },
    {
      check: "after both backlogs drained, the replayed records and the survivor's conflicting record are unchanged (the older replicated writes lost to last-writer-wins)",
      met: truth !== null && report !== null && truth.missingRecords.every((id) => survivorHash(id) === report.missingRecords.find((f) => f.recordKey === id)?.payloadSha256) && driver.conflictId !== null && survivorHash(driver.conflictId) === report.conflicts[0]?.survivorPayloadSha256 && s3.pending.length === 0 && converged,
      detail: `S3 copies pending: ${s3.pending.length}; both replicas agree on the reported ids: ${converged}`,
    },
  ];
  return {
    scenario: result,
    checks,
    // The RTO is the other scenarios' business (it is measured on the world's own DNS-routed traffic).
    passed: result.violations.length === 0 && result.expectations.every((e) => e.met) && checks.every((c) => c.met),
    report,
    replay,
    truth,
    ledger: driver.ledgerSummary(startMs + FAILURE_AT_S * 1000),
    secondReplay: driver.secondReplay,
    reconciliations: reconciliations.map(({ name, status }) => ({ name, status })),
    lastClientError: driver.lastError,
    clientFailures: Object.fromEntries(driver.failures),
  };
}
