/**
 * Totals per currency of canonical decimal amounts ("125.50": digits, a dot,
 * exactly two decimals; lambda/transaction-processor/payload.ts), summed in
 * integer minor units (BigInt): no float ever touches money.
 */

const CANONICAL = /^(0|[1-9][0-9]*)\.([0-9]{2})$/;

/** "125.50" -> 12550n; throws on anything not canonical. */
export function toMinorUnits(amount: string): bigint {
  const m = CANONICAL.exec(amount);
  if (!m) throw new Error(`not a canonical amount: ${JSON.stringify(amount)}`);
  return BigInt(m[1] as string) * 100n + BigInt(m[2] as string);
}

/** 12550n -> "125.50". */
export function fromMinorUnits(units: bigint): string {
  const sign = units < 0n ? "-" : "";
  const abs = units < 0n ? -units : units;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
}

/** Sum of amounts per currency, currencies in alphabetical order. */
export function totalsByCurrency(items: readonly { readonly amount: string; readonly currency: string }[]): Record<string, string> {
  const sums = new Map<string, bigint>();
  for (const item of items) sums.set(item.currency, (sums.get(item.currency) ?? 0n) + toMinorUnits(item.amount));
  return Object.fromEntries([...sums.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([currency, units]) => [currency, fromMinorUnits(units)]));
}

/** Adds two totals maps. */
export function addTotals(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): Record<string, string> {
  const items = [...Object.entries(a), ...Object.entries(b)].map(([currency, amount]) => ({ currency, amount }));
  return totalsByCurrency(items);
}
