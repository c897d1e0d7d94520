/**
 * The write gate of the transaction path: this region accepts a write only while
 * the failover protocol says it may (docs/failover-protocol.md, "The control
 * table" and "Gates"):
 *
 *   writable(R) = fence#R is not in force, and heartbeat#R is fresh and says R's cluster is the writer
 *
 * which is the gate rule's own formula (gateOpen(R) = R's cluster is the writer
 * and fence#R is not in force), read where the transaction path can read it
 * cheaply: the local replica of the control table, two strongly consistent
 * GetItems through the shared code (lambda/shared/control-table.ts), on exactly
 * the two items of this region (the function's IAM grant is scoped to them with
 * dynamodb:LeadingKeys; it may not write the table).
 *
 * Why not only the load balancer's gate: the gate answers 503 at the load
 * balancer, but it is applied by the monitor and the runbooks through the
 * Elastic Load Balancing API, which can be unreachable or throttled exactly when
 * a region is being fenced; the fence item arrives by DynamoDB replication alone.
 *
 * The verdict is cached for FENCE_CACHE_SECONDS (default 5) per execution
 * environment. That bounds how long this region keeps accepting writes after a
 * fence is written in the other region: the replication delay of the control
 * table (typically under a second) plus the cache period, plus the duration of
 * a request already past the check. A read that fails once the cached verdict has
 * expired refuses the write (fail closed): a region that cannot read its fence
 * does not write. A heartbeat older than STALE_HEARTBEAT_SECONDS (the protocol's
 * own staleness bound) or absent means the writer is unknown here, which also
 * refuses: a region whose monitor has stopped is one the other region may
 * already be failing over from.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Fence, fenceInForce, Heartbeat, readFence, readHeartbeat } from "../shared/control-table";
import { Caller, Clock } from "../shared/retry";

export type RefusalReason = "fenced" | "not-writer" | "writer-unknown" | "unreadable";

export type WriteVerdict = { readonly writable: true } | { readonly writable: false; readonly reason: RefusalReason };

export interface WriteGateSettings {
  readonly controlTableName: string;
  /** This function's own region: the only region whose items it reads. */
  readonly region: string;
  readonly cacheSeconds: number;
  readonly staleHeartbeatSeconds: number;
}

/** The verdict from this region's fence and heartbeat at `nowMs` (pure). */
export function writeVerdict(fence: Fence | null, heartbeat: Heartbeat | null, nowMs: number, staleHeartbeatSeconds: number): WriteVerdict {
  if (fenceInForce(fence, nowMs)) return { writable: false, reason: "fenced" };
  if (!heartbeat || nowMs - heartbeat.at > staleHeartbeatSeconds * 1000) return { writable: false, reason: "writer-unknown" };
  if (!heartbeat.ownIsWriter) return { writable: false, reason: "not-writer" };
  return { writable: true };
}

export interface WriteGate {
  /** The verdict for a write now; never throws. */
  check(): Promise<WriteVerdict & { readonly cached: boolean; readonly error?: string }>;
}

export function createWriteGate(deps: { readonly dynamodb: DynamoDBClient; readonly call: Caller; readonly clock: Clock; readonly settings: WriteGateSettings }): WriteGate {
  const { dynamodb, call, clock, settings } = deps;
  let cached: { verdict: WriteVerdict; readAtMs: number } | undefined;
  return {
    async check() {
      const nowMs = clock();
      if (cached && nowMs - cached.readAtMs < settings.cacheSeconds * 1000) return { ...cached.verdict, cached: true };
      try {
        const [fence, heartbeat] = await Promise.all([
          readFence(dynamodb, call, settings.controlTableName, settings.region),
          readHeartbeat(dynamodb, call, settings.controlTableName, settings.region),
        ]);
        const verdict = writeVerdict(fence, heartbeat, nowMs, settings.staleHeartbeatSeconds);
        cached = { verdict, readAtMs: nowMs };
        return { ...verdict, cached: false };
      } catch (error) {
        // The cached verdict (if any) is older than the cache period: refuse rather than write blind.
        cached = undefined;
        return { writable: false, reason: "unreadable", cached: false, error: (error as Error)?.name ?? "Error" };
      }
    },
  };
}

/** CloudWatch embedded-metric namespace and name of refused writes (one per refused request). */
export const WRITE_GATE_METRIC = { namespace: "DR/TransactionAPI", name: "WritesRefused", dimensions: ["Environment", "Region"] } as const;

/** The embedded-metric-format log line of one refused write: CloudWatch Logs turns it into the metric, no API call. */
export function refusalMetricLine(environment: string | undefined, region: string, reason: RefusalReason, nowMs: number): string {
  return JSON.stringify({
    _aws: {
      Timestamp: nowMs,
      CloudWatchMetrics: [{ Namespace: WRITE_GATE_METRIC.namespace, Dimensions: [[...WRITE_GATE_METRIC.dimensions]], Metrics: [{ Name: WRITE_GATE_METRIC.name, Unit: "Count" }] }],
    },
    Environment: environment ?? "unset",
    Region: region,
    Reason: reason,
    [WRITE_GATE_METRIC.name]: 1,
  });
}
