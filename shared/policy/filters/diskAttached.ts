/**
 * `disk-attached`: whether a managed disk is attached to a VM.
 *
 * ```yaml
 * - disk-attached: false
 * ```
 *
 * Attached when `managedBy` (or, for shared disks, `managedByExtended`) names a VM, or when
 * `properties.diskState` says Attached or Reserved (attached to a deallocated VM). A disk being
 * exported or uploaded (ActiveSAS, ReadyToUpload, ActiveUpload…) is in use without being
 * attached: `unknown`, so nobody deletes a disk in the middle of its export.
 */
import type { FilterDefinition } from "../registry.ts";
import type { InventoryResource } from "../types.ts";
import { resourceNameOf } from "../../azure/resourceId.ts";

export interface DiskAttachedArgs {
  attached: boolean;
}

type Attachment = { attached: true; to: string } | { attached: false } | { inUse: string };

function attachmentOf(disk: InventoryResource): Attachment {
  if (disk.managedBy) return { attached: true, to: resourceNameOf(disk.managedBy) };
  const extended = disk.properties.managedByExtended;
  if (Array.isArray(extended) && extended.length > 0)
    return { attached: true, to: extended.map((id) => resourceNameOf(String(id))).join(", ") };
  const state = disk.properties.diskState;
  if (state === undefined || state === "Unattached") return { attached: false };
  if (state === "Attached" || state === "Reserved") return { attached: true, to: `a VM (disk state ${state})` };
  return { inUse: typeof state === "string" ? state : JSON.stringify(state) };
}

export const diskAttachedFilter: FilterDefinition<DiskAttachedArgs> = {
  key: "disk-attached",
  summary: "Whether a managed disk is attached to a VM (true or false).",
  example: "{ disk-attached: false }",
  appliesTo: ["disk"],
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["disk-attached"],
    properties: { "disk-attached": { type: "boolean" } },
  },
  parse(condition) {
    return { attached: condition["disk-attached"] === true };
  },
  reads() {
    return ["managedBy", "properties.managedByExtended", "properties.diskState"];
  },
  evaluate(resource, args) {
    if (resource.kind !== "disk") return { outcome: "not-applicable", reason: "not a managed disk" };
    const attachment = attachmentOf(resource);
    if ("inUse" in attachment) return { outcome: "unknown", reason: `disk state ${attachment.inUse}: in use by an export or upload` };
    const reason = attachment.attached ? `attached to ${attachment.to}` : "not attached to any VM";
    return { outcome: attachment.attached === args.attached ? "match" : "no-match", reason };
  },
};
