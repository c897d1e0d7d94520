/**
 * The drill's inputs for a shipped configuration, from this run's shared
 * synthesis (jest global setup): the app, the configuration, the figures of
 * lib/budget/aws-figures.json, seed 1.
 */
import { loadFigures } from "../../../drill/figures";
import { ScenarioInputs } from "../../../drill/scenario";
import { TerraformApp } from "../../../drill/terraform/app";
import { configVariant } from "../../support/config";
import { synthConfig } from "../../support/synth";

const cache = new Map<string, ScenarioInputs>();

/** The inputs of a shipped configuration, or of a variant of it (`overrides` merged into it, as configVariant does). */
export function drillInputs(name: "dev" | "prod", overrides: Parameters<typeof configVariant>[1] = {}): ScenarioInputs {
  const key = `${name} ${JSON.stringify(overrides)}`;
  const known = cache.get(key);
  if (known) return known;
  const config = configVariant(name, overrides);
  const inputs: ScenarioInputs = { app: TerraformApp.of(synthConfig(config).stacks), config, figures: loadFigures(), seed: 1 };
  cache.set(key, inputs);
  return inputs;
}
