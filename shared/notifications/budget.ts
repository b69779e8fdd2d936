/**
 * The budget notice as a message: the forecast or the actual spend against the budget, the top
 * non-production spenders each cost policy would stop with the savings, and, when containment asks
 * for approval, which workflows ask (each request comes with its own link, to the same people).
 */
import type { BudgetAlert, BudgetResponse } from "../triggers/budgetAlerts.ts";
import type { Line, Notification } from "./message.ts";

export interface BudgetNoticeInput {
  instanceId: string;
  response: BudgetResponse;
  alert: BudgetAlert;
  reason: string;
  proposals: Array<{
    policy: string;
    action: string;
    mode: "audit" | "enforce";
    resources: Array<{ resourceName: string; reason: string; estimatedMonthlySavings: number }>;
    more: number;
    blocked: number;
    estimatedMonthlySavings: number;
  }>;
  estimatedMonthlySavings: number;
  currency: string;
  remediations?: string[];
  /** The approval page of each containment workflow, when one can be linked already. */
  approvalLinks?: Array<{ title: string; url: string }>;
  /** The budget's subscription, named when Governor governs more than one (their budgets share a name). */
  subscription?: string;
}

/** Spenders listed per policy on the notice: the largest savings. */
export const TOP_SPENDERS = 10;

const money = (value: number, currency: string | undefined): string =>
  `${Math.round(value).toLocaleString("en-US")}${currency ? ` ${currency}` : ""}`;

export function budgetNotice(input: BudgetNoticeInput): Notification {
  const { alert } = input;
  const currency = alert.currency ?? input.currency;
  const share = alert.budgetAmount > 0 ? Math.round((alert.spend / alert.budgetAmount) * 100) : undefined;
  const what = alert.thresholdType === "Forecasted" ? "forecast spend" : "actual spend";
  const sections: Array<{ heading: string; lines: Line[] }> = input.proposals.map((proposal) => ({
    heading: `${proposal.action} under ${proposal.policy}${proposal.mode === "audit" ? " (audit mode: proposed only)" : ""}: about ${money(proposal.estimatedMonthlySavings, input.currency)} a month`,
    lines: [
      ...proposal.resources
        .slice(0, TOP_SPENDERS)
        .map(
          (resource) =>
            `${resource.resourceName}: saves ${money(resource.estimatedMonthlySavings, input.currency)} a month; ${resource.reason}`,
        ),
      ...(proposal.resources.length + proposal.more > TOP_SPENDERS
        ? [`and ${proposal.resources.length + proposal.more - TOP_SPENDERS} more`]
        : []),
      ...(proposal.blocked > 0 ? [`${proposal.blocked} kept out by a guard (production, exemptions, change freezes)`] : []),
    ],
  }));
  if (input.response === "contain" && (input.remediations?.length ?? 0) > 0)
    sections.push({
      heading: "Approval asked before anything is stopped",
      lines: (input.remediations ?? []).map(
        (id) => `${id}: the request, with its approval link, goes to the approvers in Teams and by email`,
      ),
    });
  return {
    id: `budget-notice:${input.instanceId}`,
    kind: "budget-notice",
    audience: { type: "platform" },
    title: `Budget ${alert.budgetName}${input.subscription === undefined ? "" : ` of subscription ${input.subscription}`}: ${what} ${money(alert.spend, currency)} of ${money(alert.budgetAmount, currency)}${share === undefined ? "" : ` (${share} %)`}`,
    summary:
      input.proposals.length === 0
        ? `${input.reason}. No non-production compute to propose stopping.`
        : `${input.reason}. Stopping the non-production compute below would save about ${money(input.estimatedMonthlySavings, input.currency)} a month.`,
    ...(input.response === "contain" ? { severity: "attention" as const } : {}),
    facts: [
      { title: "Budget", value: `${alert.budgetName}, from ${alert.periodStart}` },
      ...(input.subscription === undefined ? [] : [{ title: "Subscription", value: input.subscription }]),
      { title: alert.thresholdType === "Forecasted" ? "Forecast" : "Spent", value: money(alert.spend, currency) },
      { title: "Threshold", value: `${alert.thresholdPercent} % (${alert.thresholdType.toLowerCase()})` },
      { title: "Response", value: input.response === "contain" ? "containment: approval asked" : "notice: nothing is stopped" },
    ],
    sections,
    ...(input.approvalLinks && input.approvalLinks.length > 0 ? { links: input.approvalLinks } : {}),
  };
}
