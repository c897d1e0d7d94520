/**
 * The application's configuration as SSM parameters of one region, so each
 * region's workloads read only their own region: the roles, names and flags
 * they need. SecureString with the region's secrets key where a value is sensitive.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { Naming } from "../lib/naming";

export interface RuntimeParameter {
  readonly value: string;
  readonly description: string;
  /**
   * Store as SecureString with the secrets key.
   * @default false
   */
  readonly sensitive?: boolean;
}

export interface RuntimeParametersProps {
  readonly provider: AwsProvider;
  readonly naming: Naming;
  /** ARN of the region's secrets key, for SecureString parameters. */
  readonly secretsKeyArn: string;
  /** Parameters by name under /<project>/<suffix>/. */
  readonly parameters: Record<string, RuntimeParameter>;
}

export class RuntimeParameters extends Construct {
  readonly parameters: ReadonlyMap<string, SsmParameter>;

  constructor(scope: Construct, id: string, props: RuntimeParametersProps) {
    super(scope, id);
    const created = new Map<string, SsmParameter>();
    for (const [name, parameter] of Object.entries(props.parameters).sort(([a], [b]) => a.localeCompare(b))) {
      created.set(
        name,
        new SsmParameter(this, name.replace(/\//g, "-"), {
          provider: props.provider,
          name: props.naming.parameter(name),
          description: parameter.description,
          type: parameter.sensitive ? "SecureString" : "String",
          keyId: parameter.sensitive ? props.secretsKeyArn : undefined,
          value: parameter.value,
          tier: "Standard",
        }),
      );
    }
    this.parameters = created;
  }
}
