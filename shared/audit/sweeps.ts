/**
 * The sweeps in the audit trail: every sweep of a policy leaves a mark (`kind: notice`, `action:
 * sweep`), findings or none, with its instance id; its findings carry the same instance id. What
 * a policy found at an instant is its latest sweep's findings then, which the digest and the report
 * read (and only those: every sweep records every finding). Pure.
 */
import { createLimiter, mapLimit } from "../inventory/concurrency.ts";
import type { AuditRecord } from "./record.ts";
import type { AuditTrail } from "./trail.ts";

/** How long before its mark a sweep's findings may have been recorded (its activity retried keeps the first attempt's). */
const RECORDS_BEFORE_MARK_MS = 30 * 60_000;
/** Sweeps whose findings are read at once. */
const READS_AT_ONCE = 8;

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

/** The sweeps that are each policy's latest at one of the instants, by instance id with their mark's time. */
export function sweepsAt(records: readonly AuditRecord[], instants: readonly Date[]): Map<string, string> {
  const sweeps = new Map<string, string>();
  for (const instant of instants) for (const sweep of latestSweeps(records, instant).values()) sweeps.set(sweep.instanceId, sweep.at);
  return sweeps;
}

/**
 * The findings of these sweeps alone, each by its instance id in the minutes before its mark (not
 * before `floor`): a small key range each, however many findings the trail holds.
 */
export async function sweepFindings(
  trail: Pick<AuditTrail, "query">,
  sweeps: ReadonlyMap<string, string>,
  floor?: Date,
): Promise<AuditRecord[]> {
  const read = await mapLimit([...sweeps], createLimiter(READS_AT_ONCE), ([instanceId, markedAt]) =>
    trail.query({
      since: new Date(Math.max(Date.parse(markedAt) - RECORDS_BEFORE_MARK_MS, floor?.getTime() ?? Number.NEGATIVE_INFINITY)),
      until: new Date(Date.parse(markedAt) + 1),
      kind: "finding",
      instanceId,
    }),
  );
  return read.flat();
}
