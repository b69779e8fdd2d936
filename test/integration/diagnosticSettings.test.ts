/**
 * Diagnostic settings through the real MonitorClient: a resource's settings say where its logs
 * go (a Log Analytics workspace or elsewhere); settings are created, read, listed and deleted,
 * and a setting with no destination, or on a resource that does not exist, is refused.
 */
import { type DiagnosticSettingsResource, MonitorClient } from "@azure/arm-monitor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/server.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { diagnosticSettingsShapes } from "../shapes/diagnosticSettings.cases.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const RG_ID = `/subscriptions/${SUB}/resourceGroups/rg-odoo-prod`;
const SERVER = `${RG_ID}/providers/Microsoft.DBforPostgreSQL/flexibleServers/psql-odoo-prod`;
const WORKSPACE = `${RG_ID}/providers/Microsoft.OperationalInsights/workspaces/law-odoo-prod`;

let emulator: Emulator;
let client: MonitorClient;

beforeAll(async () => {
  // A production server with one setting to the workspace.
  emulator = await startEmulator({ estate: diagnosticSettingsShapes.estate, throttle: false });
  const target = emulatorTarget(emulator, emulator.core.subscriptionId);
  client = new MonitorClient(target.credential, target.subscriptionId, { endpoint: target.armEndpoint, ...target.clientOptions });
});
afterAll(async () => emulator.close());

async function settingsOf(resourceUri: string): Promise<DiagnosticSettingsResource[]> {
  const found: DiagnosticSettingsResource[] = [];
  for await (const setting of client.diagnosticSettings.list(resourceUri)) found.push(setting);
  return found;
}

describe("diagnostic settings through the real MonitorClient", () => {
  it("lists a server's setting that sends its logs to a Log Analytics workspace", async () => {
    const listed = await settingsOf(SERVER);
    expect(
      listed.map((setting) => ({
        name: setting.name,
        workspaceId: setting.workspaceId,
        logs: setting.logs?.map((log) => log.categoryGroup),
      })),
    ).toEqual([{ name: "diag-to-law", workspaceId: WORKSPACE, logs: ["allLogs"] }]);
  });

  it("creates a second setting to a storage account only, reads it back, then deletes it", async () => {
    const created = await client.diagnosticSettings.createOrUpdate(SERVER, "diag-to-archive", {
      storageAccountId: `${RG_ID}/providers/Microsoft.Storage/storageAccounts/stodooprodlogs`,
      logs: [{ category: "PostgreSQLLogs", enabled: true }],
    });
    expect(created).toMatchObject({ name: "diag-to-archive", type: "Microsoft.Insights/diagnosticSettings" });
    expect(created.workspaceId).toBeUndefined();
    expect((await client.diagnosticSettings.get(SERVER, "diag-to-archive")).logs?.[0]).toMatchObject({
      category: "PostgreSQLLogs",
      enabled: true,
    });
    expect(await settingsOf(SERVER)).toHaveLength(2);
    await client.diagnosticSettings.delete(SERVER, "diag-to-archive");
    await expect(client.diagnosticSettings.get(SERVER, "diag-to-archive")).rejects.toMatchObject({ statusCode: 404 });
    expect(await settingsOf(SERVER)).toHaveLength(1);
  });

  it("refuses a setting without a destination (400) and one on a resource that does not exist (404), creating nothing", async () => {
    await expect(
      client.diagnosticSettings.createOrUpdate(SERVER, "diag-nowhere", { logs: [{ categoryGroup: "allLogs", enabled: true }] }),
    ).rejects.toMatchObject({
      statusCode: 400,
    });
    await expect(
      client.diagnosticSettings.createOrUpdate(`${RG_ID}/providers/Microsoft.DBforPostgreSQL/flexibleServers/psql-missing`, "diag", {
        workspaceId: WORKSPACE,
      }),
    ).rejects.toMatchObject({ statusCode: 404 });
    expect((await settingsOf(SERVER)).map((setting) => setting.name)).toEqual(["diag-to-law"]);
  });
});
