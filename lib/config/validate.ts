/**
 * Rules that relate fields to each other or to AWS limits, run after the
 * schema has parsed the shape. Each problem names the field, the bad value and
 * what is allowed.
 */
import { AwsRegion, partitionOf } from "../aws-regions";
import { checkAllNames, maxSuffixLength } from "../naming";
import { DrConfig } from "./model";
import { parseCidr, cidrsOverlap } from "./cidr";
import { SMALLEST_SUBNET_PREFIX, smallestSubnetPrefix } from "../subnet-plan";

export interface ConfigProblem {
  /** Dotted path of the field, as written in the JSON file. */
  readonly path: string;
  readonly value: unknown;
  readonly message: string;
}

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
  if (db.instances.standby < 1) {
    add(
      "database.instances.standby",
      db.instances.standby,
      "must be at least 1: a headless secondary cluster has no instance to promote, so a failover would have nothing to fail over to",
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

  const reserved = ["Environment", "DR-Role", "Project", "ManagedBy", "Stack"];
  for (const key of Object.keys(config.tags)) {
    if (reserved.includes(key)) {
      add(`tags.${key}`, config.tags[key], `is set by the project itself; choose a tag key other than ${reserved.join(", ")}`);
    }
  }
  if (Object.keys(config.tags).length + reserved.length > 50) {
    add("tags", Object.keys(config.tags).length, `holds too many tags: AWS allows 50 per resource and the project sets ${reserved.length}`);
  }

  return problems;
}
