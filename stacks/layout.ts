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
 *     -> data-<secondary>        cluster joined by the global cluster's name
 *     -> replicas-<secondary>    the global tables' replicas (their refresh reads the primary region)
 *     -> cross-region-<primary>  peering (both sides), primary -> DR replication; publishes into the DR region
 *     -> cross-region-<secondary> DR routes to the peer, DR -> primary replication (DR region only)
 *     -> app-<region> x2         Fargate, load balancer, certificate, WAF, canaries
 *     -> ops-<region> x2         health monitor, failover automation, alarms, dashboards
 *     -> dns                     health checks and records
 *
 * The DR region's failover path (failoverPathStacks) plans and applies with the primary region gone: what
 * those stacks need to know of the primary is published into the DR region when the primary's stacks apply
 * (SSM parameters of the catalog's `published`), never looked up there (__tests__/outage.test.ts).
 */
import { AwsRegion } from "../lib/aws-regions";
import { DrConfig } from "../lib/config/model";

export type StackLayer = "bootstrap" | "base" | "zone" | "data" | "replicas" | "cross-region" | "app" | "ops" | "dns";

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
  replicas: (region: AwsRegion) => `replicas-${region}`,
  crossRegion: (region: AwsRegion) => `cross-region-${region}`,
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
    // After the DR region's base stack: it publishes the zone's id there as a parameter of that region's secrets key.
    add({ id: stackIds.zone, layer: "zone", homeRegion: secondary, stateRegion: secondary, global: true, dependsOn: [...root, stackIds.base(secondary)] });
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
  // The replicas of the founding region's global tables, on their own: every refresh of a replica reads the main
  // table in the primary region, so they stay out of the stacks the DR region needs during an outage.
  add({
    id: stackIds.replicas(secondary),
    layer: "replicas",
    homeRegion: secondary,
    stateRegion: secondary,
    dependsOn: [stackIds.base(secondary), stackIds.data(primary)],
  });
  // Peering (both sides: the accepter must accept before the requester's options can be set) and the primary's
  // replication to the DR region; publishes the connection id and the primary's data key into the DR region.
  add({
    id: stackIds.crossRegion(primary),
    layer: "cross-region",
    homeRegion: primary,
    stateRegion: primary,
    aliasRegions: [secondary],
    dependsOn: [stackIds.base(primary), stackIds.base(secondary), stackIds.data(primary), stackIds.data(secondary)],
  });
  // The DR region's half: its routes to the peer and its replication to the primary, from the published facts.
  add({
    id: stackIds.crossRegion(secondary),
    layer: "cross-region",
    homeRegion: secondary,
    stateRegion: secondary,
    dependsOn: [stackIds.base(secondary), stackIds.data(secondary), stackIds.crossRegion(primary)],
  });
  for (const region of regions) {
    add({
      id: stackIds.app(region),
      layer: "app",
      homeRegion: region,
      stateRegion: region,
      dependsOn: [
        stackIds.base(region),
        stackIds.data(region),
        ...(region === secondary ? [stackIds.replicas(secondary)] : []),
        ...(createsHostedZone(config) ? [stackIds.zone] : []),
      ],
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
 * DR-region stacks that the failover path does not need, and why: during an outage of the primary region
 * nothing in them has to change, and what they manage cannot be refreshed without the primary region. What
 * does work for each is in docs/outage-operations.md.
 */
export const OUTSIDE_FAILOVER_PATH: Partial<Record<StackLayer, string>> = {
  bootstrap:
    "creates the state buckets, keys and lock tables of both regions once (local state); the DR region's own store " +
    "keeps working without the primary, and the stack is not applied again during an outage",
  replicas:
    "every refresh of aws_dynamodb_table_replica reads the main table in the primary region (DescribeTable there); " +
    "the replicas keep serving and replicating by themselves, so nothing about them changes on a failover",
};

/**
 * The stacks the DR region needs to plan and apply during an outage of the primary region: every stack whose
 * state lives in the DR region, except those OUTSIDE_FAILOVER_PATH names.
 */
export function failoverPathStacks(config: DrConfig): StackPlan[] {
  return planStacks(config).filter((p) => p.stateRegion === config.regions.secondary && OUTSIDE_FAILOVER_PATH[p.layer] === undefined);
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
