import type { EstateDefinition } from "../../emulator/estate/load.ts";
import { rawRequest } from "../support/http.ts";
import { readExample, type ShapeFamily } from "../support/shapes.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const RG = "rg-integration-prod";
const WEB = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Web`;
const API = "api-version=2025-05-01";

/** A site configured as the reference's first app is (its site configuration is what the site was created with). */
function referenceSiteConfig(): Record<string, unknown> {
  const example = readExample("web/web-app-list.json") as {
    responses: { "200": { body: { value: Array<{ properties: Record<string, unknown> }> } } };
  };
  return example.responses["200"].body.value[0]?.properties.siteConfig as Record<string, unknown>;
}

const estate: EstateDefinition = {
  resourceGroups: [{ name: RG, location: "westeurope", tags: { environment: "prod" } }],
  resources: [
    {
      type: "Microsoft.Web/serverfarms",
      resourceGroup: RG,
      name: "asp-edi-portal-prod",
      body: { location: "westeurope", kind: "app", sku: { name: "P1v3", capacity: 1 } },
    },
    {
      type: "Microsoft.Web/sites",
      resourceGroup: RG,
      name: "app-edi-partner-portal",
      body: {
        location: "westeurope",
        kind: "app",
        properties: {
          serverFarmId: `${WEB}/serverfarms/asp-edi-portal-prod`,
          outboundVnetRouting: {
            allTraffic: false,
            applicationTraffic: false,
            backupRestoreTraffic: false,
            contentShareTraffic: false,
            imagePullTraffic: false,
            managedIdentityTraffic: false,
          },
          resourceConfig: { cpu: 1, memory: "2.0Gi" },
          workloadProfileName: "edi-portal",
          siteConfig: referenceSiteConfig(),
        },
      },
    },
  ],
};

export const webShapes: ShapeFamily = {
  name: "web",
  estate,
  cases: [
    {
      example: "web/app-service-plan-get.json",
      run: (emulator) => rawRequest(emulator, "GET", `${WEB}/serverfarms/asp-edi-portal-prod?${API}`),
    },
    {
      example: "web/app-service-plan-list.json",
      run: (emulator) => rawRequest(emulator, "GET", `/subscriptions/${SUB}/providers/Microsoft.Web/serverfarms?${API}`),
    },
    {
      example: "web/web-app-list.json",
      dynamic: ["value[].properties.siteConfig.azureStorageAccounts"],
      run: (emulator) => rawRequest(emulator, "GET", `/subscriptions/${SUB}/providers/Microsoft.Web/sites?${API}`),
    },
  ],
};
