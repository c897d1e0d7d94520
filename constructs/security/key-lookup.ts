/**
 * The region's customer-managed keys, found by alias through the region's own
 * provider. Stacks other than the base stack use this instead of a reference
 * to the key object, so they depend on the key existing, not on another
 * stack's state.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsKmsAlias } from "@cdktf/provider-aws/lib/data-aws-kms-alias";
import { KeyPurpose } from "../../lib/catalog";

export interface KeyLookupProps {
  readonly provider: AwsProvider;
  /** Alias of each key, by purpose (the catalog's keyAliases of the provider's region). */
  readonly aliases: Readonly<Record<KeyPurpose, string>>;
}

export class KeyLookup extends Construct {
  private readonly found = new Map<KeyPurpose, DataAwsKmsAlias>();

  constructor(
    scope: Construct,
    id: string,
    private readonly props: KeyLookupProps,
  ) {
    super(scope, id);
  }

  /** ARN of the key behind alias/<project>-<purpose>-<suffix> in this provider's region; looked up on first use. */
  arn(purpose: KeyPurpose): string {
    let alias = this.found.get(purpose);
    if (!alias) {
      alias = new DataAwsKmsAlias(this, purpose, { provider: this.props.provider, name: this.props.aliases[purpose] });
      this.found.set(purpose, alias);
    }
    return alias.targetKeyArn;
  }
}
