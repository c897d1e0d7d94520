/**
 * DNS names of the service, derived from configuration alone so that every
 * stack (application, DNS, automation, canaries) agrees without reading
 * another stack's state:
 *
 * - the global name clients use: <recordName>.<domainName>, routed by Route 53;
 * - one regional name per region: <recordName>-<region code>.<domainName>,
 *   an alias of that region's load balancer, probed by health checks,
 *   canaries and the health monitor;
 * - two witness names per region: _dr-alive-<code>.<domainName> and
 *   _dr-app-<code>.<domainName>, TXT failover pairs through which the other
 *   region reads Route 53's view of this one (docs/failover-protocol.md).
 */
import { AwsRegion, regionCode } from "./aws-regions";
import { DrConfig } from "./config/model";

export function globalHost(config: DrConfig): string {
  return `${config.dns.recordName}.${config.dns.domainName}`;
}

export function regionalHost(config: DrConfig, region: AwsRegion): string {
  return `${config.dns.recordName}-${regionCode(region)}.${config.dns.domainName}`;
}

/** HTTPS URL of a region's health check path. */
export function regionalHealthUrl(config: DrConfig, region: AwsRegion): string {
  return `https://${regionalHost(config, region)}${config.service.healthCheckPath}`;
}

export function globalHealthUrl(config: DrConfig): string {
  return `https://${globalHost(config)}${config.service.healthCheckPath}`;
}

/** HTTPS URL of a path on a region's regional name. */
export function regionalUrl(config: DrConfig, region: AwsRegion, path: string): string {
  return `https://${regionalHost(config, region)}${path}`;
}

/** TXT witness name of a region: what Route 53's checkers see of its load balancer (alive) or its service (app). */
export function witnessName(config: DrConfig, region: AwsRegion, kind: "alive" | "app"): string {
  return `_dr-${kind}-${regionCode(region)}.${config.dns.domainName}`;
}
