/**
 * The emulator's PostgreSQL backed by real PostgreSQL: a point-in-time restore through the real
 * SDK client replays the archived WAL into a second server that holds the data as of the restore
 * point (virtual time mapped onto the real time of the WAL), and deleting it stops that server
 * and removes its files.
 */
import type { PostgreSQLManagementFlexibleServerClient } from "@azure/arm-postgresql-flexible";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalPostgres, type LocalPostgres } from "../../emulator/postgres/backend.ts";
import { sampleEstate } from "../../emulator/estate/sample.ts";
import { startEmulator, type Emulator } from "../../emulator/server.ts";
import { postgresClient } from "../../shared/azure/clients.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { VirtualClock } from "../../emulator/clock.ts";

const FAST = { updateIntervalInMs: 10 };
const MINUTE_MS = 60_000;
const PASSWORD = "local-drill-password";

let emulator: Emulator;
let local: LocalPostgres;
let client: PostgreSQLManagementFlexibleServerClient;
let prodId: string;

beforeAll(async () => {
  const sample = sampleEstate();
  const clock = new VirtualClock(sample.now);
  emulator = await startEmulator({ estate: sample.estate, subscriptionId: sample.subscriptionId, clock, throttle: false });
  local = await startLocalPostgres(emulator.core, {
    clock,
    password: PASSWORD,
    size: { partners: 200, products: 100, moves: 1_000 },
    writeIntervalMs: 50,
  });
  client = await postgresClient(emulatorTarget(emulator, emulator.core.subscriptionId));
  const prod = emulator.core.store
    .list({ type: "Microsoft.DBforPostgreSQL/flexibleServers" })
    .find((server) => server.arm.tags?.["governor-drill"]);
  prodId = prod?.arm.id as string;
}, 120_000);
afterAll(async () => {
  await local?.close();
  await emulator?.close();
});

async function query<T extends pg.QueryResultRow>(connection: pg.ClientConfig, sql: string, values: unknown[] = []): Promise<T[]> {
  const db = new pg.Client(connection);
  await db.connect();
  try {
    return (await db.query<T>(sql, values)).rows;
  } finally {
    await db.end();
  }
}

describe("a point-in-time restore against real PostgreSQL", () => {
  it("restores the data as of the restore point into a second server: rows written after it are absent", async () => {
    const source = local.connection(prodId) as pg.ClientConfig;
    const name = prodId.split("/").at(-1) as string;
    await query(source, "INSERT INTO res_partner (name) VALUES ('before the restore point')");
    const pointInTime = new Date(emulator.core.clock.nowMs() + 5 * MINUTE_MS);
    emulator.core.clock.advance(10 * MINUTE_MS);
    await query(source, "INSERT INTO res_partner (name) VALUES ('after the restore point')");

    const restored = await client.servers.beginCreateOrUpdateAndWait(
      "rg-governor-drills",
      `${name}-restore-test`,
      { location: "westeurope", createMode: "PointInTimeRestore", sourceServerResourceId: prodId, pointInTimeUTC: pointInTime },
      FAST,
    );
    expect(restored.state).toBe("Ready");
    const copy = local.connection(restored.id as string) as pg.ClientConfig;
    expect(copy.port).not.toBe(source.port);
    const names = await query<{ name: string }>(copy, "SELECT name FROM res_partner WHERE name LIKE '%restore point'");
    expect(names.map((row) => row.name)).toEqual(["before the restore point"]);
    // The copy is promoted: a drill may write to it (e.g. to create the amcheck extension).
    await query(copy, "CREATE TABLE drill_probe (id int)");

    await client.servers.beginDeleteAndWait("rg-governor-drills", `${name}-restore-test`, FAST);
    await expect.poll(() => local.connection(restored.id as string), { timeout: 20_000 }).toBeUndefined();
    await expect(query(copy, "SELECT 1")).rejects.toThrow();
  });
});
