/**
 * Code signing of a region's Lambda functions: only code AWS Signer signed with
 * this region's profile can be deployed to them.
 *
 * - an AWS Signer profile (platform AWSLambda-SHA384-ECDSA). Its name is a
 *   prefix plus a unique part, because Signer never lets a cancelled profile's
 *   name be used again: a fixed name would make destroy-and-recreate fail;
 * - a Lambda code signing configuration that allows that profile's version
 *   only and refuses (Enforce) a deployment whose signature is missing, does
 *   not match, has expired or was revoked;
 * - a versioned artifact bucket (Signer reads a given version of the source
 *   object and must find source and destination in the profile's own region),
 *   encrypted with the region's data key, like the container images.
 *
 * `sign()` uploads one bundle under unsigned/<bundle>/<sha256>.zip (a new key per
 * content, so a new version and a new signing job exactly when the code changes)
 * and signs it into signed/<bundle>/; the function deploys the signed object.
 * Terraform's deploy role does the upload and starts the job, so the signature
 * records who signed (Signer's job history, CloudTrail).
 */
import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LambdaCodeSigningConfig } from "@cdktf/provider-aws/lib/lambda-code-signing-config";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { SignerSigningJob } from "@cdktf/provider-aws/lib/signer-signing-job";
import { SignerSigningProfile } from "@cdktf/provider-aws/lib/signer-signing-profile";
import { RemovalPolicy } from "../../lib/removal";
import { SecureBucket } from "../data/secure-bucket";

/** The one signing platform Lambda accepts. */
export const LAMBDA_SIGNING_PLATFORM = "AWSLambda-SHA384-ECDSA";
/** Lambda's policy for a deployment whose signature fails validation: refuse it (the other value, Warn, only logs). */
export const UNTRUSTED_ARTIFACT_POLICY = "Enforce";
export const UNSIGNED_PREFIX = "unsigned";
export const SIGNED_PREFIX = "signed";

export interface LambdaCodeSigningProps {
  readonly provider: AwsProvider;
  /** The artifact bucket (catalog lambdaArtifactBucket). */
  readonly bucketName: string;
  /** Name prefix of the signing profile (catalog signingProfilePrefix; letters, digits and '_'). */
  readonly profileNamePrefix: string;
  /** ARN of the region's data key, which encrypts the bundles at rest. */
  readonly kmsKeyArn: string;
  /** Days an overwritten or deleted bundle version is kept. */
  readonly noncurrentVersionExpirationDays: number;
  /**
   * Whether destroy may delete the bucket with its objects.
   * @default "retain"
   */
  readonly removal?: RemovalPolicy;
}

/** A bundle as the function deploys it: the signed object. */
export interface SignedCode {
  readonly s3Bucket: string;
  readonly s3Key: string;
  readonly codeSigningConfigArn: string;
  /** The unsigned upload, whose `source` is the bundle's zip in the synthesized output. */
  readonly upload: S3Object;
  readonly job: SignerSigningJob;
}

/** What to sign: the zip file of a bundle in the synthesized output. */
export interface BundleToSign {
  /** Bundle name (lambda/<name>/index.ts). */
  readonly name: string;
  /** Path of the zip relative to the stack's directory (TerraformAsset path). */
  readonly path: string;
  /** Hex SHA-256 of the zip. */
  readonly sha256Hex: string;
}

export class LambdaCodeSigning extends Construct {
  readonly profile: SignerSigningProfile;
  readonly config: LambdaCodeSigningConfig;
  readonly artifacts: SecureBucket;
  /** The bucket's name as configured: other stacks of the region name it rather than import it (stack order creates it first). */
  readonly bucketName: string;
  private readonly kmsKeyArn: string;

  constructor(scope: Construct, id: string, props: LambdaCodeSigningProps) {
    super(scope, id);
    const { provider } = props;
    this.kmsKeyArn = props.kmsKeyArn;
    this.bucketName = props.bucketName;
    this.artifacts = new SecureBucket(this, "artifacts", {
      provider,
      bucketName: props.bucketName,
      kmsKeyArn: props.kmsKeyArn,
      noncurrentVersionExpirationDays: props.noncurrentVersionExpirationDays,
      removal: props.removal,
    });
    this.profile = new SignerSigningProfile(this, "profile", {
      provider,
      namePrefix: props.profileNamePrefix,
      platformId: LAMBDA_SIGNING_PLATFORM,
    });
    this.config = new LambdaCodeSigningConfig(this, "config", {
      provider,
      description: `Only code signed by ${props.profileNamePrefix}* of this region`,
      allowedPublishers: { signingProfileVersionArns: [this.profile.versionArn] },
      policies: { untrustedArtifactOnDeployment: UNTRUSTED_ARTIFACT_POLICY },
    });
  }

  /**
   * Uploads a bundle and signs it, in `scope` (the function's construct, in any stack of the same region: Signer
   * signs within one region only).
   */
  sign(scope: Construct, provider: AwsProvider, bundle: BundleToSign): SignedCode {
    const upload = new S3Object(scope, "unsigned-code", {
      provider,
      bucket: this.bucketName,
      key: `${UNSIGNED_PREFIX}/${bundle.name}/${bundle.sha256Hex}.zip`,
      source: bundle.path,
      sourceHash: bundle.sha256Hex,
      serverSideEncryption: "aws:kms",
      kmsKeyId: this.kmsKeyArn,
      bucketKeyEnabled: true,
      // Signer reads a version of the object: versioning must be on before the first upload (a stack deployed after
      // this one's has it already).
      dependsOn: TerraformStack.of(scope) === TerraformStack.of(this) ? [this.artifacts.versioning] : undefined,
    });
    const job = new SignerSigningJob(scope, "signing-job", {
      provider,
      profileName: this.profile.name,
      source: { s3: { bucket: upload.bucket, key: upload.key, version: upload.versionId } },
      destination: { s3: { bucket: this.bucketName, prefix: `${SIGNED_PREFIX}/${bundle.name}/` } },
      // Wait for the signature; a failed job fails the apply rather than deploying nothing.
      ignoreSigningJobFailure: false,
    });
    return {
      s3Bucket: job.signedObject.get(0).s3.get(0).bucket,
      s3Key: job.signedObject.get(0).s3.get(0).key,
      codeSigningConfigArn: this.config.arn,
      upload,
      job,
    };
  }
}
