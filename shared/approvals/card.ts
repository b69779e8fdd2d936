/**
 * The Teams message: an Adaptive Card (version 1.5, the highest Teams renders) in the envelope a
 * Teams Workflows webhook accepts. Workflows post cards without a bot, so the card's buttons are
 * `Action.OpenUrl` to the approval page (with the decision preselected), never `Action.Execute`:
 * the decision is taken and confirmed on the page, by a signed-in approver.
 */
import { describeState, formatMoney, plannedResources, planTitle, subscriptionLine, totalSavings } from "./approvalPlan.ts";
import { type ApprovalRequest, formatDeadline, linkWithIntent } from "./request.ts";

/** Rows shown on the card; the page lists the rest (Teams limits a card's size). */
export const CARD_MAX_ROWS = 15;

export type AdaptiveCard = Record<string, unknown> & { type: "AdaptiveCard"; version: string };

export function approvalCard(request: ApprovalRequest): AdaptiveCard {
  const { plan } = request;
  const rows = plan.resources.slice(0, CARD_MAX_ROWS).map((resource) => ({
    type: "Container",
    separator: true,
    items: [
      {
        type: "ColumnSet",
        columns: [
          { type: "Column", width: "stretch", items: [{ type: "TextBlock", text: resource.resourceName, weight: "Bolder", wrap: true }] },
          {
            type: "Column",
            width: "auto",
            items: [
              { type: "TextBlock", text: formatMoney(resource.estimatedMonthlySavings, plan.currency), horizontalAlignment: "Right" },
            ],
          },
        ],
      },
      { type: "TextBlock", text: describeState(resource), isSubtle: true, spacing: "None", wrap: true },
      ...(request.nameSubscriptions
        ? [{ type: "TextBlock", text: subscriptionLine(resource), isSubtle: true, spacing: "None", size: "Small", wrap: true }]
        : []),
      { type: "TextBlock", text: resource.reason, wrap: true, spacing: "Small", size: "Small" },
    ],
  }));
  const more = plannedResources(plan) - rows.length;
  return {
    type: "AdaptiveCard",
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    version: "1.5",
    body: [
      { type: "TextBlock", text: request.escalated ? "Escalated: no answer yet" : "Approval needed", isSubtle: true, wrap: true },
      { type: "TextBlock", text: planTitle(plan), style: "heading", size: "Medium", weight: "Bolder", wrap: true },
      {
        type: "FactSet",
        facts: [
          { title: "Policy", value: plan.policy },
          { title: "Action", value: plan.action },
          { title: "Resources", value: String(plannedResources(plan)) },
          { title: "Saves", value: `about ${formatMoney(totalSavings(plan), plan.currency)} a month` },
          { title: "Decide by", value: `${formatDeadline(request.expiresAt)} (then: nothing is done)` },
          { title: "Approvers", value: request.approvers.join(", ") },
        ],
      },
      ...rows,
      ...(more > 0 ? [{ type: "TextBlock", text: `and ${more} more on the approval page`, isSubtle: true, wrap: true }] : []),
    ],
    actions: [
      { type: "Action.OpenUrl", title: "Approve…", url: linkWithIntent(request.link, "approve"), style: "positive" },
      { type: "Action.OpenUrl", title: "Reject…", url: linkWithIntent(request.link, "reject"), style: "destructive" },
      { type: "Action.OpenUrl", title: "Snooze 2 h…", url: linkWithIntent(request.link, "snooze") },
      { type: "Action.OpenUrl", title: "Exempt until…", url: linkWithIntent(request.link, "exempt") },
    ],
  };
}

/** The Workflows envelope is the notifications' (one delivery module for every message). */
export { teamsMessage } from "../notifications/channels.ts";
