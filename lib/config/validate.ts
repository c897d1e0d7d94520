/**
 * Rules that relate fields to each other or to AWS limits, run after the
 * schema has parsed the shape. Each problem names the field, the bad value and
 * what is allowed. `configWarnings` lists what is legal but probably a mistake.
 */
import { domainToASCII } from "url";
import { AwsRegion, partitionOf } from "../aws-regions";
import { checkAllNames, maxSuffixLength } from "../naming";
import { globalHost, regionalHost } from "../endpoints";
import { awaitWriterBudget } from "../../lambda/failover-orchestrator/state-machine";
import { DrConfig } from "./model";
import { RESERVED_TAG_KEYS } from "./schema";
import { parseCidr, cidrsOverlap } from "./cidr";
import { SMALLEST_SUBNET_PREFIX, smallestSubnetPrefix } from "../subnet-plan";
import { ConfigProblem, ConfigWarning, configProblem } from "./problems";
import { checkAwsCron } from "./cron";
import { credentialReason } from "./secrets";
import { lookUpEngineVersion } from "./data/aurora-engines";
import { checkGlobalDatabaseInstanceClass, globalDatabaseFamilies } from "./data/instance-classes";
import { AVAILABILITY_ZONES } from "./data/availability-zones";
import { RECOMMENDED_VPC_RANGES, UNUSABLE_VPC_BLOCKS } from "./data/vpc-cidrs";
import { DEPRECATED_PUPPETEER_RUNTIMES, SUPPORTED_PUPPETEER_RUNTIMES } from "./data/synthetics-runtimes";
import { ENGINE_RESERVED_NAMES, MYSQL_RESERVED_WORDS, POSTGRESQL_RESERVED_WORDS } from "./data/reserved-names";

export type { ConfigProblem } from "./problems";

/** Fargate task size combinations (CPU units -> allowed memory in MiB). Source: Amazon ECS developer guide, "Task CPU and memory". */
export function fargateMemoryOptions(cpu: number): number[] {
  const range = (from: number, to: number, step: number) => {
    const values: number[] = [];
    for (let v = from; v <= to; v += step) values.push(v);
    return values;
  };
  switch (cpu) {
    case 256:
      return [512, 1024, 2048];
    case 512:
      return range(1024, 4096, 1024);
    case 1024:
      return range(2048, 8192, 1024);
    case 2048:
      return range(4096, 16384, 1024);
    case 4096:
      return range(8192, 30720, 1024);
    case 8192:
      return range(16384, 61440, 4096);
    case 16384:
      return range(32768, 122880, 8192);
    default:
      return [];
  }
}

/** rds.global_db_rpo accepts 20 seconds and more (Aurora PostgreSQL global database documentation). */
export const MIN_GLOBAL_DB_RPO_SECONDS = 20;

/** Minutes of the day (0-1439) a "hh:mm-hh:mm" window covers, wrapping past midnight. */
function windowMinutes(window: string): number[] {
  const [start, end] = window.split("-").map((t) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5)));
  const length = (end - start + 1440) % 1440;
  return Array.from({ length }, (_, i) => (start + i) % 1440);
}

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** Minutes of the week a "ddd:hh:mm-ddd:hh:mm" window covers (Monday 00:00 = 0). */
function maintenanceMinutes(window: string): number[] {
  const toMinute = (t: string) => DAYS.indexOf(t.slice(0, 3)) * 1440 + Number(t.slice(4, 6)) * 60 + Number(t.slice(7, 9));
  const [start, end] = window.split("-").map(toMinute);
  const week = 7 * 1440;
  const length = (end - start + week) % week;
  return Array.from({ length }, (_, i) => (start + i) % week);
}

/** An image in an ECR private registry, pinned by digest: `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>@sha256:<64 hex>`. */
export const ECR_DIGEST_IMAGE = /^\d{12}\.dkr\.ecr\.[a-z]{2}(-[a-z]+)+-\d\.amazonaws\.com(\.cn)?\/[a-z0-9]+(?:[._\/-][a-z0-9]+)*@sha256:[a-f0-9]{64}$/;

/**
 * What a protected profile may run: images from ECR (scanned on push, immutable tags, the account's own keys) pinned by
 * digest, so what runs is exactly the bytes that were scanned and approved; never a tag, which names whatever was pushed
 * last, nor a public registry. service.imageDigest pins the project's own repository of each region; service.image may
 * instead name an ECR image by digest. The X-Ray daemon sidecar image is a public tag (XRAY_DAEMON_IMAGE), so the
 * sidecar is refused there too.
 */
export function imageProblems(config: DrConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { service } = config;
  if (service.imageTag !== undefined && service.imageDigest !== undefined) {
    problems.push(
      configProblem("service.imageTag", service.imageTag, "is set together with service.imageDigest, which already names the image", "one of service.imageTag or service.imageDigest"),
    );
  }
  if (config.destroyProfile !== "protected") return problems;
  if (service.imageDigest === undefined && !ECR_DIGEST_IMAGE.test(service.image)) {
    const field = service.imageTag !== undefined ? "service.imageTag" : "service.image";
    const value = service.imageTag !== undefined ? service.imageTag : service.image;
    problems.push(
      configProblem(
        field,
        value,
        `${service.imageTag !== undefined ? "names the image by a tag (whatever was pushed under it)" : "is not an ECR image pinned by digest"}, ` +
          `and destroyProfile "protected" runs only images pinned by digest from ECR (scanned, immutable)`,
        `service.imageDigest "sha256:<64 hex>" (the project's own repository of each region), or service.image ` +
          `"<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<64 hex>"`,
      ),
    );
  }
  if (service.xraySidecar) {
    problems.push(
      configProblem(
        "service.xraySidecar",
        service.xraySidecar,
        "runs the X-Ray daemon from a public registry by a mutable tag, and destroyProfile \"protected\" runs only images pinned by digest from ECR",
        "false (send traces through the application's own OpenTelemetry exporter, or run the daemon from your repository in your image)",
      ),
    );
  }
  return problems;
}

/** Bytes of CLIENT_REGISTRY the function's environment may take (Lambda allows 4 KB of variables in all; the rest need about 600). */
export const CLIENT_REGISTRY_MAX_BYTES = 3_000;

/** The registry as the function receives it (lambda/transaction-processor/clients.ts parseClientRegistry). */
export function clientRegistryJson(config: DrConfig): string {
  return JSON.stringify(Object.fromEntries(config.transactionApi.clients.map((c) => [c.clientId, c.debitAccounts])));
}

/** The transaction API, the tasks' protocol and the application's database user. */
export function transactionApiProblems(config: DrConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const api = config.transactionApi;
  const ids = api.clients.map((c) => c.clientId);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined) {
    problems.push(configProblem("transactionApi.clients", twice, "lists this clientId more than once", "each clientId once, with all its debitAccounts"));
  }
  const registryBytes = Buffer.byteLength(clientRegistryJson(config), "utf8");
  if (registryBytes > CLIENT_REGISTRY_MAX_BYTES) {
    problems.push(
      configProblem(
        "transactionApi.clients",
        `${api.clients.length} clients`,
        `take ${registryBytes} bytes in the function's environment (Lambda allows 4 KB of variables in all)`,
        `at most ${CLIENT_REGISTRY_MAX_BYTES} bytes: use account prefixes ending in * instead of long lists`,
      ),
    );
  }
  if (api.fenceCacheSeconds > config.failover.sampleIntervalSeconds) {
    problems.push(
      configProblem(
        "transactionApi.fenceCacheSeconds",
        api.fenceCacheSeconds,
        `is longer than failover.sampleIntervalSeconds (${config.failover.sampleIntervalSeconds}), the part of a fence's drain that waits for the fenced region to notice it; writes could land after the drain`,
        `1 to ${config.failover.sampleIntervalSeconds}`,
      ),
    );
  }
  if (config.destroyProfile === "protected" && config.service.targetProtocol !== "HTTPS") {
    problems.push(
      configProblem(
        "service.targetProtocol",
        config.service.targetProtocol,
        "sends requests from the load balancer to the tasks in plain text, and destroyProfile \"protected\" encrypts them up to the task",
        "HTTPS (the container serves TLS on service.containerPort; docs/security.md)",
      ),
    );
  }
  if (config.database.applicationUser === config.database.masterUsername.toLowerCase()) {
    problems.push(
      configProblem("database.applicationUser", config.database.applicationUser, "is the master user; the application gets a user of its own, with least privilege", "any other name, such as app"),
    );
  }
  return problems;
}

export function validateSemantics(config: DrConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: string, value: unknown, message: string) => problems.push({ path, value, message });

  const { primary, secondary, active } = config.regions;
  if (primary === secondary) {
    add("regions.secondary", secondary, `is the same as regions.primary; the disaster-recovery region must be a different AWS region`);
  } else if (partitionOf(primary as AwsRegion) !== partitionOf(secondary as AwsRegion)) {
    add(
      "regions.secondary",
      secondary,
      `is in partition ${partitionOf(secondary as AwsRegion)} but regions.primary (${primary}) is in ` +
        `${partitionOf(primary as AwsRegion)}; a global database, replication and peering need both regions in one partition`,
    );
  }
  if (active !== primary && active !== secondary) {
    add("regions.active", active, `must be one of the two regions of the pair: ${primary} or ${secondary}`);
  }

  const parsedCidrs: { role: "primary" | "secondary"; cidr: ReturnType<typeof parseCidr> }[] = [];
  for (const role of ["primary", "secondary"] as const) {
    const text = config.network.cidrs[role];
    const parsed = parseCidr(text);
    if (!parsed.ok) {
      add(`network.cidrs.${role}`, text, parsed.message);
      continue;
    }
    const smallest = smallestSubnetPrefix(parsed.prefix, config.network.availabilityZones);
    if (smallest > SMALLEST_SUBNET_PREFIX) {
      add(
        `network.cidrs.${role}`,
        text,
        `is too small for ${config.network.availabilityZones} availability zones: its subnets would be /${smallest} and AWS ` +
          `allows /${SMALLEST_SUBNET_PREFIX} at the smallest; use a block of /${parsed.prefix - (smallest - SMALLEST_SUBNET_PREFIX)} or larger`,
      );
      continue;
    }
    parsedCidrs.push({ role, cidr: parsed });
  }
  if (parsedCidrs.length === 2) {
    const [a, b] = parsedCidrs;
    if (a.cidr.ok && b.cidr.ok && cidrsOverlap(a.cidr, b.cidr)) {
      add(
        "network.cidrs.secondary",
        config.network.cidrs.secondary,
        `overlaps network.cidrs.primary (${config.network.cidrs.primary}); peered VPCs need CIDR blocks that do not overlap`,
      );
    }
  }

  const endpoints = config.network.interfaceEndpoints;
  const duplicates = endpoints.filter((service, i) => endpoints.indexOf(service) !== i);
  if (duplicates.length > 0) {
    add("network.interfaceEndpoints", endpoints, `lists ${[...new Set(duplicates)].join(", ")} more than once; name each endpoint service once`);
  }

  const regions = (primary === secondary ? [primary] : [primary, secondary]) as AwsRegion[];
  const violations = checkAllNames({ project: config.project, suffix: config.suffix }, regions);
  if (violations.length > 0) {
    const tooLong = violations.filter((v) => v.problem === "too-long");
    if (tooLong.length > 0) {
      const worst = tooLong.reduce((a, b) => (b.name.length - b.rule.maxLength > a.name.length - a.rule.maxLength ? b : a));
      const max = maxSuffixLength({ project: config.project, suffix: config.suffix }, regions);
      add(
        "suffix",
        config.suffix,
        `is too long: it makes the ${worst.rule.label} "${worst.name}" ${worst.name.length} characters long, and AWS allows at most ` +
          `${worst.rule.maxLength}; with project "${config.project}" the suffix may have at most ${max} characters`,
      );
    } else {
      const first = violations[0];
      add(
        "suffix",
        config.suffix,
        `makes the ${first.rule.label} "${first.name}" invalid: AWS allows ${first.rule.allowed}, ` +
          `${first.rule.minLength ?? 1} to ${first.rule.maxLength} characters`,
      );
    }
  }

  for (const role of ["active", "standby"] as const) {
    const range = config.service.capacity[role];
    if (range.min > range.max) {
      add(
        `service.capacity.${role}.min`,
        range.min,
        `is above service.capacity.${role}.max (${range.max}); the minimum task count must not exceed the maximum`,
      );
    }
  }
  for (const problem of imageProblems(config)) problems.push(problem);
  for (const problem of transactionApiProblems(config)) problems.push(problem);
  const memoryOptions = fargateMemoryOptions(config.service.cpu);
  if (!memoryOptions.includes(config.service.memory)) {
    add(
      "service.memory",
      config.service.memory,
      `is not a Fargate memory size for cpu ${config.service.cpu}; allowed: ${memoryOptions[0]} to ` +
        `${memoryOptions[memoryOptions.length - 1]} MiB in steps of ${memoryOptions[1] - memoryOptions[0]} MiB`,
    );
  }

  const db = config.database;
  if (db.capacity.mode === "serverless-v2" && db.capacity.minAcu > db.capacity.maxAcu) {
    add(
      "database.capacity.minAcu",
      db.capacity.minAcu,
      `is above database.capacity.maxAcu (${db.capacity.maxAcu}); the minimum capacity must not exceed the maximum`,
    );
  }
  if (db.backtrackWindowSeconds !== undefined && db.backtrackWindowSeconds !== 0) {
    add(
      "database.backtrackWindowSeconds",
      db.backtrackWindowSeconds,
      "is not supported: Aurora global databases do not support backtracking (and backtrack exists only on Aurora MySQL). " +
        "Remove it; point-in-time restore within database.backupRetentionDays (1 to 35 days) is what this product offers instead",
    );
  }
  if (db.rpoEnforcement === "database") {
    if (db.engine !== "aurora-postgresql") {
      add(
        "database.rpoEnforcement",
        db.rpoEnforcement,
        `is only available on aurora-postgresql (rds.global_db_rpo); database.engine is ${db.engine}, so use "alarm"`,
      );
    } else if (config.targets.rpoSeconds < MIN_GLOBAL_DB_RPO_SECONDS) {
      add(
        "targets.rpoSeconds",
        config.targets.rpoSeconds,
        `is below ${MIN_GLOBAL_DB_RPO_SECONDS} s, the smallest value rds.global_db_rpo accepts (database.rpoEnforcement is ` +
          `"database", the default on aurora-postgresql); raise the target to at least ${MIN_GLOBAL_DB_RPO_SECONDS} or set ` +
          `database.rpoEnforcement to "alarm"`,
      );
    }
  }

  const backupMinutes = windowMinutes(db.preferredBackupWindow);
  if (backupMinutes.length < 30) {
    add("database.preferredBackupWindow", db.preferredBackupWindow, "must last at least 30 minutes (RDS backup windows)");
  }
  const maintenance = maintenanceMinutes(db.preferredMaintenanceWindow);
  if (maintenance.length < 30) {
    add("database.preferredMaintenanceWindow", db.preferredMaintenanceWindow, "must last at least 30 minutes (RDS maintenance windows)");
  }
  const maintenanceSet = new Set(maintenance);
  const overlaps = backupMinutes.some((b) => [0, 1, 2, 3, 4, 5, 6].some((d) => maintenanceSet.has(b + d * 1440)));
  if (overlaps) {
    add(
      "database.preferredBackupWindow",
      db.preferredBackupWindow,
      `overlaps database.preferredMaintenanceWindow (${db.preferredMaintenanceWindow}); RDS refuses overlapping windows`,
    );
  }

  const backup = config.backup;
  const retentions: [string, number][] = [
    ["backup.hourlyRetentionDays", backup.hourlyRetentionDays],
    ["backup.dailyRetentionDays", backup.dailyRetentionDays],
    ["backup.monthlyRetentionDays", backup.monthlyRetentionDays],
  ];
  if (backup.vaultLock.enabled) {
    const { minRetentionDays: min, maxRetentionDays: max } = backup.vaultLock;
    if (min > max) {
      add("backup.vaultLock.minRetentionDays", min, `is above backup.vaultLock.maxRetentionDays (${max}); the lock's minimum must not exceed its maximum`);
    } else {
      for (const [path, days] of retentions) {
        if (days < min || days > max) {
          add(
            path,
            days,
            `is outside the vault lock's bounds: recovery points and their copies in the other region's locked vault must be kept ` +
              `${min} to ${max} days (backup.vaultLock.minRetentionDays, maxRetentionDays)`,
          );
        }
      }
    }
  }
  if (backup.airGappedVault.enabled) {
    const { minRetentionDays: min, maxRetentionDays: max } = backup.airGappedVault;
    if (min > max) {
      add("backup.airGappedVault.minRetentionDays", min, `is above backup.airGappedVault.maxRetentionDays (${max})`);
    } else if (backup.dailyRetentionDays < min || backup.dailyRetentionDays > max) {
      add(
        "backup.dailyRetentionDays",
        backup.dailyRetentionDays,
        `is outside the air-gapped vault's bounds (${min} to ${max} days): the daily copies are kept there for the same time`,
      );
    }
  }

  const reserved: readonly string[] = RESERVED_TAG_KEYS;
  for (const key of Object.keys(config.tags)) {
    if (reserved.includes(key)) {
      add(`tags.${key}`, config.tags[key], `is set by the project itself; choose a tag key other than ${reserved.join(", ")}`);
    }
  }
  if (Object.keys(config.tags).length + reserved.length > 50) {
    add("tags", Object.keys(config.tags).length, `holds too many tags: AWS allows 50 per resource and the project sets ${reserved.length}`);
  }

  checkCapacities(config, add);
  checkEngine(config, add);
  checkFailover(config, add);
  checkNames(config, add);
  checkNetwork(config, add);
  checkProtection(config, add);
  checkFreeText(config, add);
  checkEnvironment(config, add);

  return problems;
}

type Add = (path: string, value: unknown, message: string) => void;

/** Instances an Aurora global database allows in the writer's cluster with one secondary region (15 - s readers + writer). */
export const MAX_ACTIVE_INSTANCES_WITH_ONE_SECONDARY = 15;

function checkCapacities(config: DrConfig, add: Add): void {
  const { active, standby } = config.service.capacity;
  if (standby.min > active.min) {
    add(
      "service.capacity.standby.min",
      standby.min,
      `is above service.capacity.active.min (${active.min}); the failover orchestrator moves the old region to the standby ` +
        `minimum and needs it at or below the active minimum; allowed: 1 to ${active.min}`,
    );
  }
  if (config.database.instances.active > MAX_ACTIVE_INSTANCES_WITH_ONE_SECONDARY) {
    add(
      "database.instances.active",
      config.database.instances.active,
      `is more than an Aurora global database allows in the writer's cluster with one secondary region (1 writer and ` +
        `15 - 1 = 14 readers); allowed: 2 to ${MAX_ACTIVE_INSTANCES_WITH_ONE_SECONDARY}`,
    );
  }
}

function checkEngine(config: DrConfig, add: Add): void {
  const db = config.database;
  const other = db.engine === "aurora-postgresql" ? "aurora-mysql" : "aurora-postgresql";
  const found = lookUpEngineVersion(db.engine, db.engineVersion);
  if (!found.ok) {
    const why = {
      "other-engine": `is an ${other} version, but database.engine is ${db.engine}`,
      "unknown-major": `is not a major version of ${db.engine} that this project supports`,
      "unknown-minor": `is not a released ${db.engine} version (as of lib/config/data/aurora-engines.ts)`,
      malformed: `is not an ${db.engine} version number`,
    }[found.reason];
    add("database.engineVersion", db.engineVersion, `${why}; allowed: ${found.allowed}`);
  } else {
    const facts = found.facts;
    if (!facts.globalDatabase) {
      add("database.engineVersion", db.engineVersion, `does not support Aurora global databases; use a later minor version of ${db.engine}`);
    } else if (db.capacity.mode === "serverless-v2" && !facts.serverlessV2) {
      add(
        "database.engineVersion",
        db.engineVersion,
        `does not support Aurora Serverless v2 (database.capacity.mode is serverless-v2); use a later minor version or mode provisioned`,
      );
    }
    if (db.rpoEnforcement === "database" && db.engine === "aurora-postgresql" && !facts.globalDbRpo) {
      add("database.rpoEnforcement", db.rpoEnforcement, `needs rds.global_db_rpo, which ${db.engineVersion} lacks; use "alarm" or a later version`);
    }
  }
  if (db.capacity.mode === "provisioned") {
    const check = checkGlobalDatabaseInstanceClass(db.capacity.instanceClass);
    if (!check.ok) {
      const reason =
        check.kind === "refused-family"
          ? `is ${check.detail}, and an Aurora global database requires memory-optimized instance classes`
          : `is not an Aurora instance class that global databases support (${check.detail})`;
      add("database.capacity.instanceClass", db.capacity.instanceClass, `${reason}; allowed: ${globalDatabaseFamilies()} (for example db.r6g.large), or mode serverless-v2`);
    }
  }
}

function checkFailover(config: DrConfig, add: Add): void {
  const f = config.failover;
  const rto = config.targets.rtoSeconds;
  if (f.authority === "approval" && f.approvalTimeoutSeconds > rto) {
    add(
      "failover.approvalTimeoutSeconds",
      f.approvalTimeoutSeconds,
      `is longer than targets.rtoSeconds (${rto}): the runbook would still be waiting for an operator when the RTO has passed; ` +
        `allowed: 60 to ${Math.max(60, rto)} with failover.authority "approval"`,
    );
  }
  if ((f.authority === "approval" || f.authority === "manual") && config.alerts.emails.length === 0 && config.alerts.httpsEndpoints.length === 0) {
    add(
      "failover.authority",
      f.authority,
      `needs an operator, but alerts.emails and alerts.httpsEndpoints are both empty, so nobody is paged; add at least one ` +
        `alert destination, or use "automatic"`,
    );
  }
  const budget = awaitWriterBudget(f.maxWaitSeconds, f.lockTtlSeconds);
  if (f.pollIntervalSeconds > budget.sliceSeconds) {
    add(
      "failover.pollIntervalSeconds",
      f.pollIntervalSeconds,
      `is longer than one wait for the new writer (${budget.sliceSeconds} s, from failover.maxWaitSeconds ${f.maxWaitSeconds} and ` +
        `failover.lockTtlSeconds ${f.lockTtlSeconds}): the orchestrator would check once and give up; allowed: 1 to ${budget.sliceSeconds}`,
    );
  }
  if (f.probeTimeoutMs >= f.sampleIntervalSeconds * 1000) {
    add(
      "failover.probeTimeoutMs",
      f.probeTimeoutMs,
      `is not below one sample interval (failover.sampleIntervalSeconds ${f.sampleIntervalSeconds} s): a slow probe would delay the ` +
        `next sample, its heartbeat and its gate; allowed: 500 to ${f.sampleIntervalSeconds * 1000 - 1}`,
    );
  }
  if (f.staleHeartbeatSeconds < 2 * f.sampleIntervalSeconds) {
    add(
      "failover.staleHeartbeatSeconds",
      f.staleHeartbeatSeconds,
      `is less than two heartbeats (failover.sampleIntervalSeconds ${f.sampleIntervalSeconds} s): one late heartbeat would count as ` +
        `evidence that the writer region is down; allowed: ${2 * f.sampleIntervalSeconds} to 600`,
    );
  }
}

/** ACM: the first domain name of a certificate (its subject CN) has at most 64 characters. */
export const ACM_FIRST_NAME_MAX = 64;

function checkNames(config: DrConfig, add: Add): void {
  const domain = config.dns.domainName;
  let domainOk = true;
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(domain)) {
    const ascii = domainToASCII(domain.toLowerCase());
    add(
      "dns.domainName",
      domain,
      `is an internationalized domain name; Route 53 and ACM take the punycode form` + (ascii ? ` "${ascii}"` : "") + `; allowed: lowercase letters, digits, '-' and '.'`,
    );
    domainOk = false;
  } else {
    const long = domain.split(".").find((label) => label.length > 63);
    if (long) {
      add("dns.domainName", domain, `has the label "${long.slice(0, 20)}..." of ${long.length} characters; DNS allows at most 63 per label`);
      domainOk = false;
    } else if (domain.length > 253) {
      add("dns.domainName", domain, `is ${domain.length} characters long; DNS names have at most 253`);
      domainOk = false;
    } else if (!/^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domain)) {
      add("dns.domainName", domain, "must be a lowercase DNS domain name such as dr.example.com (labels of letters, digits and '-', not starting or ending with '-')");
      domainOk = false;
    }
  }
  if (domainOk) {
    const global = globalHost(config);
    const regional = [config.regions.primary, config.regions.secondary].map((r) => regionalHost(config, r as AwsRegion));
    const longestRegional = regional.reduce((a, b) => (b.length > a.length ? b : a));
    const regionalLabel = longestRegional.split(".")[0];
    if (global.length > ACM_FIRST_NAME_MAX) {
      add(
        "dns.domainName",
        domain,
        `makes the certificate's first name "${global}" ${global.length} characters long; ACM allows at most ${ACM_FIRST_NAME_MAX}: ` +
          `shorten dns.domainName or dns.recordName to at most ${ACM_FIRST_NAME_MAX - (global.length - domain.length)} characters for the domain`,
      );
    } else if (regionalLabel.length > 63) {
      add("dns.recordName", config.dns.recordName, `makes the regional label "${regionalLabel}" ${regionalLabel.length} characters long; DNS allows at most 63`);
    } else if (longestRegional.length > 253) {
      add("dns.domainName", domain, `makes the regional name ${longestRegional.length} characters long; DNS names have at most 253`);
    }
  }

  const db = config.database;
  const words = db.engine === "aurora-postgresql" ? POSTGRESQL_RESERVED_WORDS : MYSQL_RESERVED_WORDS;
  const engineNames = ENGINE_RESERVED_NAMES[db.engine];
  const user = db.masterUsername.toLowerCase();
  if (words.includes(user)) {
    add("database.masterUsername", db.masterUsername, `is a reserved word of ${db.engine}, which RDS refuses as the master user name; choose another, such as dbadmin`);
  } else if ((engineNames.masterUsername as readonly string[]).includes(user)) {
    add("database.masterUsername", db.masterUsername, `is a name RDS uses itself on ${db.engine}; choose another, such as dbadmin`);
  } else if (db.engine === "aurora-postgresql" && user.startsWith("pg_")) {
    add("database.masterUsername", db.masterUsername, "starts with pg_, which PostgreSQL reserves for its own roles; choose another, such as dbadmin");
  }
  const name = db.databaseName.toLowerCase();
  if (words.includes(name)) {
    add("database.databaseName", db.databaseName, `is a reserved word of ${db.engine}, which RDS refuses as a database name; choose another, such as transactions`);
  } else if ((engineNames.databaseName as readonly string[]).includes(name)) {
    add("database.databaseName", db.databaseName, `is a database ${db.engine} or RDS already has; choose another, such as transactions`);
  }
}

function checkNetwork(config: DrConfig, add: Add): void {
  for (const role of ["primary", "secondary"] as const) {
    const text = config.network.cidrs[role];
    const parsed = parseCidr(text);
    if (!parsed.ok) continue;
    for (const block of UNUSABLE_VPC_BLOCKS) {
      const reserved = parseCidr(block.cidr, { anyPrefix: true });
      if (reserved.ok && cidrsOverlap(parsed, reserved)) {
        add(`network.cidrs.${role}`, text, `lies in ${block.what}, which a VPC cannot use; allowed: ${RECOMMENDED_VPC_RANGES}`);
        break;
      }
    }
  }
  const zones = config.network.availabilityZones;
  for (const region of [config.regions.primary, config.regions.secondary]) {
    const available = AVAILABILITY_ZONES[region as AwsRegion];
    if (available !== undefined && zones > available) {
      add(
        "network.availabilityZones",
        zones,
        `is more than ${region} has: it offers ${available} availability zones to an account; allowed: 2 to ${Math.min(
          ...[config.regions.primary, config.regions.secondary].map((r) => AVAILABILITY_ZONES[r as AwsRegion] ?? 6),
        )} for this pair of regions`,
      );
      break;
    }
  }
  const checkers = config.dns.healthCheckRegions;
  const repeated = checkers.filter((r, i) => checkers.indexOf(r) !== i);
  if (repeated.length > 0) {
    add("dns.healthCheckRegions", checkers, `lists ${[...new Set(repeated)].join(", ")} more than once; name at least 3 different Route 53 health checker regions`);
  }
}

function checkProtection(config: DrConfig, add: Add): void {
  const lock = config.backup.vaultLock;
  if (config.destroyProfile === "destroyable" && lock.enabled && lock.changeableForDays !== undefined) {
    add(
      "backup.vaultLock.changeableForDays",
      lock.changeableForDays,
      `puts the vault lock in compliance mode, which can never be removed once the grace period ends, but destroyProfile is ` +
        `"destroyable"; remove changeableForDays (governance mode), turn backup.vaultLock.enabled off, or use destroyProfile "protected"`,
    );
  }
}

function checkFreeText(config: DrConfig, add: Add): void {
  const restore = config.backup.restoreTesting;
  if (restore.enabled) {
    const reason = checkAwsCron(restore.scheduleExpression);
    if (reason) add("backup.restoreTesting.scheduleExpression", restore.scheduleExpression, reason);
  }
  if (config.canaries.enabled) {
    const runtime = config.canaries.runtimeVersion;
    const deprecated = DEPRECATED_PUPPETEER_RUNTIMES[runtime];
    if (deprecated) {
      add("canaries.runtimeVersion", runtime, `was deprecated on ${deprecated}; AWS creates no canary with it; allowed: ${SUPPORTED_PUPPETEER_RUNTIMES.join(", ")}`);
    } else if (!(SUPPORTED_PUPPETEER_RUNTIMES as readonly string[]).includes(runtime)) {
      add("canaries.runtimeVersion", runtime, `is not a CloudWatch Synthetics runtime; allowed: ${SUPPORTED_PUPPETEER_RUNTIMES.join(", ")}`);
    }
  }
  const boundary = config.iam.permissionsBoundaryArn;
  if (boundary !== undefined) {
    const partition = boundary.split(":")[1];
    const expected = partitionOf(config.regions.primary as AwsRegion);
    if (partition !== expected) {
      add(
        "iam.permissionsBoundaryArn",
        boundary,
        `is in partition ${partition}, but the regions are in ${expected}; IAM cannot attach a policy of another partition; ` +
          `allowed: arn:${expected}:iam::<account>:policy/<name>`,
      );
    }
  }
}

function checkEnvironment(config: DrConfig, add: Add): void {
  for (const [name, value] of Object.entries(config.service.environment)) {
    const reason = credentialReason(name, value);
    if (reason) {
      add(
        `service.environment.${name}`,
        "(value hidden)",
        `${reason}; service.environment is plain text in the task definition and in cdktf.out. Store the secret in AWS ` +
          `Secrets Manager (or an SSM SecureString) and have the service read it at run time, as it reads the database ` +
          `credentials (README, "Database credentials")`,
      );
    }
  }
}

/** S3 Replication Time Control replicates 99.99 % of objects within 15 minutes; 15 is the only value. */
export const S3_REPLICATION_MINUTES = 15;

/** Legal but probably a mistake: printed to stderr, never fatal. */
export function configWarnings(config: DrConfig, today: Date = new Date()): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  const warn = (path: string, value: unknown, message: string) => warnings.push({ path, value, message });
  const { active, standby } = config.service.capacity;
  if (standby.max > active.max) {
    warn("service.capacity.standby.max", standby.max, `is above service.capacity.active.max (${active.max}): the standby region may scale beyond the active one`);
  }
  if (config.database.instances.standby > config.database.instances.active) {
    warn(
      "database.instances.standby",
      config.database.instances.standby,
      `is above database.instances.active (${config.database.instances.active}): the standby cluster is bigger than the one that serves`,
    );
  }
  if (config.targets.rpoSeconds < S3_REPLICATION_MINUTES * 60) {
    warn(
      "targets.rpoSeconds",
      config.targets.rpoSeconds,
      `is below S3 replication's ${S3_REPLICATION_MINUTES}-minute guarantee (Replication Time Control): the RPO covers the ` +
        `Aurora database and the DynamoDB global tables; objects in the application buckets may lag up to ${S3_REPLICATION_MINUTES} minutes`,
    );
  }
  if (config.destroyProfile === "protected" && !config.waf.enabled) {
    warn(
      "waf.enabled",
      config.waf.enabled,
      `is off in the protected profile: both load balancers face the internet without AWS WAF (managed rule groups, rate limit); ` +
        `turn it on unless another layer (a CDN's WAF, a firewall manager policy) protects them`,
    );
  }
  const found = lookUpEngineVersion(config.database.engine, config.database.engineVersion);
  if (found.ok && found.facts.endOfStandardSupport && found.facts.endOfStandardSupport < today.toISOString().slice(0, 10)) {
    const extended = config.database.engineLifecycleSupport === "open-source-rds-extended-support";
    warn(
      "database.engineVersion",
      config.database.engineVersion,
      `is past the end of Aurora standard support (${found.facts.endOfStandardSupport}); ` +
        (extended
          ? `database.engineLifecycleSupport enrolls the clusters in paid RDS Extended Support: plan a major version upgrade`
          : `with database.engineLifecycleSupport ${config.database.engineLifecycleSupport}, AWS refuses to create a cluster on it ` +
            `and upgrades existing ones to a newer major version: upgrade first, or choose open-source-rds-extended-support (charged)`),
    );
  }
  return warnings;
}
