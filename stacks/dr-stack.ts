/**
 * What every stack of the project shares: its backend, a default AWS provider
 * for its home region, aliased providers for the other region only where the
 * stack reaches it, and default tags that every taggable resource inherits.
 */
import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { AwsRegion } from "../lib/aws-regions";
import { DrConfig, roleOf } from "../lib/config/model";
import { Naming } from "../lib/naming";
import { configureBackend } from "./backend";
import { StackPlan } from "./layout";

/** Value of the DR-Role tag: the region's current role, or global for Route 53. */
export type DrRoleTag = "active" | "standby" | "global";

export const MANAGED_BY = "cdktf";

export function drRoleTag(config: DrConfig, region: AwsRegion, global: boolean): DrRoleTag {
  return global ? "global" : roleOf(config, region);
}

/** Tags every taggable resource carries, set once through provider default tags. */
export function defaultTags(config: DrConfig, region: AwsRegion, global: boolean, stackId: string): Record<string, string> {
  return {
    ...config.tags,
    Environment: config.environment,
    "DR-Role": drRoleTag(config, region, global),
    Project: config.project,
    ManagedBy: MANAGED_BY,
    Stack: stackId,
  };
}

/** Terraform provider alias for a region: the region name itself, stable across failovers. */
export function providerAlias(region: AwsRegion): string {
  return region;
}

export interface DrStackProps {
  readonly config: DrConfig;
  readonly plan: StackPlan;
}

export class DrStack extends TerraformStack {
  readonly config: DrConfig;
  readonly plan: StackPlan;
  readonly naming: Naming;
  /** The default provider, in the stack's home region. */
  readonly provider: AwsProvider;
  private readonly aliased = new Map<AwsRegion, AwsProvider>();

  constructor(scope: Construct, props: DrStackProps) {
    super(scope, props.plan.id);
    this.config = props.config;
    this.plan = props.plan;
    this.naming = new Naming(props.config);
    configureBackend(this, props.config, props.plan.id, props.plan.stateRegion);
    this.provider = new AwsProvider(this, "aws", {
      region: props.plan.homeRegion,
      defaultTags: [{ tags: defaultTags(props.config, props.plan.homeRegion, props.plan.global, props.plan.id) }],
    });
    for (const region of props.plan.aliasRegions) {
      this.aliased.set(
        region,
        new AwsProvider(this, `aws-${region}`, {
          alias: providerAlias(region),
          region,
          defaultTags: [{ tags: defaultTags(props.config, region, props.plan.global, props.plan.id) }],
        }),
      );
    }
  }

  get homeRegion(): AwsRegion {
    return this.plan.homeRegion;
  }

  /** The provider for a region: the default one at home, an aliased one declared in the plan elsewhere. */
  providerFor(region: AwsRegion): AwsProvider {
    if (region === this.plan.homeRegion) return this.provider;
    const provider = this.aliased.get(region);
    if (!provider) {
      throw new Error(
        `Stack ${this.plan.id} has no provider for ${region}: its plan reaches only ${[this.plan.homeRegion, ...this.plan.aliasRegions].join(", ")}`,
      );
    }
    return provider;
  }
}
