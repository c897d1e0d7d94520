/**
 * The alert topic of one region: encrypted with the region's messaging key
 * (whose policy lets CloudWatch, EventBridge and AWS Backup use it), with the
 * configured e-mail and HTTPS (paging) subscriptions, and a topic policy that
 * admits publishers by name: CloudWatch alarms, EventBridge rules and AWS
 * Backup of this account, and the project's own roles, over TLS only.
 *
 * No e-mail subscription receives an approval request: those messages carry a
 * Step Functions task token, and whoever holds the token can approve a
 * data-losing failover or a replay. Each e-mail subscription's filter policy
 * (on the message body) drops every message that has a `taskToken` property;
 * approval requests reach the paging service (alerts.pagingForwarder) only.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { AccountContext } from "../security/account-context";
import { TopicRef } from "../security/grants";

/**
 * The e-mail subscriptions' filter policy, on the message body: only messages without a task token. A body that is not
 * a JSON object matches no filter policy, so plain-text messages are not e-mailed either; every publisher of this
 * project (CloudWatch alarms, EventBridge rules, the Lambda functions) sends JSON.
 */
export const NO_TASK_TOKEN_FILTER = { taskToken: [{ exists: false }] } as const;

export interface AlertTopicProps {
  readonly provider: AwsProvider;
  readonly account: AccountContext;
  readonly topicName: string;
  /** ARN of the region's messaging key. */
  readonly kmsKeyArn: string;
  readonly emails: readonly string[];
  readonly httpsEndpoints: readonly string[];
}

export class AlertTopic extends Construct {
  readonly topic: SnsTopic;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    const { provider, account } = props;
    this.topic = new SnsTopic(this, "topic", { provider, name: props.topicName, kmsMasterKeyId: props.kmsKeyArn });
    const fromThisAccount = { test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] };
    const policy = new DataAwsIamPolicyDocument(this, "policy-document", {
      provider,
      statement: [
        {
          sid: "AwsServicesOfThisAccountPublish",
          effect: "Allow",
          principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com", "events.amazonaws.com", "backup.amazonaws.com"] }],
          actions: ["sns:Publish"],
          resources: [this.topic.arn],
          condition: [fromThisAccount],
        },
        {
          sid: "ProjectRolesPublish",
          effect: "Allow",
          principals: [{ type: "AWS", identifiers: [account.rootArn] }],
          actions: ["sns:Publish"],
          resources: [this.topic.arn],
          condition: [
            {
              test: "ArnLike",
              variable: "aws:PrincipalArn",
              values: [account.arns.projectRoles],
            },
          ],
        },
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          principals: [{ type: "*", identifiers: ["*"] }],
          actions: ["sns:Publish"],
          resources: [this.topic.arn],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
      ],
    });
    new SnsTopicPolicy(this, "policy", { provider, arn: this.topic.arn, policy: policy.json });
    props.emails.forEach((email, i) =>
      new SnsTopicSubscription(this, `email-${i + 1}`, {
        provider,
        topicArn: this.topic.arn,
        protocol: "email",
        endpoint: email,
        filterPolicyScope: "MessageBody",
        filterPolicy: JSON.stringify(NO_TASK_TOKEN_FILTER),
      }),
    );
    props.httpsEndpoints.forEach((url, i) =>
      new SnsTopicSubscription(this, `https-${i + 1}`, { provider, topicArn: this.topic.arn, protocol: "https", endpoint: url }),
    );
  }

  get arn(): string {
    return this.topic.arn;
  }

  /** The topic for grants (`alerts.ref.grantPublish(role, sid)`). */
  get ref(): TopicRef {
    return new TopicRef(this.topic.arn);
  }
}
