/**
 * The region's ECR repository for the service image (immutable tags, scan on
 * push, the region's data key, old untagged images expire), and optionally the
 * registry's replication to the other region, so an image pushed to either
 * region is in both and survives the loss of one.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrReplicationConfiguration } from "@cdktf/provider-aws/lib/ecr-replication-configuration";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { AwsRegion } from "../../lib/aws-regions";
import { RemovalPolicy } from "../../lib/removal";

export interface ContainerRegistryProps {
  readonly provider: AwsProvider;
  readonly repositoryName: string;
  /** ARN of the region's data key. */
  readonly kmsKeyArn: string;
  /**
   * The other region (and this account), replicated to by the registry's replication configuration.
   * @default no replication
   */
  readonly replicateTo?: { readonly region: AwsRegion; readonly accountId: string };
  /**
   * "retain" refuses to destroy the repository; "destroy" deletes it with its images.
   * @default "retain"
   */
  readonly removal?: RemovalPolicy;
}

export class ContainerRegistry extends Construct {
  readonly repository: EcrRepository;

  constructor(scope: Construct, id: string, props: ContainerRegistryProps) {
    super(scope, id);
    this.repository = new EcrRepository(this, "repository", {
      provider: props.provider,
      name: props.repositoryName,
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: "KMS", kmsKey: props.kmsKeyArn }],
      forceDelete: (props.removal ?? "retain") === "destroy",
      lifecycle: { preventDestroy: (props.removal ?? "retain") === "retain" },
    });
    new EcrLifecyclePolicy(this, "lifecycle", {
      provider: props.provider,
      repository: this.repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: "Expire untagged images after 14 days",
            selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 14 },
            action: { type: "expire" },
          },
        ],
      }),
    });
    if (props.replicateTo) {
      new EcrReplicationConfiguration(this, "replication", {
        provider: props.provider,
        replicationConfiguration: {
          rule: [
            {
              destination: [{ region: props.replicateTo.region, registryId: props.replicateTo.accountId }],
              repositoryFilter: [{ filter: props.repositoryName, filterType: "PREFIX_MATCH" }],
            },
          ],
        },
      });
    }
  }

  /** Image URI of a digest ("sha256:<64 hex>") in this repository: the exact image, whatever tags point where. */
  imageUriByDigest(digest: string): string {
    return `${this.repository.repositoryUrl}@${digest}`;
  }

  /** Image URI of a tag in this repository. */
  imageUri(tag: string): string {
    return `${this.repository.repositoryUrl}:${tag}`;
  }
}
