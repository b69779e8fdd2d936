/** One approval request as it is rendered to Teams, email and the page: the plan, the link, the deadline. */
import type { ApprovalPlan } from "./approvalPlan.ts";

export interface ApprovalRequest {
  plan: ApprovalPlan;
  /** The approval page, token included. */
  link: string;
  /** ISO time the link expires (the end of this round's wait). */
  expiresAt: string;
  /** Who may decide. */
  approvers: string[];
  /** This round is an escalation: the first approvers did not answer in time. */
  escalated: boolean;
  /** Governor governs several subscriptions: each resource says which it is in (one plan may span them). */
  nameSubscriptions?: boolean;
}

/** A link with the decision the person meant preselected on the page (the page still asks to confirm). */
export function linkWithIntent(link: string, intent: "approve" | "reject" | "snooze" | "exempt"): string {
  return `${link}${link.includes("?") ? "&" : "?"}intent=${intent}`;
}

/** "Mon 23 Nov 2026, 20:30 UTC": deadlines read the same in every client. */
export function formatDeadline(iso: string): string {
  const date = new Date(iso);
  const part = (options: Intl.DateTimeFormatOptions) => date.toLocaleDateString("en-GB", { ...options, timeZone: "UTC" });
  return `${part({ weekday: "short" })} ${part({ day: "numeric" })} ${part({ month: "short" })} ${date.getUTCFullYear()}, ${date.toISOString().slice(11, 16)} UTC`;
}

/** The approval page of an instance, as links carry it. */
export function approvalLink(baseUrl: string, instanceId: string, token: string): string {
  return `${baseUrl}/api/approvals/${encodeURIComponent(instanceId)}?token=${encodeURIComponent(token)}`;
}
