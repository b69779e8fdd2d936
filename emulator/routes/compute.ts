/**
 * Microsoft.Compute: virtual machines (model, instance view, power actions, resize), scale sets,
 * the Resource SKUs catalogue, managed disks and snapshots. Each concern lives in emulator/routes/compute/.
 */
import type { ResourceTypeHandler } from "../core.ts";
import type { RouteDefinition } from "../router.ts";
import { diskRoutes, diskType } from "./compute/disks.ts";
import { snapshotRoutes, snapshotType } from "./compute/snapshots.ts";
import { virtualMachineRoutes, virtualMachineType } from "./compute/virtualMachines.ts";
import { scaleSetRoutes, scaleSetType } from "./compute/scaleSets.ts";
import { resourceSkuRoutes } from "./compute/skus.ts";

export function computeRoutes(): RouteDefinition[] {
  return [...virtualMachineRoutes(), ...scaleSetRoutes(), ...resourceSkuRoutes(), ...diskRoutes(), ...snapshotRoutes()];
}

export function computeTypes(): ResourceTypeHandler[] {
  return [virtualMachineType, scaleSetType, diskType, snapshotType];
}
