/**
 * The approval sub-orchestration: ask, then wait for the `ApprovalDecision` event raced against a
 * durable timer. This is the seam the approvals work completes (delivery to Teams and email,
 * escalation, snooze, exemptions); today it asks through the `requestApproval` activity, takes an
 * approve or reject decision for all or some resources, and on timeout applies the policy's
 * `onTimeout` (skip unless the policy says approve).
 */
import * as df from "durable-functions";
import type { OrchestrationContext, OrchestrationHandler, Task } from "durable-functions";
import { ACTIVITIES, EVENTS, ORCHESTRATIONS } from "./names.ts";

export interface ApprovalInput {
  policy: string;
  action: string;
  resources: Array<{ resourceId: string; resourceName: string; reason: string; estimatedMonthlySavings: number }>;
  approvers: string[];
  timeoutMs: number;
  onTimeout: "skip" | "approve";
}

export interface ApprovalDecision {
  outcome: "approved" | "rejected" | "partially-approved" | "timed-out";
  approvedResourceIds: string[];
  decidedBy: string;
  reason: string;
}

/** What the approval endpoint raises: a decision on all the plan's resources, or on some of them. */
export interface ApprovalEvent {
  decision: "approve" | "reject";
  resourceIds?: string[];
  decidedBy: string;
  comment?: string;
}

export function decide(input: ApprovalInput, event: unknown): ApprovalDecision {
  const planned = input.resources.map((resource) => resource.resourceId);
  const candidate = event as Partial<ApprovalEvent> | null;
  if (
    candidate === null ||
    typeof candidate !== "object" ||
    (candidate.decision !== "approve" && candidate.decision !== "reject") ||
    typeof candidate.decidedBy !== "string"
  ) {
    // An unreadable decision never approves anything.
    return {
      outcome: "rejected",
      approvedResourceIds: [],
      decidedBy: "governor",
      reason: "the decision could not be read: nothing approved",
    };
  }
  if (candidate.decision === "reject") {
    return { outcome: "rejected", approvedResourceIds: [], decidedBy: candidate.decidedBy, reason: candidate.comment ?? "rejected" };
  }
  const chosen =
    candidate.resourceIds === undefined
      ? planned
      : planned.filter((id) => candidate.resourceIds?.some((pick) => pick.toLowerCase() === id.toLowerCase()));
  return {
    outcome: chosen.length === planned.length ? "approved" : "partially-approved",
    approvedResourceIds: chosen,
    decidedBy: candidate.decidedBy,
    reason: candidate.comment ?? (chosen.length === planned.length ? "approved" : `approved ${chosen.length} of ${planned.length}`),
  };
}

export const approvalOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<ApprovalInput>();
  context.df.setCustomStatus({ stage: "awaiting-approval", approvers: input.approvers, resources: input.resources.length });
  yield context.df.callActivity(ACTIVITIES.requestApproval, { ...input, instanceId: context.df.instanceId });

  const deadline = new Date(context.df.currentUtcDateTime.getTime() + input.timeoutMs);
  const timeout = context.df.createTimer(deadline);
  const decision: Task = context.df.waitForExternalEvent(EVENTS.approvalDecision);
  const winner = (yield context.df.Task.any([decision, timeout])) as Task;
  if (winner === decision) {
    timeout.cancel();
    return decide(input, decision.result);
  }
  if (input.onTimeout === "approve") {
    return {
      outcome: "approved",
      approvedResourceIds: input.resources.map((resource) => resource.resourceId),
      decidedBy: "governor (policy onTimeout: approve)",
      reason: "no decision before the timeout; the policy approves on timeout",
    } satisfies ApprovalDecision;
  }
  return {
    outcome: "timed-out",
    approvedResourceIds: [],
    decidedBy: "governor",
    reason: "no decision before the timeout: skipped",
  } satisfies ApprovalDecision;
};

df.app.orchestration(ORCHESTRATIONS.approval, approvalOrchestrator);
