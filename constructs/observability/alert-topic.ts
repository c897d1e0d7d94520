/**
 * The alert topic of one region: encrypted with the region's messaging key
 * (whose policy lets CloudWatch, EventBridge and AWS Backup use it), with the
 * configured e-mail and HTTPS (paging) subscriptions, and a topic policy that
 * admits publishers by name: CloudWatch alarms, EventBridge rules and AWS
 * Backup of this account, and the project's own roles, over TLS only.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { AccountContext } from "../security/account-context";
import { TopicRef } from "../security/grants";

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
      new SnsTopicSubscription(this, `email-${i + 1}`, { provider, topicArn: this.topic.arn, protocol: "email", endpoint: email }),
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
