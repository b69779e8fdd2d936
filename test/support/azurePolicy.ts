/** Deploying Governor's export into the emulator with the real Azure Policy SDK, as the template would. */
import { readFileSync } from "node:fs";
import type { PolicyAssignment } from "@azure/arm-policy";
import type { Emulator } from "../../emulator/server.ts";
import { exportAzurePolicy, type AzurePolicyExport } from "../../shared/azurePolicy/export.ts";
import { GOVERNOR_ASSIGNMENT_NAME } from "../../shared/azurePolicy/names.ts";
import { policyClient } from "../../shared/azure/clients.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { DEFAULT_POLICIES } from "../../cli/plan.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { parsePolicyText } from "../../shared/policy/loader.ts";

/** The built-in pack with some audit policies switched to enforce. */
export function packEnforcing(...names: string[]): string {
  let text = readFileSync(DEFAULT_POLICIES, "utf8");
  for (const name of names) text = text.replace(new RegExp(`(- name: ${name}\\n(?:.*\\n)*?    mode: )audit`), "$1enforce");
  return text;
}

/** Exports a policy file's text at the subscription and creates its definitions, initiative and assignment. */
export async function deployExport(
  emulator: Emulator,
  subscriptionId: string,
  policyText: string,
  enforcementMode: "Default" | "DoNotEnforce",
): Promise<{ exported: AzurePolicyExport; assignment: PolicyAssignment }> {
  const set = parsePolicyText(policyText, "policies.yaml", builtinRegistry());
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
