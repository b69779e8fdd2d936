/**
 * The management groups above each governed subscription, nearest first, for the `scopes:` that
 * match a group: one Resource Graph query over every governed subscription (their rows in
 * ResourceContainers carry `properties.managementGroupAncestorsChain`), not one management-group
 * read per subscription.
 */
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import type { AzureTarget } from "../azure/target.ts";
import { graphClientFor, PAGE_SIZE } from "./resourceGraph.ts";

export const ANCESTRY_QUERY = [
  "ResourceContainers",
  "| where type =~ 'microsoft.resources/subscriptions'",
  "| project subscriptionId, chain = properties.managementGroupAncestorsChain",
  "| order by subscriptionId asc",
].join("\n");

/** Each subscription's management groups by name (ids, as `scopes:` match them), nearest first; subscriptions read without one are absent. */
export function ancestryOf(rows: ReadonlyArray<Record<string, unknown>>): Record<string, string[]> {
  const ancestry: Record<string, string[]> = {};
  for (const row of rows) {
    if (typeof row.subscriptionId !== "string" || !Array.isArray(row.chain)) continue;
    ancestry[row.subscriptionId.toLowerCase()] = row.chain
      .map((group) => (typeof group === "object" && group !== null ? (group as { name?: unknown }).name : undefined))
      .filter((name): name is string => typeof name === "string" && name !== "");
  }
  return ancestry;
}

/** One query over the subscriptions (a page holds 1,000 of them), through the target's credential. */
export async function readManagementGroupAncestry(
  target: AzureTarget,
  subscriptions: readonly string[],
  policies: readonly PipelinePolicy[] = [],
): Promise<Record<string, string[]>> {
  const client = await graphClientFor(target, policies);
  const rows: Array<Record<string, unknown>> = [];
  for (let start = 0; start < subscriptions.length; start += PAGE_SIZE) {
    const page = await client.resources({
      subscriptions: subscriptions.slice(start, start + PAGE_SIZE),
      query: ANCESTRY_QUERY,
      options: { top: PAGE_SIZE, resultFormat: "objectArray" },
    });
    rows.push(...(page.data as Array<Record<string, unknown>>));
  }
  return ancestryOf(rows);
}
