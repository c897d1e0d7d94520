/**
 * The orchestrator's crash-after-every-step property, run on the EMITTED
 * failover definition (synthesized for config/dev.json) instead of the
 * hand-written stand-in: for each task of the main path, the sandbox dies
 * after the step did its work (Lambda.Unknown), the emitted Retry runs it
 * again, and the run ends exactly as an uninterrupted one, with one promotion.
 */
import { createStepHandler } from "../../lambda/failover-orchestrator/steps";
import { VirtualClock } from "../../drill/clock";
import { LocalRunbook } from "../../drill/asl/local-runbook";
import { AwsModel } from "../../drill/model/aws-model";
import { TerraformApp } from "../../drill/terraform/app";
import { GATE_METRIC_NAME, GATE_METRIC_NAMESPACE } from "../../lambda/shared/gate";
import { configVariant } from "../support/config";
import { synthConfig } from "../support/synth";
import { ACTIVE, CLUSTER_ID, ENDPOINT, orchestratorDeps, RESOURCE_ID, STANDBY, ACTIVE_MIN, STANDBY_MIN, MAX, TABLE, GLOBAL_ID, ACCOUNT } from "../lambda/support/fixtures";

let definition: string;
let clock: VirtualClock;
let model: AwsModel;

beforeAll(() => {
  const app = TerraformApp.of(synthConfig(configVariant("dev")).stacks);
  const sm = app.resources("aws_sfn_state_machine").find((r) => r.region === "us-east-2" && String(r.body.name).includes("-failover-"));
  if (!sm) throw new Error("no failover runbook in us-east-2");
  definition = app.resolveString(sm.stack, String(sm.body.definition));
});

/** A fresh clock and model: the active region is down, the standby's lag is 850 ms. */
function freshWorld(): void {
  clock = new VirtualClock().install();
  model = new AwsModel({
    account: ACCOUNT,
    globalClusterId: GLOBAL_ID,
    clusters: [
      { region: ACTIVE, id: CLUSTER_ID[ACTIVE] as string },
      { region: STANDBY, id: CLUSTER_ID[STANDBY] as string },
    ],
    endpoints: ENDPOINT,
    now: clock.now,
  });
  model.setScalableTarget(ACTIVE, RESOURCE_ID[ACTIVE] as string, ACTIVE_MIN, MAX);
  model.setScalableTarget(STANDBY, RESOURCE_ID[STANDBY] as string, STANDBY_MIN, MAX);
  model.setLag(CLUSTER_ID[STANDBY] as string, 850);
  model.install();
  model.setRegionDown(ACTIVE);
}

beforeEach(freshWorld);

afterEach(() => {
  model.restore();
  clock.uninstall();
});

function runbook(): LocalRunbook {
  const timing = { clock: () => Date.now(), sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) };
  const handler = createStepHandler(orchestratorDeps({ own: STANDBY, probe: model.probe, timing }));
  return new LocalRunbook({ definition, handler: (event) => handler(event as never), clock, region: STANDBY });
}

const snapshot = () => model.snapshot({ tables: [TABLE], gateNamespace: GATE_METRIC_NAMESPACE, gateMetric: GATE_METRIC_NAME });

describe("the emitted failover runbook with the real orchestrator", () => {
  it("promotes once, fences, raises capacity, opens the gate and completes", async () => {
    const rb = runbook();
    const done = await rb.finish(rb.start("run-1", { reason: "drill" }));
    expect(done.status).toBe("SUCCEEDED");
    expect(done.states).toEqual(["Begin", "Promote", "AwaitWriter", "Fence", "RaiseCapacity", "OpenGate", "Verify", "Complete"]);
    expect(model.promotions).toHaveLength(1);
    expect(model.writer()?.region).toBe(STANDBY);
  });

  it.each(["Begin", "Promote", "AwaitWriter", "Fence", "RaiseCapacity", "OpenGate", "Verify", "Complete"])(
    "a crash after %s is retried by the emitted Retry and ends in the uninterrupted run's final state",
    async (state) => {
      const reference = await (async () => {
        const rb = runbook();
        await rb.finish(rb.start("run-1", { reason: "drill" }));
        return snapshot();
      })();
      model.restore();
      clock.uninstall();
      freshWorld();

      const rb = runbook();
      const done = await rb.finish(rb.start("run-1", { reason: "drill" }, { crashAfter: [{ state }] }));

      expect(done.status).toBe("SUCCEEDED");
      expect(done.invocations[state]).toBe(2);
      expect(done.history.some((h) => h.type === "TaskFailed" && JSON.stringify(h.details).includes("Lambda.Unknown"))).toBe(true);
      expect(model.promotions).toHaveLength(1);
      expect(snapshot()).toEqual(reference);
    },
  );
});
