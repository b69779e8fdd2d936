/** The syntax tree of a parsed query: a table and the tabular operators piped after it. */

export type Expr =
  | { kind: "literal"; type: "string" | "long" | "real" | "bool" | "timespan" | "datetime" | "null"; value: unknown; offset: number }
  | { kind: "column"; name: string; offset: number }
  | { kind: "member"; target: Expr; name: string; offset: number }
  | { kind: "index"; target: Expr; index: Expr; offset: number }
  | { kind: "call"; name: string; args: Expr[]; offset: number }
  | { kind: "binary"; op: string; left: Expr; right: Expr; offset: number }
  | { kind: "unary"; op: "-" | "+"; operand: Expr; offset: number }
  | { kind: "in"; op: string; left: Expr; list: Expr[]; offset: number };

export interface NamedExpr {
  /** The name given with `name = expr`, if any. */
  name?: string;
  expr: Expr;
}

export interface SortKey {
  expr: Expr;
  descending: boolean;
  nullsFirst: boolean;
}

export type Operator =
  | { kind: "where"; predicate: Expr; offset: number }
  | { kind: "project"; items: NamedExpr[]; offset: number }
  | { kind: "project-away"; names: string[]; offset: number }
  | { kind: "project-rename"; renames: Array<{ name: string; from: string }>; offset: number }
  | { kind: "extend"; items: NamedExpr[]; offset: number }
  | { kind: "order"; keys: SortKey[]; offset: number }
  | { kind: "limit"; count: number; offset: number }
  | { kind: "summarize"; aggregates: NamedExpr[]; by: NamedExpr[]; offset: number }
  | { kind: "count"; offset: number }
  | { kind: "distinct"; items: NamedExpr[]; offset: number };

export interface Query {
  table: string;
  tableOffset: number;
  operators: Operator[];
}
