/**
 * The shape every remediation shares: plan → approval (if the policy requires it) → apply per
 * resource, fanned out with failures isolated → verify → record. One instance per policy and
 * scope (see `remediationInstanceId`). The orchestrator only sequences: activities do the I/O,
 * and each of them re-reads the resource and re-checks the guards before changing anything.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import type { RemediationOutcome } from "../shared/remediation/types.ts";
import type { ActionSpec, ApprovalSpec } from "../shared/policy/types.ts";
import type { ApprovalDecision, ApprovalInput } from "./approval.ts";
import type { ScheduleStart } from "./activities/remediation.activities.ts";
import { ACTIVITIES, ORCHESTRATIONS } from "./names.ts";

export interface RemediateInput {
  policy: string;
  action: ActionSpec;
  approval?: ApprovalSpec;
  /** Approves the whole plan without asking (the CLI's --auto-approve, for demos and tests). */
  autoApprove?: boolean;
  resources: Array<{ resourceId: string; resourceName: string; reason: string; estimatedMonthlySavings: number }>;
  /** What started the workflow; `creator` (from an event's claims) only for a tag action that takes the owner from the event. */
  trigger: { type: "event" | "timer" | "budget-alert" | "cli" | "manual"; id?: string; creator?: string };
  /** Off-hours policies: start what was stopped again when its schedule window begins. */
  restartAtScheduleStart?: boolean;
}

export interface RemediateResult {
  policy: string;
  action: string;
  approval: ApprovalDecision;
  outcomes: RemediationOutcome[];
  /** Off-hours policies: the starts at the beginning of each resource's schedule window. */
  restarts?: RemediationOutcome[];
  counts: Record<RemediationOutcome["outcome"], number>;
}

/** Activities retry on thrown errors only: Azure failures come back as `failed` outcomes. */
const RETRY = new df.RetryOptions(2_000, 3);

function counts(outcomes: RemediationOutcome[]): RemediateResult["counts"] {
  const result = { applied: 0, "already-done": 0, skipped: 0, failed: 0 };
  for (const outcome of outcomes) result[outcome.outcome] += 1;
  return result;
}

export const remediateOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<RemediateInput>();
  const instanceId = context.df.instanceId;
  context.df.setCustomStatus({ stage: "planned", policy: input.policy, resources: input.resources.length });
  yield context.df.callActivity(ACTIVITIES.recordAudit, {
    instanceId,
    stage: "plan",
    policy: input.policy,
    action: input.action.type,
    trigger: input.trigger,
    resources: input.resources,
  });

  let approval: ApprovalDecision;
  if (input.approval?.required && !input.autoApprove) {
    const request: ApprovalInput = {
      policy: input.policy,
      action: input.action.type,
      resources: input.resources,
      approvers: input.approval.approvers,
      escalation: input.approval.escalation,
      timeoutMs: input.approval.timeoutMs,
      onTimeout: input.approval.onTimeout,
    };
    approval = (yield context.df.callSubOrchestrator(ORCHESTRATIONS.approval, request, `${instanceId}:approval`)) as ApprovalDecision;
  } else {
    approval = {
      outcome: "approved",
      approvedResourceIds: input.resources.map((resource) => resource.resourceId),
      decidedBy: input.autoApprove ? "auto-approve" : "policy (no approval required)",
      reason: input.autoApprove ? "approved without asking (--auto-approve)" : "the policy requires no approval",
    };
  }
  yield context.df.callActivity(ACTIVITIES.recordAudit, {
    instanceId,
    stage: "approval",
    policy: input.policy,
    action: input.action.type,
    trigger: input.trigger,
    approval,
  });

  const approved = new Set(approval.approvedResourceIds.map((id) => id.toLowerCase()));
  context.df.setCustomStatus({ stage: "applying", policy: input.policy, approved: approved.size });
  const toApply = input.resources.filter((resource) => approved.has(resource.resourceId.toLowerCase()));
  // Task.all refuses an empty list: nothing approved means nothing to apply.
  const applied =
    toApply.length === 0
      ? []
      : ((yield context.df.Task.all(
          toApply.map((resource) =>
            context.df.callActivityWithRetry(ACTIVITIES.applyRemediation, RETRY, {
              policy: input.policy,
              action: input.action,
              resourceId: resource.resourceId,
              instanceId,
              trigger: input.trigger,
              approvedBy: approval.decidedBy,
            }),
          ),
        )) as RemediationOutcome[]);
  const exempted = new Set((approval.exemptedResourceIds ?? []).map((id) => id.toLowerCase()));
  const notApproved: RemediationOutcome[] = input.resources
    .filter((resource) => !approved.has(resource.resourceId.toLowerCase()))
    .map((resource) =>
      exempted.has(resource.resourceId.toLowerCase())
        ? {
            resourceId: resource.resourceId,
            action: input.action.type,
            outcome: "skipped",
            guard: "exemption",
            reason: `exempted until ${approval.exemptUntil} by ${approval.decidedBy}`,
          }
        : {
            resourceId: resource.resourceId,
            action: input.action.type,
            outcome: "skipped",
            guard: "approval",
            reason: `not approved: ${approval.reason}`,
          },
    );

  context.df.setCustomStatus({ stage: "verifying", policy: input.policy });
  const verified = (yield context.df.callActivity(ACTIVITIES.verifyRemediation, { outcomes: applied })) as RemediationOutcome[];
  const outcomes = [...verified, ...notApproved];
  yield context.df.callActivity(ACTIVITIES.recordAudit, {
    instanceId,
    stage: "outcome",
    policy: input.policy,
    action: input.action.type,
    trigger: input.trigger,
    outcomes,
  });

  const result: RemediateResult = { policy: input.policy, action: input.action.type, approval, outcomes, counts: counts(outcomes) };

  const stopped = verified
    .filter((outcome) => outcome.outcome === "applied" || outcome.outcome === "already-done")
    .map((outcome) => outcome.resourceId);
  if (input.restartAtScheduleStart && stopped.length > 0) {
    const found = (yield context.df.callActivity(ACTIVITIES.nextScheduleStarts, { resourceIds: stopped })) as ScheduleStart[];
    const starts = found.filter((start): start is Extract<ScheduleStart, { at: string }> => "at" in start);
    // A schedule that could not be read is that resource's failed start, reported now: the others still sleep until their window.
    result.restarts = found
      .filter((start): start is Extract<ScheduleStart, { errorCode: string }> => "errorCode" in start)
      .map((start) => ({
        resourceId: start.resourceId,
        policy: input.policy,
        action: "start",
        outcome: "failed",
        reason: start.reason,
        errorCode: start.errorCode,
      }));
    // Durable timers, one per distinct start time, in order: the workflow sleeps until the window opens.
    for (const at of [...new Set(starts.map((start) => start.at))].sort()) {
      context.df.setCustomStatus({ stage: "waiting-for-schedule", policy: input.policy, until: at });
      yield context.df.createTimer(new Date(at));
      const due = starts.filter((start) => start.at === at);
      const restarted = (yield context.df.Task.all(
        due.map((start) =>
          context.df.callActivityWithRetry(ACTIVITIES.applyRemediation, RETRY, {
            policy: input.policy,
            action: { type: "start", args: {} },
            resourceId: start.resourceId,
            instanceId,
            trigger: input.trigger,
            approvedBy: approval.decidedBy,
          }),
        ),
      )) as RemediationOutcome[];
      result.restarts.push(...restarted);
    }
    yield context.df.callActivity(ACTIVITIES.recordAudit, {
      instanceId,
      stage: "outcome",
      policy: input.policy,
      action: "start",
      trigger: input.trigger,
      outcomes: result.restarts,
    });
  }
  context.df.setCustomStatus({ stage: "done", policy: input.policy, counts: result.counts });
  return result;
};

df.app.orchestration(ORCHESTRATIONS.remediate, remediateOrchestrator);
