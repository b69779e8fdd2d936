/**
 * Microsoft.Web through the real WebSiteManagementClient: an App Service plan counts the apps on
 * it (`numberOfSites`), a plan with apps cannot be deleted (409), an empty one can.
 */
import { WebSiteManagementClient } from "@azure/arm-appservice";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EstateDefinition } from "../../emulator/estate/load.ts";
import { startEmulator, type Emulator } from "../../emulator/server.ts";
import type { ResourceChange } from "../../emulator/store.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";

const RG = "rg-integration-prod";
const DEV = "rg-odoo-dev";
let emulator: Emulator;
let client: WebSiteManagementClient;
const changes: ResourceChange[] = [];

const plan = (resourceGroup: string, name: string, sku: string): EstateDefinition["resources"][number] => ({
  type: "Microsoft.Web/serverfarms",
  resourceGroup,
  name,
  body: { location: "westeurope", kind: "linux", sku: { name: sku } },
});

beforeAll(async () => {
  const sub = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
  const estate: EstateDefinition = {
    resourceGroups: [
      { name: RG, location: "westeurope", tags: { environment: "prod" } },
      { name: DEV, location: "westeurope", tags: { environment: "dev" } },
    ],
    resources: [
      plan(RG, "asp-edi-portal-prod", "P1v3"),
      plan(DEV, "asp-odoo-dev-webhooks", "B1"),
      {
        type: "Microsoft.Web/sites",
        resourceGroup: RG,
        name: "app-edi-partner-portal",
        body: {
          location: "westeurope",
          kind: "app,linux",
          properties: {
            serverFarmId: `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.Web/serverfarms/asp-edi-portal-prod`,
            httpsOnly: true,
          },
        },
      },
    ],
  };
  emulator = await startEmulator({ estate, throttle: false });
  emulator.core.store.changes.on("change", (change) => changes.push(change));
  const target = emulatorTarget(emulator, emulator.core.subscriptionId);
  client = new WebSiteManagementClient(target.credential, target.subscriptionId, { endpoint: target.armEndpoint, ...target.clientOptions });
});
afterAll(async () => emulator.close());

describe("App Service plans through the real WebSiteManagementClient", () => {
  it("lists the plans with the number of apps on each: one for the portal's, none for the forgotten one", async () => {
    const plans: Array<{ name?: string; numberOfSites?: number; sku?: string }> = [];
    for await (const found of client.appServicePlans.list())
      plans.push({ name: found.name, numberOfSites: found.numberOfSites, sku: found.sku?.name });
    expect(plans.sort((a, b) => String(a.name).localeCompare(String(b.name)))).toEqual([
      { name: "asp-edi-portal-prod", numberOfSites: 1, sku: "P1v3" },
      { name: "asp-odoo-dev-webhooks", numberOfSites: 0, sku: "B1" },
    ]);
    const portal = await client.appServicePlans.get(RG, "asp-edi-portal-prod");
    expect(portal.status).toBe("Ready");
    expect(portal.location).toBe("West Europe");
  });

  it("lists the apps with the plan each runs on", async () => {
    const sites: Array<{ name?: string; serverFarmId?: string; state?: string }> = [];
    for await (const site of client.webApps.list()) sites.push({ name: site.name, serverFarmId: site.serverFarmId, state: site.state });
    expect(sites).toEqual([
      {
        name: "app-edi-partner-portal",
        serverFarmId: `/subscriptions/${emulator.core.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Web/serverfarms/asp-edi-portal-prod`,
        state: "Running",
      },
    ]);
  });

  it("refuses to delete a plan that still has apps with 409, and deletes it once its last app is gone", async () => {
    await expect(client.appServicePlans.delete(RG, "asp-edi-portal-prod")).rejects.toMatchObject({ statusCode: 409, code: "Conflict" });
    expect((await client.appServicePlans.get(RG, "asp-edi-portal-prod")).numberOfSites).toBe(1);
    await client.webApps.delete(RG, "app-edi-partner-portal");
    expect((await client.appServicePlans.get(RG, "asp-edi-portal-prod")).numberOfSites).toBe(0);
    await client.appServicePlans.delete(RG, "asp-edi-portal-prod");
    await expect(client.appServicePlans.get(RG, "asp-edi-portal-prod")).rejects.toMatchObject({ statusCode: 404 });
  });

  it("deletes an empty plan at once, with one delete event, and answers a second delete without error", async () => {
    await client.appServicePlans.delete(DEV, "asp-odoo-dev-webhooks");
    await client.appServicePlans.delete(DEV, "asp-odoo-dev-webhooks");
    expect(changes.filter((change) => change.resourceId.endsWith("/asp-odoo-dev-webhooks")).map((change) => change.operationName)).toEqual([
      "Microsoft.Web/serverfarms/delete",
    ]);
  });
});
