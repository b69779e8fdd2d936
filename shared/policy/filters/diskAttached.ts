/**
 * `disk-attached`: whether a managed disk is attached to a VM, and for how long it has not been.
 *
 * ```yaml
 * - disk-attached: false
 * - disk-attached: { attached: false, detachedFor: 30d }
 * ```
 *
 * `detachedFor` (with `attached: false`) holds for an unattached disk whose last detach, as Azure
 * records it (`properties.LastOwnershipUpdateTime`: the time the disk was last attached to or
 * detached from a VM), is at least that long ago. A disk Azure gives no such time for (one never
 * attached, or detached before Azure recorded it) is `unknown`: nobody knows how long it has been
 * unused, so nothing is deleted on a guess (combine with `age` in an `any` to decide on those).
 *
 * Attached when `managedBy` (or, for shared disks, `managedByExtended`) names a VM, or when
 * `properties.diskState` says Attached or Reserved (attached to a deallocated VM). A disk being
 * exported or uploaded (ActiveSAS, ReadyToUpload, ActiveUpload…) is in use without being
 * attached: `unknown`, so nobody deletes a disk in the middle of its export.
 */
import type { FilterDefinition } from "../registry.ts";
import { DURATION_PATTERN } from "../schema.ts";
import type { InventoryResource } from "../types.ts";
import { resourceNameOf } from "../../azure/resourceId.ts";
import { parseDuration } from "../../time/duration.ts";
import { formatDay, formatElapsed } from "./format.ts";

export interface DiskAttachedArgs {
  attached: boolean;
  /** Unattached for at least this long, as written (`30d`) and in milliseconds. */
  detachedFor?: { text: string; ms: number };
}

/** When Azure says the disk was last attached or detached; `undefined` when it does not say. */
export function lastOwnershipChangeMs(disk: InventoryResource): number | undefined {
  const raw = disk.properties.LastOwnershipUpdateTime;
  const ms = typeof raw === "string" ? Date.parse(raw) : Number.NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

export type Attachment = { attached: true; to: string } | { attached: false } | { inUse: string };

/** Whether a disk is attached, to what, or in use without being attached (an export, an upload). */
export function attachmentOf(disk: InventoryResource): Attachment {
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
  summary:
    "Whether a managed disk is attached to a VM (true or false), or unattached for at least detachedFor since Azure's LastOwnershipUpdateTime.",
  example: "{ disk-attached: { attached: false, detachedFor: 30d } }",
  appliesTo: ["disk"],
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["disk-attached"],
    properties: {
      "disk-attached": {
        oneOf: [
          { type: "boolean" },
          {
            type: "object",
            additionalProperties: false,
            required: ["attached"],
            properties: {
              attached: { type: "boolean" },
              detachedFor: {
                type: "string",
                pattern: DURATION_PATTERN,
                description: "Unattached for at least this long since Azure's LastOwnershipUpdateTime, e.g. 30d (with attached: false).",
              },
            },
          },
        ],
      },
    },
  },
  parse(condition) {
    const value = condition["disk-attached"];
    if (typeof value === "boolean") return { attached: value };
    const { attached, detachedFor } = value as { attached: boolean; detachedFor?: string };
    if (detachedFor === undefined) return { attached };
    if (attached) throw new Error("detachedFor applies to unattached disks: write attached: false with it");
    return { attached, detachedFor: { text: detachedFor, ms: parseDuration(detachedFor) } };
  },
  reads(args) {
    return [
      "managedBy",
      "properties.managedByExtended",
      "properties.diskState",
      ...(args.detachedFor === undefined ? [] : ["properties.LastOwnershipUpdateTime"]),
    ];
  },
  evaluate(resource, args, ctx) {
    if (resource.kind !== "disk") return { outcome: "not-applicable", reason: "not a managed disk" };
    const attachment = attachmentOf(resource);
    if ("inUse" in attachment) return { outcome: "unknown", reason: `disk state ${attachment.inUse}: in use by an export or upload` };
    const reason = attachment.attached ? `attached to ${attachment.to}` : "not attached to any VM";
    if (args.detachedFor === undefined || attachment.attached)
      return { outcome: attachment.attached === args.attached ? "match" : "no-match", reason };
    const since = lastOwnershipChangeMs(resource);
    if (since === undefined)
      return {
        outcome: "unknown",
        reason: `${reason}, but Azure does not say since when (no LastOwnershipUpdateTime): not known to be detached for ${args.detachedFor.text}`,
      };
    const elapsed = ctx.now.getTime() - since;
    const detached = `${reason} since ${formatDay(since)} (${formatElapsed(elapsed)}, LastOwnershipUpdateTime)`;
    return elapsed >= args.detachedFor.ms
      ? { outcome: "match", reason: `${detached} ≥ ${args.detachedFor.text}` }
      : { outcome: "no-match", reason: `${detached} < ${args.detachedFor.text}` };
  },
};
