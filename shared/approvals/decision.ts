/**
 * What crosses between the approval endpoint, the approval workflow and its request activity:
 * the decision event a person's choice becomes, and what a request's delivery came to.
 */

/**
 * What the approval endpoint raises: approve all or some, reject, snooze until a time, or exempt
 * some resources until a date (an approval may exempt some and approve others).
 */
export interface ApprovalEvent {
  decision: "approve" | "reject" | "snooze" | "exempt";
  /** approve: the resources approved (all of the plan when absent). */
  resourceIds?: string[];
  /** approve or exempt: resources to exempt until a date (YYYY-MM-DD). */
  exempt?: { resourceIds: string[]; until: string };
  /** snooze: when to ask again (ISO date-time). */
  snoozeUntil?: string;
  decidedBy: string;
  comment?: string;
}

/** What `requestApproval` returns: the plan hash the links are bound to and how delivery went. */
export interface ApprovalRequestResult {
  planHash: string;
  /** delivered: at least one channel took it; not-configured: no channel set up (the link is logged); failed: every channel failed. */
  delivery: "delivered" | "not-configured" | "failed";
  channels: Array<{ channel: "teams" | "email"; delivered: boolean; attempts: number; error?: string }>;
}
