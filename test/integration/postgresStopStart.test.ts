/**
 * PostgreSQL flexible server stop and start through the real PostgreSQLManagementFlexibleServerClient:
 * `state` goes Ready, Stopping, Stopped and back through Starting; servers in high-availability
 * mode, read replicas and primaries with replicas are refused; Azure starts a server stopped for
 * 7 days by itself (on the emulator's clock); server parameters and replicas are read.
 */
import type { PostgreSQLManagementFlexibleServerClient } from "@azure/arm-postgresql-flexible";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EstateDefinition } from "../../emulator/estate/load.ts";
import { startEmulator, type Emulator } from "../../emulator/server.ts";
import type { ResourceChange } from "../../emulator/store.ts";
import { postgresClient } from "../../shared/azure/clients.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const RG = "rg-odoo-test";
const FAST = { updateIntervalInMs: 10 };
const DAY_MS = 86_400_000;

const server = (
  name: string,
  properties: Record<string, unknown> = {},
  sim?: Record<string, unknown>,
): EstateDefinition["resources"][number] => ({
  type: "Microsoft.DBforPostgreSQL/flexibleServers",
  resourceGroup: RG,
  name,
  body: {
    location: "westeurope",
    tags: { environment: "test" },
    sku: { name: "Standard_D2ds_v5", tier: "GeneralPurpose" },
    properties: { version: "17", ...properties },
  },
  ...(sim ? { sim } : {}),
});

const estate: EstateDefinition = {
  resourceGroups: [{ name: RG, location: "westeurope", tags: { environment: "test" } }],
  resources: [
    server("psql-odoo-test", {}, { parameters: { ssl_min_protocol_version: "TLSv1" } }),
    server("psql-odoo-test-ha", { highAvailability: { mode: "ZoneRedundant" } }),
    server("psql-odoo-test-reports"),
    server("psql-odoo-test-reports-replica", {
      createMode: "Replica",
      sourceServerResourceId: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.DBforPostgreSQL/flexibleServers/psql-odoo-test-reports`,
    }),
  ],
};

let emulator: Emulator;
let client: PostgreSQLManagementFlexibleServerClient;
const changes: ResourceChange[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ estate, throttle: false, lroPolls: 1 });
  emulator.core.store.changes.on("change", (change) => changes.push(change));
  client = await postgresClient(emulatorTarget(emulator, emulator.core.subscriptionId));
});
afterAll(async () => emulator.close());

const state = async (name: string): Promise<string | undefined> => (await client.servers.get(RG, name)).state;

describe("stopping and starting PostgreSQL flexible servers", () => {
  it("stops a server through the SDK's poller (Stopping while it runs, then Stopped) and starts it again", async () => {
    expect(await state("psql-odoo-test")).toBe("Ready");
    const poller = await client.servers.beginStop(RG, "psql-odoo-test", FAST);
    expect(await state("psql-odoo-test")).toBe("Stopping");
    await poller.pollUntilDone();
    expect(await state("psql-odoo-test")).toBe("Stopped");
    await client.servers.beginStopAndWait(RG, "psql-odoo-test", FAST);
    expect(await state("psql-odoo-test")).toBe("Stopped");
    await client.servers.beginStartAndWait(RG, "psql-odoo-test", FAST);
    expect(await state("psql-odoo-test")).toBe("Ready");
    expect(changes.filter((change) => change.resourceId.endsWith("/psql-odoo-test")).map((change) => change.operationName)).toEqual([
      "Microsoft.DBforPostgreSQL/flexibleServers/stop/action",
      "Microsoft.DBforPostgreSQL/flexibleServers/start/action",
    ]);
  });

  it("refuses to stop a server in high-availability mode, a read replica and a primary with replicas (409), stopping none", async () => {
    for (const name of ["psql-odoo-test-ha", "psql-odoo-test-reports-replica", "psql-odoo-test-reports"]) {
      await expect(client.servers.beginStopAndWait(RG, name, FAST), name).rejects.toMatchObject({
        statusCode: 409,
        code: "OperationNotAllowed",
      });
      expect(await state(name)).toBe("Ready");
    }
    const replicas: string[] = [];
    for await (const replica of client.replicas.listByServer(RG, "psql-odoo-test-reports")) replicas.push(replica.name as string);
    expect(replicas).toEqual(["psql-odoo-test-reports-replica"]);
  });

  it("starts a server again by itself once it has been stopped for 7 days, and not a minute before", async () => {
    await client.servers.beginStopAndWait(RG, "psql-odoo-test", FAST);
    const before = changes.length;
    emulator.core.clock.advance(7 * DAY_MS - 60_000);
    expect(await state("psql-odoo-test")).toBe("Stopped");
    emulator.core.clock.advance(60_000);
    expect(await state("psql-odoo-test")).toBe("Ready");
    expect(changes.slice(before)).toMatchObject([
      { kind: "action", operationName: "Microsoft.DBforPostgreSQL/flexibleServers/start/action" },
    ]);
    expect(changes.at(-1)?.caller).toBeUndefined();
  });

  it("reads the minimum TLS version among the server parameters", async () => {
    const tls = await client.configurations.get(RG, "psql-odoo-test", "ssl_min_protocol_version");
    expect({ value: tls.value, defaultValue: tls.defaultValue, source: tls.source }).toEqual({
      value: "TLSv1",
      defaultValue: "TLSv1.2",
      source: "user-override",
    });
    expect((await client.configurations.get(RG, "psql-odoo-test-ha", "ssl_min_protocol_version")).value).toBe("TLSv1.2");
  });
});
