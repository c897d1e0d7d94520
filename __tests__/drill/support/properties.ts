/**
 * P1-P8 with their doubles (drill/doubles.ts), for one configuration: each
 * property's scenario passes on the real code, and FAILS, in the named way,
 * when the double removes the safeguard.
 */
import { DOUBLES } from "../../../drill/doubles";
import { runScenario, ScenarioResult } from "../../../drill/scenario";
import { drillInputs } from "./inputs";

export function describeProperties(name: "dev" | "prod"): void {
  describe(`the protocol's properties and their safeguards (${name})`, () => {
    const real = new Map<string, Promise<ScenarioResult>>();
    const onRealCode = (id: string, run: () => Promise<ScenarioResult>) => {
      if (!real.has(id)) real.set(id, run());
      return real.get(id) as Promise<ScenarioResult>;
    };

    it.each(DOUBLES.map((d) => [d.property, d.id, d] as const))("%s (%s): the scenario passes on the real code and fails without the safeguard", async (_property, _id, double) => {
      const inputs = drillInputs(name);
      const scenario = double.scenario(inputs.config.targets.rpoSeconds);

      const withSafeguard = await onRealCode(scenario.id, () => runScenario(scenario, inputs));
      expect({ scenario: scenario.id, passed: withSafeguard.passed, violations: withSafeguard.violations, missed: withSafeguard.expectations.filter((e) => !e.met) }).toEqual({
        scenario: scenario.id,
        passed: true,
        violations: [],
        missed: [],
      });

      const withoutSafeguard = await runScenario(scenario, { ...inputs, prepare: double.prepare });
      const outcome = double.brokenBy(withoutSafeguard);
      expect({ double: double.id, passed: withoutSafeguard.passed, broken: outcome.broken, detail: outcome.detail }).toEqual({
        double: double.id,
        passed: false,
        broken: true,
        detail: outcome.detail,
      });
    });
  });
}
