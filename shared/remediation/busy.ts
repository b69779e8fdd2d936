/**
 * Why a remediation leaves a resource alone by its fresh read's `provisioningState`: acting on a
 * resource another operation holds races that operation, and acting on one an operation left
 * `Failed` builds on a broken one. A transition ends by itself and the next sweep decides on what
 * it left; a failed resource needs a person.
 */
import type { InventoryResource } from "../policy/types.ts";
import { unsettledStateOf } from "../resourceTypes/provisioningState.ts";

/** Why a remediation leaves the resource alone now, or `undefined` when nothing holds it. */
export function busyReason(resource: Pick<InventoryResource, "name" | "type" | "properties">): string | undefined {
  const unsettled = unsettledStateOf(resource);
  if (!unsettled) return undefined;
  if (unsettled.failed)
    return `failed: provisioningState ${unsettled.state}; the last operation on ${resource.name} failed and it needs a person, not another change`;
  return `busy: provisioningState ${unsettled.state}; try next sweep`;
}
