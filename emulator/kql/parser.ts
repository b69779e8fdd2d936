/**
 * A recursive-descent parser for the KQL subset Governor's inventory issues. Anything outside
 * the subset is refused with the position and token it stopped at, never guessed at.
 */
import type { Expr, NamedExpr, Operator, Query, SortKey } from "./ast.ts";
import { KqlError } from "./errors.ts";
import { positionOf, type Token, tokenize } from "./lexer.ts";

/** Comparison and string operators, all at one precedence level. */
const COMPARISON_OPS = new Set(["==", "!=", "<>", "=~", "!~", "<", "<=", ">", ">="]);
const STRING_OPS = new Set(["contains", "has", "startswith", "endswith"].flatMap((op) => [op, `!${op}`, `${op}_cs`, `!${op}_cs`]));
const IN_OPS = new Set(["in", "in~", "!in", "!in~"]);

/** Tabular operators of KQL this emulator does not implement: refused by name. */
const KNOWN_UNSUPPORTED = new Set([
  "join",
  "union",
  "mv-expand",
  "mv-apply",
  "top",
  "top-nested",
  "parse",
  "lookup",
  "make-series",
  "render",
  "sample",
  "sample-distinct",
  "serialize",
  "as",
  "facet",
  "evaluate",
  "invoke",
  "getschema",
  "project-keep",
  "project-reorder",
  "search",
  "find",
  "partition",
  "range",
  "print",
]);

class Parser {
  readonly #text: string;
  readonly #tokens: Token[];
  #index = 0;

  constructor(text: string) {
    this.#text = text;
    this.#tokens = tokenize(text);
  }

  get #current(): Token {
    return this.#tokens[this.#index] as Token;
  }

  #peek(ahead = 1): Token {
    return this.#tokens[Math.min(this.#index + ahead, this.#tokens.length - 1)] as Token;
  }

  #advance(): Token {
    const token = this.#current;
    if (token.type !== "eof") this.#index += 1;
    return token;
  }

  #fail(message: string, token: Token = this.#current): never {
    throw new KqlError("ParserFailure", message, positionOf(this.#text, token.offset), token.text);
  }

  #unsupported(message: string, token: Token): never {
    throw new KqlError("UnsupportedByEmulator", message, positionOf(this.#text, token.offset), token.text);
  }

  #isOp(text: string, token: Token = this.#current): boolean {
    return token.type === "op" && token.text === text;
  }

  #isWord(text: string, token: Token = this.#current): boolean {
    return token.type === "ident" && token.text === text;
  }

  #expectOp(text: string): Token {
    if (!this.#isOp(text)) this.#fail(`Syntax error: expected '${text}' but found '${this.#current.text}'`);
    return this.#advance();
  }

  #expectWord(text: string): Token {
    if (!this.#isWord(text)) this.#fail(`Syntax error: expected '${text}' but found '${this.#current.text}'`);
    return this.#advance();
  }

  parseQuery(): Query {
    const first = this.#current;
    if (first.type !== "ident") this.#fail("Syntax error: a query starts with a table name");
    this.#advance();
    const operators: Operator[] = [];
    while (this.#isOp("|")) {
      this.#advance();
      operators.push(this.#parseOperator());
    }
    if (this.#current.type !== "eof") {
      if (this.#isOp(";")) this.#unsupported("Statements separated by ';' (let, set) are not supported by the emulator", this.#current);
      this.#fail(`Syntax error: unexpected '${this.#current.text}'`);
    }
    return { table: first.text, tableOffset: first.offset, operators };
  }

  #parseOperator(): Operator {
    const token = this.#current;
    if (token.type !== "ident") this.#fail(`Syntax error: expected a tabular operator but found '${token.text}'`);
    const offset = token.offset;
    switch (token.text) {
      case "where":
      case "filter":
        this.#advance();
        return { kind: "where", predicate: this.#parseExpr(), offset };
      case "project":
        this.#advance();
        return { kind: "project", items: this.#parseNamedList(), offset };
      case "project-away": {
        this.#advance();
        const names = [this.#parseColumnName()];
        while (this.#isOp(",")) {
          this.#advance();
          names.push(this.#parseColumnName());
        }
        return { kind: "project-away", names, offset };
      }
      case "project-rename": {
        this.#advance();
        const renames: Array<{ name: string; from: string }> = [];
        do {
          if (renames.length > 0) this.#advance();
          const name = this.#parseColumnName();
          this.#expectOp("=");
          renames.push({ name, from: this.#parseColumnName() });
        } while (this.#isOp(","));
        return { kind: "project-rename", renames, offset };
      }
      case "extend":
        this.#advance();
        return { kind: "extend", items: this.#parseNamedList(), offset };
      case "order":
      case "sort":
        this.#advance();
        this.#expectWord("by");
        return { kind: "order", keys: this.#parseSortKeys(), offset };
      case "limit":
      case "take": {
        this.#advance();
        const count = this.#current;
        if (count.type !== "number" || !Number.isInteger(count.value) || (count.value as number) < 0) {
          this.#fail(`Syntax error: '${token.text}' expects a non-negative whole number`, count);
        }
        this.#advance();
        return { kind: "limit", count: count.value as number, offset };
      }
      case "summarize": {
        this.#advance();
        const aggregates = this.#isWord("by") ? [] : this.#parseNamedList();
        let by: NamedExpr[] = [];
        if (this.#isWord("by")) {
          this.#advance();
          by = this.#parseNamedList();
        }
        if (aggregates.length === 0 && by.length === 0) this.#fail("Syntax error: summarize needs an aggregation or a 'by' clause");
        return { kind: "summarize", aggregates, by, offset };
      }
      case "count":
        this.#advance();
        return { kind: "count", offset };
      case "distinct":
        this.#advance();
        if (this.#isOp("*")) this.#unsupported("'distinct *' is not supported by the emulator: name the columns", this.#current);
        return { kind: "distinct", items: this.#parseNamedList(), offset };
      default:
        if (KNOWN_UNSUPPORTED.has(token.text)) this.#unsupported(`The '${token.text}' operator is not supported by the emulator`, token);
        this.#fail(`Syntax error: '${token.text}' is not a tabular operator`, token);
    }
  }

  /** A column name: `name` or `['name']`. */
  #parseColumnName(): string {
    const token = this.#current;
    if (token.type === "ident") {
      this.#advance();
      return token.text;
    }
    if (this.#isOp("[") && this.#peek().type === "string" && this.#isOp("]", this.#peek(2))) {
      this.#advance();
      const name = this.#advance().text;
      this.#advance();
      return name;
    }
    return this.#fail(`Syntax error: expected a column name but found '${token.text}'`);
  }

  #parseNamedList(): NamedExpr[] {
    const items: NamedExpr[] = [this.#parseNamed()];
    while (this.#isOp(",")) {
      this.#advance();
      items.push(this.#parseNamed());
    }
    return items;
  }

  #parseNamed(): NamedExpr {
    // `name = expr` (a single `=`, not `==` or `=~`).
    if (this.#current.type === "ident" && this.#isOp("=", this.#peek())) {
      const name = this.#advance().text;
      this.#advance();
      return { name, expr: this.#parseExpr() };
    }
    if (this.#isOp("[") && this.#peek().type === "string" && this.#isOp("]", this.#peek(2)) && this.#isOp("=", this.#peek(3))) {
      this.#advance();
      const name = this.#advance().text;
      this.#advance();
      this.#advance();
      return { name, expr: this.#parseExpr() };
    }
    return { expr: this.#parseExpr() };
  }

  #parseSortKeys(): SortKey[] {
    const keys: SortKey[] = [];
    do {
      if (keys.length > 0) this.#advance();
      const expr = this.#parseExpr();
      // KQL sorts descending unless told otherwise; nulls go last when descending, first when ascending.
      let descending = true;
      if (this.#isWord("asc")) {
        descending = false;
        this.#advance();
      } else if (this.#isWord("desc")) {
        this.#advance();
      }
      let nullsFirst = !descending;
      if (this.#isWord("nulls")) {
        this.#advance();
        if (this.#isWord("first")) nullsFirst = true;
        else if (this.#isWord("last")) nullsFirst = false;
        else this.#fail("Syntax error: expected 'first' or 'last' after 'nulls'");
        this.#advance();
      }
      keys.push({ expr, descending, nullsFirst });
    } while (this.#isOp(","));
    return keys;
  }

  #parseExpr(): Expr {
    let left = this.#parseAnd();
    while (this.#isWord("or")) {
      const offset = this.#advance().offset;
      left = { kind: "binary", op: "or", left, right: this.#parseAnd(), offset };
    }
    return left;
  }

  #parseAnd(): Expr {
    let left = this.#parseComparison();
    while (this.#isWord("and")) {
      const offset = this.#advance().offset;
      left = { kind: "binary", op: "and", left, right: this.#parseComparison(), offset };
    }
    return left;
  }

  #parseComparison(): Expr {
    const left = this.#parseAdditive();
    const token = this.#current;
    if (token.type === "op" && COMPARISON_OPS.has(token.text)) {
      this.#advance();
      return { kind: "binary", op: token.text === "<>" ? "!=" : token.text, left, right: this.#parseAdditive(), offset: token.offset };
    }
    if (token.type === "ident" && STRING_OPS.has(token.text)) {
      this.#advance();
      return { kind: "binary", op: token.text, left, right: this.#parseAdditive(), offset: token.offset };
    }
    if (token.type === "ident" && IN_OPS.has(token.text)) {
      this.#advance();
      this.#expectOp("(");
      if (this.#isWord("dynamic"))
        this.#unsupported("dynamic() arrays in 'in' are not supported by the emulator: list the values", this.#current);
      const list: Expr[] = [];
      if (!this.#isOp(")")) {
        list.push(this.#parseAdditive());
        while (this.#isOp(",")) {
          this.#advance();
          list.push(this.#parseAdditive());
        }
      }
      this.#expectOp(")");
      return { kind: "in", op: token.text, left, list, offset: token.offset };
    }
    if (
      token.type === "ident" &&
      ["matches", "between", "!between", "has_any", "has_all", "hasprefix", "hassuffix", "contains_any"].includes(token.text)
    ) {
      this.#unsupported(`The '${token.text}' operator is not supported by the emulator`, token);
    }
    return left;
  }

  #parseAdditive(): Expr {
    let left = this.#parseMultiplicative();
    while (this.#isOp("+") || this.#isOp("-")) {
      const token = this.#advance();
      left = { kind: "binary", op: token.text, left, right: this.#parseMultiplicative(), offset: token.offset };
    }
    return left;
  }

  #parseMultiplicative(): Expr {
    let left = this.#parseUnary();
    while (this.#isOp("*") || this.#isOp("/") || this.#isOp("%")) {
      const token = this.#advance();
      left = { kind: "binary", op: token.text, left, right: this.#parseUnary(), offset: token.offset };
    }
    return left;
  }

  #parseUnary(): Expr {
    if (this.#isOp("-") || this.#isOp("+")) {
      const token = this.#advance();
      return { kind: "unary", op: token.text as "-" | "+", operand: this.#parseUnary(), offset: token.offset };
    }
    return this.#parsePostfix();
  }

  #parsePostfix(): Expr {
    let expr = this.#parsePrimary();
    for (;;) {
      if (this.#isOp(".")) {
        const dot = this.#advance();
        const name = this.#current;
        if (name.type !== "ident" || name.text.startsWith("!"))
          this.#fail(`Syntax error: expected a property name after '.' but found '${name.text}'`);
        this.#advance();
        expr = { kind: "member", target: expr, name: name.text, offset: dot.offset };
        continue;
      }
      if (this.#isOp("[")) {
        const open = this.#advance();
        const index = this.#parseExpr();
        this.#expectOp("]");
        expr = { kind: "index", target: expr, index, offset: open.offset };
        continue;
      }
      return expr;
    }
  }

  #parsePrimary(): Expr {
    const token = this.#current;
    switch (token.type) {
      case "string":
        this.#advance();
        return { kind: "literal", type: "string", value: token.text, offset: token.offset };
      case "number": {
        this.#advance();
        const isReal = /[.eE]/.test(token.text);
        return { kind: "literal", type: isReal ? "real" : "long", value: token.value, offset: token.offset };
      }
      case "timespan":
        this.#advance();
        return { kind: "literal", type: "timespan", value: token.value, offset: token.offset };
      case "datetime": {
        this.#advance();
        const parsed = parseDatetimeLiteral(token.text);
        if (parsed === undefined) this.#fail(`Syntax error: '${token.text}' is not a valid datetime literal`, token);
        return { kind: "literal", type: "datetime", value: parsed, offset: token.offset };
      }
      case "ident": {
        if (token.text === "true" || token.text === "false") {
          this.#advance();
          return { kind: "literal", type: "bool", value: token.text === "true", offset: token.offset };
        }
        if (token.text.startsWith("!")) this.#fail(`Syntax error: unexpected '${token.text}'`, token);
        if (["and", "or", "by", "asc", "desc"].includes(token.text) && !this.#isOp("(", this.#peek())) {
          this.#fail(`Syntax error: expected an expression but found '${token.text}'`, token);
        }
        this.#advance();
        if (this.#isOp("(")) {
          if (["dynamic", "pack", "bag_pack", "pack_array", "timespan", "parse_json", "todynamic"].includes(token.text)) {
            this.#unsupported(`The function '${token.text}' is not supported by the emulator`, token);
          }
          this.#advance();
          const args: Expr[] = [];
          if (!this.#isOp(")")) {
            args.push(this.#parseExpr());
            while (this.#isOp(",")) {
              this.#advance();
              args.push(this.#parseExpr());
            }
          }
          this.#expectOp(")");
          return { kind: "call", name: token.text, args, offset: token.offset };
        }
        return { kind: "column", name: token.text, offset: token.offset };
      }
      case "op":
        if (token.text === "(") {
          this.#advance();
          const inner = this.#parseExpr();
          this.#expectOp(")");
          return inner;
        }
        if (token.text === "[" && this.#peek().type === "string" && this.#isOp("]", this.#peek(2))) {
          this.#advance();
          const name = this.#advance().text;
          this.#advance();
          return { kind: "column", name, offset: token.offset };
        }
        return this.#fail(`Syntax error: expected an expression but found '${token.text}'`);
      default:
        return this.#fail(
          token.type === "eof"
            ? "Syntax error: the query ends where an expression was expected"
            : `Syntax error: unexpected '${token.text}'`,
        );
    }
  }
}

/** `datetime(2024-01-31)`, `datetime(2024-01-31 10:00)`, `datetime(2024-01-31T10:00:00Z)`: UTC unless an offset is given. */
export function parseDatetimeLiteral(text: string): Date | undefined {
  const trimmed = text.trim();
  if (!/^\d{4}-\d{2}-\d{2}/.test(trimmed)) return undefined;
  let iso = trimmed.replace(" ", "T");
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) iso += "T00:00:00";
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(iso)) iso += "Z";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function parseQuery(text: string): Query {
  return new Parser(text).parseQuery();
}
