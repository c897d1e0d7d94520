/**
 * `npm run reconcile -- --incident <failover execution ARN> | --from <ISO> --to <ISO>
 *      [--region-survivor <region>] [--config <file>] [--out <report.json>] [--replay --yes]`
 *
 * The reconciliation from an operator's machine, with the operator's AWS
 * credentials (the SDK's default chain: AWS_PROFILE, SSO, environment): the
 * same comparison module as the reconciler Lambda (lambda/reconciler), real
 * SDK clients for both regions.
 *
 * Dry run by default: it reads the failover's audit record (or takes the
 * window), compares the returned region with the survivor, prints the summary
 * and, with --out, writes the report (ids, amounts, no account numbers) to a
 * local file. It writes nothing to AWS.
 *
 * With --replay --yes: it also writes the report, the replay set and the
 * replay's result under reconciliation/<incident>/<run>/ in the survivor's
 * bucket (SSE-KMS), and replays the missing records and log objects into the
 * survivor with the transaction path's conditional writes (never an
 * overwrite; a conflict is listed and left alone). Running it again writes
 * nothing new.
 *
 * The survivor is --region-survivor, else regions.active of the configuration
 * (DR_CONFIG / DR_ENV, or --config); the returned region is the other one.
 * Exit codes: 0 done, 1 failed, 2 usage.
 */
import * as fs from "fs";
import * as path from "path";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { catalogOf } from "../lib/catalog";
import { AwsRegion } from "../lib/aws-regions";
import { DrConfig } from "../lib/config/model";
import { readConfigFile, selectedConfigFile } from "../lib/config/load";
import { compareWindow, CompareCursor, EMPTY_COUNTS, addCounts, Finding } from "../lambda/reconciler/compare";
import { ReconcilerConfig } from "../lambda/reconciler/config";
import { ReconcileRequest, RunState } from "../lambda/reconciler/contract";
import { comparisonSources, ReconcilerDeps, replayTarget, runFiles } from "../lambda/reconciler/deps";
import { RECONCILIATION_METRIC_NAMESPACE, REPORT_PREFIX_DEFAULT, RUN_FILES, runPrefix } from "../lambda/reconciler/names";
import { countReplay, replayRecords } from "../lambda/reconciler/replay";
import { auroraNote, buildReport } from "../lambda/reconciler/report";
import { incidentKeyOf, resolveWindow } from "../lambda/reconciler/steps";
import { errorMessage, errorName } from "../lambda/shared/errors";
import { createLogger } from "../lambda/shared/log";
import { createCaller, realSleep } from "../lambda/shared/retry";
import { TransactionRecord } from "../lambda/transaction-processor/record";

export interface ReconcileArgs {
  readonly incident?: string;
  readonly from?: string;
  readonly to?: string;
  readonly survivor?: string;
  readonly config?: string;
  readonly out?: string;
  readonly replay: boolean;
  readonly yes: boolean;
}

export const USAGE =
  "usage: npm run reconcile -- --incident <failover execution ARN> | --from <ISO> --to <ISO>\n" +
  "         [--region-survivor <region>] [--config <file>] [--out <report.json>] [--replay --yes]\n" +
  "Dry run by default: compares and reports, writes nothing to AWS. --replay --yes replays into the survivor (conditional writes only).\n";

export function parseArgs(argv: readonly string[]): ReconcileArgs {
  const args: { -readonly [K in keyof ReconcileArgs]: ReconcileArgs[K] } = { replay: false, yes: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--incident") args.incident = value();
    else if (flag === "--from") args.from = value();
    else if (flag === "--to") args.to = value();
    else if (flag === "--region-survivor") args.survivor = value();
    else if (flag === "--config") args.config = value();
    else if (flag === "--out") args.out = value();
    else if (flag === "--replay") args.replay = true;
    else if (flag === "--yes") args.yes = true;
    else throw new Error(`unknown argument ${flag}`);
  }
  if (!args.incident && !(args.from && args.to)) throw new Error("give --incident <failover execution ARN>, or --from and --to");
  if (args.incident && (args.from || args.to)) throw new Error("give --incident or a window (--from, --to), not both");
  if (args.incident && !args.incident.startsWith("arn:")) throw new Error("--incident takes the failover execution's ARN (executionId in the failover pages and in the audit record)");
  if (args.yes && !args.replay) throw new Error("--yes confirms --replay; alone it means nothing");
  return args;
}

export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** SDK clients of a region (tests inject the mocked ones; the default builds real clients with the default credential chain). */
  readonly clients?: (region: string) => { dynamodb: DynamoDBClient; s3: S3Client };
  readonly config?: DrConfig;
  readonly now?: () => number;
}

function defaultClients(region: string) {
  return { dynamodb: new DynamoDBClient({ region, maxAttempts: 1 }), s3: new S3Client({ region, maxAttempts: 1 }) };
}

/** The reconciler's configuration for a survivor, from the project's configuration (the catalog's names). */
export function reconcilerConfigFor(config: DrConfig, survivor: AwsRegion): ReconcilerConfig {
  const names = catalogOf(config).region(survivor);
  return {
    environment: config.environment,
    region: survivor,
    peerRegion: names.peerRegion,
    stateTableName: names.stateTable,
    tableName: names.tables.txmeta,
    bucketName: names.buckets.txlogs,
    peerBucketName: names.peerBuckets.txlogs,
    // S3 takes the alias: resolved in the survivor's region, where it names that region's own data key.
    kmsKeyArn: names.keyAlias("data"),
    topicArn: "",
    clockSkewSeconds: config.reconciliation.clockSkewSeconds,
    lookbackSeconds: config.reconciliation.lookbackSeconds,
    reportPrefix: REPORT_PREFIX_DEFAULT,
    metricNamespace: RECONCILIATION_METRIC_NAMESPACE,
    maxRecordsPerStep: 2_000,
    concurrency: 8,
    peerTimeoutMs: 10_000,
    retry: { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 5_000 },
  };
}

const line = (label: string, value: string) => `  ${label.padEnd(22)} ${value}\n`;
const totals = (t: Readonly<Record<string, string>>) => Object.entries(t).map(([c, a]) => `${a} ${c}`).join(", ") || "-";
const list = (found: readonly Finding[]) => (found.length === 0 ? "-" : found.map((f) => `${f.recordKey} (${f.amount} ${f.currency}, ${f.receivedAt})`).join("\n" + " ".repeat(25)));

export async function reconcileCli(argv: readonly string[], io: CliIo): Promise<number> {
  let args: ReconcileArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  try {
    const config = io.config ?? readConfigFile(path.resolve(args.config ?? selectedConfigFile(io.env)));
    const survivor = (args.survivor ?? config.regions.active) as AwsRegion;
    if (survivor !== config.regions.primary && survivor !== config.regions.secondary) {
      io.err(`--region-survivor ${survivor} is not a region of this configuration (${config.regions.primary}, ${config.regions.secondary})\n`);
      return 2;
    }
    if (!args.survivor) io.out(`Survivor: ${survivor} (regions.active of the configuration; --region-survivor overrides)\n`);
    const rc = reconcilerConfigFor(config, survivor);
    const clientsOf = io.clients ?? defaultClients;
    const own = clientsOf(survivor);
    const peer = clientsOf(rc.peerRegion);
    const now = io.now ?? Date.now;
    const log = createLogger({ function: "reconcile-cli" }, { sink: () => undefined });
    const call = createCaller({
      policy: rc.retry,
      sleep: realSleep,
      onRetry: (operation, error, attempt) => io.err(`  retry ${operation} (${attempt}): ${errorName(error)}\n`),
    });
    const deps: ReconcilerDeps = {
      config: rc,
      own: { ...own, sns: new SNSClient({ region: survivor }), cloudwatch: new CloudWatchClient({ region: survivor }) },
      peer,
      clock: now,
      sleep: realSleep,
      call,
      peerCall: call,
      log,
    };
    const request: ReconcileRequest = args.incident ? { failoverExecutionArn: args.incident, requestedBy: "operator" } : { from: args.from, to: args.to, requestedBy: "operator" };
    const { window, audit } = await resolveWindow(deps, request);
    io.out(`Comparing ${rc.peerRegion} (returned) with ${survivor} (survivor), ${window.from} .. ${window.to}\n`);
    for (const note of window.notes) io.out(`  - ${note}\n`);

    let cursor: CompareCursor | null = { bucket: 0, startKey: null };
    let counts = EMPTY_COUNTS;
    const findings: Finding[] = [];
    const replayable: TransactionRecord[] = [];
    const sources = comparisonSources(deps);
    while (cursor) {
      const slice = await compareWindow(sources, window, cursor, rc.maxRecordsPerStep);
      findings.push(...slice.findings);
      replayable.push(...slice.replayable);
      counts = addCounts(counts, slice.counts);
      cursor = slice.cursor;
    }
    const runId = `manual-${new Date(now()).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}`;
    const incidentKey = incidentKeyOf(request, window);
    const run: Pick<RunState, "survivorRegion" | "returnedRegion" | "failoverExecutionArn" | "incidentId" | "window" | "aurora"> = {
      survivorRegion: survivor,
      returnedRegion: rc.peerRegion,
      failoverExecutionArn: request.failoverExecutionArn ?? null,
      incidentId: audit?.incidentId ?? null,
      window,
      aurora: auroraNote(audit, rc.peerRegion),
    };
    const report = buildReport({ runId, executionId: "npm run reconcile", generatedAt: new Date(now()).toISOString(), run, findings, counts, replayable: replayable.length });
    const s = report.summary;
    io.out("\nReport\n");
    io.out(line("compared", String(s.compared)));
    io.out(line("missing records", `${s.missingRecords.count} (${totals(s.missingRecords.totals)})`));
    io.out(line("  ids", list(report.missingRecords)));
    io.out(line("missing log objects", String(s.missingObjects.count)));
    io.out(line("  ids", list(report.missingObjects)));
    io.out(line("conflicts", `${s.conflicts.count} (${totals(s.conflicts.totals)}): listed, never replayed`));
    io.out(line("  ids", list(report.conflicts)));
    if (report.aurora) io.out(line("aurora", `by hand, docs/reconciliation.md: snapshot ${report.aurora.snapshotPattern ?? "rds:unplanned-global-failover-<old cluster>-*"} in ${report.aurora.oldRegion}`));
    if (args.out) {
      fs.writeFileSync(args.out, `${JSON.stringify(report, null, 1)}\n`);
      io.out(`\nReport written to ${args.out} (ids and amounts, no account numbers)\n`);
    }
    if (!args.replay) {
      io.out(`\nDry run: nothing written. ${s.replayable > 0 ? `To replay ${s.replayable} transaction(s): add --replay --yes` : "Nothing to replay."}\n`);
      return 0;
    }
    const files = runFiles(deps);
    const prefix = runPrefix(rc.reportPrefix, incidentKey, runId);
    await files.put(prefix + RUN_FILES.replaySet, { version: 1, runId, records: replayable });
    await files.put(prefix + RUN_FILES.report, report);
    const outcomes = await replayRecords(replayTarget(deps), replayable, rc.concurrency);
    const replayed = countReplay(outcomes);
    await files.put(prefix + RUN_FILES.replayResult, { version: 1, runId, finishedAt: new Date(now()).toISOString(), counts: replayed, outcomes });
    io.out("\nReplay (conditional writes into the survivor)\n");
    io.out(line("records", `${replayed.records.written} written, ${replayed.records.present} already there, ${replayed.records.conflict} conflicts left alone`));
    io.out(line("log objects", `${replayed.objects.written} written, ${replayed.objects.present} already there, ${replayed.objects.conflict} conflicts left alone`));
    io.out(line("files", files.uri(prefix)));
    return 0;
  } catch (error) {
    io.err(`reconcile failed: ${errorName(error)}: ${errorMessage(error)}\n`);
    return 1;
  }
}

if (require.main === module) {
  reconcileCli(process.argv.slice(2), { env: process.env, out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }).then((code) => process.exit(code));
}
