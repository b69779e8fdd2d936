/**
 * What a policy's earlier sweeps proposed, read back from the audit trail: the memory behind
 * "N consecutive sweeps recommending the same target" (a resize's `consecutive`).
 *
 * Every sweep records its policy's findings (each with its proposal as data: a resize's
 * `target`) and a sweep mark (`kind: notice`, `action: sweep`), with the sweep's instance id,
 * in the trail that already holds them for the digest and the report: nothing else is kept.
 * Reading is idempotent by construction: a sweep retried under the same instance id is one
 * sweep, the sweep being planned is left out (`excludeInstance`), and a mark without findings
 * for a resource is a sweep that did not recommend anything for it, which breaks a run.
 */
import type { AuditRecord } from "../audit/record.ts";
import type { AuditTrail } from "../audit/trail.ts";
import type { SweepHistory } from "../policy/types.ts";

export interface SweepHistoryRequest {
  policy: string;
  /** Earlier sweeps to read, newest first. */
  sweeps: number;
}

export interface SweepHistoryOptions {
  /** The sweep being planned now (a retried activity's records are already in the trail). */
  excludeInstance?: string;
}

/** The proposal a finding record carries (`details.proposal`), as `findingRecords` writes it. */
export function proposalOf(record: Pick<AuditRecord, "details">): Record<string, unknown> | undefined {
  const details = record.details;
  if (details === null || typeof details !== "object" || Array.isArray(details)) return undefined;
  const proposal = (details as Record<string, unknown>).proposal;
  return proposal !== null && typeof proposal === "object" && !Array.isArray(proposal) ? (proposal as Record<string, unknown>) : undefined;
}

const isSweepMark = (record: AuditRecord): boolean =>
  record.kind === "notice" && record.action === "sweep" && record.instanceId !== undefined;

/** The latest `count` sweep marks of a policy before `now`, newest first (other notices of the policy skipped). */
async function latestSweeps(
  trail: Pick<AuditTrail, "query">,
  policy: string,
  count: number,
  now: Date,
  exclude: string | undefined,
): Promise<AuditRecord[]> {
  for (let limit = Math.max(8, count * 2); ; limit *= 4) {
    const records = await trail.query({ policy, kind: "notice", until: now, order: "newest-first", limit });
    const marks = records.filter((record) => isSweepMark(record) && record.instanceId !== exclude);
    const unique = [...new Map(marks.map((mark) => [mark.instanceId, mark])).values()];
    if (unique.length >= count || records.length < limit) return unique.slice(0, count);
  }
}

/** One policy's history: its latest `sweeps` sweeps and, by resource, the target each proposed (or `null`). */
export async function readSweepHistory(
  trail: Pick<AuditTrail, "query">,
  request: SweepHistoryRequest,
  now: Date,
  options: SweepHistoryOptions = {},
): Promise<SweepHistory> {
  const marks = request.sweeps > 0 ? await latestSweeps(trail, request.policy, request.sweeps, now, options.excludeInstance) : [];
  const history: SweepHistory = { sweeps: marks.map((mark) => ({ instanceId: mark.instanceId as string, at: mark.at })), targets: {} };
  const oldest = marks.at(-1);
  if (!oldest) return history;
  const findings = await trail.query({ policy: request.policy, kind: "finding", since: oldest.at, until: now });
  const byInstance = new Map<string, Map<string, string>>();
  for (const finding of findings) {
    const target = proposalOf(finding)?.target;
    if (finding.instanceId === undefined || finding.resourceId === undefined || typeof target !== "string") continue;
    const targets = byInstance.get(finding.instanceId) ?? new Map<string, string>();
    targets.set(finding.resourceId.toLowerCase(), target);
    byInstance.set(finding.instanceId, targets);
  }
  const resources = new Set([...byInstance.values()].flatMap((targets) => [...targets.keys()]));
  for (const resource of resources) {
    history.targets[resource] = history.sweeps.map((sweep) => byInstance.get(sweep.instanceId)?.get(resource) ?? null);
  }
  return history;
}

/** Every requested policy's history, by policy name. */
export async function gatherSweepHistory(
  trail: Pick<AuditTrail, "query">,
  requests: readonly SweepHistoryRequest[],
  now: Date,
  options: SweepHistoryOptions = {},
): Promise<Record<string, SweepHistory>> {
  const entries = await Promise.all(
    requests.map(async (request) => [request.policy, await readSweepHistory(trail, request, now, options)] as const),
  );
  return Object.fromEntries(entries);
}
