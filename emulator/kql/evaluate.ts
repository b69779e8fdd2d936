/**
 * Evaluates a parsed query over in-memory tables. Expressions are type-checked against the
 * columns they read before any row is touched, so a misspelt column or a comparison KQL would
 * refuse (dynamic against datetime, grouping by a dynamic value) fails the query instead of
 * quietly matching nothing. Pure: the only notion of time is the `now` passed in.
 */
import type { Expr, NamedExpr, Operator, Query } from "./ast.ts";
import { KqlError } from "./errors.ts";
import { positionOf } from "./lexer.ts";
import { parseQuery } from "./parser.ts";
import {
  compareValues,
  groupKey,
  isNullish,
  isNumeric,
  type KqlType,
  Timespan,
  toJsonValue,
  toKqlDatetime,
  toKqlNumber,
  toKqlString,
} from "./values.ts";

export interface Column {
  name: string;
  type: KqlType;
}

export type Row = Record<string, unknown>;

export interface Table {
  columns: Column[];
  rows: Row[];
}

export interface QueryContext {
  /** Tables by name; looked up case-insensitively, as Resource Graph does. */
  tables: Record<string, Table>;
  now: Date;
}

export interface QueryResult {
  columns: Column[];
  rows: Row[];
}

interface Compiled {
  type: KqlType;
  eval: (row: Row) => unknown;
}

interface Scope {
  columns: Map<string, KqlType>;
  now: Date;
  text: string;
  operator: string;
}

const AGGREGATES = new Set(["count", "countif", "dcount", "sum", "min", "max", "avg"]);

function semantic(scope: Scope, offset: number, message: string, token?: string): never {
  throw new KqlError("SemanticError", `'${scope.operator}' operator: ${message}`, positionOf(scope.text, offset), token);
}

/** Column name KQL gives an unnamed expression: `properties.a.b` → `properties_a_b`, `tags['x']` → `tags_x`. */
function derivedName(expr: Expr): string | undefined {
  switch (expr.kind) {
    case "column":
      return expr.name;
    case "member": {
      const base = derivedName(expr.target);
      return base === undefined ? undefined : `${base}_${expr.name}`;
    }
    case "index": {
      const base = derivedName(expr.target);
      if (base === undefined || expr.index.kind !== "literal") return undefined;
      return `${base}_${String(expr.index.value)}`;
    }
    default:
      return undefined;
  }
}

const isAlnum = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9]/.test(c);

/** KQL `has`: the needle occurs as whole terms (runs of letters and digits), case-insensitively unless `_cs`. */
function hasTerm(haystack: string, needle: string, caseSensitive: boolean): boolean {
  const h = caseSensitive ? haystack : haystack.toLowerCase();
  const n = caseSensitive ? needle : needle.toLowerCase();
  if (n.length === 0) return true;
  let from = 0;
  for (;;) {
    const at = h.indexOf(n, from);
    if (at < 0) return false;
    const end = at + n.length;
    const startsOnBoundary = !isAlnum(n[0]) || !isAlnum(h[at - 1]);
    const endsOnBoundary = !isAlnum(n[n.length - 1]) || !isAlnum(h[end]);
    if (startsOnBoundary && endsOnBoundary) return true;
    from = at + 1;
  }
}

function stringOperator(op: string): (left: string, right: string) => boolean {
  const negated = op.startsWith("!");
  const base = negated ? op.slice(1) : op;
  const caseSensitive = base.endsWith("_cs");
  const name = caseSensitive ? base.slice(0, -3) : base;
  const fold = (s: string): string => (caseSensitive ? s : s.toLowerCase());
  let test: (left: string, right: string) => boolean;
  switch (name) {
    case "contains":
      test = (l, r) => fold(l).includes(fold(r));
      break;
    case "has":
      test = (l, r) => hasTerm(l, r, caseSensitive);
      break;
    case "startswith":
      test = (l, r) => fold(l).startsWith(fold(r));
      break;
    case "endswith":
      test = (l, r) => fold(l).endsWith(fold(r));
      break;
    default:
      throw new Error(`unknown string operator ${op}`);
  }
  return negated ? (l, r) => !test(l, r) : test;
}

type ComparisonMode = "string" | "number" | "datetime" | "timespan" | "bool" | "dynamic";

function comparisonMode(scope: Scope, offset: number, left: KqlType, right: KqlType): ComparisonMode {
  if (left === "dynamic" && right === "dynamic") return "dynamic";
  const pair = new Set([left, right]);
  const other = left === "dynamic" ? right : right === "dynamic" ? left : undefined;
  if (other !== undefined) {
    if (other === "string") return "string";
    if (isNumeric(other)) return "number";
    if (other === "bool") return "bool";
  } else {
    if (left === "string" && right === "string") return "string";
    if (isNumeric(left) && isNumeric(right)) return "number";
    if (pair.size === 1 && (left === "datetime" || left === "timespan" || left === "bool")) return left;
  }
  return semantic(scope, offset, `Cannot compare values of types ${left} and ${right}. Try adding explicit casts`);
}

/** Equality and ordering of two values under a comparison mode; null when KQL's answer is null. */
function compareIn(mode: ComparisonMode, left: unknown, right: unknown): number | null {
  switch (mode) {
    case "string":
      return compareValues(toKqlString(left), toKqlString(right));
    case "number": {
      const l = toKqlNumber(left);
      const r = toKqlNumber(right);
      return l === null || r === null ? null : l - r;
    }
    case "bool":
      if (typeof left !== "boolean" || typeof right !== "boolean") return null;
      return Number(left) - Number(right);
    case "datetime":
    case "timespan":
      if (isNullish(left) || isNullish(right)) return null;
      return compareValues(left, right);
    case "dynamic":
      if (typeof left === "number" && typeof right === "number") return left - right;
      if (typeof left === "string" && typeof right === "string") return compareValues(left, right);
      if (typeof left === "boolean" && typeof right === "boolean") return Number(left) - Number(right);
      return null;
  }
}

function dynamicEquals(left: unknown, right: unknown): boolean | null {
  if (isNullish(left) || isNullish(right)) return null;
  if (typeof left === "object" || typeof right === "object") return JSON.stringify(left) === JSON.stringify(right);
  return left === right;
}

function compileComparison(scope: Scope, expr: Extract<Expr, { kind: "binary" }>, left: Compiled, right: Compiled): Compiled {
  const op = expr.op;
  if (op === "=~" || op === "!~") {
    for (const side of [left, right]) {
      if (side.type !== "string" && side.type !== "dynamic") semantic(scope, expr.offset, `'${op}' compares strings, not ${side.type}`);
    }
    const negate = op === "!~";
    return {
      type: "bool",
      eval: (row) => (toKqlString(left.eval(row)).toLowerCase() === toKqlString(right.eval(row)).toLowerCase()) !== negate,
    };
  }
  const mode = comparisonMode(scope, expr.offset, left.type, right.type);
  if (op === "==" || op === "!=") {
    const negate = op === "!=";
    if (mode === "dynamic") {
      return {
        type: "bool",
        eval: (row) => {
          const equal = dynamicEquals(left.eval(row), right.eval(row));
          return equal === null ? null : equal !== negate;
        },
      };
    }
    return {
      type: "bool",
      eval: (row) => {
        const order = compareIn(mode, left.eval(row), right.eval(row));
        return order === null ? null : (order === 0) !== negate;
      },
    };
  }
  const test: (order: number) => boolean =
    op === "<" ? (o) => o < 0 : op === "<=" ? (o) => o <= 0 : op === ">" ? (o) => o > 0 : (o) => o >= 0;
  return {
    type: "bool",
    eval: (row) => {
      const order = compareIn(mode, left.eval(row), right.eval(row));
      return order === null ? null : test(order);
    },
  };
}

function compileArithmetic(scope: Scope, expr: Extract<Expr, { kind: "binary" }>, left: Compiled, right: Compiled): Compiled {
  const op = expr.op;
  const l = left.type === "dynamic" ? "real" : left.type;
  const r = right.type === "dynamic" ? "real" : right.type;
  const fail = (): never => semantic(scope, expr.offset, `Operator '${op}' is not defined for ${left.type} and ${right.type}`);
  const nullSafe = (type: KqlType, f: (a: unknown, b: unknown) => unknown): Compiled => ({
    type,
    eval: (row) => {
      const a = left.eval(row);
      const b = right.eval(row);
      return isNullish(a) || isNullish(b) ? null : f(a, b);
    },
  });
  if (isNumeric(l) && isNumeric(r)) {
    const type: KqlType = l === "long" && r === "long" ? "long" : "real";
    const num = (v: unknown): number | null => toKqlNumber(v);
    return nullSafe(type, (a, b) => {
      const x = num(a);
      const y = num(b);
      if (x === null || y === null) return null;
      switch (op) {
        case "+":
          return x + y;
        case "-":
          return x - y;
        case "*":
          return x * y;
        case "/":
          if (y === 0) return null;
          return type === "long" ? Math.trunc(x / y) : x / y;
        default:
          return y === 0 ? null : x % y;
      }
    });
  }
  if (op === "+" && l === "datetime" && r === "timespan")
    return nullSafe("datetime", (a, b) => new Date((a as Date).getTime() + (b as Timespan).ms));
  if (op === "+" && l === "timespan" && r === "datetime")
    return nullSafe("datetime", (a, b) => new Date((b as Date).getTime() + (a as Timespan).ms));
  if (op === "-" && l === "datetime" && r === "timespan")
    return nullSafe("datetime", (a, b) => new Date((a as Date).getTime() - (b as Timespan).ms));
  if (op === "-" && l === "datetime" && r === "datetime")
    return nullSafe("timespan", (a, b) => new Timespan((a as Date).getTime() - (b as Date).getTime()));
  if ((op === "+" || op === "-") && l === "timespan" && r === "timespan") {
    return nullSafe(
      "timespan",
      (a, b) => new Timespan(op === "+" ? (a as Timespan).ms + (b as Timespan).ms : (a as Timespan).ms - (b as Timespan).ms),
    );
  }
  if (op === "*" && l === "timespan" && isNumeric(r))
    return nullSafe("timespan", (a, b) => new Timespan((a as Timespan).ms * (toKqlNumber(b) ?? 0)));
  if (op === "*" && isNumeric(l) && r === "timespan")
    return nullSafe("timespan", (a, b) => new Timespan((b as Timespan).ms * (toKqlNumber(a) ?? 0)));
  if (op === "/" && l === "timespan" && isNumeric(r)) {
    return nullSafe("timespan", (a, b) => (toKqlNumber(b) ? new Timespan((a as Timespan).ms / (toKqlNumber(b) as number)) : null));
  }
  if (op === "/" && l === "timespan" && r === "timespan")
    return nullSafe("real", (a, b) => ((b as Timespan).ms === 0 ? null : (a as Timespan).ms / (b as Timespan).ms));
  return fail();
}

function compileIn(scope: Scope, expr: Extract<Expr, { kind: "in" }>): Compiled {
  const left = compileExpr(scope, expr.left);
  const list = expr.list.map((item) => compileExpr(scope, item));
  const negate = expr.op.startsWith("!");
  const insensitive = expr.op.endsWith("~");
  const modes = list.map((item) => {
    if (insensitive) {
      if ((left.type !== "string" && left.type !== "dynamic") || (item.type !== "string" && item.type !== "dynamic")) {
        semantic(scope, expr.offset, `'${expr.op}' compares strings, not ${left.type} and ${item.type}`);
      }
      return "string";
    }
    return comparisonMode(scope, expr.offset, left.type, item.type);
  });
  return {
    type: "bool",
    eval: (row) => {
      const value = left.eval(row);
      const found = list.some((item, index) => {
        const mode = modes[index] as ComparisonMode;
        const candidate = item.eval(row);
        if (insensitive) return toKqlString(value).toLowerCase() === toKqlString(candidate).toLowerCase();
        if (mode === "dynamic") return dynamicEquals(value, candidate) === true;
        return compareIn(mode, value, candidate) === 0;
      });
      return found !== negate;
    },
  };
}

function expectArgs(scope: Scope, expr: Extract<Expr, { kind: "call" }>, min: number, max = min): Compiled[] {
  if (expr.args.length < min || expr.args.length > max) {
    const wanted = min === max ? `${min}` : `${min} to ${max}`;
    semantic(scope, expr.offset, `The function '${expr.name}' expects ${wanted} argument(s), got ${expr.args.length}`, expr.name);
  }
  return expr.args.map((arg) => compileExpr(scope, arg));
}

function compileCall(scope: Scope, expr: Extract<Expr, { kind: "call" }>): Compiled {
  const name = expr.name;
  const one = (): Compiled => expectArgs(scope, expr, 1)[0] as Compiled;
  switch (name) {
    case "isempty":
    case "isnotempty": {
      const arg = one();
      const negate = name === "isnotempty";
      return {
        type: "bool",
        eval: (row) => {
          const value = arg.eval(row);
          return (isNullish(value) || value === "") !== negate;
        },
      };
    }
    case "isnull":
    case "isnotnull": {
      const arg = one();
      const negate = name === "isnotnull";
      // KQL strings are never null: isnull("") is false.
      return { type: "bool", eval: (row) => (arg.type !== "string" && isNullish(arg.eval(row))) !== negate };
    }
    case "tostring": {
      const arg = one();
      return { type: "string", eval: (row) => toKqlString(arg.eval(row)) };
    }
    case "tolower":
    case "toupper": {
      const arg = one();
      const upper = name === "toupper";
      return {
        type: "string",
        eval: (row) => (upper ? toKqlString(arg.eval(row)).toUpperCase() : toKqlString(arg.eval(row)).toLowerCase()),
      };
    }
    case "todatetime": {
      const arg = one();
      return { type: "datetime", eval: (row) => toKqlDatetime(arg.eval(row)) };
    }
    case "tolong":
    case "toint": {
      const arg = one();
      return {
        type: "long",
        eval: (row) => {
          const value = toKqlNumber(arg.eval(row));
          return value === null ? null : Math.trunc(value);
        },
      };
    }
    case "todouble":
    case "toreal": {
      const arg = one();
      return { type: "real", eval: (row) => toKqlNumber(arg.eval(row)) };
    }
    case "tobool":
    case "toboolean": {
      const arg = one();
      return {
        type: "bool",
        eval: (row) => {
          const value = arg.eval(row);
          if (typeof value === "boolean") return value;
          if (typeof value === "number") return value !== 0;
          if (typeof value === "string" && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === "true";
          return null;
        },
      };
    }
    case "ago": {
      const arg = one();
      if (arg.type !== "timespan") semantic(scope, expr.offset, `ago() expects a timespan, got ${arg.type}`, name);
      const nowMs = scope.now.getTime();
      return {
        type: "datetime",
        eval: (row) => {
          const span = arg.eval(row);
          return span instanceof Timespan ? new Date(nowMs - span.ms) : null;
        },
      };
    }
    case "now": {
      const args = expectArgs(scope, expr, 0, 1);
      const offset = args[0];
      if (offset && offset.type !== "timespan") semantic(scope, expr.offset, `now() expects a timespan offset, got ${offset.type}`, name);
      const nowMs = scope.now.getTime();
      return {
        type: "datetime",
        eval: (row) => {
          const span = offset?.eval(row);
          return new Date(nowMs + (span instanceof Timespan ? span.ms : 0));
        },
      };
    }
    case "not": {
      const arg = one();
      if (arg.type !== "bool" && arg.type !== "dynamic") semantic(scope, expr.offset, `not() expects a bool, got ${arg.type}`, name);
      return {
        type: "bool",
        eval: (row) => {
          const value = arg.eval(row);
          return value === true ? false : value === false ? true : null;
        },
      };
    }
    case "strlen": {
      const arg = one();
      return { type: "long", eval: (row) => toKqlString(arg.eval(row)).length };
    }
    case "strcat": {
      const args = expectArgs(scope, expr, 1, 64);
      return { type: "string", eval: (row) => args.map((arg) => toKqlString(arg.eval(row))).join("") };
    }
    case "array_length": {
      const arg = one();
      if (arg.type !== "dynamic") semantic(scope, expr.offset, `array_length() expects a dynamic array, got ${arg.type}`, name);
      return {
        type: "long",
        eval: (row) => {
          const value = arg.eval(row);
          return Array.isArray(value) ? value.length : null;
        },
      };
    }
    case "iff":
    case "iif": {
      const [condition, then, otherwise] = expectArgs(scope, expr, 3) as [Compiled, Compiled, Compiled];
      if (condition.type !== "bool" && condition.type !== "dynamic")
        semantic(scope, expr.offset, `${name}() expects a bool condition, got ${condition.type}`, name);
      if (then.type !== otherwise.type)
        semantic(scope, expr.offset, `${name}() branches have different types: ${then.type} and ${otherwise.type}`, name);
      return { type: then.type, eval: (row) => (condition.eval(row) === true ? then.eval(row) : otherwise.eval(row)) };
    }
    case "coalesce": {
      const args = expectArgs(scope, expr, 2, 64);
      const type = (args[0] as Compiled).type;
      if (args.some((arg) => arg.type !== type)) semantic(scope, expr.offset, "coalesce() arguments must all have one type", name);
      return {
        type,
        eval: (row) => {
          for (const arg of args) {
            const value = arg.eval(row);
            if (!isNullish(value) && value !== "") return value;
          }
          return type === "string" ? "" : null;
        },
      };
    }
    default:
      if (AGGREGATES.has(name)) semantic(scope, expr.offset, `The aggregation '${name}()' can only be used in summarize`, name);
      return semantic(scope, expr.offset, `Unknown function: '${name}'`, name);
  }
}

function compileExpr(scope: Scope, expr: Expr): Compiled {
  switch (expr.kind) {
    case "literal": {
      const value = expr.type === "timespan" ? new Timespan(expr.value as number) : expr.value;
      return { type: expr.type === "null" ? "dynamic" : expr.type, eval: () => value };
    }
    case "column": {
      const type = scope.columns.get(expr.name);
      if (type === undefined) semantic(scope, expr.offset, `Failed to resolve scalar expression named '${expr.name}'`, expr.name);
      const name = expr.name;
      return { type, eval: (row) => row[name] ?? null };
    }
    case "member": {
      const target = compileExpr(scope, expr.target);
      if (target.type !== "dynamic")
        semantic(scope, expr.offset, `Cannot access property '${expr.name}' of a value of type ${target.type}`, expr.name);
      const name = expr.name;
      return { type: "dynamic", eval: (row) => propertyOf(target.eval(row), name) };
    }
    case "index": {
      const target = compileExpr(scope, expr.target);
      const index = compileExpr(scope, expr.index);
      if (target.type !== "dynamic") semantic(scope, expr.offset, `Cannot index a value of type ${target.type}`);
      if (index.type !== "string" && index.type !== "long")
        semantic(scope, expr.offset, `An index must be a string or a whole number, not ${index.type}`);
      return {
        type: "dynamic",
        eval: (row) => {
          const value = target.eval(row);
          const key = index.eval(row);
          if (typeof key === "string") return propertyOf(value, key);
          if (typeof key === "number" && Array.isArray(value)) return (value[key < 0 ? value.length + key : key] as unknown) ?? null;
          return null;
        },
      };
    }
    case "call":
      return compileCall(scope, expr);
    case "unary": {
      const operand = compileExpr(scope, expr.operand);
      if (!isNumeric(operand.type) && operand.type !== "timespan" && operand.type !== "dynamic") {
        semantic(scope, expr.offset, `Unary '${expr.op}' is not defined for ${operand.type}`);
      }
      if (expr.op === "+") return operand;
      return {
        type: operand.type === "dynamic" ? "real" : operand.type,
        eval: (row) => {
          const value = operand.eval(row);
          if (value instanceof Timespan) return new Timespan(-value.ms);
          const number = toKqlNumber(value);
          return number === null ? null : -number;
        },
      };
    }
    case "in":
      return compileIn(scope, expr);
    case "binary": {
      const left = compileExpr(scope, expr.left);
      const right = compileExpr(scope, expr.right);
      if (expr.op === "and" || expr.op === "or") {
        for (const side of [left, right]) {
          if (side.type !== "bool" && side.type !== "dynamic")
            semantic(scope, expr.offset, `'${expr.op}' expects bool operands, got ${side.type}`);
        }
        if (expr.op === "and") return { type: "bool", eval: (row) => left.eval(row) === true && right.eval(row) === true };
        return { type: "bool", eval: (row) => left.eval(row) === true || right.eval(row) === true };
      }
      if (["==", "!=", "=~", "!~", "<", "<=", ">", ">="].includes(expr.op)) return compileComparison(scope, expr, left, right);
      if (["+", "-", "*", "/", "%"].includes(expr.op)) return compileArithmetic(scope, expr, left, right);
      // contains, has, startswith, endswith and their negated and case-sensitive forms.
      for (const side of [left, right]) {
        if (side.type !== "string" && side.type !== "dynamic")
          semantic(scope, expr.offset, `'${expr.op}' expects string operands, got ${side.type}`);
      }
      const test = stringOperator(expr.op);
      return { type: "bool", eval: (row) => test(toKqlString(left.eval(row)), toKqlString(right.eval(row))) };
    }
  }
}

function propertyOf(value: unknown, name: string): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  return (value as Record<string, unknown>)[name] ?? null;
}

class ColumnNamer {
  #next = 1;
  name(item: NamedExpr): string {
    if (item.name !== undefined) return item.name;
    const derived = derivedName(item.expr);
    if (derived !== undefined) return derived;
    const name = `Column${this.#next}`;
    this.#next += 1;
    return name;
  }
}

function scopeFor(columns: Column[], now: Date, text: string, operator: string): Scope {
  return { columns: new Map(columns.map((column) => [column.name, column.type])), now, text, operator };
}

function requireColumn(scope: Scope, columns: Column[], name: string, offset: number): void {
  if (!columns.some((column) => column.name === name)) semantic(scope, offset, `Failed to resolve column '${name}'`, name);
}

function projectRows(rows: Row[], columns: Array<{ name: string; compiled: Compiled }>): Row[] {
  return rows.map((row) => {
    const out: Row = {};
    for (const column of columns) out[column.name] = column.compiled.eval(row);
    return out;
  });
}

interface Aggregate {
  name: string;
  type: KqlType;
  start: () => { add: (row: Row) => void; result: () => unknown };
}

function compileAggregate(scope: Scope, item: NamedExpr): Aggregate {
  const expr = item.expr;
  if (expr.kind !== "call" || !AGGREGATES.has(expr.name)) {
    semantic(scope, expr.offset, "Only the aggregations count(), countif(), dcount(), sum(), min(), max() and avg() are supported");
  }
  const call = expr;
  const argName = (): string => {
    const arg = call.args[0];
    const derived = arg === undefined ? undefined : derivedName(arg);
    return derived === undefined ? `${call.name}_` : `${call.name}_${derived}`;
  };
  const named = (fallback: string): string => item.name ?? fallback;
  switch (call.name) {
    case "count": {
      expectArgs(scope, call, 0);
      return {
        name: named("count_"),
        type: "long",
        start: () => {
          let n = 0;
          return { add: () => void (n += 1), result: () => n };
        },
      };
    }
    case "countif": {
      const [predicate] = expectArgs(scope, call, 1) as [Compiled];
      if (predicate.type !== "bool" && predicate.type !== "dynamic")
        semantic(scope, call.offset, `countif() expects a bool, got ${predicate.type}`);
      return {
        name: named("countif_"),
        type: "long",
        start: () => {
          let n = 0;
          return { add: (row) => void (predicate.eval(row) === true && (n += 1)), result: () => n };
        },
      };
    }
    case "dcount": {
      const [arg] = expectArgs(scope, call, 1, 2) as [Compiled];
      return {
        name: named(argName()),
        type: "long",
        start: () => {
          const seen = new Set<string>();
          return {
            add: (row) => {
              const value = arg.eval(row);
              if (!isNullish(value) && value !== "") seen.add(groupKey([value]));
            },
            result: () => seen.size,
          };
        },
      };
    }
    case "sum":
    case "avg": {
      const [arg] = expectArgs(scope, call, 1) as [Compiled];
      if (!isNumeric(arg.type) && arg.type !== "dynamic") semantic(scope, call.offset, `${call.name}() expects a number, got ${arg.type}`);
      const isAvg = call.name === "avg";
      return {
        name: named(argName()),
        type: isAvg || arg.type !== "long" ? "real" : "long",
        start: () => {
          let total = 0;
          let n = 0;
          return {
            add: (row) => {
              const value = toKqlNumber(arg.eval(row));
              if (value !== null) {
                total += value;
                n += 1;
              }
            },
            result: () => (isAvg ? (n === 0 ? null : total / n) : total),
          };
        },
      };
    }
    default: {
      const [arg] = expectArgs(scope, call, 1) as [Compiled];
      const wantMax = call.name === "max";
      return {
        name: named(argName()),
        type: arg.type,
        start: () => {
          let best: unknown = null;
          return {
            add: (row) => {
              const value = arg.eval(row);
              if (isNullish(value)) return;
              if (isNullish(best) || (wantMax ? compareValues(value, best) > 0 : compareValues(value, best) < 0)) best = value;
            },
            result: () => best,
          };
        },
      };
    }
  }
}

function apply(operator: Operator, input: QueryResult, now: Date, text: string): QueryResult {
  const scope = scopeFor(input.columns, now, text, operator.kind === "order" ? "order" : operator.kind);
  switch (operator.kind) {
    case "where": {
      const predicate = compileExpr(scope, operator.predicate);
      if (predicate.type !== "bool" && predicate.type !== "dynamic")
        semantic(scope, operator.offset, `The predicate must be of type bool, not ${predicate.type}`);
      return { columns: input.columns, rows: input.rows.filter((row) => predicate.eval(row) === true) };
    }
    case "project": {
      const namer = new ColumnNamer();
      const compiled = operator.items.map((item) => ({
        name: namer.name(item),
        compiled: compileExpr(scope, item.expr),
        offset: item.expr.offset,
      }));
      const seen = new Set<string>();
      for (const column of compiled) {
        if (seen.has(column.name)) semantic(scope, column.offset, `The column '${column.name}' is projected more than once`, column.name);
        seen.add(column.name);
      }
      return { columns: compiled.map((c) => ({ name: c.name, type: c.compiled.type })), rows: projectRows(input.rows, compiled) };
    }
    case "project-away": {
      for (const name of operator.names) requireColumn(scope, input.columns, name, operator.offset);
      const away = new Set(operator.names);
      const columns = input.columns.filter((column) => !away.has(column.name));
      return {
        columns,
        rows: projectRows(
          input.rows,
          columns.map((c) => ({ name: c.name, compiled: { type: c.type, eval: (row: Row) => row[c.name] ?? null } })),
        ),
      };
    }
    case "project-rename": {
      const renames = new Map<string, string>();
      for (const { name, from } of operator.renames) {
        requireColumn(scope, input.columns, from, operator.offset);
        renames.set(from, name);
      }
      const columns = input.columns.map((column) => ({
        name: renames.get(column.name) ?? column.name,
        type: column.type,
        from: column.name,
      }));
      return {
        columns: columns.map(({ name, type }) => ({ name, type })),
        rows: projectRows(
          input.rows,
          columns.map((c) => ({ name: c.name, compiled: { type: c.type, eval: (row: Row) => row[c.from] ?? null } })),
        ),
      };
    }
    case "extend": {
      const namer = new ColumnNamer();
      let columns = [...input.columns];
      let rows = input.rows;
      for (const item of operator.items) {
        const compiled = compileExpr(scopeFor(columns, now, text, "extend"), item.expr);
        const name = namer.name(item);
        rows = rows.map((row) => ({ ...row, [name]: compiled.eval(row) }));
        const existing = columns.findIndex((column) => column.name === name);
        if (existing >= 0) columns[existing] = { name, type: compiled.type };
        else columns = [...columns, { name, type: compiled.type }];
      }
      // Keys of the row objects follow the column order.
      return {
        columns,
        rows: projectRows(
          rows,
          columns.map((c) => ({ name: c.name, compiled: { type: c.type, eval: (row: Row) => row[c.name] ?? null } })),
        ),
      };
    }
    case "order": {
      const keys = operator.keys.map((key) => {
        const compiled = compileExpr(scope, key.expr);
        if (compiled.type === "dynamic")
          semantic(scope, key.expr.offset, "A sort key can't be of dynamic type: use an explicit cast such as tostring()");
        return { ...key, compiled };
      });
      const decorated = input.rows.map((row, index) => ({ row, index, values: keys.map((key) => key.compiled.eval(row)) }));
      decorated.sort((a, b) => {
        for (let k = 0; k < keys.length; k += 1) {
          const key = keys[k] as (typeof keys)[number];
          const x = a.values[k];
          const y = b.values[k];
          const xNull = isNullish(x);
          const yNull = isNullish(y);
          if (xNull || yNull) {
            if (xNull && yNull) continue;
            return xNull === key.nullsFirst ? -1 : 1;
          }
          const order = compareValues(x, y);
          if (order !== 0) return key.descending ? -order : order;
        }
        return a.index - b.index;
      });
      return { columns: input.columns, rows: decorated.map((entry) => entry.row) };
    }
    case "limit":
      return { columns: input.columns, rows: input.rows.slice(0, operator.count) };
    case "count":
      return { columns: [{ name: "Count", type: "long" }], rows: [{ Count: input.rows.length }] };
    case "distinct":
    case "summarize": {
      const namer = new ColumnNamer();
      const keyItems = operator.kind === "distinct" ? operator.items : operator.by;
      const keys = keyItems.map((item) => {
        const compiled = compileExpr(scope, item.expr);
        const name = namer.name(item);
        if (compiled.type === "dynamic") {
          semantic(
            scope,
            item.expr.offset,
            `Group key '${name}' is of a 'dynamic' type. Please use an explicit cast such as tostring()`,
            name,
          );
        }
        return { name, compiled };
      });
      const aggregates = operator.kind === "distinct" ? [] : operator.aggregates.map((item) => compileAggregate(scope, item));
      const names = [...keys.map((key) => key.name), ...aggregates.map((aggregate) => aggregate.name)];
      const duplicate = names.find((name, index) => names.indexOf(name) !== index);
      if (duplicate !== undefined) semantic(scope, operator.offset, `The column '${duplicate}' is produced more than once`, duplicate);
      const groups = new Map<string, { keyValues: unknown[]; states: Array<ReturnType<Aggregate["start"]>> }>();
      for (const row of input.rows) {
        const keyValues = keys.map((key) => key.compiled.eval(row));
        const id = groupKey(keyValues);
        let group = groups.get(id);
        if (!group) {
          group = { keyValues, states: aggregates.map((aggregate) => aggregate.start()) };
          groups.set(id, group);
        }
        for (const state of group.states) state.add(row);
      }
      if (keys.length === 0 && groups.size === 0)
        groups.set("", { keyValues: [], states: aggregates.map((aggregate) => aggregate.start()) });
      const columns: Column[] = [
        ...keys.map((key) => ({ name: key.name, type: key.compiled.type })),
        ...aggregates.map((aggregate) => ({ name: aggregate.name, type: aggregate.type })),
      ];
      const rows = [...groups.values()].map((group) => {
        const row: Row = {};
        keys.forEach((key, index) => void (row[key.name] = group.keyValues[index]));
        aggregates.forEach(
          (aggregate, index) => void (row[aggregate.name] = (group.states[index] as ReturnType<Aggregate["start"]>).result()),
        );
        return row;
      });
      return { columns, rows };
    }
  }
}

export function evaluateQuery(query: Query, text: string, context: QueryContext): QueryResult {
  const tableName = Object.keys(context.tables).find((name) => name.toLowerCase() === query.table.toLowerCase());
  if (tableName === undefined) {
    throw new KqlError("SemanticError", `Table '${query.table}' could not be found`, positionOf(text, query.tableOffset), query.table);
  }
  const table = context.tables[tableName] as Table;
  let result: QueryResult = { columns: table.columns, rows: table.rows };
  for (const operator of query.operators) result = apply(operator, result, context.now, text);
  return result;
}

/** Parses and runs a query. Throws `KqlError` for anything outside the subset or ill-typed. */
export function runQuery(text: string, context: QueryContext): QueryResult {
  return evaluateQuery(parseQuery(text), text, context);
}

/** Rows as JSON objects (datetimes as ISO strings, timespans as `hh:mm:ss`), keys in column order. */
export function rowsAsJson(result: QueryResult): Array<Record<string, unknown>> {
  return result.rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const column of result.columns) out[column.name] = toJsonValue(row[column.name]);
    return out;
  });
}
