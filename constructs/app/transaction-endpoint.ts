/**
 * The transaction-processing Lambda behind the region's load balancer:
 * POST /transactions (and its health path) go to a Lambda target group, the
 * rest to the service. Deployed identically in both regions; it writes only
 * to its own region's table and bucket.
 *
 * Who gets through: the listener rule validates the caller's JWT (Elastic Load
 * Balancing's jwt-validation action: signature against the issuer's JWKS, iss,
 * exp, nbf, iat and the configured claims) and only then forwards; without an
 * issuer configured the rule answers 401 itself and nothing reaches the
 * function. The rule sits on the HTTPS listener below the traffic gate
 * (priority 10 > 3), so a closed gate refuses /transactions at the load
 * balancer too. The function is reachable only through that rule: its target
 * group has no other route and its resource policy admits only that target group.
 *
 * Least privilege: conditional put and read of its table's records, one new log
 * object per transaction, and a read of exactly two items of the control table
 * (this region's fence and heartbeat: the write gate), never a write there.
 * Its own security group, which nothing admits (the database admits the tasks,
 * not this function); reserved concurrency (transactionApi.reservedConcurrency).
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
import { CONTROL_KEYS } from "../../lambda/shared/control-keys";
import { DrLambdaFunction } from "./lambda-function";
import { LambdaCodeSigning } from "../security/lambda-code-signing";

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

/** Priority of the /transactions rule on the HTTPS listener: below the gate's rules (lambda/shared/gate-rule.ts DR_RULE_PRIORITY). */
export const TRANSACTIONS_RULE_PRIORITY = 10;

/** The JWT validation of the /transactions rule (transactionApi.authentication). */
export interface TokenValidation {
  readonly issuer: string;
  readonly jwksEndpoint: string;
  readonly requiredClaims: readonly { readonly name: string; readonly format: string; readonly values: readonly string[] }[];
}

export interface TransactionEndpointProps {
  readonly provider: AwsProvider;
  /** The region\'s Lambda code signing (its functions deploy only code its profile signed). */
  readonly codeSigning: LambdaCodeSigning;
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
  /** The function's own security group (no inbound; HTTPS to DynamoDB and S3 only). */
  readonly securityGroupId: string;
  readonly httpsListenerArn: string;
  /**
   * The tokens the load balancer validates before forwarding.
   * @default none: the rule answers 401 and nothing reaches the function
   */
  readonly tokenValidation?: TokenValidation;
  /** Reserved concurrency of the function (transactionApi.reservedConcurrency). */
  readonly reservedConcurrency: number;
  /** The failover automation's control table: the function may read exactly this region's fence and heartbeat items. */
  readonly controlTable: TableRef;
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
      codeSigning: props.codeSigning,
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
      reservedConcurrency: props.reservedConcurrency,
      statements: [],
    });
    // Conditional put and consistent read of one record; one new log object per transaction, never read back.
    props.table.grant(this.fn.role, { sid: "RecordTransactions", actions: ["dynamodb:PutItem", "dynamodb:GetItem"] });
    props.bucket.grantObjects(this.fn.role, { sid: "WriteTransactionLogs", actions: ["s3:PutObject"], prefix: "transactions/" });
    // The write gate: exactly this region's fence and heartbeat, read only (the control table is the failover automation's).
    this.fn.role.addStatements({
      sid: "ReadOwnRegionFence",
      effect: "Allow",
      actions: ["dynamodb:GetItem"],
      resources: [props.controlTable.tableArn],
      condition: [{ test: "ForAllValues:StringEquals", variable: "dynamodb:LeadingKeys", values: [CONTROL_KEYS.fence(region), CONTROL_KEYS.heartbeat(region)] }],
    });
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
    const validation = props.tokenValidation;
    new LbListenerRule(this, "route", {
      provider,
      listenerArn: props.httpsListenerArn,
      priority: TRANSACTIONS_RULE_PRIORITY,
      condition: [{ pathPattern: { values: [TRANSACTIONS_PATH, `${TRANSACTIONS_PATH}/*`] } }],
      action: validation
        ? [
            {
              type: "jwt-validation",
              order: 1,
              jwtValidation: {
                issuer: validation.issuer,
                jwksEndpoint: validation.jwksEndpoint,
                additionalClaim: validation.requiredClaims.map((c) => ({ name: c.name, format: c.format, values: [...c.values] })),
              },
            },
            { type: "forward", order: 2, targetGroupArn: this.targetGroup.arn },
          ]
        : [
            {
              type: "fixed-response",
              fixedResponse: { statusCode: "401", contentType: "text/plain", messageBody: "authentication is not configured (transactionApi.authentication)" },
            },
          ],
    });
  }
}
