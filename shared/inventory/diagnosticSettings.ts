/**
 * Diagnostic settings of resources: Azure keeps them per resource and lists no subscription's
 * (nor does Resource Graph carry them), so this is one request per resource. It is made only for
 * the resources a policy asks about, at most the limiter's number at a time. A type whose logs are
 * a child's (a storage account's blob service, its descriptor's `diagnosticSettings`) is read
 * there; the fact stays the resource's.
 */
import type { DiagnosticSettingsResource } from "@azure/arm-monitor";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { monitorClient } from "../azure/clients.ts";
import type { AzureTarget } from "../azure/target.ts";
import type { DiagnosticSettingFact, DiagnosticSettingsFact, InventoryResource } from "../policy/types.ts";
import { resourceTypeOfArmType } from "../resourceTypes/index.ts";
import { createLimiter, type Limiter } from "./concurrency.ts";
import { readFailure } from "./readFailure.ts";

export function diagnosticSettingOf(setting: DiagnosticSettingsResource): DiagnosticSettingFact {
  const enabled = [...(setting.logs ?? []), ...(setting.metrics ?? [])].some((category) => category.enabled);
  return {
    name: setting.name ?? "(unnamed)",
    ...(setting.workspaceId ? { workspaceId: setting.workspaceId } : {}),
    ...(setting.storageAccountId ? { storageAccountId: setting.storageAccountId } : {}),
    ...(setting.eventHubAuthorizationRuleId ? { eventHubAuthorizationRuleId: setting.eventHubAuthorizationRuleId } : {}),
    ...(setting.marketplacePartnerId ? { marketplacePartnerId: setting.marketplacePartnerId } : {}),
    enabled,
  };
}

/** By lower-case resource id: the settings of each resource, or why they could not be read. */
export async function gatherDiagnosticSettings(
  target: AzureTarget,
  resources: readonly InventoryResource[],
  options: {
    limiter?: Limiter;
    policies?: readonly PipelinePolicy[];
    onResource?: (progress: { done: number; total: number }) => void;
  } = {},
): Promise<Record<string, DiagnosticSettingsFact>> {
  const run = options.limiter ?? createLimiter();
  const client = await monitorClient(target);
  for (const policy of options.policies ?? []) client.pipeline.addPolicy(policy, { afterPhase: "Retry" });
  const facts: Record<string, DiagnosticSettingsFact> = {};
  let done = 0;
  await Promise.all(
    resources.map((resource) =>
      run(async () => {
        let fact: DiagnosticSettingsFact;
        try {
          const settings: DiagnosticSettingFact[] = [];
          const at = `${resource.id}${resourceTypeOfArmType(resource.type)?.diagnosticSettings?.idSuffix ?? ""}`;
          for await (const setting of client.diagnosticSettings.list(at)) settings.push(diagnosticSettingOf(setting));
          fact = { settings };
        } catch (error) {
          fact = { error: readFailure(error) };
        }
        facts[resource.id.toLowerCase()] = fact;
        done += 1;
        options.onResource?.({ done, total: resources.length });
      }),
    ),
  );
  return facts;
}
