/** How a remediation plan is cut up: resources per chunk sub-orchestration, and per plan-store chunk. */
export const PLAN_CHUNK = 100;
