/**
 * The links between Compute resources that ARM keeps on both sides: a VM names its disks and
 * each disk names its VM (`managedBy`, `diskState`); a disk or snapshot being copied is busy
 * until the copy's create operation completes.
 */
import type { EmulatorCore } from "../../core.ts";
import { idKey } from "../../../shared/azure/resourceId.ts";
import type { StoredResource } from "../../store.ts";
import { asObject, asString, DISK_TYPE, type Json, sameId, VM_TYPE } from "./common.ts";

/**
 * Which VM claims which disk, by disk id. Kept beside the store because an estate may list a VM
 * before its disks: the disk then finds its owner here when it is materialised.
 */
const claimsByCore = new WeakMap<EmulatorCore, Map<string, string>>();

function claims(core: EmulatorCore): Map<string, string> {
  let found = claimsByCore.get(core);
  if (!found) {
    found = new Map();
    claimsByCore.set(core, found);
  }
  return found;
}

/** Ids of the managed disks a VM's storage profile names (OS disk first). */
export function managedDiskIds(properties: Json | undefined): string[] {
  const storage = asObject(properties?.storageProfile);
  const disks = [asObject(storage?.osDisk), ...(Array.isArray(storage?.dataDisks) ? storage.dataDisks.map(asObject) : [])];
  const ids: string[] = [];
  for (const disk of disks) {
    const id = asString(asObject(disk?.managedDisk)?.id);
    if (id !== undefined) ids.push(id);
  }
  return ids;
}

/** The VM that holds the disk, if that VM still exists. */
export function ownerOf(core: EmulatorCore, diskId: string): string | undefined {
  const vmId = claims(core).get(idKey(diskId));
  if (vmId === undefined) return undefined;
  // A VM removed by other means (the generic resources API) lets go of its disks.
  const vm = core.store.get(vmId);
  return vm !== undefined && vm.arm.type.toLowerCase() === VM_TYPE.toLowerCase() ? vm.arm.id : undefined;
}

function markAttached(disk: StoredResource, vmId: string, at: string): void {
  if (sameId(disk.arm.managedBy as string | undefined, vmId)) return;
  disk.arm.managedBy = vmId;
  const properties = (disk.arm.properties ??= {});
  properties.diskState = "Attached";
  properties.LastOwnershipUpdateTime = at;
}

function markDetached(disk: StoredResource, at: string): void {
  if (disk.arm.managedBy === undefined) return;
  delete disk.arm.managedBy;
  const properties = (disk.arm.properties ??= {});
  properties.diskState = "Unattached";
  properties.LastOwnershipUpdateTime = at;
}

/** Records that the VM now holds exactly `diskIds`: disks it no longer names are let go (`at`: when, by default now). */
export function claimDisks(core: EmulatorCore, vmId: string, diskIds: string[], previousIds: string[], at = core.nowIso()): void {
  const registry = claims(core);
  const kept = new Set(diskIds.map(idKey));
  for (const previous of previousIds) {
    const key = idKey(previous);
    if (kept.has(key) || !sameId(registry.get(key), vmId)) continue;
    registry.delete(key);
    const disk = core.store.get(previous);
    if (disk && sameId(disk.arm.managedBy as string | undefined, vmId)) markDetached(disk, at);
  }
  for (const diskId of diskIds) {
    registry.set(idKey(diskId), vmId);
    const disk = core.store.get(diskId);
    if (disk && disk.arm.type.toLowerCase() === DISK_TYPE.toLowerCase()) markAttached(disk, vmId, at);
  }
}

/** The VM is gone: its disks are unattached (those deleted with it are removed by the caller). */
export function releaseDisks(core: EmulatorCore, vmId: string, diskIds: string[]): void {
  claimDisks(core, vmId, [], diskIds);
}

/** A VM other than `vmId` that holds one of these disks, for the 409 ARM gives on a double attach. */
export function diskHeldElsewhere(core: EmulatorCore, vmId: string, diskIds: string[]): { diskId: string; owner: string } | undefined {
  for (const diskId of diskIds) {
    const disk = core.store.get(diskId);
    const owner = ownerOf(core, diskId) ?? (disk?.arm.managedBy as string | undefined);
    if (owner !== undefined && !sameId(owner, vmId) && core.store.get(owner)) return { diskId, owner };
  }
  return undefined;
}

/** Marks a disk or snapshot as the source of a copy in progress; returns the release. */
export function markCopySource(core: EmulatorCore, sourceId: string, targetId: string): () => void {
  const source = core.store.get(sourceId);
  if (!source) return () => {};
  const copies = Array.isArray(source.sim.copiesInProgress) ? (source.sim.copiesInProgress as string[]) : [];
  source.sim.copiesInProgress = [...copies, targetId];
  return () => {
    const current = core.store.get(sourceId);
    if (!current || !Array.isArray(current.sim.copiesInProgress)) return;
    const remaining = (current.sim.copiesInProgress as string[]).filter((id) => !sameId(id, targetId));
    if (remaining.length > 0) current.sim.copiesInProgress = remaining;
    else delete current.sim.copiesInProgress;
  };
}

/** The copies (disk or snapshot ids) still being created from this resource. */
export function copiesInProgress(resource: StoredResource): string[] {
  return Array.isArray(resource.sim.copiesInProgress) ? (resource.sim.copiesInProgress as string[]) : [];
}
