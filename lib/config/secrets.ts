/**
 * Recognizes values that look like credentials in plain configuration.
 * `service.environment` is written as plain text into the ECS task definition
 * and into cdktf.out; a secret there is readable by anyone who can describe
 * the task. The checks are a name test and a few unmistakable value shapes.
 *
 * Hand-written rather than a scanner library (secretlint and its presets scan files
 * asynchronously with many dependencies); these patterns are the published formats of
 * AWS access keys (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html),
 * PEM private keys (RFC 7468), JSON Web Tokens (RFC 7519) and URLs with user information (RFC 3986).
 */

/** A variable name that says it holds a secret (and is not merely the name, ARN or id of one). */
const SECRET_NAME = /(^|_)(PASSWORD|PASSWD|PASSPHRASE|PWD|SECRET|SECRET_KEY|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CLIENT_SECRET|CREDENTIALS?|AUTH)(_|$)/i;
const REFERENCE_SUFFIX = /(_|^)(NAME|ARN|ID|PATH|FILE|URL|ENDPOINT|REGION|HEADER|TYPE|TTL|EXPIRY|LENGTH)$/i;

const SECRET_VALUES: readonly { readonly pattern: RegExp; readonly what: string }[] = [
  { pattern: /(^|[^A-Z0-9])(AKIA|ASIA)[A-Z0-9]{16}([^A-Z0-9]|$)/, what: "an AWS access key id" },
  { pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, what: "a PEM private key" },
  { pattern: /^eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*$/, what: "a JSON Web Token" },
  { pattern: /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, what: "a URL with a password in it" },
];

/** Why a variable looks like a credential, or undefined. */
export function credentialReason(name: string, value: string): string | undefined {
  for (const { pattern, what } of SECRET_VALUES) {
    if (pattern.test(value)) return `holds what looks like ${what}`;
  }
  if (value !== "" && SECRET_NAME.test(name) && !REFERENCE_SUFFIX.test(name) && !/^arn:/.test(value)) {
    return "is named like a credential and has a value";
  }
  return undefined;
}
