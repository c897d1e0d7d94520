/**
 * Terraform ephemeral resources (Terraform 1.10+), which the prebuilt
 * provider bindings do not cover. Their values exist only during a plan or
 * apply: never in cdktf.out, never in state.
 */
import { Construct } from "constructs";
import { TerraformElement, TerraformStack, Token, ref } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";

export interface EphemeralRandomPasswordProps {
  readonly provider: AwsProvider;
  /** @default 40 */
  readonly passwordLength?: number;
  /**
   * Leave out punctuation, which database drivers and connection strings mishandle.
   * @default true
   */
  readonly excludePunctuation?: boolean;
}

/** A password from Secrets Manager's GetRandomPassword, generated at apply time. */
export class EphemeralRandomPassword extends TerraformElement {
  constructor(
    scope: Construct,
    id: string,
    private readonly props: EphemeralRandomPasswordProps,
  ) {
    super(scope, id, "ephemeral");
  }

  /** Expression for the generated password, for write-only arguments only. */
  get password(): string {
    return Token.asString(
      ref(`ephemeral.aws_secretsmanager_random_password.${this.friendlyUniqueId}.random_password`, TerraformStack.of(this)),
    );
  }

  toTerraform(): any {
    const provider = this.props.provider.alias ? `aws.${this.props.provider.alias}` : undefined;
    return {
      ephemeral: {
        aws_secretsmanager_random_password: {
          [this.friendlyUniqueId]: {
            password_length: this.props.passwordLength ?? 40,
            exclude_punctuation: this.props.excludePunctuation ?? true,
            require_each_included_type: true,
            ...(provider ? { provider } : {}),
          },
        },
      },
    };
  }
}
