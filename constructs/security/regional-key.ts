/**
 * A customer-managed KMS key of one region, with rotation and an alias that
 * carries the suffix. Its policy gives kms:* to the account root only (which
 * delegates to IAM) plus the service statements the caller adds.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import {
  DataAwsIamPolicyDocument,
  DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { RemovalPolicy } from "../../lib/removal";
import { AccountContext } from "./account-context";
import { KeyRef } from "./grants";

export interface RegionalKeyProps {
  readonly provider: AwsProvider;
  readonly account: AccountContext;
  /** Alias name, including the "alias/" prefix. */
  readonly alias: string;
  readonly description: string;
  /** Days before a scheduled deletion takes effect (7 to 30). */
  readonly deletionWindowDays: number;
  /** The key's region: grants bind use of the key to that region's services. */
  readonly region: string;
  /**
   * Statements for the service principals that use the key, with the
   * conditions AWS documents for them.
   * @default none: only IAM policies of the account grant use
   */
  readonly serviceStatements?: DataAwsIamPolicyDocumentStatement[];
  /**
   * "retain" refuses to destroy the key (prevent_destroy): data encrypted with a deleted key is lost.
   * @default "retain"
   */
  readonly removal?: RemovalPolicy;
}

export class RegionalKey extends Construct {
  readonly key: KmsKey;
  readonly alias: KmsAlias;
  private readonly region: string;

  constructor(scope: Construct, id: string, props: RegionalKeyProps) {
    super(scope, id);
    this.region = props.region;
    const policy = new DataAwsIamPolicyDocument(this, "policy", {
      provider: props.provider,
      statement: [
        {
          sid: "AccountRootAdministersKeyThroughIam",
          effect: "Allow",
          principals: [{ type: "AWS", identifiers: [props.account.rootArn] }],
          actions: ["kms:*"],
          resources: ["*"],
        },
        ...(props.serviceStatements ?? []),
      ],
    });
    this.key = new KmsKey(this, "key", {
      provider: props.provider,
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowDays,
      policy: policy.json,
      lifecycle: (props.removal ?? "retain") === "retain" ? { preventDestroy: true } : undefined,
    });
    this.alias = new KmsAlias(this, "alias", {
      provider: props.provider,
      name: props.alias,
      targetKeyId: this.key.keyId,
    });
  }

  get arn(): string {
    return this.key.arn;
  }

  /** The key for grants (`key.ref.grantViaServices(role, ...)`). */
  get ref(): KeyRef {
    return new KeyRef(this.key.arn, this.region);
  }
}
