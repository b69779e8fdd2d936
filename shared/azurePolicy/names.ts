/**
 * The names Governor's Azure Policy objects carry, shared by the export, the template, the
 * exemptions Governor writes and the guard that honours exemptions: one initiative, assigned once.
 */
import { resourceNameOf } from "../azure/resourceId.ts";
import { createHash } from "node:crypto";
import type { GovernorExemptionOrigin } from "../policy/types.ts";

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

/** Every exemption Governor writes is named with this prefix (and says so in its metadata). */
export const GOVERNOR_EXEMPTION_PREFIX = "governor-";
/** ARM's limit on a policy exemption's name. */
const EXEMPTION_NAME_MAX = 64;

/** The exemption an approver's "exempt until" writes on a resource for a policy (one per resource and policy). */
export const approvalExemptionName = (policy: string): string => `${GOVERNOR_EXEMPTION_PREFIX}${policy}`.slice(0, EXEMPTION_NAME_MAX);

/**
 * The exemption a policy file's `exemptions:` entry writes on a resource for a policy. The `_`
 * (never in a policy name) keeps it apart from an approver's of the same policy; a name too long
 * for ARM keeps its start and ends with a hash of the whole.
 */
export function fileExemptionName(policy: string): string {
  const name = `${GOVERNOR_EXEMPTION_PREFIX}file_${policy}`;
  if (name.length <= EXEMPTION_NAME_MAX) return name;
  const hash = createHash("sha256").update(name, "utf8").digest("hex").slice(0, 12);
  return `${name.slice(0, EXEMPTION_NAME_MAX - hash.length - 1)}_${hash}`;
}

/**
 * Whether Governor wrote an exemption, and from what: its name has Governor's prefix and its
 * metadata names the Governor policy. Exemptions of anyone else are read and honoured, never changed.
 */
export function governorOrigin(name: string, metadata: unknown): GovernorExemptionOrigin | undefined {
  if (!name.toLowerCase().startsWith(GOVERNOR_EXEMPTION_PREFIX) || typeof metadata !== "object" || metadata === null) return undefined;
  const strings = Object.fromEntries(
    Object.entries(metadata as Record<string, unknown>).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
  const policy = strings.governorPolicy;
  if (policy === undefined) return undefined;
  if (strings.source === "policy-file")
    return { policy, source: "policy-file", ...(strings.entry === undefined ? {} : { entry: strings.entry }), metadata: strings };
  if (strings.approvalInstance !== undefined) return { policy, source: "approval", metadata: strings };
  return undefined;
}
