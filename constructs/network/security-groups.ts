/**
 * Least-privilege security groups of one region. Only the load balancer takes
 * traffic from the internet, and only on 443 (and 80, which only redirects).
 *
 *  - tasks: the application port from the load balancer only; send HTTPS, the
 *    database port to the region's database, and (cross-region path) to the
 *    peer region's database subnets;
 *  - transactions (the public transaction function): nothing inbound (the load
 *    balancer invokes it through the Lambda API, not its network interface);
 *    sends HTTPS only to DynamoDB and S3 through the VPC's gateway endpoints
 *    (their managed prefix lists), in every profile, since those are the only
 *    services it calls; never the database port, and the database admits no group of it;
 *  - failover (health monitor, orchestrator, reconciler): nothing inbound; HTTPS
 *    anywhere, because the monitor probes the other region's public name through
 *    the NAT gateway; no database port (they use the RDS API, never a connection);
 *  - db: the database port from the tasks and, with the cross-region path, from
 *    the peer region's private (application) subnets, one rule per subnet as
 *    lib/subnet-plan.ts carves them (security groups cannot be referenced across
 *    regions, so CIDRs are the narrowest possible);
 *  - endpoints: HTTPS from inside the VPC.
 *
 * HTTPS egress of the tasks: where the VPC has interface endpoints (the protected
 * profile), only to the endpoints' group and to the S3 and DynamoDB gateway
 * endpoints' prefix lists; without them (the destroyable profile) the tasks reach
 * AWS APIs and the image registry through the NAT gateway, so 443 goes anywhere.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { RegionCatalog, SecurityGroupPurpose } from "../../lib/catalog";

export interface SecurityGroupsProps {
  readonly provider: AwsProvider;
  /** Names of the groups, by purpose. */
  readonly names: Pick<RegionCatalog, "securityGroup">;
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly appPort: number;
  readonly databasePort: number;
  /** Managed prefix lists of the VPC's S3 and DynamoDB gateway endpoints (their prefix_list_id). */
  readonly gatewayPrefixLists: { readonly s3: string; readonly dynamodb: string };
  /**
   * CIDRs of the peer region's private (application) subnets, each opened on the database port.
   * @default the database is not reachable from the peer region
   */
  readonly peerPrivateSubnetCidrs?: readonly string[];
  /**
   * CIDRs of the peer region's isolated (database) subnets: tasks may send the database port there, to reach the writer
   * in the peer region through the global writer endpoint. Set together with the peer's peerPrivateSubnetCidrs
   * (network.crossRegionDatabaseAccess), or the peer's rule can never be used.
   * @default the database port goes to the local database group only
   */
  readonly peerDatabaseSubnetCidrs?: readonly string[];
  /**
   * Whether the VPC has interface endpoints, whose group takes HTTPS from the VPC. Without endpoints the group
   * is not created (a group attached to nothing), and the tasks' HTTPS leaves through the NAT gateway.
   * @default true
   */
  readonly interfaceEndpoints?: boolean;
}

type Peer = { cidrIpv4: string } | { cidrIpv6: string } | { referencedSecurityGroupId: string } | { prefixListId: string };

export class SecurityGroups extends Construct {
  readonly loadBalancer: SecurityGroup;
  readonly tasks: SecurityGroup;
  /** The public transaction function's own group. */
  readonly transactions: SecurityGroup;
  readonly database: SecurityGroup;
  readonly failover: SecurityGroup;
  /** The interface endpoints' group; absent when the VPC has no interface endpoints. */
  readonly endpoints?: SecurityGroup;
  private readonly provider: AwsProvider;

  constructor(scope: Construct, id: string, props: SecurityGroupsProps) {
    super(scope, id);
    this.provider = props.provider;
    const group = (purpose: SecurityGroupPurpose, description: string) =>
      new SecurityGroup(this, purpose, {
        provider: props.provider,
        name: props.names.securityGroup(purpose),
        description,
        vpcId: props.vpcId,
        tags: { Name: props.names.securityGroup(purpose) },
        lifecycle: { createBeforeDestroy: true },
      });
    this.loadBalancer = group("alb", "Application load balancer: HTTPS (and HTTP redirect) from the internet");
    this.tasks = group("tasks", "Fargate tasks: application port from the load balancer only");
    this.transactions = group("transactions", "Transaction function: no inbound; HTTPS to DynamoDB and S3 only");
    this.database = group("db", "Aurora: database port from tasks only");
    this.failover = group("failover", "Failover and health-monitor functions: no inbound");
    if (props.interfaceEndpoints ?? true) this.endpoints = group("endpoints", "Interface endpoints: HTTPS from inside the VPC");

    const anywhere: Peer[] = [{ cidrIpv4: "0.0.0.0/0" }, { cidrIpv6: "::/0" }];
    for (const port of [443, 80]) {
      anywhere.forEach((peer, i) =>
        this.ingress(this.loadBalancer, `alb-${port}-${i === 0 ? "ipv4" : "ipv6"}`, port, peer, port === 443 ? "HTTPS from the internet" : "HTTP from the internet, redirected to HTTPS"),
      );
    }
    this.egress(this.loadBalancer, "alb-to-tasks", props.appPort, { referencedSecurityGroupId: this.tasks.id }, "To tasks on the application port");

    const gateways = (g: SecurityGroup, prefix: string, who: string) => {
      this.egress(g, `${prefix}-https-s3`, 443, { prefixListId: props.gatewayPrefixLists.s3 }, `${who}: HTTPS to S3 through the gateway endpoint`);
      this.egress(g, `${prefix}-https-dynamodb`, 443, { prefixListId: props.gatewayPrefixLists.dynamodb }, `${who}: HTTPS to DynamoDB through the gateway endpoint`);
    };

    this.ingress(this.tasks, "tasks-from-alb", props.appPort, { referencedSecurityGroupId: this.loadBalancer.id }, "Application port from the load balancer");
    if (this.endpoints) {
      this.egress(this.tasks, "tasks-https-endpoints", 443, { referencedSecurityGroupId: this.endpoints.id }, "HTTPS to the VPC's interface endpoints (AWS APIs, ECR)");
      gateways(this.tasks, "tasks", "Tasks");
    } else {
      this.egress(this.tasks, "tasks-https", 443, { cidrIpv4: "0.0.0.0/0" }, "HTTPS to AWS APIs and the image registry through the NAT gateway (no interface endpoints)");
    }
    this.egress(this.tasks, "tasks-to-db", props.databasePort, { referencedSecurityGroupId: this.database.id }, "Database port to Aurora");
    (props.peerDatabaseSubnetCidrs ?? []).forEach((cidr, i) =>
      this.egress(this.tasks, `tasks-to-peer-db-${i + 1}`, props.databasePort, { cidrIpv4: cidr }, "Database port to a database subnet of the peer region (global writer endpoint)"),
    );

    gateways(this.transactions, "transactions", "Transaction function");

    this.ingress(this.database, "db-from-tasks", props.databasePort, { referencedSecurityGroupId: this.tasks.id }, "Database port from tasks");
    (props.peerPrivateSubnetCidrs ?? []).forEach((cidr, i) =>
      this.ingress(this.database, `db-from-peer-app-${i + 1}`, props.databasePort, { cidrIpv4: cidr }, "Database port from an application subnet of the peer region (global writer endpoint)"),
    );

    this.egress(this.failover, "failover-https", 443, { cidrIpv4: "0.0.0.0/0" }, "HTTPS to AWS APIs (endpoints) and the probe of the other region's public name (NAT)");

    if (this.endpoints) this.ingress(this.endpoints, "endpoints-https", 443, { cidrIpv4: props.vpcCidr }, "HTTPS from inside the VPC");
  }

  private ingress(group: SecurityGroup, id: string, port: number, peer: Peer, description: string): void {
    new VpcSecurityGroupIngressRule(this, id, { provider: this.provider, securityGroupId: group.id, ipProtocol: "tcp", fromPort: port, toPort: port, description, ...peer });
  }

  private egress(group: SecurityGroup, id: string, port: number, peer: Peer, description: string): void {
    new VpcSecurityGroupEgressRule(this, id, { provider: this.provider, securityGroupId: group.id, ipProtocol: "tcp", fromPort: port, toPort: port, description, ...peer });
  }
}
