/**
 * Interface endpoints for every AWS API the private workloads and the
 * failover path call, so that the failover path of a region works with no NAT
 * gateway and no internet. Private DNS makes the SDKs use them unchanged.
 *
 * Each endpoint's policy lets through only its own service's actions
 * (ENDPOINT_ACTION_PREFIX), and only for this account's principals
 * (aws:PrincipalAccount) and AWS services acting on the account's behalf
 * (aws:PrincipalIsAWSService): credentials of another account, stolen or
 * planted, cannot use the VPC's private path to the AWS APIs. The IAM policy of
 * each principal still decides what it may do. The ECS endpoints keep the
 * default policy (see DEFAULT_POLICY_ENDPOINTS).
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { AwsRegion } from "../../lib/aws-regions";
import { RegionCatalog } from "../../lib/catalog";
import { InterfaceEndpointService } from "../../lib/endpoint-services";

/**
 * Endpoints that keep AWS's default (full access) policy, because a custom one is refused or would break the service:
 * - ecs: the Amazon ECS developer guide ("Amazon ECS interface VPC endpoints") states that controlling access to
 *   Amazon ECS by attaching an endpoint policy to the VPC endpoint is not supported, and EC2 refuses a custom policy
 *   on an endpoint whose service supports only the full-access policy, which would fail the apply;
 * - ecs-agent, ecs-telemetry: the container agent's channels, used with credentials ECS manages rather than a principal
 *   of this account's, with no documented endpoint policy; a policy that refused the agent would stop the service's
 *   tasks in a region with no NAT gateway.
 * The ECS API still requires the caller's own IAM permissions (the failover roles' are scoped to the project's cluster
 * and service).
 */
export const DEFAULT_POLICY_ENDPOINTS = ["ecs", "ecs-agent", "ecs-telemetry"] as const satisfies readonly InterfaceEndpointService[];

/** The IAM action prefix of each endpoint's service: what its endpoint policy lets through. */
export const ENDPOINT_ACTION_PREFIX: Readonly<Record<Exclude<InterfaceEndpointService, (typeof DEFAULT_POLICY_ENDPOINTS)[number]>, string>> = {
  "ecr.api": "ecr",
  "ecr.dkr": "ecr",
  logs: "logs",
  monitoring: "cloudwatch",
  secretsmanager: "secretsmanager",
  kms: "kms",
  sts: "sts",
  ssm: "ssm",
  sns: "sns",
  sqs: "sqs",
  states: "states",
  rds: "rds",
  "application-autoscaling": "application-autoscaling",
  elasticloadbalancing: "elasticloadbalancing",
  events: "events",
  xray: "xray",
};

export interface InterfaceEndpointsProps {
  readonly provider: AwsProvider;
  readonly region: AwsRegion;
  readonly vpcId: string;
  readonly subnetIds: string[];
  readonly securityGroupId: string;
  readonly services: readonly InterfaceEndpointService[];
  /** The endpoints' Name tags, by service. */
  readonly names: Pick<RegionCatalog, "endpoint">;
  /**
   * The account whose principals the endpoint policies admit.
   * @default no endpoint policy (AWS's full-access default)
   */
  readonly accountId?: string;
}

export class InterfaceEndpoints extends Construct {
  readonly endpoints: ReadonlyMap<InterfaceEndpointService, VpcEndpoint>;

  constructor(scope: Construct, id: string, props: InterfaceEndpointsProps) {
    super(scope, id);
    const endpoints = new Map<InterfaceEndpointService, VpcEndpoint>();
    const anyone = [{ type: "AWS", identifiers: ["*"] }];
    const keepsDefault = (service: InterfaceEndpointService): service is (typeof DEFAULT_POLICY_ENDPOINTS)[number] =>
      (DEFAULT_POLICY_ENDPOINTS as readonly InterfaceEndpointService[]).includes(service);
    const policyOf = (service: InterfaceEndpointService, accountId: string): string | undefined => {
      if (keepsDefault(service)) return undefined;
      const actions = [`${ENDPOINT_ACTION_PREFIX[service]}:*`];
      return new DataAwsIamPolicyDocument(this, `policy-${service.replace(/\./g, "-")}`, {
        provider: props.provider,
        statement: [
          {
            sid: "ThisAccountsPrincipals",
            effect: "Allow",
            principals: anyone,
            actions,
            resources: ["*"],
            condition: [{ test: "StringEquals", variable: "aws:PrincipalAccount", values: [accountId] }],
          },
          {
            sid: "AwsServicesOnTheAccountsBehalf",
            effect: "Allow",
            principals: anyone,
            actions,
            resources: ["*"],
            condition: [{ test: "Bool", variable: "aws:PrincipalIsAWSService", values: ["true"] }],
          },
        ],
      }).json;
    };
    for (const service of props.services) {
      endpoints.set(
        service,
        new VpcEndpoint(this, service.replace(/\./g, "-"), {
          provider: props.provider,
          vpcId: props.vpcId,
          serviceName: `com.amazonaws.${props.region}.${service}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: props.subnetIds,
          securityGroupIds: [props.securityGroupId],
          policy: props.accountId ? policyOf(service, props.accountId) : undefined,
          tags: { Name: props.names.endpoint(service) },
        }),
      );
    }
    this.endpoints = endpoints;
  }
}
