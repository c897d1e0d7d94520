/** Per-region values of the configuration, looked up by region rather than by role. */
import { AwsRegion } from "../lib/aws-regions";
import { DrConfig } from "../lib/config/model";

export function regionCidr(config: DrConfig, region: AwsRegion): string {
  return region === config.regions.primary ? config.network.cidrs.primary : config.network.cidrs.secondary;
}
