/**
 * Errors that end as an HTTP answer. They never leave the function (the
 * handler maps every error to a response), so they are not part of the
 * Step Functions error-name contract in shared/errors.ts.
 *
 * Messages are written for the caller and never contain a submitted value:
 * they name the field and what is wrong with it.
 */

export interface FieldProblem {
  /** The field's name ("(body)" for the body as a whole). */
  readonly field: string;
  readonly problem: string;
}

/** The request cannot be processed as sent: 400, 404, 405, 413 or 415. Retrying the same request cannot succeed. */
export class RequestError extends Error {
  constructor(
    readonly statusCode: 400 | 404 | 405 | 413 | 415,
    readonly code: string,
    message: string,
    readonly fields: readonly FieldProblem[] = [],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = "RequestError";
  }
}

/** The transactionId is already recorded with a different payload: 409. */
export class TransactionConflictError extends Error {
  constructor(readonly transactionId: string) {
    super(`transactionId ${transactionId} is already recorded with a different payload`);
    this.name = "TransactionConflictError";
  }
}
