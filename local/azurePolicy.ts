/**
 * The Governor baseline deployed into the emulator as the template deploys it in Azure: the
 * export's custom definitions, the initiative, and its assignment at the subscription (with a
 * system-assigned identity), through the real Azure Policy SDK. For `governor report --emulator`
 * and the tests.
 */
import type { PolicyAssignment } from "@azure/arm-policy";
import type { Emulator } from "../emulator/server.ts";
import { exportAzurePolicy, type AzurePolicyExport } from "../shared/azurePolicy/export.ts";
import { GOVERNOR_ASSIGNMENT_NAME } from "../shared/azurePolicy/names.ts";
import { policyClient } from "../shared/azure/clients.ts";
import { emulatorTarget } from "../shared/azure/target.ts";
import type { PolicySet } from "../shared/policy/types.ts";

export async function deployBaseline(
  emulator: Pick<Emulator, "url" | "ca">,
  subscriptionId: string,
  set: PolicySet,
  enforcementMode: "Default" | "DoNotEnforce",
): Promise<{ exported: AzurePolicyExport; assignment: PolicyAssignment }> {
  const scope = `/subscriptions/${subscriptionId}`;
  const exported = exportAzurePolicy(set, {
    definitionId: (name) => `${scope}/providers/Microsoft.Authorization/policyDefinitions/${name}`,
  });
  const client = await policyClient(emulatorTarget(emulator, subscriptionId));
  for (const definition of exported.definitions) await client.policyDefinitions.createOrUpdate(definition.name, definition.properties);
  const initiative = await client.policySetDefinitions.createOrUpdate(exported.initiative.name, exported.initiative.properties);
  const assignment = await client.policyAssignments.create(scope, GOVERNOR_ASSIGNMENT_NAME, {
    location: "westeurope",
    identity: { type: "SystemAssigned" },
    displayName: "Governor baseline",
    policyDefinitionId: initiative.id,
    enforcementMode,
  });
  return { exported, assignment };
}
