/**
 * Aurora engine versions this project accepts, with what each supports.
 *
 * One table per engine, one row per major version. Updating it is a one-line
 * change: raise `latestMinor` when AWS releases a minor version, add a row for
 * a new major, change `DEFAULT_ENGINE_VERSIONS` to move the default.
 *
 * Checked 2026-11-29 against (stored copies of) these pages:
 * - Supported Regions and DB engines for Aurora global databases:
 *   https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.GlobalDatabase.html
 *   (Aurora MySQL: version 3.01.0 and higher in the US regions; version 2 is past end of standard support)
 * - Supported Regions and Aurora DB engines for Aurora Serverless v2:
 *   https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.ServerlessV2.html
 *   (Aurora MySQL: version 3.02.0 and higher)
 * - Supported DB engines for DB instance classes (x2g row: PostgreSQL "17.4 and higher, 16.1 and higher,
 *   15.2 and higher, 14.3 and higher, 13.3 and higher"):
 *   https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.DBInstanceClass.SupportAurora.html
 * - Extension versions for Aurora PostgreSQL (lists the available 17.x minors: 17.4 to 17.7):
 *   https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/AuroraPostgreSQL.Extensions.html
 * - Release calendars (end of Aurora standard support; RDS Extended Support is charged after it):
 *   https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/aurorapostgresql-release-calendar.html
 *   https://docs.aws.amazon.com/AmazonRDS/latest/AuroraMySQLReleaseNotes/AuroraMySQL.release-calendars.html
 * - Document history of the Aurora MySQL release notes (3.08.2, 3.09.0, 3.10.x, 3.12.0 released):
 *   https://docs.aws.amazon.com/AmazonRDS/latest/AuroraMySQLReleaseNotes/doc-history.html
 * - rds.global_db_rpo (managed RPO, at least 20 s) on Aurora PostgreSQL global databases:
 *   https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html
 *
 * Limits of this table: AWS deprecates old minor versions (they can no longer be created) without a
 * change here; a minor listed here can still be refused at apply time if AWS has withdrawn it.
 * Minors that AWS skipped (released upstream with a regression, re-released under the next number)
 * are listed in `skippedMinors`.
 */

export type AuroraEngine = "aurora-postgresql" | "aurora-mysql";

export const ENGINE_DATA_CHECKED = "2026-11-29";

export interface PostgresMajor {
  readonly major: number;
  /** First and latest minor Aurora released for this major (as checked). */
  readonly firstMinor: number;
  readonly latestMinor: number;
  readonly skippedMinors: readonly number[];
  /** Parameter group family (aws_rds_cluster_parameter_group.family). */
  readonly family: string;
  /** First minor that supports Aurora global databases; null when none does. */
  readonly globalDatabaseFromMinor: number | null;
  /** First minor that supports Serverless v2 (db.serverless); null when none does. */
  readonly serverlessV2FromMinor: number | null;
  /** rds.global_db_rpo (managed RPO) is available on the global-database versions of this major. */
  readonly globalDbRpo: boolean;
  /** Last day of Aurora standard support (ISO date); RDS Extended Support is charged after it. */
  readonly endOfStandardSupport: string;
}

export const AURORA_POSTGRESQL: readonly PostgresMajor[] = [
  { major: 13, firstMinor: 3, latestMinor: 23, skippedMinors: [17, 19], family: "aurora-postgresql13", globalDatabaseFromMinor: 3, serverlessV2FromMinor: 6, globalDbRpo: true, endOfStandardSupport: "2026-02-28" },
  { major: 14, firstMinor: 3, latestMinor: 20, skippedMinors: [14, 16], family: "aurora-postgresql14", globalDatabaseFromMinor: 3, serverlessV2FromMinor: 3, globalDbRpo: true, endOfStandardSupport: "2027-02-28" },
  { major: 15, firstMinor: 2, latestMinor: 15, skippedMinors: [9, 11], family: "aurora-postgresql15", globalDatabaseFromMinor: 2, serverlessV2FromMinor: 2, globalDbRpo: true, endOfStandardSupport: "2028-02-29" },
  { major: 16, firstMinor: 1, latestMinor: 11, skippedMinors: [5, 7], family: "aurora-postgresql16", globalDatabaseFromMinor: 1, serverlessV2FromMinor: 1, globalDbRpo: true, endOfStandardSupport: "2029-02-28" },
  { major: 17, firstMinor: 4, latestMinor: 7, skippedMinors: [], family: "aurora-postgresql17", globalDatabaseFromMinor: 4, serverlessV2FromMinor: 4, globalDbRpo: true, endOfStandardSupport: "2030-02-28" },
];

export interface MysqlMinor {
  /** Aurora MySQL version 3 minor line, e.g. "3.08". */
  readonly line: string;
  /** Patch levels released on this line (as checked). */
  readonly patches: readonly number[];
  /** Last day of standard support of this minor line (ISO date); null where no date could be confirmed. */
  readonly endOfStandardSupport: string | null;
}

/**
 * Aurora MySQL version 3 (MySQL 8.0 compatible), engine version "8.0.mysql_aurora.3.MM.P".
 * Every line here supports global databases (3.01.0 and higher) and Serverless v2 (3.02.0 and
 * higher). Parameter group family aurora-mysql8.0. Aurora MySQL has no database-enforced RPO.
 * Aurora MySQL version 2 (5.7) is not listed: past end of standard support (2024-10-31).
 */
export const AURORA_MYSQL_FAMILY = "aurora-mysql8.0";
export const AURORA_MYSQL_MAJOR = "8.0";
export const AURORA_MYSQL_V3: readonly MysqlMinor[] = [
  { line: "3.04", patches: [0, 1, 2, 3, 4], endOfStandardSupport: null },
  { line: "3.05", patches: [2], endOfStandardSupport: null },
  { line: "3.06", patches: [0, 1], endOfStandardSupport: null },
  { line: "3.07", patches: [0, 1], endOfStandardSupport: null },
  { line: "3.08", patches: [0, 1, 2], endOfStandardSupport: null },
  { line: "3.09", patches: [0], endOfStandardSupport: null },
  { line: "3.10", patches: [0, 1, 2, 3, 4], endOfStandardSupport: null },
  { line: "3.11", patches: [0], endOfStandardSupport: null },
  { line: "3.12", patches: [0], endOfStandardSupport: null },
];

/**
 * The default engine version of each engine: the one place to change it. PostgreSQL: the latest minor of
 * the newest major in the table above (17: global databases, Serverless v2 and rds.global_db_rpo from 17.4;
 * standard support to 2030-02-28). PostgreSQL 14 reached community end of life in November 2026.
 * MySQL: the latest patch of the newest long-term-support line (LTS_LINES), which a cluster can keep for at
 * least three years (or to the end of standard support of the major): both regions of a global database must
 * run the same version, and upgrades are planned, never automatic.
 */
export const DEFAULT_ENGINE_VERSIONS: Readonly<Record<AuroraEngine, string>> = {
  "aurora-postgresql": "17.7",
  "aurora-mysql": "8.0.mysql_aurora.3.10.4",
};

/**
 * Aurora MySQL version 3 lines designated long-term support (LTS):
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Update.SpecialVersions.html
 * ("The current LTS releases of Aurora MySQL are: Aurora MySQL version 3.10.*, Aurora MySQL version 3.04.*").
 */
export const AURORA_MYSQL_LTS_LINES: readonly string[] = ["3.04", "3.10"];

export interface EngineVersionFacts {
  readonly engine: AuroraEngine;
  readonly version: string;
  readonly family: string;
  readonly globalDatabase: boolean;
  readonly serverlessV2: boolean;
  readonly globalDbRpo: boolean;
  readonly endOfStandardSupport: string | null;
}

export type EngineVersionLookup =
  | { readonly ok: true; readonly facts: EngineVersionFacts }
  | { readonly ok: false; readonly reason: "other-engine" | "unknown-major" | "unknown-minor" | "malformed"; readonly allowed: string };

export function postgresVersionsText(): string {
  return AURORA_POSTGRESQL.map((m) => `${m.major}.${m.firstMinor} to ${m.major}.${m.latestMinor}`).join(", ");
}

export function mysqlVersionsText(): string {
  const first = AURORA_MYSQL_V3[0];
  const last = AURORA_MYSQL_V3[AURORA_MYSQL_V3.length - 1];
  return `8.0.mysql_aurora.${first.line}.${first.patches[0]} to 8.0.mysql_aurora.${last.line}.${last.patches[last.patches.length - 1]}`;
}

function allowedFor(engine: AuroraEngine): string {
  return engine === "aurora-postgresql" ? `Aurora PostgreSQL versions ${postgresVersionsText()}` : `Aurora MySQL versions ${mysqlVersionsText()}`;
}

/** What the table knows of an engine version; `ok: false` says why it is not a version of that engine. */
export function lookUpEngineVersion(engine: AuroraEngine, version: string): EngineVersionLookup {
  const looksMysql = /^\d+\.\d+\.mysql_aurora\./.test(version);
  const looksPostgres = /^\d+\.\d+$/.test(version);
  if (engine === "aurora-postgresql") {
    if (looksMysql) return { ok: false, reason: "other-engine", allowed: allowedFor(engine) };
    if (!looksPostgres) return { ok: false, reason: "malformed", allowed: allowedFor(engine) };
    const [major, minor] = version.split(".").map(Number);
    const row = AURORA_POSTGRESQL.find((m) => m.major === major);
    if (!row) return { ok: false, reason: "unknown-major", allowed: allowedFor(engine) };
    if (minor < row.firstMinor || minor > row.latestMinor || row.skippedMinors.includes(minor)) {
      return { ok: false, reason: "unknown-minor", allowed: allowedFor(engine) };
    }
    return {
      ok: true,
      facts: {
        engine,
        version,
        family: row.family,
        globalDatabase: row.globalDatabaseFromMinor !== null && minor >= row.globalDatabaseFromMinor,
        serverlessV2: row.serverlessV2FromMinor !== null && minor >= row.serverlessV2FromMinor,
        globalDbRpo: row.globalDbRpo,
        endOfStandardSupport: row.endOfStandardSupport,
      },
    };
  }
  if (looksPostgres) return { ok: false, reason: "other-engine", allowed: allowedFor(engine) };
  const match = /^(\d+\.\d+)\.mysql_aurora\.(\d+\.\d+)\.(\d+)$/.exec(version);
  if (!match) return { ok: false, reason: "malformed", allowed: allowedFor(engine) };
  const [, major, line, patch] = match;
  if (major !== AURORA_MYSQL_MAJOR || !line.startsWith("3.")) return { ok: false, reason: "unknown-major", allowed: allowedFor(engine) };
  const row = AURORA_MYSQL_V3.find((m) => m.line === line);
  if (!row || !row.patches.includes(Number(patch))) return { ok: false, reason: "unknown-minor", allowed: allowedFor(engine) };
  return {
    ok: true,
    facts: {
      engine,
      version,
      family: AURORA_MYSQL_FAMILY,
      globalDatabase: true,
      serverlessV2: true,
      globalDbRpo: false,
      endOfStandardSupport: row.endOfStandardSupport,
    },
  };
}

/** Parameter group family of a known engine version (for the constructs that create parameter groups). */
export function parameterGroupFamily(engine: AuroraEngine, version: string): string | undefined {
  const found = lookUpEngineVersion(engine, version);
  return found.ok ? found.facts.family : undefined;
}
