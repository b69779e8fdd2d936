/**
 * Governor's heartbeat on a source database: a small table of its own where it writes, every few
 * minutes, the time (Governor's clock) and the row counts of the key tables. The newest heartbeat
 * found in a restored database says how recent the restored data is (the RPO) and how many rows
 * the key tables held then; without one, the newest `write_date` of the key tables stands in.
 */
import type { Queryable } from "./checks.ts";
import { KEY_TABLES, type RecoveryPointEvidence } from "./types.ts";

export const HEARTBEAT_TABLE = "governor_drill_heartbeat";

/** Row counts of the key tables (missing tables are left out). */
export async function keyTableCounts(db: Queryable): Promise<Record<string, number>> {
  const present = await db.query<{ name: string }>(
    "SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relname = ANY($1::text[])",
    [KEY_TABLES],
  );
  const counts: Record<string, number> = {};
  for (const { name } of present.rows)
    counts[name] = Number((await db.query<{ count: string }>(`SELECT count(*) AS count FROM ${name}`)).rows[0]?.count ?? 0);
  return counts;
}

/** Writes one heartbeat (creating the table the first time). */
export async function writeHeartbeat(db: Queryable, at: Date): Promise<{ at: string; counts: Record<string, number> }> {
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${HEARTBEAT_TABLE} (id bigserial PRIMARY KEY, at timestamptz NOT NULL, counts jsonb NOT NULL)`,
  );
  const counts = await keyTableCounts(db);
  await db.query(`INSERT INTO ${HEARTBEAT_TABLE} (at, counts) VALUES ($1, $2)`, [at.toISOString(), JSON.stringify(counts)]);
  // Only the recent past matters: keep a week.
  await db.query(`DELETE FROM ${HEARTBEAT_TABLE} WHERE at < $1`, [new Date(at.getTime() - 7 * 86_400_000).toISOString()]);
  return { at: at.toISOString(), counts };
}

export interface Heartbeat {
  at: string;
  counts: Record<string, number>;
}

export async function newestHeartbeat(db: Queryable): Promise<Heartbeat | undefined> {
  const exists = await db.query(
    "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relname = $1",
    [HEARTBEAT_TABLE],
  );
  if (exists.rows.length === 0) return undefined;
  const row = (
    await db.query<{ at: Date; counts: Record<string, number> }>(`SELECT at, counts FROM ${HEARTBEAT_TABLE} ORDER BY at DESC LIMIT 1`)
  ).rows[0];
  return row ? { at: new Date(row.at).toISOString(), counts: row.counts } : undefined;
}

/** The newest write_date of the key tables: Odoo stores UTC without a zone. */
export async function newestWriteDate(db: Queryable): Promise<{ at: string; table: string } | undefined> {
  let newest: { at: string; table: string } | undefined;
  for (const table of KEY_TABLES) {
    let row: { at: string | null } | undefined;
    try {
      row = (await db.query<{ at: string | null }>(`SELECT to_char(max(write_date), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at FROM ${table}`))
        .rows[0];
    } catch {
      continue;
    }
    if (row?.at && (newest === undefined || row.at > newest.at)) newest = { at: new Date(row.at).toISOString(), table };
  }
  return newest;
}

/** The evidence for the RPO: the heartbeat when there is one, else the newest write_date (and the record says so). */
export async function recoveryPointEvidence(db: Queryable, heartbeat: Heartbeat | undefined): Promise<RecoveryPointEvidence> {
  if (heartbeat)
    return { method: "heartbeat", newestAt: heartbeat.at, note: "RPO from Governor's newest heartbeat in the restored database" };
  const written = await newestWriteDate(db);
  if (written) {
    return {
      method: "write-date",
      newestAt: written.at,
      table: written.table,
      note: `no heartbeat in the restored database: RPO estimated from the newest write_date of the key tables (${written.table}); quiet periods make it look worse than it is`,
    };
  }
  return { method: "none", note: "no heartbeat and no write_date in the restored database: RPO unknown" };
}
