/**
 * The Aurora global cluster, owned by the founding region's data stack. Its
 * identifier is deterministic, so the other region's cluster joins it by name
 * without reading this stack's state.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ITerraformDependable } from "cdktf";
import { DataAwsRdsGlobalCluster } from "@cdktf/provider-aws/lib/data-aws-rds-global-cluster";
import { RdsGlobalCluster } from "@cdktf/provider-aws/lib/rds-global-cluster";
import { keepChildAddresses } from "../addressing";
import { RemovalPolicy } from "../../lib/removal";

export interface GlobalClusterProps {
  readonly provider: AwsProvider;
  readonly identifier: string;
  readonly engine: string;
  readonly engineVersion: string;
  /**
   * engine_lifecycle_support (database.engineLifecycleSupport). Stated only for Aurora PostgreSQL: CreateGlobalCluster's
   * EngineLifecycleSupport applies to PostgreSQL-based global databases only.
   * @default omitted (AWS's default: open-source-rds-extended-support, the paid one)
   */
  readonly engineLifecycleSupport?: string;
  /**
   * "retain": deletion protection and prevent_destroy.
   * @default "retain"
   */
  readonly removal?: RemovalPolicy;
}

export class GlobalCluster extends Construct {
  readonly globalCluster: RdsGlobalCluster;

  constructor(scope: Construct, id: string, props: GlobalClusterProps) {
    super(scope, id);
    const retain = (props.removal ?? "retain") === "retain";
    this.globalCluster = new RdsGlobalCluster(this, "global-cluster", {
      provider: props.provider,
      globalClusterIdentifier: props.identifier,
      engine: props.engine,
      engineVersion: props.engineVersion,
      engineLifecycleSupport: props.engine === "aurora-postgresql" ? props.engineLifecycleSupport : undefined,
      storageEncrypted: true,
      deletionProtection: retain,
      lifecycle: { preventDestroy: retain },
    });
  }

  /** The global writer endpoint: it follows the writer across regions. */
  get writerEndpoint(): string {
    return this.globalCluster.endpoint;
  }
}

export interface GlobalWriterEndpointProps {
  readonly provider: AwsProvider;
  /** Identifier of the global cluster (deterministic: the catalog's globalClusterId). */
  readonly identifier: string;
  /**
   * Resources to read after: the region's member cluster, so the lookup finds the cluster it joined.
   * @default none
   */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * The global writer endpoint as the joining region reads it: a data source
 * resolved in its own region by the global cluster's name, never a read of the
 * founding region's state. Keeps its child's address (the data source was
 * created directly by the data stack before this construct existed).
 */
export class GlobalWriterEndpoint extends Construct {
  readonly endpoint: string;

  constructor(scope: Construct, id: string, props: GlobalWriterEndpointProps) {
    super(scope, id);
    keepChildAddresses(this);
    this.endpoint = new DataAwsRdsGlobalCluster(this, "global-cluster", {
      provider: props.provider,
      identifier: props.identifier,
      dependsOn: props.dependsOn,
    }).endpoint;
  }
}
