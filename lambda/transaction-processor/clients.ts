/**
 * Who may call the transaction API and what each caller may debit.
 *
 * Authentication happens at the load balancer: the listener rule in front of
 * this function validates the caller's JWT (an OAuth 2.0 access token of the
 * client-credentials grant: signature against the issuer's JWKS, `iss`, `exp`,
 * `nbf`, `iat` and the configured claims) before it forwards anything
 * (constructs/app/transaction-endpoint.ts; docs/security.md says why JWT and
 * not mutual TLS). The load balancer forwards the token unchanged in the
 * Authorization header, and the function is invoked only through that rule
 * (its target group has no other route, and the function's resource policy
 * admits only that target group), so the function reads the client's identity
 * from the token's payload. It re-checks what is cheap (the issuer, the expiry)
 * as a second line against a mis-set rule; it does not verify the signature
 * again (that would need the issuer's keys, fetched over the internet).
 *
 * Authorization is the client registry: for each client id, the accounts it may
 * debit (an exact account, or a prefix ending in `*`). A client that is not in
 * the registry may debit nothing. The registry is configuration
 * (transactionApi.clients), written into the function's environment
 * (CLIENT_REGISTRY, JSON): a change is a deployment, and takes effect for every
 * new invocation at once (Lambda starts new execution environments for a new
 * configuration), so revoking a client does not wait for a cache.
 *
 * Records are keyed per client: (clientId, transactionId) is the idempotency
 * key (record.ts), so a client can neither claim nor detect another client's
 * transactionId.
 */
import { AlbEvent, header } from "./alb";

/** Client ids: letters, digits, '.', '_', '@', '-' (fit an S3 key segment and the time index's sort key; never '#'). */
export const CLIENT_ID = /^[A-Za-z0-9._@-]{1,128}$/;

/** An account pattern of the registry: an account (4-34 letters or digits), or a prefix of one ending in '*'. */
export const ACCOUNT_PATTERN = /^[A-Za-z0-9]{1,34}\*?$/;

/** Seconds a token may be past its `exp` by the time it reaches the function (the load balancer checked it just before). */
export const EXPIRY_LEEWAY_SECONDS = 30;

export interface AuthSettings {
  /** The `iss` the load balancer validates; undefined: authentication is not configured, every write is refused. */
  readonly issuer: string | undefined;
  /** The claim that names the client (RFC 9068: client_id). */
  readonly clientIdClaim: string;
}

/** Client id -> the accounts (exact, or prefix*) it may debit. */
export type ClientRegistry = ReadonlyMap<string, readonly string[]>;

/** The caller is not authenticated: 401. */
export class AuthenticationError extends Error {
  constructor(readonly code: "MissingToken" | "InvalidToken" | "AuthenticationNotConfigured", message: string) {
    super(message);
    this.name = "AuthenticationError";
  }
}

/** The authenticated caller may not do this: 403. */
export class AuthorizationError extends Error {
  constructor(
    readonly code: "UnknownClient" | "DebitAccountNotAllowed",
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "AuthorizationError";
  }
}

function base64UrlJson(segment: string): unknown {
  if (!/^[A-Za-z0-9_-]+$/.test(segment)) throw new Error("not base64url");
  return JSON.parse(Buffer.from(segment, "base64url").toString("utf8")) as unknown;
}

/** The client id of the request, from the bearer token the load balancer validated. */
export function authenticate(event: AlbEvent, settings: AuthSettings, nowMs: number): string {
  if (settings.issuer === undefined) {
    throw new AuthenticationError("AuthenticationNotConfigured", "the transaction API has no token issuer configured; every request is refused");
  }
  const authorization = header(event, "authorization");
  const match = authorization === undefined ? null : /^Bearer\s+([^\s]+)$/i.exec(authorization.trim());
  if (!match) throw new AuthenticationError("MissingToken", "an Authorization: Bearer <access token> header is required");
  const parts = match[1]!.split(".");
  let claims: Record<string, unknown>;
  try {
    if (parts.length !== 3) throw new Error("not three segments");
    const payload = base64UrlJson(parts[1]!);
    if (payload === null || typeof payload !== "object" || Array.isArray(payload)) throw new Error("payload is not an object");
    claims = payload as Record<string, unknown>;
  } catch {
    throw new AuthenticationError("InvalidToken", "the bearer token is not a JWT");
  }
  if (claims.iss !== settings.issuer) throw new AuthenticationError("InvalidToken", "the token was not issued by the configured issuer");
  if (typeof claims.exp !== "number" || claims.exp + EXPIRY_LEEWAY_SECONDS < nowMs / 1000) {
    throw new AuthenticationError("InvalidToken", "the token has expired");
  }
  const clientId = claims[settings.clientIdClaim];
  if (typeof clientId !== "string" || !CLIENT_ID.test(clientId)) {
    throw new AuthenticationError("InvalidToken", `the token's ${settings.clientIdClaim} claim is missing or not a client id`);
  }
  return clientId;
}

/** Whether `account` matches one of `patterns` (exact, or prefix*). */
export function accountAllowed(patterns: readonly string[], account: string): boolean {
  return patterns.some((p) => (p.endsWith("*") ? account.startsWith(p.slice(0, -1)) : account === p));
}

/** Refuses a debit the registry does not allow this client. */
export function authorizeDebit(registry: ClientRegistry, clientId: string, debitAccount: string): void {
  const allowed = registry.get(clientId);
  if (!allowed) throw new AuthorizationError("UnknownClient", "this client is not registered for the transaction API");
  if (!accountAllowed(allowed, debitAccount)) {
    throw new AuthorizationError("DebitAccountNotAllowed", "debitAccount is not an account this client may debit", "debitAccount");
  }
}

/** Parses CLIENT_REGISTRY ({"<client id>": ["<account or prefix*>", ...]}); throws a message naming what is wrong. */
export function parseClientRegistry(text: string | undefined): ClientRegistry {
  if (text === undefined) return new Map();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error("is not JSON");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("must be a JSON object of client ids");
  const registry = new Map<string, readonly string[]>();
  for (const [clientId, accounts] of Object.entries(parsed as Record<string, unknown>)) {
    if (!CLIENT_ID.test(clientId)) throw new Error(`has a client id that is not one: ${JSON.stringify(clientId.slice(0, 40))}`);
    if (!Array.isArray(accounts) || !accounts.every((a) => typeof a === "string" && ACCOUNT_PATTERN.test(a))) {
      throw new Error(`client ${clientId}: the accounts must be a list of account numbers or prefixes ending in *`);
    }
    registry.set(clientId, accounts as string[]);
  }
  return registry;
}
