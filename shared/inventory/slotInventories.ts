/**
 * The inventories the sweeps of one slot share in a worker. The sweeps timer starts every policy
 * due in a slot at once (Monday 06:30 starts nine baselines, every hour five), and each sweep's
 * plan listed the whole estate for itself: at 10,000 resources, nine times ten Resource Graph
 * pages against a quota of 15 queries per 5 s, and nine copies of the estate in one worker's
 * memory. Sweeps of the same slot, subscriptions and projection (the whole policy file's, so any
 * policy's sweep can use it) now share one listing for a minute after it was made; another slot
 * lists again, so no sweep plans on what an earlier slot saw. A failed listing is not kept.
 */
import type { AzureTarget } from "../azure/target.ts";
import type { Inventory } from "../policy/types.ts";
import type { Projection } from "../resourceTypes/projection.ts";
import { type GatherOptions, gatherInventories } from "./gather.ts";
import { recentReads } from "./recentReads.ts";
import { resourcesQuery } from "./resourceGraph.ts";

/** Long enough for the sweeps of one slot to start their plans, short enough that a retried sweep lists again. */
export const SLOT_INVENTORY_MS = 60_000;

const shared = recentReads<Array<Inventory | Error>>(SLOT_INVENTORY_MS);

/** Each target's inventory (or why it has none), listed once for every sweep of `slot` in this worker. */
export function slotInventories(
  slot: string,
  targets: readonly AzureTarget[],
  projection: Projection,
  options: Omit<GatherOptions, "projection"> = {},
): Promise<Array<Inventory | Error>> {
  const key = [
    slot,
    ...targets.map((target) => `${target.armEndpoint}|${target.subscriptionId.toLowerCase()}`),
    resourcesQuery(projection),
  ].join("\n");
  return shared(key, () => gatherInventories(targets, { ...options, projection }));
}
