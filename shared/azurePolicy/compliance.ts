/**
 * Azure Policy compliance of a subscription, for the report and the digest: Policy Insights'
 * summary of the latest policy states (one request), per assignment and per definition reference,
 * with the non-compliant counts. A reference of Governor's initiative names the Governor policy it
 * comes from, so the report can set them beside Governor's own findings.
 */
import { policyInsightsClient } from "../azure/clients.ts";
import type { AzureTarget } from "../azure/target.ts";
import { isGovernorAssignment, policyOfReference } from "./names.ts";

export interface ReferenceCompliance {
  /** Empty for an assignment of a single definition. */
  referenceId: string;
  definitionId: string;
  /** The effect as Policy Insights reports it (`deny`, `audit`, `modify`, `deployIfNotExists`…). */
  effect: string;
  groups: string[];
  nonCompliantResources: number;
  /** The Governor policy of a reference of Governor's initiative. */
  governorPolicy?: string;
}

export interface AssignmentCompliance {
  assignmentId: string;
  /** The initiative assigned, when it is one. */
  initiativeId?: string;
  governor: boolean;
  nonCompliantResources: number;
  nonCompliantPolicies: number;
  references: ReferenceCompliance[];
}

export interface PolicyCompliance {
  subscriptionId: string;
  nonCompliantResources: number;
  nonCompliantPolicies: number;
  assignments: AssignmentCompliance[];
}

/** The latest compliance summary of the target's subscription; `governorOnly` keeps Governor's assignment alone. */
export async function policyCompliance(target: AzureTarget, options: { governorOnly?: boolean } = {}): Promise<PolicyCompliance> {
  const client = await policyInsightsClient(target);
  const summary = (await client.policyStates.summarizeForSubscription("latest", target.subscriptionId)).value?.[0];
  const assignments = (summary?.policyAssignments ?? [])
    .filter((assignment) => assignment.policyAssignmentId !== undefined)
    .map((assignment): AssignmentCompliance => {
      const assignmentId = assignment.policyAssignmentId as string;
      const governor = isGovernorAssignment(assignmentId);
      return {
        assignmentId,
        ...(assignment.policySetDefinitionId ? { initiativeId: assignment.policySetDefinitionId } : {}),
        governor,
        nonCompliantResources: assignment.results?.nonCompliantResources ?? 0,
        nonCompliantPolicies: assignment.results?.nonCompliantPolicies ?? 0,
        references: (assignment.policyDefinitions ?? []).map((reference) => ({
          referenceId: reference.policyDefinitionReferenceId ?? "",
          definitionId: reference.policyDefinitionId ?? "",
          effect: reference.effect ?? "",
          groups: reference.policyDefinitionGroupNames ?? [],
          nonCompliantResources: reference.results?.nonCompliantResources ?? 0,
          ...(governor && reference.policyDefinitionReferenceId
            ? { governorPolicy: policyOfReference(reference.policyDefinitionReferenceId) }
            : {}),
        })),
      };
    })
    .filter((assignment) => !options.governorOnly || assignment.governor);
  return {
    subscriptionId: target.subscriptionId,
    nonCompliantResources: options.governorOnly
      ? assignments.reduce((most, assignment) => Math.max(most, assignment.nonCompliantResources), 0)
      : (summary?.results?.nonCompliantResources ?? 0),
    nonCompliantPolicies: options.governorOnly
      ? assignments.reduce((sum, assignment) => sum + assignment.nonCompliantPolicies, 0)
      : (summary?.results?.nonCompliantPolicies ?? 0),
    assignments,
  };
}
