/**
 * An EventBridge global endpoint over the two regions' application buses
 * (same name in both), created in the primary region's app stack: events go to
 * the primary region's bus while its Route 53 health check is healthy and to
 * the secondary's when it is not, with replication between the buses. The
 * check is the primary region's traffic gate (HTTPS /.dr/gate on its regional
 * name, created here so that nothing is read from another stack): events
 * follow the writer's gate, as the service does. Producers must send through the endpoint
 * with SigV4a signing; consumers in the DR region must be idempotent, since
 * replication delivers events there too.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudwatchEventEndpoint } from "@cdktf/provider-aws/lib/cloudwatch-event-endpoint";
import { Route53HealthCheck } from "@cdktf/provider-aws/lib/route53-health-check";
import { GATE_PATH } from "../../lambda/shared/gate-rule";
import { ROUTE53_REQUEST_INTERVAL_SECONDS } from "../../lib/timings";
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
  /** The primary region's regional name, whose gate path the health check probes. */
  readonly gateHost: string;
  /** Name tag of that health check. */
  readonly healthCheckName: string;
  /** Route 53 health checker regions (dns.healthCheckRegions). */
  readonly checkerRegions: readonly string[];
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
    const check = new Route53HealthCheck(this, "gate-check", {
      provider: props.provider,
      type: "HTTPS",
      fqdn: props.gateHost,
      port: 443,
      resourcePath: GATE_PATH,
      enableSni: true,
      requestInterval: ROUTE53_REQUEST_INTERVAL_SECONDS,
      failureThreshold: 1,
      regions: [...props.checkerRegions],
      tags: { Name: props.healthCheckName },
    });
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
          primary: { healthCheck: check.arn },
          secondary: { route: props.secondaryRegion },
        },
      },
    });
  }
}
