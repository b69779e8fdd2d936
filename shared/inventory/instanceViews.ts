/**
 * Scale sets' power, from their instance views: Resource Graph shows none for a scale set and
 * no batch API serves instance views, so it is one GET a scale set, at most `limiter` in flight.
 * Only for scale sets a policy may act on: none for those AKS owns (their power is their
 * cluster's, left to the AKS policy), none for a resource that already carries its power state
 * (a fresh read, which read its instance view itself).
 */
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { rawBody, unlessNotFound, withPolicies } from "../azure/armRead.ts";
import { computeClient } from "../azure/clients.ts";
import { parseResourceId } from "../azure/resourceId.ts";
import type { AzureTarget } from "../azure/target.ts";
import type { InstanceViewFact, InventoryResource } from "../policy/types.ts";
import { asObject, getPath } from "../resourceTypes/descriptor.ts";
import { aksOwnership } from "../resourceTypes/vmScaleSet.ts";
import { createLimiter, type Limiter, mapLimit } from "./concurrency.ts";

export interface InstanceViewOptions {
  limiter?: Limiter;
  policies?: readonly PipelinePolicy[];
}

/** The scale sets whose instance view the evaluation needs. */
export function scaleSetsToRead(resources: readonly InventoryResource[]): InventoryResource[] {
  return resources.filter(
    (resource) => resource.kind === "vm-scale-set" && resource.powerState === undefined && aksOwnership(resource) === undefined,
  );
}

function factOf(view: Record<string, unknown>): InstanceViewFact {
  const summary = getPath(view, "virtualMachine.statusesSummary");
  return {
    statusesSummary: (Array.isArray(summary) ? summary : []).flatMap((entry) => {
      const { code, count } = asObject(entry) ?? {};
      return typeof code === "string" && typeof count === "number" ? [{ code, count }] : [];
    }),
  };
}

/** The instance views of the scale sets among `resources`, by lower-case id; a scale set gone since the inventory has none. */
export async function gatherInstanceViews(
  target: AzureTarget,
  resources: readonly InventoryResource[],
  options: InstanceViewOptions = {},
): Promise<Record<string, InstanceViewFact>> {
  const scaleSets = scaleSetsToRead(resources);
  if (scaleSets.length === 0) return {};
  const client = withPolicies(await computeClient(target), { policies: options.policies ?? [] });
  const views = await mapLimit(scaleSets, options.limiter ?? createLimiter(), async (scaleSet) => {
    const { resourceGroup, name } = parseResourceId(scaleSet.id);
    const view = await unlessNotFound(() =>
      rawBody((onResponse) => client.virtualMachineScaleSets.getInstanceView(resourceGroup, name, { onResponse })),
    );
    return [scaleSet.id.toLowerCase(), view] as const;
  });
  const facts: Record<string, InstanceViewFact> = {};
  for (const [id, view] of views) if (view) facts[id] = factOf(view);
  return facts;
}
