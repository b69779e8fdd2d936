import type { EstateDefinition } from "../../emulator/estate/load.ts";
import { rawRequest } from "../support/http.ts";
import type { ShapeFamily } from "../support/shapes.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const RG = "rg-odoo-prod";
const RG_ID = `/subscriptions/${SUB}/resourceGroups/${RG}`;
const ACCOUNT = `${RG_ID}/providers/Microsoft.Storage/storageAccounts/stodooprodfiles`;
const API = "api-version=2020-05-01";
const LOCKS = "providers/Microsoft.Authorization/locks";

const estate: EstateDefinition = {
  resourceGroups: [{ name: RG, location: "westeurope", tags: { environment: "prod" } }],
  resources: [
    {
      type: "Microsoft.Storage/storageAccounts",
      resourceGroup: RG,
      name: "stodooprodfiles",
      body: { location: "westeurope", kind: "StorageV2" },
    },
  ],
  locks: [
    { scope: RG_ID, name: "lock-rg-odoo-prod", level: "CanNotDelete" },
    { scope: `/subscriptions/${SUB}`, name: "lock-subscription", level: "CanNotDelete" },
  ],
};

export const locksShapes: ShapeFamily = {
  name: "locks",
  estate,
  cases: [
    {
      example: "locks/lock-create-or-update-at-resource.json",
      status: "201",
      run: (emulator) =>
        rawRequest(emulator, "PUT", `${RG_ID}/providers/Microsoft.Storage//storageAccounts/stodooprodfiles/${LOCKS}/lock-files?${API}`, {
          properties: { level: "ReadOnly" },
        }),
    },
    { example: "locks/locks-list-at-resource-group.json", run: (emulator) => rawRequest(emulator, "GET", `${RG_ID}/${LOCKS}?${API}`) },
    { example: "locks/locks-list-at-resource.json", run: (emulator) => rawRequest(emulator, "GET", `${ACCOUNT}/${LOCKS}?${API}`) },
    {
      example: "locks/locks-list-at-subscription.json",
      run: (emulator) => rawRequest(emulator, "GET", `/subscriptions/${SUB}/${LOCKS}?${API}`),
    },
  ],
};
