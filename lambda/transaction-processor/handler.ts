/**
 * The ALB handler: route, decode, validate, record, answer; one JSON log line
 * per request (event "transaction.request"; health checks at debug level).
 *
 * | outcome    | status | when                                                                     |
 * |------------|--------|--------------------------------------------------------------------------|
 * | unauthenticated | 401 | no bearer token, not a JWT, another issuer, expired, no client id claim (clients.ts) |
 * | refused    | 503    | this region may not write now: fenced, not the writer, writer unknown, or its fence unreadable (write-gate.ts); Retry-After and a WritesRefused metric |
 * | forbidden  | 403    | the client is not registered, or may not debit debitAccount (clients.ts) |
 * | created    | 201    | this call wrote the record (and the log object, or found it there)       |
 * | replayed   | 200    | same transactionId and payload already recorded: the stored record       |
 * | rejected   | 400    | malformed JSON/base64/UTF-8, missing body, invalid or unknown fields     |
 * | rejected   | 404/405/413/415 | unknown path, wrong method (Allow header), body too large, not JSON |
 * | conflict   | 409    | same client and transactionId already recorded with a different payload  |
 * | throttled  | 503    | throttling/5xx beyond the retry budget; Retry-After; retry the same body |
 * | failed     | 500    | anything else; the body says only "internal error" and the request id   |
 * | health     | 200    | GET/HEAD /transactions/health, no AWS call                               |
 *
 * Logs and responses carry account numbers masked (last 4 characters of a
 * long one) and never the reference; error messages are scrubbed of the
 * transaction's account numbers and reference before they are logged.
 */
import { errorMessage, errorName, isTransientAwsError } from "../shared/errors";
import { LogFields } from "../shared/log";
import { AlbEvent, AlbResult, jsonResponse, LambdaContext } from "./alb";
import { RequestError, TransactionConflictError } from "./errors";
import { authenticate, AuthenticationError, authorizeDebit, AuthorizationError } from "./clients";
import { refusalMetricLine } from "./write-gate";
import { maskAccount, parseTransaction, Transaction } from "./payload";
import { ProcessorDeps, recordTransaction } from "./processor";
import { TransactionRecord } from "./record";
import { bodyText, route } from "./request";

export type Handler = (event: AlbEvent, context?: LambdaContext) => Promise<AlbResult>;

export const LOG_EVENT = "transaction.request";

/** What a caller sees of a record: account numbers masked, no reference. */
export function recordView(record: TransactionRecord, replayed: boolean): Record<string, unknown> {
  return {
    clientId: record.clientId,
    transactionId: record.transactionId,
    status: record.status,
    amount: record.amount,
    currency: record.currency,
    debitAccount: maskAccount(record.debitAccount),
    creditAccount: maskAccount(record.creditAccount),
    timestamp: record.timestamp,
    region: record.region,
    receivedAt: record.receivedAt,
    payloadSha256: record.payloadSha256,
    logObjectKey: record.logObjectKey,
    replayed,
  };
}

/** Replaces the transaction's sensitive values in a text (an error message) by their masks. */
export function scrub(text: string, transaction: Transaction | undefined): string {
  if (!transaction) return text;
  let out = text;
  for (const account of [transaction.debitAccount, transaction.creditAccount]) out = out.split(account).join(maskAccount(account));
  if (transaction.reference) out = out.split(transaction.reference).join("(reference)");
  return out;
}

function transactionFields(transaction: Transaction | undefined): LogFields {
  if (!transaction) return {};
  return {
    transactionId: transaction.transactionId,
    amount: transaction.amount,
    currency: transaction.currency,
    debitAccount: maskAccount(transaction.debitAccount),
    creditAccount: maskAccount(transaction.creditAccount),
  };
}

export function createHandler(deps: ProcessorDeps): Handler {
  const { config, log, clock } = deps;
  const metricSink = deps.metricSink ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const auth = { issuer: config.tokenIssuer, clientIdClaim: config.clientIdClaim };
  return async (event, context) => {
    const startedMs = clock();
    const requestId = context?.awsRequestId;
    let transaction: Transaction | undefined;
    let clientId: string | undefined;

    const answer = (result: AlbResult, level: "debug" | "info" | "warn" | "error", outcome: string, fields: LogFields = {}): AlbResult => {
      log[level](LOG_EVENT, {
        outcome,
        statusCode: result.statusCode,
        method: event.httpMethod,
        path: event.path,
        requestId,
        ...(clientId ? { clientId } : {}),
        ...transactionFields(transaction),
        ...fields,
        durationMs: clock() - startedMs,
      });
      return result;
    };

    try {
      if (route(event) === "health") return answer(jsonResponse(event, 200, { status: "ok" }), "debug", "health");
      clientId = authenticate(event, auth, clock());
      const gate = await deps.writeGate.check();
      if (!gate.writable) {
        metricSink(refusalMetricLine(config.environment, config.region, gate.reason, clock()));
        const body = { error: "RegionNotWritable", message: "this region does not accept writes now; retry with the same body", requestId };
        return answer(jsonResponse(event, 503, body, { "Retry-After": String(config.retryAfterSeconds) }), "warn", "refused", {
          reason: gate.reason,
          cached: gate.cached,
          ...(gate.error ? { error: gate.error } : {}),
        });
      }
      transaction = parseTransaction(bodyText(event));
      authorizeDebit(config.clients, clientId, transaction.debitAccount);
      const result = await recordTransaction(deps, clientId, transaction);
      const replayed = result.kind === "replayed";
      return answer(jsonResponse(event, replayed ? 200 : 201, recordView(result.record, replayed)), "info", result.kind, {
        payloadSha256: result.record.payloadSha256,
        recordRegion: result.record.region,
        logObject: result.logObject,
        ...(replayed && result.record.region !== config.region ? { crossRegionReplay: true } : {}),
      });
    } catch (error) {
      if (error instanceof AuthenticationError) {
        const body = { error: "Unauthorized", message: error.message, requestId };
        return answer(jsonResponse(event, 401, body, { "WWW-Authenticate": 'Bearer error="invalid_token"' }), "info", "unauthenticated", { code: error.code });
      }
      if (error instanceof AuthorizationError) {
        const body = { error: "Forbidden", message: error.message, ...(error.field ? { fields: [{ field: error.field, problem: "is not allowed for this client" }] } : {}), requestId };
        return answer(jsonResponse(event, 403, body), "warn", "forbidden", { code: error.code });
      }
      if (error instanceof RequestError) {
        const body = { error: error.code, message: error.message, ...(error.fields.length > 0 ? { fields: error.fields } : {}), requestId };
        return answer(jsonResponse(event, error.statusCode, body, error.headers), "info", "rejected", { code: error.code, fields: error.fields });
      }
      if (error instanceof TransactionConflictError) {
        const body = { error: "TransactionConflict", message: "this client's transactionId is already recorded with a different payload", requestId };
        return answer(jsonResponse(event, 409, body), "warn", "conflict");
      }
      const details = { error: errorName(error), message: scrub(errorMessage(error), transaction) };
      if (isTransientAwsError(error)) {
        const body = { error: "ServiceUnavailable", message: "temporarily unable to record the transaction; retry with the same body", requestId };
        return answer(jsonResponse(event, 503, body, { "Retry-After": String(config.retryAfterSeconds) }), "warn", "throttled", details);
      }
      return answer(jsonResponse(event, 500, { error: "InternalError", message: "internal error", requestId }), "error", "failed", details);
    }
  };
}
