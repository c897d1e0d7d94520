/**
 * The paging forwarder of one region: the alert topic's messages go to the
 * paging service through a small Lambda function (lambda/paging-forwarder) that
 * reads the service's integration URL from a Secrets Manager secret at run
 * time. The URL is a credential (it carries the integration key): this way it
 * is never in configuration, cdktf.out or Terraform state, and no one reads it
 * from the SNS subscription; Terraform knows the secret's name only.
 *
 * - The secret (<project>-paging-<suffix>, encrypted with the region's secrets
 *   key) is created empty; operators put the URL with
 *   `aws secretsmanager put-secret-value` in each region. Its resource policy
 *   lets only the forwarder's role (and the break-glass roles) read the value.
 * - The function runs outside any VPC: it needs Secrets Manager and the paging
 *   service's public endpoint only, must keep paging when the region's VPC, NAT
 *   gateways or endpoints are the problem, and so cannot reach the database or
 *   anything else in the VPC.
 * - SNS invokes it asynchronously: two retries, then a record of the failure in
 *   an encrypted dead-letter queue, whose alarm notifies the alert topic (and so
 *   the e-mail subscribers).
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretPolicy } from "@cdktf/provider-aws/lib/secretsmanager-secret-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { FORWARDER_ENVIRONMENT } from "../../lambda/paging-forwarder/environment";
import { RegionCatalog } from "../../lib/catalog";
import { RemovalPolicy } from "../../lib/removal";
import { DrLambdaFunction } from "../app/lambda-function";
import { DEAD_LETTER_RETENTION_SECONDS } from "../failover/failover-dead-letter-queue";
import { AccountContext } from "../security/account-context";
import { KeyRef } from "../security/grants";
import { LambdaCodeSigning } from "../security/lambda-code-signing";

export interface PagingForwarderProps {
  readonly provider: AwsProvider;
  /** The region\'s Lambda code signing (its functions deploy only code its profile signed). */
  readonly codeSigning: LambdaCodeSigning;
  readonly account: AccountContext;
  readonly region: string;
  /** Names of the secret, function, role, log group, dead-letter queue and alarm. */
  readonly names: Pick<RegionCatalog, "paging">;
  readonly environment: string;
  /** The region's alert topic, whose messages are forwarded. */
  readonly topicArn: string;
  /** ARN of the region's secrets key (the secret and the function's environment). */
  readonly secretsKeyArn: string;
  /** ARN of the region's messaging key (the dead-letter queue). */
  readonly messagingKeyArn: string;
  /** ARN of the region's logs key. */
  readonly logsKeyArn: string;
  readonly logRetentionDays: number;
  /** Lambda runtime (failover.lambdaRuntime). */
  readonly runtime: string;
  /**
   * Roles that may also read the URL (iam.breakGlassRoleArns).
   * @default none: only the forwarder
   */
  readonly breakGlassRoleArns?: readonly string[];
  /**
   * ARN of the permissions boundary of the function's role (iam.permissionsBoundaryArn).
   * @default no permissions boundary
   */
  readonly permissionsBoundaryArn?: string;
  /**
   * "retain": the secret waits 30 days after a deletion; "destroy": it is deleted at once.
   * @default "retain"
   */
  readonly removal?: RemovalPolicy;
}

export class PagingForwarder extends Construct {
  readonly secret: SecretsmanagerSecret;
  readonly function: DrLambdaFunction;
  readonly deadLetters: SqsQueue;

  constructor(scope: Construct, id: string, props: PagingForwarderProps) {
    super(scope, id);
    const { provider, account, names, region } = props;
    const retain = (props.removal ?? "retain") === "retain";
    this.secret = new SecretsmanagerSecret(this, "secret", {
      provider,
      name: names.paging.secret,
      description: "Integration URL of the paging service (put by operators; read by the paging forwarder only)",
      kmsKeyId: props.secretsKeyArn,
      recoveryWindowInDays: retain ? 30 : 0,
      lifecycle: retain ? { preventDestroy: true } : undefined,
    });
    this.deadLetters = new SqsQueue(this, "dead-letters", {
      provider,
      name: names.paging.queue,
      kmsMasterKeyId: props.messagingKeyArn,
      kmsDataKeyReusePeriodSeconds: 300,
      messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
    });
    const key = (arn: string) => new KeyRef(arn, region);
    this.function = new DrLambdaFunction(this, "function", {
      provider,
      account,
      region,
      code: "paging-forwarder",
      codeSigning: props.codeSigning,
      functionName: names.paging.function,
      description: "Forwards the alert topic's messages to the paging service, whose URL it reads from Secrets Manager",
      runtime: props.runtime,
      memorySizeMb: 256,
      timeoutSeconds: 30,
      environment: FORWARDER_ENVIRONMENT.write({ environment: props.environment, secretId: this.secret.arn }),
      environmentKeyArn: props.secretsKeyArn,
      logGroupName: names.paging.logGroup,
      logsKeyArn: props.logsKeyArn,
      logRetentionDays: props.logRetentionDays,
      roleName: names.paging.role,
      permissionsBoundaryArn: props.permissionsBoundaryArn,
      statements: [
        { sid: "ReadPagingUrl", effect: "Allow", actions: ["secretsmanager:GetSecretValue"], resources: [this.secret.arn] },
        key(props.secretsKeyArn).viaServicesStatement({ sid: "DecryptPagingUrl", actions: ["kms:Decrypt"], services: ["secretsmanager"] }),
        { sid: "RecordFailedForwards", effect: "Allow", actions: ["sqs:SendMessage"], resources: [this.deadLetters.arn] },
        key(props.messagingKeyArn).viaServicesStatement({ sid: "EncryptFailedForwards", actions: ["kms:GenerateDataKey", "kms:Decrypt"], services: ["sqs"] }),
      ],
      // Outside the VPC on purpose (see above).
      vpc: undefined,
      reservedConcurrency: 2,
      asyncFailure: { onFailureQueueArn: this.deadLetters.arn, maximumRetryAttempts: 2, maximumEventAgeSeconds: 3600 },
    });
    const readers = [this.function.role.arn, ...(props.breakGlassRoleArns ?? [])];
    const secretPolicy = new DataAwsIamPolicyDocument(this, "secret-policy-document", {
      provider,
      statement: [
        {
          sid: "OnlyTheForwarderReadsTheUrl",
          effect: "Deny",
          principals: [{ type: "AWS", identifiers: ["*"] }],
          actions: ["secretsmanager:GetSecretValue"],
          resources: ["*"],
          condition: [{ test: "ArnNotLike", variable: "aws:PrincipalArn", values: readers }],
        },
      ],
    });
    new SecretsmanagerSecretPolicy(this, "secret-policy", { provider, secretArn: this.secret.arn, policy: secretPolicy.json });
    new LambdaPermission(this, "invoke-from-topic", {
      provider,
      statementId: "AlertTopic",
      action: "lambda:InvokeFunction",
      functionName: this.function.functionName,
      principal: "sns.amazonaws.com",
      sourceArn: props.topicArn,
    });
    new SnsTopicSubscription(this, "subscription", {
      provider,
      topicArn: props.topicArn,
      protocol: "lambda",
      endpoint: this.function.arn,
    });
    new CloudwatchMetricAlarm(this, "failed-alarm", {
      provider,
      alarmName: names.paging.alarm,
      alarmDescription: `A message of the alert topic could not be forwarded to the paging service from ${region} (see the ${names.paging.queue} queue and the ${names.paging.function} logs; is the URL in ${names.paging.secret}?)`,
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: this.deadLetters.name },
      statistic: "Maximum",
      period: 60,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [props.topicArn],
      okActions: [props.topicArn],
    });
  }
}
