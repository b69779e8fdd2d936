import type { ShapeFamily } from "../support/shapes.ts";
import { rawRequest } from "../support/http.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const VM = `/subscriptions/${SUB}/resourceGroups/rg-odoo-dev/providers/Microsoft.Compute/virtualMachines/vm-odoo-dev-01`;

export const resourcesShapes: ShapeFamily = {
  name: "resources",
  estate: {
    resourceGroups: [{ name: "rg-odoo-dev", location: "westeurope", tags: { environment: "dev" } }],
    resources: [
      {
        type: "Microsoft.Compute/virtualMachines",
        resourceGroup: "rg-odoo-dev",
        name: "vm-odoo-dev-01",
        body: {
          location: "westeurope",
          tags: { owner: "ops", environment: "dev" },
          properties: { hardwareProfile: { vmSize: "Standard_D2s_v5" } },
        },
      },
    ],
  },
  cases: [
    {
      example: "resources/resource-group-create.json",
      status: "201",
      run: (emulator) =>
        rawRequest(emulator, "PUT", `/subscriptions/${SUB}/resourcegroups/rg-new?api-version=2025-04-01`, { location: "westeurope" }),
    },
    {
      example: "resources/tags-get-at-scope.json",
      dynamic: ["properties.tags"],
      run: (emulator) => rawRequest(emulator, "GET", `${VM}/providers/Microsoft.Resources/tags/default?api-version=2025-04-01`),
    },
    {
      example: "resources/tags-update-at-scope-replace.json",
      status: "200",
      dynamic: ["properties.tags"],
      run: (emulator) =>
        rawRequest(emulator, "PATCH", `${VM}/providers/Microsoft.Resources/tags/default?api-version=2024-11-01`, {
          operation: "Replace",
          properties: { tags: { owner: "ops" } },
        }),
    },
  ],
};
