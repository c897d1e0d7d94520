/** Fixtures for the transaction processor: environment, payloads, ALB events, collaborators. */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { loadProcessorConfig } from "../../../lambda/transaction-processor/config";
import { AlbEvent, AlbResult } from "../../../lambda/transaction-processor/alb";
import { createProcessorCaller } from "../../../lambda/transaction-processor/caller";
import { ProcessorDeps } from "../../../lambda/transaction-processor/processor";
import { Logger } from "../../../lambda/shared/log";
import { Timing } from "./fixtures";

export const TX_REGION = "us-east-1";
export const TX_OTHER_REGION = "us-west-2";
export const TX_TABLE = "dr-prod-txmeta";
export const TX_BUCKET = "dr-prod-txlogs-use1";
export const DEBIT = "DE89370400440532013000";
export const CREDIT = "GB29NWBK60161331926819";
export const REFERENCE = "Invoice 2025-0042 ACME";
export const TX_ID = "0b6f3a2e-5c1d-4c7e-9a51-3f2d8e7c6b10";

export function processorEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    AWS_REGION: TX_REGION,
    TXMETA_TABLE_NAME: TX_TABLE,
    TXLOGS_BUCKET_NAME: TX_BUCKET,
    ...overrides,
  };
}

/** A valid request body; `overrides` replace fields, an undefined override removes the field. */
export function validBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const body: Record<string, unknown> = {
    transactionId: TX_ID,
    amount: "125.50",
    currency: "EUR",
    debitAccount: DEBIT,
    creditAccount: CREDIT,
    timestamp: "2025-03-14T10:15:30+01:00",
    reference: REFERENCE,
    ...overrides,
  };
  for (const [key, value] of Object.entries(overrides)) if (value === undefined) delete body[key];
  return body;
}

export interface EventOptions {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string>;
  readonly base64?: boolean;
  readonly multiValueHeaders?: boolean;
}

/** An ALB event; `body` is sent as is when a string, JSON-encoded otherwise, omitted when null. */
export function albEvent(body: unknown, options: EventOptions = {}): AlbEvent {
  const text = body === null ? null : typeof body === "string" ? body : JSON.stringify(body);
  const headers = { "content-type": "application/json", "x-amzn-trace-id": "Root=1-67890abc-000000000000000000000000", ...(options.headers ?? {}) };
  return {
    httpMethod: options.method ?? "POST",
    path: options.path ?? "/transactions",
    ...(options.multiValueHeaders ? { multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])) } : { headers }),
    body: text === null ? null : options.base64 ? Buffer.from(text, "utf8").toString("base64") : text,
    isBase64Encoded: options.base64 ?? false,
    requestContext: { elb: { targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/dr-prod-tx/0123456789abcdef" } },
  };
}

export function responseBody(result: AlbResult): Record<string, unknown> {
  return JSON.parse(result.body) as Record<string, unknown>;
}

export function processorDeps(options: { env?: Record<string, string | undefined>; timing: Timing; log: Logger }): ProcessorDeps {
  const config = loadProcessorConfig(processorEnv(options.env));
  return {
    config,
    clients: { dynamodb: new DynamoDBClient({ region: config.region }), s3: new S3Client({ region: config.region }) },
    clock: options.timing.clock,
    call: createProcessorCaller(config.retry, options.timing.sleep, options.log, () => 0.5),
    log: options.log,
  };
}
