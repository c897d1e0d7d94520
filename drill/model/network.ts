/**
 * The network model of the drill: which paths between the two regions, the
 * internet, Route 53's health checkers and a third-region witness are up.
 *
 * Paths (and the faults that cut them):
 *
 * | path                                   | cut by                                              |
 * |----------------------------------------|-----------------------------------------------------|
 * | caller in X -> API endpoints of X      | X down, X's API endpoints down                      |
 * | caller in X -> API endpoints of Y      | X or Y down, Y's API endpoints down, X's egress     |
 * |                                        | down, the X-Y partition                             |
 * | X -> the internet (the probe's NAT)    | X down, X's egress down                             |
 * | X -> Y's public load balancer          | as X -> the internet, plus Y down, the partition    |
 * | the internet / Route 53 checkers -> X  | X down                                              |
 * | replication X <-> Y (Aurora, DynamoDB) | X or Y down, the partition                          |
 * | DNS through X's VPC resolver           | X down, X's resolver down (not X's egress: the      |
 * |                                        | resolver is in the VPC)                             |
 * | the third-region witness               | witness down                                        |
 *
 * In-region API calls go through VPC endpoints (interface endpoints, the
 * DynamoDB gateway endpoint): a region's egress failure does not affect them.
 * A cross-region API call leaves through the caller's NAT gateway (modelling
 * choice: the project has no inter-region VPC endpoints for AWS APIs).
 *
 * A caller of `undefined` is "the test itself" (outside any region): it reaches
 * every API endpoint that is up.
 */

export type PathName = "api" | "egress" | "internet-to-region" | "replication" | "witness" | "dns";

export interface NetworkChange {
  readonly atMs: number;
  readonly change: string;
}

export class NetworkModel {
  private readonly regionsDown = new Set<string>();
  private readonly egressDown = new Set<string>();
  private readonly ingressDown = new Set<string>();
  private readonly apiDown = new Set<string>();
  private readonly partitions = new Set<string>();
  private readonly resolversDown = new Set<string>();
  private witnessIsDown = false;
  /** Every change, for the report's timeline. */
  readonly changes: NetworkChange[] = [];

  constructor(private readonly now: () => number = () => 0) {}

  private record(change: string): void {
    this.changes.push({ atMs: this.now(), change });
  }

  // ------------------------------------------------------------ faults
  setRegionDown(region: string, down = true): void {
    if (down) this.regionsDown.add(region);
    else this.regionsDown.delete(region);
    this.record(`${region} ${down ? "down" : "up"}`);
  }

  setEgressDown(region: string, down = true): void {
    if (down) this.egressDown.add(region);
    else this.egressDown.delete(region);
    this.record(`${region} egress ${down ? "down" : "up"}`);
  }

  setApiDown(region: string, down = true): void {
    if (down) this.apiDown.add(region);
    else this.apiDown.delete(region);
    this.record(`${region} API endpoints ${down ? "down" : "up"}`);
  }

  /** Cuts (or heals) every path between the two regions: API calls, probes, replication. */
  setPartition(a: string, b: string, partitioned = true): void {
    const key = pairKey(a, b);
    if (partitioned) this.partitions.add(key);
    else this.partitions.delete(key);
    this.record(`partition ${a} <-> ${b} ${partitioned ? "on" : "healed"}`);
  }

  /** `region`'s VPC resolver fails (lookups time out): its DNS-based signals and its probe's name resolution. */
  setResolverDown(region: string, down = true): void {
    if (down) this.resolversDown.add(region);
    else this.resolversDown.delete(region);
    this.record(`${region} DNS resolver ${down ? "down" : "up"}`);
  }

  /** The internet (clients, Route 53's checkers, the other region's probe) cannot reach `region`'s load balancer; inside, all works. */
  setIngressDown(region: string, down = true): void {
    if (down) this.ingressDown.add(region);
    else this.ingressDown.delete(region);
    this.record(`${region} ingress from the internet ${down ? "down" : "up"}`);
  }

  setWitnessDown(down = true): void {
    this.witnessIsDown = down;
    this.record(`witness ${down ? "down" : "up"}`);
  }

  // ------------------------------------------------------------ paths
  isRegionUp(region: string): boolean {
    return !this.regionsDown.has(region);
  }

  isEgressUp(region: string): boolean {
    return this.isRegionUp(region) && !this.egressDown.has(region);
  }

  isPartitioned(a: string, b: string): boolean {
    return a !== b && this.partitions.has(pairKey(a, b));
  }

  /** Can code running in `caller` (undefined: the test) reach the API endpoints of `target`? */
  canCallApi(caller: string | undefined, target: string): boolean {
    if (!this.isRegionUp(target) || this.apiDown.has(target)) return false;
    if (caller === undefined || caller === target) return caller === undefined || this.isRegionUp(caller);
    return this.isEgressUp(caller) && !this.isPartitioned(caller, target);
  }

  /** Can the internet (clients, Route 53's checkers) reach `region`'s load balancer? */
  internetReaches(region: string): boolean {
    return this.isRegionUp(region) && !this.ingressDown.has(region);
  }

  /** Can code in `from` reach `to`'s public load balancer over the internet (through its NAT)? */
  canReachPublicEndpoint(from: string | undefined, to: string): boolean {
    if (!this.internetReaches(to)) return false;
    if (from === undefined) return true;
    return this.isEgressUp(from) && !this.isPartitioned(from, to);
  }

  /** Is replication from `source` to `destination` flowing (Aurora storage replication, DynamoDB global tables)? */
  replicationOpen(source: string, destination: string): boolean {
    return this.isRegionUp(source) && this.isRegionUp(destination) && !this.isPartitioned(source, destination);
  }

  /** Can code in `region` resolve names through its VPC resolver? */
  canResolve(region: string | undefined): boolean {
    return region === undefined || (this.isRegionUp(region) && !this.resolversDown.has(region));
  }

  witnessUp(): boolean {
    return !this.witnessIsDown;
  }

  /** A one-line description of every fault in force. */
  describe(): string {
    const parts = [
      ...[...this.regionsDown].map((r) => `${r} down`),
      ...[...this.egressDown].map((r) => `${r} egress down`),
      ...[...this.apiDown].map((r) => `${r} APIs down`),
      ...[...this.partitions].map((p) => `partition ${p}`),
      ...[...this.resolversDown].map((r) => `${r} resolver down`),
      ...(this.witnessIsDown ? ["witness down"] : []),
    ];
    return parts.length === 0 ? "healthy" : parts.join(", ");
  }
}

function pairKey(a: string, b: string): string {
  return [a, b].sort().join("<->");
}
