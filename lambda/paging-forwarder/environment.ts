/**
 * The paging forwarder's environment contract: what the infrastructure
 * (constructs/observability/paging-forwarder.ts) writes and config.ts reads.
 * The integration URL itself is never part of it: the function reads it from
 * the secret at run time, so it is in no configuration, cdktf.out or state.
 */
import { envContract } from "../shared/env-contract";

export interface ForwarderEnvironment {
  /** Environment name, on every log line. */
  readonly environment: string;
  /** ARN of the Secrets Manager secret that holds the paging service's integration URL. */
  readonly secretId: string;
}

export const FORWARDER_ENVIRONMENT = envContract<ForwarderEnvironment>({
  environment: "ENVIRONMENT",
  secretId: "PAGING_SECRET_ID",
});
