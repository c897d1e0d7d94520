/**
 * Grants: least-privilege statements that a resource writes into the policy
 * of the role that needs it, in the manner of aws-cdk's `table.grantReadWriteData(role)`.
 *
 * A resource is referenced here by name and ARN (a `*Ref`), whether its stack
 * created it or another stack of the same region did: across stacks, cdktf
 * turns an object reference into a state read, so a region's stacks pass
 * names from the catalog and build the ARN in-region (lib/catalog.ts).
 *
 * Every grant names its actions and a statement id: the statement says what
 * the grantee does with the resource, and a reviewer reads the policy by its
 * sids. Key grants are always bound to the AWS service that uses the key on
 * the grantee's behalf (kms:ViaService), never a bare kms:Decrypt.
 *
 * Each grant has a statement builder (`…Statement`) used where a permission
 * model is reviewed as one ordered list (constructs/failover/failover-permissions.ts),
 * and a grant method that appends the statement to the grantee's policy.
 */
import {
  DataAwsIamPolicyDocumentStatement,
  DataAwsIamPolicyDocumentStatementCondition,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";

export type Statement = DataAwsIamPolicyDocumentStatement;
type Condition = DataAwsIamPolicyDocumentStatementCondition;

/** A principal that takes statements into its policy (constructs/security/bounded-role.ts). */
export interface IGrantable {
  addStatements(...statements: Statement[]): void;
}

export interface GrantOptions {
  /** Statement id: what the grantee does with the resource. */
  readonly sid: string;
  readonly actions: string[];
}

/** DynamoDB's condition that limits the items a principal may touch to the listed partition keys. */
export function leadingKeys(keys: readonly string[]): Condition {
  return { test: "ForAllValues:StringLike", variable: "dynamodb:LeadingKeys", values: [...keys] };
}

/** A DynamoDB table of the region. */
export class TableRef {
  constructor(
    readonly tableName: string,
    readonly tableArn: string,
  ) {}

  /** The statement granting `actions` on this table (and the other tables given), optionally limited to some items. */
  static statement(tables: readonly TableRef[], options: GrantOptions & { readonly items?: readonly string[] }): Statement {
    return {
      sid: options.sid,
      effect: "Allow",
      actions: options.actions,
      resources: tables.map((t) => t.tableArn),
      ...(options.items ? { condition: [leadingKeys(options.items)] } : {}),
    };
  }

  /** Grants `actions` on the table's items (all of them, or those whose partition key matches `items`). */
  grant(grantee: IGrantable, options: GrantOptions & { readonly items?: readonly string[] }): void {
    grantee.addStatements(TableRef.statement([this], options));
  }

  /** Grants `actions` on several tables in one statement. */
  static grantOn(tables: readonly TableRef[], grantee: IGrantable, options: GrantOptions): void {
    grantee.addStatements(TableRef.statement(tables, options));
  }
}

/** An S3 bucket (global namespace: its ARN has no region). */
export class BucketRef {
  constructor(
    readonly bucketName: string,
    readonly bucketArn: string,
  ) {}

  /** The statement granting `actions` on objects under `prefix` of these buckets. */
  static objectsStatement(buckets: readonly BucketRef[], options: GrantOptions & { readonly prefix?: string }): Statement {
    return { sid: options.sid, effect: "Allow", actions: options.actions, resources: buckets.map((b) => `${b.bucketArn}/${options.prefix ?? ""}*`) };
  }

  /** Grants object `actions` (s3:GetObject, s3:PutObject, ...) on the bucket's objects under `prefix`. */
  grantObjects(grantee: IGrantable, options: GrantOptions & { readonly prefix?: string }): void {
    grantee.addStatements(BucketRef.objectsStatement([this], options));
  }

  /** Grants object `actions` on several buckets in one statement. */
  static grantObjectsOn(buckets: readonly BucketRef[], grantee: IGrantable, options: GrantOptions & { readonly prefix?: string }): void {
    grantee.addStatements(BucketRef.objectsStatement(buckets, options));
  }
}

/** A customer-managed KMS key of one region. */
export class KeyRef {
  constructor(
    readonly keyArn: string,
    /** The key's region: the services that use it on a grantee's behalf are that region's. */
    readonly region: string,
  ) {}

  /** The statement granting `actions` on the key, only when called by the named AWS services of the key's region. */
  viaServicesStatement(options: GrantOptions & { readonly services: readonly string[] }): Statement {
    return {
      sid: options.sid,
      effect: "Allow",
      actions: options.actions,
      resources: [this.keyArn],
      condition: [{ test: "StringEquals", variable: "kms:ViaService", values: options.services.map((s) => `${s}.${this.region}.amazonaws.com`) }],
    };
  }

  /** Grants `actions` on the key through the named services only (e.g. ["dynamodb", "s3"]). */
  grantViaServices(grantee: IGrantable, options: GrantOptions & { readonly services: readonly string[] }): void {
    grantee.addStatements(this.viaServicesStatement(options));
  }
}

/**
 * A Secrets Manager secret: by its full ARN (constructs/security/secret-lookup.ts finds it by name), or,
 * where only the name is known, by the catalog's pattern (the ARN ends in six random characters).
 */
export class SecretRef {
  constructor(readonly secretArnPattern: string) {}

  /** The statement granting secretsmanager:GetSecretValue on these secrets. */
  static readStatement(secrets: readonly SecretRef[], sid: string): Statement {
    return { sid, effect: "Allow", actions: ["secretsmanager:GetSecretValue"], resources: secrets.map((s) => s.secretArnPattern) };
  }

  grantRead(grantee: IGrantable, sid: string): void {
    grantee.addStatements(SecretRef.readStatement([this], sid));
  }
}

/** An SNS topic. */
export class TopicRef {
  constructor(readonly topicArn: string) {}

  publishStatement(sid: string): Statement {
    return { sid, effect: "Allow", actions: ["sns:Publish"], resources: [this.topicArn] };
  }

  grantPublish(grantee: IGrantable, sid: string): void {
    grantee.addStatements(this.publishStatement(sid));
  }
}
