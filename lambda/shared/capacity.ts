/**
 * The service's capacity and health in one region: its scalable target (the
 * only capacity setting that target tracking and the next deploy both keep),
 * and what is actually running and healthy behind the load balancer.
 */
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { DescribeServicesCommand, ECSClient } from "@aws-sdk/client-ecs";
import { DescribeTargetGroupsCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { Caller } from "./retry";

export interface EcsService {
  readonly cluster: string;
  readonly service: string;
}

/** Application Auto Scaling resource id of an ECS service. */
export function ecsResourceId(service: EcsService): string {
  return `service/${service.cluster}/${service.service}`;
}

const ECS_SCALABLE = { ServiceNamespace: "ecs", ScalableDimension: "ecs:service:DesiredCount" } as const;

export type CapacityChange = "done" | "unchanged" | "planned";

export interface ScalableTargetView {
  readonly min: number | null;
  readonly max: number | null;
}

export async function readScalableTarget(client: ApplicationAutoScalingClient, call: Caller, service: EcsService): Promise<ScalableTargetView> {
  const resourceId = ecsResourceId(service);
  const described = await call("DescribeScalableTargets", () =>
    client.send(new DescribeScalableTargetsCommand({ ...ECS_SCALABLE, ResourceIds: [resourceId] })),
  );
  const current = described.ScalableTargets?.find((t) => t.ResourceId === resourceId);
  return { min: current?.MinCapacity ?? null, max: current?.MaxCapacity ?? null };
}

/**
 * Sets the service's scalable target to [min, max] with RegisterScalableTarget,
 * unless it already is. Dry run: reads only.
 */
export async function ensureScalableTarget(
  client: ApplicationAutoScalingClient,
  call: Caller,
  service: EcsService,
  min: number,
  max: number,
  dryRun = false,
): Promise<{ change: CapacityChange; previous: ScalableTargetView }> {
  const previous = await readScalableTarget(client, call, service);
  if (previous.min === min && previous.max === max) return { change: "unchanged", previous };
  if (dryRun) return { change: "planned", previous };
  await call("RegisterScalableTarget", () =>
    client.send(new RegisterScalableTargetCommand({ ...ECS_SCALABLE, ResourceId: ecsResourceId(service), MinCapacity: min, MaxCapacity: max })),
  );
  return { change: "done", previous };
}

/**
 * Raises the minimum to at least `min` (and the maximum to at least `max`),
 * never lowering either: what an operator or the last deploy set above the
 * floor stays.
 */
export async function raiseScalableTarget(
  client: ApplicationAutoScalingClient,
  call: Caller,
  service: EcsService,
  min: number,
  max: number,
  dryRun = false,
): Promise<{ change: CapacityChange; previous: ScalableTargetView }> {
  const previous = await readScalableTarget(client, call, service);
  const nextMin = Math.max(previous.min ?? 0, min);
  const nextMax = Math.max(previous.max ?? 0, max, nextMin);
  if (previous.min === nextMin && previous.max === nextMax) return { change: "unchanged", previous };
  if (dryRun) return { change: "planned", previous };
  await call("RegisterScalableTarget", () =>
    client.send(new RegisterScalableTargetCommand({ ...ECS_SCALABLE, ResourceId: ecsResourceId(service), MinCapacity: nextMin, MaxCapacity: nextMax })),
  );
  return { change: "done", previous };
}

export interface ServiceHealth {
  readonly runningTasks: number;
  readonly healthyTargets: number;
  readonly healthy: boolean;
}

/**
 * Running tasks (ECS) and healthy targets (the load balancer's own checks) of
 * the service: platform facts the application cannot report for itself.
 */
export async function readServiceHealth(
  ecs: ECSClient,
  elb: ElasticLoadBalancingV2Client,
  call: Caller,
  service: EcsService,
  targetGroupName: string,
): Promise<ServiceHealth> {
  const services = await call("DescribeServices", () => ecs.send(new DescribeServicesCommand({ cluster: service.cluster, services: [service.service] })));
  const runningTasks = services.services?.[0]?.runningCount ?? 0;
  const groups = await call("DescribeTargetGroups", () => elb.send(new DescribeTargetGroupsCommand({ Names: [targetGroupName] })));
  const targetGroupArn = groups.TargetGroups?.[0]?.TargetGroupArn;
  let healthyTargets = 0;
  if (targetGroupArn) {
    const health = await call("DescribeTargetHealth", () => elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })));
    healthyTargets = health.TargetHealthDescriptions?.filter((t) => t.TargetHealth?.State === "healthy").length ?? 0;
  }
  return { runningTasks, healthyTargets, healthy: runningTasks > 0 && healthyTargets > 0 };
}
