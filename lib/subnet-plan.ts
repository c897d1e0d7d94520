/**
 * How a VPC block is carved into subnets, computed from configuration alone
 * so that both the network construct and validation use one plan.
 *
 * Private subnets (tasks, Lambdas) get half of the block, public subnets (load
 * balancers, NAT) a quarter and isolated subnets (databases) a quarter. Each
 * tier is split into a power-of-two number of equal slots, one per zone.
 */
import { formatAddress, parseCidr } from "./config/cidr";

export type SubnetTier = "public" | "private" | "isolated";
export const SUBNET_TIERS: readonly SubnetTier[] = ["public", "private", "isolated"];

/** AWS refuses subnets smaller than /28. */
export const SMALLEST_SUBNET_PREFIX = 28;

export type SubnetPlan = Record<SubnetTier, string[]>;

function slotsFor(zoneCount: number): number {
  let slots = 1;
  while (slots < zoneCount) slots *= 2;
  return slots;
}

/** The prefix of the smallest subnets the plan creates for this block and zone count. */
export function smallestSubnetPrefix(vpcPrefix: number, zoneCount: number): number {
  return vpcPrefix + 2 + Math.log2(slotsFor(zoneCount));
}

export function planSubnets(vpcCidr: string, zoneCount: number): SubnetPlan {
  const parsed = parseCidr(vpcCidr);
  if (!parsed.ok) throw new Error(`Cannot plan subnets for ${vpcCidr}: ${parsed.message}`);
  const slotBits = Math.log2(slotsFor(zoneCount));
  if (smallestSubnetPrefix(parsed.prefix, zoneCount) > SMALLEST_SUBNET_PREFIX) {
    throw new Error(`${vpcCidr} is too small for ${zoneCount} zones`);
  }
  const size = (prefix: number) => 2 ** (32 - prefix);
  const tier = (offset: number, tierPrefix: number): string[] => {
    const subnetPrefix = tierPrefix + slotBits;
    return Array.from({ length: zoneCount }, (_, i) => `${formatAddress(parsed.network + offset + i * size(subnetPrefix))}/${subnetPrefix}`);
  };
  const half = size(parsed.prefix + 1);
  const quarter = size(parsed.prefix + 2);
  return {
    private: tier(0, parsed.prefix + 1),
    public: tier(half, parsed.prefix + 2),
    isolated: tier(half + quarter, parsed.prefix + 2),
  };
}

/** The block that holds every private subnet: what the peer region's database rule opens to. */
export function privateTierCidr(vpcCidr: string): string {
  const parsed = parseCidr(vpcCidr);
  if (!parsed.ok) throw new Error(`Invalid CIDR ${vpcCidr}`);
  return `${formatAddress(parsed.network)}/${parsed.prefix + 1}`;
}

/** The block that holds every isolated (database) subnet: what the peer region's tasks send the database port to. */
export function isolatedTierCidr(vpcCidr: string): string {
  const parsed = parseCidr(vpcCidr);
  if (!parsed.ok) throw new Error(`Invalid CIDR ${vpcCidr}`);
  // Private: the first half; public: the third quarter; isolated: the last quarter (planSubnets).
  return `${formatAddress(parsed.network + 3 * 2 ** (32 - parsed.prefix - 2))}/${parsed.prefix + 2}`;
}
