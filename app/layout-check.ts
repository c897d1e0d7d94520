/**
 * Checks on the synthesized output that keep the stack layout honest:
 * no stack reads state kept in another region (cdktf turns every cross-stack
 * reference into a silent terraform_remote_state read, so this is checked on
 * what was written, not on intentions), providers point where the plan says,
 * and the declared dependencies are acyclic.
 */
import * as fs from "fs";
import * as path from "path";
import { AwsRegion } from "../lib/aws-regions";
import { deployOrder } from "../stacks/layout";

/** What the check needs to know of each planned stack. */
export interface PlannedStack {
  readonly id: string;
  readonly homeRegion: AwsRegion;
  readonly stateRegion: AwsRegion;
  readonly aliasRegions: readonly AwsRegion[];
  /** Where the stack's own state lives, in the terms of stateLocation(). */
  readonly stateLocation: string;
}

export type TerraformJson = Record<string, any>;

export interface SynthesizedApp {
  readonly manifest: { stacks: Record<string, { dependencies?: string[]; synthesizedStackPath: string }> };
  readonly stacks: Record<string, TerraformJson>;
}

export function readSynthesizedApp(outdir: string): SynthesizedApp {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
  const stacks: Record<string, TerraformJson> = {};
  for (const [id, entry] of Object.entries<any>(manifest.stacks)) {
    stacks[id] = JSON.parse(fs.readFileSync(path.join(outdir, entry.synthesizedStackPath), "utf8"));
  }
  return { manifest, stacks };
}

/** The location a terraform_remote_state block reads, in the terms of stateLocation(). */
export function remoteStateLocation(block: { backend: string; config: Record<string, any> }): string {
  const c = block.config ?? {};
  switch (block.backend) {
    case "s3":
      return `s3:${c.bucket}/${c.key}`;
    case "local":
      return `local:${c.path}`;
    case "remote":
    case "cloud": {
      const workspace = Array.isArray(c.workspaces) ? c.workspaces[0]?.name : c.workspaces?.name;
      return `cloud:${c.organization}/${workspace}`;
    }
    default:
      return `${block.backend}:${JSON.stringify(c)}`;
  }
}

export interface LayoutViolation {
  readonly stack: string;
  readonly message: string;
}

export function checkLayout(planned: readonly PlannedStack[], app: SynthesizedApp): LayoutViolation[] {
  const violations: LayoutViolation[] = [];
  const byLocation = new Map(planned.map((p) => [p.stateLocation, p]));
  const byId = new Map(planned.map((p) => [p.id, p]));

  for (const [id, json] of Object.entries(app.stacks)) {
    const plan = byId.get(id);
    if (!plan) {
      violations.push({ stack: id, message: "was synthesized but is not in the layout plan" });
      continue;
    }
    const reads: Record<string, any> = json.data?.terraform_remote_state ?? {};
    for (const [name, block] of Object.entries<any>(reads)) {
      const location = remoteStateLocation(block);
      const producer = byLocation.get(location);
      if (!producer) {
        violations.push({ stack: id, message: `reads state ${location} (${name}) that belongs to no stack of this app` });
      } else if (producer.stateRegion !== plan.stateRegion) {
        violations.push({
          stack: id,
          message:
            `reads the state of ${producer.id}, kept in ${producer.stateRegion}, while its own state is in ${plan.stateRegion}; ` +
            `pass a name derived from configuration and resolve it with an in-region data source instead (${name})`,
        });
      }
    }

    const providers: any[] = json.provider?.aws ?? [];
    const defaults = providers.filter((p) => p.alias === undefined);
    if (defaults.length !== 1 || defaults[0].region !== plan.homeRegion) {
      violations.push({
        stack: id,
        message: `must have exactly one default AWS provider in ${plan.homeRegion}; found ${JSON.stringify(defaults.map((p) => p.region))}`,
      });
    }
    const aliasRegions = providers.filter((p) => p.alias !== undefined).map((p) => p.region).sort();
    const expectedAliases = [...plan.aliasRegions].sort();
    if (JSON.stringify(aliasRegions) !== JSON.stringify(expectedAliases)) {
      violations.push({
        stack: id,
        message: `has aliased providers for ${JSON.stringify(aliasRegions)}; the plan allows ${JSON.stringify(expectedAliases)}`,
      });
    }
  }

  try {
    deployOrder(
      Object.entries(app.manifest.stacks).map(([id, entry]) => ({ id, dependsOn: entry.dependencies ?? [] })),
    );
  } catch (error) {
    violations.push({ stack: "(manifest)", message: (error as Error).message });
  }
  return violations;
}
