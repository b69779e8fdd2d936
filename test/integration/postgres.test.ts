/**
 * PostgreSQL Flexible Server through the real PostgreSQLManagementFlexibleServerClient: a
 * point-in-time restore creates a new server with the source's settings and no firewall rules,
 * restore points outside the backup window are refused, backups follow the clock, servers are
 * deleted by a long-running operation, and a backend can be attached to perform restores for real.
 */
import type { FirewallRule, PostgreSQLManagementFlexibleServerClient, Server } from "@azure/arm-postgresql-flexible";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EstateDefinition } from "../../emulator/estate/load.ts";
import { attachPostgresBackend, type PostgresRestoreRequest } from "../../emulator/routes/postgres.ts";
import { startEmulator, type Emulator } from "../../emulator/server.ts";
import type { ResourceChange } from "../../emulator/store.ts";
import { postgresClient } from "../../shared/azure/clients.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { failureOf } from "../support/remediation.ts";

const RG = "rg-odoo-prod";
const DRILL_RG = "rg-governor-drills";
const FAST = { updateIntervalInMs: 10 };
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const estate: EstateDefinition = {
  resourceGroups: [
    { name: RG, location: "westeurope", tags: { environment: "prod" } },
    { name: DRILL_RG, location: "westeurope", tags: { environment: "drill" } },
  ],
  resources: [
    {
      type: "Microsoft.DBforPostgreSQL/flexibleServers",
      resourceGroup: RG,
      name: "psql-odoo-prod",
      body: {
        location: "westeurope",
        tags: { environment: "prod", application: "odoo", "governor-drill": "weekly" },
        sku: { name: "Standard_D4ds_v5", tier: "GeneralPurpose" },
        properties: {
          version: "16",
          administratorLogin: "odooadmin",
          storage: { storageSizeGB: 512, autoGrow: "Enabled" },
          backup: { backupRetentionDays: 7, geoRedundantBackup: "Enabled" },
          network: { publicNetworkAccess: "Enabled" },
          highAvailability: { mode: "ZoneRedundant" },
          createMode: "Create",
        },
      },
    },
    {
      type: "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules",
      resourceGroup: RG,
      name: "psql-odoo-prod/allow-odoo-app",
      body: { properties: { startIpAddress: "10.20.0.4", endIpAddress: "10.20.0.4" } },
    },
    {
      type: "Microsoft.DBforPostgreSQL/flexibleServers",
      resourceGroup: RG,
      name: "psql-odoo-young",
      body: {
        location: "westeurope",
        sku: { name: "Standard_B2s", tier: "Burstable" },
        properties: { version: "17", administratorLogin: "odooadmin", storage: { storageSizeGB: 64 }, createMode: "Create" },
      },
      // Created two days before the clock: its backup window is two days long, not seven.
      sim: { createdAt: "2026-11-21T09:00:00.000Z" },
    },
  ],
};

let emulator: Emulator;
let client: PostgreSQLManagementFlexibleServerClient;
let sourceId: string;
const changes: ResourceChange[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ estate, throttle: false });
  emulator.core.store.changes.on("change", (change) => changes.push(change));
  client = await postgresClient(emulatorTarget(emulator, emulator.core.subscriptionId));
  sourceId = `/subscriptions/${emulator.core.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.DBforPostgreSQL/flexibleServers/psql-odoo-prod`;
});
afterAll(async () => emulator.close());

const now = (): number => emulator.core.clock.nowMs();

async function rules(resourceGroup: string, server: string): Promise<FirewallRule[]> {
  const found: FirewallRule[] = [];
  for await (const rule of client.firewallRules.listByServer(resourceGroup, server)) found.push(rule);
  return found;
}

function restoreParameters(pointInTime: Date, location = "westeurope"): Server {
  return { location, createMode: "PointInTimeRestore", sourceServerResourceId: sourceId, pointInTimeUTC: pointInTime };
}

describe("PostgreSQL point-in-time restore through the real SDK", () => {
  it("creates a new server with the source's SKU, version, storage, network and tags, and no firewall rules", async () => {
    const since = changes.length;
    const pointInTime = new Date(now() - 2 * HOUR_MS);
    const poller = await client.servers.beginCreateOrUpdate(DRILL_RG, "psql-odoo-prod-drill", restoreParameters(pointInTime), FAST);

    // Accepted, not finished: the new server is there, provisioning.
    expect((await client.servers.get(DRILL_RG, "psql-odoo-prod-drill")).state).toBe("Provisioning");
    const restored = await poller.pollUntilDone();
    const source = await client.servers.get(RG, "psql-odoo-prod");

    expect(restored.state).toBe("Ready");
    expect(restored.id).toBe(
      `/subscriptions/${emulator.core.subscriptionId}/resourceGroups/${DRILL_RG}/providers/Microsoft.DBforPostgreSQL/flexibleServers/psql-odoo-prod-drill`,
    );
    expect(restored.sku).toEqual(source.sku);
    expect([restored.version, restored.minorVersion]).toEqual([source.version, source.minorVersion]);
    expect(restored.storage).toEqual(source.storage);
    expect(restored.network).toEqual(source.network);
    expect(restored.tags).toEqual(source.tags);
    expect(restored.administratorLogin).toBe("odooadmin");
    expect(restored.location).toBe("westeurope");
    expect(restored.fullyQualifiedDomainName).toBe("psql-odoo-prod-drill.postgres.database.azure.com");

    expect(await rules(RG, "psql-odoo-prod")).toHaveLength(1);
    expect(await rules(DRILL_RG, "psql-odoo-prod-drill")).toEqual([]);

    // The emulator records where the server came from (ARM does not return it).
    const stored = emulator.core.store.get(restored.id as string);
    expect(stored?.sim.restore).toEqual({ sourceServerResourceId: source.id, pointInTimeUTC: pointInTime.toISOString() });
    expect(changes.slice(since)).toEqual([
      expect.objectContaining({ kind: "write", resourceId: restored.id, operationName: "Microsoft.DBforPostgreSQL/flexibleServers/write" }),
    ]);
  });

  it("refuses a restore point outside the source's backup retention, or in the future, with 400 and creates nothing", async () => {
    const since = changes.length;
    const tooOld = client.servers.beginCreateOrUpdateAndWait(
      DRILL_RG,
      "psql-drill-too-old",
      restoreParameters(new Date(now() - 8 * DAY_MS)),
      FAST,
    );
    const tooOldError = await failureOf(tooOld);
    expect(tooOldError).toMatchObject({ statusCode: 400, code: "BadRequest" });
    expect(tooOldError.message).toMatch(/outside the backup retention.*7 days/);

    const future = client.servers.beginCreateOrUpdateAndWait(
      DRILL_RG,
      "psql-drill-future",
      restoreParameters(new Date(now() + HOUR_MS)),
      FAST,
    );
    const futureError = await failureOf(future);
    expect(futureError.statusCode).toBe(400);
    expect(futureError.message).toMatch(/in the future/);

    // A young server's window starts at its first backup, five minutes after it was created.
    const youngId = sourceId.replace("psql-odoo-prod", "psql-odoo-young");
    const beforeFirstBackup = client.servers.beginCreateOrUpdateAndWait(
      DRILL_RG,
      "psql-drill-young",
      { ...restoreParameters(new Date("2026-11-21T09:03:00.000Z")), sourceServerResourceId: youngId },
      FAST,
    );
    const youngError = await failureOf(beforeFirstBackup);
    expect(youngError.statusCode).toBe(400);
    expect(youngError.message).toMatch(/earliest restore point is 2026-11-21T09:05:00.000Z/);

    const missingSource = client.servers.beginCreateOrUpdateAndWait(
      DRILL_RG,
      "psql-drill-nosource",
      { ...restoreParameters(new Date(now() - HOUR_MS)), sourceServerResourceId: sourceId.replace("psql-odoo-prod", "psql-gone") },
      FAST,
    );
    const missingError = await failureOf(missingSource);
    expect(missingError.statusCode).toBe(400);
    expect(missingError.message).toMatch(/does not exist/);

    await expect(client.servers.get(DRILL_RG, "psql-drill-too-old")).rejects.toMatchObject({ statusCode: 404 });
    expect(changes.slice(since)).toEqual([]);
  });

  it("lists the automatic daily backups kept by the retention, and the earliest restore point moves with the clock", async () => {
    const backups = [];
    for await (const backup of client.backupsAutomaticAndOnDemand.listByServer(RG, "psql-odoo-prod")) backups.push(backup);
    expect(backups).toHaveLength(7);
    expect(backups.every((backup) => backup.backupType === "Full" && backup.source === "Automatic")).toBe(true);
    const times = backups.map((backup) => (backup.completedTime as Date).getTime());
    expect(times.every((time) => time <= now() && time >= now() - 7 * DAY_MS)).toBe(true);
    expect(times.slice(1).map((time, index) => time - (times[index] as number))).toEqual(Array(6).fill(DAY_MS));

    const before = (await client.servers.get(RG, "psql-odoo-prod")).backup?.earliestRestoreDate as Date;
    expect(before.getTime()).toBe(now() - 7 * DAY_MS);
    emulator.core.clock.advance(DAY_MS);
    const after = (await client.servers.get(RG, "psql-odoo-prod")).backup?.earliestRestoreDate as Date;
    expect(after.getTime() - before.getTime()).toBe(DAY_MS);
  });

  it("opens access to a restored server with a firewall rule, then removes it", async () => {
    const since = changes.length;
    const rule = await client.firewallRules.beginCreateOrUpdateAndWait(
      DRILL_RG,
      "psql-odoo-prod-drill",
      "allow-governor",
      { startIpAddress: "10.30.0.10", endIpAddress: "10.30.0.10" },
      FAST,
    );
    expect(rule).toMatchObject({ name: "allow-governor", startIpAddress: "10.30.0.10", endIpAddress: "10.30.0.10" });
    expect((await rules(DRILL_RG, "psql-odoo-prod-drill")).map((found) => found.name)).toEqual(["allow-governor"]);

    await expect(
      client.firewallRules.beginCreateOrUpdateAndWait(
        DRILL_RG,
        "psql-odoo-prod-drill",
        "bad",
        { startIpAddress: "10.0.0.9", endIpAddress: "10.0.0.1" },
        FAST,
      ),
    ).rejects.toMatchObject({ statusCode: 400 });

    await client.firewallRules.beginDeleteAndWait(DRILL_RG, "psql-odoo-prod-drill", "allow-governor", FAST);
    expect(await rules(DRILL_RG, "psql-odoo-prod-drill")).toEqual([]);
    expect(changes.slice(since).map((change) => change.operationName)).toEqual([
      "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules/write",
      "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules/delete",
    ]);
  });

  it("deletes a server with a long-running operation: gone from get and lists, one delete event", async () => {
    const since = changes.length;
    const poller = await client.servers.beginDelete(DRILL_RG, "psql-odoo-prod-drill", FAST);
    expect((await client.servers.get(DRILL_RG, "psql-odoo-prod-drill")).state).toBe("Dropping");
    await poller.pollUntilDone();

    await expect(client.servers.get(DRILL_RG, "psql-odoo-prod-drill")).rejects.toMatchObject({ statusCode: 404, code: "ResourceNotFound" });
    const names: string[] = [];
    for await (const server of client.servers.listBySubscription()) names.push(server.name as string);
    expect(names.sort()).toEqual(["psql-odoo-prod", "psql-odoo-young"]);
    expect(changes.slice(since)).toEqual([
      expect.objectContaining({ kind: "delete", operationName: "Microsoft.DBforPostgreSQL/flexibleServers/delete" }),
    ]);

    // Deleting what is not there is a no-op (204), not an error.
    await client.servers.beginDeleteAndWait(DRILL_RG, "psql-odoo-prod-drill", FAST);
    expect(changes.slice(since)).toHaveLength(1);
  });
});

describe("the backend seam for a real PostgreSQL", () => {
  it("hands an attached backend the validated restore, keeps what it returns, and fails the operation when it fails", async () => {
    const requests: PostgresRestoreRequest[] = [];
    const detach = attachPostgresBackend(emulator.core, {
      restore: async (request) => {
        requests.push(request);
        if (request.target.name === "psql-drill-broken") throw new Error("pg_restore exited with code 1");
        return { sim: { connection: { host: "127.0.0.1", port: 54321 } } };
      },
    });
    try {
      const pointInTime = new Date(now() - HOUR_MS);
      const restored = await client.servers.beginCreateOrUpdateAndWait(DRILL_RG, "psql-drill-real", restoreParameters(pointInTime), FAST);
      expect(requests.map((request) => [request.source.arm.id, request.target.name, request.pointInTime.toISOString()])).toEqual([
        [sourceId, "psql-drill-real", pointInTime.toISOString()],
      ]);
      expect(emulator.core.store.get(restored.id as string)?.sim.connection).toEqual({ host: "127.0.0.1", port: 54321 });

      await expect(
        client.servers.beginCreateOrUpdateAndWait(DRILL_RG, "psql-drill-broken", restoreParameters(pointInTime), FAST),
      ).rejects.toThrow(/pg_restore exited with code 1/);
      await expect(client.servers.get(DRILL_RG, "psql-drill-broken")).rejects.toMatchObject({ statusCode: 404 });
    } finally {
      detach();
    }
  });
});
