import type { EstateDefinition } from "../../emulator/estate/load.ts";
import { rawRequest } from "../support/http.ts";
import type { ShapeFamily } from "../support/shapes.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const RG = "rg-odoo-staging";
const SERVER = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.DBforPostgreSQL/flexibleServers/psql-odoo-staging`;
const API = "api-version=2025-08-01";

const estate: EstateDefinition = {
  resourceGroups: [{ name: RG, location: "westeurope", tags: { environment: "staging" } }],
  resources: [
    {
      type: "Microsoft.DBforPostgreSQL/flexibleServers",
      resourceGroup: RG,
      name: "psql-odoo-staging",
      body: { location: "westeurope", sku: { name: "Standard_D2ds_v5", tier: "GeneralPurpose" }, properties: { version: "17" } },
    },
  ],
};

export const postgresPowerShapes: ShapeFamily = {
  name: "postgresql stop and start",
  estate,
  // Stop first: the start that follows finds the server stopped.
  cases: [
    {
      example: "postgresql-flexible/server-stop.json",
      status: "202",
      run: (emulator) => rawRequest(emulator, "POST", `${SERVER}/stop?${API}`),
    },
    {
      example: "postgresql-flexible/server-start.json",
      status: "202",
      run: (emulator) => rawRequest(emulator, "POST", `${SERVER}/start?${API}`),
    },
  ],
};
