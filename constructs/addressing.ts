/**
 * Terraform addresses of resources grouped by a construct after the fact.
 *
 * cdktf derives a resource's address (its logical id) from its construct
 * path, so wrapping resources that a stack used to create directly in a new
 * construct would change every address below it, and Terraform would destroy
 * and recreate them: a state table, a state machine, an alarm. A construct
 * marked with keepChildAddresses() is left out of its children's addresses
 * (and of the construct path cdktf writes into their metadata); stacks/dr-stack.ts
 * applies it and fails synthesis if two resources would then share an address.
 */
import { IConstruct } from "constructs";

const KEEPS_CHILD_ADDRESSES = Symbol.for("multi-region-dr.keepsChildAddresses");

/**
 * Marks a construct whose id is not part of its children's Terraform
 * addresses. Used by constructs that group resources which stacks created
 * directly before (the failover automation, the ops alarms, lookups): a
 * resource's address is its construct path, and a new level in the path
 * would replace every resource below it. The children keep the addresses
 * (and the metadata paths) they had, so grouping them is a refactoring, not
 * a redeploy. Two children that would then share an address fail synthesis.
 */
export function keepChildAddresses(scope: IConstruct): void {
  (scope as unknown as Record<symbol, boolean>)[KEEPS_CHILD_ADDRESSES] = true;
}

export function keepsChildAddresses(scope: IConstruct): boolean {
  return (scope as unknown as Record<symbol, boolean>)[KEEPS_CHILD_ADDRESSES] === true;
}

