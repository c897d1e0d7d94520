/**
 * The configuration reference, generated from the schema: a JSON Schema for
 * editors and a Markdown table for people. `npm run docs` writes both; a test
 * fails when the checked-in copies are stale.
 */
import { z } from "zod";
import { ConfigSchema } from "./schema";
import { AURORA_MYSQL_V3, AURORA_POSTGRESQL, DEFAULT_ENGINE_VERSIONS, ENGINE_DATA_CHECKED } from "./data/aurora-engines";
import { AVAILABILITY_ZONES, AVAILABILITY_ZONE_DATA_CHECKED } from "./data/availability-zones";
import { GLOBAL_DATABASE_INSTANCE_FAMILIES, INSTANCE_CLASS_DATA_CHECKED } from "./data/instance-classes";
import { SUPPORTED_PUPPETEER_RUNTIMES, SYNTHETICS_DATA_CHECKED } from "./data/synthetics-runtimes";
import { UNUSABLE_VPC_BLOCKS, VPC_CIDR_DATA_CHECKED } from "./data/vpc-cidrs";

export function configJsonSchema(): Record<string, any> {
  return z.toJSONSchema(ConfigSchema, { io: "input", unrepresentable: "any" }) as Record<string, any>;
}

function typeOf(schema: any): string {
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (schema.enum && schema.enum.length > 10) {
    return `${typeof schema.enum[0]}, one of ${schema.enum.length} values listed in config.schema.json`;
  }
  if (schema.enum) return schema.enum.map((v: unknown) => `\`${JSON.stringify(v)}\``).join(" \\| ");
  if (schema.oneOf || schema.anyOf) return "one of the forms below";
  if (schema.type === "array") return `array of ${typeOf(schema.items ?? {})}`;
  if (schema.type === "object" && schema.additionalProperties && typeof schema.additionalProperties === "object") return "map of string";
  if (schema.type === "integer" || (schema.type === "number" && schema.multipleOf === undefined && schema.minimum !== undefined && Number.isInteger(schema.minimum))) {
    const bounds = schema.minimum !== undefined && schema.maximum !== undefined ? ` (${schema.minimum} to ${schema.maximum})` : "";
    return `${schema.type}${bounds}`;
  }
  return schema.type ?? "any";
}

function defaultOf(schema: any, required: boolean): string {
  if (schema.default !== undefined) return `\`${JSON.stringify(schema.default)}\``;
  return required ? "**required**" : "see description";
}

function rows(schema: any, prefix: string, out: string[]): void {
  const required = new Set<string>(schema.required ?? []);
  for (const [key, child] of Object.entries<any>(schema.properties ?? {})) {
    const field = `${prefix}${key}`;
    const description = String(child.description ?? "").replace(/\|/g, "\\|");
    out.push(`| \`${field}\` | ${typeOf(child)} | ${defaultOf(child, required.has(key))} | ${description} |`);
    if (child.properties) rows(child, `${field}.`, out);
    for (const branch of child.oneOf ?? child.anyOf ?? []) {
      const discriminator = Object.entries<any>(branch.properties ?? {}).find(([, p]) => p.const !== undefined);
      const label = discriminator ? `${field} (${discriminator[0]} = ${JSON.stringify(discriminator[1].const)})` : field;
      rows(branch, `${label}.`, out);
    }
  }
}

export function configReferenceMarkdown(): string {
  const out: string[] = [
    "# Configuration reference",
    "",
    "Generated from `lib/config/schema.ts` by `npm run docs`; do not edit by hand.",
    "A configuration is a JSON file: `DR_ENV=<name>` selects `config/<name>.json` (default `dev`) and",
    "`DR_CONFIG=<path>` loads any file. Unknown keys are refused. Rules that relate fields to each other",
    "(regions differ, CIDRs do not overlap, names fit AWS limits, min <= max, ...) are in `lib/config/validate.ts`.",
    "",
    "| Field | Type | Default | Description |",
    "|---|---|---|---|",
  ];
  rows(configJsonSchema(), "", out);
  out.push(...limitsMarkdown());
  return `${out.join("\n")}\n`;
}

/** The AWS facts the validator checks against, from the data files under lib/config/data. */
function limitsMarkdown(): string[] {
  const zones = Object.entries(AVAILABILITY_ZONES)
    .map(([region, count]) => `${region} ${count}`)
    .join(", ");
  return [
    "",
    "## Limits checked against AWS data",
    "",
    "Each table lives in one file under `lib/config/data/` with its source and the date it was checked; a refusal names",
    "the field, the bad value and what is allowed. Legal but doubtful values (a standby larger than the active side, an",
    "RPO below S3 replication's 15 minutes, an engine version past standard support) print warnings and do not stop synthesis.",
    "",
    `- **Engine versions** (aurora-engines.ts, checked ${ENGINE_DATA_CHECKED}): Aurora PostgreSQL ` +
      AURORA_POSTGRESQL.map((m) => `${m.major}.${m.firstMinor}-${m.major}.${m.latestMinor} (standard support until ${m.endOfStandardSupport})`).join(", ") +
      `; Aurora MySQL 8.0.mysql_aurora.${AURORA_MYSQL_V3.map((l) => l.line).join("/")}.x. The version must belong to ` +
      "`database.engine`, support global databases, and Serverless v2 in that mode. Defaults: " +
      `${DEFAULT_ENGINE_VERSIONS["aurora-postgresql"]} and ${DEFAULT_ENGINE_VERSIONS["aurora-mysql"]}.`,
    `- **Instance classes** (instance-classes.ts, checked ${INSTANCE_CLASS_DATA_CHECKED}): memory-optimized only, ` +
      `${Object.keys(GLOBAL_DATABASE_INSTANCE_FAMILIES).join(", ")}; db.t* and db.m* are refused.`,
    "- **Instances**: `database.instances.active` 2 to 15 (one writer and up to 14 readers with one secondary region), " +
      "`database.instances.standby` 1 to 16.",
    `- **Availability zones** (availability-zones.ts, checked ${AVAILABILITY_ZONE_DATA_CHECKED}): ${zones}.`,
    "- **VPC blocks**: /16 to /24, host bits zero, the two regions not overlapping; refused ranges " +
      `(vpc-cidrs.ts, checked ${VPC_CIDR_DATA_CHECKED}): ${UNUSABLE_VPC_BLOCKS.map((b) => b.cidr).join(", ")}.`,
    "- **Names**: DNS labels at most 63 characters, names at most 253, `<recordName>.<domainName>` at most 64 (ACM's " +
      "first name); internationalized names in punycode; reserved words and engine names refused for " +
      "`database.masterUsername` and `database.databaseName` (reserved-names.ts); the suffix fits every AWS name limit.",
    "- **Tags**: the keys Environment, DR-Role, Project, ManagedBy and Stack are the project's; aws: is AWS's; at most 45 extra.",
    `- **Canary runtimes** (synthetics-runtimes.ts, checked ${SYNTHETICS_DATA_CHECKED}): ${SUPPORTED_PUPPETEER_RUNTIMES.join(", ")}; deprecated ones are refused.`,
    "- **Schedules**: `backup.restoreTesting.scheduleExpression` is an AWS cron expression of six fields with exactly one day field `?`.",
    "- **Failover timing**: in approval mode `failover.approvalTimeoutSeconds` is at most `targets.rtoSeconds`; approval and " +
      "manual modes need an alert destination; `failover.pollIntervalSeconds` is at most one wait for the writer; " +
      "`service.capacity.standby.min` is at most `service.capacity.active.min`.",
    "- **Protection**: a compliance-mode vault lock (`backup.vaultLock.changeableForDays`) is refused in the destroyable " +
      "profile; every retention, copies included, lies within the lock's bounds.",
    "- **Secrets**: `service.environment` values that look like credentials are refused; use Secrets Manager.",
    "- **The file**: a key written twice, a syntax error (reported with line and column), a directory, a missing file and " +
      "an empty `DR_CONFIG` are refused in a sentence; a UTF-8 byte-order mark is accepted.",
  ];
}
