/**
 * Synthesis with all-or-nothing output: the app is written to a staging
 * directory beside the target, checked, and only then swapped into place. A
 * failure at any point leaves the previous output untouched and no partial one.
 */
import * as fs from "fs";
import * as path from "path";
import { App } from "cdktf";
import { DrConfig } from "../lib/config/model";
import { checkLayout, readSynthesizedApp } from "./layout-check";
import { buildStacks } from "../stacks";
import { stateLocation } from "../stacks/backend";
import { budgetsOf, rpoExcess, rtoExcess } from "../lib/budget";
import { BudgetExtractionError, ExtractOptions, readSynthesized } from "../lib/budget/extract";
import { AwsRegion } from "../lib/aws-regions";
import { catalogOf } from "../lib/catalog";
import { configProblem, refuseConfiguration } from "../lib/config/problems";

export class LayoutError extends Error {
  constructor(readonly violations: readonly { stack: string; message: string }[]) {
    super(`The synthesized stacks break the layout rules:\n${violations.map((v) => `  - ${v.stack}: ${v.message}`).join("\n")}`);
    this.name = "LayoutError";
  }
}

/**
 * cdktf records a full stack trace for every token it creates (to point at
 * the line that misused one), whatever App's `stackTraces` says: a tenth of
 * the synthesis. The app turns stack traces off, so tokens skip them too;
 * DR_TOKEN_STACK_TRACES=1 brings them back when debugging a token error.
 */
function skipTokenStackTraces(): void {
  if (process.env.DR_TOKEN_STACK_TRACES === "1") return;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const traces = require("cdktf/lib/tokens/private/stack-trace") as { captureStackTrace: () => string[] };
    traces.captureStackTrace = () => [];
  } catch {
    // Another cdktf layout: synthesis is only slower.
  }
}

/** How the budget reads a synthesized configuration: apply-time ARNs stand in as the catalog's, for a placeholder account. */
export function budgetOptions(config: DrConfig, label: string): ExtractOptions {
  const account = { accountId: "000000000000", partition: "aws" };
  return {
    label,
    targets: config.targets,
    regions: config.regions,
    concrete: (variable, region) => {
      const arns = catalogOf(config).region(region as AwsRegion).arns(account);
      if (variable === "TOPIC_ARN") return arns.alertTopic;
      if (variable === "STATE_MACHINE_ARN") return arns.stateMachine("failover");
      if (variable === "RECONCILIATION_STATE_MACHINE_ARN") return arns.reconciliationStateMachine();
      throw new BudgetExtractionError(`${variable} is only known at apply time`);
    },
  };
}

/**
 * The configuration gate's last check, on the synthesized Terraform: the RTO/RPO
 * budget (lib/budget) of what would be deployed must fit the configuration's own
 * targets. A refusal is a ConfigError naming the phases that make up the excess
 * and the fields that would change them.
 */
export function checkBudget(config: DrConfig, outdir: string, source: string): void {
  const [worst] = budgetsOf(readSynthesized(outdir), budgetOptions(config, source));
  const problems = [];
  const strip = (line: string) => line.replace(/^targets\.(rto|rpo)Seconds: /, "");
  const rto = rtoExcess(worst);
  if (rto !== null) problems.push(configProblem("targets.rtoSeconds", config.targets.rtoSeconds, `fails the failover budget into ${worst.takeover}: ${strip(rto)}`));
  const rpo = rpoExcess(worst);
  if (rpo !== null) problems.push(configProblem("targets.rpoSeconds", config.targets.rpoSeconds, `fails the data-loss budget: ${strip(rpo)}`));
  if (problems.length > 0) throw refuseConfiguration(source, problems);
}

/** Synthesizes the app for a configuration into a directory (not yet in place). */
export function synthesizeInto(config: DrConfig, outdir: string, source = "the configuration"): void {
  skipTokenStackTraces();
  const app = new App({ outdir, stackTraces: false });
  const { plans } = buildStacks(app, config);
  app.synth();
  const planned = plans.map((plan) => ({ ...plan, stateLocation: stateLocation(config, plan.id, plan.stateRegion) }));
  const violations = checkLayout(planned, readSynthesizedApp(outdir));
  if (violations.length > 0) throw new LayoutError(violations);
  checkBudget(config, outdir, source);
}

/** Replaces `target` with `staging` by two renames, so no reader sees a half-written tree. */
function swapIntoPlace(staging: string, target: string): void {
  const retired = `${target}.retired-${process.pid}`;
  const hadTarget = fs.existsSync(target);
  if (hadTarget) fs.renameSync(target, retired);
  fs.renameSync(staging, target);
  if (hadTarget) fs.rmSync(retired, { recursive: true, force: true });
}

export function synthesizeAtomically(config: DrConfig, target: string, source?: string): void {
  const absoluteTarget = path.resolve(target);
  fs.mkdirSync(path.dirname(absoluteTarget), { recursive: true });
  const staging = fs.mkdtempSync(`${absoluteTarget}.staging-`);
  try {
    synthesizeInto(config, staging, source);
    swapIntoPlace(staging, absoluteTarget);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}
