/**
 * Whether a resource is in the middle of an operation (or stuck after one), by its
 * `provisioningState`. Azure returns resources `Creating`, `Updating` or `Deleting` while an
 * operation holds them, and `Failed` after one that did not finish. A remediation leaves such a
 * resource alone (shared/remediation/busy.ts), and a snapshot in such a state is no restore point
 * (`last-snapshot-of-disk`).
 *
 * The states a descriptor declares as power transitions (an AKS cluster's `Stopping` and
 * `Starting`, `PowerStateSource.transitions`) are read as its power state instead: the power
 * actions know what to do with those (join the same change, or wait out Azure's 409).
 */
import type { InventoryResource } from "../policy/types.ts";
import { resourceTypeOfArmType } from "./index.ts";

const IN_TRANSITION = new Set(["creating", "updating", "deleting"]);
const FAILED = "failed";

export interface Unsettled {
  /** As ARM spells it: `Deleting`. */
  state: string;
  failed: boolean;
}

/** The provisioning state that keeps Governor's hands off, or `undefined` for a settled resource. */
export function unsettledState(provisioningState: unknown, powerTransitions: readonly string[] = []): Unsettled | undefined {
  if (typeof provisioningState !== "string") return undefined;
  const word = provisioningState.toLowerCase();
  if (powerTransitions.some((transition) => transition.toLowerCase() === word)) return undefined;
  if (word === FAILED) return { state: provisioningState, failed: true };
  if (IN_TRANSITION.has(word)) return { state: provisioningState, failed: false };
  return undefined;
}

/** The resource's own unsettled state, with its type's power transitions left to the power state. */
export function unsettledStateOf(resource: Pick<InventoryResource, "type" | "properties">): Unsettled | undefined {
  const transitions = resourceTypeOfArmType(resource.type)?.powerState?.transitions ?? [];
  return unsettledState(resource.properties.provisioningState, transitions);
}
