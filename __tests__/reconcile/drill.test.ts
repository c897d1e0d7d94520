/**
 * The reconciliation drill (drill/scenarios/reconciliation.ts) on config/dev.json:
 * the primary region is lost with transactions in flight in every store, the
 * standby fails over on its own, the region returns, and the reconciliation
 * reports exactly what the survivor lacks, replays it after an approval,
 * leaves the conflict alone, and a second replay writes nothing.
 */
import { TerraformApp } from "../../drill/terraform/app";
import { loadFigures } from "../../drill/figures";
import { ScenarioInputs } from "../../drill/scenario";
import { ReconciliationDrillResult, runReconciliationDrill } from "../../drill/scenarios/reconciliation";
import { configVariant } from "../support/config";
import { synthConfig } from "../support/synth";

let result: ReconciliationDrillResult;

beforeAll(async () => {
  const config = configVariant("dev");
  const inputs: ScenarioInputs = { app: TerraformApp.of(synthConfig(config).stacks), config, figures: loadFigures(), seed: 1 };
  result = await runReconciliationDrill(inputs);
}, 600_000);

describe("the reconciliation drill: primary lost, failover, region returns", () => {
  test("the failover happened on its own, losing Aurora writes, with no invariant broken", () => {
    expect(result.scenario.expectations.filter((e) => !e.met)).toEqual([]);
    expect(result.scenario.violations).toEqual([]);
    expect(result.scenario.dataLoss.some((d) => d.lostWrites > 0)).toBe(true);
  });

  test("every check of the reconciliation holds", () => {
    expect(result.checks.filter((c) => !c.met)).toEqual([]);
    expect(result.passed).toBe(true);
  });

  test("the report lists exactly the missing records and log objects and the one conflict, with totals per currency", () => {
    const report = result.report!;
    expect(report.missingRecords.map((f) => f.recordKey).sort()).toEqual(result.truth!.missingRecords);
    expect(report.missingObjects.map((f) => f.recordKey).sort()).toEqual(result.truth!.missingObjects);
    expect(report.conflicts).toHaveLength(1);
    expect(report.summary.missingRecords.count).toBeGreaterThan(0);
    expect(report.summary.missingObjects.count).toBeGreaterThan(0);
    expect(Object.keys(report.summary.missingRecords.totals).length).toBeGreaterThan(0);
  });

  test("the replay wrote them all, and a second replay wrote nothing", () => {
    expect(result.replay!.counts.records.written).toBe(result.truth!.missingRecords.length);
    expect(result.replay!.counts.objects.written).toBe(result.truth!.missingRecords.length + result.truth!.missingObjects.length);
    expect(result.secondReplay).toMatchObject({ recordsWritten: 0, objectsWritten: 0 });
  });
});
