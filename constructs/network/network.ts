/**
 * The VPC of one region: public, private and isolated subnets across the
 * configured availability zones, NAT gateways (one per zone or one shared),
 * route tables named so the cross-region stack can find them in-region,
 * gateway endpoints for S3 and DynamoDB whose policies let through only this
 * account's principals, to this deployment's buckets and tables (and ECR's
 * image layers), a closed default security group, and flow logs to an
 * encrypted log group.
 */
import { Construct } from "constructs";
import { Fn } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import {
  DataAwsIamPolicyDocument,
  DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { AwsRegion } from "../../lib/aws-regions";
import { RegionCatalog } from "../../lib/catalog";
import { SubnetTier, planSubnets } from "../../lib/subnet-plan";
import { AccountContext } from "../security/account-context";
import { BoundedRole } from "../security/bounded-role";
import { EncryptedLogGroup } from "../observability/encrypted-log-group";

export interface NetworkProps {
  readonly provider: AwsProvider;
  readonly account: AccountContext;
  readonly region: AwsRegion;
  /** Names of the VPC's pieces and of the flow-log role and group. */
  readonly names: Pick<RegionCatalog, "vpc" | "internetGateway" | "publicRouteTable" | "flowLog" | "flowLogRole" | "flowLogGroup" | "indexed" | "endpoint">;
  readonly cidr: string;
  readonly availabilityZones: number;
  readonly natGateways: "per-az" | "single";
  /** ARN of the region's logs key, for the flow-log group. */
  readonly logsKeyArn: string;
  readonly logRetentionDays: number;
  /**
   * ARN of the permissions boundary of the role(s) created here (iam.permissionsBoundaryArn).
   * @default no permissions boundary
   */
  readonly permissionsBoundaryArn?: string;
  /**
   * What the gateway endpoints let through: requests of this account's principals to these buckets and tables of this
   * region (by name), and ECR's image-layer reads. Everything else that would leave the VPC through them is refused.
   * @default endpoint policies admit this account's principals to any bucket or table
   */
  readonly gatewayEndpointScope?: { readonly bucketNames: readonly string[]; readonly tableNames: readonly string[] };
}

/** The S3 gateway endpoint's policy: this account's principals to the deployment's buckets, and ECR's image layers. */
export function s3EndpointStatements(account: AccountContext, region: string, bucketNames: readonly string[] | undefined): DataAwsIamPolicyDocumentStatement[] {
  const anyone = [{ type: "AWS", identifiers: ["*"] }];
  const thisAccount = { test: "StringEquals", variable: "aws:PrincipalAccount", values: [account.accountId] };
  const buckets = bucketNames ? bucketNames.flatMap((name) => [account.arns.bucket(name), `${account.arns.bucket(name)}/*`]) : ["*"];
  return [
    { sid: "ThisAccountToThisDeploymentsBuckets", effect: "Allow", principals: anyone, actions: ["s3:*"], resources: buckets, condition: [thisAccount] },
    {
      // Fargate pulls image layers from ECR's own bucket through the gateway endpoint, with a request ECR signs: no
      // principal of this account makes it, so it carries no aws:PrincipalAccount of ours.
      sid: "EcrImageLayers",
      effect: "Allow",
      principals: anyone,
      actions: ["s3:GetObject"],
      resources: [account.arns.ecrLayerObjects(region)],
    },
  ];
}

/** The DynamoDB gateway endpoint's policy: this account's principals to the deployment's tables (and their indexes and streams). */
export function dynamodbEndpointStatements(account: AccountContext, tableNames: readonly string[] | undefined): DataAwsIamPolicyDocumentStatement[] {
  const tables = tableNames ? tableNames.flatMap((name) => [account.arns.table(name), `${account.arns.table(name)}/*`]) : ["*"];
  return [
    {
      sid: "ThisAccountToThisDeploymentsTables",
      effect: "Allow",
      principals: [{ type: "AWS", identifiers: ["*"] }],
      actions: ["dynamodb:*"],
      resources: tables,
      condition: [{ test: "StringEquals", variable: "aws:PrincipalAccount", values: [account.accountId] }],
    },
  ];
}

/** Tag that marks a subnet's or route table's tier, for lookups and for people. */
export const TIER_TAG = "Tier";

export class Network extends Construct {
  readonly vpc: Vpc;
  readonly subnets: Record<SubnetTier, Subnet[]>;
  readonly routeTables: { public: RouteTable; private: RouteTable[]; isolated: RouteTable[] };
  readonly natGateways: NatGateway[];
  readonly gatewayEndpoints: { s3: VpcEndpoint; dynamodb: VpcEndpoint };
  readonly flowLogGroup: EncryptedLogGroup;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { provider, names } = props;
    const plan = planSubnets(props.cidr, props.availabilityZones);
    const zones = new DataAwsAvailabilityZones(this, "zones", {
      provider,
      state: "available",
      filter: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
    });

    this.vpc = new Vpc(this, "vpc", {
      provider,
      cidrBlock: props.cidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: { Name: names.vpc },
      lifecycle: {
        // element() wraps around: without this check a region with fewer zones would get two subnets in one zone.
        precondition: [
          {
            condition: `\${length(${zones.fqn}.names) >= ${props.availabilityZones}}`,
            errorMessage: `${props.region} has fewer than ${props.availabilityZones} available zones (network.availabilityZones); lower it for this region.`,
          },
        ],
      },
    });
    // The default group is attached to anything created without one: keep it closed.
    new DefaultSecurityGroup(this, "default-security-group", { provider, vpcId: this.vpc.id, ingress: [], egress: [] });

    const subnet = (tier: SubnetTier, index: number, cidr: string) =>
      new Subnet(this, `${tier}-${index + 1}`, {
        provider,
        vpcId: this.vpc.id,
        cidrBlock: cidr,
        availabilityZone: Fn.element(zones.names, index),
        mapPublicIpOnLaunch: false,
        tags: { Name: names.indexed(tier, index), [TIER_TAG]: tier },
      });
    this.subnets = {
      public: plan.public.map((cidr, i) => subnet("public", i, cidr)),
      private: plan.private.map((cidr, i) => subnet("private", i, cidr)),
      isolated: plan.isolated.map((cidr, i) => subnet("isolated", i, cidr)),
    };

    const internetGateway = new InternetGateway(this, "internet-gateway", {
      provider,
      vpcId: this.vpc.id,
      tags: { Name: names.internetGateway },
    });
    const publicRouteTable = new RouteTable(this, "public-routes", {
      provider,
      vpcId: this.vpc.id,
      tags: { Name: names.publicRouteTable, [TIER_TAG]: "public" },
    });
    new Route(this, "public-default-route", {
      provider,
      routeTableId: publicRouteTable.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: internetGateway.id,
    });
    this.subnets.public.forEach((s, i) =>
      new RouteTableAssociation(this, `public-${i + 1}-association`, { provider, subnetId: s.id, routeTableId: publicRouteTable.id }),
    );

    const natCount = props.natGateways === "per-az" ? props.availabilityZones : 1;
    this.natGateways = Array.from({ length: natCount }, (_, i) => {
      const eip = new Eip(this, `nat-${i + 1}-address`, { provider, domain: "vpc", tags: { Name: names.indexed("nat", i) } });
      return new NatGateway(this, `nat-${i + 1}`, {
        provider,
        allocationId: eip.allocationId,
        subnetId: this.subnets.public[i].id,
        tags: { Name: names.indexed("nat", i) },
        dependsOn: [internetGateway],
      });
    });

    const zonalRouteTables = (tier: "private" | "isolated") =>
      this.subnets[tier].map((s, i) => {
        const table = new RouteTable(this, `${tier}-${i + 1}-routes`, {
          provider,
          vpcId: this.vpc.id,
          tags: { Name: names.indexed(tier, i), [TIER_TAG]: tier },
        });
        new RouteTableAssociation(this, `${tier}-${i + 1}-association`, { provider, subnetId: s.id, routeTableId: table.id });
        return table;
      });
    const privateRouteTables = zonalRouteTables("private");
    privateRouteTables.forEach((table, i) =>
      new Route(this, `private-${i + 1}-default-route`, {
        provider,
        routeTableId: table.id,
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: this.natGateways[Math.min(i, natCount - 1)].id,
      }),
    );
    // Isolated subnets (databases) have no route out: only the VPC, gateway endpoints and the peer region.
    const isolatedRouteTables = zonalRouteTables("isolated");
    this.routeTables = { public: publicRouteTable, private: privateRouteTables, isolated: isolatedRouteTables };

    const internalTables = [...privateRouteTables, ...isolatedRouteTables].map((t) => t.id);
    const allowedThrough = props.gatewayEndpointScope;
    const endpointPolicies = {
      s3: s3EndpointStatements(props.account, props.region, allowedThrough?.bucketNames),
      dynamodb: dynamodbEndpointStatements(props.account, allowedThrough?.tableNames),
    };
    const gateway = (service: "s3" | "dynamodb") =>
      new VpcEndpoint(this, `${service}-gateway-endpoint`, {
        provider,
        vpcId: this.vpc.id,
        serviceName: `com.amazonaws.${props.region}.${service}`,
        vpcEndpointType: "Gateway",
        routeTableIds: internalTables,
        policy: new DataAwsIamPolicyDocument(this, `${service}-gateway-endpoint-policy`, { provider, statement: endpointPolicies[service] }).json,
        tags: { Name: names.endpoint(service) },
      });
    this.gatewayEndpoints = { s3: gateway("s3"), dynamodb: gateway("dynamodb") };

    this.flowLogGroup = new EncryptedLogGroup(this, "flow-log-group", {
      provider,
      logGroupName: names.flowLogGroup,
      kmsKeyArn: props.logsKeyArn,
      retentionDays: props.logRetentionDays,
    });
    const flowLogRole = new BoundedRole(this, "flow-log-role", {
      provider,
      roleName: names.flowLogRole,
      description: `Delivers VPC flow logs of ${props.region} to CloudWatch Logs`,
      assumedBy: "vpc-flow-logs.amazonaws.com",
      trustConditions: [
        { test: "StringEquals", variable: "aws:SourceAccount", values: [props.account.accountId] },
        {
          test: "ArnLike",
          variable: "aws:SourceArn",
          values: [props.account.arns.ec2("vpc-flow-log/*")],
        },
      ],
      permissionsBoundaryArn: props.permissionsBoundaryArn,
      statements: [
        {
          sid: "WriteFlowLogs",
          effect: "Allow",
          actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          resources: [this.flowLogGroup.arn, `${this.flowLogGroup.arn}:*`],
        },
      ],
    });
    new FlowLog(this, "flow-log", {
      provider,
      vpcId: this.vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: this.flowLogGroup.arn,
      iamRoleArn: flowLogRole.arn,
      maxAggregationInterval: 60,
      tags: { Name: names.flowLog },
    });
  }

  get privateSubnetIds(): string[] {
    return this.subnets.private.map((s) => s.id);
  }

  get isolatedSubnetIds(): string[] {
    return this.subnets.isolated.map((s) => s.id);
  }

  get publicSubnetIds(): string[] {
    return this.subnets.public.map((s) => s.id);
  }
}
