/**
 * The Application Load Balancer's Lambda-target contract, defined here rather
 * than taken from @types/aws-lambda.
 *
 * With multi-value headers off (the target group default, and what this
 * function is deployed with) the event carries `headers` and the result must
 * use `headers`; with them on, the event carries `multiValueHeaders` and the
 * result must too. The response is built in the form the request came in, so
 * the attribute can be flipped without a code change.
 *
 * ALB lower-cases header names in practice; lookups here ignore case anyway.
 * Request and response bodies are limited to 1 MB by ALB.
 */

export interface AlbEvent {
  readonly httpMethod: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
  readonly multiValueHeaders?: Readonly<Record<string, readonly string[] | undefined>> | null;
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>> | null;
  readonly body?: string | null;
  readonly isBase64Encoded: boolean;
  readonly requestContext?: { readonly elb?: { readonly targetGroupArn?: string } };
}

export interface AlbResult {
  readonly statusCode: number;
  readonly statusDescription: string;
  readonly headers?: Record<string, string>;
  readonly multiValueHeaders?: Record<string, string[]>;
  readonly body: string;
  readonly isBase64Encoded: boolean;
}

/** The part of the Lambda context this function reads. */
export interface LambdaContext {
  readonly awsRequestId?: string;
}

const REASONS: Readonly<Record<number, string>> = {
  200: "OK",
  201: "Created",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** A header's value, case-insensitively, from either header form (last value of a multi-value header). */
export function header(event: AlbEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  for (const [key, values] of Object.entries(event.multiValueHeaders ?? {})) {
    if (key.toLowerCase() === wanted && values && values.length > 0) return values[values.length - 1];
  }
  return undefined;
}

/** A JSON response in the header form of the request. */
export function jsonResponse(event: AlbEvent, statusCode: number, body: unknown, extraHeaders: Readonly<Record<string, string>> = {}): AlbResult {
  const headers: Record<string, string> = { "Content-Type": "application/json", "Cache-Control": "no-store", ...extraHeaders };
  const base = {
    statusCode,
    statusDescription: `${statusCode} ${REASONS[statusCode] ?? "Unknown"}`,
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
  if (event.multiValueHeaders) {
    return { ...base, multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])) };
  }
  return { ...base, headers };
}
