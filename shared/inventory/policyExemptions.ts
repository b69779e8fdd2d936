/**
 * Azure Policy exemptions of the subscription in one paged list (the subscription's list holds
 * those of its resource groups and resources too), for the guards: an exemption granted in the
 * portal is honoured by Governor as one Governor granted.
 */
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import type { PolicyExemption } from "arm-policy-exemptions";
import { policyExemptionsClient } from "../azure/clients.ts";
import type { AzureTarget } from "../azure/target.ts";
import { governorOrigin } from "../azurePolicy/names.ts";
import type { AzurePolicyExemption } from "../policy/types.ts";
import { recentReads } from "./recentReads.ts";

/** The scope an exemption is on: its id before `/providers/Microsoft.Authorization/policyExemptions/`. */
export function exemptionScope(id: string): string {
  const index = id.toLowerCase().lastIndexOf("/providers/microsoft.authorization/policyexemptions/");
  return index < 0 ? id : id.slice(0, index);
}

/** An exemption as the SDK reads it, as the guards and the exemption sync need it; undefined without an id or name. */
export function exemptionOf(exemption: PolicyExemption): AzurePolicyExemption | undefined {
  if (exemption.id === undefined || exemption.name === undefined) return undefined;
  const metadata = (exemption.metadata ?? {}) as Record<string, unknown>;
  const reason = typeof metadata.reason === "string" ? metadata.reason : exemption.description;
  const governor = governorOrigin(exemption.name, exemption.metadata);
  return {
    id: exemption.id,
    name: exemption.name,
    scope: exemptionScope(exemption.id),
    policyAssignmentId: exemption.policyAssignmentId,
    policyDefinitionReferenceIds: exemption.policyDefinitionReferenceIds ?? [],
    ...(exemption.expiresOn === undefined ? {} : { expiresOn: new Date(exemption.expiresOn).toISOString() }),
    category: exemption.exemptionCategory,
    ...(exemption.displayName === undefined ? {} : { displayName: exemption.displayName }),
    ...(reason === undefined ? {} : { reason }),
    ...(governor === undefined ? {} : { governor }),
  };
}

export async function listPolicyExemptions(target: AzureTarget, policies: readonly PipelinePolicy[] = []): Promise<AzurePolicyExemption[]> {
  const client = await policyExemptionsClient(target);
  for (const policy of policies) client.pipeline.addPolicy(policy, { afterPhase: "Retry" });
  const exemptions: AzurePolicyExemption[] = [];
  for await (const exemption of client.policyExemptions.list()) {
    const read = exemptionOf(exemption);
    if (read) exemptions.push(read);
  }
  return exemptions;
}

/**
 * How long one list of the subscription's exemptions serves the changes and event checks of one
 * worker: an exemption made in the portal is honoured by every change sent from this long after
 * it, at one read per worker and period instead of one per change.
 */
export const EXEMPTIONS_TTL_MS = 15_000;

const recent = recentReads<AzurePolicyExemption[]>(EXEMPTIONS_TTL_MS);

/** The subscription's exemptions as read at most {@link EXEMPTIONS_TTL_MS} ago by this worker. */
export function recentPolicyExemptions(target: AzureTarget): Promise<AzurePolicyExemption[]> {
  return recent(`${target.armEndpoint}|${target.subscriptionId.toLowerCase()}`, () => listPolicyExemptions(target));
}
