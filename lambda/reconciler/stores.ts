/**
 * The comparison's sources over the AWS SDK: the time index (Query), the
 * records (BatchGetItem, strongly consistent, unprocessed keys retried) and
 * the log objects (HeadObject) of one region, and the report files (S3, SSE-KMS).
 *
 * HeadObject answers 404 for a missing key only to a caller allowed
 * s3:ListBucket on the bucket (403 otherwise), so the reconciler's role has it
 * on the transaction prefix of both buckets.
 */
import { BatchGetItemCommand, DynamoDBClient, KeysAndAttributes, QueryCommand } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { isAwsError, PermanentError, TransientError } from "../shared/errors";
import { Caller, Sleep } from "../shared/retry";
import { PARTITION_KEY, recordFromItem, TIME_INDEX, TransactionRecord } from "../transaction-processor/record";
import { DynamoKey, ObjectHead, ObjectStore, RecordStore, WindowIndex } from "./compare";

/** Metadata key of the log object's payload hash (lambda/transaction-processor/log-object.ts). */
export const PAYLOAD_HASH_METADATA = "payload-sha256";

export interface TableTarget {
  readonly dynamodb: DynamoDBClient;
  readonly call: Caller;
  readonly tableName: string;
}

export function timeIndexOf(target: TableTarget): WindowIndex {
  return {
    async page(bucket, bounds, limit, startKey) {
      const result = await target.call("Query", () =>
        target.dynamodb.send(
          new QueryCommand({
            TableName: target.tableName,
            IndexName: TIME_INDEX.name,
            KeyConditionExpression: "#minute = :minute AND #sort BETWEEN :low AND :high",
            ExpressionAttributeNames: { "#minute": TIME_INDEX.partitionKey, "#sort": TIME_INDEX.sortKey },
            ExpressionAttributeValues: { ":minute": { S: bucket }, ":low": { S: bounds.low }, ":high": { S: bounds.high } },
            Limit: limit,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        ),
      );
      const ids = (result.Items ?? []).map((item) => item[PARTITION_KEY]?.S).filter((id): id is string => typeof id === "string");
      return { ids, next: (result.LastEvaluatedKey as DynamoKey | undefined) ?? null };
    },
  };
}

/** Attempts at the keys BatchGetItem leaves unprocessed (it does so under throttling) before giving up. */
export const UNPROCESSED_ATTEMPTS = 6;

export function recordsOf(target: TableTarget, sleep: Sleep): RecordStore {
  return {
    async get(ids) {
      const out = new Map<string, TransactionRecord>();
      for (let i = 0; i < ids.length; i += 100) {
        let request: Record<string, KeysAndAttributes> | undefined = {
          [target.tableName]: { Keys: ids.slice(i, i + 100).map((id) => ({ [PARTITION_KEY]: { S: id } })), ConsistentRead: true },
        };
        for (let attempt = 1; request && Object.keys(request).length > 0; attempt++) {
          if (attempt > UNPROCESSED_ATTEMPTS) throw new TransientError(`BatchGetItem on ${target.tableName}: keys still unprocessed after ${UNPROCESSED_ATTEMPTS} attempts`, { operation: "BatchGetItem" });
          if (attempt > 1) await sleep(Math.min(5_000, 100 * 2 ** attempt));
          const current: Record<string, KeysAndAttributes> = request;
          const result = await target.call("BatchGetItem", () => target.dynamodb.send(new BatchGetItemCommand({ RequestItems: current })));
          for (const item of result.Responses?.[target.tableName] ?? []) {
            const record = recordFromItem(item);
            out.set(record.recordKey, record);
          }
          request = result.UnprocessedKeys;
        }
      }
      return out;
    },
  };
}

export interface BucketTarget {
  readonly s3: S3Client;
  readonly call: Caller;
  readonly bucketName: string;
}

function notFound(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  return isAwsError(error, "NotFound", "NoSuchKey") || status === 404;
}

export function objectsOf(target: BucketTarget): ObjectStore {
  return {
    async head(key): Promise<ObjectHead | null> {
      try {
        const result = await target.call("HeadObject", () => target.s3.send(new HeadObjectCommand({ Bucket: target.bucketName, Key: key })));
        return { payloadSha256: result.Metadata?.[PAYLOAD_HASH_METADATA] ?? null };
      } catch (error) {
        if (notFound(error)) return null;
        throw error;
      }
    },
  };
}

/** The run's files (report, replay set, parts) in the survivor's bucket: SSE-KMS with the region's data key. */
export interface RunFiles {
  put(key: string, body: unknown): Promise<void>;
  get<T>(key: string): Promise<T>;
  /** null when there is no object at `key`. */
  tryGet<T>(key: string): Promise<T | null>;
  uri(key: string): string;
}

export function runFilesOf(target: BucketTarget & { readonly kmsKeyArn: string }): RunFiles {
  return {
    async put(key, body) {
      await target.call("PutObject", () =>
        target.s3.send(
          new PutObjectCommand({
            Bucket: target.bucketName,
            Key: key,
            Body: `${JSON.stringify(body, null, 1)}\n`,
            ContentType: "application/json",
            ServerSideEncryption: "aws:kms",
            SSEKMSKeyId: target.kmsKeyArn,
            BucketKeyEnabled: true,
          }),
        ),
      );
    },
    async get<T>(key: string): Promise<T> {
      const result = await target.call("GetObject", () => target.s3.send(new GetObjectCommand({ Bucket: target.bucketName, Key: key })));
      const text = await result.Body?.transformToString("utf8");
      if (text === undefined) throw new PermanentError(`s3://${target.bucketName}/${key} has no body`);
      return JSON.parse(text) as T;
    },
    async tryGet<T>(key: string): Promise<T | null> {
      try {
        return await this.get<T>(key);
      } catch (error) {
        if (notFound(error)) return null;
        throw error;
      }
    },
    uri: (key) => `s3://${target.bucketName}/${key}`,
  };
}
