/**
 * Who decides approvals on this machine: the local host signs in one person (App Service
 * authentication's part in Azure) holding every approver role the policies name, so each
 * request can be decided locally.
 */
import type { Policy } from "../shared/policy/types.ts";

/** GOVERNOR_LOCAL_APPROVER_ROLES for these policies: their approver and escalation roles (not people), comma-separated. */
export function localApproverRoles(policies: ReadonlyArray<Pick<Policy, "approval">>): string {
  const names = new Set(policies.flatMap((policy) => [...(policy.approval?.approvers ?? []), ...(policy.approval?.escalation ?? [])]));
  return [...names].filter((name) => !name.includes("@")).join(",");
}
