/**
 * The approval page: the plan and a form. Opening it (GET) only shows; the buttons POST the
 * decision with the token, so a link followed by a mail scanner or a preview decides nothing.
 * Plain HTML without scripts: it works on a phone and in any mail client's browser.
 */
import { DEFAULT_SNOOZE, EXEMPT_MAX_DAYS } from "./form.ts";
import { escapeHtml } from "./html.ts";
import { describeState, formatMoney, planTitle, subscriptionLine, totalSavings } from "./approvalPlan.ts";
import { type ApprovalRequest, formatDeadline } from "./request.ts";

const STYLE = `body{font-family:Segoe UI,Arial,sans-serif;margin:16px;max-width:960px}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:6px;text-align:left;vertical-align:top}.num{text-align:right}
button{padding:10px 16px;margin:6px 6px 6px 0;font-size:16px}.intent{outline:3px solid #0a6}.muted{color:#666}`;

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

export interface PageInput {
  request: Omit<ApprovalRequest, "link">;
  /** Where the form posts: the approval endpoint of the instance. */
  action: string;
  token: string;
  /** The decision the person clicked in Teams or the email, preselected. */
  intent?: string;
  /** Today, for the exemption date's bounds. */
  today: string;
  signedInAs?: string;
}

export function approvalPage(input: PageInput): string {
  const { plan } = input.request;
  const title = planTitle(plan);
  const mark = (intent: string) => (input.intent === intent ? ' class="intent" autofocus' : "");
  const maxDate = new Date(new Date(`${input.today}T00:00:00Z`).getTime() + EXEMPT_MAX_DAYS * 86_400_000).toISOString().slice(0, 10);
  const rows = plan.resources
    .map(
      (resource, index) => `<tr>
<td><input type="checkbox" name="approve" value="${escapeHtml(resource.resourceId)}" id="approve-${index}" checked aria-label="approve ${escapeHtml(resource.resourceName)}"></td>
<td><input type="checkbox" name="exempt" value="${escapeHtml(resource.resourceId)}" id="exempt-${index}" aria-label="exempt ${escapeHtml(resource.resourceName)}"></td>
<td><b>${escapeHtml(resource.resourceName)}</b><br><small class="muted">${escapeHtml(describeState(resource) + (input.request.nameSubscriptions ? `, ${subscriptionLine(resource)}` : ""))}</small></td>
<td>${escapeHtml(resource.reason)}</td><td class="num">${escapeHtml(formatMoney(resource.estimatedMonthlySavings, plan.currency))}</td></tr>`,
    )
    .join("\n");
  const body = `<h1>${escapeHtml(title)}</h1>
<p>${input.request.escalated ? "<b>Escalated.</b> " : ""}Policy <b>${escapeHtml(plan.policy)}</b> will <b>${escapeHtml(plan.action)}</b> the resources you approve. Decide by ${escapeHtml(formatDeadline(input.request.expiresAt))}; without a decision nothing is done.</p>
<p class="muted">Approvers: ${escapeHtml(input.request.approvers.join(", "))}.${input.signedInAs ? ` Signed in as ${escapeHtml(input.signedInAs)}.` : ""} Before acting, each resource is read again; one that changed since this plan is skipped.</p>
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="token" value="${escapeHtml(input.token)}">
<table><thead><tr><th>Approve</th><th>Exempt</th><th>Resource</th><th>Why</th><th class="num">Saves a month</th></tr></thead><tbody>
${rows}
</tbody><tfoot><tr><td colspan="4"><b>Total</b></td><td class="num"><b>${escapeHtml(formatMoney(totalSavings(plan), plan.currency))}</b></td></tr></tfoot></table>
<p><label>Comment <input type="text" name="comment" maxlength="500" size="40"></label></p>
<p><button type="submit" name="decision" value="approve"${mark("approve")}>Approve</button>
<button type="submit" name="decision" value="reject"${mark("reject")}>Reject</button></p>
<p><label>Snooze for <select name="snoozeFor"><option>30m</option><option>1h</option><option selected>${DEFAULT_SNOOZE}</option><option>4h</option><option>1d</option></select></label>
<button type="submit" name="decision" value="snooze"${mark("snooze")}>Snooze</button></p>
<p><label>Exempt the ticked resources until <input type="date" name="exemptUntil" min="${input.today}" max="${maxDate}"></label>
<button type="submit" name="decision" value="exempt"${mark("exempt")}>Exempt until</button>
<br><small class="muted">Approve with some resources ticked "Exempt" and a date: those are exempted, the other ticked ones approved.</small></p>
</form>`;
  return layout(title, body);
}

/** A short page after a decision, or when the link cannot be used (with the reason). */
export function messagePage(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}
