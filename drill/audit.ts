/**
 * The audit record as the drill reads it, behind a typed adapter: the
 * orchestrator's audit item is being rewritten (docs/failover-protocol.md:
 * "the audit record always states the data-loss window or why it is unknown"),
 * and its field names will come with that rewrite. The drill compares the
 * window the audit states with the writes the model actually lost.
 */
import { AwsModel } from "./model/aws-model";

export interface AuditView {
  readonly executionId: string;
  /** Region whose state table holds the record. */
  readonly region: string;
  readonly newWriterArn?: string;
  /** The run asked for a promotion that allowed data loss. */
  readonly forced: boolean;
  /** The data-loss window the record states, ms; null when it says the window is unknown. */
  readonly dataLossWindowMs: number | null;
  /** Why the window is unknown, when the record says. */
  readonly unknownReason?: string;
  readonly outcome?: string;
}

export interface AuditAdapter {
  readonly name: string;
  /** Every audit record in the given tables of every region. */
  records(model: AwsModel, tables: readonly string[]): AuditView[];
}

/**
 * Today's audit item (lambda/failover-orchestrator/report.ts): pk `audit#<executionId>`,
 * `strategy`, `promotion`, `newWriterArn`, `estimatedDataLossMs` (the replication lag
 * at promotion; null when no lag datapoint could be read), `outcome`.
 */
export const currentAuditAdapter: AuditAdapter = {
  name: "lambda/failover-orchestrator/report.ts (audit#<executionId>, estimatedDataLossMs)",
  records(model, tables) {
    const out: AuditView[] = [];
    for (const region of model.regionNames()) {
      for (const table of tables) {
        for (const [key, item] of model.items(region, table)) {
          if (!key.startsWith("audit#")) continue;
          const estimated = item.estimatedDataLossMs?.N;
          out.push({
            executionId: item.executionId?.S ?? key.slice("audit#".length),
            region,
            ...(item.newWriterArn?.S ? { newWriterArn: item.newWriterArn.S } : {}),
            forced: item.strategy?.S === "unplanned" && item.promotion?.S === "requested",
            dataLossWindowMs: estimated !== undefined ? Number(estimated) : null,
            ...(item.outcome?.S ? { outcome: item.outcome.S } : {}),
          });
        }
      }
    }
    return out;
  },
};
