/** Deploying Governor's export into the emulator with the real Azure Policy SDK, as the template would. */
import { readFileSync } from "node:fs";
import type { PolicyAssignment } from "@azure/arm-policy";
import type { Emulator } from "../../emulator/server.ts";
import type { AzurePolicyExport } from "../../shared/azurePolicy/export.ts";
import { DEFAULT_POLICIES } from "../../cli/planCommand.ts";
import { deployBaseline } from "../../local/azurePolicy.ts";
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
  return deployBaseline(emulator, subscriptionId, parsePolicyText(policyText, "policies.yaml", builtinRegistry()), enforcementMode);
}
