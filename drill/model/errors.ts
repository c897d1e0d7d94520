/** Errors shaped like the AWS SDK v3's, as the model throws them. */
export type ErrorFault = "client" | "server";

/** An error shaped like an AWS SDK v3 service exception. */
export function awsError(name: string, message = name, fault: ErrorFault = "client", httpStatusCode = fault === "server" ? 500 : 400): Error {
  return Object.assign(new Error(message), { name, $fault: fault, $metadata: { httpStatusCode } });
}

export function throttling(): Error {
  return awsError("ThrottlingException", "Rate exceeded", "client", 400);
}

/** What a call to an unreachable region looks like: the socket times out. */
export function unreachable(region: string): Error {
  return Object.assign(new Error(`connect ETIMEDOUT ${region}`), { name: "TimeoutError", code: "ETIMEDOUT" });
}

/** A lost response: the request took effect, the caller's socket was reset. */
export function lostResponse(): Error {
  return Object.assign(new Error("socket hang up"), { name: "TimeoutError", code: "ECONNRESET" });
}
