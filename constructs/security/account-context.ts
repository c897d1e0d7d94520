/**
 * The account and partition a provider works in, read in-region by data
 * sources, and the ARNs of the catalog's names in that account, so ARNs can be
 * built from names without a cross-region state read.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { RegionArns, RegionCatalog } from "../../lib/catalog";

export interface AccountContextProps {
  /** Provider whose account and partition to read. */
  readonly provider: AwsProvider;
  /** The names the ARNs are built from: the catalog of the stack's home region. */
  readonly catalog: RegionCatalog;
}

export class AccountContext extends Construct {
  readonly accountId: string;
  readonly partition: string;
  /** ARNs of the catalog's names in this account and partition. */
  readonly arns: RegionArns;

  constructor(scope: Construct, id: string, props: AccountContextProps) {
    super(scope, id);
    const expected = props.catalog.accountId;
    this.accountId = new DataAwsCallerIdentity(this, "caller", {
      provider: props.provider,
      // The policies of this environment name its roles by ARN in the account configuration names (iam.deployRoleArns):
      // deploying with credentials of another account would write policies that admit no one who deploys there.
      lifecycle: expected
        ? {
            postcondition: [
              {
                condition: `\${self.account_id == "${expected}"}`,
                errorMessage:
                  `The configuration names account ${expected} (iam.deployRoleArns), but these credentials are for another ` +
                  `account: deploy with a role of account ${expected}, or fix iam.deployRoleArns.`,
              },
            ],
          }
        : undefined,
    }).accountId;
    this.partition = new DataAwsPartition(this, "partition", { provider: props.provider }).partition;
    this.arns = props.catalog.arns(this);
  }

  /** ARN of the account root, the only principal allowed kms:* in a key policy. */
  get rootArn(): string {
    return this.arns.root;
  }
}
