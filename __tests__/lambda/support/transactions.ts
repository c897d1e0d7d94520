/** Fixtures for the transaction processor: environment, payloads, ALB events, collaborators. */
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { AwsStub } from "aws-sdk-client-mock";
import { toItem } from "../../../lambda/shared/dynamo";
import { CONTROL_KEYS } from "../../../lambda/shared/control-keys";
import { createWriteGate, WriteGate } from "../../../lambda/transaction-processor/write-gate";

/** A write gate that always lets writes through: for the tests of what happens after the gate. */
export const OPEN_GATE: WriteGate = { check: async () => ({ writable: true, cached: false }) };
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
export const CONTROL_TABLE = "dr-prod-control";
export const ISSUER = "https://idp.example.com/oauth2/default";
export const CLIENT_ID = "acme-payments";
export const OTHER_CLIENT_ID = "globex-treasury";
/** The registry of the tests: acme may debit DEBIT and any DE89* account; globex any GB* account. */
export const CLIENT_REGISTRY = { [CLIENT_ID]: [DEBIT, "DE8937*"], [OTHER_CLIENT_ID]: ["GB*"] };

/** A JWT as the load balancer forwards it (already validated there): header.payload.signature, base64url. */
export function accessToken(claims: Record<string, unknown> = {}, nowMs = Date.UTC(2025, 2, 14, 9, 30, 0)): string {
  const segment = (value: unknown) => Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
  const payload = { iss: ISSUER, client_id: CLIENT_ID, exp: Math.floor(nowMs / 1000) + 7 * 86_400, iat: Math.floor(nowMs / 1000), ...claims };
  for (const [key, value] of Object.entries(claims)) if (value === undefined) delete (payload as Record<string, unknown>)[key];
  return `${segment({ alg: "RS256", typ: "at+jwt", kid: "k1" })}.${segment(payload)}.c2lnbmF0dXJl`;
}

/**
 * Answers the control table's GetItems (this region's fence and heartbeat) on a DynamoDB mock; the txmeta
 * table's calls keep whatever the test sets. Default: not fenced, a fresh heartbeat saying this region is the writer.
 */
export function mockControlTable(
  dynamodb: AwsStub<any, any, any>,
  state: { fence?: Record<string, unknown> | null; heartbeat?: Record<string, unknown> | null; nowMs?: number } = {},
): void {
  const nowMs = state.nowMs ?? Date.UTC(2025, 2, 14, 9, 30, 0);
  const heartbeat = state.heartbeat === undefined ? { region: TX_REGION, at: nowMs, writerArn: "arn:w", ownIsWriter: true, databaseAvailable: true, serviceHealthy: true, fenced: false, gateOpen: true } : state.heartbeat;
  const fence = state.fence === undefined ? null : state.fence;
  dynamodb.on(GetItemCommand, { TableName: CONTROL_TABLE, Key: { pk: { S: CONTROL_KEYS.heartbeat(TX_REGION) } } }).resolves(heartbeat ? { Item: toItem({ pk: CONTROL_KEYS.heartbeat(TX_REGION), kind: "heartbeat", ...heartbeat }) } : {});
  dynamodb.on(GetItemCommand, { TableName: CONTROL_TABLE, Key: { pk: { S: CONTROL_KEYS.fence(TX_REGION) } } }).resolves(fence ? { Item: toItem({ pk: CONTROL_KEYS.fence(TX_REGION), kind: "fence", ...fence }) } : {});
}

export function processorEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    AWS_REGION: TX_REGION,
    TXMETA_TABLE_NAME: TX_TABLE,
    TXLOGS_BUCKET_NAME: TX_BUCKET,
    CONTROL_TABLE_NAME: CONTROL_TABLE,
    TOKEN_ISSUER: ISSUER,
    CLIENT_REGISTRY: JSON.stringify(CLIENT_REGISTRY),
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
  /** The bearer token; null sends no Authorization header. @default accessToken() */
  readonly token?: string | null;
}

/** An ALB event; `body` is sent as is when a string, JSON-encoded otherwise, omitted when null. */
export function albEvent(body: unknown, options: EventOptions = {}): AlbEvent {
  const text = body === null ? null : typeof body === "string" ? body : JSON.stringify(body);
  const token = options.token === undefined ? accessToken() : options.token;
  const headers = {
    "content-type": "application/json",
    "x-amzn-trace-id": "Root=1-67890abc-000000000000000000000000",
    ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    ...(options.headers ?? {}),
  };
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

/** The processor's collaborators; the write gate is the real one (reading the control table) only with `realWriteGate`. */
export function processorDeps(options: {
  env?: Record<string, string | undefined>;
  timing: Timing;
  log: Logger;
  metricSink?: (line: string) => void;
  realWriteGate?: boolean;
}): ProcessorDeps {
  const config = loadProcessorConfig(processorEnv(options.env));
  const dynamodb = new DynamoDBClient({ region: config.region });
  const call = createProcessorCaller(config.retry, options.timing.sleep, options.log, () => 0.5);
  return {
    config,
    clients: { dynamodb, s3: new S3Client({ region: config.region }) },
    clock: options.timing.clock,
    call,
    log: options.log,
    writeGate: options.realWriteGate
      ? createWriteGate({
          dynamodb,
          call,
          clock: options.timing.clock,
          settings: { controlTableName: config.controlTableName, region: config.region, cacheSeconds: config.fenceCacheSeconds, staleHeartbeatSeconds: config.staleHeartbeatSeconds },
        })
      : OPEN_GATE,
    metricSink: options.metricSink ?? (() => undefined),
  };
}
