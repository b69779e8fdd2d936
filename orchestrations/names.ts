/** Names of Governor's orchestrations, activities and events: the contract between them and the triggers. */
export const ORCHESTRATIONS = {
  remediate: "remediate",
  approval: "approval",
} as const;

export const ACTIVITIES = {
  applyRemediation: "applyRemediation",
  verifyRemediation: "verifyRemediation",
  recordAudit: "recordAudit",
  requestApproval: "requestApproval",
  nextScheduleStarts: "nextScheduleStarts",
} as const;

export const EVENTS = {
  /** Raised on an approval instance by the approval endpoint (or the CLI's --auto-approve). */
  approvalDecision: "ApprovalDecision",
} as const;

/**
 * Instance ids derive from what a workflow acts on, so a duplicate event or a retried timer
 * finds the running instance instead of starting a second one.
 */
export function remediationInstanceId(policy: string, scope: string): string {
  return `remediate:${policy}:${scope}`
    .toLowerCase()
    .replace(/[^a-z0-9:._-]+/g, "-")
    .slice(0, 256);
}
