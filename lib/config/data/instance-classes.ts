/**
 * DB instance classes an Aurora global database accepts.
 *
 * "An Aurora global database requires DB instance classes that are optimized for memory-intensive
 * applications" (memory-optimized db.r* and db.x* classes, and db.serverless for Serverless v2);
 * burstable (db.t*) and general-purpose (db.m*) classes are refused.
 * Sources, checked 2026-11-29:
 * - Configuration requirements of an Amazon Aurora global database:
 *   https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database.configuration.requirements.html
 * - Supported DB engines for DB instance classes (families db.r5 ... db.r8gd, db.x2g, db.serverless):
 *   https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.DBInstanceClass.SupportAurora.html
 */

export const INSTANCE_CLASS_DATA_CHECKED = "2026-11-29";

/** Memory-optimized families Aurora offers, and the sizes each offers. */
export const GLOBAL_DATABASE_INSTANCE_FAMILIES: Readonly<Record<string, readonly string[]>> = {
  "db.r5": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"],
  "db.r6g": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"],
  "db.r6gd": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"],
  "db.r6i": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"],
  "db.r6id": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"],
  "db.r7g": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"],
  "db.r7i": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"],
  "db.r8g": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"],
  "db.r8gd": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"],
  "db.x2g": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"],
};

/** Families Aurora offers that a global database refuses, with the reason to print. */
export const REFUSED_INSTANCE_FAMILIES: readonly { readonly pattern: RegExp; readonly kind: string }[] = [
  { pattern: /^db\.t\d/, kind: "a burstable class" },
  { pattern: /^db\.m\d/, kind: "a general-purpose class" },
];

export type InstanceClassCheck = { readonly ok: true } | { readonly ok: false; readonly kind: "refused-family" | "unknown"; readonly detail: string };

export function globalDatabaseFamilies(): string {
  return Object.keys(GLOBAL_DATABASE_INSTANCE_FAMILIES).join(", ");
}

export function checkGlobalDatabaseInstanceClass(instanceClass: string): InstanceClassCheck {
  if (instanceClass === "db.serverless") {
    return { ok: false, kind: "unknown", detail: "db.serverless is the Serverless v2 class: set database.capacity.mode to serverless-v2 instead" };
  }
  const refused = REFUSED_INSTANCE_FAMILIES.find((f) => f.pattern.test(instanceClass));
  if (refused) return { ok: false, kind: "refused-family", detail: refused.kind };
  const dot = instanceClass.lastIndexOf(".");
  const family = instanceClass.slice(0, dot);
  const size = instanceClass.slice(dot + 1);
  const sizes = GLOBAL_DATABASE_INSTANCE_FAMILIES[family];
  if (!sizes) return { ok: false, kind: "unknown", detail: `there is no Aurora instance family ${family}` };
  if (!sizes.includes(size)) return { ok: false, kind: "unknown", detail: `${family} comes in ${sizes.join(", ")}` };
  return { ok: true };
}
