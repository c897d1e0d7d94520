/**
 * A DynamoDB global table: the table in the founding region (on-demand,
 * point-in-time recovery, streams as global tables require, TTL, the region's
 * data key, deletion protection by profile). Its replica in the other region is
 * a separate resource in that region's stack (GlobalTableReplica), so the
 * founding stack never needs the other region's key and the layout stays acyclic.
 *
 * Global tables resolve concurrent writes to the same item last-writer-wins.
 * Global secondary indexes are declared on the table and DynamoDB creates them
 * on every replica (each replica's index is written in its own region).
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { DynamodbTableReplicaA } from "@cdktf/provider-aws/lib/dynamodb-table-replica";
import { RemovalPolicy } from "../../lib/removal";
import { TableRef } from "../security/grants";

/** A global secondary index of string keys (on-demand: no capacity to set). */
export interface GlobalIndexSpec {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly projection: "KEYS_ONLY" | "ALL";
}

export interface GlobalTableProps {
  readonly provider: AwsProvider;
  readonly tableName: string;
  /** Partition key attribute (string). */
  readonly partitionKey: string;
  /** TTL attribute (epoch seconds). */
  readonly ttlAttribute: string;
  /** ARN of the founding region's data key. */
  readonly kmsKeyArn: string;
  /**
   * Global secondary indexes (string keys), created on every replica.
   * @default none
   */
  readonly globalSecondaryIndexes?: readonly GlobalIndexSpec[];
  /**
   * "retain": deletion protection and prevent_destroy.
   * @default "retain"
   */
  readonly removal?: RemovalPolicy;
}

export class GlobalTable extends Construct {
  readonly table: DynamodbTable;

  constructor(scope: Construct, id: string, props: GlobalTableProps) {
    super(scope, id);
    const indexes = props.globalSecondaryIndexes ?? [];
    const indexKeys = [...new Set(indexes.flatMap((i) => [i.partitionKey, i.sortKey]))].filter((k) => k !== props.partitionKey);
    this.table = new DynamodbTable(this, "table", {
      provider: props.provider,
      name: props.tableName,
      billingMode: "PAY_PER_REQUEST",
      hashKey: props.partitionKey,
      attribute: [{ name: props.partitionKey, type: "S" }, ...indexKeys.map((name) => ({ name, type: "S" }))],
      ...(indexes.length > 0
        ? { globalSecondaryIndex: indexes.map((i) => ({ name: i.name, hashKey: i.partitionKey, rangeKey: i.sortKey, projectionType: i.projection })) }
        : {}),
      ttl: { attributeName: props.ttlAttribute, enabled: true },
      streamEnabled: true,
      streamViewType: "NEW_AND_OLD_IMAGES",
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: props.kmsKeyArn },
      deletionProtectionEnabled: (props.removal ?? "retain") === "retain",
      // The replica is managed by aws_dynamodb_table_replica in the other region's stack.
      lifecycle: { ignoreChanges: ["replica"], preventDestroy: (props.removal ?? "retain") === "retain" },
    });
  }

  /** The table for grants (`table.ref.grant(role, ...)`); other stacks of the region build their TableRef from its name. */
  get ref(): TableRef {
    return new TableRef(this.table.name, this.table.arn);
  }
}

export interface GlobalTableReplicaProps {
  readonly provider: AwsProvider;
  /** ARN of the table in the founding region, built from its name. */
  readonly globalTableArn: string;
  /** ARN of this region's data key. */
  readonly kmsKeyArn: string;
  /**
   * "retain": deletion protection and prevent_destroy.
   * @default "retain"
   */
  readonly removal?: RemovalPolicy;
}

export class GlobalTableReplica extends Construct {
  readonly replica: DynamodbTableReplicaA;

  constructor(scope: Construct, id: string, props: GlobalTableReplicaProps) {
    super(scope, id);
    this.replica = new DynamodbTableReplicaA(this, "replica", {
      provider: props.provider,
      globalTableArn: props.globalTableArn,
      kmsKeyArn: props.kmsKeyArn,
      pointInTimeRecovery: true,
      deletionProtectionEnabled: (props.removal ?? "retain") === "retain",
      lifecycle: { preventDestroy: (props.removal ?? "retain") === "retain" },
    });
  }
}
