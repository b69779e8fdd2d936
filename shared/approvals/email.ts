/**
 * The approval email: a subject, an HTML body and a plain-text body (phones and screen readers
 * get the same plan), with the links to the approval page. Links only open the page: a mail
 * scanner following them decides nothing.
 */
import type { EmailContent } from "../notifications/channels.ts";
import { escapeHtml } from "./html.ts";
import { describeState, formatMoney, plannedResources, planTitle, subscriptionLine, totalSavings } from "./approvalPlan.ts";
import { type ApprovalRequest, formatDeadline, linkWithIntent } from "./request.ts";

export type { EmailContent } from "../notifications/channels.ts";

export function approvalEmail(request: ApprovalRequest): EmailContent {
  const { plan } = request;
  const title = planTitle(plan);
  const subject = `${request.escalated ? "[Escalated] " : ""}Governor approval: ${title}`;
  const deadline = formatDeadline(request.expiresAt);
  const where = (resource: ApprovalRequest["plan"]["resources"][number]): string =>
    request.nameSubscriptions ? `, ${subscriptionLine(resource)}` : "";
  const rows = plan.resources
    .map(
      (resource) =>
        `<tr><td style="padding:4px 8px"><b>${escapeHtml(resource.resourceName)}</b><br><small>${escapeHtml(describeState(resource) + where(resource))}</small></td>` +
        `<td style="padding:4px 8px">${escapeHtml(resource.reason)}</td>` +
        `<td style="padding:4px 8px;text-align:right">${escapeHtml(formatMoney(resource.estimatedMonthlySavings, plan.currency))}</td></tr>`,
    )
    .join("\n");
  const button = (label: string, intent: "approve" | "reject" | "snooze" | "exempt") =>
    `<a href="${escapeHtml(linkWithIntent(request.link, intent))}" style="display:inline-block;padding:8px 14px;margin:4px;border:1px solid #555;border-radius:4px;text-decoration:none">${label}</a>`;
  const html = `<!doctype html><html><body style="font-family:Segoe UI,Arial,sans-serif">
<p>${request.escalated ? "<b>Escalated:</b> the first approvers did not answer in time.<br>" : ""}Policy <b>${escapeHtml(plan.policy)}</b> asks to <b>${escapeHtml(plan.action)}</b> ${plannedResources(plan)} resource(s)${plannedResources(plan) > plan.resources.length ? ` (the first ${plan.resources.length} listed below)` : ""}.</p>
<h2 style="font-size:18px">${escapeHtml(title)}</h2>
<table style="border-collapse:collapse" border="1"><thead><tr><th>Resource</th><th>Why</th><th>Saves a month</th></tr></thead><tbody>
${rows}
</tbody><tfoot><tr><td colspan="2"><b>Total</b></td><td style="text-align:right"><b>${escapeHtml(formatMoney(totalSavings(plan), plan.currency))}</b></td></tr></tfoot></table>
<p>Decide by ${escapeHtml(deadline)}; without a decision nothing is done. Approvers: ${escapeHtml(request.approvers.join(", "))}.</p>
<p>${button("Approve…", "approve")}${button("Reject…", "reject")}${button("Snooze 2 h…", "snooze")}${button("Exempt until…", "exempt")}</p>
<p><small>Each button opens the approval page, where you confirm after signing in. The link works once and only for this plan.</small></p>
</body></html>`;
  const plainText = [
    request.escalated ? "ESCALATED: the first approvers did not answer in time.\n" : "",
    title,
    "",
    ...plan.resources.map(
      (resource) =>
        `- ${resource.resourceName} (${describeState(resource)}${where(resource)}): ${resource.reason}; saves ${formatMoney(resource.estimatedMonthlySavings, plan.currency)} a month`,
    ),
    "",
    `Total: ${formatMoney(totalSavings(plan), plan.currency)} a month.`,
    `Decide by ${deadline}; without a decision nothing is done. Approvers: ${request.approvers.join(", ")}.`,
    "",
    `Open the approval page to decide: ${request.link}`,
  ].join("\n");
  return { subject, html, plainText };
}
