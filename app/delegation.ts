/**
 * Is the domain delegated to the hosted zone? ACM validates a certificate by looking its validation record
 * up in public DNS, so while the parent zone (or the registrar) does not delegate the domain to the zone's
 * name servers, `aws_acm_certificate_validation` waits, up to its 75-minute timeout, for a record nobody can
 * find: the first deploy hangs. The first-deploy sequence (app/first-deploy.ts) stops for this check first.
 *
 * The check asks public resolvers (node:dns; the system's, or the ones named) for the domain's NS records
 * and compares them with the zone's name servers: a recursive resolver follows the delegation from the
 * root, so it answers with the zone's own NS set only when the parent delegates to that zone. Nothing here
 * calls AWS; the resolver is injected, so tests use a fake one.
 */
import { Resolver } from "dns/promises";

/** The one DNS question the check asks. */
export interface NameServerResolver {
  /** The NS records of a name, or a rejection with a node:dns error code (ENOTFOUND, ENODATA, ESERVFAIL, ...). */
  resolveNs(name: string): Promise<string[]>;
}

/** node:dns on the system's resolvers, or on the given servers (for example 1.1.1.1 and 8.8.8.8). */
export function dnsResolver(servers: readonly string[] = []): NameServerResolver {
  const resolver = new Resolver({ timeout: 5000, tries: 2 });
  if (servers.length > 0) resolver.setServers([...servers]);
  return { resolveNs: (name) => resolver.resolveNs(name) };
}

/** Name servers compare case-insensitively and with or without the root's trailing dot. */
export function normalizeNameServer(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, "");
}

/** Codes node:dns gives when the name has no NS records in public DNS: not delegated (yet). */
const NOT_FOUND = new Set(["ENOTFOUND", "ENODATA", "NXDOMAIN", "ENONAME"]);

export type DelegationStatus = "delegated" | "not-delegated" | "other-name-servers" | "unresolved";

export interface DelegationResult {
  readonly status: DelegationStatus;
  readonly domain: string;
  /** The zone's name servers (normalized, sorted); empty when they are not known (an existing zone). */
  readonly expected: readonly string[];
  /** What public DNS answers (normalized, sorted). */
  readonly found: readonly string[];
  /** One paragraph for a person: what was found and what to do. */
  readonly message: string;
}

function instructions(domain: string, expected: readonly string[]): string {
  return expected.length > 0
    ? `Delegate ${domain} at its parent zone (or registrar) with an NS record set listing exactly:\n${expected.map((n) => `    ${n}`).join("\n")}`
    : `Delegate ${domain} at its parent zone (or registrar) to the name servers of its hosted zone ` +
        `(aws route53 get-hosted-zone --id <zone id> --query DelegationSet.NameServers --output text).`;
}

/**
 * One check. With `expected`, the domain is delegated when public DNS answers exactly that NS set; without it
 * (an existing zone whose name servers this project does not know), when it answers any NS set.
 */
export async function checkDelegation(domain: string, expected: readonly string[] | undefined, resolver: NameServerResolver): Promise<DelegationResult> {
  const want = [...new Set((expected ?? []).map(normalizeNameServer))].sort();
  let found: string[];
  try {
    found = [...new Set((await resolver.resolveNs(domain)).map(normalizeNameServer))].sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    if (NOT_FOUND.has(code)) {
      return { status: "not-delegated", domain, expected: want, found: [], message: `${domain} has no NS records in public DNS (${code}). ${instructions(domain, want)}` };
    }
    return { status: "unresolved", domain, expected: want, found: [], message: `The NS lookup of ${domain} failed (${code}); check the resolver and try again.` };
  }
  if (found.length === 0) {
    return { status: "not-delegated", domain, expected: want, found, message: `${domain} has no NS records in public DNS. ${instructions(domain, want)}` };
  }
  if (want.length === 0 || (want.length === found.length && want.every((n, i) => n === found[i]))) {
    return { status: "delegated", domain, expected: want, found, message: `${domain} is delegated to ${found.join(", ")}.` };
  }
  return {
    status: "other-name-servers",
    domain,
    expected: want,
    found,
    message:
      `${domain} is delegated to ${found.join(", ")}, not to its hosted zone: a stale delegation or another zone of the same ` +
      `name. ${instructions(domain, want)}`,
  };
}

export interface WaitOptions {
  /** How long to keep asking, in seconds (0: ask once). */
  readonly waitSeconds: number;
  /** Seconds between questions. @default 30 */
  readonly intervalSeconds?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
}

/** Asks until the domain is delegated or the wait is over (DNS answers are cached up to their TTL). */
export async function waitForDelegation(
  domain: string,
  expected: readonly string[] | undefined,
  resolver: NameServerResolver,
  options: WaitOptions,
): Promise<DelegationResult> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const deadline = now() + options.waitSeconds * 1000;
  for (;;) {
    const result = await checkDelegation(domain, expected, resolver);
    if (result.status === "delegated" || now() >= deadline) return result;
    options.log?.(`not yet: ${result.message.split("\n")[0]} (asking again in ${options.intervalSeconds ?? 30} s)`);
    await sleep((options.intervalSeconds ?? 30) * 1000);
  }
}
