/**
 * The steps of the reconciliation run (contract.ts), dispatched on `event.step`.
 */
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { PublishCommand } from "@aws-sdk/client-sns";
import { auditKey } from "../failover-orchestrator/report";
import { approvalCommands, APPROVAL_REQUEST_PATTERN, storeApprovalToken } from "../shared/approval";
import { fromItem, TABLE_KEY } from "../shared/dynamo";
import { errorMessage, errorName, PreconditionFailedError, toOutcomeError, TransientError } from "../shared/errors";
import { TransactionRecord } from "../transaction-processor/record";
import { addCounts, compareWindow, EMPTY_COUNTS, Finding } from "./compare";
import { NoticeKind, ReconcileRequest, ReconcileState, ReplayResult, Report, RunState, STEP_NAMES, StepEvent } from "./contract";
import { comparisonSources, ReconcilerDeps, replayTarget, runFiles } from "./deps";
import { publishReplay, publishReport } from "./metrics";
import { executionNameOf, RUN_FILES, runPrefix } from "./names";
import { addReplayCounts, countReplay, EMPTY_REPLAY_COUNTS, ReplayOutcome, replayRecords } from "./replay";
import { auroraNote, buildReport, replayNotice, reportNotice, subjectOf } from "./report";
import { minuteBuckets, sortKeyBounds, FailoverAudit, auditFromItem, ReconcileWindow, windowFromAudit, windowFromBounds } from "./window";

interface ComparePart {
  readonly findings: Finding[];
  readonly replayable: TransactionRecord[];
}

interface ReplayPart {
  readonly outcomes: ReplayOutcome[];
}

function requireRun(state: ReconcileState, step: string): RunState {
  if (!state?.run) throw new PreconditionFailedError(`step ${step} needs the state returned by locate`);
  return state.run;
}

/** Reads the failover's audit record from this region's state table. */
export async function readAudit(deps: ReconcilerDeps, failoverExecutionArn: string): Promise<FailoverAudit> {
  const result = await deps.call("GetItem", () =>
    deps.own.dynamodb.send(new GetItemCommand({ TableName: deps.config.stateTableName, Key: { [TABLE_KEY]: { S: auditKey(failoverExecutionArn) } }, ConsistentRead: true })),
  );
  if (!result.Item) throw new PreconditionFailedError(`no audit record ${auditKey(failoverExecutionArn)} in ${deps.config.stateTableName} (${deps.config.region}): the failover has not completed here`);
  return auditFromItem(fromItem(result.Item));
}

/** The incident's key in file names: the failover execution's name, or the operator's window. */
export function incidentKeyOf(request: ReconcileRequest, window: ReconcileWindow): string {
  if (request.failoverExecutionArn) return executionNameOf(request.failoverExecutionArn);
  const stamp = (iso: string) => iso.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `window-${stamp(window.statedFrom)}-${stamp(window.statedTo)}`;
}

/** The window and the incident a request stands for (the audit record of the failover, or the given bounds). */
export async function resolveWindow(deps: ReconcilerDeps, request: ReconcileRequest): Promise<{ window: ReconcileWindow; audit: FailoverAudit | null }> {
  const { config } = deps;
  const options = { nowMs: deps.clock(), clockSkewSeconds: config.clockSkewSeconds, lookbackSeconds: config.lookbackSeconds };
  if (request.failoverExecutionArn) {
    const audit = await readAudit(deps, request.failoverExecutionArn);
    if (audit.newRegion !== config.region || audit.oldRegion !== config.peerRegion) {
      throw new PreconditionFailedError(`failover ${audit.executionId} moved the writer from ${audit.oldRegion} to ${audit.newRegion}; this run reconciles ${config.peerRegion} into ${config.region}`);
    }
    return { window: windowFromAudit(audit, options), audit };
  }
  if (request.from && request.to) return { window: windowFromBounds(request.from, request.to, options), audit: null };
  throw new PreconditionFailedError("the request needs failoverExecutionArn, or from and to");
}

export async function locate(deps: ReconcilerDeps, state: ReconcileState): Promise<ReconcileState> {
  if (state.run) return state;
  const { config } = deps;
  const request = state.request ?? {};
  const { window, audit } = await resolveWindow(deps, request);
  // The returned region must answer before anything is compared: one read of its time index.
  const first = minuteBuckets(window)[0] as string;
  await comparisonSources(deps)
    .index.page(first, sortKeyBounds(window), 1, null)
    .catch((error) => {
      throw new TransientError(`the returned region ${config.peerRegion} is not reachable yet: ${errorName(error)}: ${errorMessage(error)}`, { region: config.peerRegion }, error);
    });
  const incidentKey = incidentKeyOf(request, window);
  const run: RunState = {
    incidentKey,
    prefix: runPrefix(config.reportPrefix, incidentKey, state.runId),
    survivorRegion: config.region,
    returnedRegion: config.peerRegion,
    failoverExecutionArn: request.failoverExecutionArn ?? null,
    incidentId: audit?.incidentId ?? null,
    window,
    aurora: auroraNote(audit, config.peerRegion),
    compare: { cursor: { bucket: 0, startKey: null }, parts: 0, done: false, counts: EMPTY_COUNTS },
    report: null,
    replay: null,
  };
  deps.log.info("locate.done", { incidentKey, window, minutes: minuteBuckets(window).length });
  return { ...state, run };
}

export async function compare(deps: ReconcilerDeps, state: ReconcileState): Promise<ReconcileState> {
  const run = requireRun(state, "compare");
  if (run.compare.done || !run.compare.cursor) return state;
  const result = await compareWindow(comparisonSources(deps), run.window, run.compare.cursor, deps.config.maxRecordsPerStep);
  const part: ComparePart = { findings: result.findings, replayable: result.replayable };
  // The part's key is fixed by the state: a re-run after a crash rewrites the same part.
  await runFiles(deps).put(run.prefix + RUN_FILES.comparePart(run.compare.parts), part);
  const compareState = { cursor: result.cursor, parts: run.compare.parts + 1, done: result.cursor === null, counts: addCounts(run.compare.counts, result.counts) };
  deps.log.info("compare.slice", { part: run.compare.parts, pages: result.pages, counts: result.counts, done: compareState.done });
  return { ...state, run: { ...run, compare: compareState } };
}

export async function report(deps: ReconcilerDeps, state: ReconcileState): Promise<ReconcileState> {
  const run = requireRun(state, "report");
  if (!run.compare.done) throw new PreconditionFailedError("report needs a finished comparison");
  if (run.report) return state;
  const files = runFiles(deps);
  const findings: Finding[] = [];
  const replayable: TransactionRecord[] = [];
  for (let n = 0; n < run.compare.parts; n++) {
    const part = await files.get<ComparePart>(run.prefix + RUN_FILES.comparePart(n));
    findings.push(...part.findings);
    replayable.push(...part.replayable);
  }
  const body: Report = buildReport({ runId: state.runId, executionId: state.executionId, generatedAt: new Date(deps.clock()).toISOString(), run, findings, counts: run.compare.counts, replayable: replayable.length });
  const key = run.prefix + RUN_FILES.report;
  const replaySetKey = run.prefix + RUN_FILES.replaySet;
  await files.put(replaySetKey, { version: 1, runId: state.runId, records: replayable });
  await files.put(key, body);
  await publishReport(deps, body.summary);
  deps.log.warn("report.written", { report: files.uri(key), summary: body.summary });
  return { ...state, run: { ...run, report: { key, uri: files.uri(key), replaySetKey, summary: body.summary } } };
}

async function publish(deps: ReconcilerDeps, subject: string, message: Record<string, unknown>): Promise<void> {
  const { config } = deps;
  await deps.call("Publish", () =>
    deps.own.sns.send(new PublishCommand({ TopicArn: config.topicArn, Subject: subject.slice(0, 100), Message: JSON.stringify({ environment: config.environment, region: config.region, ...message }) })),
  );
}

/** Lambda failures arrive as { Error, Cause: '{"errorType","errorMessage",...}' }. */
function parseStepError(state: ReconcileState): { name: string; message: string } {
  const error = state.error;
  if (!error) return { name: "Unknown", message: "no error in state" };
  try {
    const cause = JSON.parse(error.Cause ?? "") as { errorMessage?: unknown };
    return { name: error.Error, message: typeof cause.errorMessage === "string" ? cause.errorMessage : (error.Cause ?? "") };
  } catch {
    return { name: error.Error, message: error.Cause ?? "" };
  }
}

export async function notify(deps: ReconcilerDeps, state: ReconcileState, kind: NoticeKind | undefined): Promise<ReconcileState> {
  const env = deps.config.environment;
  const run = state.run;
  const returned = run?.returnedRegion ?? deps.config.peerRegion;
  switch (kind) {
    case "report": {
      const r = requireRun(state, "notify").report;
      if (!r || !run) throw new PreconditionFailedError("notify report needs the report");
      const body = await runFiles(deps).get<Report>(r.key);
      await publish(deps, subjectOf(env, r.summary, returned), reportNotice(body, r.uri, state.request?.dryRun === true));
      return state;
    }
    case "replayed": {
      const replay = run?.replay;
      if (!replay || !run) throw new PreconditionFailedError("notify replayed needs the replay");
      await publish(deps, `[DR ${env}] Reconciliation replayed: ${replay.counts.records.written} records, ${replay.counts.objects.written} log objects written`, replayNotice(replay.counts, replay.resultKey ? runFiles(deps).uri(replay.resultKey) : "", state.runId));
      return state;
    }
    case "refused":
    case "expired":
      await publish(deps, `[DR ${env}] Reconciliation replay ${kind === "refused" ? "refused" : "not approved in time"}: nothing replayed`, {
        kind: `reconciliation-${kind}`,
        runId: state.runId,
        report: run?.report?.uri ?? null,
        note: "the report stands; replay later with npm run reconcile -- --incident <failover execution ARN> --replay --yes, or start another run",
      });
      return state;
    case "failed": {
      const error = parseStepError(state);
      await publish(deps, `[DR ${env}] Reconciliation with ${returned} FAILED: ${error.name}`, { kind: "reconciliation-failed", runId: state.runId, executionId: state.executionId, error, report: run?.report?.uri ?? null });
      return state;
    }
    default:
      throw new PreconditionFailedError(`notify needs kind: one of report, replayed, refused, expired, failed (got ${JSON.stringify(kind)})`);
  }
}

export async function requestApproval(deps: ReconcilerDeps, state: ReconcileState, taskToken: string | undefined, asking: string | undefined): Promise<ReconcileState> {
  const run = requireRun(state, "requestApproval");
  if (!taskToken) throw new PreconditionFailedError("requestApproval needs taskToken ($$.Task.Token)");
  if (!asking || !APPROVAL_REQUEST_PATTERN.test(asking)) throw new PreconditionFailedError(`requestApproval needs the asking state's name ($$.State.Name), got ${JSON.stringify(asking)}`);
  if (!run.report) throw new PreconditionFailedError("requestApproval needs the report");
  const { config } = deps;
  const s = run.report.summary;
  await storeApprovalToken(deps.own.dynamodb, deps.call, { tableName: config.stateTableName, executionId: state.executionId, request: asking, taskToken, nowMs: deps.clock() });
  await publish(deps, `[DR ${config.environment}] Approve the replay of ${s.replayable} transaction(s) from ${run.returnedRegion}?`, {
    kind: "reconciliation-approval-request",
    runId: state.runId,
    executionId: state.executionId,
    report: run.report.uri,
    summary: s,
    what: `Approving writes ${s.replayable} transaction(s) (records and/or log objects) from ${run.returnedRegion} into ${config.region} with conditional writes only; the ${s.conflicts.count} conflict(s) are left alone.`,
    // The token stays in the state table: answering needs the failover operator role, not this message.
    request: asking,
    ...approvalCommands(config.region, config.stateTableName, state.executionId, asking),
  });
  deps.log.warn("approval.requested", { runId: state.runId, replayable: s.replayable });
  return state;
}

export async function replay(deps: ReconcilerDeps, state: ReconcileState): Promise<ReconcileState> {
  const run = requireRun(state, "replay");
  if (!run.report) throw new PreconditionFailedError("replay needs the report");
  if (state.request?.dryRun) throw new PreconditionFailedError("a dry run replays nothing");
  const current = run.replay ?? { next: 0, parts: 0, done: false, counts: EMPTY_REPLAY_COUNTS, resultKey: null };
  if (current.done) return state;
  const files = runFiles(deps);
  const set = await files.get<{ records: TransactionRecord[] }>(run.report.replaySetKey);
  const slice = set.records.slice(current.next, current.next + deps.config.maxRecordsPerStep);
  // A re-run after a crash between the part and the state keeps what the first run wrote (its "written" counts).
  const partKey = run.prefix + RUN_FILES.replayPart(current.parts);
  const earlier = await files.tryGet<ReplayPart>(partKey);
  const outcomes = earlier && earlier.outcomes.length === slice.length ? earlier.outcomes : await replayRecords(replayTarget(deps), slice, deps.config.concurrency);
  if (!earlier) await files.put(partKey, { outcomes } satisfies ReplayPart);
  const next = current.next + slice.length;
  const counts = addReplayCounts(current.counts, countReplay(outcomes));
  const done = next >= set.records.length;
  let resultKey: string | null = null;
  if (done) {
    const all: ReplayOutcome[] = [];
    for (let n = 0; n <= current.parts; n++) all.push(...(await files.get<ReplayPart>(run.prefix + RUN_FILES.replayPart(n))).outcomes);
    resultKey = run.prefix + RUN_FILES.replayResult;
    const result: ReplayResult = { version: 1, runId: state.runId, finishedAt: new Date(deps.clock()).toISOString(), counts, outcomes: all };
    await files.put(resultKey, result);
    await publishReplay(deps, counts);
  }
  deps.log.warn("replay.slice", { from: current.next, to: next, counts: countReplay(outcomes), done });
  return { ...state, run: { ...run, replay: { next, parts: current.parts + 1, done, counts, resultKey } } };
}

export async function runStep(event: StepEvent, deps: ReconcilerDeps): Promise<ReconcileState> {
  if (!event || typeof event !== "object" || !event.state) throw new PreconditionFailedError("The event must be { step, state }");
  switch (event.step) {
    case "locate":
      return locate(deps, event.state);
    case "compare":
      return compare(deps, event.state);
    case "report":
      return report(deps, event.state);
    case "notify":
      return notify(deps, event.state, event.kind);
    case "requestApproval":
      return requestApproval(deps, event.state, event.taskToken, event.request);
    case "replay":
      return replay(deps, event.state);
    default:
      throw new PreconditionFailedError(`Unknown step ${JSON.stringify((event as { step?: unknown }).step)}; expected one of ${STEP_NAMES.join(", ")}`);
  }
}

/** The Lambda handler over the given collaborators: failures become typed errors the state machine matches. */
export function createStepHandler(deps: ReconcilerDeps): (event: StepEvent) => Promise<ReconcileState> {
  return async (event) => {
    const log = deps.log.child({ step: event?.step, runId: event?.state?.runId });
    try {
      return await runStep(event, { ...deps, log });
    } catch (error) {
      const outcome = toOutcomeError(error);
      log.error("step.failed", { error: outcome, retryable: outcome.retryable });
      throw outcome;
    }
  };
}
