/**
 * Routing and body decoding of an ALB request. Nothing here touches AWS.
 *
 *   POST     /transactions          record a transaction (JSON body)
 *   GET|HEAD /transactions/health   200 {"status":"ok"}: the target group's health check path
 *   anything else on those paths    405 with Allow; any other path 404
 *
 * A trailing slash is ignored. The body may be base64-encoded (ALB sets
 * isBase64Encoded for bodies it treats as binary); it must be UTF-8 JSON of
 * at most MAX_BODY_BYTES. A Content-Type, when sent, must be application/json.
 */
import { AlbEvent, header } from "./alb";
import { RequestError } from "./errors";
import { MAX_BODY_BYTES } from "./payload";

export const TRANSACTIONS_PATH = "/transactions";
export const HEALTH_PATH = "/transactions/health";

export type Route = "record" | "health";

function normalizedPath(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

/** The route of a request, or a RequestError (404, 405). */
export function route(event: AlbEvent): Route {
  const path = normalizedPath(event.path ?? "");
  const method = (event.httpMethod ?? "").toUpperCase();
  if (path === HEALTH_PATH) {
    if (method === "GET" || method === "HEAD") return "health";
    throw new RequestError(405, "MethodNotAllowed", `${HEALTH_PATH} accepts GET and HEAD`, [], { Allow: "GET, HEAD" });
  }
  if (path === TRANSACTIONS_PATH) {
    if (method === "POST") return "record";
    throw new RequestError(405, "MethodNotAllowed", `${TRANSACTIONS_PATH} accepts POST`, [], { Allow: "POST" });
  }
  throw new RequestError(404, "NotFound", "no such resource");
}

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The request body as text: decoded from base64 when flagged, checked for size, encoding and media type. */
export function bodyText(event: AlbEvent): string {
  const contentType = header(event, "content-type");
  if (contentType !== undefined && contentType.split(";")[0].trim().toLowerCase() !== "application/json") {
    throw new RequestError(415, "UnsupportedMediaType", "Content-Type must be application/json");
  }
  const raw = event.body ?? "";
  let bytes: Buffer;
  if (event.isBase64Encoded) {
    const compact = raw.replace(/\s+/g, "");
    if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
      throw new RequestError(400, "MalformedBody", "body is flagged base64 but is not valid base64", [{ field: "(body)", problem: "is not valid base64" }]);
    }
    bytes = Buffer.from(compact, "base64");
  } else {
    bytes = Buffer.from(raw, "utf8");
  }
  if (bytes.length > MAX_BODY_BYTES) {
    throw new RequestError(413, "PayloadTooLarge", `body must be at most ${MAX_BODY_BYTES} bytes`, [{ field: "(body)", problem: `must be at most ${MAX_BODY_BYTES} bytes` }]);
  }
  let text: string;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    throw new RequestError(400, "MalformedBody", "body is not valid UTF-8", [{ field: "(body)", problem: "is not valid UTF-8" }]);
  }
  if (text.trim() === "") {
    throw new RequestError(400, "MissingBody", "a JSON body is required", [{ field: "(body)", problem: "is required" }]);
  }
  return text;
}
