/**
 * Builds every stack of a configuration from the layout plan and declares the
 * deploy order between them explicitly.
 */
import { App } from "cdktf";
import { DrConfig } from "../lib/config/model";
import { AppStack } from "./app-stack";
import { BaseStack } from "./base-stack";
import { BootstrapStack } from "./bootstrap-stack";
import { CrossRegionStack } from "./cross-region-stack";
import { DataStack } from "./data-stack";
import { DnsStack } from "./dns-stack";
import { OpsStack } from "./ops-stack";
import { DrStack } from "./dr-stack";
import { StackPlan, planStacks, stackIds } from "./layout";
import { ReplicasStack } from "./replicas-stack";
import { ZoneStack } from "./zone-stack";

function createStack(app: App, config: DrConfig, plan: StackPlan, built: ReadonlyMap<string, DrStack>): DrStack {
  const baseOf = () => built.get(stackIds.base(plan.homeRegion)) as BaseStack;
  switch (plan.layer) {
    case "bootstrap":
      return new BootstrapStack(app, { config, plan });
    case "zone":
      return new ZoneStack(app, { config, plan });
    case "base":
      return new BaseStack(app, { config, plan });
    case "data":
      return new DataStack(app, { config, plan, base: baseOf() });
    case "replicas":
      return new ReplicasStack(app, { config, plan });
    case "cross-region":
      return new CrossRegionStack(app, { config, plan });
    case "ops":
      return new OpsStack(app, { config, plan, base: baseOf(), app: built.get(stackIds.app(plan.homeRegion)) as AppStack });
    case "app":
      return new AppStack(app, { config, plan, base: baseOf() });
    case "dns":
      return new DnsStack(app, { config, plan });
  }
}

export interface BuiltStacks {
  readonly plans: readonly StackPlan[];
  readonly stacks: ReadonlyMap<string, DrStack>;
}

export function buildStacks(app: App, config: DrConfig): BuiltStacks {
  const plans = planStacks(config);
  const stacks = new Map<string, DrStack>();
  for (const plan of plans) stacks.set(plan.id, createStack(app, config, plan, stacks));
  for (const plan of plans) {
    for (const dependency of plan.dependsOn) stacks.get(plan.id)!.addDependency(stacks.get(dependency)!);
  }
  return { plans, stacks };
}
