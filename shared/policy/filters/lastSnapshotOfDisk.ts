/**
 * `last-snapshot-of-disk`: whether a snapshot is the newest one of a disk that still exists.
 *
 * ```yaml
 * - last-snapshot-of-disk: false
 * ```
 *
 * The built-in pack never deletes the newest snapshot of a live disk: it is the one restore point
 * a retention sweep must leave, however old. Snapshots of a deleted disk are not "last" in this
 * sense (there is no disk left to protect); `snapshot-source` finds those. When the order cannot
 * be decided (this snapshot or a sibling has no creation time, or the disk is in another
 * subscription) the outcome is `unknown`, so nothing is deleted on a guess.
 *
 * Only a settled snapshot is a restore point: one Azure shows `Creating`, `Deleting` or `Failed`
 * (`provisioningState`) does not count as the newest of its disk, so a sweep that finds the newest
 * one being deleted keeps the one before it rather than deleting that too.
 */
import { unsettledStateOf } from "../../resourceTypes/provisioningState.ts";
import { createdAtMs } from "../inventoryIndex.ts";
import type { FilterDefinition } from "../registry.ts";
import type { InventoryResource } from "../types.ts";
import { formatDay } from "./format.ts";
import { snapshotSourceStatus } from "./snapshotSource.ts";

export interface LastSnapshotArgs {
  last: boolean;
}

export const lastSnapshotOfDiskFilter: FilterDefinition<LastSnapshotArgs> = {
  key: "last-snapshot-of-disk",
  summary: "Whether a snapshot is the newest of a disk that still exists (true) or not (false): the built-in pack never deletes those.",
  example: "{ last-snapshot-of-disk: false }",
  appliesTo: ["snapshot"],
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["last-snapshot-of-disk"],
    properties: { "last-snapshot-of-disk": { type: "boolean" } },
  },
  parse(condition) {
    return { last: condition["last-snapshot-of-disk"] === true };
  },
  reads() {
    return ["properties.creationData.sourceResourceId", "properties.provisioningState", "createdAt"];
  },
  related: ["source-disk"],
  evaluate(resource, args, ctx) {
    if (resource.kind !== "snapshot") return { outcome: "not-applicable", reason: "not a snapshot" };
    const source = snapshotSourceStatus(resource, ctx);
    const answer = (last: boolean, reason: string) => ({
      outcome: last === args.last ? ("match" as const) : ("no-match" as const),
      reason,
    });
    switch (source.status) {
      case "none":
        return answer(false, "not taken from a disk (no creationData.sourceResourceId)");
      case "missing":
        return answer(false, `source disk ${source.name} no longer exists`);
      case "elsewhere":
        return { outcome: "unknown", reason: `source disk ${source.name} is in another subscription, outside this inventory` };
      case "exists":
        break;
    }
    const unsettled = unsettledStateOf(resource);
    if (unsettled) return answer(false, `${resource.name} is ${unsettled.state}: not a restore point of disk ${source.name}`);
    const siblings: InventoryResource[] = [];
    const notCounted: string[] = [];
    for (const sibling of ctx.index.snapshotsBySourceDisk.get(source.id.toLowerCase()) ?? [resource]) {
      const state = unsettledStateOf(sibling)?.state;
      if (state === undefined) siblings.push(sibling);
      else notCounted.push(`${sibling.name} is ${state}`);
    }
    const undated = siblings.filter((sibling) => createdAtMs(sibling) === undefined);
    if (undated.length > 0) {
      return {
        outcome: "unknown",
        reason: `cannot tell the newest snapshot of disk ${source.name}: ${undated.map((sibling) => sibling.name).join(", ")} has no creation time`,
      };
    }
    const own = createdAtMs(resource) as number;
    const newer = siblings.filter((sibling) => (createdAtMs(sibling) as number) > own);
    const count = siblings.length === 1 ? "the only snapshot" : `the newest of ${siblings.length} snapshots`;
    const aside = notCounted.length === 0 ? "" : ` (not counted: ${notCounted.join(", ")})`;
    if (newer.length === 0) return answer(true, `${count} of disk ${source.name}, which still exists${aside}`);
    const newest = newer.reduce((best, sibling) => ((createdAtMs(sibling) as number) > (createdAtMs(best) as number) ? sibling : best));
    return answer(
      false,
      `not the newest snapshot of disk ${source.name}: ${newest.name} (${formatDay(createdAtMs(newest) as number)}) is newer`,
    );
  },
};
