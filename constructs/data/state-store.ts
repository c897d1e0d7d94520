/**
 * Terraform state storage for one region: a KMS key, a versioned encrypted
 * bucket and (with DynamoDB locking) a lock table. Created by the bootstrap
 * stack in both regions, so each region's stacks keep their state at home.
 *
 * State holds every attribute Terraform knows, sensitive ones included, and
 * whoever can write it can make the next apply do anything the deploy role can:
 * only the named deploy roles (iam.deployRoleArns) and break-glass roles
 * (iam.breakGlassRoleArns) may read or write it. The bucket policy and the lock
 * table's resource policy deny everyone else by aws:PrincipalArn, the key
 * policy names the same roles as the key's only users, and its administrators
 * are the configured key administrators. The way back when every named role is
 * lost is the account's root user, whom S3 and DynamoDB always allow to delete
 * a bucket or table policy, and whom the key policy keeps as its administrator
 * of last resort (docs/security.md, "Terraform state").
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { DynamodbResourcePolicy } from "@cdktf/provider-aws/lib/dynamodb-resource-policy";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { RegionCatalog } from "../../lib/catalog";
import { keyPolicyUsers } from "../../lib/key-users";
import { AccountContext } from "../security/account-context";
import { RegionalKey } from "../security/regional-key";
import { SecureBucket } from "./secure-bucket";

/** What the state bucket policy denies to everyone but the deploy and break-glass roles: its content, and the settings that protect it. */
export const STATE_BUCKET_GUARDED_ACTIONS = [
  "s3:GetObject*",
  "s3:PutObject*",
  "s3:DeleteObject*",
  "s3:RestoreObject",
  "s3:ListBucket*",
  "s3:PutBucketPolicy",
  "s3:DeleteBucketPolicy",
  "s3:PutBucketVersioning",
  "s3:PutLifecycleConfiguration",
  "s3:PutEncryptionConfiguration",
  "s3:PutBucketPublicAccessBlock",
  "s3:PutBucketOwnershipControls",
  "s3:PutBucketLogging",
  "s3:PutReplicationConfiguration",
  "s3:DeleteBucket",
];

/** What the lock table's resource policy denies to everyone but the deploy and break-glass roles. */
export const LOCK_TABLE_GUARDED_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchGetItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:Query",
  "dynamodb:Scan",
  "dynamodb:ConditionCheckItem",
  "dynamodb:PartiQLSelect",
  "dynamodb:PartiQLInsert",
  "dynamodb:PartiQLUpdate",
  "dynamodb:PartiQLDelete",
  "dynamodb:UpdateTable",
  "dynamodb:DeleteTable",
  "dynamodb:PutResourcePolicy",
  "dynamodb:DeleteResourcePolicy",
];

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
  /** The roles Terraform runs as (iam.deployRoleArns): the only ones, with break glass, that read or write state. */
  readonly deployRoleArns: readonly string[];
  /**
   * Emergency roles that keep access to state (iam.breakGlassRoleArns).
   * @default none
   */
  readonly breakGlassRoleArns?: readonly string[];
  /**
   * Administrators of the state key (kms.administratorRoleArns).
   * @default the deploy and break-glass roles
   */
  readonly keyAdministratorArns?: readonly string[];
}

export class StateStore extends Construct {
  readonly key: RegionalKey;
  readonly bucket: SecureBucket;
  readonly lockTable?: DynamodbTable;
  readonly lockTablePolicy?: DynamodbResourcePolicy;

  constructor(scope: Construct, id: string, props: StateStoreProps) {
    super(scope, id);
    const account = new AccountContext(this, "account", { provider: props.provider, catalog: props.catalog });
    const breakGlass = props.breakGlassRoleArns ?? [];
    const allowed = [...props.deployRoleArns, ...breakGlass];
    const everyoneElse = [{ test: "ArnNotLike", variable: "aws:PrincipalArn", values: allowed }];
    const anyone = [{ type: "*", identifiers: ["*"] }];
    // State is the record of everything else: it is never destroyable, whatever the profile.
    this.key = new RegionalKey(this, "key", {
      provider: props.provider,
      account,
      region: props.provider.region ?? "",
      alias: props.keyAlias,
      description: `Encrypts Terraform state and its lock table (${props.bucketName})`,
      deletionWindowDays: props.keyDeletionWindowDays,
      administratorArns: props.keyAdministratorArns ?? allowed,
      users: keyPolicyUsers("tfstate", account.arns, { deployRoleArns: props.deployRoleArns, breakGlassRoleArns: breakGlass, operatorRoleArns: [] }),
      removal: "retain",
    });
    const bucketArn = account.arns.bucket(props.bucketName);
    this.bucket = new SecureBucket(this, "bucket", {
      provider: props.provider,
      bucketName: props.bucketName,
      kmsKeyArn: this.key.arn,
      noncurrentVersionExpirationDays: props.stateVersionDays,
      removal: "retain",
      extraPolicyStatements: [
        {
          sid: "OnlyDeployAndBreakGlassRolesTouchState",
          effect: "Deny",
          principals: anyone,
          actions: STATE_BUCKET_GUARDED_ACTIONS,
          resources: [bucketArn, `${bucketArn}/*`],
          condition: everyoneElse,
        },
      ],
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
      const policy = new DataAwsIamPolicyDocument(this, "lock-table-policy-document", {
        provider: props.provider,
        statement: [
          {
            sid: "OnlyDeployAndBreakGlassRolesTouchLocks",
            effect: "Deny",
            principals: anyone,
            actions: LOCK_TABLE_GUARDED_ACTIONS,
            resources: [this.lockTable.arn],
            condition: everyoneElse,
          },
        ],
      });
      // DynamoDB refuses a policy that would lock out its caller (confirm_remove_self_resource_access stays false): applied
      // by anyone but a deploy or break-glass role, this resource fails instead of locking them out.
      this.lockTablePolicy = new DynamodbResourcePolicy(this, "lock-table-policy", {
        provider: props.provider,
        resourceArn: this.lockTable.arn,
        policy: policy.json,
      });
    }
  }
}
