/**
 * Gathers the evidence about the writer region (evidence.ts) from the region
 * the code runs in. Every read but the probe stays inside this region: the
 * control table through its local replica (DynamoDB gateway endpoint), the
 * witness through the VPC resolver, the replication through this region's RDS
 * and CloudWatch endpoints. A failed read makes its signal `unknown`.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { readLag } from "./cloudwatch";
import { readHeartbeat } from "./control-table";
import { errorMessage, errorName } from "./errors";
import { Evidence, HeartbeatReport, Signal } from "./evidence";
import { MemberView } from "./global-cluster";
import { Probe } from "./probe";
import { WITNESS_DOWN, WITNESS_UP } from "./witness";
import { Caller, Clock } from "./retry";

export { WITNESS_DOWN, WITNESS_UP };

/** `dns.promises.Resolver#resolveTxt` or a model of it. */
export type TxtResolver = (name: string) => Promise<string[][]>;

export interface SignalSources {
  readonly dynamodb: DynamoDBClient;
  readonly cloudwatch: CloudWatchClient;
  readonly probe: Probe;
  readonly resolveTxt: TxtResolver;
  readonly clock: Clock;
  readonly call: Caller;
}

export interface SignalParams {
  readonly controlTableName: string;
  /** The region judged (the writer region). */
  readonly writerRegion: string;
  /** HTTPS URL of the writer region's health path on its regional name. */
  readonly probeUrl: string;
  readonly probeTimeoutMs: number;
  /** The witness TXT names of the writer region (alive, app). */
  readonly witnessAliveName: string;
  readonly witnessServiceName: string;
  /** A heartbeat older than this is stale. */
  readonly staleHeartbeatMs: number;
  /** This region's cluster id (the secondary whose replication is read). */
  readonly ownClusterId: string;
  /** This region's member of the global cluster, as read just before (its synchronization status). */
  readonly ownMember: MemberView | undefined;
  /** Replication lag at or above this is a stall. */
  readonly replicationStallMs: number;
  /** No lag datapoint newer than this many seconds is a stall. */
  readonly replicationStallSeconds: number;
  readonly lagLookbackSeconds: number;
}

function describe(error: unknown): string {
  return `${errorName(error)}: ${errorMessage(error)}`;
}

async function probeSignal(s: SignalSources, p: SignalParams): Promise<Signal> {
  const result = await s.probe(p.probeUrl, p.probeTimeoutMs);
  return { state: result.ok ? "up" : "down", detail: `${p.probeUrl}: ${result.status ?? result.error ?? "no answer"}` };
}

async function heartbeatSignal(s: SignalSources, p: SignalParams): Promise<{ signal: Signal; report: HeartbeatReport | null }> {
  try {
    const heartbeat = await readHeartbeat(s.dynamodb, s.call, p.controlTableName, p.writerRegion);
    const now = s.clock();
    if (!heartbeat) return { signal: { state: "unknown", detail: `no heartbeat of ${p.writerRegion} yet` }, report: null };
    const ageMs = Math.max(0, now - heartbeat.at);
    const stale = ageMs > p.staleHeartbeatMs;
    const report: HeartbeatReport = { ageMs, stale, databaseAvailable: heartbeat.databaseAvailable, serviceHealthy: heartbeat.serviceHealthy, fenced: heartbeat.fenced };
    if (stale) return { signal: { state: "down", detail: `heartbeat of ${p.writerRegion} is ${Math.round(ageMs / 1000)} s old` }, report };
    if (!heartbeat.databaseAvailable) return { signal: { state: "down", detail: `${p.writerRegion} reports its database unavailable` }, report };
    return { signal: { state: "up", detail: `heartbeat ${Math.round(ageMs / 1000)} s old` }, report };
  } catch (error) {
    return { signal: { state: "unknown", detail: `heartbeat unreadable: ${describe(error)}` }, report: null };
  }
}

async function witnessSignal(s: SignalSources, name: string): Promise<Signal> {
  try {
    const answers = (await s.resolveTxt(name)).map((chunks) => chunks.join(""));
    if (answers.includes(WITNESS_DOWN)) return { state: "down", detail: `${name} TXT ${WITNESS_DOWN}` };
    if (answers.includes(WITNESS_UP)) return { state: "up", detail: `${name} TXT ${WITNESS_UP}` };
    return { state: "unknown", detail: `${name} TXT ${JSON.stringify(answers)}` };
  } catch (error) {
    return { state: "unknown", detail: `${name} unresolvable: ${describe(error)}` };
  }
}

async function replicationSignal(s: SignalSources, p: SignalParams): Promise<{ signal: Signal; lagMs: number | null; rpoLagMs: number | null }> {
  const sync = p.ownMember?.synchronizationStatus;
  try {
    const lag = await readLag(s.cloudwatch, s.call, p.ownClusterId, s.clock(), p.lagLookbackSeconds);
    const ageS = lag.replicationLagAtMs ? Math.round((s.clock() - lag.replicationLagAtMs) / 1000) : null;
    let signal: Signal;
    if (sync !== undefined && sync !== "connected") signal = { state: "down", detail: `synchronization ${sync}` };
    else if (lag.replicationLagMs === null || ageS === null) signal = { state: "down", detail: `no replication-lag datapoint in ${p.lagLookbackSeconds} s` };
    else if (ageS > p.replicationStallSeconds) signal = { state: "down", detail: `latest replication lag is ${ageS} s old` };
    else if (lag.replicationLagMs >= p.replicationStallMs) signal = { state: "down", detail: `replication lag ${lag.replicationLagMs} ms` };
    else signal = { state: "up", detail: `replication lag ${lag.replicationLagMs} ms, ${ageS} s old` };
    return { signal, lagMs: lag.replicationLagMs, rpoLagMs: lag.rpoLagMs };
  } catch (error) {
    return { signal: { state: "unknown", detail: `replication lag unreadable: ${describe(error)}` }, lagMs: null, rpoLagMs: null };
  }
}

export interface GatheredEvidence {
  readonly evidence: Evidence;
  /** Latest replication lag of this region's secondary, ms (null when unknown). */
  readonly replicationLagMs: number | null;
  readonly rpoLagMs: number | null;
}

/** Reads every signal concurrently (a slow probe does not delay the others). */
export async function gatherEvidence(sources: SignalSources, params: SignalParams): Promise<GatheredEvidence> {
  const [probe, heartbeat, witness, serviceWitness, replication] = await Promise.all([
    probeSignal(sources, params),
    heartbeatSignal(sources, params),
    witnessSignal(sources, params.witnessAliveName),
    witnessSignal(sources, params.witnessServiceName),
    replicationSignal(sources, params),
  ]);
  return {
    evidence: { probe, heartbeat: heartbeat.signal, witness, replication: replication.signal, serviceWitness, report: heartbeat.report },
    replicationLagMs: replication.lagMs,
    rpoLagMs: replication.rpoLagMs,
  };
}
