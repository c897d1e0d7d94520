/**
 * The synthesized Terraform JSON of every stack (cdktf.out/stacks/<stack>/cdk.tf.json),
 * read as data, with a resolver for the `${...}` references it holds.
 *
 * Terraform would only know most attributes after apply (ARNs, ids, DNS names);
 * the drill gives each one a deterministic stand-in built the way AWS builds it
 * from the resource's own arguments (`arn:aws:lambda:<region>:<account>:function:<function_name>`),
 * so that a state machine's FunctionName, a listener rule's listener ARN or a
 * function's TOPIC_ARN resolve to the same value wherever they are referenced.
 * `terraform_remote_state` outputs are followed into the stack that declares
 * them. A reference the resolver cannot evaluate becomes `<unresolved:expr>` and
 * is listed in `unresolved`.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Body = { [key: string]: Json };

export interface ResourceRef {
  readonly stack: string;
  readonly type: string;
  readonly id: string;
  readonly body: Body;
  /** The region of the provider the resource uses. */
  readonly region: string;
}

export class TerraformApp {
  readonly unresolved = new Set<string>();

  constructor(
    readonly stacks: ReadonlyMap<string, Body>,
    readonly account: string = "111122223333",
    readonly partition: string = "aws",
  ) {}

  /** Reads every stack of a synthesized app directory (the cdktf.out folder). */
  static read(outdir: string, account?: string): TerraformApp {
    const dir = path.join(outdir, "stacks");
    const stacks = new Map<string, Body>();
    for (const name of fs.readdirSync(dir).sort()) {
      const file = path.join(dir, name, "cdk.tf.json");
      if (fs.existsSync(file)) stacks.set(name, JSON.parse(fs.readFileSync(file, "utf8")) as Body);
    }
    return new TerraformApp(stacks, account);
  }

  /** Builds an app from hand-written fragments (tests): stack name -> Terraform JSON. */
  static of(stacks: Record<string, object>, account?: string): TerraformApp {
    return new TerraformApp(new Map(Object.entries(stacks) as [string, Body][]), account);
  }

  stackNames(): string[] {
    return [...this.stacks.keys()];
  }

  /** The region of `providerRef` ("aws", "aws.us-east-1") in `stack`. */
  providerRegion(stack: string, providerRef?: string): string {
    const providers = (this.stacks.get(stack)?.provider as { aws?: Body[] } | undefined)?.aws ?? [];
    const alias = providerRef && providerRef.startsWith("aws.") ? providerRef.slice(4) : undefined;
    const provider = providers.find((p) => (alias ? p.alias === alias : p.alias === undefined)) ?? providers[0];
    const region = provider?.region;
    if (typeof region === "string") return region;
    const m = /-([a-z]{2}-[a-z]+-\d)$/.exec(stack);
    return m?.[1] ?? "us-east-1";
  }

  resources(type: string): ResourceRef[] {
    return this.collect("resource", type);
  }

  dataSources(type: string): ResourceRef[] {
    return this.collect("data", type);
  }

  private collect(section: "resource" | "data", type: string): ResourceRef[] {
    const out: ResourceRef[] = [];
    for (const [stack, json] of this.stacks) {
      const byType = (json[section] as Record<string, Record<string, Body>> | undefined)?.[type] ?? {};
      for (const [id, body] of Object.entries(byType)) {
        out.push({ stack, type, id, body, region: this.providerRegion(stack, typeof body.provider === "string" ? body.provider : undefined) });
      }
    }
    return out;
  }

  private find(stack: string, section: "resource" | "data", type: string, id: string): ResourceRef | undefined {
    const body = ((this.stacks.get(stack)?.[section] as Record<string, Record<string, Body>> | undefined)?.[type] ?? {})[id];
    if (!body) return undefined;
    return { stack, type, id, body, region: this.providerRegion(stack, typeof body.provider === "string" ? body.provider : undefined) };
  }

  /** Resolves every `${...}` reference in `value` (deeply), in the context of `stack`. */
  resolve<T extends Json>(stack: string, value: T): T {
    if (typeof value === "string") return this.resolveString(stack, value) as T;
    if (Array.isArray(value)) return value.map((v) => this.resolve(stack, v)) as T;
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(stack, v as Json)])) as T;
    return value;
  }

  resolveString(stack: string, value: string): string {
    return value.replace(/\$\{([^}]+)\}/g, (_, expr: string) => this.evaluate(stack, expr.trim()));
  }

  /** One reference: data.<type>.<id>.<attr...> or <type>.<id>.<attr...>. */
  evaluate(stack: string, expr: string): string {
    const parts = expr.split(".");
    if (parts[0] === "data") {
      const [, type, id, ...attr] = parts;
      return this.dataAttribute(stack, type as string, id as string, attr);
    }
    const [type, id, ...attr] = parts;
    const ref = type && id ? this.find(stack, "resource", type, id) : undefined;
    if (!ref) return this.fail(expr);
    return this.resourceAttribute(ref, attr.join("."));
  }

  private fail(expr: string): string {
    this.unresolved.add(expr);
    return `<unresolved:${expr}>`;
  }

  private dataAttribute(stack: string, type: string, id: string, attr: string[]): string {
    const ref = this.find(stack, "data", type, id);
    const region = ref?.region ?? this.providerRegion(stack);
    switch (type) {
      case "aws_partition":
        return this.partition;
      case "aws_caller_identity":
        return this.account;
      case "aws_region":
        return region;
      case "terraform_remote_state": {
        const source = id.replace(/^cross-stack-reference-input-/, "");
        const output = attr[0] === "outputs" ? attr[1] : undefined;
        const value = output ? ((this.stacks.get(source)?.output as Record<string, Body> | undefined)?.[output]?.value as Json | undefined) : undefined;
        if (typeof value !== "string") return this.fail(`data.${type}.${id}.${attr.join(".")}`);
        return this.resolveString(source, value);
      }
      case "aws_kms_alias":
        return `arn:${this.partition}:kms:${region}:${this.account}:key/${shortHash(`${stack}/${id}`)}`;
      case "aws_lb": {
        const name = ref ? this.resolveString(stack, String(ref.body.name ?? id)) : id;
        return loadBalancerAttribute(this, region, name, attr.join("."));
      }
      case "aws_route53_zone":
        return attr[0] === "zone_id" ? `Z${shortHash(String(ref?.body.name ?? id)).toUpperCase()}` : String(ref?.body.name ?? id);
      default:
        if (ref && attr.length === 1 && typeof ref.body[attr[0] as string] === "string") return this.resolveString(stack, ref.body[attr[0] as string] as string);
        return this.fail(`data.${type}.${id}.${attr.join(".")}`);
    }
  }

  /** The stand-in value of `attr` of a resource. */
  resourceAttribute(ref: ResourceRef, attr: string): string {
    const { body, region, type } = ref;
    const str = (key: string): string | undefined => (typeof body[key] === "string" ? this.resolveString(ref.stack, body[key] as string) : undefined);
    const name = str("name") ?? str("function_name") ?? str("cluster_identifier") ?? str("global_cluster_identifier") ?? ref.id;
    const p = this.partition;
    const a = this.account;
    if (type === "aws_lb") return loadBalancerAttribute(this, region, name, attr);
    if (attr === "arn" || attr === "id" && ["aws_sns_topic", "aws_sfn_state_machine", "aws_lb_listener", "aws_lb_target_group", "aws_lb_listener_rule"].includes(type)) {
      switch (type) {
        case "aws_sns_topic":
          return `arn:${p}:sns:${region}:${a}:${name}`;
        case "aws_lambda_function":
          return `arn:${p}:lambda:${region}:${a}:function:${name}`;
        case "aws_sfn_state_machine":
          return `arn:${p}:states:${region}:${a}:stateMachine:${name}`;
        case "aws_dynamodb_table":
          return `arn:${p}:dynamodb:${region}:${a}:table/${name}`;
        case "aws_rds_cluster":
          return `arn:${p}:rds:${region}:${a}:cluster:${name}`;
        case "aws_rds_global_cluster":
          return `arn:${p}:rds::${a}:global-cluster:${name}`;
        case "aws_ecs_cluster":
          return `arn:${p}:ecs:${region}:${a}:cluster/${name}`;
        case "aws_ecs_service":
          return `arn:${p}:ecs:${region}:${a}:service/${name}`;
        case "aws_iam_role":
          return `arn:${p}:iam::${a}:role/${name}`;
        case "aws_sqs_queue":
          return `arn:${p}:sqs:${region}:${a}:${name}`;
        case "aws_cloudwatch_log_group":
          return `arn:${p}:logs:${region}:${a}:log-group:${name}`;
        case "aws_lb_target_group":
          return `arn:${p}:elasticloadbalancing:${region}:${a}:targetgroup/${name}/${shortHash(`${region}/${name}`)}`;
        case "aws_lb_listener": {
          const lb = this.resolveString(ref.stack, String(body.load_balancer_arn ?? ""));
          return `${lb.replace(":loadbalancer/", ":listener/")}/${shortHash(`${ref.stack}/${ref.id}`)}`;
        }
        case "aws_lb_listener_rule": {
          const listener = this.resolveString(ref.stack, String(body.listener_arn ?? ""));
          return `${listener.replace(":listener/", ":listener-rule/")}/${shortHash(`${ref.stack}/${ref.id}`)}`;
        }
        case "aws_route53_health_check":
          return `hc-${ref.id}`;
        default:
          return attr === "id" ? name : `arn:${p}:${type.replace(/^aws_/, "")}:${region}:${a}:${name}`;
      }
    }
    if (attr === "id") {
      if (type === "aws_route53_health_check") return `hc-${ref.id}`;
      return name;
    }
    if (attr === "name" || attr === "function_name") return name;
    if (attr === "arn_suffix" && type === "aws_lb_target_group") return `targetgroup/${name}/${shortHash(`${region}/${name}`)}`;
    if (attr === "certificate_arn") return `arn:${p}:acm:${region}:${a}:certificate/${shortHash(`${ref.stack}/${ref.id}`)}`;
    const direct = body[attr];
    if (typeof direct === "string") return this.resolveString(ref.stack, direct);
    if (typeof direct === "number" || typeof direct === "boolean") return String(direct);
    return this.fail(`${type}.${ref.id}.${attr}`);
  }
}

function loadBalancerAttribute(app: TerraformApp, region: string, name: string, attr: string): string {
  const hash = shortHash(`${region}/${name}`);
  switch (attr) {
    case "arn":
    case "id":
      return `arn:${app.partition}:elasticloadbalancing:${region}:${app.account}:loadbalancer/app/${name}/${hash}`;
    case "arn_suffix":
      return `app/${name}/${hash}`;
    case "dns_name":
      return `${name}-${hash}.${region}.elb.amazonaws.com`;
    case "zone_id":
      return `ZELB${region.replace(/-/g, "").toUpperCase()}`;
    case "name":
      return name;
    default:
      return `<unresolved:aws_lb.${name}.${attr}>`;
  }
}

function shortHash(value: string): string {
  return crypto.createHash("sha256").update(value).digest("hex").slice(0, 16);
}
