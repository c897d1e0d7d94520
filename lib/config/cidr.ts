/** IPv4 CIDR parsing for VPC blocks; no library needed for this little. */

export type ParsedCidr =
  | { readonly ok: true; readonly network: number; readonly prefix: number; readonly text: string }
  | { readonly ok: false; readonly message: string };

/**
 * VPC blocks AWS accepts are /16 to /28 (Amazon VPC user guide, "VPC CIDR blocks",
 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html, checked 2026-11-29);
 * the project needs room for three subnet tiers in up to six zones, so it takes /16 to /24.
 */
export const MIN_VPC_PREFIX = 16;
export const MAX_VPC_PREFIX = 24;

const FORMAT = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses a VPC block; with `anyPrefix`, any prefix from /0 to /32 (for reference blocks, not VPCs). */
export function parseCidr(text: string, options: { readonly anyPrefix?: boolean } = {}): ParsedCidr {
  const match = FORMAT.exec(text);
  const allowed = `an IPv4 CIDR block from /${MIN_VPC_PREFIX} to /${MAX_VPC_PREFIX} such as 10.10.0.0/16`;
  if (!match) return { ok: false, message: `is not a CIDR block; allowed: ${allowed}` };
  const octets = match.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return { ok: false, message: `has an octet above 255; allowed: ${allowed}` };
  const prefix = Number(match[5]);
  if (!options.anyPrefix && (prefix < MIN_VPC_PREFIX || prefix > MAX_VPC_PREFIX)) {
    return {
      ok: false,
      message: `has prefix /${prefix}; allowed: ${allowed} (AWS allows /16 to /28, and the project needs room for three subnet tiers in up to six availability zones)`,
    };
  }
  const address = ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const network = (address & mask) >>> 0;
  if (network !== address) {
    return { ok: false, message: `has host bits set; the network address of this block is ${formatAddress(network)}/${prefix}` };
  }
  return { ok: true, network, prefix, text };
}

export function cidrsOverlap(
  a: { readonly network: number; readonly prefix: number },
  b: { readonly network: number; readonly prefix: number },
): boolean {
  const prefix = Math.min(a.prefix, b.prefix);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return ((a.network & mask) >>> 0) === ((b.network & mask) >>> 0);
}

export function formatAddress(address: number): string {
  return [24, 16, 8, 0].map((shift) => (address >>> shift) & 0xff).join(".");
}
