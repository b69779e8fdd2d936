/**
 * How many notifications reached people, per channel, from the audit trail's delivery records
 * (`kind: notice`, `action: deliver`, one per message and channel): what the demo's summary
 * reports as `notifications: { teams, email, undeliverable }`. Approval requests are counted
 * apart (their own notices), as the summary's cards and emails.
 */
import type { AuditRecord } from "../audit/record.ts";

export interface NotificationCounts {
  /** Messages delivered to the Teams channel. */
  teams: number;
  /** Messages delivered by email. */
  email: number;
  /** Channel deliveries that failed or were undeliverable. */
  undeliverable: number;
}

export function notificationCounts(records: readonly AuditRecord[]): NotificationCounts {
  const counts: NotificationCounts = { teams: 0, email: 0, undeliverable: 0 };
  for (const record of records) {
    if (record.kind !== "notice" || record.action !== "deliver") continue;
    const details = (record.details ?? {}) as { channel?: string; status?: string };
    if (details.status === "delivered") {
      if (details.channel === "teams") counts.teams += 1;
      else if (details.channel === "email") counts.email += 1;
    } else if (details.status === "failed" || details.status === "undeliverable") counts.undeliverable += 1;
  }
  return counts;
}
