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
type Kms = ParsedConfig["kms"];
type Audit = ParsedConfig["audit"];
type Service = ParsedConfig["service"];
type TransactionApi = ParsedConfig["transactionApi"];

/** Seconds one transaction invocation is budgeted at peak when sizing reserved concurrency (AWS calls with retries). */
export const TRANSACTION_SECONDS_AT_PEAK = 2;

export type ResolvedBackend =
  | Extract<Backend, { type: "s3" }>
  | Extract<Backend, { type: "local" }>
  | (Extract<Backend, { type: "cloud" }> & { readonly workspacePrefix: string });

export interface DrConfig
  extends Omit<ParsedConfig, "regions" | "network" | "database" | "backend" | "backup" | "waf" | "kms" | "audit" | "service" | "transactionApi"> {
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
  readonly backup: Omit<Backup, "continuousBackup" | "vaultLock" | "hourlyRetentionDays" | "airGappedVault"> & {
    readonly hourlyRetentionDays: number;
    readonly continuousBackup: boolean;
    readonly vaultLock: Omit<Backup["vaultLock"], "enabled" | "mode" | "minRetentionDays" | "changeableForDays"> & {
      readonly enabled: boolean;
      readonly mode: "compliance" | "governance";
      readonly minRetentionDays: number;
      /** Set in compliance mode only (the lock's cooling-off period); undefined in governance mode. */
      readonly changeableForDays: number | undefined;
    };
    readonly airGappedVault: Omit<Backup["airGappedVault"], "enabled"> & { readonly enabled: boolean };
  };
  readonly kms: Omit<Kms, "administratorRoleArns"> & {
    /** Who administers the keys: configured, or the deploy and break-glass roles. */
    readonly administratorRoleArns: readonly string[];
  };
  readonly audit: Omit<Audit, "dataEvents" | "objectLock"> & {
    readonly dataEvents: "all" | "writes" | "none";
    readonly objectLock: Omit<Audit["objectLock"], "enabled"> & { readonly enabled: boolean };
  };
}

/** The vault lock's minimum retention by profile: a week to notice a tampered plan where it counts. */
export const PROTECTED_MIN_RETENTION_DAYS = 7;
/** Hourly retention of the destroyable profile (dev keeps two days of hourly points). */
export const DESTROYABLE_HOURLY_RETENTION_DAYS = 2;
/** AWS Backup enforces a 72-hour cooling-off before a compliance-mode lock becomes immutable: at least 3 days. */
export const MIN_CHANGEABLE_FOR_DAYS = 3;

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
    backup: resolveBackup(parsed),
    kms: {
      ...parsed.kms,
      administratorRoleArns: parsed.kms.administratorRoleArns ?? [...new Set([...parsed.iam.deployRoleArns, ...parsed.iam.breakGlassRoleArns])],
    },
    audit: {
      ...parsed.audit,
      dataEvents: parsed.audit.dataEvents ?? (parsed.destroyProfile === "protected" ? "all" : "none"),
      objectLock: { ...parsed.audit.objectLock, enabled: parsed.audit.objectLock.enabled ?? parsed.destroyProfile === "protected" },
    },
  };
}

function resolveBackup(parsed: ParsedConfig): DrConfig["backup"] {
  const protectedProfile = parsed.destroyProfile === "protected";
  const lock = parsed.backup.vaultLock;
  // An explicit changeableForDays without a mode asks for compliance mode, as it did before the mode existed.
  const mode = lock.mode ?? (lock.changeableForDays !== undefined || protectedProfile ? "compliance" : "governance");
  const minRetentionDays = lock.minRetentionDays ?? (protectedProfile ? PROTECTED_MIN_RETENTION_DAYS : 1);
  return {
    ...parsed.backup,
    hourlyRetentionDays:
      parsed.backup.hourlyRetentionDays ?? (protectedProfile ? Math.max(minRetentionDays, PROTECTED_MIN_RETENTION_DAYS) : DESTROYABLE_HOURLY_RETENTION_DAYS),
    continuousBackup: parsed.backup.continuousBackup ?? parsed.targets.rpoSeconds < CONTINUOUS_BACKUP_BELOW_RPO_SECONDS,
    vaultLock: {
      ...lock,
      enabled: lock.enabled ?? protectedProfile,
      mode,
      minRetentionDays,
      changeableForDays: mode === "compliance" ? (lock.changeableForDays ?? MIN_CHANGEABLE_FOR_DAYS) : lock.changeableForDays,
    },
    airGappedVault: { ...parsed.backup.airGappedVault, enabled: parsed.backup.airGappedVault.enabled ?? protectedProfile },
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
