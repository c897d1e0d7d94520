/** The shared modules: gate contract, environment, errors, retry, logs, probe. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { EnvReader } from "../../lambda/shared/env";
import {
  ConfigurationError,
  ERROR_NAMES,
  isTransientAwsError,
  PERMANENT_ERROR_NAMES,
  RETRYABLE_ERROR_NAMES,
  toOutcomeError,
  TransientError,
  WriterNotReadyError,
} from "../../lambda/shared/errors";
import * as gate from "../../lambda/shared/gate";
import { createLogger } from "../../lambda/shared/log";
import { createHttpsProbe } from "../../lambda/shared/probe";
import { backoffDelay, pollUntil, withRetry } from "../../lambda/shared/retry";
import { loadOrchestratorConfig } from "../../lambda/failover-orchestrator/config";
import { awsError, throttling } from "./support/aws-model";
import { fakeTiming, orchestratorEnv, STANDBY } from "./support/fixtures";

const LAMBDA_DIR = join(__dirname, "..", "..", "lambda");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

describe("the traffic-gate contract", () => {
  it("is plain constants and a dimensions builder", () => {
    expect(gate.GATE_METRIC_NAMESPACE).toBe("DR/TrafficGate");
    expect(gate.GATE_METRIC_NAME).toBe("GateOpen");
    expect([gate.GATE_OPEN, gate.GATE_CLOSED]).toEqual([1, 0]);
    expect(gate.gateDimensions("prod", "us-west-2")).toEqual([
      { Name: "Environment", Value: "prod" },
      { Name: "Region", Value: "us-west-2" },
    ]);
    expect(gate.gateDimensionMap("prod", "us-west-2")).toEqual({ Environment: "prod", Region: "us-west-2" });
  });

  it("imports nothing, so the infrastructure code can use it without side effects", () => {
    const source = readFileSync(join(LAMBDA_DIR, "shared", "gate.ts"), "utf8");
    expect(source).not.toMatch(/^\s*import\s/m);
    expect(source).not.toMatch(/require\(|process\.env/);
  });
});

describe("principle 2 in the Lambda code", () => {
  it("no Lambda source uses Route 53 or reads Route 53 health-check metrics", () => {
    for (const file of sourceFiles(LAMBDA_DIR)) {
      const source = readFileSync(file, "utf8");
      expect([file, /client-route-53|Route53Client|AWS\/Route53|HealthCheckStatus/.test(source)]).toEqual([file, false]);
    }
  });

  it("no Lambda module keeps mutable state at module scope", () => {
    for (const file of sourceFiles(LAMBDA_DIR)) {
      const source = readFileSync(file, "utf8");
      expect([file, /^(export\s+)?(let|var)\s/m.test(source)]).toEqual([file, false]);
    }
  });
});

describe("EnvReader", () => {
  it("names the missing variable", () => {
    const env = new EnvReader({});
    expect(() => env.string("GLOBAL_CLUSTER_ID")).toThrow(new ConfigurationError("GLOBAL_CLUSTER_ID", "is required and was not set"));
  });

  it("names the variable, the value and the rule for invalid values", () => {
    const env = new EnvReader({ N: "abc", M: "3", R: "useast1", A: "arn:aws:sns:us-east-1:1:t" });
    expect(() => env.int("N", 1)).toThrow('Environment variable N must be an integer (got "abc")');
    expect(() => env.int("M", 1, { max: 2 })).toThrow("must be at most 2");
    expect(() => env.region("R")).toThrow(/R must be an AWS region name/);
    expect(() => env.arn("A", "sns")).toThrow(/A must be an sns ARN/);
    expect(env.int("UNSET", 7)).toBe(7);
  });

  it("the orchestrator refuses a peer region equal to its own, and capacities out of order", () => {
    expect(() => loadOrchestratorConfig(orchestratorEnv(STANDBY, { PEER_REGION: STANDBY }))).toThrow(/PEER_REGION must differ/);
    expect(() => loadOrchestratorConfig(orchestratorEnv(STANDBY, { MAX_CAPACITY: "5" }))).toThrow(/MAX_CAPACITY must be at least 10/);
    expect(() => loadOrchestratorConfig(orchestratorEnv(STANDBY, { OWN_ECS_SERVICE: "" }))).toThrow(/OWN_ECS_SERVICE is required/);
  });

  it("the orchestrator's timing defaults are the documented ones", () => {
    const config = loadOrchestratorConfig(orchestratorEnv(STANDBY, { VERIFY_INTERVAL_SECONDS: undefined }));
    expect(config).toMatchObject({
      lockTtlSeconds: 1800,
      pollIntervalSeconds: 10,
      maxPollIntervalSeconds: 60,
      maxWaitSeconds: 600,
      probeTimeoutMs: 5000,
      peerTimeoutMs: 5000,
      verifyAttempts: 6,
      verifyIntervalSeconds: 10,
      failbackMaxLagMs: 1000,
      auditTableName: config.stateTableName,
    });
  });
});

describe("errors", () => {
  it("every error name is either retryable or permanent, never both", () => {
    const all = Object.values(ERROR_NAMES);
    expect([...RETRYABLE_ERROR_NAMES, ...PERMANENT_ERROR_NAMES].sort()).toEqual([...all].sort());
  });

  it("classifies AWS errors", () => {
    expect(isTransientAwsError(throttling())).toBe(true);
    expect(isTransientAwsError(awsError("ProvisionedThroughputExceededException"))).toBe(true);
    expect(isTransientAwsError(awsError("Whatever", "x", "server", 503))).toBe(true);
    expect(isTransientAwsError(Object.assign(new Error("x"), { code: "ECONNRESET" }))).toBe(true);
    expect(isTransientAwsError(awsError("AccessDeniedException", "x", "client", 403))).toBe(false);
    expect(isTransientAwsError(awsError("ConditionalCheckFailedException"))).toBe(false);
  });

  it("maps anything thrown to a named outcome", () => {
    expect(toOutcomeError(throttling()).name).toBe(ERROR_NAMES.transient);
    expect(toOutcomeError(awsError("ValidationException")).name).toBe(ERROR_NAMES.permanent);
    const typed = new WriterNotReadyError("x");
    expect(toOutcomeError(typed)).toBe(typed);
  });
});

describe("withRetry", () => {
  it("retries throttling with growing delays on the injected sleep", async () => {
    const timing = fakeTiming();
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw throttling();
        return "ok";
      },
      { policy: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 }, sleep: timing.sleep, random: () => 1 },
    );
    expect(result).toBe("ok");
    expect(timing.sleeps).toEqual([100, 200]);
  });

  it("rethrows a non-retryable error at once", async () => {
    const timing = fakeTiming();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw awsError("AccessDeniedException");
        },
        { policy: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 }, sleep: timing.sleep },
      ),
    ).rejects.toMatchObject({ name: "AccessDeniedException" });
    expect(calls).toBe(1);
  });

  it("gives up with TransientError after maxAttempts", async () => {
    const timing = fakeTiming();
    await expect(
      withRetry(async () => Promise.reject(throttling()), { policy: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10 }, sleep: timing.sleep, operation: "Op" }),
    ).rejects.toBeInstanceOf(TransientError);
    expect(timing.sleeps).toHaveLength(2);
  });

  it("caps the delay", () => {
    expect(backoffDelay({ maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000 }, 8, () => 1)).toBe(1000);
    expect(backoffDelay({ maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000 }, 1, () => 0)).toBe(50);
  });
});

describe("pollUntil", () => {
  it("stops when done and backs off between polls", async () => {
    const timing = fakeTiming();
    let polls = 0;
    const result = await pollUntil(async () => ({ done: ++polls === 3, value: polls }), {
      initialIntervalMs: 1000,
      maxIntervalMs: 10_000,
      factor: 2,
      maxWaitMs: 60_000,
      clock: timing.clock,
      sleep: timing.sleep,
    });
    expect(result).toEqual({ done: true, value: 3, polls: 3 });
    expect(timing.sleeps).toEqual([1000, 2000]);
  });

  it("gives up within the wait budget measured on the injected clock", async () => {
    const timing = fakeTiming();
    const result = await pollUntil(async () => ({ done: false, value: "x" }), {
      initialIntervalMs: 10_000,
      maxIntervalMs: 10_000,
      maxWaitMs: 35_000,
      clock: timing.clock,
      sleep: timing.sleep,
    });
    expect(result.done).toBe(false);
    expect(timing.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(35_000);
  });
});

describe("structured logs", () => {
  it("writes one JSON line per event with the base fields and serialized errors", () => {
    const lines: string[] = [];
    const log = createLogger({ function: "f" }, { sink: (l) => lines.push(l), clock: () => 0 }).child({ step: "begin" });
    log.info("a.b", { error: new WriterNotReadyError("not yet", { polls: 2 }), n: 1 });
    log.debug("dropped");
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("\n");
    expect(JSON.parse(lines[0] ?? "")).toEqual({
      level: "info",
      time: "1970-01-01T00:00:00.000Z",
      event: "a.b",
      function: "f",
      step: "begin",
      n: 1,
      error: { name: "WriterNotReadyError", message: "not yet", details: { polls: 2 } },
    });
  });
});

describe("the HTTPS probe", () => {
  it("is ok for 2xx and not for 5xx", async () => {
    const probe = createHttpsProbe(async (_url, _init) => ({ status: 204 }));
    expect((await probe("https://x/health", 1000)).ok).toBe(true);
    const failing = createHttpsProbe(async () => ({ status: 503 }));
    expect(await failing("https://x/health", 1000)).toMatchObject({ ok: false, status: 503 });
  });

  it("times out", async () => {
    const probe = createHttpsProbe(
      (_url, init) =>
        new Promise((_resolve, reject) => {
          init.signal.addEventListener("abort", () => reject(Object.assign(new Error("aborted"), { name: "AbortError" })));
        }),
    );
    expect(await probe("https://x/health", 20)).toMatchObject({ ok: false, error: "timeout after 20 ms" });
  });
});
