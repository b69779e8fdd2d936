/**
 * Microsoft.Compute/snapshots: point-in-time copies of disks. `timeCreated` and
 * `creationData.sourceResourceId` are what snapshot cleanup reads; deleting a snapshot that a
 * disk is being created from answers 409.
 */
import type { MaterialiseInput, ResourceTypeHandler } from "../../core.ts";
import { pagedList } from "../../paging.ts";
import type { RouteDefinition } from "../../router.ts";
import type { StoredResource } from "../../store.ts";
import {
  asString,
  type Json,
  listOfType,
  refFromPath,
  requireResource,
  RG_PATH,
  copyOf,
  SNAPSHOT_TYPE,
  stableGuid,
  SUB_PATH,
} from "./common.ts";
import { deleteDiskLike, materialiseDiskLike, putDiskLike, sourceIdOf } from "./diskLike.ts";

const SNAPSHOT_PATH = `${RG_PATH}/providers/Microsoft.Compute/snapshots/{snapshotName}`;

export function materialiseSnapshot(input: MaterialiseInput): StoredResource {
  return materialiseDiskLike(input, SNAPSHOT_TYPE, ({ given, createOption }) => {
    const incremental = given.incremental === true;
    const trailing: Json = { incremental };
    // Incremental snapshots of one disk form a family, named after the source.
    const sourceId = sourceIdOf(given.creationData as Json | undefined);
    if (incremental && createOption === "Copy" && sourceId !== undefined)
      trailing.incrementalSnapshotFamilyId = stableGuid(`${sourceId}/snapshots`);
    const dataAccessAuthMode = asString(given.dataAccessAuthMode);
    if (dataAccessAuthMode !== undefined) trailing.dataAccessAuthMode = dataAccessAuthMode;
    return { trailing };
  });
}

export function snapshotRoutes(): RouteDefinition[] {
  return [
    {
      method: "GET",
      pattern: `${RG_PATH}/providers/Microsoft.Compute/snapshots`,
      name: "snapshots.listByResourceGroup",
      handler: (ctx) =>
        pagedList(
          ctx,
          listOfType(ctx, SNAPSHOT_TYPE, "resourceGroup").map((snapshot) => copyOf(snapshot.arm)),
        ),
    },
    {
      method: "GET",
      pattern: `${SUB_PATH}/providers/Microsoft.Compute/snapshots`,
      name: "snapshots.list",
      handler: (ctx) =>
        pagedList(
          ctx,
          listOfType(ctx, SNAPSHOT_TYPE, "subscription").map((snapshot) => copyOf(snapshot.arm)),
        ),
    },
    {
      method: "GET",
      pattern: SNAPSHOT_PATH,
      name: "snapshots.get",
      handler: (ctx) => ({ status: 200, body: copyOf(requireResource(ctx.core, refFromPath(ctx, SNAPSHOT_TYPE, "snapshotName")).arm) }),
    },
    {
      method: "PUT",
      pattern: SNAPSHOT_PATH,
      name: "snapshots.createOrUpdate",
      handler: (ctx) => putDiskLike(ctx, SNAPSHOT_TYPE, "snapshotName", "snapshot"),
    },
    {
      method: "DELETE",
      pattern: SNAPSHOT_PATH,
      name: "snapshots.delete",
      handler: (ctx) => deleteDiskLike(ctx, SNAPSHOT_TYPE, "snapshotName", "snapshot"),
    },
  ];
}

export const snapshotType: ResourceTypeHandler = { type: SNAPSHOT_TYPE, materialise: materialiseSnapshot };
