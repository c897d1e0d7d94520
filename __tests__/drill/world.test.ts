/**
 * The world built from the real synthesized output (config/dev.json): what the
 * new protocol's code calls is modelled from the Terraform JSON itself: the gate
 * rules (answers follow lambda/shared/gate-rule.ts gateAnswer, for the global and
 * the regional name alike), the control table as a global table, the service's
 * health as the monitor reads it, the witness TXT pairs through each region's VPC
 * resolver, and the alias chain from the global name to the regional records.
 */
import { DescribeServicesCommand, ECSClient } from "@aws-sdk/client-ecs";
import { DescribeTargetGroupsCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { CALLER_REGION } from "../../drill/model/aws-model";
import { World } from "../../drill/world";
import { ALIVE_PATH, GATE_PATH, gateAnswer, gateRuleSpec } from "../../lambda/shared/gate-rule";
import { drillInputs } from "./support/inputs";

let world: World;

beforeEach(() => {
  const { app, config, figures } = drillInputs("dev");
  world = new World({ app, config, figures, traffic: false });
});

afterEach(() => world.stop());

function setGate(region: string, open: boolean): void {
  const rule = world.model.elb.rules(region).find((r) => r.Priority === "3");
  const spec = gateRuleSpec(open);
  world.model.elb.modifyRule(region, {
    RuleArn: rule?.RuleArn as string,
    Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: [...spec.pathPatterns] } }],
    Actions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: spec.response.statusCode, ContentType: spec.response.contentType, MessageBody: spec.response.messageBody } }],
  });
}

describe("the gate rules of the synthesized load balancers", () => {
  it("a request gets what gateAnswer says, open or closed, in both regions", () => {
    const healthPath = world.functionsOf("failover-orchestrator", world.standby)[0]?.env.OWN_HEALTH_URL?.replace(/^https:\/\/[^/]+/, "") ?? "/";
    for (const region of [world.active, world.standby]) {
      expect(world.model.elb.rules(region).filter((r) => !r.IsDefault).map((r) => r.Priority).sort()).toEqual(expect.arrayContaining(["1", "2", "3"]));
      for (const open of [true, false]) {
        setGate(region, open);
        for (const path of [ALIVE_PATH, GATE_PATH, healthPath, "/app/payments", "/transactions"]) {
          const answer = world.model.httpRequest(undefined, region, "GET", path);
          if (answer.kind !== "answered") throw new Error(`${region} ${path}: unreachable`);
          const got =
            answer.servedBy === "fixed" && answer.body === "alive"
              ? "alive"
              : answer.servedBy === "fixed" && answer.status === 200 && answer.body === "open"
                ? "gate-open"
                : answer.servedBy === "fixed" && answer.status === 503
                  ? "refused"
                  : path === healthPath
                    ? "health"
                    : "application";
          expect(`${region} ${open ? "open" : "closed"} ${path}: ${got}`).toBe(`${region} ${open ? "open" : "closed"} ${path}: ${gateAnswer(open, path, healthPath)}`);
        }
      }
    }
  });

  it("Route 53 holds, per region, the alive, gate and app HTTPS checks of its regional name and the calculated region check (gate AND app)", () => {
    for (const region of [world.active, world.standby]) {
      const byKind = (kind: string) => [...world.route53.checks.values()].find((c) => c.name.endsWith(`-${kind}-${region}`));
      const regional = world.regionalNames.get(region);
      for (const [kind, path] of [["alive", ALIVE_PATH], ["gate", GATE_PATH]] as const) expect(byKind(kind)).toMatchObject({ type: "HTTPS", fqdn: regional, path });
      expect(byKind("gate")?.threshold).toBe(2);
      expect(byKind("app")).toMatchObject({ type: "HTTPS", fqdn: regional });
      expect(byKind("region")).toMatchObject({ type: "CALCULATED", childThreshold: 2 });
      expect([...(byKind("region")?.children ?? [])].sort()).toEqual([byKind("gate")?.id, byKind("app")?.id].sort());
    }
  });

  it("the global name is an alias of the regional records (a chain within the zone), and each regional name reaches its own load balancer", () => {
    world.route53.tick();
    expect(world.globalName).toBeDefined();
    expect(world.route53.answer(world.globalName as string, "A")?.region).toBe(world.active);
    expect([...world.regionalNames.keys()].sort()).toEqual([world.active, world.standby].sort());
    for (const [region, name] of world.regionalNames) expect(world.route53.regionOfName(name)).toBe(region);
  });
});

describe("the control table", () => {
  it("is a global table (the founding region's aws_dynamodb_table and the other's aws_dynamodb_table_replica); a write reaches the other region after the figure's delay, held during a partition", async () => {
    const table = world.functionsOf("health-monitor", world.standby)[0]?.env.CONTROL_TABLE_NAME as string;
    expect(world.model.isGlobalTable(table)).toBe(true);
    world.start();
    world.model.putItem(world.standby, table, { pk: { S: `fence#${world.active}` }, fenced: { BOOL: true } });
    world.model.network.setPartition(world.active, world.standby);
    await world.run(5_000);
    expect(world.model.item(world.active, table, `fence#${world.active}`)).toBeUndefined();
    world.model.network.setPartition(world.active, world.standby, false);
    await world.run(2_000);
    expect(world.model.item(world.active, table, `fence#${world.active}`)?.fenced?.BOOL).toBe(true);
    const state = world.functionsOf("health-monitor", world.standby)[0]?.env.STATE_TABLE_NAME as string;
    expect(world.model.isGlobalTable(state)).toBe(false);
  });
});

describe("the service's health, as the monitor reads it", () => {
  it("DescribeServices (running count), DescribeTargetGroups and DescribeTargetHealth follow the service", async () => {
    world.start();
    const env = world.functionsOf("health-monitor", world.active)[0]?.env ?? {};
    const tag = <T extends object>(client: T) => Object.assign(client, { [CALLER_REGION]: world.active });
    const ecs = tag(new ECSClient({ region: world.active }));
    const elb = tag(new ElasticLoadBalancingV2Client({ region: world.active }));
    const services = await ecs.send(new DescribeServicesCommand({ cluster: env.ECS_CLUSTER, services: [env.ECS_SERVICE as string] }));
    expect(services.services?.[0]?.runningCount).toBeGreaterThan(0);
    const groups = await elb.send(new DescribeTargetGroupsCommand({ Names: [env.TARGET_GROUP_NAME as string] }));
    const arn = groups.TargetGroups?.[0]?.TargetGroupArn as string;
    expect((await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }))).TargetHealthDescriptions?.every((t) => t.TargetHealth?.State === "healthy")).toBe(true);
    for (const id of world.model.serviceIds(world.active)) world.model.setServiceUnhealthy(world.active, id, true);
    expect((await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }))).TargetHealthDescriptions?.some((t) => t.TargetHealth?.State === "healthy")).toBe(false);
  });
});

describe("the witnesses through each region's VPC resolver", () => {
  it("answer up, then down once the alive check fails; SERVFAIL while the witness is down; a timeout while the resolver is down", async () => {
    world.start();
    const name = world.functionsOf("health-monitor", world.standby)[0]?.env.PEER_WITNESS_ALIVE_NAME as string;
    const dns = world.dnsFrom(world.standby).promises;
    await world.run(1_000);
    expect(await dns.resolveTxt(name)).toEqual([["up"]]);
    world.model.network.setWitnessDown(true);
    await expect(dns.resolveTxt(name)).rejects.toMatchObject({ code: "ESERVFAIL" });
    world.model.network.setWitnessDown(false);
    world.model.network.setResolverDown(world.standby, true);
    await expect(dns.resolveTxt(name)).rejects.toMatchObject({ code: "ETIMEOUT" });
    world.model.network.setResolverDown(world.standby, false);
    world.setRegionDown(world.active, true);
    await world.run(200_000);
    expect(await dns.resolveTxt(name)).toEqual([["down"]]);
  });
});
