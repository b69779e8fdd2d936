/**
 * Scale sets' power, in bulk. `Resources` in Resource Graph shows none for a scale set, and ARM
 * only in each scale set's instance view (a GET a scale set); Resource Graph's `ComputeResources`
 * table holds the instances of Uniform scale sets, each with its instance view's power state
 * (`properties.extended.instanceView.powerState.code`), so one paged query answers for every
 * scale set of the subscription. The instances are counted per scale set and state, in the
 * instance view's own shape (`statusesSummary`), which a fresh read (`readResource`) takes from
 * the instance view itself. Scale sets AKS owns are left out (their power is their cluster's);
 * the instances of a Flexible scale set are VMs of their own and are not here.
 */
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import type { AzureTarget } from "../azure/target.ts";
import type { InstanceViewFact, InventoryResource } from "../policy/types.ts";
import { aksOwnership } from "../resourceTypes/vmScaleSet.ts";
import type { Limiter } from "./concurrency.ts";
import { graphClientFor, queryAllRows } from "./resourceGraph.ts";

export interface InstanceViewOptions {
  limiter?: Limiter;
  policies?: readonly PipelinePolicy[];
}

/** Every instance of the subscription's Uniform scale sets, with its power state. */
export const SCALE_SET_INSTANCES_QUERY = [
  "ComputeResources",
  "| where type =~ 'microsoft.compute/virtualmachinescalesets/virtualmachines'",
  "| project id, powerState = tostring(properties.extended.instanceView.powerState.code)",
  "| order by id asc",
].join("\n");

/**
 * The scale sets whose power the evaluation needs: not one AKS owns, not one a fresh read already
 * carries, not a Flexible one (its instances are not in the table; its power stays unknown, and
 * nothing acts on an unknown power state).
 */
export function scaleSetsToRead(resources: readonly InventoryResource[]): InventoryResource[] {
  return resources.filter(
    (resource) =>
      resource.kind === "vm-scale-set" &&
      resource.powerState === undefined &&
      aksOwnership(resource) === undefined &&
      (typeof resource.properties.orchestrationMode !== "string" || resource.properties.orchestrationMode.toLowerCase() === "uniform"),
  );
}

/** `…/virtualMachineScaleSets/vmss-a/virtualMachines/3` → the scale set's lower-case id. */
function scaleSetIdOf(instanceId: string): string | undefined {
  const match = /^(.+\/providers\/microsoft\.compute\/virtualmachinescalesets\/[^/]+)\/virtualmachines\/[^/]+$/i.exec(instanceId);
  return match?.[1]?.toLowerCase();
}

/** The instances' power states counted per scale set, as `statusesSummary` counts them. */
export function instanceViewsFromRows(
  rows: ReadonlyArray<Record<string, unknown>>,
  wanted: ReadonlySet<string>,
): Record<string, InstanceViewFact> {
  const counts = new Map<string, Map<string, number>>();
  for (const row of rows) {
    const scaleSet = typeof row.id === "string" ? scaleSetIdOf(row.id) : undefined;
    if (scaleSet === undefined || !wanted.has(scaleSet)) continue;
    // An instance whose state Azure does not show yet (being created) counts as no state at all.
    const code = typeof row.powerState === "string" && row.powerState !== "" ? row.powerState : undefined;
    const byCode = counts.get(scaleSet) ?? new Map<string, number>();
    counts.set(scaleSet, byCode);
    if (code !== undefined) byCode.set(code, (byCode.get(code) ?? 0) + 1);
  }
  const facts: Record<string, InstanceViewFact> = {};
  // A scale set with no instance at all has an empty summary: nothing runs, nothing is billed.
  for (const id of wanted)
    facts[id] = { statusesSummary: [...(counts.get(id) ?? new Map<string, number>())].map(([code, count]) => ({ code, count })) };
  return facts;
}

/** The power of the scale sets among `resources`, by lower-case id, from one paged Resource Graph query. */
export async function gatherInstanceViews(
  target: AzureTarget,
  resources: readonly InventoryResource[],
  options: InstanceViewOptions = {},
): Promise<Record<string, InstanceViewFact>> {
  const wanted = new Set(scaleSetsToRead(resources).map((resource) => resource.id.toLowerCase()));
  if (wanted.size === 0) return {};
  const client = await graphClientFor(target, options.policies ?? []);
  const rows = await queryAllRows(client, target.subscriptionId, SCALE_SET_INSTANCES_QUERY, {
    ...(options.limiter ? { limiter: options.limiter } : {}),
  });
  return instanceViewsFromRows(rows, wanted);
}
