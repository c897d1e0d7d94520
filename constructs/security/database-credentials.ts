/**
 * The database master credentials. The password is generated at apply time by
 * an ephemeral resource and written only to write-only arguments: the secret
 * here, and the cluster's master_password_wo (same apply, same value). It never
 * appears in cdktf.out or in Terraform state. The secret is encrypted with the
 * region's secrets key and replicated to the DR region with that region's key;
 * the replica is read-only until it is promoted.
 *
 * Rotation: raise database.masterPasswordVersion and deploy the data stack of
 * the primary region; the secret and the cluster receive the new value together.
 *
 * Break-glass only: no application reads it (the tasks connect as their own user
 * with IAM database authentication, database-user.ts). The secret's resource
 * policy denies secretsmanager:GetSecretValue to every principal whose ARN is not
 * one of `readers` (aws:PrincipalArn, StringNotLike), whatever its identity
 * policies allow; Secrets Manager replicates the policy to the replica.
 */
import { Construct } from "constructs";
import { Fn } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { SecretsmanagerSecretPolicy } from "@cdktf/provider-aws/lib/secretsmanager-secret-policy";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { AwsRegion } from "../../lib/aws-regions";
import { RemovalPolicy } from "../../lib/removal";
import { EphemeralRandomPassword } from "./ephemeral";
import { SecretRef } from "./grants";

export interface DatabaseCredentialsProps {
  readonly provider: AwsProvider;
  readonly secretName: string;
  /** ARN of the secrets key of the secret's own region. */
  readonly kmsKeyArn: string;
  /** Region of the read-only replica, and its key (an alias or ARN valid in that region). */
  readonly replicaRegion: AwsRegion;
  readonly replicaKmsKeyId: string;
  readonly engine: string;
  readonly username: string;
  readonly databaseName: string;
  readonly port: number;
  /** Raise to rotate: write-only values are sent only when their version changes. */
  readonly passwordVersion: number;
  /**
   * aws:PrincipalArn patterns that may read the secret (break-glass roles, and the role that applies this stack: Terraform
   * reads the version back). Everyone else is denied GetSecretValue by the secret's resource policy.
   */
  readonly readers: readonly string[];
  /**
   * "destroy" deletes the secret at once on destroy (no 30-day recovery window); "retain" refuses to destroy it.
   * @default "retain"
   */
  readonly removal?: RemovalPolicy;
}

export class DatabaseCredentials extends Construct {
  readonly secret: SecretsmanagerSecret;
  /** Expression for the generated password: only for write-only arguments of this stack. */
  readonly password: string;
  readonly passwordVersion: number;

  constructor(scope: Construct, id: string, props: DatabaseCredentialsProps) {
    super(scope, id);
    const destroyable = (props.removal ?? "retain") === "destroy";
    const generated = new EphemeralRandomPassword(this, "password", { provider: props.provider });
    this.password = generated.password;
    this.passwordVersion = props.passwordVersion;
    this.secret = new SecretsmanagerSecret(this, "secret", {
      provider: props.provider,
      name: props.secretName,
      description: "Aurora global database master credentials (generated at apply time; never in Terraform state)",
      kmsKeyId: props.kmsKeyArn,
      recoveryWindowInDays: destroyable ? 0 : 30,
      replica: [{ region: props.replicaRegion, kmsKeyId: props.replicaKmsKeyId }],
      lifecycle: destroyable ? undefined : { preventDestroy: true },
    });
    const policy = new DataAwsIamPolicyDocument(this, "policy-document", {
      provider: props.provider,
      statement: [
        {
          sid: "BreakGlassOnly",
          effect: "Deny",
          principals: [{ type: "*", identifiers: ["*"] }],
          actions: ["secretsmanager:GetSecretValue"],
          resources: ["*"],
          condition: [{ test: "StringNotLike", variable: "aws:PrincipalArn", values: [...props.readers] }],
        },
      ],
    });
    new SecretsmanagerSecretPolicy(this, "policy", {
      provider: props.provider,
      secretArn: this.secret.arn,
      policy: policy.json,
      blockPublicPolicy: true,
    });
    new SecretsmanagerSecretVersion(this, "value", {
      provider: props.provider,
      secretId: this.secret.id,
      secretStringWo: Fn.jsonencode({
        engine: props.engine,
        username: props.username,
        password: this.password,
        dbname: props.databaseName,
        port: props.port,
      }),
      secretStringWoVersion: props.passwordVersion,
    });
  }

  /** The secret for grants (`credentials.ref.grantRead(role, sid)`); other stacks use the catalog's ARN pattern. */
  get ref(): SecretRef {
    return new SecretRef(this.secret.arn);
  }
}
