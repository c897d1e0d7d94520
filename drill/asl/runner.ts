/**
 * Step Functions for the drill: the emitted state-machine definitions run by
 * `aws-local-stepfunctions` (an Amazon States Language interpreter), validated
 * first by `asl-validator`, behind the model's Step Functions API
 * (StartExecution, DescribeExecution, ListExecutions, StopExecution,
 * SendTaskSuccess/Failure/Heartbeat, GetExecutionHistory).
 *
 * What the interpreter does as AWS does, on the virtual clock (drill/clock.ts):
 * Pass/Choice/Task/Wait/Fail/Succeed, Parameters with `.$` paths and intrinsics
 * (States.JsonMerge), ResultPath/OutputPath, Retry (IntervalSeconds,
 * BackoffRate, MaxDelaySeconds, JitterStrategy FULL from Math.random, seeded
 * by the clock), Catch with `{ Error, Cause }`, Task TimeoutSeconds
 * (States.Timeout), StopExecution (abort).
 *
 * What it does not, and how the harness makes up for it:
 * 1. Task states call AWS Lambda through the SDK: every Task state is
 *    overridden (`taskResourceLocalHandlers`, by state name) with a local handler
 *    that emulates the optimized Lambda integration (`arn:aws:states:::lambda:invoke`):
 *    the FunctionName of the processed Parameters picks the function (its
 *    synthesized ARN), the Payload is the event, the result is
 *    `{ Payload, StatusCode: 200, ExecutedVersion: "$LATEST" }`, and a thrown error
 *    becomes a task failure whose Error is the error's name and whose Cause is
 *    the JSON Lambda produces (`{"errorType","errorMessage","trace"}`): the
 *    interpreter matches Retry/Catch on `error.name` and uses `error.message` as
 *    the Cause, so the harness throws an error with exactly those two fields.
 * 2. The Context Object is one object per run, with no `Task.Token`: the
 *    harness passes `Task.Token` as a sentinel, and the waitForTaskToken handler
 *    replaces the sentinel in its input with a fresh token per task attempt, then
 *    waits for SendTaskSuccess/SendTaskFailure of that token.
 * 3. A Task without TimeoutSeconds times out after 60 s in the interpreter;
 *    in AWS the default is 99999999 s. The interpreter gets a copy of the
 *    definition where such Tasks carry the longest timeout a JavaScript timer
 *    can hold (about 24.8 days: AWS's "no timeout" for any drill; nothing else
 *    is changed); the Lambda function's own
 *    timeout is enforced by the harness (`Sandbox.Timedout`).
 * 4. Execution names, statuses, history and the API are the harness's
 *    (the interpreter has no notion of a named execution).
 * Nothing is overridden in Retry or Wait: their emitted intervals run on the
 * virtual clock, and the time they take is in the history.
 */
import { StateMachine } from "aws-local-stepfunctions";
import { awsError } from "../model/errors";
import { ExecutionRecord, ExecutionStatus, StepFunctionsBackend } from "../model/aws-model";

/**
 * aws-local-stepfunctions 3.0.0 declares Node >= 22 and uses Promise.withResolvers
 * (its only Node 22 API, for the Task timeout race); the project's machines run
 * Node 20, so the drill supplies the standard method when it is missing.
 */
if (typeof (Promise as unknown as { withResolvers?: unknown }).withResolvers !== "function") {
  Object.defineProperty(Promise, "withResolvers", {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve!: (value: T) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require("asl-validator") as (definition: unknown, options?: unknown) => { isValid: boolean; errors: unknown[]; errorsText: (separator?: string) => string };

export const TASK_TOKEN_SENTINEL = "drill:task-token";
/** $$.State.Name: the interpreter's context is one object per execution, so the task handler puts the state's name in. */
export const STATE_NAME_SENTINEL = "drill:state-name";
/** AWS's default Task TimeoutSeconds (stepfunctions.taskTimeout.default.seconds). */
export const AWS_DEFAULT_TASK_TIMEOUT_SECONDS = 99_999_999;
/**
 * What the interpreter gets instead: the longest timer JavaScript can hold
 * (2^31-1 ms, about 24.8 days; a longer one fires at once), far beyond any drill.
 */
export const INTERPRETER_DEFAULT_TASK_TIMEOUT_SECONDS = Math.floor(2_147_483_647 / 1000);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Definition = { StartAt: string; States: Record<string, Record<string, Json>>; [key: string]: Json };

/** A Lambda invocation as the runner asks for it. */
export interface Invocation {
  readonly functionArn: string;
  readonly payload: Json;
  readonly executionArn: string;
  readonly stateName: string;
  /** 1 for the first attempt of this state entry, then 2, 3... */
  readonly attempt: number;
}

/** Runs a function: resolves with its return value, rejects with what it threw (or a Lambda service error). */
export type Invoker = (invocation: Invocation) => Promise<unknown>;

/** "Crash after the step": the invocation's side effects happen, then the task fails as if the sandbox died. */
export interface CrashPlan {
  /** Task state name. */
  readonly state: string;
  /** Crash this many times (attempts) of that state. @default 1 */
  readonly times?: number;
  /** @default "Lambda.Unknown" */
  readonly error?: "Lambda.Unknown" | "Sandbox.Timedout";
  /**
   * The execution itself dies after the step did its work (stopped: ABORTED, never resumed),
   * instead of the task failing into its Retry. @default false
   */
  readonly kill?: boolean;
}

export interface RegisteredStateMachine {
  readonly arn: string;
  readonly name: string;
  readonly region: string;
  readonly definition: Definition;
}

export interface HistoryEvent {
  readonly id: number;
  readonly timestamp: Date;
  readonly type: string;
  readonly details?: Record<string, unknown>;
}

interface ExecutionState extends ExecutionRecord {
  readonly region: string;
  readonly history: HistoryEvent[];
  abort?: () => void;
  readonly crashes: Map<string, number>;
  readonly crashPlan: readonly CrashPlan[];
  done: Promise<void>;
}

interface PendingToken {
  readonly executionArn: string;
  readonly stateName: string;
  resolve(output: Json): void;
  reject(error: Error): void;
}

/** An error the interpreter reads as `{ Error: name, Cause: message }`. */
export class TaskFailure extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

/** The Cause Lambda writes for a function error. */
export function lambdaCause(error: unknown): string {
  const e = error as { name?: unknown; message?: unknown; stack?: unknown };
  const errorType = typeof e?.name === "string" ? e.name : "Error";
  const errorMessage = typeof e?.message === "string" ? e.message : String(error);
  const trace = typeof e?.stack === "string" ? e.stack.split("\n").slice(0, 10) : [];
  return JSON.stringify({ errorType, errorMessage, trace });
}

/** Definitions (as JSON) that passed: asl-validator compiles its schemas on every call, and every drill run registers the same few. */
const validDefinitions = new Set<string>();

export function validateDefinition(definition: unknown): void {
  const key = JSON.stringify(definition);
  if (validDefinitions.has(key)) return;
  const result = aslValidator(definition, { checkPaths: true, checkArn: true });
  if (!result.isValid) throw new Error(`Invalid state machine definition: ${result.errorsText("; ")}`);
  validDefinitions.add(key);
}

export interface StepFunctionsOptions {
  readonly account: string;
  readonly now: () => number;
  readonly invoke: Invoker;
  /** Called on every history event (for the drill's timeline). */
  readonly onEvent?: (execution: ExecutionRecord, event: HistoryEvent) => void;
}

export class StepFunctionsService implements StepFunctionsBackend {
  private readonly machines = new Map<string, RegisteredStateMachine>();
  private readonly executions = new Map<string, ExecutionState>();
  private readonly tokens = new Map<string, PendingToken>();
  private readonly crashPlans = new Map<string, CrashPlan[]>();
  private tokenSeq = 0;

  constructor(private readonly options: StepFunctionsOptions) {}

  /** Validates and registers a definition (the emitted one, as a string or object). */
  register(region: string, name: string, definition: string | object): RegisteredStateMachine {
    const parsed = (typeof definition === "string" ? JSON.parse(definition) : definition) as unknown as Definition;
    validateDefinition(parsed);
    const arn = `arn:aws:states:${region}:${this.options.account}:stateMachine:${name}`;
    const machine = { arn, name, region, definition: parsed };
    this.machines.set(arn, machine);
    return machine;
  }

  stateMachines(): RegisteredStateMachine[] {
    return [...this.machines.values()];
  }

  /** Crashes planned for the next execution(s) of a state machine (by ARN), consumed by the first execution started. */
  planCrashes(stateMachineArn: string, plans: readonly CrashPlan[]): void {
    this.crashPlans.set(stateMachineArn, [...(this.crashPlans.get(stateMachineArn) ?? []), ...plans]);
  }

  allExecutions(): ExecutionRecord[] {
    return [...this.executions.values()];
  }

  execution(arn: string): (ExecutionRecord & { history: readonly HistoryEvent[] }) | undefined {
    return this.executions.get(arn);
  }

  /** Resolves when every execution started so far has ended. */
  async idle(): Promise<void> {
    await Promise.all([...this.executions.values()].map((e) => e.done));
  }

  /** Task tokens waiting for an answer, oldest first. */
  pendingTokens(): { token: string; executionArn: string; stateName: string }[] {
    return [...this.tokens.entries()].map(([token, p]) => ({ token, executionArn: p.executionArn, stateName: p.stateName }));
  }

  // ------------------------------------------------------------ API
  startExecution(region: string, input: { stateMachineArn: string; name?: string; input?: string }): { executionArn: string; startDate: Date } {
    const machine = this.machines.get(input.stateMachineArn);
    if (!machine || machine.region !== region) throw awsError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${input.stateMachineArn}'`);
    const name = input.name ?? `${Math.floor(this.options.now()).toString(36)}-${this.executions.size + 1}`;
    const arn = `${machine.arn.replace(":stateMachine:", ":execution:")}:${name}`;
    const rawInput = input.input ?? "{}";
    const existing = this.executions.get(arn);
    if (existing) {
      // Step Functions: the same name and input while RUNNING is idempotent; anything else (90 days) is refused.
      if (existing.status === "RUNNING" && existing.input === rawInput) return { executionArn: arn, startDate: new Date(existing.startMs ?? 0) };
      throw awsError("ExecutionAlreadyExists", `Execution Already Exists: '${arn}'`);
    }
    let parsedInput: Json;
    try {
      parsedInput = JSON.parse(rawInput) as Json;
    } catch {
      throw awsError("InvalidExecutionInput", "Invalid State Machine Execution Input");
    }
    const crashPlan = this.crashPlans.get(machine.arn) ?? [];
    this.crashPlans.delete(machine.arn);
    const execution: ExecutionState = {
      arn,
      name,
      stateMachineArn: machine.arn,
      input: rawInput,
      status: "RUNNING",
      startMs: this.options.now(),
      region,
      history: [],
      crashes: new Map(),
      crashPlan,
      done: Promise.resolve(),
    };
    this.executions.set(arn, execution);
    execution.done = this.run(machine, execution, parsedInput);
    return { executionArn: arn, startDate: new Date(execution.startMs ?? 0) };
  }

  describeExecution(region: string, executionArn: string): Record<string, unknown> {
    const e = this.requireExecution(region, executionArn);
    return {
      executionArn: e.arn,
      stateMachineArn: e.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: new Date(e.startMs ?? 0),
      ...(e.stopMs !== undefined ? { stopDate: new Date(e.stopMs) } : {}),
      input: e.input,
      ...(e.output !== undefined ? { output: e.output } : {}),
      ...(e.error !== undefined ? { error: e.error } : {}),
      ...(e.cause !== undefined ? { cause: e.cause } : {}),
    };
  }

  listExecutions(region: string, input: { stateMachineArn: string; statusFilter?: string; maxResults?: number }): Record<string, unknown> {
    const list = [...this.executions.values()]
      .filter((e) => e.region === region && e.stateMachineArn === input.stateMachineArn && (input.statusFilter ? e.status === input.statusFilter : true))
      .sort((a, b) => (b.startMs ?? 0) - (a.startMs ?? 0))
      .slice(0, input.maxResults || 1000);
    return {
      executions: list.map((e) => ({
        executionArn: e.arn,
        stateMachineArn: e.stateMachineArn,
        name: e.name,
        status: e.status,
        startDate: new Date(e.startMs ?? 0),
        ...(e.stopMs !== undefined ? { stopDate: new Date(e.stopMs) } : {}),
      })),
    };
  }

  stopExecution(region: string, input: { executionArn: string; error?: string; cause?: string }): Record<string, unknown> {
    const e = this.requireExecution(region, input.executionArn);
    if (e.status === "RUNNING") {
      e.error = input.error;
      e.cause = input.cause;
      e.abort?.();
    }
    return { stopDate: new Date(this.options.now()) };
  }

  sendTaskSuccess(_region: string, input: { taskToken: string; output: string }): Record<string, unknown> {
    const pending = this.takeToken(input.taskToken);
    let output: Json;
    try {
      output = JSON.parse(input.output) as Json;
    } catch {
      throw awsError("InvalidOutput", "Invalid task output");
    }
    pending.resolve(output);
    return {};
  }

  sendTaskFailure(_region: string, input: { taskToken: string; error?: string; cause?: string }): Record<string, unknown> {
    this.takeToken(input.taskToken).reject(new TaskFailure(input.error ?? "", input.cause ?? ""));
    return {};
  }

  sendTaskHeartbeat(_region: string, input: { taskToken: string }): Record<string, unknown> {
    if (!this.tokens.has(input.taskToken)) throw awsError("TaskTimedOut", "Task Timed Out");
    return {};
  }

  getExecutionHistory(region: string, input: { executionArn: string; reverseOrder?: boolean; maxResults?: number }): Record<string, unknown> {
    const e = this.requireExecution(region, input.executionArn);
    const events = input.reverseOrder ? [...e.history].reverse() : e.history;
    return { events: events.slice(0, input.maxResults || 1000).map((h) => ({ id: h.id, timestamp: h.timestamp, type: h.type, ...(h.details ?? {}) })) };
  }

  // ------------------------------------------------------------ internals
  private requireExecution(region: string, arn: string): ExecutionState {
    const e = this.executions.get(arn);
    if (!e || e.region !== region) throw awsError("ExecutionDoesNotExist", `Execution Does Not Exist: '${arn}'`);
    return e;
  }

  private takeToken(token: string): PendingToken {
    const pending = this.tokens.get(token);
    // An unknown token, or one whose task timed out or ended: AWS answers TaskTimedOut (or InvalidToken).
    if (!pending) throw awsError(token.startsWith("drill-token-") ? "TaskTimedOut" : "InvalidToken", "Task Timed Out");
    this.tokens.delete(token);
    return pending;
  }

  private record(execution: ExecutionState, type: string, details?: Record<string, unknown>): void {
    const event: HistoryEvent = { id: execution.history.length + 1, timestamp: new Date(this.options.now()), type, ...(details ? { details } : {}) };
    execution.history.push(event);
    this.options.onEvent?.(execution, event);
  }

  /** The definition the interpreter runs: the emitted one with AWS's default Task timeout made explicit. */
  static interpreterDefinition(definition: Definition): Definition {
    const copy = JSON.parse(JSON.stringify(definition)) as Definition;
    const visit = (states: Record<string, Record<string, Json>>) => {
      for (const state of Object.values(states)) {
        if (state.Type === "Task" && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) state.TimeoutSeconds = INTERPRETER_DEFAULT_TASK_TIMEOUT_SECONDS;
        for (const branch of (state.Branches as Definition[] | undefined) ?? []) visit(branch.States);
        const processor = (state.ItemProcessor ?? state.Iterator) as Definition | undefined;
        if (processor) visit(processor.States);
      }
    };
    visit(copy.States);
    return copy;
  }

  private localHandlers(machine: RegisteredStateMachine, execution: ExecutionState): Record<string, (input: unknown) => Promise<unknown>> {
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [stateName, state] of Object.entries(machine.definition.States)) {
      if (state.Type !== "Task") continue;
      const resource = String(state.Resource);
      const waitForToken = /:states:::lambda:invoke\.waitForTaskToken$/.test(resource);
      const invoke = /:states:::lambda:invoke$/.test(resource);
      if (!waitForToken && !invoke) {
        handlers[stateName] = async () => {
          throw new TaskFailure("States.Runtime", `drill: Task resource ${resource} is not modelled (only the Lambda integrations are)`);
        };
        continue;
      }
      let attempts = 0;
      handlers[stateName] = async (input: unknown) => {
        attempts++;
        const parameters = input as { FunctionName?: string; Payload?: Json };
        const functionArn = String(parameters.FunctionName ?? "");
        let payload = replaceSentinel((parameters.Payload ?? null) as Json, STATE_NAME_SENTINEL, stateName);
        let token: string | undefined;
        if (waitForToken) {
          token = `drill-token-${++this.tokenSeq}-${execution.name}-${stateName}`;
          payload = replaceSentinel(payload, TASK_TOKEN_SENTINEL, token);
        }
        this.record(execution, "TaskScheduled", { name: stateName, taskScheduledEventDetails: { resourceType: "lambda", resource: waitForToken ? "invoke.waitForTaskToken" : "invoke", parameters: JSON.stringify({ FunctionName: functionArn, Payload: payload }) } });
        let result: unknown;
        try {
          result = await this.options.invoke({ functionArn, payload, executionArn: execution.arn, stateName, attempt: attempts });
        } catch (error) {
          const failure = error instanceof TaskFailure ? error : new TaskFailure(errorName(error), lambdaCause(error));
          this.record(execution, "TaskFailed", { taskFailedEventDetails: { error: failure.name, cause: failure.message } });
          throw failure;
        }
        const crash = this.crashDue(execution, stateName);
        if (crash === "kill") {
          this.record(execution, "TaskFailed", { taskFailedEventDetails: { error: "drill.Killed", cause: `drill: the execution died after ${stateName} did its work` }, drill: "killed-after-step" });
          execution.error = "drill.Killed";
          execution.cause = `killed after ${stateName}`;
          execution.abort?.();
          return new Promise<never>(() => undefined);
        }
        if (crash) {
          const failure = new TaskFailure(crash, JSON.stringify({ errorType: crash, errorMessage: `drill: the sandbox died after ${stateName} did its work` }));
          this.record(execution, "TaskFailed", { taskFailedEventDetails: { error: failure.name, cause: failure.message }, drill: "crash-after-step" });
          throw failure;
        }
        if (!waitForToken) {
          this.record(execution, "TaskSucceeded", { taskSucceededEventDetails: { output: JSON.stringify(result ?? null) } });
          return { Payload: result ?? null, StatusCode: 200, ExecutedVersion: "$LATEST" };
        }
        const tokenValue = token as string;
        this.record(execution, "TaskSubmitted", { taskToken: tokenValue });
        try {
          const output = await new Promise<Json>((resolve, reject) => this.tokens.set(tokenValue, { executionArn: execution.arn, stateName, resolve, reject }));
          this.record(execution, "TaskSucceeded", { taskSucceededEventDetails: { output: JSON.stringify(output) } });
          return output;
        } catch (error) {
          this.record(execution, "TaskFailed", { taskFailedEventDetails: { error: (error as Error).name, cause: (error as Error).message } });
          throw error;
        } finally {
          // A timed-out or ended task's token is no longer valid.
          queueMicrotask(() => this.tokens.delete(tokenValue));
        }
      };
    }
    return handlers;
  }

  private crashDue(execution: ExecutionState, stateName: string): string | undefined {
    const plan = execution.crashPlan.find((p) => p.state === stateName);
    if (!plan) return undefined;
    const done = execution.crashes.get(stateName) ?? 0;
    if (done >= (plan.times ?? 1)) return undefined;
    execution.crashes.set(stateName, done + 1);
    if (plan.kill) return "kill";
    return plan.error ?? "Lambda.Unknown";
  }

  private async run(machine: RegisteredStateMachine, execution: ExecutionState, input: Json): Promise<void> {
    const interpreter = new StateMachine(StepFunctionsService.interpreterDefinition(machine.definition) as never, { validationOptions: { noValidate: true } });
    const context = {
      Execution: { Id: execution.arn, Name: execution.name, RoleArn: `arn:aws:iam::${this.options.account}:role/drill` },
      StateMachine: { Id: machine.arn, Name: machine.name },
      Task: { Token: TASK_TOKEN_SENTINEL },
      State: { Name: STATE_NAME_SENTINEL },
    };
    this.record(execution, "ExecutionStarted", { executionStartedEventDetails: { input: execution.input } });
    const run = interpreter.run(input as never, { overrides: { taskResourceLocalHandlers: this.localHandlers(machine, execution) as never }, context: context as never });
    execution.abort = run.abort;
    const events = this.followEvents(execution, run.eventLogs as AsyncGenerator<Record<string, unknown>>);
    let status: ExecutionStatus;
    try {
      const output = await run.result;
      execution.output = JSON.stringify(output ?? null);
      status = "SUCCEEDED";
    } catch (error) {
      const name = (error as Error).name;
      if (name === "ExecutionAbortedError") status = "ABORTED";
      else if (name === "ExecutionTimeoutError") status = "TIMED_OUT";
      else {
        status = "FAILED";
        const inner = (error as { cause?: unknown }).cause as { name?: string; message?: string; cause?: unknown } | undefined;
        execution.error = execution.error ?? inner?.name ?? name;
        execution.cause = execution.cause ?? (typeof inner?.cause === "string" ? inner.cause : inner?.message ?? (error as Error).message);
      }
    }
    execution.status = status;
    execution.stopMs = this.options.now();
    for (const [token, pending] of [...this.tokens]) if (pending.executionArn === execution.arn) this.tokens.delete(token);
    this.record(execution, `Execution${status === "SUCCEEDED" ? "Succeeded" : status === "FAILED" ? "Failed" : status === "ABORTED" ? "Aborted" : "TimedOut"}`, {
      ...(status === "FAILED" ? { executionFailedEventDetails: { error: execution.error, cause: execution.cause } } : {}),
      ...(status === "SUCCEEDED" ? { executionSucceededEventDetails: { output: execution.output } } : {}),
    });
    void events;
  }

  /** Copies the interpreter's state events into the history (entered, exited, retried, caught). */
  private async followEvents(execution: ExecutionState, events: AsyncGenerator<Record<string, unknown>>): Promise<void> {
    try {
      for await (const event of events) {
        const state = event.state as { name?: string; type?: string } | undefined;
        switch (event.type) {
          case "StateEntered":
            this.record(execution, `${state?.type ?? ""}StateEntered`, { stateEnteredEventDetails: { name: state?.name } });
            break;
          case "StateExited":
            this.record(execution, `${state?.type ?? ""}StateExited`, { stateExitedEventDetails: { name: state?.name } });
            break;
          case "StateFailed":
            if (event.Error === "States.Timeout") {
              // The task timed out: its token is no longer valid (SendTaskSuccess answers TaskTimedOut).
              for (const [token, pending] of [...this.tokens]) if (pending.executionArn === execution.arn && pending.stateName === state?.name) this.tokens.delete(token);
              this.record(execution, "TaskTimedOut", { taskTimedOutEventDetails: { error: "States.Timeout", name: state?.name } });
            }
            break;
          case "StateRetried":
            this.record(execution, "drill:StateRetried", { name: state?.name, attempt: (event.retry as { attempt?: number } | undefined)?.attempt });
            break;
          case "StateCaught":
            this.record(execution, "drill:StateCaught", { name: state?.name });
            break;
          case "ExecutionFailed":
            if (execution.error === undefined) {
              execution.error = String(event.Error);
              execution.cause = typeof event.Cause === "string" ? event.Cause : JSON.stringify(event.Cause);
            }
            return;
          case "ExecutionSucceeded":
          case "ExecutionAborted":
          case "ExecutionTimeout":
            return;
          default:
            break;
        }
      }
    } catch {
      // The event log ends with the execution.
    }
  }
}

function replaceSentinel(value: Json, sentinel: string, replacement: string): Json {
  if (value === sentinel) return replacement;
  if (Array.isArray(value)) return value.map((v) => replaceSentinel(v, sentinel, replacement));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceSentinel(v, sentinel, replacement)]));
  return value;
}

function errorName(error: unknown): string {
  const name = (error as { name?: unknown })?.name;
  return typeof name === "string" && name !== "" ? name : "Error";
}
