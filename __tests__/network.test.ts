import { SynthesizedApp, TerraformJson } from "../app/layout-check";
import { INTERFACE_ENDPOINT_SERVICES } from "../lib/endpoint-services";
import { isolatedTierCidr, planSubnets, privateTierCidr } from "../lib/subnet-plan";
import { configVariant, shippedConfigFiles } from "./support/config";
import { readConfigFile } from "../lib/config/load";
import { resourcesOf, synthConfig } from "./support/synth";

const byType = (stack: TerraformJson, type: string): any[] => Object.values(stack.resource?.[type] ?? {});

describe("VPC per region", () => {
  let dev: SynthesizedApp;
  let prod: SynthesizedApp;
  beforeAll(() => {
    dev = synthConfig(configVariant("dev"));
    prod = synthConfig(configVariant("prod"));
  });

  test.each([
    ["dev", 2],
    ["prod", 3],
  ])("GIVEN %s THEN each region has one public, private and isolated subnet per zone, each zone used once per tier", (env, zones) => {
    const app = env === "dev" ? dev : prod;
    for (const region of ["us-east-1", "us-east-2"]) {
      const subnets = byType(app.stacks[`base-${region}`], "aws_subnet");
      expect(subnets).toHaveLength(3 * zones);
      for (const tier of ["public", "private", "isolated"]) {
        const tierSubnets = subnets.filter((s) => s.tags.Tier === tier);
        expect(tierSubnets.map((s) => s.availability_zone).sort()).toEqual(
          Array.from({ length: zones }, (_, i) => `\${element(data.aws_availability_zones.network_zones_${/network_zones_([A-F0-9]+)/.exec(tierSubnets[0].availability_zone)![1]}.names, ${i})}`).sort(),
        );
        expect(tierSubnets.every((s) => s.map_public_ip_on_launch === false)).toBe(true);
      }
    }
  });

  test("subnets are carved from the configured CIDR: private half, public and isolated quarters", () => {
    const config = configVariant("prod");
    const subnets = byType(prod.stacks["base-us-east-1"], "aws_subnet");
    const plan = planSubnets(config.network.cidrs.primary, 3);
    for (const tier of ["public", "private", "isolated"] as const) {
      expect(subnets.filter((s) => s.tags.Tier === tier).map((s) => s.cidr_block)).toEqual(plan[tier]);
    }
    expect(plan.private[0]).toBe("10.40.0.0/19");
    expect(plan.public[0]).toBe("10.40.128.0/20");
    expect(plan.isolated[2]).toBe("10.40.224.0/20");
  });

  test("NAT gateways: one shared in dev, one per zone in prod, and private routes use their own zone's gateway", () => {
    expect(byType(dev.stacks["base-us-east-1"], "aws_nat_gateway")).toHaveLength(1);
    expect(byType(prod.stacks["base-us-east-1"], "aws_nat_gateway")).toHaveLength(3);
    const natRoutes = byType(prod.stacks["base-us-east-2"], "aws_route").filter((r) => r.nat_gateway_id);
    expect(new Set(natRoutes.map((r) => r.nat_gateway_id)).size).toBe(3);
  });

  test("isolated route tables have no route out of the VPC", () => {
    const stack = prod.stacks["base-us-east-1"];
    const isolatedTables = Object.entries<any>(stack.resource.aws_route_table)
      .filter(([, t]) => t.tags.Tier === "isolated")
      .map(([name]) => `aws_route_table.${name}.id`);
    expect(isolatedTables).toHaveLength(3);
    const routesFromIsolated = byType(stack, "aws_route").filter((r) => isolatedTables.some((t) => r.route_table_id.includes(t)));
    expect(routesFromIsolated).toEqual([]);
  });

  test("flow logs go to a KMS-encrypted log group with the configured retention, through a bounded role", () => {
    const stack = prod.stacks["base-us-east-1"];
    expect(byType(stack, "aws_flow_log")).toEqual([
      expect.objectContaining({ traffic_type: "ALL", log_destination_type: "cloud-watch-logs", max_aggregation_interval: 60 }),
    ]);
    const group = byType(stack, "aws_cloudwatch_log_group").find((g) => g.name === "/txdr/prd/vpc-flow-logs");
    expect(group).toMatchObject({ retention_in_days: 365, kms_key_id: expect.stringMatching(/^\$\{aws_kms_key\.keys_logs_key_[A-F0-9]+\.arn\}$/) });
  });

  test("the VPC refuses to plan in a region with fewer available zones than configured", () => {
    const [vpc] = byType(prod.stacks["base-us-east-1"], "aws_vpc");
    expect(vpc.lifecycle.precondition).toEqual([
      {
        condition: expect.stringMatching(/^\$\{length\(data\.aws_availability_zones\.network_zones_[A-F0-9]+\.names\) >= 3\}$/),
        error_message: expect.stringContaining("us-east-1 has fewer than 3 available zones"),
      },
    ]);
  });

  test("the default security group is closed", () => {
    expect(byType(dev.stacks["base-us-east-1"], "aws_default_security_group")).toEqual([
      expect.objectContaining({ ingress: [], egress: [] }),
    ]);
  });

  test("gateway endpoints for S3 and DynamoDB serve every private and isolated route table", () => {
    const endpoints = byType(prod.stacks["base-us-east-2"], "aws_vpc_endpoint").filter((e) => e.vpc_endpoint_type === "Gateway");
    expect(endpoints.map((e) => e.service_name).sort()).toEqual(["com.amazonaws.us-east-2.dynamodb", "com.amazonaws.us-east-2.s3"]);
    for (const endpoint of endpoints) expect(endpoint.route_table_ids).toHaveLength(6);
  });

  test("every interface endpoint the failover path needs exists in both regions, with private DNS in the private subnets", () => {
    for (const region of ["us-east-1", "us-east-2"]) {
      const endpoints = byType(prod.stacks[`base-${region}`], "aws_vpc_endpoint").filter((e) => e.vpc_endpoint_type === "Interface");
      expect(endpoints.map((e) => e.service_name).sort()).toEqual(INTERFACE_ENDPOINT_SERVICES.map((s) => `com.amazonaws.${region}.${s}`).sort());
      for (const endpoint of endpoints) {
        expect(endpoint.private_dns_enabled).toBe(true);
        expect(endpoint.subnet_ids).toHaveLength(3);
        expect(endpoint.security_group_ids).toEqual([expect.stringContaining("aws_security_group.security-groups_endpoints_")]);
      }
    }
    for (const required of ["ecr.api", "ecr.dkr", "logs", "monitoring", "secretsmanager", "kms", "sts", "ssm", "sns", "sqs", "states", "rds", "ecs", "application-autoscaling", "elasticloadbalancing"]) {
      expect(INTERFACE_ENDPOINT_SERVICES).toContain(required);
    }
  });

  test("GIVEN a shorter endpoint list in configuration THEN only those endpoints are created", () => {
    const app = synthConfig(configVariant("dev", { network: { interfaceEndpoints: ["rds", "states"] } }));
    const endpoints = byType(app.stacks["base-us-east-1"], "aws_vpc_endpoint").filter((e) => e.vpc_endpoint_type === "Interface");
    expect(endpoints.map((e) => e.service_name).sort()).toEqual(["com.amazonaws.us-east-1.rds", "com.amazonaws.us-east-1.states"]);
  });
});

describe("cross-region peering", () => {
  let prod: SynthesizedApp;
  beforeAll(() => {
    prod = synthConfig(configVariant("prod"));
  });
  const primaryHalf = () => prod.stacks["cross-region-us-east-1"];
  const drHalf = () => prod.stacks["cross-region-us-east-2"];

  test("the requester is in the primary region, the accepter accepts through the DR provider, no auto_accept on the requester", () => {
    const [connection] = byType(primaryHalf(), "aws_vpc_peering_connection");
    expect(connection).toMatchObject({ provider: "aws", peer_region: "us-east-2" });
    expect(connection.auto_accept).toBeUndefined();
    const [accepter] = byType(primaryHalf(), "aws_vpc_peering_connection_accepter");
    expect(accepter.provider).toBe("aws.us-east-2");
    expect(accepter.auto_accept).toBe(true);
    expect(byType(drHalf(), "aws_vpc_peering_connection")).toEqual([]);
  });

  test("DNS resolution is allowed both ways, each side through its own provider, in the apply that accepts", () => {
    const options = byType(primaryHalf(), "aws_vpc_peering_connection_options");
    expect(options).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ provider: "aws", requester: { allow_remote_vpc_dns_resolution: true } }),
        expect.objectContaining({ provider: "aws.us-east-2", accepter: { allow_remote_vpc_dns_resolution: true } }),
      ]),
    );
  });

  test("every private and isolated route table of each side routes the peer CIDR over the connection, each side in its own region's stack", () => {
    for (const [stack, peerCidr, connection] of [
      [primaryHalf(), "10.50.0.0/16", "aws_vpc_peering_connection_accepter."],
      [drHalf(), "10.40.0.0/16", "nonsensitive(data.aws_ssm_parameter."],
    ] as const) {
      const tables = Object.entries<any>(stack.data.aws_route_table);
      expect(tables).toHaveLength(6);
      const routes = byType(stack, "aws_route");
      for (const [name, table] of tables) {
        const route = routes.find((r) => r.route_table_id === `\${data.aws_route_table.${name}.id}`);
        expect([name, table.provider, route?.destination_cidr_block, route?.vpc_peering_connection_id]).toEqual([
          name,
          "aws",
          peerCidr,
          expect.stringContaining(connection),
        ]);
        expect(["private", "isolated"]).toContain(table.tags.Tier);
      }
    }
  });

  test("the DR half learns the connection and the primary's data key from parameters the primary half published in the DR region", () => {
    const published = Object.values<any>(primaryHalf().resource.aws_ssm_parameter).map((p) => [p.provider, p.name, p.type]);
    expect(published.sort()).toEqual([
      ["aws.us-east-2", "/txdr/prd/published/peer-data-key-arn", "SecureString"],
      ["aws.us-east-2", "/txdr/prd/published/peering-connection-id", "SecureString"],
    ]);
    const read = Object.values<any>(drHalf().data.aws_ssm_parameter).map((p) => [p.provider, p.name]);
    expect(read.sort()).toEqual([
      ["aws", "/txdr/prd/published/peer-data-key-arn"],
      ["aws", "/txdr/prd/published/peering-connection-id"],
    ]);
  });

  test("the peer VPCs and route tables are looked up in-region by name, not read from another stack's state", () => {
    for (const stack of [primaryHalf(), drHalf()]) expect(stack.data.terraform_remote_state).toBeUndefined();
    expect(Object.values<any>(primaryHalf().data.aws_vpc).map((v) => [v.provider ?? "aws", v.tags.Name])).toEqual(
      expect.arrayContaining([
        ["aws", "txdr-vpc-prd"],
        ["aws.us-east-2", "txdr-vpc-prd"],
      ]),
    );
    expect(Object.values<any>(drHalf().data.aws_vpc).map((v) => [v.provider ?? "aws", v.tags.Name])).toEqual([["aws", "txdr-vpc-prd"]]);
  });
});

describe("security groups", () => {
  const ingressOf = (app: SynthesizedApp, stack: string) =>
    byType(app.stacks[stack], "aws_vpc_security_group_ingress_rule")
      .map((r) => `${/security-groups_([a-z]+)_/.exec(r.security_group_id)![1]}:${r.from_port}-${r.to_port} from ${r.cidr_ipv4 ?? r.cidr_ipv6 ?? /security-groups_([a-z]+)_/.exec(r.referenced_security_group_id)![1]}`)
      .sort();

  test("every ingress rule of a region is one of the intended ones", () => {
    const app = synthConfig(configVariant("prod"));
    expect(ingressOf(app, "base-us-east-1")).toEqual(
      [
        "alb:443-443 from 0.0.0.0/0",
        "alb:443-443 from ::/0",
        "alb:80-80 from 0.0.0.0/0",
        "alb:80-80 from ::/0",
        // Issue 18: the peer region's application subnets one by one; the failover functions never connect.
        "db:5432-5432 from 10.50.0.0/19",
        "db:5432-5432 from 10.50.32.0/19",
        "db:5432-5432 from 10.50.64.0/19",
        "db:5432-5432 from tasks",
        "endpoints:443-443 from 10.40.0.0/16",
        "tasks:80-80 from alb",
      ].sort(),
    );
    expect(privateTierCidr("10.50.0.0/16")).toBe("10.50.0.0/17");
  });

  test("the isolated tier's block holds exactly the database subnets of the plan", () => {
    for (const [cidr, zones] of [["10.50.0.0/16", 3], ["10.66.0.0/20", 6], ["192.168.4.0/24", 2]] as const) {
      const block = isolatedTierCidr(cidr);
      const [base, prefix] = block.split("/");
      const start = base.split(".").reduce((a, o) => a * 256 + Number(o), 0);
      const inBlock = (subnet: string) => {
        const [address, bits] = subnet.split("/");
        const value = address.split(".").reduce((a, o) => a * 256 + Number(o), 0);
        return value >= start && value + 2 ** (32 - Number(bits)) <= start + 2 ** (32 - Number(prefix));
      };
      const plan = planSubnets(cidr, zones);
      expect(plan.isolated.every(inBlock)).toBe(true);
      expect([...plan.private, ...plan.public].some(inBlock)).toBe(false);
    }
  });

  test("GIVEN cross-region database access off THEN the peer CIDR is not opened", () => {
    const app = synthConfig(configVariant("prod", { network: { crossRegionDatabaseAccess: false } }));
    expect(ingressOf(app, "base-us-east-2").filter((r) => r.includes("10.40."))).toEqual([]);
  });

  test("GIVEN Aurora MySQL THEN the database rules use 3306", () => {
    const app = synthConfig(configVariant("variant-e"));
    expect(ingressOf(app, "base-us-west-2").filter((r) => r.startsWith("db:"))).toEqual([
      "db:3306-3306 from 10.68.0.0/19",
      "db:3306-3306 from 10.68.32.0/19",
      "db:3306-3306 from 10.68.64.0/19",
      "db:3306-3306 from tasks",
    ]);
  });

  test("the database and endpoint groups send nothing out; the load balancer only reaches the tasks", () => {
    const app = synthConfig(configVariant("dev"));
    const egress = byType(app.stacks["base-us-east-1"], "aws_vpc_security_group_egress_rule").map(
      (r) => `${/security-groups_([a-z]+)_/.exec(r.security_group_id)![1]}:${r.from_port}`,
    );
    expect(egress.filter((e) => e.startsWith("db:") || e.startsWith("endpoints:"))).toEqual([]);
    expect(egress.filter((e) => e.startsWith("alb:"))).toEqual(["alb:80"]);
  });
});

/** Every ingress permission of every security group in a stack, in all three Terraform forms. */
function internetIngress(stack: TerraformJson): string[] {
  const open = (cidrs: string[] = []) => cidrs.some((c) => c === "0.0.0.0/0" || c === "::/0");
  const findings: string[] = [];
  for (const [type, name, body] of resourcesOf(stack)) {
    const rules: any[] =
      type === "aws_security_group"
        ? body.ingress ?? []
        : type === "aws_security_group_rule" && body.type === "ingress"
          ? [body]
          : type === "aws_vpc_security_group_ingress_rule"
            ? [{ ...body, cidr_blocks: [body.cidr_ipv4].filter(Boolean), ipv6_cidr_blocks: [body.cidr_ipv6].filter(Boolean) }]
            : [];
    for (const rule of rules) {
      if (!open(rule.cidr_blocks) && !open(rule.ipv6_cidr_blocks)) continue;
      const from = Number(rule.from_port);
      const to = Number(rule.to_port);
      const protocol = String(rule.ip_protocol ?? rule.protocol);
      const allowed = protocol === "tcp" && from === to && (from === 443 || from === 80);
      if (!allowed) findings.push(`${type}.${name}: ${protocol} ${rule.from_port}-${rule.to_port}`);
    }
  }
  return findings;
}

describe("no security group opens anything but 80 and 443 to the internet", () => {
  test.each(shippedConfigFiles())("%s", (file) => {
    const app = synthConfig(readConfigFile(file));
    let examined = 0;
    for (const [id, stack] of Object.entries(app.stacks)) {
      examined += resourcesOf(stack).filter(([t]) => t.includes("security_group")).length;
      expect([id, internetIngress(stack)]).toEqual([id, []]);
    }
    expect(examined).toBeGreaterThan(10);
  });

  test("the check bites: SSH from anywhere, a port range and all protocols are reported", () => {
    const stack = {
      resource: {
        aws_vpc_security_group_ingress_rule: { ssh: { ip_protocol: "tcp", from_port: 22, to_port: 22, cidr_ipv4: "0.0.0.0/0" } },
        aws_security_group: { wide: { ingress: [{ protocol: "tcp", from_port: 80, to_port: 443, cidr_blocks: ["0.0.0.0/0"] }] } },
        aws_security_group_rule: { all: { type: "ingress", protocol: "-1", from_port: 0, to_port: 0, ipv6_cidr_blocks: ["::/0"] } },
      },
    };
    expect(internetIngress(stack)).toEqual([
      "aws_vpc_security_group_ingress_rule.ssh: tcp 22-22",
      "aws_security_group.wide: tcp 80-443",
      "aws_security_group_rule.all: -1 0-0",
    ]);
  });
});
