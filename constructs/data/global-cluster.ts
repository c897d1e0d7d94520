/**
 * The Aurora global cluster, owned by the founding region's data stack. Its
 * identifier is deterministic, so the other region's cluster joins it by name
 * without reading this stack's state.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { RdsGlobalCluster } from "@cdktf/provider-aws/lib/rds-global-cluster";

export interface GlobalClusterProps {
  readonly provider: AwsProvider;
  readonly identifier: string;
  readonly engine: string;
  readonly engineVersion: string;
  /**
   * Deletion protection and prevent_destroy (protected profile).
   * @default false
   */
  readonly protect?: boolean;
}

export class GlobalCluster extends Construct {
  readonly globalCluster: RdsGlobalCluster;

  constructor(scope: Construct, id: string, props: GlobalClusterProps) {
    super(scope, id);
    this.globalCluster = new RdsGlobalCluster(this, "global-cluster", {
      provider: props.provider,
      globalClusterIdentifier: props.identifier,
      engine: props.engine,
      engineVersion: props.engineVersion,
      storageEncrypted: true,
      deletionProtection: props.protect ?? false,
      lifecycle: { preventDestroy: props.protect ?? false },
    });
  }

  /** The global writer endpoint: it follows the writer across regions. */
  get writerEndpoint(): string {
    return this.globalCluster.endpoint;
  }
}
