/**
 * An EventBridge global endpoint over the two regions' application buses
 * (same name in both): events go to the primary region's bus while its Route
 * 53 health check is healthy and to the secondary's when it is not, with
 * replication between the buses. Producers must send through the endpoint
 * with SigV4a signing; consumers in the DR region must be idempotent, since
 * replication delivers events there too.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudwatchEventEndpoint } from "@cdktf/provider-aws/lib/cloudwatch-event-endpoint";
import { AwsRegion } from "../../lib/aws-regions";
import { AccountContext } from "../security/account-context";
import { BoundedRole } from "../security/bounded-role";

export interface EventGlobalEndpointProps {
  /** Provider of the primary region, where the endpoint is created. */
  readonly provider: AwsProvider;
  readonly account: AccountContext;
  readonly endpointName: string;
  readonly primaryRegion: AwsRegion;
  readonly secondaryRegion: AwsRegion;
  /** ARN of the Route 53 health check that decides when to fail over. */
  readonly healthCheckArn: string;
  readonly roleName: string;
  /**
   * ARN of the permissions boundary of the role(s) created here (iam.permissionsBoundaryArn).
   * @default no permissions boundary
   */
  readonly permissionsBoundaryArn?: string;
}

export class EventGlobalEndpoint extends Construct {
  readonly endpoint: CloudwatchEventEndpoint;

  constructor(scope: Construct, id: string, props: EventGlobalEndpointProps) {
    super(scope, id);
    // The buses have the same name in both regions (the catalog's eventBus).
    const buses = [props.account.arns.eventBus(props.primaryRegion), props.account.arns.eventBus(props.secondaryRegion)];
    const role = new BoundedRole(this, "replication-role", {
      provider: props.provider,
      roleName: props.roleName,
      description: "Replicates events between the two regions' application buses",
      assumedBy: "events.amazonaws.com",
      trustConditions: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [props.account.accountId] }],
      permissionsBoundaryArn: props.permissionsBoundaryArn,
      statements: [{ sid: "ReplicateEvents", effect: "Allow", actions: ["events:PutEvents"], resources: buses }],
    });
    this.endpoint = new CloudwatchEventEndpoint(this, "endpoint", {
      provider: props.provider,
      name: props.endpointName,
      description: "Global endpoint of the application buses",
      roleArn: role.arn,
      eventBus: buses.map((eventBusArn) => ({ eventBusArn })),
      replicationConfig: { state: "ENABLED" },
      routingConfig: {
        failoverConfig: {
          primary: { healthCheck: props.healthCheckArn },
          secondary: { route: props.secondaryRegion },
        },
      },
    });
  }
}
