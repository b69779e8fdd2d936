/**
 * The verification suite: one named check per entry, each a query against the restored
 * database and a pure judgement of what it returned (exported, so the judgements are tested
 * without a database). Every query is one pass over its tables, so the suite grows linearly with
 * the data.
 */
import type { CheckName, CheckResult, JsonValue, SourceExpectations } from "./types.ts";
import { CORE_TABLES, KEY_TABLES } from "./types.ts";

/** What the checks need from a database connection (pg.Client has it). */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

export interface CheckContext {
  db: Queryable;
  expectations: SourceExpectations;
}

export type Judgement = Omit<CheckResult, "name" | "durationMs">;

export interface Check {
  name: CheckName;
  run(context: CheckContext): Promise<Judgement>;
}

// ---------------------------------------------------------------------------------------------
// Judgements (pure)

export function judgeCoreTables(present: readonly string[]): Judgement {
  const missing = CORE_TABLES.filter((table) => !present.includes(table));
  return missing.length === 0
    ? { status: "pass", message: `all ${CORE_TABLES.length} Odoo core tables exist`, values: { missing: [] } }
    : { status: "fail", message: `missing Odoo core tables: ${missing.join(", ")}`, values: { missing: [...missing] } };
}

export function judgeBaseInstalled(state: string | undefined): Judgement {
  if (state === "installed") return { status: "pass", message: "module base is installed", values: { state } };
  return {
    status: "fail",
    message: state === undefined ? "module base is not in ir_module_module" : `module base is ${state}, not installed`,
    values: { state: state ?? null },
  };
}

/** Each key table's count within `tolerancePercent` of the expected one (a missing table is a failure). */
export function judgeRowCounts(actual: Record<string, number | null>, expectations: SourceExpectations): Judgement {
  const expected = expectations.counts;
  if (!expected) {
    return { status: "skipped", message: "no source row counts to compare with (no heartbeat, source not readable)", values: { actual } };
  }
  const outside: string[] = [];
  const tables: { [key: string]: JsonValue } = {};
  for (const table of KEY_TABLES) {
    const want = expected[table];
    const got = actual[table] ?? null;
    if (want === undefined) continue;
    const slack = Math.ceil((want * expectations.tolerancePercent) / 100);
    const range: [number, number] = [Math.max(0, want - slack), want + slack];
    tables[table] = { expected: want, actual: got, range };
    if (got === null || got < range[0] || got > range[1]) outside.push(`${table} ${got ?? "missing"} (expected ${range[0]}-${range[1]})`);
  }
  const from = expectations.countsFrom === "heartbeat" ? "the newest heartbeat's counts" : "the source's counts at the restore request";
  return outside.length === 0
    ? { status: "pass", message: `row counts within ${expectations.tolerancePercent}% of ${from}`, values: { from, tables } }
    : {
        status: "fail",
        message: `row counts outside ${expectations.tolerancePercent}% of ${from}: ${outside.join("; ")}`,
        values: { from, tables },
      };
}

export function judgeBalance(
  totals: { debit: string; credit: string; posted: number },
  unbalanced: Array<{ move: number; difference: string }>,
): Judgement {
  const values = {
    postedMoves: totals.posted,
    totalDebit: totals.debit,
    totalCredit: totals.credit,
    unbalancedMoves: unbalanced.slice(0, 10),
  };
  if (totals.debit === totals.credit && unbalanced.length === 0) {
    return { status: "pass", message: `posted moves balance: total debit = total credit = ${totals.debit}`, values };
  }
  return {
    status: "fail",
    message: `posted moves do not balance: total debit ${totals.debit}, total credit ${totals.credit}; ${unbalanced.length} unbalanced move(s)${unbalanced.length > 0 ? `, e.g. move ${unbalanced[0]?.move} off by ${unbalanced[0]?.difference}` : ""}`,
    values,
  };
}

export function judgeUuid(restored: string | undefined, expected: string | undefined): Judgement {
  if (expected === undefined)
    return { status: "skipped", message: "the source's database.uuid was not read", values: { restored: restored ?? null } };
  if (restored === expected)
    return { status: "pass", message: `database.uuid ${restored} matches the source`, values: { restored, expected } };
  return {
    status: "fail",
    message:
      restored === undefined
        ? "database.uuid is missing from ir_config_parameter"
        : `database.uuid ${restored} is not the source's ${expected}`,
    values: { restored: restored ?? null, expected },
  };
}

// ---------------------------------------------------------------------------------------------
// Queries

async function existingTables(db: Queryable, tables: readonly string[]): Promise<string[]> {
  const found = await db.query<{ name: string }>(
    "SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname = ANY($1::text[])",
    [tables],
  );
  return found.rows.map((row) => row.name);
}

const connection: Check = {
  name: "connection",
  async run({ db }): Promise<Judgement> {
    const result = await db.query<{ one: number; version: string }>("SELECT 1 AS one, current_setting('server_version') AS version");
    const row = result.rows[0];
    return row?.one === 1
      ? { status: "pass", message: `connected; SELECT 1 answered 1 (PostgreSQL ${row.version})`, values: { version: row.version } }
      : { status: "fail", message: "SELECT 1 did not answer 1", values: {} };
  },
};

const coreTables: Check = {
  name: "core-tables",
  run: async ({ db }) => judgeCoreTables(await existingTables(db, CORE_TABLES)),
};

const baseInstalled: Check = {
  name: "base-installed",
  async run({ db }) {
    if ((await existingTables(db, ["ir_module_module"])).length === 0) return judgeBaseInstalled(undefined);
    const result = await db.query<{ state: string }>("SELECT state FROM ir_module_module WHERE name = 'base'");
    return judgeBaseInstalled(result.rows[0]?.state);
  },
};

const rowCounts: Check = {
  name: "row-counts",
  async run({ db, expectations }) {
    const present = await existingTables(db, KEY_TABLES);
    const actual: Record<string, number | null> = {};
    for (const table of KEY_TABLES) {
      if (!present.includes(table)) actual[table] = null;
      else actual[table] = Number((await db.query<{ count: string }>(`SELECT count(*) AS count FROM ${table}`)).rows[0]?.count ?? 0);
    }
    return judgeRowCounts(actual, expectations);
  },
};

const accountingBalanced: Check = {
  name: "accounting-balanced",
  async run({ db }) {
    if ((await existingTables(db, ["account_move", "account_move_line"])).length < 2) {
      return { status: "fail", message: "account_move or account_move_line is missing", values: {} };
    }
    // One aggregation per move (hash aggregate: linear), then the totals over the moves.
    const result = await db.query<{ move: number | null; debit: string; credit: string; posted: string; unbalanced: boolean }>(
      `WITH per_move AS (
         SELECT l.move_id, sum(l.debit) AS debit, sum(l.credit) AS credit
         FROM account_move_line l JOIN account_move m ON m.id = l.move_id
         WHERE m.state = 'posted' GROUP BY l.move_id
       )
       SELECT NULL::integer AS move, coalesce(sum(debit), 0)::text AS debit, coalesce(sum(credit), 0)::text AS credit, count(*)::text AS posted, false AS unbalanced FROM per_move
       UNION ALL
       (SELECT move_id, debit::text, credit::text, '1', true FROM per_move WHERE debit <> credit ORDER BY move_id LIMIT 50)`,
    );
    const totals = result.rows.find((row) => !row.unbalanced);
    const unbalanced = result.rows.filter((row) => row.unbalanced);
    return judgeBalance(
      { debit: totals?.debit ?? "0", credit: totals?.credit ?? "0", posted: Number(totals?.posted ?? 0) },
      unbalanced.map((row) => ({ move: Number(row.move), difference: (Number(row.debit) - Number(row.credit)).toFixed(2) })),
    );
  },
};

const indexIntegrity: Check = {
  name: "index-integrity",
  async run({ db }) {
    const available = await db.query("SELECT 1 FROM pg_available_extensions WHERE name = 'amcheck'");
    if (available.rows.length === 0)
      return { status: "skipped", message: "the amcheck extension is not available on this server", values: {} };
    try {
      // The drill server is a throwaway copy: creating the extension there changes nothing that matters.
      await db.query("CREATE EXTENSION IF NOT EXISTS amcheck");
    } catch (error) {
      return { status: "skipped", message: `amcheck cannot be created here: ${(error as Error).message}`, values: {} };
    }
    const indexes = await db.query<{ index: string; oid: number }>(
      `SELECT c.relname AS index, c.oid::integer AS oid FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_am am ON am.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE am.amname = 'btree' AND n.nspname = current_schema() AND t.relname = ANY($1::text[]) AND c.relpersistence <> 't'
       ORDER BY c.relname`,
      [[...CORE_TABLES, "ir_config_parameter"]],
    );
    const broken: Array<{ index: string; error: string }> = [];
    for (const { index, oid } of indexes.rows) {
      try {
        await db.query("SELECT bt_index_check($1::regclass)", [oid]);
      } catch (error) {
        broken.push({ index, error: (error as Error).message });
      }
    }
    const values = { checked: indexes.rows.length, broken };
    return broken.length === 0
      ? { status: "pass", message: `${indexes.rows.length} B-tree indexes pass amcheck (bt_index_check)`, values }
      : {
          status: "fail",
          message: `amcheck found corrupt indexes: ${broken.map((entry) => `${entry.index} (${entry.error})`).join("; ")}`,
          values,
        };
  },
};

const databaseUuid: Check = {
  name: "database-uuid",
  async run({ db, expectations }) {
    if ((await existingTables(db, ["ir_config_parameter"])).length === 0) return judgeUuid(undefined, expectations.databaseUuid);
    const result = await db.query<{ value: string }>("SELECT value FROM ir_config_parameter WHERE key = 'database.uuid'");
    return judgeUuid(result.rows[0]?.value, expectations.databaseUuid);
  },
};

/** The suite, in the order it runs. */
export const CHECKS: readonly Check[] = [
  connection,
  coreTables,
  baseInstalled,
  rowCounts,
  accountingBalanced,
  indexIntegrity,
  databaseUuid,
];
