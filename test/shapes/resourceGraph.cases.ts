import { rawRequest } from "../support/http.ts";
import { readExample, type ShapeFamily } from "../support/shapes.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const QUERY_PATH = "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01";

/** The request body of a reference example, pointed at the emulator's subscription. */
function requestOf(example: string): Record<string, unknown> {
  const parameters = readExample(example).parameters as { query: Record<string, unknown> };
  return { ...parameters.query, subscriptions: [SUB] };
}

export const resourceGraphShapes: ShapeFamily = {
  name: "resourceGraph",
  estate: {
    resourceGroups: [
      { name: "rg-network", location: "westeurope", tags: { environment: "prod" } },
      { name: "rg-automation", location: "westeurope", tags: { environment: "test" } },
    ],
    resources: [
      {
        type: "Microsoft.Network/networkInterfaces",
        resourceGroup: "rg-network",
        name: "nic-odoo-01",
        body: { location: "westeurope", tags: { tag1: "Value1" } },
      },
      {
        type: "Microsoft.Network/virtualNetworks",
        resourceGroup: "rg-network",
        name: "vnet-odoo",
        body: { location: "westeurope", tags: {} },
      },
      {
        type: "Microsoft.Network/publicIPAddresses",
        resourceGroup: "rg-network",
        name: "pip-odoo",
        body: { location: "westeurope", tags: {} },
      },
      {
        type: "Microsoft.Automation/automationAccounts",
        resourceGroup: "rg-automation",
        name: "aa-test",
        body: { location: "westeurope" },
      },
      {
        type: "Microsoft.Automation/automationAccounts/runbooks",
        resourceGroup: "rg-automation",
        name: "aa-test/rb-test-1",
        body: { location: "westeurope" },
      },
      {
        type: "Microsoft.Automation/automationAccounts/runbooks",
        resourceGroup: "rg-automation",
        name: "aa-test/rb-test-2",
        body: { location: "westeurope" },
      },
      {
        type: "Microsoft.Automation/automationAccounts/runbooks",
        resourceGroup: "rg-automation",
        name: "aa-test/rb-test-3",
        body: { location: "westeurope" },
      },
      {
        type: "Microsoft.Network/networkSecurityGroups",
        resourceGroup: "rg-automation",
        name: "nsg-test",
        body: { location: "westeurope" },
      },
    ],
  },
  cases: [
    {
      example: "resource-graph/resources-basic-query.json",
      dynamic: ["data[].tags"],
      run: (emulator) => rawRequest(emulator, "POST", QUERY_PATH, requestOf("resource-graph/resources-basic-query.json")),
    },
    {
      example: "resource-graph/resources-first-page-query.json",
      run: (emulator) => rawRequest(emulator, "POST", QUERY_PATH, requestOf("resource-graph/resources-first-page-query.json")),
    },
  ],
};
