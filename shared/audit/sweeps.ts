/**
 * The sweeps in the audit trail: every sweep of a policy leaves a mark (`kind: notice`, `action:
 * sweep`), findings or none, with its instance id; its findings carry the same instance id. What
 * a policy found at an instant is its latest sweep's findings then, which the digest and the report
 * read (and only those: every sweep records every finding). Pure.
 */
import type { AuditRecord } from "./record.ts";

/** Each policy's latest sweep at or before `at`, from the sweeps' marks (`kind: notice`, `action: sweep`), by policy. */
export function latestSweeps(records: readonly AuditRecord[], at: Date): Map<string, { instanceId: string; at: string }> {
  const latest = new Map<string, { instanceId: string; at: string }>();
  for (const record of records) {
    const swept = record.kind === "notice" && record.action === "sweep";
    if (!swept || record.policy === undefined || record.instanceId === undefined || Date.parse(record.at) > at.getTime()) continue;
    const seen = latest.get(record.policy);
    if (!seen || seen.at < record.at) latest.set(record.policy, { instanceId: record.instanceId, at: record.at });
  }
  return latest;
}
