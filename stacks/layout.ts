/**
 * The stack layout: which stacks exist for a configuration, where each one's
 * provider points, where its state lives, and what it must be deployed after.
 *
 * Pure data, computed from configuration alone, so that the deploy order,
 * the README and the tests all read one source. Stack ids are keyed by region,
 * never by role: flipping the active region changes no stack id and so no
 * state key and no resource address.
 *
 *   bootstrap (local state; only with the s3 backend)
 *     -> base-<region> x2        keys, network, buckets, repositories, topics
 *     -> zone                    the hosted zone (unless an existing zone id is configured)
 *     -> data-<primary>          global cluster, its regional cluster, global tables
 *     -> data-<secondary>        cluster joined by the global cluster's name, table replicas
 *     -> cross-region            peering, two-way replication, backup copy wiring
 *     -> app-<region> x2         Fargate, load balancer, certificate, WAF, canaries
 *     -> ops-<region> x2         health monitor, failover automation, alarms, dashboards
 *     -> dns                     health checks and records
 */
import { AwsRegion } from "../lib/aws-regions";
import { DrConfig } from "../lib/config/model";

export type StackLayer = "bootstrap" | "base" | "zone" | "data" | "cross-region" | "app" | "ops" | "dns";

export interface StackPlan {
  /** Stack name: the folder under cdktf.out/stacks and part of the state key. */
  readonly id: string;
  readonly layer: StackLayer;
  /** Region of the stack's default AWS provider. */
  readonly homeRegion: AwsRegion;
  /** Region whose bucket and lock table hold the stack's state. */
  readonly stateRegion: AwsRegion;
  /** Regions reached through an aliased provider (the other region, where the stack spans both). */
  readonly aliasRegions: readonly AwsRegion[];
  /** Global resources (Route 53) rather than regional ones. */
  readonly global: boolean;
  /** Stacks that must be deployed first. */
  readonly dependsOn: readonly string[];
}

export const stackIds = {
  bootstrap: "bootstrap",
  base: (region: AwsRegion) => `base-${region}`,
  zone: "zone",
  data: (region: AwsRegion) => `data-${region}`,
  crossRegion: "cross-region",
  app: (region: AwsRegion) => `app-${region}`,
  ops: (region: AwsRegion) => `ops-${region}`,
  dns: "dns",
} as const;

/** Whether the project creates the hosted zone (no existing zone id configured). */
export function createsHostedZone(config: DrConfig): boolean {
  return config.dns.hostedZoneId === undefined;
}

/** Whether the bootstrap stack exists: it creates the S3 state buckets and lock tables. */
export function hasBootstrap(config: DrConfig): boolean {
  return config.backend.type === "s3";
}

export function planStacks(config: DrConfig): StackPlan[] {
  const { primary, secondary } = config.regions;
  const regions = [primary, secondary] as const;
  const plans: StackPlan[] = [];
  const root = hasBootstrap(config) ? [stackIds.bootstrap] : [];
  const add = (plan: Omit<StackPlan, "aliasRegions" | "global"> & Partial<Pick<StackPlan, "aliasRegions" | "global">>) =>
    plans.push({ aliasRegions: [], global: false, ...plan });

  if (hasBootstrap(config)) {
    // Local state by necessity: it creates the buckets every other stack's state lives in.
    add({ id: stackIds.bootstrap, layer: "bootstrap", homeRegion: secondary, stateRegion: secondary, aliasRegions: [primary], dependsOn: [] });
  }
  for (const region of regions) {
    add({ id: stackIds.base(region), layer: "base", homeRegion: region, stateRegion: region, dependsOn: root });
  }
  if (createsHostedZone(config)) {
    add({ id: stackIds.zone, layer: "zone", homeRegion: secondary, stateRegion: secondary, global: true, dependsOn: root });
  }
  add({ id: stackIds.data(primary), layer: "data", homeRegion: primary, stateRegion: primary, dependsOn: [stackIds.base(primary)] });
  // The secondary cluster joins a global cluster that must already exist: order only, no state read.
  add({
    id: stackIds.data(secondary),
    layer: "data",
    homeRegion: secondary,
    stateRegion: secondary,
    dependsOn: [stackIds.base(secondary), stackIds.data(primary)],
  });
  add({
    id: stackIds.crossRegion,
    layer: "cross-region",
    homeRegion: secondary,
    stateRegion: secondary,
    aliasRegions: [primary],
    dependsOn: [stackIds.base(primary), stackIds.base(secondary), stackIds.data(primary), stackIds.data(secondary)],
  });
  for (const region of regions) {
    add({
      id: stackIds.app(region),
      layer: "app",
      homeRegion: region,
      stateRegion: region,
      dependsOn: [stackIds.base(region), stackIds.data(region), ...(createsHostedZone(config) ? [stackIds.zone] : [])],
    });
  }
  for (const region of regions) {
    add({ id: stackIds.ops(region), layer: "ops", homeRegion: region, stateRegion: region, dependsOn: [stackIds.app(region)] });
  }
  add({
    id: stackIds.dns,
    layer: "dns",
    homeRegion: secondary,
    stateRegion: secondary,
    // Route 53 only: the records alias the regional records the app stacks create, so nothing is read from either region.
    global: true,
    dependsOn: [
      ...(createsHostedZone(config) ? [stackIds.zone] : []),
      stackIds.app(primary),
      stackIds.app(secondary),
      stackIds.ops(primary),
      stackIds.ops(secondary),
    ],
  });
  return plans;
}

/**
 * Stacks in an order that respects every dependency: repeatedly the first
 * stack, in declaration order, whose dependencies are all placed, so the
 * order is stable and reads like the layer list above. Throws on a cycle or
 * an unknown dependency, naming the stacks involved.
 */
export function deployOrder(plans: readonly Pick<StackPlan, "id" | "dependsOn">[]): string[] {
  const ids = new Set(plans.map((p) => p.id));
  for (const plan of plans) {
    for (const dep of plan.dependsOn) {
      if (!ids.has(dep)) throw new Error(`Stack ${plan.id} depends on ${dep}, which does not exist`);
    }
  }
  const placed = new Set<string>();
  const order: string[] = [];
  while (order.length < plans.length) {
    const next = plans.find((p) => !placed.has(p.id) && p.dependsOn.every((d) => placed.has(d)));
    if (!next) {
      const stuck = plans.filter((p) => !placed.has(p.id)).map((p) => p.id);
      throw new Error(`Stack dependencies form a cycle among: ${stuck.join(", ")}`);
    }
    placed.add(next.id);
    order.push(next.id);
  }
  return order;
}
