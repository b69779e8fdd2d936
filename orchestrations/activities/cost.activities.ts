/**
 * The activities of the budget responses: plan the cost policies, and record the notice (the
 * forecast or spend with the proposals) and send it to people (Teams and email, through the one
 * delivery module of shared/notifications).
 */
import { type AuditRecord, GOVERNOR_ACTOR, type Json } from "../../shared/audit/record.ts";
import { now } from "../../shared/clock.ts";
import { plan } from "../../shared/planner.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import type { Evaluation } from "../../shared/policy/evaluate.ts";
import type { Finding, Policy, PolicySet } from "../../shared/policy/types.ts";
import { costPolicies } from "../../shared/triggers/budgetAlerts.ts";
import type {
  CostNoticeInput,
  CostNoticeResult,
  CostPlan,
  CostProposal,
  NoticeDelivery,
  PlanCostResponseInput,
} from "../costContainment.ts";
import { budgetNotice } from "../../shared/notifications/budget.ts";
import { sendNotification } from "../../shared/notifications/send.ts";
import { registerActivity } from "../calls.ts";
import { ACTIVITIES } from "../names.ts";
import { remediationsFor } from "../remediations.ts";
import { dependencies, targetOf } from "./remediation.activities.ts";

/** Resources listed per policy in a notice: the largest savings; the rest are counted. */
const LISTED_PER_POLICY = 20;

/** What each cost policy would do, from the findings of a plan: largest savings first, guarded ones counted apart. */
export function proposalsOf(findings: readonly Finding[], policies: readonly Policy[]): CostProposal[] {
  const proposals: CostProposal[] = [];
  for (const policy of policies) {
    const mine = findings.filter((finding) => finding.policy === policy.name && finding.effect !== "none");
    const proposed = mine
      .filter((finding) => finding.verdict !== "blocked")
      .sort((a, b) => b.estimatedMonthlySavings - a.estimatedMonthlySavings || a.resourceName.localeCompare(b.resourceName));
    if (proposed.length === 0) continue;
    proposals.push({
      policy: policy.name,
      action: policy.action.type,
      mode: policy.mode,
      resources: proposed.slice(0, LISTED_PER_POLICY).map((finding) => ({
        resourceId: finding.resourceId,
        resourceName: finding.resourceName,
        verdict: finding.verdict as "remediate" | "needs-approval" | "audit",
        reason: finding.reason,
        estimatedMonthlySavings: finding.estimatedMonthlySavings,
      })),
      more: Math.max(0, proposed.length - LISTED_PER_POLICY),
      blocked: mine.length - proposed.length,
      estimatedMonthlySavings: Math.round(proposed.reduce((sum, finding) => sum + finding.estimatedMonthlySavings, 0) * 100) / 100,
    });
  }
  return proposals;
}

/** The cost policies' plan: what containment would stop, and the proposals a notice lists. */
export async function planCostResponse(
  input: PlanCostResponseInput,
  policySet: PolicySet,
  planOf: (set: PolicySet) => Promise<Evaluation>,
): Promise<CostPlan> {
  const { policies, notUsed } = costPolicies(policySet, input.policies);
  const subset: PolicySet = { ...policySet, policies };
  if (policies.length === 0) {
    return { policies: [], notUsed, proposals: [], starts: [], estimatedMonthlySavings: 0, currency: policySet.settings.currency };
  }
  const evaluation = await planOf(subset);
  return {
    policies: policies.map((policy) => policy.name),
    notUsed,
    proposals: proposalsOf(evaluation.findings, policies),
    starts: remediationsFor(evaluation, subset, { scope: input.instanceId, trigger: { type: "budget-alert", id: input.instanceId } }),
    estimatedMonthlySavings: evaluation.summary.estimatedMonthlySavings,
    currency: evaluation.summary.currency,
  };
}

async function planCostResponseActivity(input: PlanCostResponseInput): Promise<CostPlan> {
  const { target, targets, policySet } = await dependencies();
  // The budget's own subscription is planned: each governed subscription has its budget, and its
  // alert proposes stopping its own compute (the handler took only governed subscriptions' alerts).
  const subscription = input.alert.subscriptionId;
  const planned = subscription === undefined ? target : targetOf(targets, `/subscriptions/${subscription}`);
  return planCostResponse(input, policySet, async (set) => (await plan(planned, set, now(), builtinRegistry())).evaluation);
}

function amount(value: number, currency: string | undefined): string {
  const text = value.toLocaleString("en-US", { maximumFractionDigits: 0 });
  return currency ? `${text} ${currency}` : text;
}

function proposalLine(proposals: readonly CostProposal[], total: number, currency: string): string {
  if (proposals.length === 0) return "No non-production compute to propose stopping.";
  const parts = proposals.map((proposal) => {
    const count = proposal.resources.length + proposal.more;
    const names = proposal.resources
      .slice(0, 3)
      .map((resource) => resource.resourceName)
      .join(", ");
    const audit = proposal.mode === "audit" ? ", in audit mode" : "";
    return `${proposal.action} ${count} under ${proposal.policy}${audit} (${names}${count > 3 ? ", …" : ""})`;
  });
  return `Proposed: ${parts.join("; ")}: about ${amount(total, currency)} a month.`;
}

/** The notice of a budget response, as the audit trail keeps it: one per response instance. */
export function costNoticeRecord(input: CostNoticeInput, at: string): AuditRecord {
  const { plan: costPlan } = input;
  const containment =
    input.response === "contain"
      ? input.remediations && input.remediations.length > 0
        ? ` Approval asked before anything is stopped (${input.remediations.length} workflow(s)).`
        : " Nothing to stop: no approval asked."
      : "";
  const reason = `${input.reason}. ${proposalLine(costPlan.proposals, costPlan.estimatedMonthlySavings, costPlan.currency)}${containment}`;
  const details = JSON.parse(
    JSON.stringify({
      response: input.response,
      alert: input.alert,
      proposals: costPlan.proposals,
      policies: costPlan.policies,
      notUsed: costPlan.notUsed.length > 0 ? costPlan.notUsed : undefined,
      estimatedMonthlySavings: costPlan.estimatedMonthlySavings,
      currency: costPlan.currency,
      remediations: input.remediations,
    }),
  ) as Json;
  return {
    id: `${input.instanceId}:notice`,
    at,
    kind: "notice",
    action: input.response,
    reason: reason.length > 8000 ? `${reason.slice(0, 7997)}...` : reason,
    instanceId: input.instanceId,
    trigger: { type: "budget-alert", id: input.instanceId },
    actor: GOVERNOR_ACTOR,
    details,
  };
}

/** Delivers the notice to the Teams channel and the platform team's email (shared/notifications). */
export async function deliverCostNotice(input: CostNoticeInput): Promise<NoticeDelivery> {
  const { config, trail } = await dependencies();
  const { report, summary } = await sendNotification(
    budgetNotice({
      instanceId: input.instanceId,
      response: input.response,
      alert: input.alert,
      reason: input.reason,
      proposals: input.plan.proposals,
      estimatedMonthlySavings: input.plan.estimatedMonthlySavings,
      currency: input.plan.currency,
      ...(input.remediations ? { remediations: input.remediations } : {}),
      ...(config.subscriptions.length > 1 ? { subscription: input.alert.subscriptionId ?? config.subscriptionId } : {}),
    }),
    { config, trail, trigger: { type: "budget-alert", id: input.instanceId } },
  );
  const channels = report?.channels ?? [];
  return {
    delivered: channels.some((channel) => channel.status === "delivered" || (channel.status === "already-sent" && !channel.error)),
    channels: channels.map((channel) => `${channel.channel}: ${channel.status}`),
    reason: summary,
  };
}

async function recordCostNoticeActivity(input: CostNoticeInput): Promise<CostNoticeResult> {
  const { trail } = await dependencies();
  const record = costNoticeRecord(input, now().toISOString());
  await trail.append([record]);
  return { id: record.id, recorded: true, delivery: await deliverCostNotice(input) };
}

/** The handles the budget responses call these activities by. */
export const costActivities = {
  planCostResponse: registerActivity(ACTIVITIES.planCostResponse, planCostResponseActivity),
  recordCostNotice: registerActivity(ACTIVITIES.recordCostNotice, recordCostNoticeActivity),
};
