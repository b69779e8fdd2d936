/**
 * The subscriptions under Governor's management group that it does not govern: one added to the
 * group after the deployment. With the operator role on the group Governor can read it, but it
 * has no Event Grid topic wired to Governor yet (its resource events are not delivered) and it is
 * not in `GOVERNOR_SUBSCRIPTION_IDS`, so it is neither planned nor acted on: a sweep says so until
 * it is added and the template redeployed. One Resource Graph query over the group
 * (`managementGroups` in the request, every descendant subscription's ResourceContainers row).
 */
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import type { AzureTarget } from "../azure/target.ts";
import { graphClientFor, queryAllRows } from "./resourceGraph.ts";
import { recentReads } from "./recentReads.ts";

export const GROUP_SUBSCRIPTIONS_QUERY = [
  "ResourceContainers",
  "| where type =~ 'microsoft.resources/subscriptions'",
  "| project id, subscriptionId, name",
  "| order by subscriptionId asc",
].join("\n");

export interface GroupSubscription {
  subscriptionId: string;
  /** The subscription's display name, where Resource Graph gives it. */
  name?: string;
}

/** The rows' subscriptions that are not among the governed ones (ids compared without case), in id order. */
export function ungovernedSubscriptions(rows: ReadonlyArray<Record<string, unknown>>, governed: readonly string[]): GroupSubscription[] {
  const known = new Set(governed.map((id) => id.toLowerCase()));
  const found = new Map<string, GroupSubscription>();
  for (const row of rows) {
    if (typeof row.subscriptionId !== "string" || row.subscriptionId === "") continue;
    const key = row.subscriptionId.toLowerCase();
    if (known.has(key) || found.has(key)) continue;
    found.set(key, { subscriptionId: row.subscriptionId, ...(typeof row.name === "string" && row.name !== "" ? { name: row.name } : {}) });
  }
  return [...found.values()].sort((a, b) => a.subscriptionId.localeCompare(b.subscriptionId));
}

/** What a sweep says of them: each by id and name, what is missing, and what to do. */
export function ungovernedNote(group: string, subscriptions: readonly GroupSubscription[]): string | undefined {
  if (subscriptions.length === 0) return undefined;
  const named = subscriptions.map((each) => `subscription ${each.subscriptionId}${each.name ? ` (${each.name})` : ""}`).join(", ");
  return `not governed: ${named} in management group ${group}: resource events not delivered yet, neither planned nor changed (add it to governedSubscriptionIds and redeploy infra/managementGroup.json)`;
}

/** Every subscription under the group, through the target's credential, following `$skipToken`. */
export async function readGroupSubscriptionRows(
  target: AzureTarget,
  group: string,
  policies: readonly PipelinePolicy[] = [],
): Promise<Array<Record<string, unknown>>> {
  return queryAllRows(await graphClientFor(target, policies), { managementGroups: [group] }, GROUP_SUBSCRIPTIONS_QUERY);
}

/** How long one read of the group serves the sweeps of one worker: every policy's sweep of a slot says it, at one query. */
export const GROUP_SUBSCRIPTIONS_TTL_MS = 5 * 60_000;

const recent = recentReads<Array<Record<string, unknown>>>(GROUP_SUBSCRIPTIONS_TTL_MS);

/** The group's subscriptions Governor does not govern, as read at most {@link GROUP_SUBSCRIPTIONS_TTL_MS} ago by this worker. */
export async function recentUngovernedSubscriptions(
  target: AzureTarget,
  group: string,
  governed: readonly string[],
): Promise<GroupSubscription[]> {
  const rows = await recent(`${target.armEndpoint}|${group.toLowerCase()}`, () => readGroupSubscriptionRows(target, group));
  return ungovernedSubscriptions(rows, governed);
}
