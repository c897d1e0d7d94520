/**
 * Reconciler Lambda: the tasks of the reconciliation state machine
 * (state-machine.ts), dispatched on `event.step` (contract.ts). It runs in the
 * surviving region and reads the returned region through that region's own
 * DynamoDB and S3 endpoints. Environment: config.ts.
 *
 * Clients are created once, at module scope: own region (audit records,
 * replay, report, pages, metrics) and peer region (read only, short timeouts,
 * one attempt each: the caller retries). SDK retries are off (maxAttempts 1)
 * so that one policy bounds every call.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { errorMessage, errorName } from "../shared/errors";
import { createLogger, logLevelFrom } from "../shared/log";
import { createCaller, realSleep, systemClock } from "../shared/retry";
import { loadReconcilerConfig } from "./config";
import { ReconcileState, StepEvent } from "./contract";
import { createStepHandler } from "./steps";

const config = loadReconcilerConfig(process.env);
const log = createLogger({ function: "reconciler", region: config.region, environment: config.environment }, { level: logLevelFrom(process.env.LOG_LEVEL) });

const ownClientConfig = { maxAttempts: 1 };
const peerClientConfig = {
  region: config.peerRegion,
  maxAttempts: 1,
  requestHandler: { requestTimeout: config.peerTimeoutMs, connectionTimeout: Math.min(config.peerTimeoutMs, 3_000) },
};

const onRetry = (operation: string, error: unknown, attempt: number, delayMs: number) =>
  log.warn("aws.retry", { operation, attempt, delayMs, error: errorName(error), message: errorMessage(error) });

export const handler: (event: StepEvent) => Promise<ReconcileState> = createStepHandler({
  config,
  own: {
    dynamodb: new DynamoDBClient(ownClientConfig),
    s3: new S3Client(ownClientConfig),
    sns: new SNSClient(ownClientConfig),
    cloudwatch: new CloudWatchClient(ownClientConfig),
  },
  peer: { dynamodb: new DynamoDBClient(peerClientConfig), s3: new S3Client(peerClientConfig) },
  clock: systemClock,
  sleep: realSleep,
  call: createCaller({ policy: config.retry, sleep: realSleep, onRetry }),
  peerCall: createCaller({ policy: config.retry, sleep: realSleep, onRetry }),
  log,
});
