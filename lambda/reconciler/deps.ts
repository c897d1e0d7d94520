/** The collaborators of every step: clients of both regions, clock, sleep, callers, logger; and the sources built on them. */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { Logger } from "../shared/log";
import { Caller, Clock, Sleep } from "../shared/retry";
import { ComparisonSources } from "./compare";
import { ReconcilerConfig } from "./config";
import { ReplayTarget } from "./replay";
import { objectsOf, recordsOf, RunFiles, runFilesOf, timeIndexOf } from "./stores";

export interface ReconcilerDeps {
  readonly config: ReconcilerConfig;
  /** The surviving region (the Lambda's own): audit records, replay target, report, pages, metrics. */
  readonly own: { readonly dynamodb: DynamoDBClient; readonly s3: S3Client; readonly sns: SNSClient; readonly cloudwatch: CloudWatchClient };
  /** The returned region, read only: its txmeta replica and its transaction log bucket. */
  readonly peer: { readonly dynamodb: DynamoDBClient; readonly s3: S3Client };
  readonly clock: Clock;
  readonly sleep: Sleep;
  /** Retrying caller for own-region calls. */
  readonly call: Caller;
  /** Retrying caller for calls into the returned region (short timeouts). */
  readonly peerCall: Caller;
  readonly log: Logger;
}

export function comparisonSources(deps: ReconcilerDeps): ComparisonSources {
  const { config } = deps;
  const peerTable = { dynamodb: deps.peer.dynamodb, call: deps.peerCall, tableName: config.tableName };
  const ownTable = { dynamodb: deps.own.dynamodb, call: deps.call, tableName: config.tableName };
  return {
    index: timeIndexOf(peerTable),
    returned: { records: recordsOf(peerTable, deps.sleep), objects: objectsOf({ s3: deps.peer.s3, call: deps.peerCall, bucketName: config.peerBucketName }) },
    survivor: { records: recordsOf(ownTable, deps.sleep), objects: objectsOf({ s3: deps.own.s3, call: deps.call, bucketName: config.bucketName }) },
    concurrency: config.concurrency,
  };
}

export function replayTarget(deps: ReconcilerDeps): ReplayTarget {
  const { config } = deps;
  return {
    dynamodb: deps.own.dynamodb,
    s3: deps.own.s3,
    call: deps.call,
    tableName: config.tableName,
    bucketName: config.bucketName,
    kmsKeyArn: config.kmsKeyArn,
    objects: objectsOf({ s3: deps.own.s3, call: deps.call, bucketName: config.bucketName }),
  };
}

export function runFiles(deps: ReconcilerDeps): RunFiles {
  return runFilesOf({ s3: deps.own.s3, call: deps.call, bucketName: deps.config.bucketName, kmsKeyArn: deps.config.kmsKeyArn });
}
