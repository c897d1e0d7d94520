/**
 * The runbooks' Amazon States Language definitions (failover-orchestrator/state-machine.ts):
 * their structure only. How a run flows through them is tested by running the
 * emitted definitions with the real handlers (the drill, P8), never here.
 */
import {
  AWAIT_WRITER_MAX_SLICE_SECONDS,
  awaitWriterBudget,
  CONTROL_STATES,
  CRASH_RETRY,
  DefinitionProps,
  LAMBDA_SERVICE_ERRORS,
  LOCK_MARGIN_SECONDS,
  runbookDefinition,
  SERVICE_RETRY,
  State,
  STEP_RETRY,
  STEP_STATES,
} from "../../lambda/failover-orchestrator/state-machine";
import { STEP_NAMES } from "../../lambda/failover-orchestrator/contract";
import { ERROR_NAMES, PERMANENT_ERROR_NAMES, RETRYABLE_ERROR_NAMES } from "../../lambda/shared/errors";

// asl-validator ships no types: (definition, options?) => { isValid, errors }.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const validateAsl = require("asl-validator") as (definition: unknown, options?: { checkPaths?: boolean; checkArn?: boolean }) => { isValid: boolean; errors: unknown[] };

const FUNCTION_ARN = "arn:aws:lambda:us-west-2:111122223333:function:dr-prod-failover-orchestrator";

function props(fields: Partial<DefinitionProps> = {}): DefinitionProps {
  return {
    mode: "failover",
    functionArn: FUNCTION_ARN,
    partition: "aws",
    approvalTimeoutSeconds: 900,
    onApprovalTimeout: "abort",
    awaitWriter: awaitWriterBudget(1_200, 1_800),
    ...fields,
  };
}

interface Retrier {
  ErrorEquals: string[];
  MaxAttempts?: number;
  IntervalSeconds?: number;
  BackoffRate?: number;
}
interface Catcher {
  ErrorEquals: string[];
  ResultPath?: string;
  Next: string;
}

function states(definition: State): Record<string, State> {
  return definition.States as unknown as Record<string, State>;
}

function stateOf(definition: State, name: string): State {
  const s = states(definition)[name];
  if (!s) throw new Error(`no state ${name}`);
  return s;
}

/** The retrier Step Functions uses for `error`: the first whose ErrorEquals matches (States.ALL matches all). */
function retrierFor(state: State, error: string): Retrier | undefined {
  return ((state.Retry ?? []) as unknown as Retrier[]).find((r) => r.ErrorEquals.includes(error) || r.ErrorEquals.includes("States.ALL"));
}

function catcherFor(state: State, error: string): Catcher | undefined {
  return ((state.Catch ?? []) as unknown as Catcher[]).find((c) => c.ErrorEquals.includes(error) || c.ErrorEquals.includes("States.ALL"));
}

const S = STEP_STATES;
const C = CONTROL_STATES;

describe("runbookDefinition: the flow", () => {
  const definition = runbookDefinition(props());

  it("starts at Init", () => {
    expect(definition.StartAt).toBe(C.init);
  });

  it.each<[string, string]>([
    [C.init, C.normalize],
    [C.normalize, S.assess],
    [S.assess, C.afterAssess],
    [S.requestApproval, S.assess],
    [S.raiseCapacity, S.fence],
    [S.fence, C.drain],
    [C.drain, S.decide],
    [S.decide, C.afterDecide],
    [C.requestDecisionApproval, S.decide],
    [S.promote, S.awaitWriter],
    [S.awaitWriter, S.openGate],
    [S.openGate, S.verify],
    [S.verify, S.complete],
    [S.complete, C.succeeded],
    [S.standDown, C.stoodDown],
    [S.abort, C.afterAbort],
  ])("%s → %s", (from, to) => {
    expect(stateOf(definition, from).Next).toBe(to);
  });

  it("after assess: stands down first, then asks for an approval, otherwise raises capacity", () => {
    expect(stateOf(definition, C.afterAssess)).toMatchObject({
      Type: "Choice",
      Choices: [
        { Variable: "$.run.intended", StringEquals: "stand-down", Next: S.standDown },
        { Variable: "$.run.needsApproval", BooleanEquals: true, Next: S.requestApproval },
      ],
      Default: S.raiseCapacity,
    });
  });

  it("after decide: escalation first, then promote a switchover or a failover, otherwise stand down", () => {
    expect(stateOf(definition, C.afterDecide)).toMatchObject({
      Type: "Choice",
      Choices: [
        { Variable: "$.run.needsApproval", BooleanEquals: true, Next: C.requestDecisionApproval },
        { Variable: "$.run.decision.kind", StringEquals: "switchover", Next: S.promote },
        { Variable: "$.run.decision.kind", StringEquals: "failover", Next: S.promote },
      ],
      Default: S.standDown,
    });
  });

  it("drains for the run's drainSeconds", () => {
    expect(stateOf(definition, C.drain)).toEqual(expect.objectContaining({ Type: "Wait", SecondsPath: "$.run.drainSeconds" }));
  });

  it("ends in Succeed, Succeed (stood down) and Fail states", () => {
    expect(stateOf(definition, C.succeeded).Type).toBe("Succeed");
    expect(stateOf(definition, C.stoodDown).Type).toBe("Succeed");
    expect(stateOf(definition, C.failed)).toMatchObject({ Type: "Fail", Error: "FailoverFailed" });
  });

  it("has a task state for every orchestrator step, invoking it by name with the whole state", () => {
    for (const step of STEP_NAMES.filter((s) => s !== "requestApproval")) {
      expect(stateOf(definition, S[step])).toMatchObject({
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: { FunctionName: FUNCTION_ARN, Payload: { step, "state.$": "$" } },
        OutputPath: "$.Payload",
      });
    }
  });

  it("sends every task failure after its retries to Abort with the error in $.error", () => {
    for (const step of STEP_NAMES.filter((s) => s !== "abort")) {
      expect([step, catcherFor(stateOf(definition, S[step]), "States.TaskFailed")]).toEqual([step, { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: S.abort }]);
    }
    expect(catcherFor(stateOf(definition, S.abort), "States.TaskFailed")).toEqual({ ErrorEquals: ["States.ALL"], ResultPath: "$.abortError", Next: C.afterAbort });
  });

  it("ends a run a person refused as ApprovalRefused (whether or not Abort itself succeeded), every other failure as FailoverFailed", () => {
    expect(stateOf(definition, C.afterAbort)).toMatchObject({
      Type: "Choice",
      Choices: [
        { And: [{ Variable: "$.run.error.name", IsPresent: true }, { Variable: "$.run.error.name", StringEquals: "Refused" }], Next: C.refused },
        { And: [{ Variable: "$.error.Error", IsPresent: true }, { Variable: "$.error.Error", StringEquals: "Refused" }], Next: C.refused },
      ],
      Default: C.failed,
    });
    expect(stateOf(definition, C.refused)).toMatchObject({ Type: "Fail", Error: "ApprovalRefused" });
  });

  it("uses the partition in every integration ARN", () => {
    const gov = runbookDefinition(props({ partition: "aws-us-gov" }));
    expect(stateOf(gov, S.assess).Resource).toBe("arn:aws-us-gov:states:::lambda:invoke");
    expect(stateOf(gov, S.requestApproval).Resource).toBe("arn:aws-us-gov:states:::lambda:invoke.waitForTaskToken");
  });

  it("is a JSON document", () => {
    expect(JSON.parse(JSON.stringify(definition))).toEqual(definition);
  });
});

describe("runbookDefinition: the mode", () => {
  it.each<["failover" | "failback", string]>([
    ["failover", "FailoverFailed"],
    ["failback", "FailbackFailed"],
  ])("the %s runbook forces its mode on the request and fails as %s", (mode, error) => {
    const definition = runbookDefinition(props({ mode }));
    expect(stateOf(definition, C.init).Parameters).toMatchObject({ "executionId.$": "$$.Execution.Id", "request.$": "$", forced: { mode } });
    expect((stateOf(definition, C.normalize).Parameters as Record<string, string>)["request.$"]).toBe("States.JsonMerge(States.JsonMerge($.defaults, $.request, false), $.forced, false)");
    expect(stateOf(definition, C.failed).Error).toBe(error);
  });
});

describe("runbookDefinition: retries", () => {
  const definition = runbookDefinition(props());
  const tasks = STEP_NAMES.filter((s) => s !== "awaitWriter").map((s) => S[s]);

  it.each(tasks)("%s retries the orchestrator's retryable errors with the step policy", (name) => {
    for (const error of RETRYABLE_ERROR_NAMES) {
      expect([error, retrierFor(stateOf(definition, name), error)]).toEqual([error, { ErrorEquals: [...RETRYABLE_ERROR_NAMES], ...STEP_RETRY }]);
    }
  });

  it.each(STEP_NAMES.map((s) => S[s]))("%s never retries a permanent error", (name) => {
    for (const error of PERMANENT_ERROR_NAMES) expect([error, retrierFor(stateOf(definition, name), error)]).toEqual([error, undefined]);
  });

  it.each(STEP_NAMES.map((s) => S[s]))("%s retries Lambda service errors and crashes", (name) => {
    const state = stateOf(definition, name);
    expect(retrierFor(state, "Lambda.TooManyRequestsException")).toEqual({ ErrorEquals: [...LAMBDA_SERVICE_ERRORS], ...SERVICE_RETRY });
    expect(retrierFor(state, "Sandbox.Timedout")).toMatchObject({ ...CRASH_RETRY });
  });
});

describe("AwaitWriter: the wait for the writer (failover.maxWaitSeconds)", () => {
  it("retries WriterNotReadyError exactly the budget's extra invocations: no earlier retrier shadows it", () => {
    // GIVEN a budget of several invocations
    const budget = awaitWriterBudget(2_000, 1_800);
    expect(budget.extraAttempts).toBeGreaterThan(0);
    // WHEN
    const awaitWriter = stateOf(runbookDefinition(props({ awaitWriter: budget })), S.awaitWriter);
    // THEN the first retrier that matches (Step Functions uses only that one) is the budget's
    expect(retrierFor(awaitWriter, ERROR_NAMES.writerNotReady)).toEqual({ ErrorEquals: [ERROR_NAMES.writerNotReady], IntervalSeconds: 1, MaxAttempts: budget.extraAttempts, BackoffRate: 1 });
  });

  it("has no WriterNotReadyError retrier with MaxAttempts 0 (regression: it shadowed the budget's retrier)", () => {
    for (const budget of [awaitWriterBudget(600, 1_800), awaitWriterBudget(2_000, 1_800)]) {
      const retriers = (stateOf(runbookDefinition(props({ awaitWriter: budget })), S.awaitWriter).Retry ?? []) as unknown as Retrier[];
      expect(retriers.filter((r) => r.ErrorEquals.includes(ERROR_NAMES.writerNotReady) && r.MaxAttempts === 0)).toEqual([]);
    }
  });

  it("a single-invocation budget does not retry WriterNotReadyError at all: the run fails and pages", () => {
    const awaitWriter = stateOf(runbookDefinition(props({ awaitWriter: awaitWriterBudget(600, 1_800) })), S.awaitWriter);
    expect(retrierFor(awaitWriter, ERROR_NAMES.writerNotReady)).toBeUndefined();
    expect(catcherFor(awaitWriter, ERROR_NAMES.writerNotReady)?.Next).toBe(S.abort);
  });

  it("still retries the other retryable errors with the step policy", () => {
    const awaitWriter = stateOf(runbookDefinition(props({ awaitWriter: awaitWriterBudget(2_000, 1_800) })), S.awaitWriter);
    expect(retrierFor(awaitWriter, ERROR_NAMES.transient)).toEqual({ ErrorEquals: RETRYABLE_ERROR_NAMES.filter((n) => n !== ERROR_NAMES.writerNotReady), ...STEP_RETRY });
  });

  it.each<[number, number]>([
    [600, 1_800],
    [1_200, 1_800],
    [1_560, 1_800],
    [3_600, 1_800],
    [1_800, 600],
    [120, 120],
  ])("waits failover.maxWaitSeconds=%i in total (lock TTL %i s), each invocation within the Lambda timeout and the lock", (maxWait, ttl) => {
    // WHEN
    const budget = awaitWriterBudget(maxWait, ttl);
    const awaitWriter = stateOf(runbookDefinition(props({ awaitWriter: budget })), S.awaitWriter);
    const invocations = 1 + (retrierFor(awaitWriter, ERROR_NAMES.writerNotReady)?.MaxAttempts ?? 0);
    // THEN
    expect(budget.sliceSeconds * invocations).toBe(maxWait);
    expect(budget.sliceSeconds).toBeLessThanOrEqual(Math.max(60, Math.min(AWAIT_WRITER_MAX_SLICE_SECONDS, ttl - LOCK_MARGIN_SECONDS)));
  });

  it("rounds a wait that does not divide evenly up, by less than a second per invocation", () => {
    const budget = awaitWriterBudget(1_001, 1_800);
    const total = budget.sliceSeconds * (budget.extraAttempts + 1);
    expect(total).toBeGreaterThanOrEqual(1_001);
    expect(total - 1_001).toBeLessThan(budget.extraAttempts + 1);
  });

  it("uses the fewest invocations that fit", () => {
    expect(awaitWriterBudget(780, 1_800)).toEqual({ sliceSeconds: 780, extraAttempts: 0 });
    expect(awaitWriterBudget(781, 1_800)).toEqual({ sliceSeconds: 391, extraAttempts: 1 });
    expect(awaitWriterBudget(0, 1_800)).toEqual({ sliceSeconds: 0, extraAttempts: 0 });
  });

  it("never slices below a minute, whatever the lock", () => {
    expect(awaitWriterBudget(600, 60)).toEqual({ sliceSeconds: 60, extraAttempts: 9 });
  });
});

describe("approvals", () => {
  it.each<["abort" | "proceed"]>([["abort"], ["proceed"]])("the decision's approval (data loss above the RPO) never proceeds on timeout (onApprovalTimeout %s)", (onApprovalTimeout) => {
    const approval = stateOf(runbookDefinition(props({ onApprovalTimeout })), C.requestDecisionApproval);
    expect(approval).toMatchObject({ Type: "Task", ResultPath: "$.decisionApproval", TimeoutSeconds: 900, Next: S.decide });
    expect(catcherFor(approval, "States.Timeout")).toEqual({ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: S.abort });
  });

  it("the first approval proceeds on timeout, back to assess with $.approvalTimedOut, only when configured", () => {
    const approval = stateOf(runbookDefinition(props({ onApprovalTimeout: "proceed" })), S.requestApproval);
    expect(catcherFor(approval, "States.Timeout")).toEqual({ ErrorEquals: ["States.Timeout"], ResultPath: "$.approvalTimedOut", Next: S.assess });
    expect(catcherFor(approval, "Refused")).toEqual({ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: S.abort });
  });

  it("the first approval aborts on timeout by default", () => {
    const approval = stateOf(runbookDefinition(props({ onApprovalTimeout: "abort" })), S.requestApproval);
    expect(catcherFor(approval, "States.Timeout")).toEqual({ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: S.abort });
  });

  it("pages the task token and waits for the answer in $.approval, for the configured time", () => {
    expect(stateOf(runbookDefinition(props({ approvalTimeoutSeconds: 3_600 })), S.requestApproval)).toMatchObject({
      Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
      Parameters: { FunctionName: FUNCTION_ARN, Payload: { step: "requestApproval", "state.$": "$", "taskToken.$": "$$.Task.Token" } },
      ResultPath: "$.approval",
      TimeoutSeconds: 3_600,
    });
  });
});

describe("asl-validator", () => {
  it.each<[DefinitionProps["mode"], DefinitionProps["onApprovalTimeout"], number]>([
    ["failover", "abort", 600],
    ["failover", "proceed", 2_000],
    ["failback", "abort", 2_000],
    ["failback", "proceed", 600],
  ])("accepts the %s runbook (onApprovalTimeout %s, maxWait %i s)", (mode, onApprovalTimeout, maxWait) => {
    const definition = JSON.parse(JSON.stringify(runbookDefinition(props({ mode, onApprovalTimeout, awaitWriter: awaitWriterBudget(maxWait, 1_800) }))));
    const result = validateAsl(definition);
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });
});
