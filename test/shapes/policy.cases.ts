/**
 * Azure Policy's reference payloads. The requests are the references' own, moved to this
 * subscription; where a reference names a built-in the copies do not hold (Allowed storage
 * account SKUs, 7433c107), a built-in they do (Allowed locations) stands in, with its parameter.
 */
import type { Emulator } from "../../emulator/server.ts";
import { rawRequest } from "../support/http.ts";
import { readExample, type ShapeFamily } from "../support/shapes.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const API = "api-version=2025-11-01";
const AUTH = `/subscriptions/${SUB}/providers/Microsoft.Authorization`;
const ALLOWED_LOCATIONS = "/providers/Microsoft.Authorization/policyDefinitions/e56962a6-4747-49cd-b67b-bf8b01975c4c";

/** The reference's request body, its subscriptions moved to this one and the missing built-in stood in for. */
function requestOf(example: string): Record<string, unknown> {
  const parameters = readExample(`policy/${example}`).parameters as { parameters: unknown };
  const text = JSON.stringify(parameters.parameters)
    .replaceAll("ae640e6b-ba3e-4256-9d62-2993eecfa6f2", SUB)
    .replaceAll(
      `/subscriptions/${SUB}/providers/Microsoft.Authorization/policyDefinitions/7433c107-6db4-4ad1-b57a-a76dce0154a1`,
      ALLOWED_LOCATIONS,
    )
    .replaceAll('"listOfAllowedSKUs"', '"listOfAllowedLocations"');
  return JSON.parse(text) as Record<string, unknown>;
}

const put = (emulator: Emulator, path: string, body: unknown) => rawRequest(emulator, "PUT", path, body);

async function namingDefinition(emulator: Emulator): Promise<void> {
  await put(emulator, `${AUTH}/policyDefinitions/ResourceNaming?${API}`, requestOf("policy-definition-create-or-update-custom.json"));
}

async function costManagement(emulator: Emulator, groups = false): Promise<void> {
  await namingDefinition(emulator);
  const set = requestOf("policy-set-definition-create-or-update.json") as { properties: Record<string, unknown> };
  if (groups) {
    set.properties.policyDefinitionGroups = [{ name: "group1" }];
    for (const reference of set.properties.policyDefinitions as Array<Record<string, unknown>>) reference.groupNames = ["group1"];
  }
  await put(emulator, `${AUTH}/policySetDefinitions/CostManagement?${API}`, set);
  await put(emulator, `${AUTH}/policyAssignments/CostManagement?${API}`, {
    properties: { policyDefinitionId: `${AUTH}/policySetDefinitions/CostManagement`, enforcementMode: "DoNotEnforce" },
  });
}

export const policyShapes: ShapeFamily = {
  name: "policy",
  estate: {
    resourceGroups: [{ name: "demoCluster", location: "westeurope", tags: {} }],
    resources: [
      {
        type: "Microsoft.Compute/virtualMachines",
        resourceGroup: "demoCluster",
        name: "vm-demo-eastus",
        body: { location: "eastus", tags: {}, properties: { hardwareProfile: { vmSize: "Standard_D2s_v5" } } },
      },
    ],
  },
  cases: [
    {
      example: "policy/remediation-create-at-subscription.json",
      status: "201",
      run: async (emulator) => {
        // The reference's assignment, of a modify built-in (Inherit a tag from the resource group if missing).
        await put(emulator, `${AUTH}/policyAssignments/b101830944f246d8a14088c5?${API}`, {
          properties: {
            policyDefinitionId: "/providers/Microsoft.Authorization/policyDefinitions/ea3f2387-9b95-492a-a190-fcdc54f7b070",
            parameters: { tagName: { value: "cost-center" } },
            enforcementMode: "DoNotEnforce",
          },
        });
        const request = JSON.parse(
          JSON.stringify(
            (readExample("policy/remediation-create-at-subscription.json").parameters as { parameters: unknown }).parameters,
          ).replaceAll("35ee058e-5fa0-414c-8145-3ebb8d09b6e2", SUB),
        ) as unknown;
        return put(
          emulator,
          `/subscriptions/${SUB}/providers/Microsoft.PolicyInsights/remediations/storageRemediation?api-version=2024-10-01`,
          request,
        );
      },
    },
    {
      example: "policy/policy-definition-create-or-update-custom.json",
      status: "201",
      run: (emulator) =>
        put(emulator, `${AUTH}/policyDefinitions/ResourceNaming?${API}`, requestOf("policy-definition-create-or-update-custom.json")),
    },
    {
      example: "policy/policy-definition-get-builtin.json",
      dynamic: ["properties.parameters", "properties.policyRule"],
      run: (emulator) => rawRequest(emulator, "GET", `${ALLOWED_LOCATIONS}?${API}`),
    },
    {
      example: "policy/policy-set-definition-create-or-update.json",
      status: "201",
      dynamic: ["properties.policyDefinitions[].parameters"],
      run: async (emulator) => {
        await namingDefinition(emulator);
        return put(
          emulator,
          `${AUTH}/policySetDefinitions/CostManagement?${API}`,
          requestOf("policy-set-definition-create-or-update.json"),
        );
      },
    },
    {
      example: "policy/policy-assignment-create-do-not-enforce.json",
      run: async (emulator) => {
        await namingDefinition(emulator);
        return put(emulator, `${AUTH}/policyAssignments/EnforceNaming?${API}`, requestOf("policy-assignment-create-do-not-enforce.json"));
      },
    },
    {
      example: "policy/policy-assignment-create-with-system-assigned-identity.json",
      run: async (emulator) => {
        await namingDefinition(emulator);
        return put(
          emulator,
          `${AUTH}/policyAssignments/EnforceNaming?${API}`,
          requestOf("policy-assignment-create-with-system-assigned-identity.json"),
        );
      },
    },
    {
      example: "policy/policy-exemption-create-or-update.json",
      status: "201",
      run: async (emulator) => {
        await costManagement(emulator);
        await rawRequest(
          emulator,
          "DELETE",
          `/subscriptions/${SUB}/resourceGroups/demoCluster/providers/Microsoft.Authorization/policyExemptions/DemoExpensiveVM?api-version=2026-01-01-preview`,
        );
        return put(
          emulator,
          `/subscriptions/${SUB}/resourceGroups/demoCluster/providers/Microsoft.Authorization/policyExemptions/DemoExpensiveVM?api-version=2026-01-01-preview`,
          requestOf("policy-exemption-create-or-update.json"),
        );
      },
    },
    {
      example: "policy/policy-states-query-results-for-subscription-latest.json",
      dynamic: ["value[].policyDefinitionGroupNames"],
      run: async (emulator) => {
        await costManagement(emulator);
        return rawRequest(
          emulator,
          "POST",
          `/subscriptions/${SUB}/providers/Microsoft.PolicyInsights/policyStates/latest/queryResults?api-version=2024-10-01`,
        );
      },
    },
    {
      example: "policy/policy-states-summarize-for-subscription-latest-policy-group-filter.json",
      run: async (emulator) => {
        await costManagement(emulator, true);
        const filter = encodeURIComponent("'group1' IN PolicyDefinitionGroupNames");
        return rawRequest(
          emulator,
          "POST",
          `/subscriptions/${SUB}/providers/Microsoft.PolicyInsights/policyStates/latest/summarize?api-version=2024-10-01&$top=1&$filter=${filter}`,
        );
      },
    },
  ],
};
