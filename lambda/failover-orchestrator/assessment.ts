/**
 * What assess and decide both need: this region's view of the global cluster
 * (the writer is the fencing token), the evidence about the writer region, and
 * the RPO policy. Every read is in this region except the writer database's
 * health, asked of the writer region's own RDS endpoint with a short timeout.
 */
import { describeDbCluster, describeGlobalCluster, GlobalClusterView, MemberView, DbClusterView } from "../shared/global-cluster";
import { judge, Judgement } from "../shared/evidence";
import { gatherEvidence } from "../shared/signals";
import { EvidenceRecord, RunRecord } from "./contract";
import { OrchestratorDeps } from "./deps";
import { describeError, isoAt } from "./run";

export interface WriterView {
  readonly global: GlobalClusterView;
  readonly ownCluster: DbClusterView;
  readonly ownMember: MemberView | undefined;
  readonly writer: MemberView | undefined;
  /** The promotion state relative to this region's cluster. */
  readonly promotion: "already-writer" | "in-progress" | "other-in-progress" | "pending";
}

export function promotionState(global: GlobalClusterView, ownArn: string): WriterView["promotion"] {
  if (global.failover) return global.failover.toArn === ownArn ? "in-progress" : "other-in-progress";
  if (global.members.find((m) => m.arn === ownArn)?.isWriter) return "already-writer";
  return "pending";
}

export async function readWriter(deps: OrchestratorDeps): Promise<WriterView> {
  const global = await describeGlobalCluster(deps.own.rds, deps.call, deps.config.globalClusterId);
  const ownCluster = await describeDbCluster(deps.own.rds, deps.call, deps.config.dbClusterId);
  return {
    global,
    ownCluster,
    ownMember: global.members.find((m) => m.arn === ownCluster.arn),
    writer: global.writer,
    promotion: promotionState(global, ownCluster.arn),
  };
}

/** The writer region's database, asked of its own RDS endpoint (through this region's egress, short timeout). */
async function primaryHealth(deps: OrchestratorDeps, writer: MemberView | undefined): Promise<{ reachable: boolean; detail: string }> {
  if (!writer) return { reachable: false, detail: "no writer member" };
  try {
    const cluster = await describeDbCluster(deps.peer.rds, deps.peerCall, writer.arn);
    return { reachable: cluster.status === "available", detail: `${writer.clusterId} in ${writer.region}: ${cluster.status}` };
  } catch (error) {
    return { reachable: false, detail: `${writer.region} unreachable: ${describeError(error)}` };
  }
}

export interface Assessed {
  readonly record: EvidenceRecord;
  readonly judgement: Judgement;
  readonly primaryDetail: string;
}

/** Gathers and judges the evidence about the writer region, from this region. */
export async function assessWriterRegion(deps: OrchestratorDeps, view: WriterView): Promise<Assessed> {
  const { config } = deps;
  const writerRegion = view.writer?.region ?? config.peerRegion;
  const [gathered, primary] = await Promise.all([
    gatherEvidence(
      { dynamodb: deps.own.dynamodb, cloudwatch: deps.own.cloudwatch, probe: deps.probe, resolveTxt: deps.resolveTxt, clock: deps.clock, call: deps.call },
      {
        controlTableName: config.controlTableName,
        writerRegion,
        probeUrl: config.peerProbeUrl,
        probeTimeoutMs: config.probeTimeoutMs,
        witnessAliveName: config.peerWitnessAliveName,
        witnessServiceName: config.peerWitnessServiceName,
        staleHeartbeatMs: config.staleHeartbeatSeconds * 1000,
        ownClusterId: config.dbClusterId,
        ownMember: view.ownMember,
        replicationStallMs: config.replicationStallMs,
        replicationStallSeconds: config.replicationStallSeconds,
        lagLookbackSeconds: config.lagLookbackSeconds,
      },
    ),
    primaryHealth(deps, view.writer),
  ]);
  const judgement = judge(gathered.evidence);
  const sync = view.ownMember?.synchronizationStatus;
  const synchronized =
    (sync === undefined || sync === "connected") && gathered.replicationLagMs !== null && gathered.replicationLagMs <= config.failbackMaxLagMs;
  return {
    record: {
      at: isoAt(deps),
      verdict: judgement.verdict,
      summary: judgement.summary,
      independentDown: judgement.independentDown,
      dataLossAllowed: judgement.dataLossAllowed,
      unreachableEverywhere: judgement.unreachableEverywhere,
      primaryReachable: primary.reachable,
      synchronized,
      replicationLagMs: gathered.replicationLagMs,
      rpoLagMs: gathered.rpoLagMs,
    },
    judgement,
    primaryDetail: primary.detail,
  };
}

/**
 * The lag that bounds a forced failover's data loss: the RPO lag when Aurora
 * reports it (PostgreSQL), the replication lag otherwise; null when unread.
 */
export function lossLagMs(record: EvidenceRecord): number | null {
  return record.rpoLagMs ?? record.replicationLagMs;
}

/**
 * True when a forced failover now could lose more than the RPO, or nobody can tell. Where the database enforces
 * the RPO (rds.global_db_rpo), the primary refuses commits that no secondary holds within it: whatever the lag
 * reads, or if it cannot be read, a forced failover loses at most the RPO.
 */
export function rpoAtRisk(record: EvidenceRecord, rpoSeconds: number, enforcement: "database" | "alarm"): boolean {
  if (enforcement === "database") return false;
  const lag = lossLagMs(record);
  return lag === null || lag > rpoSeconds * 1000;
}

/** A switchover is possible: the writer answers through its own endpoint and this secondary is synchronized. */
export function switchoverPossible(record: EvidenceRecord, view: WriterView): boolean {
  return record.primaryReachable && record.synchronized && view.global.status === "available";
}

export type { RunRecord };
