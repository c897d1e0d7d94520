import { OUTSIDE_FAILOVER_PATH, deployOrder, failoverPathStacks, planStacks } from "../stacks/layout";
import { checkLayout, PlannedStack, SynthesizedApp } from "../app/layout-check";
import { stateLocation } from "../stacks/backend";
import { Testing, TerraformBackend, TerraformElement, TerraformProvider } from "cdktf";
import { buildStacks } from "../stacks";
import { configVariant } from "./support/config";
import { libImportsOutward, namesBuiltOutsideCatalog, optionalPropsWithoutDefault, sourceFiles, stacksImportingResources } from "./support/source-rules";
import { synthConfig } from "./support/synth";

describe("stack layout plan", () => {
  const dev = configVariant("dev");

  test("GIVEN the dev configuration THEN the deploy order is bootstrap, bases, zone, data, replicas, cross-region, apps, ops, dns", () => {
    expect(deployOrder(planStacks(dev))).toEqual([
      "bootstrap",
      "base-us-east-1",
      "base-us-east-2",
      "zone",
      "data-us-east-1",
      "data-us-east-2",
      "replicas-us-east-2",
      "cross-region-us-east-1",
      "cross-region-us-east-2",
      "app-us-east-1",
      "app-us-east-2",
      "ops-us-east-1",
      "ops-us-east-2",
      "dns",
    ]);
  });

  test("every stack's dependencies come before it in the deploy order", () => {
    const plans = planStacks(dev);
    const order = deployOrder(plans);
    for (const plan of plans) {
      for (const dependency of plan.dependsOn) expect(order.indexOf(dependency)).toBeLessThan(order.indexOf(plan.id));
    }
  });

  test("a cycle is reported with the stacks involved", () => {
    expect(() =>
      deployOrder([
        { id: "a", dependsOn: ["c"] },
        { id: "b", dependsOn: ["a"] },
        { id: "c", dependsOn: ["b"] },
        { id: "d", dependsOn: [] },
      ]),
    ).toThrow("Stack dependencies form a cycle among: a, b, c");
  });

  test("a dependency on a stack that does not exist is reported", () => {
    expect(() => deployOrder([{ id: "a", dependsOn: ["ghost"] }])).toThrow("Stack a depends on ghost, which does not exist");
  });

  test("every stack keeps its state in its home region (global stacks and the bootstrap stack in the DR region)", () => {
    for (const plan of planStacks(dev)) {
      expect([plan.id, plan.stateRegion]).toEqual([plan.id, plan.homeRegion]);
      if (plan.global || plan.layer === "bootstrap") expect(plan.homeRegion).toBe(dev.regions.secondary);
    }
  });

  test("the DR region's single-region stacks follow primary-region stacks only in deploy order: what must exist first, read in-region", () => {
    const plans = planStacks(dev);
    const byId = new Map(plans.map((p) => [p.id, p]));
    const crossings = plans
      .filter((p) => p.stateRegion === dev.regions.secondary && p.aliasRegions.length === 0 && !p.global)
      .flatMap((p) => p.dependsOn.filter((d) => byId.get(d)!.stateRegion === dev.regions.primary).map((d) => `${p.id} -> ${d}`));
    // The cluster joins the global cluster, the replicas join the tables, the routes use the connection: each found by
    // name or by a fact published into the DR region (__tests__/outage.test.ts proves nothing is read there).
    expect(crossings).toEqual([
      "data-us-east-2 -> data-us-east-1",
      "replicas-us-east-2 -> data-us-east-1",
      "cross-region-us-east-2 -> cross-region-us-east-1",
    ]);
  });

  test("the DR region's failover path is every stack whose state lives there but the bootstrap and replicas stacks", () => {
    expect(failoverPathStacks(dev).map((p) => p.id)).toEqual([
      "base-us-east-2",
      "zone",
      "data-us-east-2",
      "cross-region-us-east-2",
      "app-us-east-2",
      "ops-us-east-2",
      "dns",
    ]);
    expect(Object.keys(OUTSIDE_FAILOVER_PATH).sort()).toEqual(["bootstrap", "replicas"]);
  });

  test("GIVEN the active region swapped THEN the stacks, their regions and their state locations are unchanged", () => {
    const swapped = configVariant("dev", { regions: { active: "us-east-2" } });
    expect(planStacks(swapped)).toEqual(planStacks(dev));
  });

  test("GIVEN an existing hosted zone THEN there is no zone stack and nothing depends on one", () => {
    const plans = planStacks(configVariant("dev", { dns: { hostedZoneId: "Z0123456789ABCDEFGHIJ" } }));
    expect(plans.map((p) => p.id)).not.toContain("zone");
    expect(plans.flatMap((p) => p.dependsOn)).not.toContain("zone");
  });

  test("GIVEN a non-S3 backend THEN there is no bootstrap stack", () => {
    const plans = planStacks(configVariant("dev", { backend: { type: "local" } }));
    expect(plans.map((p) => p.id)).not.toContain("bootstrap");
    expect(() => deployOrder(plans)).not.toThrow();
  });
});

describe("layout check on synthesized output", () => {
  const dev = configVariant("dev");
  const planned: PlannedStack[] = planStacks(dev).map((p) => ({ ...p, stateLocation: stateLocation(dev, p.id, p.stateRegion) }));
  let app: SynthesizedApp;
  beforeAll(() => {
    app = synthConfig(dev);
  });

  /** A copy of the synthesized app with one stack's JSON changed. */
  function withStack(id: string, change: (json: any) => void): SynthesizedApp {
    const copy = JSON.parse(JSON.stringify(app)) as SynthesizedApp;
    change(copy.stacks[id]);
    return copy;
  }

  test("GIVEN the real output THEN the layout holds", () => {
    expect(checkLayout(planned, app)).toEqual([]);
  });

  test("GIVEN a DR-region stack that reads primary-region state THEN the read is reported", () => {
    const broken = withStack("app-us-east-2", (json) => {
      json.data = {
        terraform_remote_state: {
          "cross-stack-reference-input-base-us-east-1": {
            backend: "s3",
            config: { bucket: "txdr-tfstate-use1-dev", key: "dev/base-us-east-1/terraform.tfstate", region: "us-east-1" },
          },
        },
      };
    });
    expect(checkLayout(planned, broken)).toEqual([
      expect.objectContaining({ stack: "app-us-east-2", message: expect.stringMatching(/^reads the state of base-us-east-1, kept in us-east-1, while its own state is in us-east-2/) }),
    ]);
  });

  test("GIVEN a same-region state read THEN it is allowed", () => {
    const fine = withStack("app-us-east-2", (json) => {
      json.data = {
        terraform_remote_state: {
          base: { backend: "s3", config: { bucket: "txdr-tfstate-use2-dev", key: "dev/base-us-east-2/terraform.tfstate", region: "us-east-2" } },
        },
      };
    });
    expect(checkLayout(planned, fine)).toEqual([]);
  });

  test("GIVEN a default provider in the wrong region THEN it is reported", () => {
    const broken = withStack("base-us-east-2", (json) => {
      json.provider.aws[0].region = "us-east-1";
    });
    expect(checkLayout(planned, broken)[0].message).toMatch(/must have exactly one default AWS provider in us-east-2/);
  });

  test("GIVEN an aliased provider the plan does not allow THEN it is reported", () => {
    const broken = withStack("base-us-east-2", (json) => {
      json.provider.aws.push({ alias: "us-east-1", region: "us-east-1" });
    });
    expect(checkLayout(planned, broken)[0].message).toMatch(/has aliased providers for \["us-east-1"\]; the plan allows \[\]/);
  });

  test("GIVEN a dependency cycle in the manifest THEN it is reported", () => {
    const broken = JSON.parse(JSON.stringify(app)) as SynthesizedApp;
    broken.manifest.stacks["bootstrap"].dependencies = ["dns"];
    expect(checkLayout(planned, broken)).toEqual([
      expect.objectContaining({ stack: "(manifest)", message: expect.stringMatching(/^Stack dependencies form a cycle/) }),
    ]);
  });
});

describe("source layout", () => {
  const lib = sourceFiles("lib");
  const infrastructure = sourceFiles("app", "lib", "stacks", "constructs");

  test("GIVEN lib/ THEN it imports no stack, construct or app module (it is a leaf)", () => {
    expect(libImportsOutward(lib)).toEqual([]);
  });

  test("GIVEN a lib/ module that imports stacks/ THEN the rule reports it", () => {
    const bad = { path: "lib/example.ts", text: 'import { planStacks } from "../stacks/layout";\n' };
    expect(libImportsOutward([bad])).toEqual([expect.objectContaining({ file: "lib/example.ts", line: 1 })]);
  });

  test("GIVEN the infrastructure code THEN names and ARNs are built in the catalog only", () => {
    expect(namesBuiltOutsideCatalog(infrastructure)).toEqual([]);
  });

  test("GIVEN a construct that builds an ARN, calls Naming or splices the suffix THEN the rule reports each", () => {
    const bad = {
      path: "constructs/example.ts",
      text: [
        "const arn = `arn:${partition}:s3:::${name}`;",
        "const naming = new Naming(config);",
        "const name = `${config.project}-x-${config.suffix}`;",
        "// a comment about `arn:aws:s3:::` is fine",
      ].join("\n"),
    };
    expect(namesBuiltOutsideCatalog([bad]).map((v) => v.line)).toEqual([1, 2, 3]);
  });

  test("GIVEN the stacks THEN none imports an AWS resource class (stacks only compose constructs)", () => {
    expect(stacksImportingResources(sourceFiles("stacks"))).toEqual([]);
  });

  test("GIVEN a stack that imports a resource class THEN the rule reports it", () => {
    const bad = { path: "stacks/example.ts", text: 'import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";\n' };
    expect(stacksImportingResources([bad])).toEqual([expect.objectContaining({ file: "stacks/example.ts", line: 1 })]);
  });

  test("GIVEN the constructs' props THEN every optional prop documents its default", () => {
    expect(optionalPropsWithoutDefault(sourceFiles("constructs"))).toEqual([]);
  });

  test("GIVEN an optional prop without @default THEN the rule reports it", () => {
    const bad = { path: "constructs/example.ts", text: "export interface P {\n  /** Something. */\n  readonly x?: string;\n}\n" };
    expect(optionalPropsWithoutDefault([bad])).toEqual([expect.objectContaining({ line: 3, message: "optional prop x documents no @default" })]);
  });

  test("GIVEN every stack of the dev and prod apps THEN its only direct Terraform elements are its providers and backend", () => {
    for (const name of ["dev", "prod"] as const) {
      const app = Testing.app();
      const { stacks } = buildStacks(app, configVariant(name));
      for (const stack of stacks.values()) {
        const direct = stack.node.children.filter((c) => c instanceof TerraformElement && !(c instanceof TerraformProvider) && !(c instanceof TerraformBackend));
        expect([stack.node.id, direct.map((c) => c.node.id)]).toEqual([stack.node.id, []]);
      }
    }
  });
});
