/**
 * What every stack of the project shares: its backend, a default AWS provider
 * for its home region, aliased providers for the other region only where the
 * stack reaches it, and default tags that every taggable resource inherits.
 */
import { Construct, IConstruct, Node } from "constructs";
import { TerraformElement, TerraformStack } from "cdktf";
import { makeUniqueId } from "cdktf/lib/private/unique";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { AwsRegion } from "../lib/aws-regions";
import { RegionCatalog, catalogOf } from "../lib/catalog";
import { DrConfig, roleOf } from "../lib/config/model";
import { RemovalPolicy, removalPolicyOf } from "../lib/removal";
import { keepsChildAddresses } from "../constructs/addressing";
import { configureBackend } from "./backend";
import { StackPlan } from "./layout";

/** Value of the DR-Role tag: the region's current role, or global for Route 53. */
export type DrRoleTag = "active" | "standby" | "global";

export const MANAGED_BY = "cdktf";

/**
 * The Terraform versions every stack's output runs on. 1.11 is the floor the output itself sets: the
 * master password reaches the cluster and the secret only through write-only arguments
 * (`master_password_wo`, `secret_string_wo`), which Terraform 1.11 introduced, and it is opened by an
 * ephemeral resource (1.10); S3 lock files (`backend.locking` lockfile or both) need 1.10. Stated on every
 * stack, so an older binary refuses the whole configuration before it plans, instead of failing (or
 * ignoring a write-only value) half-way. Below 2.0, the next major version, whose changes are unknown.
 */
export const TERRAFORM_REQUIRED_VERSION = ">= 1.11.0, < 2.0.0";

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
  /** Every name and ARN of the stack's home region. */
  readonly catalog: RegionCatalog;
  /** The project's one removal setting, for the constructs that own stateful resources. */
  readonly removal: RemovalPolicy;
  /** The default provider, in the stack's home region. */
  readonly provider: AwsProvider;
  private readonly aliased = new Map<AwsRegion, AwsProvider>();

  constructor(scope: Construct, props: DrStackProps) {
    super(scope, props.plan.id);
    this.config = props.config;
    this.plan = props.plan;
    this.catalog = catalogOf(props.config).region(props.plan.homeRegion);
    this.removal = removalPolicyOf(props.config);
    configureBackend(this, props.config, props.plan.id, props.plan.stateRegion);
    this.addOverride("terraform.required_version", TERRAFORM_REQUIRED_VERSION);
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

  /** Terraform address of an element: its construct path below the stack, without constructs that keep their children's addresses. */
  private readonly addresses = new Map<string, string>();
  /** Construct path -> the path its metadata shows, where a construct keeps its children's addresses. */
  private readonly addressedPaths = new Map<string, string>();

  protected allocateLogicalId(tfElement: TerraformElement | Node): string {
    const node = TerraformElement.isTerraformElement(tfElement) ? tfElement.node : tfElement;
    const stack = TerraformElement.isTerraformElement(tfElement) ? tfElement.cdktfStack : this;
    const below = node.scopes.slice(node.scopes.indexOf(stack) + 1);
    const kept = below.filter((scope, i) => i === below.length - 1 || !keepsChildAddresses(scope));
    if (kept.length === 0) return "";
    const id = makeUniqueId(kept.map((c) => c.node.id));
    if (kept.length !== below.length) {
      this.addressedPaths.set(node.path, [...node.scopes.slice(0, node.scopes.indexOf(stack) + 1), ...kept].map((c) => c.node.id).filter((s) => s !== "").join("/"));
    }
    const owner = this.addresses.get(id);
    if (owner !== undefined && owner !== node.path) {
      throw new Error(`${node.path} and ${owner} would share the Terraform address ${id}: give one of them another id`);
    }
    this.addresses.set(id, node.path);
    return id;
  }

  toTerraform(): any {
    const json = super.toTerraform();
    if (this.addressedPaths.size > 0) rewriteMetadataPaths(json, this.addressedPaths);
    const outputs = json["//"]?.outputs?.[this.node.id];
    if (outputs && typeof outputs === "object") json["//"].outputs[this.node.id] = flattenOutputs(outputs, this);
    return json;
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

/** Replaces the construct paths in cdktf's per-element metadata with the paths the elements are addressed by. */
function rewriteMetadataPaths(value: unknown, paths: ReadonlyMap<string, string>): void {
  if (!value || typeof value !== "object") return;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (key === "//" && child && typeof child === "object") {
      const metadata = (child as { metadata?: { path?: string } }).metadata;
      if (metadata?.path && paths.has(metadata.path)) metadata.path = paths.get(metadata.path);
    } else rewriteMetadataPaths(child, paths);
  }
}

/** cdktf's tree of output names, by construct path, without the levels of constructs that keep their children's addresses. */
function flattenOutputs(tree: Record<string, unknown>, scope: IConstruct): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(tree)) {
    const child = scope.node.tryFindChild(key);
    if (child && value && typeof value === "object") {
      const inner = flattenOutputs(value as Record<string, unknown>, child);
      if (keepsChildAddresses(child)) Object.assign(flat, inner);
      else flat[key] = inner;
    } else flat[key] = value;
  }
  return flat;
}
