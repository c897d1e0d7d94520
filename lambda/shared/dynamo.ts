/** Minimal AttributeValue marshalling for the flat items this code stores. */
import { AttributeValue } from "@aws-sdk/client-dynamodb";

export type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };
export type Item = Record<string, AttributeValue>;

export function toAttr(value: Plain): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === "string") return { S: value };
  if (typeof value === "number") return { N: String(value) };
  if (typeof value === "boolean") return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(toAttr) };
  return { M: toItem(value) };
}

export function toItem(values: { [key: string]: Plain | undefined }): Item {
  const item: Item = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined) item[key] = toAttr(value);
  return item;
}

export function fromAttr(attr: AttributeValue | undefined): Plain | undefined {
  if (!attr) return undefined;
  if (attr.S !== undefined) return attr.S;
  if (attr.N !== undefined) return Number(attr.N);
  if (attr.BOOL !== undefined) return attr.BOOL;
  if (attr.NULL !== undefined) return null;
  if (attr.L !== undefined) return attr.L.map((a) => fromAttr(a) ?? null);
  if (attr.M !== undefined) return fromItem(attr.M);
  return undefined;
}

export function fromItem(item: Item | undefined): { [key: string]: Plain } {
  const out: { [key: string]: Plain } = {};
  for (const [key, value] of Object.entries(item ?? {})) {
    const plain = fromAttr(value);
    if (plain !== undefined) out[key] = plain;
  }
  return out;
}

/** The partition key attribute of the state/lock table (type S). */
export const TABLE_KEY = "pk";
/** The expiry attribute (epoch seconds) of the state table's items that DynamoDB's TTL removes. */
export const TTL_ATTRIBUTE = "ttl";
