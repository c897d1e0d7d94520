/**
 * A Secrets Manager secret found by name in the provider's own region, for the stacks that use a secret
 * another stack creates. In the DR region that is the replica of the founding region's secret: same name,
 * same six-character suffix AWS appends, its own region's key. What it gives is the secret's full ARN, which
 * is what an ECS task definition must name (`secrets[].valueFrom`: a bare name is read as an SSM parameter;
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html) and what
 * an IAM statement can grant exactly, instead of the `name-??????` pattern.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsSecretsmanagerSecret } from "@cdktf/provider-aws/lib/data-aws-secretsmanager-secret";
import { SecretRef } from "./grants";

export interface SecretLookupProps {
  /** Provider of the region whose secret (or replica) to find. */
  readonly provider: AwsProvider;
  readonly secretName: string;
}

export class SecretLookup extends Construct {
  /** The secret's full ARN (with the suffix Secrets Manager appended). */
  readonly arn: string;

  constructor(scope: Construct, id: string, props: SecretLookupProps) {
    super(scope, id);
    this.arn = new DataAwsSecretsmanagerSecret(this, "secret", { provider: props.provider, name: props.secretName }).arn;
  }

  /** The secret for grants, by its exact ARN. */
  get ref(): SecretRef {
    return new SecretRef(this.arn);
  }
}
