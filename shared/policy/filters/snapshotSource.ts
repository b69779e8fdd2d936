/**
 * `snapshot-source`: whether the disk a snapshot was taken from still exists.
 *
 * ```yaml
 * - snapshot-source: missing
 * ```
 *
 * The source is `properties.creationData.sourceResourceId`. A snapshot imported from a VHD has
 * none (not applicable). A source in another subscription is outside the inventory, so whether it
 * exists is `unknown`, never "missing".
 */
import { armIdOrUndefined } from "../../azure/resourceId.ts";
import type { EvaluationContext, FilterDefinition } from "../registry.ts";
import { snapshotSourceId } from "../inventoryIndex.ts";
import type { InventoryResource } from "../types.ts";
import { resourceNameOf } from "../../azure/resourceId.ts";

export type SourceStatus =
  | { status: "none" }
  | { status: "exists"; id: string; name: string }
  | { status: "missing"; id: string; name: string }
  | { status: "elsewhere"; id: string; name: string };

function subscriptionOf(id: string): string | undefined {
  return armIdOrUndefined(id)?.subscriptionId.toLowerCase();
}

/** Where a snapshot's source disk stands, as far as this inventory can tell. */
export function snapshotSourceStatus(resource: InventoryResource, ctx: Pick<EvaluationContext, "index" | "inventory">): SourceStatus {
  const id = snapshotSourceId(resource);
  if (id === undefined) return { status: "none" };
  const name = resourceNameOf(id);
  if (ctx.index.byId.has(id.toLowerCase())) return { status: "exists", id, name };
  const subscription = subscriptionOf(id);
  if (subscription !== undefined && subscription !== ctx.inventory.subscriptionId.toLowerCase()) return { status: "elsewhere", id, name };
  return { status: "missing", id, name };
}

export interface SnapshotSourceArgs {
  exists: boolean;
}

export const snapshotSourceFilter: FilterDefinition<SnapshotSourceArgs> = {
  key: "snapshot-source",
  summary: "Whether the disk a snapshot was taken from still exists (exists or missing).",
  example: "{ snapshot-source: missing }",
  appliesTo: ["snapshot"],
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["snapshot-source"],
    properties: { "snapshot-source": { enum: ["exists", "missing"] } },
  },
  parse(condition) {
    return { exists: condition["snapshot-source"] === "exists" };
  },
  reads() {
    return ["properties.creationData.sourceResourceId"];
  },
  related: ["source-disk"],
  evaluate(resource, args, ctx) {
    if (resource.kind !== "snapshot") return { outcome: "not-applicable", reason: "not a snapshot" };
    const source = snapshotSourceStatus(resource, ctx);
    switch (source.status) {
      case "none":
        return { outcome: "not-applicable", reason: "the snapshot was not taken from a disk (no creationData.sourceResourceId)" };
      case "elsewhere":
        return { outcome: "unknown", reason: `source disk ${source.name} is in another subscription, outside this inventory` };
      case "exists":
        return { outcome: args.exists ? "match" : "no-match", reason: `source disk ${source.name} exists` };
      case "missing":
        return { outcome: args.exists ? "no-match" : "match", reason: `source disk ${source.name} no longer exists` };
    }
  },
};
