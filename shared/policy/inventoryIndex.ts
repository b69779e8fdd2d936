/** The lookups several filters need over one inventory, built once per evaluation. */
import type { InventoryIndex } from "./registry.ts";
import type { Inventory, InventoryResource } from "./types.ts";

/** Creation time in epoch ms: the normalised field, else ARM's `properties.timeCreated`; undefined when neither reads as a date. */
export function createdAtMs(resource: InventoryResource): number | undefined {
  const raw = resource.createdAt ?? resource.properties.timeCreated;
  if (typeof raw !== "string" || raw.trim() === "") return undefined;
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The id of the disk (or snapshot) a snapshot was copied from, as ARM records it. */
export function snapshotSourceId(resource: InventoryResource): string | undefined {
  const creationData = resource.properties.creationData;
  if (creationData === null || typeof creationData !== "object") return undefined;
  const source = (creationData as Record<string, unknown>).sourceResourceId;
  return typeof source === "string" && source !== "" ? source : undefined;
}

/**
 * `byId` is keyed by lower-case id, because ARM ids are case-insensitive and Resource Graph does
 * not always return them in the case they were created with. Snapshots of each source disk are
 * listed newest first; those without a readable creation time come last.
 */
export function buildIndex(inventory: Pick<Inventory, "resources">): InventoryIndex {
  const byId = new Map<string, InventoryResource>();
  const snapshotsBySourceDisk = new Map<string, InventoryResource[]>();
  for (const resource of inventory.resources) {
    byId.set(resource.id.toLowerCase(), resource);
    if (resource.kind !== "snapshot") continue;
    const source = snapshotSourceId(resource)?.toLowerCase();
    if (source === undefined) continue;
    const siblings = snapshotsBySourceDisk.get(source);
    if (siblings) siblings.push(resource);
    else snapshotsBySourceDisk.set(source, [resource]);
  }
  for (const siblings of snapshotsBySourceDisk.values()) {
    siblings.sort((a, b) => (createdAtMs(b) ?? -Infinity) - (createdAtMs(a) ?? -Infinity) || a.id.localeCompare(b.id));
  }
  return { byId, snapshotsBySourceDisk };
}
