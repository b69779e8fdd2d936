/**
 * What a newcomer sees in the first minute of `npm start`: every policy swept once at start (as
 * its timer would at its next slot), and what the workflows then record, printed as they record
 * it. The lines come from the audit trail, so the terminal says exactly what Governor found and
 * did, no more.
 */
import { resourceNameOf } from "../shared/azure/resourceId.ts";
import type { AuditRecord } from "../shared/audit/record.ts";
import type { AuditTrail } from "../shared/audit/trail.ts";
import type { Policy } from "../shared/policy/types.ts";
import { sweepInstanceId } from "../orchestrations/names.ts";
import type { LocalDurableRuntime } from "./durable/index.ts";

/** Lines listed per sweep or workflow before "and N more". */
const SHOWN_PER_GROUP = 6;

/** The resource's own name, from its ARM id. */
function nameOf(resourceId: string | undefined): string {
  return resourceId === undefined ? "(no resource)" : resourceNameOf(resourceId);
}

function countBy<T>(items: readonly T[], key: (item: T) => string | undefined): string {
  const counts = new Map<string, number>();
  for (const item of items) {
    const name = key(item);
    if (name !== undefined) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([name, count]) => `${count} ${name}`).join(", ");
}

function listed(lines: string[], more: string): string[] {
  if (lines.length <= SHOWN_PER_GROUP) return lines;
  return [...lines.slice(0, SHOWN_PER_GROUP), `    … and ${lines.length - SHOWN_PER_GROUP} more (${more})`];
}

/**
 * Terminal lines for records the trail received, grouped by the workflow that recorded them:
 * a sweep's findings with their reasons, each change's outcome, notices and drills. Approval
 * requests are printed by the Teams capture with their links, so they are not repeated here.
 */
export function describeRecords(records: readonly AuditRecord[]): string[] {
  const groups = new Map<string, AuditRecord[]>();
  for (const record of records) {
    const key = `${record.kind}|${record.instanceId ?? record.id}`;
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  const lines: string[] = [];
  for (const group of groups.values()) {
    const [first] = group;
    if (!first) continue;
    const audit = `npx governor audit --storage … ${first.instanceId ? `| grep ${first.instanceId}` : ""}`.trim();
    switch (first.kind) {
      case "finding": {
        const policy = first.policy ?? "a policy";
        lines.push(`sweep ${policy} found ${group.length} (${countBy(group, (record) => record.verdict)}):`);
        lines.push(
          ...listed(
            group.map((record) => `    ${nameOf(record.resourceId)}: ${record.verdict} ${record.action ?? ""} (${record.reason})`),
            audit,
          ),
        );
        break;
      }
      case "outcome": {
        const via = first.trigger.type === "event" ? " after a resource event" : "";
        lines.push(`${first.policy ?? "workflow"}${via}: ${countBy(group, (record) => record.outcome)}`);
        lines.push(
          ...listed(
            group.map((record) => `    ${nameOf(record.resourceId)} ${record.outcome}: ${record.reason}`),
            audit,
          ),
        );
        break;
      }
      case "decision":
        for (const record of group) if (record.actor.type === "person") lines.push(`decision by ${record.actor.id}: ${record.reason}`);
        break;
      case "notice":
      case "drill":
        for (const record of group) lines.push(`${record.kind}${record.policy ? ` (${record.policy})` : ""}: ${record.reason}`);
        break;
      default:
        break;
    }
  }
  return lines;
}

export interface TrailFollower {
  /** Prints what arrived since the last poll; resolves when printed. */
  poll(): Promise<void>;
  stop(): Promise<void>;
}

/** Polls the trail (records are stamped on the virtual clock) and prints each record once. */
export function followAuditTrail(trail: AuditTrail, from: Date, print: (line: string) => void, intervalMs = 1_000): TrailFollower {
  const seen = new Set<string>();
  let since = from;
  let running: Promise<void> = Promise.resolve();
  const poll = (): Promise<void> => {
    running = running.then(async () => {
      const fresh = (await trail.query({ since })).filter((record) => !seen.has(record.id));
      for (const record of fresh) {
        seen.add(record.id);
        const at = new Date(record.at);
        if (at > since) since = at;
      }
      for (const line of describeRecords(fresh)) print(line);
    });
    return running.catch((error: unknown) => print(`warning: reading the audit trail failed: ${(error as Error).message}`));
  };
  const timer = setInterval(() => void poll(), intervalMs);
  return {
    poll,
    stop: async () => {
      clearInterval(timer);
      await poll();
    },
  };
}

/**
 * Starts each policy's sweep now, as the timer would at its slot (same instance ids: the timer
 * joins them instead of starting twice). Restore drills keep to their schedule: a drill restores
 * a whole database, which is not what a first look should wait for.
 */
export async function sweepEveryPolicyNow(
  runtime: LocalDurableRuntime,
  policies: readonly Policy[],
  now: Date,
  orchestration: string,
): Promise<{ started: string[]; keptToSchedule: string[] }> {
  const started: string[] = [];
  const keptToSchedule: string[] = [];
  for (const policy of policies) {
    if (policy.action.type === "restore-drill") {
      keptToSchedule.push(policy.name);
      continue;
    }
    const instanceId = sweepInstanceId(policy.name, now);
    await runtime.startNew(orchestration, {
      instanceId,
      input: { policy: policy.name, scope: now.toISOString(), trigger: { type: "manual", id: "npm-start" } },
    });
    started.push(policy.name);
  }
  return { started, keptToSchedule };
}
