/** A CloudWatch Logs group encrypted with the region's logs key and kept for the configured retention. */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";

export interface EncryptedLogGroupProps {
  readonly provider: AwsProvider;
  readonly logGroupName: string;
  /** ARN of the logs key of the group's region; its policy must let logs.<region>.amazonaws.com use it. */
  readonly kmsKeyArn: string;
  /** One of the retention periods CloudWatch Logs accepts. */
  readonly retentionDays: number;
  /**
   * Keep the group (and its records) when the stack is destroyed.
   * @default false
   */
  readonly preventDestroy?: boolean;
}

export class EncryptedLogGroup extends Construct {
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: EncryptedLogGroupProps) {
    super(scope, id);
    this.logGroup = new CloudwatchLogGroup(this, "group", {
      provider: props.provider,
      name: props.logGroupName,
      kmsKeyId: props.kmsKeyArn,
      retentionInDays: props.retentionDays,
      lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
    });
  }

  get arn(): string {
    return this.logGroup.arn;
  }
}
