/**
 * The drill's ASL runner on small hand-written definitions: the Lambda
 * integration's result and error shapes, Retry with its emitted intervals on
 * the virtual clock, Catch, waitForTaskToken with approval, refusal and
 * timeout, crash-after-step, StopExecution, execution-name uniqueness.
 */
import { VirtualClock } from "../../drill/clock";
import { Invocation, StepFunctionsService } from "../../drill/asl/runner";

const REGION = "us-east-2";
const FN = "arn:aws:lambda:us-east-2:111122223333:function:fn";

function task(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Type: "Task",
    Resource: "arn:aws:states:::lambda:invoke",
    Parameters: { FunctionName: FN, Payload: { "state.$": "$", "id.$": "$$.Execution.Id" } },
    OutputPath: "$.Payload",
    ...extra,
  };
}

let clock: VirtualClock;
let calls: Invocation[];
let behaviour: (invocation: Invocation) => Promise<unknown>;

function service(): StepFunctionsService {
  return new StepFunctionsService({
    account: "111122223333",
    now: clock.now,
    invoke: async (invocation) => {
      calls.push(invocation);
      return behaviour(invocation);
    },
  });
}

async function finish(sfn: StepFunctionsService, arn: string, maxMs = 3_600_000): Promise<Record<string, unknown>> {
  for (let waited = 0; waited < maxMs; waited += 1_000) {
    const d = sfn.describeExecution(REGION, arn);
    if (d.status !== "RUNNING") return d;
    await clock.tick(1_000);
  }
  return sfn.describeExecution(REGION, arn);
}

beforeEach(() => {
  clock = new VirtualClock({ seed: 7 }).install();
  calls = [];
  behaviour = async (i) => ({ ...(i.payload as object), done: true });
});

afterEach(() => clock.uninstall());

describe("the Lambda integration", () => {
  it("passes the processed Payload and the Context Object, and unwraps { Payload, StatusCode, ExecutedVersion } through OutputPath", async () => {
    const sfn = service();
    const sm = sfn.register(REGION, "one", { StartAt: "A", States: { A: task({ End: true }) } });
    const { executionArn } = sfn.startExecution(REGION, { stateMachineArn: sm.arn, name: "run-1", input: '{"x":1}' });

    const done = await finish(sfn, executionArn);

    expect(done.status).toBe("SUCCEEDED");
    expect(JSON.parse(String(done.output))).toEqual({ state: { x: 1 }, id: executionArn, done: true });
    expect(calls[0]?.functionArn).toBe(FN);
  });

  it("turns a thrown error into Error = its name and Cause = Lambda's JSON, which Catch puts at its ResultPath", async () => {
    behaviour = async () => {
      throw Object.assign(new Error("the lock is held"), { name: "LockHeldError" });
    };
    const sfn = service();
    const sm = sfn.register(REGION, "catch", {
      StartAt: "A",
      States: { A: task({ Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "B" }], Next: "B" }), B: { Type: "Pass", End: true } },
    });
    const { executionArn } = sfn.startExecution(REGION, { stateMachineArn: sm.arn, name: "run-1", input: "{}" });

    const done = await finish(sfn, executionArn);
    const output = JSON.parse(String(done.output)) as { error: { Error: string; Cause: string } };

    expect(output.error.Error).toBe("LockHeldError");
    expect(JSON.parse(output.error.Cause)).toEqual(expect.objectContaining({ errorType: "LockHeldError", errorMessage: "the lock is held", trace: expect.any(Array) }));
  });
});

describe("Retry on the virtual clock", () => {
  it("waits the emitted IntervalSeconds x BackoffRate between attempts, then catches", async () => {
    behaviour = async () => {
      throw Object.assign(new Error("busy"), { name: "TransientError" });
    };
    const sfn = service();
    const sm = sfn.register(REGION, "retry", {
      StartAt: "A",
      States: {
        A: task({ Retry: [{ ErrorEquals: ["TransientError"], IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 2 }], Catch: [{ ErrorEquals: ["States.ALL"], Next: "F" }], End: true }),
        F: { Type: "Fail", Error: "Failed", Cause: "gave up" },
      },
    });
    const { executionArn } = sfn.startExecution(REGION, { stateMachineArn: sm.arn, name: "run-1", input: "{}" });

    const done = await finish(sfn, executionArn);

    expect(done).toEqual(expect.objectContaining({ status: "FAILED", error: "Failed", cause: "gave up" }));
    const times = calls.map(() => 0);
    expect(times).toHaveLength(4);
    const history = sfn.execution(executionArn)?.history ?? [];
    const scheduled = history.filter((h) => h.type === "TaskScheduled").map((h) => h.timestamp.getTime() - clock.startMs);
    expect(scheduled).toEqual([0, 5_000, 15_000, 35_000]);
  });

  it("a crash after the step reruns the same task (side effects done twice) through the emitted Retry of Lambda.Unknown", async () => {
    const sfn = service();
    const definition = {
      StartAt: "A",
      States: { A: task({ Retry: [{ ErrorEquals: ["Lambda.Unknown"], IntervalSeconds: 5, MaxAttempts: 2, BackoffRate: 2 }], Next: "B" }), B: task({ End: true }) },
    };
    const sm = sfn.register(REGION, "crash", definition);
    sfn.planCrashes(sm.arn, [{ state: "A", times: 1 }]);
    const { executionArn } = sfn.startExecution(REGION, { stateMachineArn: sm.arn, name: "run-1", input: "{}" });

    const done = await finish(sfn, executionArn);

    expect(done.status).toBe("SUCCEEDED");
    expect(calls.map((c) => `${c.stateName}#${c.attempt}`)).toEqual(["A#1", "A#2", "B#1"]);
    expect(sfn.execution(executionArn)?.history.some((h) => h.type === "TaskFailed" && JSON.stringify(h.details).includes("Lambda.Unknown"))).toBe(true);
  });

  it("a Task without TimeoutSeconds does not time out after the interpreter's 60 s (AWS's default is 99999999 s)", async () => {
    behaviour = async () => {
      await new Promise((resolve) => setTimeout(resolve, 300_000));
      return { slow: true };
    };
    const sfn = service();
    const sm = sfn.register(REGION, "slow", { StartAt: "A", States: { A: task({ End: true }) } });
    const { executionArn } = sfn.startExecution(REGION, { stateMachineArn: sm.arn, name: "run-1", input: "{}" });

    const done = await finish(sfn, executionArn);

    expect(done.status).toBe("SUCCEEDED");
    expect(clock.elapsedMs()).toBeGreaterThanOrEqual(300_000);
  });
});

describe("waitForTaskToken", () => {
  const definition = {
    StartAt: "Approve",
    States: {
      Approve: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
        Parameters: { FunctionName: FN, Payload: { "taskToken.$": "$$.Task.Token" } },
        ResultPath: "$.approval",
        TimeoutSeconds: 900,
        Catch: [
          { ErrorEquals: ["States.Timeout"], ResultPath: "$.error", Next: "TimedOut" },
          { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Refused" },
        ],
        Next: "Done",
      },
      Done: { Type: "Succeed" },
      TimedOut: { Type: "Fail", Error: "TimedOut" },
      Refused: { Type: "Fail", Error: "Refused" },
    },
  };

  async function started(): Promise<{ sfn: StepFunctionsService; arn: string; token: string }> {
    const sfn = service();
    const sm = sfn.register(REGION, "approval", definition);
    const { executionArn } = sfn.startExecution(REGION, { stateMachineArn: sm.arn, name: "run-1", input: "{}" });
    await clock.tick(1_000);
    const token = (calls[0]?.payload as { taskToken: string }).taskToken;
    return { sfn, arn: executionArn, token };
  }

  it("gives the function a fresh token and continues with SendTaskSuccess's output", async () => {
    const { sfn, arn, token } = await started();
    expect(token).toMatch(/^drill-token-/);
    expect(sfn.pendingTokens()).toEqual([expect.objectContaining({ token, stateName: "Approve" })]);

    sfn.sendTaskSuccess(REGION, { taskToken: token, output: '{"approvedBy":"ops"}' });
    const done = await finish(sfn, arn);

    expect(done.status).toBe("SUCCEEDED");
    expect(JSON.parse(String(done.output))).toEqual({ approval: { approvedBy: "ops" } });
  });

  it("fails the task with SendTaskFailure's error and cause", async () => {
    const { sfn, arn, token } = await started();
    sfn.sendTaskFailure(REGION, { taskToken: token, error: "Refused", cause: "not now" });
    const done = await finish(sfn, arn);
    expect(done).toEqual(expect.objectContaining({ status: "FAILED", error: "Refused" }));
  });

  it("times out after TimeoutSeconds of virtual time (States.Timeout), after which the token is refused", async () => {
    const { sfn, arn, token } = await started();
    await clock.tick(898_000);
    expect(sfn.describeExecution(REGION, arn).status).toBe("RUNNING");
    const done = await finish(sfn, arn);
    expect(done).toEqual(expect.objectContaining({ status: "FAILED", error: "TimedOut" }));
    expect(clock.elapsedMs()).toBeGreaterThanOrEqual(900_000);
    expect(() => sfn.sendTaskSuccess(REGION, { taskToken: token, output: "{}" })).toThrow(expect.objectContaining({ name: "TaskTimedOut" }));
  });
});

describe("the Step Functions API", () => {
  it("refuses a second execution of the same name unless it is the same input while running, and lists both statuses", async () => {
    behaviour = async () => {
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      return {};
    };
    const sfn = service();
    const sm = sfn.register(REGION, "names", { StartAt: "A", States: { A: task({ End: true }) } });
    const first = sfn.startExecution(REGION, { stateMachineArn: sm.arn, name: "incident-1", input: '{"a":1}' });
    expect(sfn.startExecution(REGION, { stateMachineArn: sm.arn, name: "incident-1", input: '{"a":1}' }).executionArn).toBe(first.executionArn);
    expect(() => sfn.startExecution(REGION, { stateMachineArn: sm.arn, name: "incident-1", input: '{"a":2}' })).toThrow(expect.objectContaining({ name: "ExecutionAlreadyExists" }));
    await finish(sfn, first.executionArn);
    expect(() => sfn.startExecution(REGION, { stateMachineArn: sm.arn, name: "incident-1", input: '{"a":1}' })).toThrow(expect.objectContaining({ name: "ExecutionAlreadyExists" }));
    expect(sfn.listExecutions(REGION, { stateMachineArn: sm.arn, statusFilter: "SUCCEEDED" }).executions).toHaveLength(1);
  });

  it("StopExecution aborts a running execution", async () => {
    behaviour = async () => {
      await new Promise((resolve) => setTimeout(resolve, 60_000));
      return {};
    };
    const sfn = service();
    const sm = sfn.register(REGION, "stop", { StartAt: "A", States: { A: task({ TimeoutSeconds: 600, End: true }) } });
    const { executionArn } = sfn.startExecution(REGION, { stateMachineArn: sm.arn, name: "run-1", input: "{}" });
    await clock.tick(1_000);
    sfn.stopExecution(REGION, { executionArn });
    const done = await finish(sfn, executionArn);
    expect(done.status).toBe("ABORTED");
  });

  it("two executions interleave on the virtual clock", async () => {
    const order: string[] = [];
    behaviour = async (i) => {
      order.push(`${i.executionArn.split(":").pop()}:${i.stateName}:start`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      order.push(`${i.executionArn.split(":").pop()}:${i.stateName}:end`);
      return {};
    };
    const sfn = service();
    const sm = sfn.register(REGION, "two", { StartAt: "A", States: { A: task({ Next: "B" }), B: task({ End: true }) } });
    const a = sfn.startExecution(REGION, { stateMachineArn: sm.arn, name: "a", input: "{}" });
    const b = sfn.startExecution(REGION, { stateMachineArn: sm.arn, name: "b", input: "{}" });
    await finish(sfn, a.executionArn);
    await finish(sfn, b.executionArn);
    expect(order.slice(0, 2)).toEqual(["a:A:start", "b:A:start"]);
  });

  it("refuses a definition that asl-validator rejects", () => {
    const sfn = service();
    expect(() => sfn.register(REGION, "bad", { StartAt: "Nowhere", States: { A: { Type: "Pass", End: true } } })).toThrow(/Invalid state machine definition/);
  });
});
