import type { EstateDefinition } from "../../emulator/estate/load.ts";
import { readExample, type ShapeFamily } from "../support/shapes.ts";
import { rawRequest } from "../support/http.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";

/** A VM running since before last month in the resource group and tags the daily example filters on, so both answers hold rows. */
const estate: EstateDefinition = {
  resourceGroups: [{ name: "API", location: "westeurope" }],
  resources: [
    {
      type: "Microsoft.Compute/virtualMachines",
      resourceGroup: "API",
      name: "vm-api-01",
      body: {
        location: "westeurope",
        tags: { Environment: "Prod" },
        properties: {
          hardwareProfile: { vmSize: "Standard_D2s_v5" },
          storageProfile: { osDisk: { createOption: "FromImage", osType: "Linux" } },
          timeCreated: "2026-01-05T08:00:00.000Z",
        },
      },
    },
  ],
};

/** The reference's request body, sent to this subscription's scope. */
function query(example: string): (emulator: { url: string; ca: string }) => ReturnType<typeof rawRequest> {
  const parameters = readExample(example).parameters as { "api-version": string; parameters: unknown };
  return (emulator) =>
    rawRequest(
      emulator,
      "POST",
      `/subscriptions/${SUB}/providers/Microsoft.CostManagement/query?api-version=${parameters["api-version"]}`,
      parameters.parameters,
    );
}

export const costManagementShapes: ShapeFamily = {
  name: "cost management",
  estate,
  cases: [
    {
      example: "cost-management/query-usage-subscription-daily.json",
      status: "200",
      run: query("cost-management/query-usage-subscription-daily.json"),
    },
    {
      example: "cost-management/query-usage-subscription-grouped-by-resource-group.json",
      status: "200",
      run: query("cost-management/query-usage-subscription-grouped-by-resource-group.json"),
    },
  ],
};
