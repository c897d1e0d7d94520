/**
 * IPv4 blocks a VPC cannot use (or that cannot work as one), checked at synthesis.
 *
 * Sources, checked 2026-11-29:
 * - Amazon VPC user guide, "VPC CIDR blocks" (IPv4 VPC CIDR block restrictions: /16 to /28;
 *   RFC 1918 ranges recommended; publicly routable blocks allowed; some ranges refused):
 *   https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html
 * - IANA IPv4 Special-Purpose Address Registry (RFC 6890), for what each block is:
 *   https://www.iana.org/assignments/iana-ipv4-special-registry/iana-ipv4-special-registry.xhtml
 * The instance metadata service, the Amazon DNS server and NTP live in 169.254.0.0/16, which is why
 * a VPC may never use link-local space.
 */

export const VPC_CIDR_DATA_CHECKED = "2026-11-29";

export const UNUSABLE_VPC_BLOCKS: readonly { readonly cidr: string; readonly what: string }[] = [
  { cidr: "0.0.0.0/8", what: "'this network' (0.0.0.0/8)" },
  { cidr: "127.0.0.0/8", what: "loopback (127.0.0.0/8)" },
  { cidr: "169.254.0.0/16", what: "link-local (169.254.0.0/16, home of the instance metadata service and the Amazon DNS server)" },
  { cidr: "224.0.0.0/4", what: "multicast (224.0.0.0/4)" },
  { cidr: "240.0.0.0/4", what: "reserved for future use (240.0.0.0/4)" },
  { cidr: "192.0.0.0/24", what: "IETF protocol assignments (192.0.0.0/24)" },
  { cidr: "192.0.2.0/24", what: "documentation (TEST-NET-1, 192.0.2.0/24)" },
  { cidr: "198.51.100.0/24", what: "documentation (TEST-NET-2, 198.51.100.0/24)" },
  { cidr: "203.0.113.0/24", what: "documentation (TEST-NET-3, 203.0.113.0/24)" },
  { cidr: "198.18.0.0/15", what: "benchmarking (198.18.0.0/15)" },
  { cidr: "192.88.99.0/24", what: "the deprecated 6to4 relay anycast block (192.88.99.0/24)" },
];

/** What the project recommends instead. */
export const RECOMMENDED_VPC_RANGES = "a private range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)";
