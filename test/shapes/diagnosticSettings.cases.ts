import type { EstateDefinition } from "../../emulator/estate/load.ts";
import { rawRequest } from "../support/http.ts";
import type { ShapeFamily } from "../support/shapes.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const RG = "rg-odoo-prod";
const RG_ID = `/subscriptions/${SUB}/resourceGroups/${RG}`;
const SERVER = `${RG_ID}/providers/Microsoft.DBforPostgreSQL/flexibleServers/psql-odoo-prod`;
const WORKSPACE = `${RG_ID}/providers/Microsoft.OperationalInsights/workspaces/law-odoo-prod`;
const API = "api-version=2021-05-01-preview";
const SETTINGS = "providers/Microsoft.Insights/diagnosticSettings";

const estate: EstateDefinition = {
  resourceGroups: [{ name: RG, location: "westeurope", tags: { environment: "prod" } }],
  resources: [
    {
      type: "Microsoft.DBforPostgreSQL/flexibleServers",
      resourceGroup: RG,
      name: "psql-odoo-prod",
      body: { location: "westeurope", sku: { name: "Standard_D4ds_v5", tier: "GeneralPurpose" }, properties: { version: "17" } },
    },
    { type: "Microsoft.OperationalInsights/workspaces", resourceGroup: RG, name: "law-odoo-prod", body: { location: "westeurope" } },
  ],
  diagnosticSettings: [
    {
      resourceId: SERVER,
      name: "diag-to-law",
      properties: {
        workspaceId: WORKSPACE,
        storageAccountId: `${RG_ID}/providers/Microsoft.Storage/storageAccounts/stodooprodlogs`,
        eventHubAuthorizationRuleId: `${RG_ID}/providers/Microsoft.EventHub/namespaces/evhns-odoo/authorizationrules/RootManageSharedAccessKey`,
        logs: [{ categoryGroup: "allLogs", enabled: true, retentionPolicy: { enabled: false, days: 0 } }],
        metrics: [{ category: "AllMetrics", enabled: true, retentionPolicy: { enabled: false, days: 0 } }],
      },
    },
  ],
};

export const diagnosticSettingsShapes: ShapeFamily = {
  name: "diagnostic settings",
  estate,
  cases: [
    {
      example: "monitor/diagnostic-setting-create-or-update.json",
      run: (emulator) =>
        rawRequest(emulator, "PUT", `${SERVER}/${SETTINGS}/diag-to-partner?${API}`, {
          properties: {
            storageAccountId: `${RG_ID}/providers/Microsoft.Storage/storageAccounts/stodooprodlogs`,
            workspaceId: "",
            eventHubAuthorizationRuleId: `${RG_ID}/providers/Microsoft.EventHub/namespaces/evhns-odoo/authorizationrules/RootManageSharedAccessKey`,
            eventHubName: "odoo-logs",
            marketplacePartnerId: `/subscriptions/${SUB}/resourceGroups/rg-partner/providers/Microsoft.Datadog/monitors/dd-odoo`,
            metrics: [{ category: "AllMetrics", enabled: true, retentionPolicy: { enabled: false, days: 0 } }],
            logs: [{ categoryGroup: "allLogs", enabled: true, retentionPolicy: { enabled: false, days: 0 } }],
            logAnalyticsDestinationType: "Dedicated",
          },
        }),
    },
    {
      example: "monitor/diagnostic-settings-list-for-resource.json",
      run: (emulator) => rawRequest(emulator, "GET", `${SERVER}/${SETTINGS}?${API}`),
    },
  ],
};
