/**
 * The answers of the witness TXT records (constructs/traffic/dns-failover.ts):
 * the PRIMARY of each failover pair answers WITNESS_UP while its Route 53 check
 * is healthy, the SECONDARY answers WITNESS_DOWN otherwise. Read by signals.ts.
 */
export const WITNESS_UP = "up";
export const WITNESS_DOWN = "down";
