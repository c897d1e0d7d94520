/**
 * The DR region plans and applies with the primary region gone (README, "The DR region during an outage";
 * docs/outage-operations.md). For every shipped configuration and every stack the DR region needs then
 * (stacks/layout.ts, failoverPathStacks: every stack whose state lives in the DR region, except those the
 * plan keeps out of the failover path, each with its reason), nothing in the synthesized JSON reaches the
 * primary region: no provider, backend or remote-state read there, no data source read there (a Route 53 or
 * IAM data source reaches us-east-1, their control plane), no resource whose refresh calls it.
 */
import * as fs from "fs";
import * as path from "path";
import { SynthesizedApp } from "../app/layout-check";
import { reachesRegion, stackReach } from "../app/outage-check";
import { readConfigFile } from "../lib/config/load";
import { DrConfig } from "../lib/config/model";
import { OUTSIDE_FAILOVER_PATH, failoverPathStacks, planStacks } from "../stacks/layout";
import { PROJECT_ROOT, shippedConfigFiles } from "./support/config";
import { synthConfig } from "./support/synth";

const shipped: [string, DrConfig][] = shippedConfigFiles().map((f) => [path.basename(f, ".json"), readConfigFile(f)]);

describe.each(shipped)("%s: the DR region's stacks reach nothing in the primary region", (_name, config) => {
  let app: SynthesizedApp;
  beforeAll(() => {
    app = synthConfig(config);
  });

  const stacks = failoverPathStacks(config).map((p) => p.id);

  test("the failover path is every DR-region stack but those the plan keeps out of it, with a reason", () => {
    const drStacks = planStacks(config).filter((p) => p.stateRegion === config.regions.secondary);
    const outside = drStacks.filter((p) => !stacks.includes(p.id));
    for (const plan of outside) expect(OUTSIDE_FAILOVER_PATH[plan.layer]).toEqual(expect.any(String));
    expect(stacks).toEqual(expect.arrayContaining([`base-${config.regions.secondary}`, `data-${config.regions.secondary}`, `app-${config.regions.secondary}`, `ops-${config.regions.secondary}`]));
  });

  for (const id of stacks) {
    test(`${id}: no provider, backend, remote state, data source or refresh reaches ${config.regions.primary}`, () => {
      expect(reachesRegion(app.stacks[id], config.regions.primary)).toEqual([]);
    });
  }
});

describe("the check itself", () => {
  const config = shipped.find(([name]) => name === "dev")![1];
  let app: SynthesizedApp;
  beforeAll(() => {
    app = synthConfig(config);
  });

  test("it sees what reaches the primary region: a provider, a data source of a global control plane, a replica's refresh, a remote-state read", () => {
    const planted = JSON.parse(JSON.stringify(app.stacks[`app-${config.regions.secondary}`]));
    planted.provider.aws.push({ alias: "us-east-1", region: "us-east-1" });
    planted.data.aws_route53_zone = { zone: { name: "dev.dr.example.com" } };
    planted.data.terraform_remote_state = { base: { backend: "s3", config: { bucket: "b", key: "k", region: "us-east-1" } } };
    planted.resource.aws_dynamodb_table_replica = { t: { global_table_arn: "arn:aws:dynamodb:us-east-1:123456789012:table/t" } };
    expect(reachesRegion(planted, "us-east-1").map((r) => r.kind).sort()).toEqual(["data", "provider", "remote-state", "resource"]);
  });

  test("it lists the stack's managed Route 53 and IAM resources apart (refreshed in us-east-1, documented with -refresh=false)", () => {
    const reach = stackReach(app.stacks[`app-${config.regions.secondary}`]);
    expect(reach.controlPlane.some((a) => a.startsWith("aws_iam_role."))).toBe(true);
    expect(reach.controlPlane.some((a) => a.startsWith("aws_route53_record."))).toBe(true);
  });

  test("every stack kept out of the failover path is named in docs/outage-operations.md with the command that works for it", () => {
    const doc = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "outage-operations.md"), "utf8");
    for (const plan of planStacks(config).filter((p) => OUTSIDE_FAILOVER_PATH[p.layer])) {
      expect(doc).toContain(`\`${plan.layer === "bootstrap" ? "bootstrap" : `${plan.layer}-<secondary>`}\``);
    }
    expect(doc).toContain("-refresh=false");
    expect(doc).toContain("--ignore-missing-stack-dependencies");
  });
});
