/**
 * Formal exemptions: what an approver's "exempt until" grants, written as an Azure Policy
 * exemption (Microsoft.Authorization/policyExemptions) on the resource for Governor's assignment,
 * category Waiver, expiring with Governor's exemption, its metadata naming the approver, the reason
 * and the approval. Named after the Governor policy, so a decision delivered twice writes one, and a
 * later decision on the same resource and policy replaces it. Only a policy with references in the
 * initiative gets one: an exemption of the whole assignment would waive controls nobody decided on.
 */
import { policyExemptionsClient } from "../azure/clients.ts";
import type { AzureTarget } from "../azure/target.ts";
import { approvalExemptionName, governorAssignmentId } from "./names.ts";

export interface FormalExemption {
  resourceId: string;
  policy: string;
  /** The initiative's references of the policy (see `referencesOf`). */
  referenceIds: string[];
  /** YYYY-MM-DD (inclusive, as Governor's tag) or an ISO time. */
  until: string;
  approver: string;
  reason: string;
  approvalInstance: string;
}

export interface FormalExemptionResult {
  written: boolean;
  id?: string;
  reason: string;
}

/** A date exempts to the end of that day (UTC), as the `governor-exempt-until` tag does. */
export function expiresOnOf(until: string): Date {
  return new Date(/^\d{4}-\d{2}-\d{2}$/.test(until.trim()) ? `${until.trim()}T23:59:59Z` : until.trim());
}

export async function writeFormalExemption(target: AzureTarget, exemption: FormalExemption): Promise<FormalExemptionResult> {
  if (exemption.referenceIds.length === 0) {
    return { written: false, reason: `${exemption.policy} has no Azure Policy equivalent: the exemption is Governor's alone` };
  }
  const expiresOn = expiresOnOf(exemption.until);
  if (Number.isNaN(expiresOn.getTime())) return { written: false, reason: `"${exemption.until}" is not a date: no Azure Policy exemption` };
  const client = await policyExemptionsClient(target);
  try {
    const written = await client.policyExemptions.createOrUpdate(exemption.resourceId, approvalExemptionName(exemption.policy), {
      policyAssignmentId: governorAssignmentId(target.subscriptionId),
      policyDefinitionReferenceIds: exemption.referenceIds,
      exemptionCategory: "Waiver",
      expiresOn,
      displayName: `Governor: ${exemption.policy} until ${exemption.until}`.slice(0, 128),
      description: exemption.reason.slice(0, 512),
      metadata: {
        managedBy: "governor",
        source: "approval",
        approver: exemption.approver,
        reason: exemption.reason,
        approvalInstance: exemption.approvalInstance,
        governorPolicy: exemption.policy,
      },
    });
    return {
      written: true,
      ...(written.id === undefined ? {} : { id: written.id }),
      reason: `Azure Policy exemption until ${expiresOn.toISOString()}`,
    };
  } catch (error) {
    // Duck-typed: the exemptions client is an older SDK with its own copy of RestError.
    const { statusCode, code } = error as { statusCode?: unknown; code?: unknown };
    if (statusCode === 404 && code === "PolicyAssignmentNotFound") {
      return { written: false, reason: "the Governor baseline is not assigned in this subscription: no Azure Policy exemption" };
    }
    return { written: false, reason: `the Azure Policy exemption could not be written: ${(error as Error).message}` };
  }
}
