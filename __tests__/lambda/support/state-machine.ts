/**
 * A step-by-step stand-in for the failover state machine, following the
 * contract in lambda/failover-orchestrator/contract.ts: Init -> (approval) ->
 * begin ... complete, Retry on the retryable error names, Catch everything
 * else into abort -> Fail. `step()` runs one state, so two executions can be
 * interleaved, and `crashAfter` simulates a Lambda that did its work but whose
 * result was lost (the state machine retries the same task with the same input).
 */
import { RETRYABLE_ERROR_NAMES } from "../../../lambda/shared/errors";
import { FailoverRequest } from "../../../lambda/shared/failover-request";
import { FailoverState, MAIN_PATH, StepEvent, StepName } from "../../../lambda/failover-orchestrator/contract";

export type StepHandler = (event: StepEvent) => Promise<FailoverState>;

export interface ExecutionOptions {
  /** Retries per task for retryable errors (Step Functions `MaxAttempts`). @default 3 */
  readonly maxRetries?: number;
  /** Called before each retry, e.g. to advance the model's clock by the retry interval. */
  readonly onRetry?: (step: StepName, errorName: string, attempt: number) => void | Promise<void>;
}

export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED";

export class Execution {
  status: ExecutionStatus = "RUNNING";
  state: FailoverState;
  /** Steps run, in order, with their outcome. */
  readonly history: { step: StepName; outcome: "ok" | "retry" | "caught" | "crashed"; error?: string }[] = [];
  private position = 0;
  private retries = 0;
  private aborting = false;

  constructor(
    private readonly handler: StepHandler,
    readonly executionId: string,
    request: FailoverRequest,
    private readonly options: ExecutionOptions = {},
  ) {
    this.state = { executionId, request }; // the Init Pass state
  }

  get nextStep(): StepName | null {
    if (this.status !== "RUNNING") return null;
    return this.aborting ? "abort" : (MAIN_PATH[this.position] ?? null);
  }

  /** Runs the next state. `crash`: the task's work is done but its result is lost (as if the Lambda died on return). */
  async step(crash = false): Promise<ExecutionStatus> {
    const step = this.nextStep;
    if (!step) return this.status;
    try {
      const result = await this.handler({ step, state: this.state });
      if (crash) {
        this.history.push({ step, outcome: "crashed" });
        return this.status; // same task runs again with the same input
      }
      this.history.push({ step, outcome: "ok" });
      this.retries = 0;
      if (step === "abort") {
        this.state = result;
        this.status = "FAILED";
        return this.status;
      }
      this.state = result;
      this.position++;
      if (this.position >= MAIN_PATH.length) this.status = "SUCCEEDED";
    } catch (error) {
      const name = (error as Error).name;
      const message = (error as Error).message;
      if (step !== "abort" && RETRYABLE_ERROR_NAMES.includes(name as never) && this.retries < (this.options.maxRetries ?? 3)) {
        this.retries++;
        this.history.push({ step, outcome: "retry", error: name });
        await this.options.onRetry?.(step, name, this.retries);
        return this.status;
      }
      if (step === "abort") throw error;
      this.history.push({ step, outcome: "caught", error: name });
      // Catch: ResultPath "$.error" keeps the state and adds the error.
      this.state = { ...this.state, error: { Error: name, Cause: JSON.stringify({ errorType: name, errorMessage: message }) } };
      this.aborting = true;
    }
    return this.status;
  }

  /** Runs to the end (or until `crashAfter` step, which is crashed once and then re-run). */
  async run(options: { crashAfter?: StepName } = {}): Promise<this> {
    let crashed = false;
    for (let guard = 0; this.status === "RUNNING"; guard++) {
      if (guard > 200) throw new Error("state machine did not terminate");
      const crash = !crashed && options.crashAfter !== undefined && this.nextStep === options.crashAfter;
      if (crash) crashed = true;
      await this.step(crash);
    }
    return this;
  }
}
