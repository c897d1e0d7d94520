/**
 * The first deploy of an environment, as an explicit sequence (npm run first-deploy):
 *
 *   1. synthesize;
 *   2. deploy the stacks the hosted zone needs and the zone itself (bootstrap, the DR region's base, zone);
 *   3. read the zone's name servers (the zone stack's `name-servers` output) and print them;
 *   4. wait until public DNS delegates the domain to them (app/delegation.ts): the parent zone's owner adds
 *      the NS record set; stop with the instructions if it does not happen in time;
 *   5. deploy every stack (`cdktf deploy '*'`: what step 2 applied is unchanged).
 *
 * Why: ACM validates each region's certificate through a DNS record in the zone, and nothing can find that
 * record before the domain is delegated, so a plain `cdktf deploy '*'` hangs in aws_acm_certificate_validation
 * (up to its 75-minute timeout) on a new zone. With an existing zone (dns.hostedZoneId), step 2 and 3 do not
 * exist and step 4 checks that the domain resolves at all (or against --expect).
 *
 * Re-running is safe: deployed stacks plan no change. The commands run through an injected runner, so
 * __tests__/first-deploy.test.ts drives the whole sequence with fakes.
 */
import * as path from "path";
import { DrConfig } from "../lib/config/model";
import { NAME_SERVERS_OUTPUT } from "../constructs/traffic/hosted-zone";
import { createsHostedZone, deployOrder, planStacks, stackIds } from "../stacks/layout";
import { DelegationResult, NameServerResolver, waitForDelegation } from "./delegation";

export type FirstDeployStep =
  | { readonly kind: "synth" }
  | { readonly kind: "deploy"; readonly stacks: readonly string[]; readonly why: string }
  | { readonly kind: "read-name-servers"; readonly stack: string; readonly output: string }
  | { readonly kind: "check-delegation"; readonly domain: string }
  | { readonly kind: "deploy-all" };

/** The stacks a stack needs, and itself, in deploy order. */
function withDependencies(config: DrConfig, id: string): string[] {
  const plans = planStacks(config);
  const byId = new Map(plans.map((p) => [p.id, p]));
  const needed = new Set<string>();
  const visit = (stack: string) => {
    if (needed.has(stack)) return;
    needed.add(stack);
    byId.get(stack)!.dependsOn.forEach(visit);
  };
  visit(id);
  return deployOrder(plans).filter((s) => needed.has(s));
}

export function firstDeploySteps(config: DrConfig): FirstDeployStep[] {
  if (!createsHostedZone(config)) {
    return [{ kind: "synth" }, { kind: "check-delegation", domain: config.dns.domainName }, { kind: "deploy-all" }];
  }
  return [
    { kind: "synth" },
    { kind: "deploy", stacks: withDependencies(config, stackIds.zone), why: "the hosted zone and what it needs" },
    { kind: "read-name-servers", stack: stackIds.zone, output: NAME_SERVERS_OUTPUT },
    { kind: "check-delegation", domain: config.dns.domainName },
    { kind: "deploy-all" },
  ];
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
}

export interface FirstDeployDeps {
  /** Runs a command with the terminal attached (deploys ask for approval); resolves with its exit code. */
  run(command: string, args: readonly string[]): Promise<number>;
  /** Runs a command and captures its standard output. */
  capture(command: string, args: readonly string[]): Promise<CommandResult>;
  readonly resolver: NameServerResolver;
  log(line: string): void;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

export interface FirstDeployOptions {
  /** cdktf's output directory (cdktf.out). */
  readonly outdir: string;
  /** The cdktf executable. */
  readonly cdktf: string;
  /** The terraform executable. @default "terraform" */
  readonly terraform?: string;
  /** Extra arguments for every `cdktf deploy` (for example --auto-approve). */
  readonly deployArgs?: readonly string[];
  /** How long to wait for the delegation, in seconds. */
  readonly waitSeconds: number;
  /** The name servers to expect, for an existing zone (--expect). */
  readonly expectedNameServers?: readonly string[];
}

/** Parses `terraform output -json <name>` of a list of strings. */
export function parseNameServers(stdout: string): string[] {
  const value = JSON.parse(stdout);
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === "string")) {
    throw new Error(`expected a non-empty list of name servers, got ${stdout.trim().slice(0, 200)}`);
  }
  return value;
}

/** Runs the sequence; resolves with the process exit code (0 when every stack is deployed). */
export async function runFirstDeploy(config: DrConfig, options: FirstDeployOptions, deps: FirstDeployDeps): Promise<number> {
  const deployArgs = ["--skip-synth", ...(options.deployArgs ?? [])];
  let nameServers: readonly string[] | undefined = options.expectedNameServers;
  for (const step of firstDeploySteps(config)) {
    switch (step.kind) {
      case "synth": {
        deps.log("synthesizing");
        const code = await deps.run(options.cdktf, ["synth"]);
        if (code !== 0) return code;
        break;
      }
      case "deploy": {
        deps.log(`deploying ${step.stacks.join(", ")}: ${step.why}`);
        const code = await deps.run(options.cdktf, ["deploy", ...step.stacks, ...deployArgs]);
        if (code !== 0) return code;
        break;
      }
      case "read-name-servers": {
        const dir = path.join(options.outdir, "stacks", step.stack);
        const result = await deps.capture(options.terraform ?? "terraform", [`-chdir=${dir}`, "output", "-json", step.output]);
        if (result.code !== 0) {
          deps.log(`could not read the ${step.output} output of ${step.stack} (terraform exited ${result.code})`);
          return result.code;
        }
        nameServers = parseNameServers(result.stdout);
        deps.log(`the zone's name servers:\n${nameServers.map((n) => `    ${n}`).join("\n")}`);
        break;
      }
      case "check-delegation": {
        deps.log(`checking that public DNS delegates ${step.domain} (waiting up to ${options.waitSeconds} s)`);
        const result: DelegationResult = await waitForDelegation(step.domain, nameServers, deps.resolver, {
          waitSeconds: options.waitSeconds,
          sleep: deps.sleep,
          now: deps.now,
          log: deps.log,
        });
        deps.log(result.message);
        if (result.status !== "delegated") {
          deps.log(
            "stopped before the stacks that validate certificates: ACM cannot validate before the delegation. " +
              "Add the delegation, then run npm run first-deploy again (what is deployed stays as it is).",
          );
          return 3;
        }
        break;
      }
      case "deploy-all": {
        deps.log("deploying every stack");
        const code = await deps.run(options.cdktf, ["deploy", "*", ...deployArgs]);
        if (code !== 0) return code;
        break;
      }
    }
  }
  return 0;
}
