/**
 * The configuration reference, generated from the schema: a JSON Schema for
 * editors and a Markdown table for people. `npm run docs` writes both; a test
 * fails when the checked-in copies are stale.
 */
import { z } from "zod";
import { ConfigSchema } from "./schema";

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
  return `${out.join("\n")}\n`;
}
