/**
 * The dead-letter queue of the scheduled health monitor: an SQS queue
 * encrypted with the region's messaging key that keeps, for 14 days,
 *
 * - Lambda's on-failure records of monitor invocations that failed or
 *   expired (sent with the function's execution role, which is granted
 *   sqs:SendMessage on this queue only), and
 * - EventBridge's dead letters: schedule events it could not deliver to the
 *   function (sent by events.amazonaws.com, admitted by the queue policy for
 *   the one rule named here only).
 *
 * The queue policy also refuses every request that is not over TLS. The
 * messaging key's policy already lets EventBridge use the key (see
 * constructs/security/regional-keys.ts).
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";

/** How long a dead letter is kept: SQS's maximum, so a weekend is not enough to lose one. */
export const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;

export interface FailoverDeadLetterQueueProps {
  readonly provider: AwsProvider;
  readonly queueName: string;
  /** ARN of the region's messaging key. */
  readonly kmsKeyArn: string;
  /** ARN of the EventBridge rule whose undeliverable events land here. */
  readonly eventRuleArn: string;
  readonly accountId: string;
}

export class FailoverDeadLetterQueue extends Construct {
  readonly queue: SqsQueue;

  constructor(scope: Construct, id: string, props: FailoverDeadLetterQueueProps) {
    super(scope, id);
    const { provider } = props;
    this.queue = new SqsQueue(this, "queue", {
      provider,
      name: props.queueName,
      kmsMasterKeyId: props.kmsKeyArn,
      kmsDataKeyReusePeriodSeconds: 300,
      messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
    });
    const policy = new DataAwsIamPolicyDocument(this, "policy-document", {
      provider,
      statement: [
        {
          sid: "ScheduleRuleDeadLetters",
          effect: "Allow",
          principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }],
          actions: ["sqs:SendMessage"],
          resources: [this.queue.arn],
          condition: [
            { test: "ArnEquals", variable: "aws:SourceArn", values: [props.eventRuleArn] },
            { test: "StringEquals", variable: "aws:SourceAccount", values: [props.accountId] },
          ],
        },
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          principals: [{ type: "*", identifiers: ["*"] }],
          actions: ["sqs:*"],
          resources: [this.queue.arn],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
      ],
    });
    new SqsQueuePolicy(this, "policy", { provider, queueUrl: this.queue.url, policy: policy.json });
  }

  get arn(): string {
    return this.queue.arn;
  }
}
