/**
 * Least-privilege security groups of one region. Only the load balancer takes
 * traffic from the internet, and only on 443 (and 80, which only redirects).
 * Tasks take the application port from the load balancer only; the database
 * port is open to tasks and the failover Lambdas, and to the peer region's
 * private subnets only when the cross-region database path is configured; then
 * the same groups may also send the database port to the peer region's
 * database subnets (both halves of the path, or neither).
 * Egress is scoped to the next hop wherever AWS allows it.
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
  /**
   * CIDR of the peer region's private subnets, opened on the database port; none when undefined.
   * @default the database is not reachable from the peer region
   */
  readonly peerPrivateCidr?: string;
  /**
   * CIDR of the peer region's isolated (database) subnets: tasks and failover functions may send the database
   * port there, to reach the writer in the peer region through the global writer endpoint. Set together with
   * the peer's peerPrivateCidr (network.crossRegionDatabaseAccess), or the peer's rule can never be used.
   * @default the database port goes to the local database group only
   */
  readonly peerDatabaseCidr?: string;
  /**
   * Whether the VPC has interface endpoints, whose group takes HTTPS from the VPC. Without endpoints the group
   * is not created (a group attached to nothing).
   * @default true
   */
  readonly interfaceEndpoints?: boolean;
}

type Peer = { cidrIpv4: string } | { cidrIpv6: string } | { referencedSecurityGroupId: string };

export class SecurityGroups extends Construct {
  readonly loadBalancer: SecurityGroup;
  readonly tasks: SecurityGroup;
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
    this.database = group("db", "Aurora: database port from tasks and failover functions only");
    this.failover = group("failover", "Failover and health-monitor functions: no inbound");
    if (props.interfaceEndpoints ?? true) this.endpoints = group("endpoints", "Interface endpoints: HTTPS from inside the VPC");

    const anywhere: Peer[] = [{ cidrIpv4: "0.0.0.0/0" }, { cidrIpv6: "::/0" }];
    for (const port of [443, 80]) {
      anywhere.forEach((peer, i) =>
        this.ingress(this.loadBalancer, `alb-${port}-${i === 0 ? "ipv4" : "ipv6"}`, port, peer, port === 443 ? "HTTPS from the internet" : "HTTP from the internet, redirected to HTTPS"),
      );
    }
    this.egress(this.loadBalancer, "alb-to-tasks", props.appPort, { referencedSecurityGroupId: this.tasks.id }, "To tasks on the application port");

    this.ingress(this.tasks, "tasks-from-alb", props.appPort, { referencedSecurityGroupId: this.loadBalancer.id }, "Application port from the load balancer");
    this.egress(this.tasks, "tasks-https", 443, { cidrIpv4: "0.0.0.0/0" }, "HTTPS to AWS APIs (endpoints) and image registries");
    this.egress(this.tasks, "tasks-to-db", props.databasePort, { referencedSecurityGroupId: this.database.id }, "Database port to Aurora");
    if (props.peerDatabaseCidr) {
      this.egress(this.tasks, "tasks-to-peer-db", props.databasePort, { cidrIpv4: props.peerDatabaseCidr }, "Database port to the peer region's database subnets (global writer endpoint)");
    }

    this.ingress(this.database, "db-from-tasks", props.databasePort, { referencedSecurityGroupId: this.tasks.id }, "Database port from tasks");
    this.ingress(this.database, "db-from-failover", props.databasePort, { referencedSecurityGroupId: this.failover.id }, "Database port from failover functions");
    if (props.peerPrivateCidr) {
      this.ingress(this.database, "db-from-peer-region", props.databasePort, { cidrIpv4: props.peerPrivateCidr }, "Database port from the peer region's private subnets (global writer endpoint)");
    }

    this.egress(this.failover, "failover-https", 443, { cidrIpv4: "0.0.0.0/0" }, "HTTPS to AWS APIs (endpoints) and the endpoint probes");
    this.egress(this.failover, "failover-to-db", props.databasePort, { referencedSecurityGroupId: this.database.id }, "Database port to Aurora");
    if (props.peerDatabaseCidr) {
      this.egress(this.failover, "failover-to-peer-db", props.databasePort, { cidrIpv4: props.peerDatabaseCidr }, "Database port to the peer region's database subnets (global writer endpoint)");
    }

    if (this.endpoints) this.ingress(this.endpoints, "endpoints-https", 443, { cidrIpv4: props.vpcCidr }, "HTTPS from inside the VPC");
  }

  private ingress(group: SecurityGroup, id: string, port: number, peer: Peer, description: string): void {
    new VpcSecurityGroupIngressRule(this, id, { provider: this.provider, securityGroupId: group.id, ipProtocol: "tcp", fromPort: port, toPort: port, description, ...peer });
  }

  private egress(group: SecurityGroup, id: string, port: number, peer: Peer, description: string): void {
    new VpcSecurityGroupEgressRule(this, id, { provider: this.provider, securityGroupId: group.id, ipProtocol: "tcp", fromPort: port, toPort: port, description, ...peer });
  }
}
