/** How a remediation plan is cut up: resources per chunk sub-orchestration, and per plan-store chunk. */
export const PLAN_CHUNK = 100;

/** How many resources a workflow's plan covers, inline or staged (pure: callers outside the workflows use it too). */
export function plannedCount(input: { resources: readonly unknown[]; plan?: { resources: number } }): number {
  return input.plan?.resources ?? input.resources.length;
}
