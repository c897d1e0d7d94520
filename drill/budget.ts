/**
 * The RTO/RPO budget (lib/budget) of the configuration a scenario runs: the
 * same synthesized stacks, with the scenario's function environment overrides
 * applied (an authority or an RPO policy changes the budget), read by the same
 * extraction the configuration gate uses. A scenario whose measured RTO is
 * above this budget shows that the budget is wrong (reported as a broken
 * target), not that the drill is.
 */
import { budgetOptions } from "../app/synth";
import { LambdaName } from "../constructs/app/lambda-bundle";
import { budgetsOf, FailureKind } from "../lib/budget";
import { SynthesizedApp } from "../lib/budget/extract";
import { DrConfig } from "../lib/config/model";
import { bundleOfFunction } from "./lambda/bundle";
import { Body, TerraformApp } from "./terraform/app";

export interface EnvironmentPatch {
  readonly function: LambdaName;
  readonly region?: string;
  readonly variables: Readonly<Record<string, string>>;
}

const cache = new WeakMap<TerraformApp, Map<string, number | null>>();

/** The synthesized stacks with the overrides written into the functions' environments (a copy). */
export function patchedStacks(app: TerraformApp, environment: readonly EnvironmentPatch[]): SynthesizedApp {
  const stacks: Record<string, Body> = {};
  for (const name of app.stackNames()) stacks[name] = JSON.parse(JSON.stringify(app.stacks.get(name))) as Body;
  if (environment.length === 0) return stacks as SynthesizedApp;
  for (const name of Object.keys(stacks)) {
    const functions = ((stacks[name]?.resource as Record<string, Record<string, Body>> | undefined)?.aws_lambda_function ?? {}) as Record<string, Body>;
    for (const [id, fn] of Object.entries(functions)) {
      const bundle = bundleOfFunction(stacks[name] as Body, fn);
      const region = app.resources("aws_lambda_function").find((r) => r.stack === name && r.id === id)?.region;
      const variables = ((fn.environment as Body | undefined)?.variables ?? {}) as Record<string, string>;
      for (const o of environment) if (o.function === bundle && (o.region === undefined || o.region === region)) Object.assign(variables, o.variables);
    }
  }
  return stacks as SynthesizedApp;
}

/**
 * The budget's RTO of one failure for the app with these overrides: into `takeover` when given, else the worse
 * direction; null when it cannot be computed.
 */
export function budgetRtoOf(app: TerraformApp, config: DrConfig, environment: readonly EnvironmentPatch[] = [], failure: FailureKind = "region", takeover?: string): number | null {
  const key = `${failure} ${takeover ?? "either"} ${JSON.stringify(environment)}`;
  let perApp = cache.get(app);
  if (!perApp) {
    perApp = new Map();
    cache.set(app, perApp);
  }
  if (perApp.has(key)) return perApp.get(key) as number | null;
  let rto: number | null;
  try {
    const budgets = budgetsOf(patchedStacks(app, environment), budgetOptions(config, `drill ${config.environment}`), undefined, [failure]);
    const [chosen] = takeover === undefined ? budgets : budgets.filter((b) => b.takeover === takeover);
    rto = chosen?.rtoSeconds ?? null;
  } catch {
    rto = null;
  }
  perApp.set(key, rto);
  return rto;
}
