/**
 * The RTO/RPO budget of an unplanned regional failover (the writer region is
 * lost), phase by phase, worst case, from the values the synthesized Terraform
 * carries (extract.ts reads them) and the figures of aws-figures.json. Pure:
 * the same inputs give the same table. The configuration gate refuses a
 * configuration whose budget exceeds its own targets (app/ runs it at synthesis),
 * `npm run budget` prints it, and the drill checks its scenarios against it.
 *
 * Critical path (docs/failover-protocol.md):
 *   detection   the second-fastest independent signal turns down, then the monitor counts
 *               consecutiveSamples samples (the first may come a whole interval later);
 *   decision    0 in automatic mode; a person's approval window when one is needed;
 *   orchestration  the runbook's task states up to the promotion, and the other region's
 *               lock attempt timing out (it is gone);
 *   drain       0: nothing reaches a region that no vantage point reaches;
 *   promotion   the documented promotion time, plus one poll to notice it;
 *   traffic     the OpenGate step, and what is left of the DNS move: when clients are routed
 *               to the new region before its gate opens (its record is the preferred one, or
 *               carries no gate check: dns.preRouteStandby), the lost region's record failing,
 *               Route 53's propagation and the alias TTL run from the fault, alongside the
 *               phases above; otherwise the new region's gate check turns healthy, Route 53
 *               propagates it, and clients' cached answers (the alias records' fixed TTL) expire.
 * Off the critical path: capacity (the monitor pre-warms the standby at the first bad
 * sample; the standby's running tasks serve meanwhile) and verification (runs while
 * DNS caches expire).
 *
 * The second failure, the writer's database lost with its region up (FailureKind
 * "database"): detection waits for the database-down verdict (the writer's heartbeat
 * reporting its database unavailable, and the replication signal down); orchestration
 * ends at the Fence (the old region answers, no lock attempt times out); the drain is a
 * sample and the two allowances; the promotion counts Decide and Promote; clients move
 * from the Fence (the run holds the old region's lock, so nothing reopens its gate) if the old region's record
 * carries its gate check and this region's record is preferred or pre-routed, otherwise
 * once this region's gate opens. Assumed, not figured: with its writer database lost,
 * Aurora stops publishing the lag metric (or publishes one above the stall threshold)
 * and DescribeDBClusters stops reporting the cluster available.
 */
import { cite, figure, FigureId, FIGURES, Figures } from "./figures";

export interface CheckTiming {
  readonly intervalSeconds: number;
  readonly failureThreshold: number;
}

export interface BudgetInputs {
  /** The configuration's name (for tables and messages). */
  readonly label: string;
  readonly targets: { readonly rtoSeconds: number; readonly rpoSeconds: number };
  readonly monitor: {
    readonly sampleIntervalSeconds: number;
    readonly consecutiveSamples: number;
    readonly staleHeartbeatSeconds: number;
    readonly replicationStallSeconds: number;
  };
  readonly route53: {
    /** The `alive` check behind the witness. */
    readonly alive: CheckTiming;
    /** The `gate` check of the region being opened. */
    readonly gate: CheckTiming;
    readonly witnessTtlSeconds: number;
    /** How the global records route clients while the other region is lost (extract.ts reads them). */
    readonly routing: {
      /** Clients reach the takeover region once the lost region's record fails, before its gate opens. */
      readonly preRouted: boolean;
      /** The takeover region's record is the preferred one (PRIMARY, or weighted above 0). */
      readonly takeoverPreferred: boolean;
      /** Worst case of the lost region's record turning unhealthy once the region is down. */
      readonly lostRecordSeconds: number;
      /** The lost region's record carries its gate check, so that record fails when the Fence closes that gate. */
      readonly lostRecordFollowsGate: boolean;
      /** Worst case of the lost region's gate check failing once its gate is closed. */
      readonly lostGateSeconds: number;
    };
  };
  readonly runbook: {
    readonly authority: "automatic" | "approval" | "manual";
    readonly approvalTimeoutSeconds: number;
    readonly onRpoBreach: "escalate" | "proceed";
    readonly pollIntervalSeconds: number;
    readonly peerTimeoutMs: number;
    readonly peerRetryAttempts: number;
    /** Task states on the path from the start to the promotion call (assess, raiseCapacity, fence, decide, promote). */
    readonly taskStatesToPromotion: number;
    /** Task states on that path up to and including the Fence. */
    readonly taskStatesToFence: number;
    /** The drain's allowances when the old region is reachable (REPLICATION_ALLOWANCE_SECONDS, failover.inflightAllowanceSeconds). */
    readonly replicationAllowanceSeconds: number;
    readonly inflightAllowanceSeconds: number;
  };
  readonly capacity: {
    readonly targetGroupIntervalSeconds: number;
  };
  readonly data: {
    /** rds.global_db_rpo in the cluster parameter groups; null when the database does not enforce the RPO. */
    readonly globalDbRpoSeconds: number | null;
    /** Threshold of the replication-lag alarm that pages, seconds; null when none. */
    readonly lagAlarmSeconds: number | null;
    readonly s3ReplicationTimeControl: boolean;
    readonly dynamodbGlobalTables: boolean;
    /** Shortest backup interval (continuous backup counts as 0); null when there is no backup plan. */
    readonly backupIntervalSeconds: number | null;
  };
}

export interface Phase {
  readonly name: "detection" | "decision" | "orchestration" | "drain" | "promotion" | "traffic";
  readonly seconds: number;
  /** How the figure is made, with the sources. */
  readonly basis: string;
  /** Configuration fields that change this phase. */
  readonly fields: readonly string[];
}

export interface StoreBound {
  readonly store: "aurora" | "dynamodb" | "s3" | "backups";
  /** Worst-case data loss in seconds; null when nothing bounds it. */
  readonly seconds: number | null;
  readonly basis: string;
  /** Counted against targets.rpoSeconds (the transactional stores) or only reported. */
  readonly checked: boolean;
}

/**
 * What is lost: a whole region (nothing answers from it), or only the writer's database while its region stays up
 * (its load balancer, service and APIs answer; the runbook fences it directly).
 */
export type FailureKind = "region" | "database";

export interface Budget {
  readonly label: string;
  readonly failure: FailureKind;
  readonly targets: BudgetInputs["targets"];
  readonly phases: readonly Phase[];
  /** Sum of the phases. */
  readonly rtoSeconds: number | null;
  readonly offPath: readonly { readonly name: string; readonly seconds: number; readonly basis: string }[];
  readonly rpo: readonly StoreBound[];
  /** The largest bound among the checked stores (null when one is unbounded). */
  readonly rpoSeconds: number | null;
  readonly meetsRto: boolean;
  readonly meetsRpo: boolean;
}

const seconds = (id: FigureId, figures: Figures) => figure(id, figures);

/** Worst case of a Route 53 check turning (un)healthy: every one of `threshold` results, `interval` apart. */
function checkLatency(check: CheckTiming): number {
  return check.intervalSeconds * check.failureThreshold;
}

export function computeBudget(inputs: BudgetInputs, figures: Figures = FIGURES, failure: FailureKind = "region"): Budget {
  const m = inputs.monitor;
  const propagation = seconds("route53.dnsPropagationAfterHealthChange.seconds", figures);
  const confirm = m.consecutiveSamples * m.sampleIntervalSeconds;
  const replicationDown = m.replicationStallSeconds + seconds("aurora.metrics.period.seconds", figures);
  const replicationHow = `no lag datapoint for ${m.replicationStallSeconds} s + one ${seconds("aurora.metrics.period.seconds", figures)} s metric period`;
  const signals = [
    { name: "heartbeat", s: m.staleHeartbeatSeconds + m.sampleIntervalSeconds, how: `stale after ${m.staleHeartbeatSeconds} s, written every ${m.sampleIntervalSeconds} s` },
    {
      name: "witness",
      s: checkLatency(inputs.route53.alive) + propagation + inputs.route53.witnessTtlSeconds,
      how: `alive check ${inputs.route53.alive.intervalSeconds} s x ${inputs.route53.alive.failureThreshold} + propagation ${propagation} s + TTL ${inputs.route53.witnessTtlSeconds} s`,
    },
    { name: "replication", s: replicationDown, how: replicationHow },
  ].sort((a, b) => a.s - b.s);
  const agreeing = signals[1];
  // The database-down verdict: the writer's own monitor reports its database unavailable in a fresh heartbeat (its
  // sample, the control table's replication, the standby's sample), and the replication signal is down.
  const reported = 2 * m.sampleIntervalSeconds + seconds("dynamodb.globalReplication.worstCase.seconds", figures);
  const detection: Phase =
    failure === "region"
      ? {
          name: "detection",
          seconds: agreeing.s + confirm,
          basis: `two independent signals down: ${signals[0].name} (${signals[0].how}) and ${agreeing.name} (${agreeing.how}) = ${agreeing.s} s; then ${m.consecutiveSamples} samples x ${m.sampleIntervalSeconds} s`,
          fields: ["failover.sampleIntervalSeconds", "failover.consecutiveFailures", "failover.staleHeartbeatSeconds", "dns.witnessTtlSeconds"],
        }
      : {
          name: "detection",
          seconds: Math.max(reported, replicationDown) + confirm,
          basis:
            `the database-down verdict: the writer's heartbeat reports its database unavailable (two samples of ${m.sampleIntervalSeconds} s + ` +
            `${cite("dynamodb.globalReplication.worstCase.seconds", figures)} = ${reported} s) and replication down (${replicationHow} = ${replicationDown} s); ` +
            `then ${m.consecutiveSamples} samples x ${m.sampleIntervalSeconds} s`,
          fields: ["failover.sampleIntervalSeconds", "failover.consecutiveFailures", "failover.replicationStallSeconds"],
        };

  const r = inputs.runbook;
  const escalates = r.onRpoBreach === "escalate" && inputs.data.globalDbRpoSeconds === null;
  let decisionSeconds = 0;
  let decisionBasis = "automatic authority: no person in the path";
  if (r.authority === "approval") {
    decisionSeconds = r.approvalTimeoutSeconds;
    decisionBasis = `approval authority: up to the approval window (${r.approvalTimeoutSeconds} s)`;
  } else if (r.authority === "manual") {
    decisionSeconds = r.approvalTimeoutSeconds;
    decisionBasis = `manual authority: a paged person starts the runbook, budgeted at the approval window (${r.approvalTimeoutSeconds} s)`;
  } else if (escalates) {
    decisionSeconds = r.approvalTimeoutSeconds;
    decisionBasis = `the database does not bound the lag, so a lag above the RPO or unreadable escalates to an approval (up to ${r.approvalTimeoutSeconds} s)`;
  }
  const decision: Phase = {
    name: "decision",
    seconds: decisionSeconds,
    basis: decisionBasis,
    fields: ["failover.authority", "failover.approvalTimeoutSeconds", "failover.onRpoBreach", "database.rpoEnforcement"],
  };

  const step = seconds("orchestration.step.worstCase.seconds", figures);
  const peerTimeout = Math.ceil((r.peerTimeoutMs * r.peerRetryAttempts) / 1000);
  // With the region up, the orchestration phase ends at the Fence (its traffic may move from then on), and the Decide
  // and Promote steps after the drain count with the promotion.
  const afterFence = r.taskStatesToPromotion - r.taskStatesToFence;
  const orchestration: Phase =
    failure === "region"
      ? {
          name: "orchestration",
          seconds: r.taskStatesToPromotion * step + peerTimeout,
          basis: `${r.taskStatesToPromotion} task states x ${cite("orchestration.step.worstCase.seconds", figures)} + the lost region's lock attempt timing out (${r.peerTimeoutMs} ms x ${r.peerRetryAttempts})`,
          fields: ["failover.peerTimeoutMs"],
        }
      : {
          name: "orchestration",
          seconds: r.taskStatesToFence * step,
          basis: `${r.taskStatesToFence} task states up to the Fence x ${cite("orchestration.step.worstCase.seconds", figures)} (the old region answers: its lock is taken, not waited for)`,
          fields: [],
        };

  const drainSeconds = m.sampleIntervalSeconds + r.replicationAllowanceSeconds + r.inflightAllowanceSeconds;
  const drain: Phase =
    failure === "region"
      ? {
          name: "drain",
          seconds: 0,
          basis: "the lost region is unreachable from every vantage point: nothing to drain (a reachable old region drains for one sample, the replication allowance and the in-flight allowance)",
          fields: [],
        }
      : {
          name: "drain",
          seconds: drainSeconds,
          basis: `the old region is reachable: one sample (${m.sampleIntervalSeconds} s) + the replication allowance (${r.replicationAllowanceSeconds} s) + the in-flight allowance (${r.inflightAllowanceSeconds} s), the wait when its closed gate is not confirmed directly`,
          fields: ["failover.sampleIntervalSeconds", "failover.inflightAllowanceSeconds"],
        };

  const promote = seconds("aurora.globalFailover.published.seconds", figures);
  const promotion: Phase =
    failure === "region"
      ? {
          name: "promotion",
          seconds: promote + r.pollIntervalSeconds,
          basis: `${cite("aurora.globalFailover.published.seconds", figures)} + one poll (${r.pollIntervalSeconds} s)`,
          fields: ["failover.pollIntervalSeconds"],
        }
      : {
          name: "promotion",
          seconds: afterFence * step + promote + r.pollIntervalSeconds,
          basis: `the task states after the Fence up to Promote (${afterFence} x ${step} s) + ${cite("aurora.globalFailover.published.seconds", figures)} + one poll (${r.pollIntervalSeconds} s)`,
          fields: ["failover.pollIntervalSeconds"],
        };

  const ttl = seconds("alb.aliasTtl.seconds", figures);
  const routing = inputs.route53.routing;
  const beforeTraffic = [detection, decision, orchestration, drain, promotion].reduce((sum, p) => sum + p.seconds, 0);
  const openGate = `the OpenGate task state (${step} s)`;
  // With the region up, its record fails only once its gate stays closed, and only if the record carries that gate.
  // Clients then reach this region if its record is the preferred one (every record unhealthy) or is pre-routed.
  const movesAtFence = routing.lostRecordFollowsGate && (routing.takeoverPreferred || routing.preRouted);
  let traffic: Phase;
  if (failure === "database" && movesAtFence) {
    // The run holds the old region's lock (taken at Assess: that region answers), so the old region's monitor does not
    // reopen the gate before the fence reaches its replica of the control table: the gate check starts at the Fence.
    const dnsMove = routing.lostGateSeconds + propagation + ttl;
    const during = drain.seconds + promotion.seconds;
    const why = routing.takeoverPreferred ? "then every record is unhealthy and Route 53 answers this region's, the preferred one" : "this region's record carries no gate check";
    traffic = {
      name: "traffic",
      seconds: Math.max(step, dnsMove - during),
      basis:
        `clients routed here once the Fence closed the old region's gate (its record carries that gate's check; ${why}; the run holds that region's lock, so its monitor does not reopen it): ` +
        `gate check ${routing.lostGateSeconds} s + ${cite("route53.dnsPropagationAfterHealthChange.seconds", figures)} + ${cite("alb.aliasTtl.seconds", figures)} = ${dnsMove} s from the Fence, ` +
        `${dnsMove <= during ? `within the ${during} s of the drain and the promotion` : `${dnsMove - during} s after the promotion`}; the phase is the longer of what is left and ${openGate}`,
      fields: ["dns.preRouteStandby"],
    };
  } else if (failure === "database") {
    // The old region's record stays healthy (it carries no gate check), or this region's needs its gate: clients move
    // once this region's record turns healthy. (The Fence also scales the old service to zero, which fails its app
    // check some time later; the budget does not count on that.)
    traffic = {
      name: "traffic",
      seconds: step + checkLatency(inputs.route53.gate) + propagation + ttl,
      basis: `clients move only when this region's record turns healthy: ${openGate} + gate check ${inputs.route53.gate.intervalSeconds} s x ${inputs.route53.gate.failureThreshold} + ${cite("route53.dnsPropagationAfterHealthChange.seconds", figures)} + ${cite("alb.aliasTtl.seconds", figures)}`,
      fields: routing.lostRecordFollowsGate ? ["dns.preRouteStandby"] : [],
    };
  } else if (routing.preRouted) {
    // Clients move while the run detects and promotes: the phase is whatever of the DNS move is left, and at least the
    // OpenGate step (the gate opens for clients already there).
    const dnsMove = routing.lostRecordSeconds + propagation + ttl;
    const why = routing.takeoverPreferred ? "every record unhealthy: Route 53 answers the preferred one, this region's" : "its record carries no gate check (dns.preRouteStandby)";
    traffic = {
      name: "traffic",
      seconds: Math.max(step, dnsMove - beforeTraffic),
      basis:
        `clients routed here since the lost region's record failed (${why}): its check ${routing.lostRecordSeconds} s + ${cite("route53.dnsPropagationAfterHealthChange.seconds", figures)} + ` +
        `${cite("alb.aliasTtl.seconds", figures)} = ${dnsMove} s from the fault, ${dnsMove <= beforeTraffic ? `within the ${beforeTraffic} s before` : `${dnsMove - beforeTraffic} s after the promotion`}; ` +
        `the phase is the longer of what is left and ${openGate}`,
      fields: ["dns.preRouteStandby"],
    };
  } else {
    traffic = {
      name: "traffic",
      seconds: step + checkLatency(inputs.route53.gate) + propagation + ttl,
      basis: `${openGate} + gate check ${inputs.route53.gate.intervalSeconds} s x ${inputs.route53.gate.failureThreshold} + ${cite("route53.dnsPropagationAfterHealthChange.seconds", figures)} + ${cite("alb.aliasTtl.seconds", figures)}`,
      fields: ["dns.preRouteStandby"],
    };
  }

  const phases = [detection, decision, orchestration, drain, promotion, traffic];
  const rtoSeconds = phases.reduce((sum, p) => sum + p.seconds, 0);
  const offPath = [
    {
      name: "capacity",
      seconds: m.sampleIntervalSeconds + seconds("fargate.taskStart.seconds", figures) + inputs.capacity.targetGroupIntervalSeconds,
      basis: `pre-warmed at the first bad sample; ${cite("fargate.taskStart.seconds", figures)} + the first target-group check (${inputs.capacity.targetGroupIntervalSeconds} s); the standby's running tasks serve meanwhile`,
    },
  ];

  const rpo: StoreBound[] = [
    inputs.data.globalDbRpoSeconds !== null
      ? { store: "aurora", seconds: inputs.data.globalDbRpoSeconds, basis: `rds.global_db_rpo = ${inputs.data.globalDbRpoSeconds} s: the database refuses commits beyond it`, checked: true }
      : {
          store: "aurora",
          seconds: inputs.data.lagAlarmSeconds,
          basis:
            inputs.data.lagAlarmSeconds === null
              ? "not enforced and not alarmed"
              : `not enforced by the database: the lag alarm pages at ${inputs.data.lagAlarmSeconds} s and a forced failover ${r.onRpoBreach === "escalate" ? "waits for a person above it" : "proceeds above it"}`,
          checked: true,
        },
    inputs.data.dynamodbGlobalTables
      ? { store: "dynamodb", seconds: seconds("dynamodb.globalReplication.worstCase.seconds", figures), basis: cite("dynamodb.globalReplication.worstCase.seconds", figures), checked: true }
      : { store: "dynamodb", seconds: null, basis: "no global tables", checked: true },
    {
      store: "s3",
      seconds: inputs.data.s3ReplicationTimeControl ? seconds("s3.rtc.seconds", figures) : null,
      basis: inputs.data.s3ReplicationTimeControl ? `${cite("s3.rtc.seconds", figures)}; reported, not counted: the transaction log objects are re-derivable from the records` : "no Replication Time Control",
      checked: false,
    },
    {
      store: "backups",
      seconds: inputs.data.backupIntervalSeconds,
      basis: inputs.data.backupIntervalSeconds === null ? "no backup plan" : inputs.data.backupIntervalSeconds === 0 ? "continuous backup (point-in-time restore): logical corruption" : `every ${inputs.data.backupIntervalSeconds} s: what only backups protect (logical corruption)`,
      checked: false,
    },
  ];
  const checked = rpo.filter((s) => s.checked);
  const rpoSeconds = checked.some((s) => s.seconds === null) ? null : Math.max(...checked.map((s) => s.seconds as number));
  return {
    label: inputs.label,
    failure,
    targets: inputs.targets,
    phases,
    rtoSeconds,
    offPath,
    rpo,
    rpoSeconds,
    meetsRto: rtoSeconds !== null && rtoSeconds <= inputs.targets.rtoSeconds,
    meetsRpo: rpoSeconds !== null && rpoSeconds <= inputs.targets.rpoSeconds,
  };
}

/** What each budget is of, in words. */
export const FAILURE_WORDS: Readonly<Record<FailureKind, string>> = {
  region: "after the loss of a region",
  database: "after the loss of the writer's database, its region up",
};

/** One line naming the phases that make up the RTO excess and the fields that would change them; null when the RTO is met. */
export function rtoExcess(budget: Budget): string | null {
  const parts: string[] = [];
  if (!budget.meetsRto) {
    if (budget.rtoSeconds === null) {
      parts.push(`targets.rtoSeconds: ${budget.targets.rtoSeconds} s cannot be budgeted with failover.authority manual (a person starts every failover); use automatic or approval`);
    } else {
      const excess = budget.rtoSeconds - budget.targets.rtoSeconds;
      const largest = [...budget.phases].filter((p) => p.seconds > 0).sort((a, b) => b.seconds - a.seconds);
      const named: Phase[] = [];
      let covered = 0;
      for (const p of largest) {
        named.push(p);
        covered += p.seconds;
        if (covered >= excess) break;
      }
      parts.push(
        `targets.rtoSeconds: ${budget.targets.rtoSeconds} s is below the failover budget of ${budget.rtoSeconds} s ${FAILURE_WORDS[budget.failure]} (excess ${excess} s: ` +
          named.map((p) => `${p.name} ${p.seconds} s via ${p.fields.join(", ") || "AWS figures only (no configuration field changes it)"}`).join("; ") +
          "); raise targets.rtoSeconds or change those fields",
      );
    }
  }
  return parts.length > 0 ? parts.join(" | ") : null;
}

/** One line naming the data stores whose bound exceeds the RPO; null when the RPO is met. */
export function rpoExcess(budget: Budget): string | null {
  const parts: string[] = [];
  if (!budget.meetsRpo) {
    const over = budget.rpo.filter((s) => s.checked && (s.seconds === null || s.seconds > budget.targets.rpoSeconds));
    parts.push(
      `targets.rpoSeconds: ${budget.targets.rpoSeconds} s is below what the data stores bound (` +
        over.map((s) => `${s.store} ${s.seconds === null ? "unbounded" : `${s.seconds} s`}: ${s.basis}`).join("; ") +
        "); raise targets.rpoSeconds or set database.rpoEnforcement to database",
    );
  }
  return parts.length > 0 ? parts.join(" | ") : null;
}

/** Both excesses in one line; null when the targets are met. */
export function excessLine(budget: Budget): string | null {
  const parts = [rtoExcess(budget), rpoExcess(budget)].filter((p): p is string => p !== null);
  return parts.length > 0 ? parts.join(" | ") : null;
}
