/**
 * Facts one stack publishes into a region for another stack of that region: SSM parameters (SecureString,
 * the region's secrets key, like every parameter of the project) written when the producing stack applies,
 * and read by name, in-region, by the consuming stack. This is how the DR region's stacks learn what they
 * need of the primary region (the peering connection, the primary's data key) and of Route 53 (the hosted
 * zone's id) without a provider, data source or remote-state read pointing there: they plan and apply with
 * the primary region gone (docs/outage-operations.md; __tests__/outage.test.ts).
 */
import { Construct } from "constructs";
import { Fn } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";

export interface PublishedFact {
  /** The value (an id or ARN, never a secret). */
  readonly value: string;
  readonly description: string;
}

export interface PublishedFactsProps {
  /** Provider of the region the facts are published into. */
  readonly provider: AwsProvider;
  /** ARN of that region's secrets key, which encrypts every parameter. */
  readonly secretsKeyArn: string;
  /** Facts by full parameter name (the catalog's `published`). */
  readonly facts: Readonly<Record<string, PublishedFact>>;
}

export class PublishedFacts extends Construct {
  readonly parameters: SsmParameter[] = [];

  constructor(scope: Construct, id: string, props: PublishedFactsProps) {
    super(scope, id);
    for (const [name, fact] of Object.entries(props.facts).sort(([a], [b]) => a.localeCompare(b))) {
      this.parameters.push(
        new SsmParameter(this, name.split("/").pop()!, {
          provider: props.provider,
          name,
          description: fact.description,
          type: "SecureString",
          keyId: props.secretsKeyArn,
          value: fact.value,
          tier: "Standard",
        }),
      );
    }
  }
}

export interface PublishedFactLookupProps {
  /** Provider of the region the fact was published into (the reader's own region). */
  readonly provider: AwsProvider;
  /** Full parameter name (the catalog's `published`). */
  readonly parameterName: string;
}

/** A published fact, read in-region at plan time. */
export class PublishedFactLookup extends Construct {
  /**
   * The value. A SecureString's value is sensitive to Terraform; these hold ids and ARNs, so the plan shows them
   * (nonsensitive) instead of hiding every argument built from them.
   */
  readonly value: string;

  constructor(scope: Construct, id: string, props: PublishedFactLookupProps) {
    super(scope, id);
    const parameter = new DataAwsSsmParameter(this, "parameter", { provider: props.provider, name: props.parameterName, withDecryption: true });
    this.value = Fn.nonsensitive(parameter.value);
  }
}
