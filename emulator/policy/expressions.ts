/**
 * The template expressions policy rules use (`[parameters('tagName')]`,
 * `[concat('tags[', parameters('tagName'), ']')]`, `[resourceGroup().tags[parameters('tagName')]]`):
 * string and number literals, function calls, `.property` and `[index]`. Only the functions the
 * built-ins and Governor's definitions call; any other is an error naming it.
 */

export interface ExpressionScope {
  parameters: Record<string, unknown>;
  resourceGroup?: { name: string; location?: string; tags: Record<string, string> };
  subscriptionId: string;
  /** `field('name')` inside an expression: the resource's field. */
  field: (path: string) => unknown;
}

type Token =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "name"; value: string }
  | { kind: "punct"; value: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    if (/\s/.test(char)) {
      i += 1;
    } else if (char === "'") {
      let value = "";
      i += 1;
      for (;;) {
        if (i >= text.length) throw new Error(`unterminated string in ${text}`);
        if (text[i] === "'" && text[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (text[i] === "'") {
          i += 1;
          break;
        } else {
          value += text[i];
          i += 1;
        }
      }
      tokens.push({ kind: "string", value });
    } else if (/[0-9-]/.test(char)) {
      const match = /^-?\d+(\.\d+)?/.exec(text.slice(i));
      if (!match) throw new Error(`unexpected '${char}' in ${text}`);
      tokens.push({ kind: "number", value: Number(match[0]) });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(char)) {
      const match = /^[A-Za-z_][\w]*/.exec(text.slice(i)) as RegExpExecArray;
      tokens.push({ kind: "name", value: match[0] });
      i += match[0].length;
    } else if ("(),.[]".includes(char)) {
      tokens.push({ kind: "punct", value: char });
      i += 1;
    } else {
      throw new Error(`unexpected '${char}' in ${text}`);
    }
  }
  return tokens;
}

function member(container: unknown, key: unknown): unknown {
  if (container === null || container === undefined) return undefined;
  if (Array.isArray(container)) return typeof key === "number" ? container[key] : undefined;
  if (typeof container !== "object") return undefined;
  const record = container as Record<string, unknown>;
  const name = asText(key);
  if (name in record) return record[name];
  const found = Object.keys(record).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return found === undefined ? undefined : record[found];
}

function call(name: string, args: unknown[], scope: ExpressionScope): unknown {
  switch (name.toLowerCase()) {
    case "parameters": {
      const key = asText(args[0]);
      if (!(key in scope.parameters)) throw new Error(`the parameter '${key}' has no value`);
      return scope.parameters[key];
    }
    case "concat":
      return args.every(Array.isArray) ? args.flat() : args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg))).join("");
    case "resourcegroup":
      return scope.resourceGroup ?? { name: "", tags: {} };
    case "subscription":
      return { subscriptionId: scope.subscriptionId, id: `/subscriptions/${scope.subscriptionId}` };
    case "field":
      return scope.field(asText(args[0]));
    case "requestcontext":
      return { apiVersion: "2024-07-01" };
    case "tolower":
      return asText(args[0]).toLowerCase();
    case "toupper":
      return asText(args[0]).toUpperCase();
    case "empty":
      return args[0] === undefined || args[0] === null || args[0] === "" || (Array.isArray(args[0]) && args[0].length === 0);
    case "if":
      return args[0] ? args[1] : args[2];
    default:
      throw new Error(`the emulator does not evaluate the function ${name}()`);
  }
}

class Parser {
  #tokens: Token[];
  #at = 0;
  readonly #scope: ExpressionScope;

  constructor(tokens: Token[], scope: ExpressionScope) {
    this.#tokens = tokens;
    this.#scope = scope;
  }

  #peek(value?: string): boolean {
    const token = this.#tokens[this.#at];
    return token !== undefined && token.kind === "punct" && (value === undefined || token.value === value);
  }

  #expect(value: string): void {
    if (!this.#peek(value)) throw new Error(`expected '${value}'`);
    this.#at += 1;
  }

  parse(): unknown {
    const value = this.#expression();
    if (this.#at !== this.#tokens.length) throw new Error("unexpected text after the expression");
    return value;
  }

  #expression(): unknown {
    const token = this.#tokens[this.#at];
    if (token === undefined) throw new Error("empty expression");
    this.#at += 1;
    let value: unknown;
    if (token.kind === "string" || token.kind === "number") value = token.value;
    else if (token.kind === "name") {
      this.#expect("(");
      const args: unknown[] = [];
      while (!this.#peek(")")) {
        args.push(this.#expression());
        if (this.#peek(",")) this.#at += 1;
      }
      this.#expect(")");
      value = call(token.value, args, this.#scope);
    } else throw new Error(`unexpected '${token.value}'`);
    for (;;) {
      if (this.#peek(".")) {
        this.#at += 1;
        const name = this.#tokens[this.#at];
        if (name?.kind !== "name") throw new Error("expected a property name after '.'");
        this.#at += 1;
        value = member(value, name.value);
      } else if (this.#peek("[")) {
        this.#at += 1;
        const key = this.#expression();
        this.#expect("]");
        value = member(value, key);
      } else return value;
    }
  }
}

/** A string in brackets is an expression (`[[` escapes a literal bracket); anything else is itself. */
export function isExpression(value: unknown): value is string {
  return typeof value === "string" && value.startsWith("[") && !value.startsWith("[[") && value.endsWith("]");
}

export function evaluateExpression(value: unknown, scope: ExpressionScope): unknown {
  if (!isExpression(value)) return typeof value === "string" && value.startsWith("[[") ? value.slice(1) : value;
  return new Parser(tokenize(value.slice(1, -1)), scope).parse();
}

/** A value as text: strings as they are, nothing as "", objects and arrays as JSON. */
export function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return `${value as number | boolean | bigint}`;
}
