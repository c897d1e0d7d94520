/**
 * The transaction payload: validation (zod), canonical form and its hash.
 *
 * Request body: a JSON object with exactly these fields.
 *
 * | field         | type   | rule                                                                         |
 * |---------------|--------|------------------------------------------------------------------------------|
 * | transactionId | string | idempotency key: 1-64 of [A-Za-z0-9_-] (a UUID fits)                         |
 * | amount        | string | decimal > 0, at most 15 integer digits and 2 decimals ("12.3", "12.30"); a JSON number is refused, never parsed as a float |
 * | currency      | string | ISO 4217 alphabetic code: 3 uppercase letters                                |
 * | debitAccount  | string | 4-34 letters or digits (an IBAN fits)                                        |
 * | creditAccount | string | same rule, and different from debitAccount                                   |
 * | timestamp     | string | ISO-8601 date-time with seconds and a zone (Z or +hh:mm), at most milliseconds |
 * | reference     | string | optional, 1-140 characters, no control characters                            |
 *
 * Any other field, a missing field, a wrong type or a bad value is a 400 that
 * names every offending field and says what is expected. Messages never repeat
 * a submitted value (account numbers, references); an unknown field is named
 * only when its name itself looks like a field name.
 *
 * Canonical form: amount with exactly two decimals ("12.3" -> "12.30"), the
 * timestamp in UTC with milliseconds (toISOString), the other fields as sent,
 * keys sorted. Two requests with the same canonical form are the same
 * transaction; `payloadSha256` (SHA-256 of the canonical JSON) is what a
 * duplicate is compared on.
 */
import { createHash } from "crypto";
import { z } from "zod";
import { FieldProblem, RequestError } from "./errors";

/** Largest body accepted, bytes (ALB allows 1 MB; a transaction is well under 1 KB). */
export const MAX_BODY_BYTES = 16 * 1024;

export const TRANSACTION_FIELDS = ["transactionId", "amount", "currency", "debitAccount", "creditAccount", "timestamp", "reference"] as const;

export interface Transaction {
  readonly transactionId: string;
  /** Canonical: digits, a dot and exactly two decimals. */
  readonly amount: string;
  readonly currency: string;
  readonly debitAccount: string;
  readonly creditAccount: string;
  /** Canonical: UTC, milliseconds, "Z". */
  readonly timestamp: string;
  readonly reference?: string;
}

const TRANSACTION_ID = /^[A-Za-z0-9_-]{1,64}$/;
const AMOUNT = /^(0|[1-9][0-9]{0,14})(\.[0-9]{1,2})?$/;
const CURRENCY = /^[A-Z]{3}$/;
const ACCOUNT = /^[A-Za-z0-9]{4,34}$/;
const AT_MOST_MILLISECONDS = /T\d\d:\d\d:\d\d(\.\d{1,3})?(Z|[+-]\d\d:\d\d)$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** "is required" when absent, "must be a string" otherwise. */
function text(): z.ZodString {
  return z.string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") });
}

const schema = z
  .strictObject({
    transactionId: text().regex(TRANSACTION_ID, { error: "must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'" }),
    amount: z
      .string({ error: (issue) => (issue.input === undefined ? "is required" : 'must be a decimal string such as "12.34", not a JSON number') })
      .superRefine((value, ctx) => {
        if (/^-/.test(value)) ctx.addIssue({ code: "custom", message: "must be greater than 0" });
        else if (!AMOUNT.test(value)) ctx.addIssue({ code: "custom", message: "must be a decimal with at most 15 integer digits and at most 2 decimals, without sign, exponent or leading zeros" });
        else if (/^0(\.0{1,2})?$/.test(value)) ctx.addIssue({ code: "custom", message: "must be greater than 0" });
      }),
    currency: text().regex(CURRENCY, { error: "must be an ISO 4217 currency code: 3 uppercase letters" }),
    debitAccount: text().regex(ACCOUNT, { error: "must be 4-34 letters or digits" }),
    creditAccount: text().regex(ACCOUNT, { error: "must be 4-34 letters or digits" }),
    timestamp: text()
      .pipe(z.iso.datetime({ offset: true, abort: true, error: "must be an ISO-8601 date-time with seconds and a time zone, e.g. 2025-01-31T12:00:00Z" }))
      .refine((value) => AT_MOST_MILLISECONDS.test(value), { error: "must have at most millisecond precision" }),
    reference: z
      .string({ error: "must be a string" })
      .min(1, { error: "must not be empty when present" })
      .max(140, { error: "must be at most 140 characters" })
      .refine((value) => !CONTROL_CHARACTERS.test(value), { error: "must not contain control characters" })
      .optional(),
  })
  .refine((t) => t.debitAccount !== t.creditAccount, { path: ["creditAccount"], error: "must differ from debitAccount" });

/** A field name safe to repeat in a response or a log line. */
function safeFieldName(key: string): string {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(key) ? key : "(unprintable field name)";
}

function problemsOf(error: z.ZodError): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) problems.push({ field: safeFieldName(key), problem: "is not an accepted field" });
    } else {
      const field = issue.path.length > 0 ? String(issue.path[0]) : "(body)";
      problems.push({ field: safeFieldName(field), problem: issue.message });
    }
  }
  const order = (field: string): number => {
    const i = (TRANSACTION_FIELDS as readonly string[]).indexOf(field);
    return i < 0 ? TRANSACTION_FIELDS.length : i;
  };
  return problems.sort((a, b) => order(a.field) - order(b.field));
}

function invalid(fields: readonly FieldProblem[]): RequestError {
  const message = fields.map((f) => `${f.field} ${f.problem}`).join("; ");
  return new RequestError(400, "InvalidTransaction", message, fields);
}

/** The amount with exactly two decimals. */
export function canonicalAmount(amount: string): string {
  const [whole, fraction = ""] = amount.split(".");
  return `${whole}.${fraction.padEnd(2, "0")}`;
}

/**
 * Parses and validates the decoded body text. Throws RequestError (400) for
 * malformed JSON, a non-object body or any invalid field.
 */
export function parseTransaction(bodyText: string): Transaction {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    throw new RequestError(400, "MalformedJson", "body is not valid JSON", [{ field: "(body)", problem: "is not valid JSON" }]);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw invalid([{ field: "(body)", problem: "must be a JSON object" }]);
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw invalid(problemsOf(result.error));
  const t = result.data;
  return {
    transactionId: t.transactionId,
    amount: canonicalAmount(t.amount),
    currency: t.currency,
    debitAccount: t.debitAccount,
    creditAccount: t.creditAccount,
    timestamp: new Date(t.timestamp).toISOString(),
    ...(t.reference === undefined ? {} : { reference: t.reference }),
  };
}

/** JSON with keys sorted, no whitespace: the same transaction always gives the same text. */
export function canonicalJson(transaction: Transaction): string {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(transaction).sort()) {
    const value = transaction[key as keyof Transaction];
    if (value !== undefined) sorted[key] = value;
  }
  return JSON.stringify(sorted);
}

/** SHA-256 (hex) of the canonical JSON. */
export function payloadSha256(transaction: Transaction): string {
  return createHash("sha256").update(canonicalJson(transaction), "utf8").digest("hex");
}

/** Masks an account number for logs and responses: the last 4 characters of a long one, nothing of a short one. */
export function maskAccount(account: string): string {
  return account.length >= 10 ? `****${account.slice(-4)}` : "****";
}
