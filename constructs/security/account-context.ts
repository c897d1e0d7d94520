/**
 * The account and partition a provider works in, read in-region by data
 * sources, so ARNs can be built from names without a cross-region state read.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";

export interface AccountContextProps {
  /** Provider whose account and partition to read. */
  readonly provider: AwsProvider;
}

export class AccountContext extends Construct {
  readonly accountId: string;
  readonly partition: string;

  constructor(scope: Construct, id: string, props: AccountContextProps) {
    super(scope, id);
    this.accountId = new DataAwsCallerIdentity(this, "caller", { provider: props.provider }).accountId;
    this.partition = new DataAwsPartition(this, "partition", { provider: props.provider }).partition;
  }

  /** ARN of the account root, the only principal allowed kms:* in a key policy. */
  get rootArn(): string {
    return `arn:${this.partition}:iam::${this.accountId}:root`;
  }
}
