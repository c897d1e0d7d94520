/**
 * The region's Application Load Balancer in the public subnets: HTTPS with a
 * TLS 1.3 / restricted TLS 1.2 policy (AEAD ciphers only, no CBC suite), HTTP
 * that only redirects, HTTPS (or, in the destroyable profile, HTTP) to the tasks, invalid headers dropped, access
 * logs to a bucket with SSE-S3 (ALB log delivery does not support KMS keys: the
 * documented exception to customer-managed keys), deletion protection by
 * profile, and a target group whose health check is tuned from the RTO.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsElbServiceAccount } from "@cdktf/provider-aws/lib/data-aws-elb-service-account";
import { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { AwsRegion } from "../../lib/aws-regions";
import { RemovalPolicy } from "../../lib/removal";
import { TargetGroupHealthCheckTiming } from "../../lib/timings";
import { AccountContext } from "../security/account-context";
import { SecureBucket } from "../data/secure-bucket";

/**
 * The default listener policy (loadBalancer.tlsPolicy): TLS 1.3, and TLS 1.2 restricted to ECDHE with AES-GCM (no CBC
 * suite, forward secrecy), per the Elastic Load Balancing security-policy table. ELBSecurityPolicy-TLS13-1-2-2021-06,
 * used before, still offered the TLS 1.2 CBC suites (ECDHE-*-AES*-SHA256/SHA384).
 */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06";

/**
 * Regions opened in August 2022 or later deliver ALB logs as the
 * logdelivery.elasticloadbalancing.amazonaws.com service principal; older
 * regions as a regional Elastic Load Balancing account (provider data source).
 */
export const SERVICE_PRINCIPAL_LOG_REGIONS: readonly AwsRegion[] = [
  "ap-south-2",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-6",
  "ap-southeast-7",
  "ap-east-2",
  "eu-central-2",
  "eu-south-2",
  "me-central-1",
  "il-central-1",
  "ca-west-1",
  "mx-central-1",
];

export interface LoadBalancerProps {
  readonly provider: AwsProvider;
  readonly account: AccountContext;
  readonly region: AwsRegion;
  readonly loadBalancerName: string;
  readonly targetGroupName: string;
  readonly logBucketName: string;
  readonly vpcId: string;
  readonly publicSubnetIds: string[];
  readonly securityGroupId: string;
  readonly certificateArn: string;
  readonly appPort: number;
  /**
   * Protocol to the tasks: HTTPS (the container serves TLS on appPort; the load balancer does not verify its certificate).
   * @default "HTTPS"
   */
  readonly targetProtocol?: "HTTPS" | "HTTP";
  /**
   * Security policy of the HTTPS listener.
   * @default TLS_POLICY
   */
  readonly tlsPolicy?: string;
  readonly healthCheckPath: string;
  readonly healthCheck: TargetGroupHealthCheckTiming;
  readonly logRetentionDays: number;
  /**
   * Server access logging of the log bucket, to the region's access-log bucket (by name).
   * @default no server access logging
   */
  readonly accessLogBucket?: string;
  /**
   * "retain": deletion protection on the load balancer and prevent_destroy on its log bucket;
   * "destroy": neither, and the log bucket goes with its objects.
   * @default "retain"
   */
  readonly removal?: RemovalPolicy;
}

export class LoadBalancer extends Construct {
  readonly loadBalancer: Lb;
  readonly targetGroup: LbTargetGroup;
  readonly httpsListener: LbListener;
  readonly logBucket: SecureBucket;

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    const { provider, account } = props;
    const removal = props.removal ?? "retain";
    const protect = removal === "retain";
    const logObjects = `${account.arns.bucket(props.logBucketName)}/AWSLogs/${account.accountId}/*`;
    const deliveryStatement: DataAwsIamPolicyDocumentStatement = SERVICE_PRINCIPAL_LOG_REGIONS.includes(props.region)
      ? {
          sid: "AlbLogDelivery",
          effect: "Allow",
          principals: [{ type: "Service", identifiers: ["logdelivery.elasticloadbalancing.amazonaws.com"] }],
          actions: ["s3:PutObject"],
          resources: [logObjects],
        }
      : {
          sid: "AlbLogDelivery",
          effect: "Allow",
          principals: [{ type: "AWS", identifiers: [new DataAwsElbServiceAccount(this, "elb-account", { provider }).arn] }],
          actions: ["s3:PutObject"],
          resources: [logObjects],
        };
    this.logBucket = new SecureBucket(this, "access-logs", {
      provider,
      bucketName: props.logBucketName,
      kmsKeyArn: undefined,
      noncurrentVersionExpirationDays: 7,
      expirationDays: props.logRetentionDays,
      removal,
      accessLogBucket: props.accessLogBucket,
      extraPolicyStatements: [deliveryStatement],
    });

    this.loadBalancer = new Lb(this, "alb", {
      provider,
      name: props.loadBalancerName,
      loadBalancerType: "application",
      internal: false,
      subnets: props.publicSubnetIds,
      securityGroups: [props.securityGroupId],
      dropInvalidHeaderFields: true,
      desyncMitigationMode: "strictest",
      enableDeletionProtection: protect,
      accessLogs: { bucket: this.logBucket.bucket.id, enabled: true },
      dependsOn: [this.logBucket.policy],
    });

    this.targetGroup = new LbTargetGroup(this, "targets", {
      provider,
      name: props.targetGroupName,
      port: props.appPort,
      protocol: props.targetProtocol ?? "HTTPS",
      targetType: "ip",
      vpcId: props.vpcId,
      deregistrationDelay: "30",
      healthCheck: {
        enabled: true,
        protocol: props.targetProtocol ?? "HTTPS",
        path: props.healthCheckPath,
        matcher: "200",
        interval: props.healthCheck.intervalSeconds,
        timeout: props.healthCheck.timeoutSeconds,
        healthyThreshold: props.healthCheck.healthyThreshold,
        unhealthyThreshold: props.healthCheck.unhealthyThreshold,
      },
    });

    this.httpsListener = new LbListener(this, "https", {
      provider,
      loadBalancerArn: this.loadBalancer.arn,
      port: 443,
      protocol: "HTTPS",
      sslPolicy: props.tlsPolicy ?? TLS_POLICY,
      certificateArn: props.certificateArn,
      defaultAction: [{ type: "forward", targetGroupArn: this.targetGroup.arn }],
    });
    new LbListener(this, "http-redirect", {
      provider,
      loadBalancerArn: this.loadBalancer.arn,
      port: 80,
      protocol: "HTTP",
      defaultAction: [{ type: "redirect", redirect: { port: "443", protocol: "HTTPS", statusCode: "HTTP_301" } }],
    });
  }
}
