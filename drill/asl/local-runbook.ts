/**
 * The emitted runbook definition with one handler behind every Lambda task:
 * what the orchestrator's own tests need to replace their hand-written
 * stand-in of the state machine (__tests__/lambda/support/state-machine.ts).
 *
 *   const runbook = new LocalRunbook({ definition, handler, clock });
 *   const arn = runbook.start("run-1", request, { crashAfter: [{ state: "Promote" }] });
 *   const done = await runbook.finish(arn);   // { status, output, error, cause, history }
 *
 * Runs on the drill's virtual clock (install it first): the emitted Retry
 * intervals, Wait states and timeouts pass instantly but in order.
 */
import { VirtualClock } from "../clock";
import { CrashPlan, HistoryEvent, StepFunctionsService } from "./runner";

export interface LocalRunbookOptions {
  /** The definition as synthesized (a JSON string or an object). */
  readonly definition: string | object;
  /** The function every Lambda task invokes, whatever its FunctionName. */
  readonly handler: (event: unknown) => Promise<unknown>;
  readonly clock: VirtualClock;
  /** @default us-east-2 */
  readonly region?: string;
  /** @default "runbook" */
  readonly name?: string;
}

export interface RunbookOutcome {
  readonly status: string;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly history: readonly HistoryEvent[];
  /** Task states entered, in order. */
  readonly states: readonly string[];
  /** Lambda invocations per task state (a retried task is invoked again without being entered again). */
  readonly invocations: Readonly<Record<string, number>>;
}

export class LocalRunbook {
  readonly sfn: StepFunctionsService;
  readonly arn: string;
  private readonly region: string;

  constructor(private readonly options: LocalRunbookOptions) {
    this.region = options.region ?? "us-east-2";
    this.sfn = new StepFunctionsService({ account: "111122223333", now: options.clock.now, invoke: (i) => options.handler(i.payload) });
    this.arn = this.sfn.register(this.region, options.name ?? "runbook", options.definition).arn;
  }

  start(name: string, input: unknown, options: { crashAfter?: readonly CrashPlan[] } = {}): string {
    if (options.crashAfter) this.sfn.planCrashes(this.arn, options.crashAfter);
    return this.sfn.startExecution(this.region, { stateMachineArn: this.arn, name, input: JSON.stringify(input) }).executionArn;
  }

  /** Advances the clock until the execution ends (at most `maxSeconds` of virtual time). */
  async finish(executionArn: string, maxSeconds = 24 * 3600): Promise<RunbookOutcome> {
    for (let s = 0; s < maxSeconds && this.sfn.describeExecution(this.region, executionArn).status === "RUNNING"; s += 10) await this.options.clock.tick(10_000);
    const d = this.sfn.describeExecution(this.region, executionArn);
    const history = this.sfn.execution(executionArn)?.history ?? [];
    return {
      status: String(d.status),
      ...(d.output !== undefined ? { output: JSON.parse(String(d.output)) as unknown } : {}),
      ...(d.error !== undefined ? { error: String(d.error) } : {}),
      ...(d.cause !== undefined ? { cause: String(d.cause) } : {}),
      history,
      states: history.filter((h) => h.type === "TaskStateEntered").map((h) => String((h.details?.stateEnteredEventDetails as { name?: string } | undefined)?.name)),
      invocations: history
        .filter((h) => h.type === "TaskScheduled")
        .reduce<Record<string, number>>((acc, h) => {
          const name = String(h.details?.name);
          acc[name] = (acc[name] ?? 0) + 1;
          return acc;
        }, {}),
    };
  }
}
