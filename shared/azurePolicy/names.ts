/**
 * The names Governor's Azure Policy objects carry, shared by the export, the template, the
 * exemptions Governor writes and the guard that honours exemptions: one initiative, assigned once.
 */
import { resourceNameOf } from "../azure/resourceId.ts";

/** The initiative (policy set definition) `governor export azure-policy` writes. */
export const GOVERNOR_INITIATIVE_NAME = "governor-baseline";
/** The assignment of that initiative the template deploys at the subscription. */
export const GOVERNOR_ASSIGNMENT_NAME = "governor-baseline";

export const governorAssignmentId = (subscriptionId: string): string =>
  `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/policyAssignments/${GOVERNOR_ASSIGNMENT_NAME}`;

/**
 * Each reference of the initiative is named after the Governor policy it comes from:
 * `<policy>` or `<policy>.<part>` (Governor policy names are kebab-case, never with a dot).
 */
export const referenceId = (policy: string, part?: string): string => (part === undefined ? policy : `${policy}.${part}`);

export const policyOfReference = (reference: string): string => reference.split(".")[0] as string;

/** Whether an ARM policy assignment id names Governor's assignment (ids compare case-insensitively). */
export const isGovernorAssignment = (assignmentId: string): boolean =>
  resourceNameOf(assignmentId).toLowerCase() === GOVERNOR_ASSIGNMENT_NAME;
