/**
 * The approval sub-orchestration: ask (the `requestApproval` activity delivers one request for
 * the whole plan to Teams and by email, with a signed link), then wait for the `ApprovalDecision`
 * event raced against a durable timer, cancelling the timer that lost.
 *
 * - Approve (all or some), reject, exempt until a date (the exemptions are written, those
 *   resources skipped): the decision is returned to the remediation, which records who decided.
 * - Snooze: a timer until the snooze ends, then the plan is asked for again (re-read, new link).
 * - No answer: escalate once to the policy's escalation approvers, then apply `onTimeout`
 *   (skip unless the policy says approve).
 * - Configured channels all failed: the request is reported as undelivered and nothing is
 *   approved, rather than timing out as though people had been asked.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import type { ApprovalEvent, ApprovalRequestResult } from "../shared/approvals/decision.ts";
import { approvalActivities } from "./activities/approval.activities.ts";
import { call, registerOrchestration } from "./calls.ts";
import { EVENTS, ORCHESTRATIONS } from "./names.ts";

export type { ApprovalEvent, ApprovalRequestResult };

export interface ApprovalInput {
  policy: string;
  action: string;
  /** The plan, or for a plan larger than one chunk its first chunk (what the request shows row by row). */
  resources: Array<{ resourceId: string; resourceName: string; reason: string; estimatedMonthlySavings: number }>;
  /** The whole plan's size and savings when `resources` shows only its first chunk. */
  total?: { resources: number; estimatedMonthlySavings: number };
  approvers: string[];
  /** Asked once when nobody answered the approvers in time; empty: no escalation. */
  escalation?: string[];
  timeoutMs: number;
  onTimeout: "skip" | "approve";
}

export interface ApprovalDecision {
  outcome: "approved" | "rejected" | "partially-approved" | "exempted" | "timed-out" | "undelivered";
  /** The whole plan is approved, including resources the request did not list one by one. */
  approvedAll?: boolean;
  /** Approved resources among those the request listed (a large plan approved whole: see `approvedAll`). */
  approvedResourceIds: string[];
  /** Resources exempted by the decision (skipped, with an exemption written until `exemptUntil`). */
  exemptedResourceIds?: string[];
  exemptUntil?: string;
  decidedBy: string;
  reason: string;
}

export interface ApprovalRequestInput extends ApprovalInput {
  instanceId: string;
  /** 0 for the first request; each snooze or escalation asks again with a new round. */
  round: number;
  /** Who this round is sent to (the approvers, or the escalation approvers). */
  audience: string[];
  escalated: boolean;
  /** When the links of this round expire: the end of the wait. */
  expiresAt: string;
}

/** Custom status while a decision is awaited: the approval endpoint checks tokens and identities against it. */
export interface AwaitingApprovalStatus {
  stage: "awaiting-approval";
  approvers: string[];
  resources: number;
  round: number;
  planHash: string;
  expiresAt: string;
  escalated: boolean;
}

/** Activities retry on thrown errors (storage or Azure unreachable); delivery failures come back as data. */
const RETRY = new df.RetryOptions(2_000, 3);

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

function unreadable(): ApprovalDecision {
  // An unreadable decision never approves anything.
  return {
    outcome: "rejected",
    approvedResourceIds: [],
    decidedBy: "governor",
    reason: "the decision could not be read: nothing approved",
  };
}

export function decide(input: ApprovalInput, event: unknown): ApprovalDecision {
  const planned = input.resources.map((resource) => resource.resourceId);
  const candidate = event as Partial<ApprovalEvent> | null;
  if (
    candidate === null ||
    typeof candidate !== "object" ||
    !["approve", "reject", "exempt"].includes(String(candidate.decision)) ||
    typeof candidate.decidedBy !== "string"
  ) {
    return unreadable();
  }
  if (candidate.decision === "reject") {
    return { outcome: "rejected", approvedResourceIds: [], decidedBy: candidate.decidedBy, reason: candidate.comment ?? "rejected" };
  }
  const exempt = candidate.exempt;
  if (exempt !== undefined && (!Array.isArray(exempt.resourceIds) || typeof exempt.until !== "string")) return unreadable();
  const exempted = planned.filter((id) => exempt?.resourceIds.some((pick) => same(pick, id)) ?? false);
  if (candidate.decision === "exempt") {
    if (exempted.length === 0) return unreadable();
    return {
      outcome: "exempted",
      approvedResourceIds: [],
      exemptedResourceIds: exempted,
      exemptUntil: exempt?.until,
      decidedBy: candidate.decidedBy,
      reason: candidate.comment ?? `exempted ${exempted.length} of ${planned.length} until ${exempt?.until}`,
    };
  }
  const open = planned.filter((id) => !exempted.includes(id));
  const chosen =
    candidate.resourceIds === undefined ? open : open.filter((id) => candidate.resourceIds?.some((pick) => same(pick, id)) ?? false);
  const reason =
    chosen.length === planned.length
      ? "approved"
      : `approved ${chosen.length} of ${planned.length}${exempted.length > 0 ? `, exempted ${exempted.length} until ${exempt?.until}` : ""}`;
  const whole = chosen.length === planned.length;
  return {
    outcome: whole ? "approved" : "partially-approved",
    ...(whole ? { approvedAll: true } : {}),
    approvedResourceIds: chosen,
    ...(exempted.length > 0 ? { exemptedResourceIds: exempted, exemptUntil: exempt?.until } : {}),
    decidedBy: candidate.decidedBy,
    reason: candidate.comment ?? reason,
  };
}

/** A snooze's end, when the event carries a readable one after now; undefined otherwise. */
export function snoozeEnd(event: unknown, now: Date): Date | undefined {
  const candidate = event as Partial<ApprovalEvent> | null;
  if (candidate?.decision !== "snooze" || typeof candidate.snoozeUntil !== "string" || typeof candidate.decidedBy !== "string")
    return undefined;
  const until = new Date(candidate.snoozeUntil);
  return Number.isNaN(until.getTime()) || until.getTime() <= now.getTime() ? undefined : until;
}

function* approvalOrchestrator(context: OrchestrationContext, input: ApprovalInput): Generator<Task, ApprovalDecision, unknown> {
  const instanceId = context.df.instanceId;
  const escalation = input.escalation ?? [];
  let escalated = false;
  let round = 0;
  // One pending wait for the decision across rounds: a wait left behind by a timeout would take the next event.
  let decision: Task = context.df.waitForExternalEvent(EVENTS.approvalDecision);

  for (;;) {
    const approvers = escalated ? [...input.approvers, ...escalation.filter((name) => !input.approvers.includes(name))] : input.approvers;
    context.df.setCustomStatus({ stage: "requesting", approvers, resources: input.total?.resources ?? input.resources.length, round });
    const expiresAt = new Date(context.df.currentUtcDateTime.getTime() + input.timeoutMs).toISOString();
    const request: ApprovalRequestInput = {
      ...input,
      instanceId,
      round,
      audience: escalated ? escalation : input.approvers,
      approvers,
      escalated,
      expiresAt,
    };
    const sent = yield* call(context, approvalActivities.requestApproval, request, RETRY);
    if (sent.delivery === "failed") {
      const errors = sent.channels.map((channel) => `${channel.channel}: ${channel.error ?? "not delivered"}`).join("; ");
      return {
        outcome: "undelivered",
        approvedResourceIds: [],
        decidedBy: "governor",
        reason: `the approval request could not be delivered anywhere (${errors}): nothing approved`,
      } satisfies ApprovalDecision;
    }
    const status: AwaitingApprovalStatus = {
      stage: "awaiting-approval",
      approvers,
      resources: input.total?.resources ?? input.resources.length,
      round,
      planHash: sent.planHash,
      expiresAt,
      escalated,
    };
    context.df.setCustomStatus(status);

    const timeout = context.df.createTimer(new Date(expiresAt));
    const winner = (yield context.df.Task.any([decision, timeout])) as Task;
    if (winner === decision) {
      timeout.cancel();
      const event = decision.result;
      const until = snoozeEnd(event, context.df.currentUtcDateTime);
      if (until !== undefined) {
        const by = (event as ApprovalEvent).decidedBy;
        yield* call(
          context,
          approvalActivities.recordApprovalStep,
          {
            instanceId,
            policy: input.policy,
            action: input.action,
            step: `snoozed-${round}`,
            reason: `snoozed by ${by} until ${until.toISOString()}: asked again then`,
            decidedBy: by,
          },
          RETRY,
        );
        context.df.setCustomStatus({
          stage: "snoozed",
          approvers,
          resources: input.total?.resources ?? input.resources.length,
          round,
          until: until.toISOString(),
        });
        yield context.df.createTimer(until);
        decision = context.df.waitForExternalEvent(EVENTS.approvalDecision);
        round += 1;
        continue;
      }
      const decided = decide(input, event);
      // `decide` sets exemptUntil whenever it exempts anything.
      if (decided.exemptedResourceIds !== undefined && decided.exemptedResourceIds.length > 0 && decided.exemptUntil !== undefined) {
        yield* call(
          context,
          approvalActivities.writeExemptions,
          {
            instanceId,
            policy: input.policy,
            action: input.action,
            resourceIds: decided.exemptedResourceIds,
            until: decided.exemptUntil,
            decidedBy: decided.decidedBy,
            reason: decided.reason,
          },
          RETRY,
        );
      }
      return decided;
    }

    if (!escalated && escalation.length > 0) {
      escalated = true;
      round += 1;
      continue;
    }
    if (input.onTimeout === "approve") {
      return {
        outcome: "approved",
        approvedAll: true,
        approvedResourceIds: input.resources.map((resource) => resource.resourceId),
        decidedBy: "governor (policy onTimeout: approve)",
        reason: `no decision before the timeout${escalated ? " nor after escalation" : ""}; the policy approves on timeout`,
      } satisfies ApprovalDecision;
    }
    return {
      outcome: "timed-out",
      approvedResourceIds: [],
      decidedBy: "governor",
      reason: `no decision before the timeout${escalated ? ` nor after escalation to ${escalation.join(", ")}` : ""}: skipped`,
    } satisfies ApprovalDecision;
  }
}

export const approval = registerOrchestration(ORCHESTRATIONS.approval, approvalOrchestrator);
