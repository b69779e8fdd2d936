/**
 * A source server as Azure runs one for point-in-time restores: every WAL segment archived
 * (archive_mode, archive_command copying into the server's archive) and base backups taken with
 * the SQL low-level API (pg_backup_start, a copy of the data directory, pg_backup_stop whose
 * backup_label goes into the copy). A restore to instant T starts from the newest base backup
 * completed before T and replays the archive up to T.
 */
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import {
  copyDataDir,
  freePort,
  initCluster,
  type PgConnection,
  PgServer,
  pgTempDir,
  removePgTempDir,
  runAsPg,
  writePgFile,
} from "./cluster.ts";

export interface BaseBackup {
  /** Folder holding the copy of the data directory, with its backup_label. */
  dir: string;
  /** Real time pg_backup_stop returned: the earliest instant a restore from this backup can reach. */
  completedRealMs: number;
}

export interface SourceServerOptions {
  user: string;
  password: string;
  database: string;
}

export class SourceServer {
  readonly root: string;
  readonly archiveDir: string;
  readonly backups: BaseBackup[] = [];
  readonly connection: PgConnection;
  readonly server: PgServer;

  private constructor(root: string, server: PgServer, connection: PgConnection) {
    this.root = root;
    this.archiveDir = join(root, "archive");
    this.server = server;
    this.connection = connection;
  }

  static async create(options: SourceServerOptions): Promise<SourceServer> {
    const root = pgTempDir("governor-pg-source-");
    const archiveDir = join(root, "archive");
    await runAsPg("mkdir", ["-p", archiveDir, join(root, "backups")]);
    const dataDir = await initCluster(root, {
      user: options.user,
      password: options.password,
      settings: {
        wal_level: "replica",
        archive_mode: "on",
        archive_command: `test ! -f '${archiveDir}/%f' && cp '%p' '${archiveDir}/%f'`,
        // Durability is not the point of a scratch cluster: keep writes cheap.
        fsync: "off",
        synchronous_commit: "off",
        full_page_writes: "on",
        max_wal_size: "1GB",
        timezone: "UTC",
      },
    });
    const port = await freePort();
    const server = new PgServer(dataDir, port);
    await server.start();
    const source = new SourceServer(root, server, {
      host: "127.0.0.1",
      port,
      user: options.user,
      password: options.password,
      database: options.database,
    });
    const admin = await source.connect("postgres");
    try {
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(options.database)}`);
    } finally {
      await admin.end();
    }
    return source;
  }

  async connect(database = this.connection.database): Promise<pg.Client> {
    const client = new pg.Client({ ...this.connection, database });
    // A connection the server ends while idle (a shutdown, a restart) emits "error"; unheard, that
    // would end the process. The next query on it rejects, which is where it is handled.
    client.on("error", () => undefined);
    await client.connect();
    return client;
  }

  /** Takes a base backup while the server runs (writes go on meanwhile). */
  async baseBackup(nowRealMs: () => number = Date.now): Promise<BaseBackup> {
    const dir = join(this.root, "backups", `base-${this.backups.length + 1}`);
    const client = await this.connect("postgres");
    try {
      await client.query("SELECT pg_backup_start($1, true)", [`governor-${this.backups.length + 1}`]);
      await copyDataDir(this.server.dataDir, dir);
      const stopped = await client.query<{ labelfile: string; spcmapfile: string | null }>(
        "SELECT labelfile, spcmapfile FROM pg_backup_stop(true)",
      );
      const row = stopped.rows[0];
      if (!row) throw new Error("pg_backup_stop returned nothing");
      // What a restore must not find in the copy: the running server's WAL and lock file.
      for (const name of ["postmaster.pid", "postmaster.opts", "backup_label", "tablespace_map"]) rmSync(join(dir, name), { force: true });
      for (const name of readdirSync(join(dir, "pg_wal"))) rmSync(join(dir, "pg_wal", name), { recursive: true, force: true });
      await runAsPg("mkdir", ["-p", join(dir, "pg_wal", "archive_status")]);
      writePgFile(join(dir, "backup_label"), row.labelfile);
      if (row.spcmapfile) writePgFile(join(dir, "tablespace_map"), row.spcmapfile);
      const backup: BaseBackup = { dir, completedRealMs: nowRealMs() };
      this.backups.push(backup);
      return backup;
    } finally {
      await client.end();
    }
  }

  /**
   * Makes the archive hold every commit up to now: one more commit (so that recovery finds a
   * commit after any target up to now and stops there), then a WAL switch, waiting until the
   * switched segment is archived. Azure archives continuously; here a segment is archived only
   * when full or switched.
   */
  async flushArchive(timeoutMs = 60_000): Promise<void> {
    const client = await this.connect("postgres");
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_current_xact_id()");
      await client.query("COMMIT");
      const switched = await client.query<{ segment: string }>("SELECT pg_walfile_name(pg_switch_wal()) AS segment");
      const segment = switched.rows[0]?.segment ?? "";
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const archived = await client.query<{ last: string | null }>("SELECT last_archived_wal AS last FROM pg_stat_archiver");
        const last = archived.rows[0]?.last ?? "";
        if (last >= segment) return;
        if (Date.now() > deadline)
          throw new Error(`WAL segment ${segment} was not archived within ${timeoutMs} ms (last archived: ${last || "none"})`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await client.end();
    }
  }

  async close(): Promise<void> {
    await this.server.stop();
    removePgTempDir(this.root);
  }
}

/** PostgreSQL's timestamp syntax for recovery_target_time, in UTC to the microsecond. */
export function recoveryTargetTime(realMs: number): string {
  return `${new Date(realMs).toISOString().replace("T", " ").replace("Z", "")}+00`;
}

/**
 * Restores into a new data directory and starts it as its own server: the base backup's copy,
 * the archive's WAL replayed to `targetRealMs`, then promoted so it accepts writes.
 */
export async function restoreToPointInTime(
  source: SourceServer,
  targetRealMs: number,
): Promise<{ root: string; server: PgServer; backup: BaseBackup }> {
  const backup = [...source.backups].reverse().find((candidate) => candidate.completedRealMs <= targetRealMs);
  if (!backup) throw new Error(`no base backup completed before ${new Date(targetRealMs).toISOString()}`);
  await source.flushArchive();
  const root = pgTempDir("governor-pg-restore-");
  const dataDir = join(root, "data");
  try {
    await copyDataDir(backup.dir, dataDir);
    const port = await freePort();
    writePgFile(
      join(dataDir, "postgresql.auto.conf"),
      [
        "# Written by Governor's emulator: a point-in-time restore",
        `restore_command = 'cp ''${source.archiveDir}/%f'' ''%p'''`,
        `recovery_target_time = '${recoveryTargetTime(targetRealMs)}'`,
        "recovery_target_action = 'promote'",
        "archive_mode = 'off'",
        "fsync = 'off'",
        "timezone = 'UTC'",
        "",
      ].join("\n"),
    );
    writePgFile(join(dataDir, "recovery.signal"), "");
    const server = new PgServer(dataDir, port);
    await server.start();
    return { root, server, backup };
  } catch (error) {
    removePgTempDir(root);
    throw error;
  }
}
