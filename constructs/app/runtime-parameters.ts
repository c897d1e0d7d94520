/**
 * The application's configuration as SSM parameters of one region, so each
 * region's workloads read only their own region: the roles, names and flags
 * they need. Every parameter is a SecureString encrypted with the region's
 * secrets key, sensitive or not: one rule instead of a judgement per value, and
 * a parameter that later becomes sensitive is already protected. Readers need
 * kms:Decrypt on that key through SSM (ECS `secrets` and GetParameter with
 * WithDecryption both decrypt).
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { RegionCatalog } from "../../lib/catalog";

export interface RuntimeParameter {
  readonly value: string;
  readonly description: string;
}

export interface RuntimeParametersProps {
  readonly provider: AwsProvider;
  /** Full parameter names under /<project>/<suffix>/. */
  readonly names: Pick<RegionCatalog, "parameter">;
  /** ARN of the region's secrets key, which encrypts every parameter. */
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
          name: props.names.parameter(name),
          description: parameter.description,
          type: "SecureString",
          keyId: props.secretsKeyArn,
          value: parameter.value,
          tier: "Standard",
        }),
      );
    }
    this.parameters = created;
  }
}
