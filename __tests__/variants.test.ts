/**
 * Every .json file under config/ is a configuration that synthesizes, puts
 * each region's resources in that region, and keeps every resource address
 * when its active region is swapped.
 */
import * as path from "path";
import { readConfigFile } from "../lib/config/load";
import { DrConfig } from "../lib/config/model";
import { SynthesizedApp } from "../app/layout-check";
import { isGlobalControlPlaneType } from "../app/outage-check";
import { failoverPathStacks, planStacks } from "../stacks/layout";
import { configVariant, shippedConfigFiles } from "./support/config";
import { effectiveTags, taggableResourceTypes } from "./support/policy";
import { regionOfResource, resourcesOf, synthConfig } from "./support/synth";

function addresses(app: SynthesizedApp): string[] {
  return Object.entries(app.stacks)
    .flatMap(([stack, json]) => resourcesOf(json).map(([type, name]) => `${stack}/${type}.${name}`))
    .sort();
}

function swapActive(config: DrConfig): DrConfig {
  const active = config.regions.active === config.regions.primary ? config.regions.secondary : config.regions.primary;
  return { ...config, regions: { ...config.regions, active } };
}

describe.each(shippedConfigFiles().map((f) => [path.basename(f), f]))("shipped configuration %s", (_name, file) => {
  const config = readConfigFile(file);
  let app: SynthesizedApp;
  beforeAll(() => {
    app = synthConfig(config);
  });

  test("synthesizes every planned stack", () => {
    expect(Object.keys(app.stacks).sort()).toEqual(planStacks(config).map((p) => p.id).sort());
  });

  test("puts every resource of a single-region stack in that stack's region", () => {
    for (const plan of planStacks(config).filter((p) => p.aliasRegions.length === 0)) {
      for (const [type, name, body] of resourcesOf(app.stacks[plan.id])) {
        expect(`${plan.id}/${type}.${name} in ${regionOfResource(app.stacks[plan.id], body)}`).toBe(
          `${plan.id}/${type}.${name} in ${plan.homeRegion}`,
        );
      }
    }
  });

  test("keeps every DR-region stack's state in the DR region", () => {
    for (const plan of planStacks(config).filter((p) => p.homeRegion === config.regions.secondary && p.id !== "bootstrap")) {
      const backend = app.stacks[plan.id].terraform.backend?.s3;
      if (backend) expect([plan.id, backend.region]).toEqual([plan.id, config.regions.secondary]);
    }
  });

  test("GIVEN the active region swapped THEN no Route 53 or IAM resource of the DR region's failover path changes (no write to their control plane, in us-east-1)", () => {
    const swapped = synthConfig(swapActive(config));
    // dns is the lead's: its global records change roles by design and it is not applied while us-east-1 is gone
    // (docs/outage-operations.md); every other stack of the failover path must need no Route 53 or IAM write after a failover.
    const stacks = failoverPathStacks(config).map((p) => p.id).filter((id) => id !== "dns");
    const controlPlaneView = (a: SynthesizedApp, id: string) =>
      Object.fromEntries(
        resourcesOf(a.stacks[id])
          .filter(([type]) => isGlobalControlPlaneType(type))
          .map(([type, name, body]) => [
            `${type}.${name}`,
            { ...body, "//": undefined, tags_all: taggableResourceTypes().has(type) ? effectiveTags(a.stacks[id], body) : undefined },
          ]),
      );
    let compared = 0;
    for (const id of stacks) {
      const before = controlPlaneView(app, id);
      compared += Object.keys(before).length;
      expect([id, controlPlaneView(swapped, id)]).toEqual([id, before]);
    }
    expect(compared).toBeGreaterThan(0);
  });

  test("GIVEN the active region swapped THEN no address changes, except database instances added or removed at the end", () => {
    const swapped = addresses(synthConfig(swapActive(config)));
    const isInstance = (a: string) => a.includes("/aws_rds_cluster_instance.");
    expect(swapped.filter((a) => !isInstance(a))).toEqual(addresses(app).filter((a) => !isInstance(a)));
    // Instances are numbered: the shorter list of each region is a prefix of the longer one, so no instance is renamed.
    for (const stack of Object.keys(app.stacks)) {
      const before = addresses(app).filter((a) => a.startsWith(`${stack}/`) && isInstance(a));
      const after = swapped.filter((a) => a.startsWith(`${stack}/`) && isInstance(a));
      const [shorter, longer] = before.length <= after.length ? [before, after] : [after, before];
      expect(longer).toEqual(expect.arrayContaining(shorter));
    }
  });
});

describe("each variant's distinguishing settings", () => {
  test.each([
    ["variant-a", "us-east-2", "us-east-1", 900, 1800],
    ["variant-b", "us-east-1", "us-east-2", 20, 840],
    ["variant-c", "us-east-1", "us-east-2", 240, 840],
    ["variant-d", "us-east-1", "us-west-2", 3600, 14400],
    ["variant-e", "us-east-1", "us-west-2", 10, 540],
  ])("%s runs %s -> %s with RPO %i s and RTO %i s, and its stacks live there", (name, primary, secondary, rpo, rto) => {
    const config = configVariant(name);
    expect([config.regions.primary, config.regions.secondary, config.regions.active]).toEqual([primary, secondary, primary]);
    expect([config.targets.rpoSeconds, config.targets.rtoSeconds]).toEqual([rpo, rto]);
    const app = synthConfig(config);
    expect(Object.keys(app.stacks)).toEqual(expect.arrayContaining([`base-${primary}`, `base-${secondary}`, `data-${primary}`, `data-${secondary}`]));
    expect(app.stacks[`app-${secondary}`].provider.aws[0].region).toBe(secondary);
  });

  test("variant B meets its backtrack request with 35 days of point-in-time restore and database-enforced RPO", () => {
    const config = configVariant("variant-b");
    expect(config.database.backupRetentionDays).toBe(35);
    expect(config.database.rpoEnforcement).toBe("database");
    expect(config.database.backtrackWindowSeconds).toBeUndefined();
  });

  test("variant C sizes the active region 10-50 tasks and the standby 2-50", () => {
    expect(configVariant("variant-c").service.capacity).toEqual({ active: { min: 10, max: 50 }, standby: { min: 2, max: 50 } });
  });

  test("variant D routes by weight and is protected", () => {
    const config = configVariant("variant-d");
    expect(config.dns.routing).toBe("weighted");
    expect(config.destroyProfile).toBe("protected");
  });

  test("variant E runs Aurora MySQL Serverless v2 from 0.5 ACU, alarm-only RPO, and says why its targets differ from the request", () => {
    const config = configVariant("variant-e");
    expect(config.database.engine).toBe("aurora-mysql");
    expect(config.database.capacity).toEqual({ mode: "serverless-v2", minAcu: 0.5, maxAcu: 16 });
    expect(config.database.rpoEnforcement).toBe("alarm");
    expect(config.description).toMatch(/RPO < 1 s and RTO < 60 s/);
  });
});
