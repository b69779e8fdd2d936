/**
 * The emulator's PostgreSQL flexible servers backed by real PostgreSQL: each server selected (by
 * default those tagged `governor-drill`) gets a cluster holding an Odoo-like database with
 * generated data, WAL archiving and a base backup, and, while the backend runs, a writer that
 * keeps committing business transactions. A point-in-time restore is a real one: the base backup
 * copied into a new data directory, the archive replayed to the restore point and the copy
 * started as a second server; deleting the restored server stops it and removes its files.
 */
import type { VirtualClock } from "../clock.ts";
import type { EmulatorCore } from "../core.ts";
import { ArmError } from "../errors.ts";
import { attachPostgresBackend, SERVER_TYPE, type PostgresBackend, type PostgresRestoreRequest } from "../routes/postgres.ts";
import type { StoredResource } from "../store.ts";
import { type PgConnection, type PgServer, removePgTempDir } from "./cluster.ts";
import { databaseUuid, type OdooSize, SAMPLE_SIZE, seedOdoo, writeBusinessTransaction } from "./odoo.ts";
import { restoreToPointInTime, SourceServer } from "./source.ts";
import { Timeline } from "./timeline.ts";
import pg from "pg";

export interface LocalPostgresOptions {
  clock: VirtualClock;
  /** The administrator's password on every local server (what Governor is given locally). */
  password: string;
  /** The Odoo database's name. Default `odoo`. */
  database?: string;
  size?: OdooSize;
  /** Which servers get a real cluster. Default: those tagged `governor-drill`. */
  select?: (server: StoredResource) => boolean;
  /** Milliseconds between two business transactions of the writer; 0 for no writer. Default 500. */
  writeIntervalMs?: number;
  log?: (message: string) => void;
}

interface Restored {
  root: string;
  server: PgServer;
  connection: PgConnection;
}

export interface LocalPostgres {
  /** Connection details of a server (source or restored) by its resource id; undefined when no database runs behind it. */
  connection(serverId: string): PgConnection | undefined;
  /** The source cluster of a server, for tests and benchmarks that write to it directly. */
  source(serverId: string): SourceServer | undefined;
  /** Fault injection: run on each restored database before the restore reports success (e.g. to corrupt it). */
  afterRestore: ((client: pg.Client, request: PostgresRestoreRequest) => Promise<void>) | undefined;
  /** Stops the writer and every server, and removes their files. */
  close(): Promise<void>;
}

function key(id: string): string {
  return id.toLowerCase();
}

export async function startLocalPostgres(core: EmulatorCore, options: LocalPostgresOptions): Promise<LocalPostgres> {
  const database = options.database ?? "odoo";
  const log = options.log ?? (() => undefined);
  const select =
    options.select ??
    ((server: StoredResource) => Object.keys(server.arm.tags ?? {}).some((tag) => tag.toLowerCase() === "governor-drill"));
  const timeline = new Timeline({ virtualMs: options.clock.nowMs(), realMs: Date.now() });
  const stopTimeline = options.clock.onChange((now) => timeline.record(now.getTime(), Date.now()));
  const sources = new Map<string, SourceServer>();
  const restored = new Map<string, Restored>();
  const writers: Array<() => Promise<void>> = [];

  const servers = core.store.list({ type: SERVER_TYPE }).filter(select);
  try {
    for (const server of servers) {
      const user =
        typeof server.arm.properties?.administratorLogin === "string" ? server.arm.properties.administratorLogin : "governoradmin";
      const source = await SourceServer.create({ user, password: options.password, database });
      sources.set(key(server.arm.id), source);
      const client = await source.connect();
      try {
        await seedOdoo(client, options.size ?? SAMPLE_SIZE, { uuid: databaseUuid(server.arm.id.toLowerCase()), asOf: options.clock.now() });
      } finally {
        await client.end();
      }
      await source.baseBackup();
      log(`postgres: ${server.arm.name} runs on 127.0.0.1:${source.connection.port} (database ${database}, WAL archived)`);
      if ((options.writeIntervalMs ?? 500) > 0) writers.push(startWriter(source, options.clock, options.writeIntervalMs ?? 500, log));
    }
  } catch (error) {
    stopTimeline();
    for (const source of sources.values()) await source.close();
    throw error;
  }

  const local: LocalPostgres = {
    afterRestore: undefined,
    connection: (serverId) => sources.get(key(serverId))?.connection ?? restored.get(key(serverId))?.connection,
    source: (serverId) => sources.get(key(serverId)),
    close: async () => {
      detach();
      stopTimeline();
      await Promise.all(writers.map((stop) => stop()));
      for (const copy of restored.values()) {
        await copy.server.stop();
        removePgTempDir(copy.root);
      }
      restored.clear();
      for (const source of sources.values()) await source.close();
      sources.clear();
    },
  };

  const backend: PostgresBackend = {
    restore: async (request) => {
      const source = sources.get(key(request.source.arm.id));
      // A server without a database behind it restores as the emulator always did: ARM state only.
      if (!source) return;
      const first = source.backups[0];
      if (!first) throw new ArmError(500, "InternalServerError", `server ${request.source.arm.name} has no base backup yet`);
      // The virtual window reaches back further than this process has run: restore points
      // before the first base backup land on it (the oldest state the archive can rebuild).
      const mapped = timeline.realFor(request.pointInTime.getTime(), Date.now()) ?? first.completedRealMs;
      const targetRealMs = Math.max(mapped, first.completedRealMs);
      const started = Date.now();
      const copy = await restoreToPointInTime(source, targetRealMs);
      const connection: PgConnection = { ...source.connection, port: copy.server.port };
      restored.set(key(request.target.id), { root: copy.root, server: copy.server, connection });
      if (local.afterRestore) {
        const client = new pg.Client(connection);
        client.on("error", () => undefined); // as in SourceServer.connect: the query rejects instead
        await client.connect();
        try {
          await local.afterRestore(client, request);
        } finally {
          await client.end();
        }
      }
      log(
        `postgres: restored ${request.source.arm.name} as ${request.target.name} on 127.0.0.1:${copy.server.port} in ${Date.now() - started} ms`,
      );
      return {
        sim: {
          postgres: {
            port: copy.server.port,
            realPointInTime: new Date(targetRealMs).toISOString(),
            ...(mapped < first.completedRealMs
              ? { note: "restore point before the local server's first base backup: restored to that backup" }
              : {}),
          },
        },
      };
    },
    deleted: async (server) => {
      const copy = restored.get(key(server.arm.id));
      if (!copy) return;
      restored.delete(key(server.arm.id));
      await copy.server.stop();
      removePgTempDir(copy.root);
      log(`postgres: ${server.arm.name} stopped and its files removed`);
    },
    connection: (server) => local.connection(server.arm.id),
  };
  const detach = attachPostgresBackend(core, backend);
  return local;
}

/** Commits a business transaction every `intervalMs`, stamped with the virtual time; returns its stop. */
function startWriter(source: SourceServer, clock: VirtualClock, intervalMs: number, log: (message: string) => void): () => Promise<void> {
  let stopped = false;
  let sequence = 0;
  let client: pg.Client | undefined;
  const loop = (async () => {
    client = await source.connect();
    while (!stopped) {
      sequence += 1;
      try {
        await writeBusinessTransaction(client, clock.now(), sequence);
      } catch (error) {
        if (!stopped) log(`postgres: the writer's transaction failed: ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
    await client.end();
  })().catch((error: unknown) => log(`postgres: the writer stopped: ${(error as Error).message}`));
  return async () => {
    stopped = true;
    await loop;
  };
}
