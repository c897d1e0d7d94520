/**
 * ops-<region>: the failover automation and the observability of one region.
 * It builds on the region's base stack (network, keys, alert topic).
 */
import { Construct } from "constructs";
import { BaseStack } from "./base-stack";
import { DrStack, DrStackProps } from "./dr-stack";

export interface OpsStackProps extends DrStackProps {
  /** The same region's base stack. */
  readonly base: BaseStack;
}

export class OpsStack extends DrStack {
  constructor(scope: Construct, props: OpsStackProps) {
    super(scope, props);
  }
}
