/**
 * Microsoft.Compute/disks: managed disks, with `managedBy` naming the VM that holds one (absent
 * when none does) and `properties.diskState` `Attached` or `Unattached`.
 */
import type { MaterialiseInput, ResourceTypeHandler } from "../../core.ts";
import { pagedList } from "../../paging.ts";
import type { RouteDefinition } from "../../router.ts";
import type { StoredResource } from "../../store.ts";
import { asString, DISK_TYPE, type Json, listOfType, refFromPath, requireResource, RG_PATH, copyOf, SUB_PATH } from "./common.ts";
import { deleteDiskLike, materialiseDiskLike, patchDisk, putDiskLike } from "./diskLike.ts";
import { ownerOf } from "./links.ts";

const DISK_PATH = `${RG_PATH}/providers/Microsoft.Compute/disks/{diskName}`;

export function materialiseDisk(input: MaterialiseInput): StoredResource {
  const { core, id, body, existing } = input;
  // The VM that claims the disk wins; an estate may also say who holds it.
  const owner = ownerOf(core, id) ?? asString(body.managedBy) ?? asString(existing?.arm.managedBy);
  const resource = materialiseDiskLike(input, DISK_TYPE, ({ given }) => {
    const trailing: Json = {};
    // An estate says when a disk was last detached (`sim.lastOwnershipUpdateTime`): clients cannot set it.
    const ownershipTime =
      asString(existing?.arm.properties?.LastOwnershipUpdateTime) ??
      asString(given.LastOwnershipUpdateTime) ??
      asString(input.sim?.lastOwnershipUpdateTime);
    if (ownershipTime !== undefined) trailing.LastOwnershipUpdateTime = ownershipTime;
    trailing.diskState = owner === undefined ? "Unattached" : "Attached";
    return { trailing };
  });
  const properties = resource.arm.properties as Json;
  if (owner !== undefined) {
    resource.arm.managedBy = owner;
    properties.LastOwnershipUpdateTime ??= properties.timeCreated;
  }
  return resource;
}

export function diskRoutes(): RouteDefinition[] {
  return [
    {
      method: "GET",
      pattern: `${RG_PATH}/providers/Microsoft.Compute/disks`,
      name: "disks.listByResourceGroup",
      handler: (ctx) =>
        pagedList(
          ctx,
          listOfType(ctx, DISK_TYPE, "resourceGroup").map((disk) => copyOf(disk.arm)),
        ),
    },
    {
      method: "GET",
      pattern: `${SUB_PATH}/providers/Microsoft.Compute/disks`,
      name: "disks.list",
      handler: (ctx) =>
        pagedList(
          ctx,
          listOfType(ctx, DISK_TYPE, "subscription").map((disk) => copyOf(disk.arm)),
        ),
    },
    {
      method: "GET",
      pattern: DISK_PATH,
      name: "disks.get",
      handler: (ctx) => ({ status: 200, body: copyOf(requireResource(ctx.core, refFromPath(ctx, DISK_TYPE, "diskName")).arm) }),
    },
    { method: "PUT", pattern: DISK_PATH, name: "disks.createOrUpdate", handler: (ctx) => putDiskLike(ctx, DISK_TYPE, "diskName", "disk") },
    { method: "PATCH", pattern: DISK_PATH, name: "disks.update", handler: (ctx) => patchDisk(ctx, DISK_TYPE, "diskName") },
    { method: "DELETE", pattern: DISK_PATH, name: "disks.delete", handler: (ctx) => deleteDiskLike(ctx, DISK_TYPE, "diskName", "disk") },
  ];
}

export const diskType: ResourceTypeHandler = { type: DISK_TYPE, materialise: materialiseDisk };
