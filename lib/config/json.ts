/**
 * Reads the JSON text of a configuration strictly: a syntax error is reported
 * with its line and column, a key written twice in one object is refused (the
 * last one would silently win), and a UTF-8 byte-order mark is accepted.
 * Parsing is @humanwhocodes/momoa's (a JSON parser that keeps every member
 * and its location, which JSON.parse does not).
 */
import { parse, type AnyNode, type DocumentNode } from "@humanwhocodes/momoa";
import { ConfigProblem } from "./problems";

export const UTF8_BOM = "\ufeff";

export type JsonReadResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problems: ConfigProblem[] };

function evaluate(node: AnyNode, path: string[], problems: ConfigProblem[]): unknown {
  switch (node.type) {
    case "Document":
      return evaluate(node.body, path, problems);
    case "Object": {
      const out: Record<string, unknown> = {};
      const seen = new Map<string, number>();
      for (const member of node.members) {
        const key = member.name.type === "String" ? member.name.value : member.name.name;
        const line = member.name.loc.start.line;
        const value = evaluate(member.value, [...path, key], problems);
        if (seen.has(key)) {
          problems.push({
            path: [...path, key].join("."),
            value,
            message:
              `is written twice in the same object (lines ${seen.get(key)} and ${line}); JSON readers keep only the last ` +
              "one, so remove one of them",
          });
        } else {
          seen.set(key, line);
        }
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case "Array":
      return node.elements.map((element, i) => evaluate(element.value, [...path, String(i)], problems));
    case "String":
    case "Number":
    case "Boolean":
      return node.value;
    case "Null":
      return null;
    default:
      return undefined;
  }
}

export function readJsonText(text: string): JsonReadResult {
  const body = text.startsWith(UTF8_BOM) ? text.slice(1) : text;
  if (body.trim() === "") {
    return { ok: false, problems: [{ path: "", value: undefined, message: "is empty; a configuration is one JSON object such as config/dev.json" }] };
  }
  let document: DocumentNode;
  try {
    document = parse(body, { mode: "json", ranges: false, tokens: false });
  } catch (error) {
    const e = error as Error & { line?: number; column?: number };
    const where = e.line !== undefined ? `line ${e.line}, column ${e.column}` : "an unknown position";
    const reason = e.message.replace(/\s*\(\d+:\d+\)\s*$/, "");
    return { ok: false, problems: [{ path: "", value: undefined, message: `is not valid JSON: at ${where}: ${reason}` }] };
  }
  const problems: ConfigProblem[] = [];
  const value = evaluate(document, [], problems);
  if (problems.length > 0) return { ok: false, problems };
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, problems: [{ path: "", value, message: "must be one JSON object (an array or a single value is not a configuration)" }] };
  }
  return { ok: true, value };
}
