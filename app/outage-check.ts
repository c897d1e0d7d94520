/**
 * What a synthesized stack reaches in AWS when Terraform plans or applies it: the regions of its providers,
 * its backend and remote-state reads, its data sources (read at every plan) and the few resources whose
 * refresh calls another region than their own. Used by __tests__/outage.test.ts to prove that the stacks the
 * DR region needs during an outage of the primary region reach nothing there (docs/outage-operations.md).
 *
 * Route 53 and IAM are global services whose control plane is served from us-east-1
 * (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/global-services.html): a data
 * source of theirs reaches us-east-1 whatever its provider's region. Their managed resources are listed apart
 * (`controlPlane`): Terraform refreshes them at every plan, which `-refresh=false` skips, and a failover changes
 * none of them (docs/outage-operations.md says which command works, and __tests__/variants.test.ts proves the
 * second half).
 */
import { TerraformJson } from "./layout-check";

/** The region whose endpoint serves a global service's control plane. */
export const GLOBAL_CONTROL_PLANE_REGION = "us-east-1";

/** Data sources computed by the provider itself, with no AWS call (aws_elb_service_account is a table in the provider). */
const LOCAL_DATA_SOURCES = new Set(["aws_iam_policy_document", "aws_partition", "aws_region", "aws_elb_service_account", "aws_default_tags", "aws_arn"]);

/** Whether a resource or data source type belongs to a global service whose control plane is in us-east-1. */
export function isGlobalControlPlaneType(type: string): boolean {
  if (type.startsWith("aws_route53_")) return !type.startsWith("aws_route53_resolver_") && !type.startsWith("aws_route53recoverycontrolconfig");
  if (type.startsWith("aws_iam_")) return type !== "aws_iam_policy_document";
  return type.startsWith("aws_cloudfront_") || type.startsWith("aws_organizations_");
}

export interface Reach {
  /** provider, backend, remote-state, data, resource (a refresh that calls another region). */
  readonly kind: "provider" | "backend" | "remote-state" | "data" | "resource";
  readonly address: string;
  readonly region: string;
  readonly why: string;
}

export interface StackReach {
  /** Every region the stack's plan and apply call, with what calls it. */
  readonly reaches: Reach[];
  /** Managed resources of global control planes (Route 53, IAM), refreshed at every plan. */
  readonly controlPlane: string[];
}

function providerRegion(stack: TerraformJson, body: any): string {
  if (body.region) return body.region;
  const providers: any[] = stack.provider?.aws ?? [];
  const ref: string | undefined = body.provider && body.provider !== "aws" ? body.provider : undefined;
  const provider = ref ? providers.find((p) => `aws.${p.alias}` === ref) : providers.find((p) => p.alias === undefined);
  if (!provider) throw new Error(`No provider ${ref ?? "(default)"} in the stack`);
  return provider.region;
}

function blocks(stack: TerraformJson, kind: "resource" | "data"): [string, string, any][] {
  const out: [string, string, any][] = [];
  for (const [type, byName] of Object.entries<any>(stack[kind] ?? {})) {
    for (const [name, body] of Object.entries<any>(byName)) out.push([type, name, body]);
  }
  return out;
}

/** The region named in an ARN, when the value is a literal ARN (or a string that contains one). */
function arnRegion(value: unknown, service: string): string | undefined {
  if (typeof value !== "string") return undefined;
  return new RegExp(`\\barn:[^:]+:${service}:([a-z0-9-]+):`).exec(value)?.[1];
}

export function stackReach(stack: TerraformJson): StackReach {
  const reaches: Reach[] = [];
  const controlPlane: string[] = [];
  for (const provider of stack.provider?.aws ?? []) {
    reaches.push({ kind: "provider", address: `provider.aws${provider.alias ? `.${provider.alias}` : ""}`, region: provider.region, why: "configured region" });
  }
  const s3 = stack.terraform?.backend?.s3;
  if (s3) reaches.push({ kind: "backend", address: "terraform.backend.s3", region: s3.region, why: `state in ${s3.bucket}` });
  for (const [type, name, body] of blocks(stack, "data")) {
    const address = `data.${type}.${name}`;
    if (type === "terraform_remote_state") {
      if (body.backend === "s3") reaches.push({ kind: "remote-state", address, region: body.config?.region ?? "(unset)", why: `reads ${body.config?.bucket}/${body.config?.key}` });
      continue;
    }
    if (LOCAL_DATA_SOURCES.has(type)) continue;
    if (isGlobalControlPlaneType(type)) {
      reaches.push({ kind: "data", address, region: GLOBAL_CONTROL_PLANE_REGION, why: "global service: control plane in us-east-1" });
      continue;
    }
    reaches.push({ kind: "data", address, region: providerRegion(stack, body), why: "read at every plan" });
  }
  for (const [type, name, body] of blocks(stack, "resource")) {
    const address = `${type}.${name}`;
    if (isGlobalControlPlaneType(type)) controlPlane.push(address);
    const own = providerRegion(stack, body);
    if (own !== providerRegion(stack, {})) reaches.push({ kind: "resource", address, region: own, why: "managed in another region" });
    // Its refresh calls DescribeTable on the main table's region (hashicorp/aws table_replica.go, resourceTableReplicaRead).
    if (type === "aws_dynamodb_table_replica") {
      const main = arnRegion(body.global_table_arn, "dynamodb");
      reaches.push({ kind: "resource", address, region: main ?? "(unknown)", why: "replica refresh reads the main table's region" });
    }
  }
  return { reaches, controlPlane };
}

/** What in the stack reaches `region` (the primary region, for the DR region's stacks). */
export function reachesRegion(stack: TerraformJson, region: string): Reach[] {
  return stackReach(stack).reaches.filter((r) => r.region === region);
}
