/**
 * The subscription's management locks, in one paged list: at the subscription scope the locks
 * API returns the locks on the subscription, on each resource group and on each resource, so
 * whether a lock protects a resource is decided from this one list (shared/policy/filters/lock.ts).
 */
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { locksClient } from "../azure/clients.ts";
import type { AzureTarget } from "../azure/target.ts";
import type { LockFact } from "../policy/types.ts";
import { createLimiter, type Limiter } from "./concurrency.ts";

const LOCKS_SEGMENT = "/providers/microsoft.authorization/locks/";

/** The scope a lock is on: its id before `/providers/Microsoft.Authorization/locks/`. */
export function lockScope(id: string): string {
  const index = id.toLowerCase().lastIndexOf(LOCKS_SEGMENT);
  return index < 0 ? id : id.slice(0, index);
}

export async function listLocks(
  target: AzureTarget,
  options: { limiter?: Limiter; policies?: readonly PipelinePolicy[] } = {},
): Promise<LockFact[]> {
  const run = options.limiter ?? createLimiter();
  const client = await locksClient(target);
  for (const policy of options.policies ?? []) client.pipeline.addPolicy(policy, { afterPhase: "Retry" });
  // One task for the whole paged list: its pages follow each other, one request in flight.
  return run(async () => {
    const locks: LockFact[] = [];
    for await (const lock of client.managementLocks.listAtSubscriptionLevel()) {
      if (lock.id === undefined || lock.name === undefined) continue;
      locks.push({ name: lock.name, level: lock.level === "ReadOnly" ? "ReadOnly" : "CanNotDelete", scope: lockScope(lock.id) });
    }
    return locks;
  });
}
