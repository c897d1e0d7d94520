/**
 * Terraform state storage for one region: a KMS key, a versioned encrypted
 * bucket and (with DynamoDB locking) a lock table. Created by the bootstrap
 * stack in both regions, so each region's stacks keep their state at home.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { RegionCatalog } from "../../lib/catalog";
import { AccountContext } from "../security/account-context";
import { RegionalKey } from "../security/regional-key";
import { SecureBucket } from "./secure-bucket";

export interface StateStoreProps {
  readonly provider: AwsProvider;
  /** The catalog the account's ARNs are built with (any region's: the key policy names only the account). */
  readonly catalog: RegionCatalog;
  readonly bucketName: string;
  readonly keyAlias: string;
  /**
   * Name of the DynamoDB lock table; none is created when it is absent
   * (S3 native lock files only).
   * @default no lock table
   */
  readonly lockTableName?: string;
  readonly keyDeletionWindowDays: number;
  /** Days that non-current state versions are kept. */
  readonly stateVersionDays: number;
}

export class StateStore extends Construct {
  readonly key: RegionalKey;
  readonly bucket: SecureBucket;
  readonly lockTable?: DynamodbTable;

  constructor(scope: Construct, id: string, props: StateStoreProps) {
    super(scope, id);
    const account = new AccountContext(this, "account", { provider: props.provider, catalog: props.catalog });
    // State is the record of everything else: it is never destroyable, whatever the profile.
    this.key = new RegionalKey(this, "key", {
      provider: props.provider,
      account,
      region: props.provider.region ?? "",
      alias: props.keyAlias,
      description: `Encrypts Terraform state and its lock table (${props.bucketName})`,
      deletionWindowDays: props.keyDeletionWindowDays,
      removal: "retain",
    });
    this.bucket = new SecureBucket(this, "bucket", {
      provider: props.provider,
      bucketName: props.bucketName,
      kmsKeyArn: this.key.arn,
      noncurrentVersionExpirationDays: props.stateVersionDays,
      removal: "retain",
    });
    if (props.lockTableName) {
      this.lockTable = new DynamodbTable(this, "lock-table", {
        provider: props.provider,
        name: props.lockTableName,
        billingMode: "PAY_PER_REQUEST",
        hashKey: "LockID",
        attribute: [{ name: "LockID", type: "S" }],
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true, kmsKeyArn: this.key.arn },
        deletionProtectionEnabled: true,
        lifecycle: { preventDestroy: true },
      });
    }
  }
}
