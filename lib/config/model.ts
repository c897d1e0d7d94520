/**
 * The resolved configuration that constructs and stacks receive: every default
 * filled in, including those that depend on other fields, plus the role
 * helpers that turn "which region is active" into per-region decisions.
 */
import { AwsRegion } from "../aws-regions";
import { ParsedConfig } from "./schema";
import { DEFAULT_ENGINE_VERSIONS } from "./data/aurora-engines";
import { INTERFACE_ENDPOINT_SERVICES, InterfaceEndpointService } from "../endpoint-services";

/** Default engine versions live with the engine data, the one place to change them. */
export { DEFAULT_ENGINE_VERSIONS } from "./data/aurora-engines";

type Database = ParsedConfig["database"];
type Backup = ParsedConfig["backup"];
type Backend = ParsedConfig["backend"];
type Waf = ParsedConfig["waf"];
type Network = ParsedConfig["network"];
type Service = ParsedConfig["service"];
type TransactionApi = ParsedConfig["transactionApi"];

/** Seconds one transaction invocation is budgeted at peak when sizing reserved concurrency (AWS calls with retries). */
export const TRANSACTION_SECONDS_AT_PEAK = 2;

export type ResolvedBackend =
  | Extract<Backend, { type: "s3" }>
  | Extract<Backend, { type: "local" }>
  | (Extract<Backend, { type: "cloud" }> & { readonly workspacePrefix: string });

export interface DrConfig extends Omit<ParsedConfig, "regions" | "network" | "database" | "backend" | "backup" | "waf" | "service" | "transactionApi"> {
  readonly service: Omit<Service, "targetProtocol"> & { readonly targetProtocol: "HTTPS" | "HTTP" };
  readonly transactionApi: Omit<TransactionApi, "reservedConcurrency"> & { readonly reservedConcurrency: number };
  readonly regions: { readonly primary: AwsRegion; readonly secondary: AwsRegion; readonly active: AwsRegion };
  readonly network: Omit<Network, "interfaceEndpoints"> & { readonly interfaceEndpoints: readonly InterfaceEndpointService[] };
  readonly database: Omit<Database, "engineVersion" | "rpoEnforcement" | "port"> & {
    readonly engineVersion: string;
    readonly rpoEnforcement: "database" | "alarm";
    readonly port: number;
  };
  readonly backend: ResolvedBackend;
  readonly waf: Omit<Waf, "enabled"> & { readonly enabled: boolean };
  readonly backup: Omit<Backup, "continuousBackup" | "vaultLock"> & {
    readonly continuousBackup: boolean;
    readonly vaultLock: Backup["vaultLock"] & { readonly enabled: boolean };
  };
}

/** Continuous backup is worth its cost where the RPO is below an hour. */
export const CONTINUOUS_BACKUP_BELOW_RPO_SECONDS = 3600;

/** Role of a region: fixed (founding or not) and changing (active or standby). */
export type RegionRole = "active" | "standby";

export function resolveConfig(parsed: ParsedConfig): DrConfig {
  const primary = parsed.regions.primary as AwsRegion;
  const secondary = parsed.regions.secondary as AwsRegion;
  const backend: ResolvedBackend =
    parsed.backend.type === "cloud"
      ? { ...parsed.backend, workspacePrefix: parsed.backend.workspacePrefix ?? `${parsed.project}-${parsed.environment}` }
      : parsed.backend;
  return {
    ...parsed,
    regions: { primary, secondary, active: (parsed.regions.active ?? primary) as AwsRegion },
    network: {
      ...parsed.network,
      // The protected profile fails over with no NAT and no internet; the destroyable one reaches the APIs through its NAT gateway.
      interfaceEndpoints: parsed.network.interfaceEndpoints ?? (parsed.destroyProfile === "protected" ? [...INTERFACE_ENDPOINT_SERVICES] : []),
    },
    database: {
      ...parsed.database,
      engineVersion: parsed.database.engineVersion ?? DEFAULT_ENGINE_VERSIONS[parsed.database.engine],
      rpoEnforcement: parsed.database.rpoEnforcement ?? (parsed.database.engine === "aurora-postgresql" ? "database" : "alarm"),
      port: parsed.database.port ?? (parsed.database.engine === "aurora-postgresql" ? 5432 : 3306),
    },
    backend,
    // The placeholder image of the destroyable profile serves plain HTTP; the protected profile encrypts up to the task.
    service: { ...parsed.service, targetProtocol: parsed.service.targetProtocol ?? (parsed.destroyProfile === "protected" ? "HTTPS" : "HTTP") },
    transactionApi: {
      ...parsed.transactionApi,
      reservedConcurrency: parsed.transactionApi.reservedConcurrency ?? Math.ceil(parsed.transactionApi.peakTransactionsPerSecond * TRANSACTION_SECONDS_AT_PEAK),
    },
    // Every load balancer faces the internet and fronts the transaction API: WAF unless a configuration says otherwise.
    waf: { ...parsed.waf, enabled: parsed.waf.enabled ?? true },
    backup: {
      ...parsed.backup,
      continuousBackup: parsed.backup.continuousBackup ?? parsed.targets.rpoSeconds < CONTINUOUS_BACKUP_BELOW_RPO_SECONDS,
      vaultLock: { ...parsed.backup.vaultLock, enabled: parsed.backup.vaultLock.enabled ?? parsed.destroyProfile === "protected" },
    },
  };
}

export function bothRegions(config: DrConfig): readonly [AwsRegion, AwsRegion] {
  return [config.regions.primary, config.regions.secondary];
}

export function roleOf(config: DrConfig, region: AwsRegion): RegionRole {
  return region === config.regions.active ? "active" : "standby";
}

export function standbyRegion(config: DrConfig): AwsRegion {
  return config.regions.active === config.regions.primary ? config.regions.secondary : config.regions.primary;
}

export function otherRegion(config: DrConfig, region: AwsRegion): AwsRegion {
  return region === config.regions.primary ? config.regions.secondary : config.regions.primary;
}
