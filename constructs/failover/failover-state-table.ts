/**
 * The failover automation's state table of one region: the health monitor's
 * consecutive-failure counter, the single-flight failover lock and the audit
 * record of every failover execution, one item each, keyed by `pk`.
 *
 * Deliberately regional, never a global table (no replica, no
 * aws_dynamodb_table_replica): a global table replicates asynchronously, so two
 * regions could each take "the" lock during a partition. The lock lives in the
 * region that promotes itself, where a conditional write is strongly
 * consistent, and the lock's expiry is checked in that write's condition; the
 * `ttl` attribute only removes expired items later.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { RemovalPolicy } from "../../lib/removal";
import { TableRef } from "../security/grants";
import { TTL_ATTRIBUTE } from "../../lambda/shared/dynamo";

/** Partition key attribute (type S) the Lambda code uses (lambda/shared/dynamo.ts TABLE_KEY). */
export const STATE_TABLE_KEY = "pk";
/** Expiry attribute (epoch seconds) the Lambda code writes on the lock and approval items. */
export const STATE_TABLE_TTL_ATTRIBUTE = TTL_ATTRIBUTE;

export interface FailoverStateTableProps {
  readonly provider: AwsProvider;
  readonly tableName: string;
  /** ARN of the region's data key. */
  readonly kmsKeyArn: string;
  /**
   * "retain": deletion protection and prevent_destroy.
   * @default "retain"
   */
  readonly removal?: RemovalPolicy;
}

export class FailoverStateTable extends Construct {
  readonly table: DynamodbTable;

  constructor(scope: Construct, id: string, props: FailoverStateTableProps) {
    super(scope, id);
    const protect = (props.removal ?? "retain") === "retain";
    this.table = new DynamodbTable(this, "table", {
      provider: props.provider,
      name: props.tableName,
      billingMode: "PAY_PER_REQUEST",
      hashKey: STATE_TABLE_KEY,
      attribute: [{ name: STATE_TABLE_KEY, type: "S" }],
      ttl: { attributeName: STATE_TABLE_TTL_ATTRIBUTE, enabled: true },
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: props.kmsKeyArn },
      deletionProtectionEnabled: protect,
      lifecycle: protect ? { preventDestroy: true } : undefined,
    });
  }

  get arn(): string {
    return this.table.arn;
  }

  get name(): string {
    return this.table.name;
  }

  /** The table for grants (`table.ref.grant(role, ...)`). */
  get ref(): TableRef {
    return new TableRef(this.table.name, this.table.arn);
  }
}
