/**
 * What `terraform destroy` may do to the resources that hold data or keep the
 * environment reachable: the one removal setting of the project, derived once
 * from configuration (destroyProfile) and passed to every construct that owns
 * such a resource. Each construct translates it into its resource's own terms
 * (lifecycle.prevent_destroy, deletion protection, force_destroy, force_delete,
 * a secret's recovery window, a final snapshot), so the translation of one
 * profile into five AWS spellings lives in the construct that owns the resource.
 *
 * - "retain": refuse to destroy (prevent_destroy), turn deletion protection
 *   on, and never delete contents with the container (production);
 * - "destroy": allow destroy, with contents (dev and test environments).
 *
 * The bootstrap stack's state stores are retained whatever the setting.
 */
import { DrConfig } from "./config/model";

export type RemovalPolicy = "retain" | "destroy";

export function removalPolicyOf(config: DrConfig): RemovalPolicy {
  return config.destroyProfile === "protected" ? "retain" : "destroy";
}
