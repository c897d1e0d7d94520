/**
 * A small evaluator for the DynamoDB expression subset the Lambdas use, so the
 * in-memory model applies conditions and updates the way DynamoDB does rather
 * than matching expression strings:
 *  - conditions: attribute_exists(p), attribute_not_exists(p), begins_with(p, v), p op operand
 *    (=, <>, <, <=, >, >=), AND, OR, NOT, parentheses;
 *  - updates: SET p = v[, ...] with v = operand | operand + operand |
 *    operand - operand, operand = p | :value | if_not_exists(p, operand);
 *    REMOVE p[, ...]. Top-level attributes only.
 * Anything else throws, so an unsupported expression fails a test loudly.
 */
import { AttributeValue } from "@aws-sdk/client-dynamodb";

export type Item = Record<string, AttributeValue>;
type Names = Record<string, string> | undefined;
type Values = Record<string, AttributeValue> | undefined;

type Token = { kind: "word" | "name" | "value" | "op" | "lparen" | "rparen" | "comma"; text: string };

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|(<>|<=|>=|=|<|>|\+|-)|(\()|(\))|(,)|([A-Za-z_][A-Za-z0-9_]*))/y;
  let index = 0;
  while (index < expression.length) {
    if (/^\s*$/.test(expression.slice(index))) break;
    re.lastIndex = index;
    const m = re.exec(expression);
    if (!m) throw new Error(`Unsupported expression near "${expression.slice(index)}"`);
    index = re.lastIndex;
    if (m[1]) tokens.push({ kind: "name", text: m[1] });
    else if (m[2]) tokens.push({ kind: "value", text: m[2] });
    else if (m[3]) tokens.push({ kind: "op", text: m[3] });
    else if (m[4]) tokens.push({ kind: "lparen", text: "(" });
    else if (m[5]) tokens.push({ kind: "rparen", text: ")" });
    else if (m[6]) tokens.push({ kind: "comma", text: "," });
    else tokens.push({ kind: "word", text: m[7] as string });
  }
  return tokens;
}

class Parser {
  private index = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly names: Names,
    private readonly values: Values,
  ) {}

  peek(): Token | undefined {
    return this.tokens[this.index];
  }
  next(): Token {
    const token = this.tokens[this.index++];
    if (!token) throw new Error("Unexpected end of expression");
    return token;
  }
  expect(kind: Token["kind"], text?: string): Token {
    const token = this.next();
    if (token.kind !== kind || (text !== undefined && token.text.toUpperCase() !== text.toUpperCase())) {
      throw new Error(`Expected ${text ?? kind}, got ${token.text}`);
    }
    return token;
  }
  atEnd(): boolean {
    return this.index >= this.tokens.length;
  }
  isWord(text: string): boolean {
    const token = this.peek();
    return token?.kind === "word" && token.text.toUpperCase() === text;
  }

  path(): string {
    const token = this.next();
    if (token.kind === "name") {
      const resolved = this.names?.[token.text];
      if (resolved === undefined) throw new Error(`ExpressionAttributeNames has no ${token.text}`);
      return resolved;
    }
    if (token.kind === "word") return token.text;
    throw new Error(`Expected an attribute path, got ${token.text}`);
  }

  value(token: Token): AttributeValue {
    const v = this.values?.[token.text];
    if (v === undefined) throw new Error(`ExpressionAttributeValues has no ${token.text}`);
    return v;
  }

  // ---- conditions
  condition(item: Item): boolean {
    let result = this.conjunction(item);
    while (this.isWord("OR")) {
      this.next();
      const right = this.conjunction(item);
      result = result || right;
    }
    return result;
  }
  conjunction(item: Item): boolean {
    let result = this.negation(item);
    while (this.isWord("AND")) {
      this.next();
      const right = this.negation(item);
      result = result && right;
    }
    return result;
  }
  negation(item: Item): boolean {
    if (this.isWord("NOT")) {
      this.next();
      return !this.negation(item);
    }
    return this.primary(item);
  }
  primary(item: Item): boolean {
    const token = this.peek();
    if (token?.kind === "lparen") {
      this.next();
      const result = this.condition(item);
      this.expect("rparen");
      return result;
    }
    if (token?.kind === "word" && (token.text === "attribute_exists" || token.text === "attribute_not_exists")) {
      this.next();
      this.expect("lparen");
      const path = this.path();
      this.expect("rparen");
      const exists = item[path] !== undefined;
      return token.text === "attribute_exists" ? exists : !exists;
    }
    if (token?.kind === "word" && token.text === "begins_with") {
      this.next();
      this.expect("lparen");
      const subject = this.operand(item);
      this.expect("comma");
      const prefix = this.operand(item);
      this.expect("rparen");
      return subject?.S !== undefined && prefix?.S !== undefined && subject.S.startsWith(prefix.S);
    }
    if (token?.kind === "word" && token.text.toUpperCase() === "BETWEEN") {
      throw new Error("BETWEEN must follow an operand");
    }
    const left = this.operand(item);
    const op = this.expect("op").text;
    const right = this.operand(item);
    return compare(left, op, right);
  }
  operand(item: Item): AttributeValue | undefined {
    const token = this.peek();
    if (token?.kind === "value") return this.value(this.next());
    if (token?.kind === "word" && token.text === "if_not_exists") {
      this.next();
      this.expect("lparen");
      const path = this.path();
      this.expect("comma");
      const fallback = this.operand(item);
      this.expect("rparen");
      return item[path] ?? fallback;
    }
    return item[this.path()];
  }

  // ---- updates
  update(item: Item): Item {
    const out: Item = { ...item };
    while (!this.atEnd()) {
      const section = this.expect("word").text.toUpperCase();
      if (section === "SET") {
        do {
          const path = this.path();
          this.expect("op", "=");
          let value = this.operand(item);
          const op = this.peek();
          if (op?.kind === "op" && (op.text === "+" || op.text === "-")) {
            this.next();
            const right = this.operand(item);
            value = arithmetic(value, op.text, right);
          }
          if (value === undefined) throw new Error(`SET ${path}: operand refers to a missing attribute`);
          out[path] = value;
        } while (this.peek()?.kind === "comma" && this.next());
      } else if (section === "REMOVE") {
        do {
          delete out[this.path()];
        } while (this.peek()?.kind === "comma" && this.next());
      } else {
        throw new Error(`Unsupported update section ${section}`);
      }
    }
    return out;
  }
}

function compare(left: AttributeValue | undefined, op: string, right: AttributeValue | undefined): boolean {
  if (left === undefined || right === undefined) return op === "<>" ? left !== right : false;
  let l: string | number;
  let r: string | number;
  if (left.N !== undefined && right.N !== undefined) {
    l = Number(left.N);
    r = Number(right.N);
  } else if (left.S !== undefined && right.S !== undefined) {
    l = left.S;
    r = right.S;
  } else if (left.BOOL !== undefined && right.BOOL !== undefined && (op === "=" || op === "<>")) {
    return op === "=" ? left.BOOL === right.BOOL : left.BOOL !== right.BOOL;
  } else {
    return op === "<>";
  }
  switch (op) {
    case "=":
      return l === r;
    case "<>":
      return l !== r;
    case "<":
      return l < r;
    case "<=":
      return l <= r;
    case ">":
      return l > r;
    case ">=":
      return l >= r;
    default:
      throw new Error(`Unsupported comparator ${op}`);
  }
}

function arithmetic(left: AttributeValue | undefined, op: string, right: AttributeValue | undefined): AttributeValue {
  if (left?.N === undefined || right?.N === undefined) throw new Error("Arithmetic needs two numbers");
  const value = op === "+" ? Number(left.N) + Number(right.N) : Number(left.N) - Number(right.N);
  return { N: String(value) };
}

/** True when `expression` holds for `item` (an absent item is `{}`); true for an absent expression. */
export function evaluateCondition(expression: string | undefined, item: Item | undefined, names: Names, values: Values): boolean {
  if (!expression) return true;
  const parser = new Parser(tokenize(expression), names, values);
  const result = parser.condition(item ?? {});
  if (!parser.atEnd()) throw new Error(`Trailing tokens in condition: ${expression}`);
  return result;
}

/** The item after `expression`; `key` is kept (DynamoDB creates the item with its key on update). */
export function applyUpdate(expression: string, item: Item | undefined, key: Item, names: Names, values: Values): Item {
  const parser = new Parser(tokenize(expression), names, values);
  return { ...parser.update({ ...(item ?? {}), ...key }), ...key };
}
