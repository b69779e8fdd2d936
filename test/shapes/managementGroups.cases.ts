import { type Emulator, startEmulator } from "../../emulator/server.ts";
import { rawRequest, type RawResponse } from "../support/http.ts";
import type { ShapeFamily } from "../support/shapes.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const OTHER = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f32";
const ELSEWHERE = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f33";
const GROUPS = "/providers/Microsoft.Management/managementGroups";
const MG_API = "api-version=2023-04-01";

/**
 * The references show groups holding both groups and subscriptions, and the subscriptions list as
 * a first page: an emulator of its own, with a hierarchy and a page size of one subscription.
 */
async function withHierarchy(request: (emulator: Emulator) => Promise<RawResponse>): Promise<RawResponse> {
  const emulator = await startEmulator({
    subscriptionId: SUB,
    displayName: "Nordwind Distribution",
    subscriptions: [
      { subscriptionId: OTHER, displayName: "Nordwind Benelux" },
      { subscriptionId: ELSEWHERE, displayName: "Contoso sandbox" },
    ],
    managementGroups: [
      {
        name: "mg-nordwind",
        displayName: "Nordwind",
        subscriptions: [SUB, OTHER],
        children: [{ name: "mg-nordwind-labs", displayName: "Labs" }],
      },
    ],
    throttle: false,
    listPageSize: 1,
  });
  try {
    return await request(emulator);
  } finally {
    await emulator.close();
  }
}

export const managementGroupsShapes: ShapeFamily = {
  name: "managementGroups",
  estate: { resourceGroups: [], resources: [] },
  cases: [
    {
      example: "management-groups/management-group-get-expand-children.json",
      run: () => withHierarchy((emulator) => rawRequest(emulator, "GET", `${GROUPS}/mg-nordwind?${MG_API}&$expand=children`)),
    },
    {
      example: "management-groups/management-group-descendants-list.json",
      run: () =>
        withHierarchy((emulator) => rawRequest(emulator, "GET", `${GROUPS}/${emulator.core.tenantId}/descendants?${MG_API}&$top=1000`)),
    },
    {
      example: "management-groups/subscriptions-list.json",
      // Keys of tags are data; no other tenant manages the emulated subscriptions (Azure Lighthouse), so managedByTenants is empty.
      dynamic: ["value[].tags", "value[].managedByTenants"],
      run: () => withHierarchy((emulator) => rawRequest(emulator, "GET", "/subscriptions?api-version=2022-12-01")),
    },
  ],
};
