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

export function drillInputs(name: "dev" | "prod"): ScenarioInputs {
  const known = cache.get(name);
  if (known) return known;
  const config = configVariant(name);
  const inputs: ScenarioInputs = { app: TerraformApp.of(synthConfig(config).stacks), config, figures: loadFigures(), seed: 1 };
  cache.set(name, inputs);
  return inputs;
}
