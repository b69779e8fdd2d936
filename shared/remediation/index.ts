/**
 * Remediation: the I/O core Durable activities call to change Azure safely. One request, one
 * resource, one outcome; re-read, re-decided, idempotent, retried and verified.
 */
export { applyRemediation, type RemediationDeps } from "./apply.ts";
export { executorFor } from "../actions/index.ts";
export type { Executor, RemediationOptions } from "./executor.ts";
export type { OutcomeKind, RemediationOutcome, RemediationRequest, ResourceState } from "./types.ts";
