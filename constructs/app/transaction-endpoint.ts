/**
 * The transaction-processing Lambda behind the region's load balancer:
 * POST /transactions (and its health path) go to a Lambda target group, the
 * rest to the service. Deployed identically in both regions; it writes only
 * to its own region's table and bucket.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { LbTargetGroupAttachment } from "@cdktf/provider-aws/lib/lb-target-group-attachment";
import { PROCESSOR_ENVIRONMENT, ProcessorEnvironment } from "../../lambda/transaction-processor/environment";
import { AccountContext } from "../security/account-context";
import { BucketRef, KeyRef, TableRef } from "../security/grants";
import { DrLambdaFunction } from "./lambda-function";

export const TRANSACTIONS_PATH = "/transactions";
export const TRANSACTIONS_HEALTH_PATH = "/transactions/health";

/** Three AWS calls with three attempts each fit; below the load balancer's 60 s idle timeout. */
export const TRANSACTION_FUNCTION_TIMEOUT_SECONDS = 40;

/**
 * Health checks of the Lambda target group. The interval must be longer than the function's timeout
 * (hashicorp/aws aws_lb_target_group health_check.interval: "For lambda target groups, it needs to be greater
 * than the timeout of the underlying lambda"), or a slow check overlaps the next one; the check itself gives up
 * after 10 s, well inside the interval, since the health path answers without calling AWS.
 */
export const TRANSACTION_HEALTH_CHECK = {
  intervalSeconds: TRANSACTION_FUNCTION_TIMEOUT_SECONDS + 5,
  timeoutSeconds: 10,
} as const;

export interface TransactionEndpointProps {
  readonly provider: AwsProvider;
  readonly account: AccountContext;
  readonly region: string;
  readonly functionName: string;
  readonly roleName: string;
  readonly targetGroupName: string;
  /**
   * ARN of the permissions boundary of the role(s) created here (iam.permissionsBoundaryArn).
   * @default no permissions boundary
   */
  readonly permissionsBoundaryArn?: string;
  readonly runtime: string;
  /** The function's environment contract (lambda/transaction-processor/environment.ts). */
  readonly environment: ProcessorEnvironment;
  /** The txmeta global table (the function records each transaction there). */
  readonly table: TableRef;
  /** This region's transaction log bucket. */
  readonly bucket: BucketRef;
  /** The region's data key, which encrypts the table and the bucket. */
  readonly dataKey: KeyRef;
  readonly logsKeyArn: string;
  /** ARN of the region's key that encrypts the function's environment variables. */
  readonly environmentKeyArn: string;
  readonly logRetentionDays: number;
  readonly logGroupName: string;
  readonly privateSubnetIds: string[];
  readonly securityGroupId: string;
  readonly httpsListenerArn: string;
}

export class TransactionEndpoint extends Construct {
  readonly fn: DrLambdaFunction;
  readonly targetGroup: LbTargetGroup;

  constructor(scope: Construct, id: string, props: TransactionEndpointProps) {
    super(scope, id);
    const { provider, account, region } = props;
    this.fn = new DrLambdaFunction(this, "function", {
      provider,
      account,
      region,
      code: "transaction-processor",
      functionName: props.functionName,
      description: "Validates transactions, records their metadata idempotently and writes the transaction log object",
      runtime: props.runtime,
      memorySizeMb: 256,
      timeoutSeconds: TRANSACTION_FUNCTION_TIMEOUT_SECONDS,
      environment: PROCESSOR_ENVIRONMENT.write(props.environment),
      environmentKeyArn: props.environmentKeyArn,
      logGroupName: props.logGroupName,
      logsKeyArn: props.logsKeyArn,
      logRetentionDays: props.logRetentionDays,
      roleName: props.roleName,
      permissionsBoundaryArn: props.permissionsBoundaryArn,
      vpc: { subnetIds: props.privateSubnetIds, securityGroupId: props.securityGroupId },
      statements: [],
    });
    // Conditional put and consistent read of one record; one new log object per transaction, never read back.
    props.table.grant(this.fn.role, { sid: "RecordTransactions", actions: ["dynamodb:PutItem", "dynamodb:GetItem"] });
    props.bucket.grantObjects(this.fn.role, { sid: "WriteTransactionLogs", actions: ["s3:PutObject"], prefix: "transactions/" });
    props.dataKey.grantViaServices(this.fn.role, {
      sid: "DataKeyThroughServices",
      actions: ["kms:GenerateDataKey", "kms:Decrypt"],
      services: ["s3", "dynamodb"],
    });
    this.targetGroup = new LbTargetGroup(this, "targets", {
      provider,
      name: props.targetGroupName,
      targetType: "lambda",
      lambdaMultiValueHeadersEnabled: false,
      healthCheck: {
        enabled: true,
        path: TRANSACTIONS_HEALTH_PATH,
        matcher: "200",
        interval: TRANSACTION_HEALTH_CHECK.intervalSeconds,
        timeout: TRANSACTION_HEALTH_CHECK.timeoutSeconds,
      },
    });
    const permission = new LambdaPermission(this, "invoke-from-load-balancer", {
      provider,
      statementId: "AllowLoadBalancer",
      action: "lambda:InvokeFunction",
      functionName: this.fn.function.functionName,
      principal: "elasticloadbalancing.amazonaws.com",
      sourceArn: this.targetGroup.arn,
    });
    new LbTargetGroupAttachment(this, "attachment", {
      provider,
      targetGroupArn: this.targetGroup.arn,
      targetId: this.fn.arn,
      dependsOn: [permission],
    });
    new LbListenerRule(this, "route", {
      provider,
      listenerArn: props.httpsListenerArn,
      priority: 10,
      condition: [{ pathPattern: { values: [TRANSACTIONS_PATH, `${TRANSACTIONS_PATH}/*`] } }],
      action: [{ type: "forward", targetGroupArn: this.targetGroup.arn }],
    });
  }
}
