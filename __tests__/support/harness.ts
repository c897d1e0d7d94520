/**
 * The construct-test harness: one stack (a DrStack of the dev configuration's
 * ops layer in us-east-1, so providers, addressing and the catalog are the
 * real ones) that a test fills with the constructs under test, synthesized in
 * memory. No app of twelve stacks, no lambda bundling unless the test asks.
 */
import { App, Testing } from "cdktf";
import { AccountContext } from "../../constructs/security/account-context";
import { RegionCatalog } from "../../lib/catalog";
import { DrConfig } from "../../lib/config/model";
import { DrStack } from "../../stacks/dr-stack";
import { planStacks } from "../../stacks/layout";
import { configVariant } from "./config";
import { TerraformJson } from "../../app/layout-check";

export interface Harness {
  readonly stack: DrStack;
  readonly catalog: RegionCatalog;
  readonly account: AccountContext;
  readonly config: DrConfig;
}

/** Builds one stack with `build`, synthesizes it, and returns its Terraform JSON. */
export function synthOneStack(build: (h: Harness) => void, config: DrConfig = configVariant("dev")): TerraformJson {
  const app = Testing.app() as App;
  const plan = planStacks(config).find((p) => p.id === "ops-us-east-1")!;
  const stack = new DrStack(app, { config, plan });
  const account = new AccountContext(stack, "account", { provider: stack.provider, catalog: stack.catalog });
  build({ stack, catalog: stack.catalog, account, config });
  return JSON.parse(Testing.synth(stack));
}

/** Every resource (or data source, with `kind` "data") of one type, by address. */
export function ofType(json: TerraformJson, type: string, kind: "resource" | "data" = "resource"): Record<string, any> {
  return json[kind]?.[type] ?? {};
}
