/**
 * What managed disks and snapshots have in common: `creationData` and what a copy inherits from
 * its source, sizes and ids, the PUT that marks the source busy while the copy is made, and the
 * DELETE that refuses while a copy is being made from the resource.
 */
import type { EmulatorCore, MaterialiseInput } from "../../core.ts";
import { ArmError, badRequest } from "../../errors.ts";
import type { RouteContext, RouteResult } from "../../router.ts";
import type { ArmResource, StoredResource } from "../../store.ts";
import {
  asNumber,
  asObject,
  asString,
  DISK_TYPE,
  emitChange,
  findResource,
  type Json,
  normaliseLocation,
  refFromPath,
  copyOf,
  SNAPSHOT_TYPE,
  stableGuid,
  startOperation,
  validatePutBody,
} from "./common.ts";
import { copiesInProgress, markCopySource } from "./links.ts";
import { recordModelChange } from "../../modelHistory.ts";

const GIB = 1024 ** 3;

/** Properties a copy takes from its source disk or snapshot unless the body says otherwise. */
const INHERITED = [
  "osType",
  "hyperVGeneration",
  "purchasePlan",
  "supportedCapabilities",
  "supportsHibernation",
  "securityProfile",
  "encryptionSettingsCollection",
] as const;

/** Read-only properties a client may send back from a GET; ARM ignores them. */
const READ_ONLY = [
  "uniqueId",
  "timeCreated",
  "provisioningState",
  "diskState",
  "diskSizeBytes",
  "LastOwnershipUpdateTime",
  "incrementalSnapshotFamilyId",
];

/** `sourceResourceId` as the store keys it (ARM's examples sometimes drop the leading slash). */
export function sourceIdOf(creationData: Json | undefined): string | undefined {
  const id = asString(creationData?.sourceResourceId);
  return id === undefined ? undefined : id.startsWith("/") ? id : `/${id}`;
}

function isDiskOrSnapshot(resource: StoredResource | undefined): resource is StoredResource {
  const type = resource?.arm.type.toLowerCase();
  return type === DISK_TYPE.toLowerCase() || type === SNAPSHOT_TYPE.toLowerCase();
}

export function copySource(core: EmulatorCore, creationData: Json | undefined): StoredResource | undefined {
  const id = sourceIdOf(creationData);
  const found = id === undefined ? undefined : core.store.get(id);
  return isDiskOrSnapshot(found) ? found : undefined;
}

function skuTier(name: string): string {
  if (name.startsWith("Premium")) return "Premium";
  if (name.startsWith("UltraSSD")) return "Ultra";
  return "Standard";
}

/**
 * Builds a disk or snapshot. `extra` adds what only one type has: `leading` properties go before
 * `creationData`, `trailing` ones after the derived ids and sizes (the order of ARM's payloads).
 */
export function materialiseDiskLike(
  input: MaterialiseInput,
  type: string,
  extra: (context: { given: Json; source: StoredResource | undefined; createOption: string }) => { leading?: Json; trailing?: Json },
): StoredResource {
  const { id, name, body, existing, core } = input;
  const previous = existing?.arm.properties ?? {};
  const given: Json = { ...previous, ...(asObject(body.properties) ?? {}) };
  for (const key of READ_ONLY) delete given[key];
  // creationData cannot change once the resource exists.
  const creationInput = asObject(previous.creationData) ?? asObject(given.creationData) ?? {};
  const createOption = asString(creationInput.createOption) ?? "Empty";
  const source = copySource(core, creationInput);
  const sourceProperties = source?.arm.properties ?? {};

  const { creationData: _creationData, diskSizeGB, encryption, timeCreated: _timeCreated, ...passthrough } = given;
  const inherited: Json = {};
  for (const key of INHERITED) {
    const value = given[key] ?? sourceProperties[key];
    delete passthrough[key];
    if (value !== undefined) inherited[key] = value;
  }
  if (inherited.osType !== undefined && inherited.hyperVGeneration === undefined) inherited.hyperVGeneration = "V2";

  const sizeGb =
    asNumber(diskSizeGB) ??
    asNumber(sourceProperties.diskSizeGB) ??
    (inherited.osType === "Windows" ? 127 : inherited.osType !== undefined ? 30 : 32);
  const creationData: Json = { ...creationInput, createOption };
  if (source) {
    creationData.sourceResourceId = source.arm.id;
    const uniqueId = asString(sourceProperties.uniqueId);
    if (uniqueId !== undefined) creationData.sourceUniqueId = uniqueId;
  }
  const timeCreated = asString(previous.timeCreated) ?? asString(asObject(body.properties)?.timeCreated) ?? core.nowIso();
  const parts = extra({ given, source, createOption });
  for (const key of Object.keys({ ...parts.leading, ...parts.trailing })) delete passthrough[key];

  const properties: Json = {
    ...passthrough,
    ...inherited,
    ...parts.leading,
    creationData,
    diskSizeGB: sizeGb,
    diskSizeBytes: sizeGb * GIB,
    uniqueId: stableGuid(id),
    encryption: asObject(encryption) ?? { type: "EncryptionAtRestWithPlatformKey" },
    networkAccessPolicy: asString(given.networkAccessPolicy) ?? "AllowAll",
    publicNetworkAccess: asString(given.publicNetworkAccess) ?? "Enabled",
    ...parts.trailing,
    timeCreated,
    provisioningState: "Succeeded",
  };

  const { properties: _properties, location, tags, sku, id: _id, name: _name, type: _type, managedBy: _managedBy, ...topLevel } = body;
  const { properties: _p, managedBy: _m, ...previousTop } = existing?.arm ?? ({} as Partial<ArmResource>);
  const skuName = asString(asObject(sku)?.name) ?? asString(asObject(existing?.arm.sku)?.name) ?? "Standard_LRS";
  const arm: ArmResource = {
    ...previousTop,
    ...topLevel,
    id,
    name,
    type,
    location: normaliseLocation(asString(location) ?? existing?.arm.location ?? "westeurope"),
    tags: (asObject(tags) as Record<string, string> | undefined) ?? existing?.arm.tags ?? {},
    sku: { name: skuName, tier: skuTier(skuName) },
    properties,
  };
  return { arm, sim: { ...(existing?.sim ?? {}), ...(input.sim ?? {}) } };
}

/** Type checks of a disk or snapshot body, so that a malformed one changes nothing. */
function validateDiskLikeBody(
  core: EmulatorCore,
  body: Json,
  existing: StoredResource | undefined,
  kind: "disk" | "snapshot",
): StoredResource | undefined {
  const properties = asObject(body.properties) ?? {};
  const creationData = properties.creationData;
  if (creationData !== undefined && !asObject(creationData))
    throw badRequest("The value of parameter 'creationData' is invalid: expected an object.", "InvalidParameter");
  const size = properties.diskSizeGB;
  if (size !== undefined && (asNumber(size) === undefined || (size as number) <= 0)) {
    throw badRequest("The value of parameter 'diskSizeGB' is invalid: expected a positive number.", "InvalidParameter");
  }
  if (existing) return undefined;
  const createOption = asString(asObject(creationData)?.createOption);
  if (createOption === undefined) throw badRequest("Required parameter 'creationData.createOption' is missing (null).", "InvalidParameter");
  if (kind === "disk" && createOption === "Empty" && size === undefined) {
    throw badRequest("Required parameter 'diskSizeGB' is missing (null).", "InvalidParameter");
  }
  if (createOption !== "Copy") return undefined;
  const sourceId = sourceIdOf(asObject(creationData));
  if (sourceId === undefined) throw badRequest("Required parameter 'creationData.sourceResourceId' is missing (null).", "InvalidParameter");
  const source = copySource(core, asObject(creationData));
  if (!source) throw new ArmError(404, "NotFound", `The source resource '${sourceId}' of the copy was not found.`);
  return source;
}

/** PUT of a disk or snapshot: 202 with the resource as it is being made; a copy keeps its source busy until done. */
export function putDiskLike(
  ctx: RouteContext,
  type: string,
  nameParam: string,
  kind: "disk" | "snapshot",
  sent: unknown = ctx.body,
): RouteResult {
  const { core } = ctx;
  const ref = refFromPath(ctx, type, nameParam);
  core.store.requireGroup(ref.subscriptionId, ref.resourceGroup);
  const existing = findResource(core, ref);
  const body = validatePutBody(sent, existing, type);
  const source = validateDiskLikeBody(core, body, existing, kind);
  if (kind === "disk" && existing) checkSkuChange(core, existing, asString(asObject(body.sku)?.name));
  const resource = core.materialise(type, { id: ref.id, name: ref.name, body, ...(existing ? { existing } : {}) });
  if (existing) {
    const skuOf = (stored: StoredResource): string | undefined => asString(asObject(stored.arm.sku)?.name);
    recordModelChange(core, { sku: skuOf(existing) }, resource, { sku: skuOf(resource) });
  }
  (resource.arm.properties ??= {}).provisioningState = "Updating";
  core.store.put(resource);
  const release = source ? markCopySource(core, source.arm.id, ref.id) : () => {};
  return startOperation(
    ctx,
    resource.arm.location,
    () => {
      release();
      const current = findResource(core, ref);
      if (!current) return undefined;
      (current.arm.properties ??= {}).provisioningState = "Succeeded";
      emitChange(core, "write", current.arm, "write");
      return copyOf(current.arm);
    },
    { initialStatus: 202, initialBody: copyOf(resource.arm) },
  );
}

/**
 * Azure changes a disk's SKU (Premium_LRS to Standard_LRS…) only while no running VM uses it: the
 * disk must be unattached, or its VM deallocated. Otherwise 409 `OperationNotAllowed`.
 */
function checkSkuChange(core: EmulatorCore, disk: StoredResource, requested: string | undefined): void {
  const current = asString(asObject(disk.arm.sku)?.name);
  if (requested === undefined || current === undefined || requested.toLowerCase() === current.toLowerCase()) return;
  const owner = asString(disk.arm.managedBy);
  const vm = owner === undefined ? undefined : core.store.get(owner);
  if (!vm) return;
  const power = typeof vm.sim.powerState === "string" ? vm.sim.powerState : "running";
  if (power === "deallocated") return;
  throw new ArmError(
    409,
    "OperationNotAllowed",
    `The SKU of disk '${disk.arm.name}' can be changed only while it is unattached or its VM is deallocated: VM '${vm.arm.name}' is ${power}. Deallocate the VM or detach the disk, then retry.`,
  );
}

/** PATCH of a disk (its SKU, size or tags): the body laid over the disk, then checked as a PUT is. */
export function patchDisk(ctx: RouteContext, type: string, nameParam: string): RouteResult {
  const { core } = ctx;
  const ref = refFromPath(ctx, type, nameParam);
  const existing = findResource(core, ref);
  if (!existing) {
    core.store.requireGroup(ref.subscriptionId, ref.resourceGroup);
    throw new ArmError(
      404,
      "ResourceNotFound",
      `The Resource '${type}/${ref.name}' under resource group '${ref.resourceGroup}' was not found.`,
    );
  }
  const patch = asObject(ctx.body);
  if (!patch) throw badRequest("The request content was invalid and could not be deserialized: the body must be a JSON object.");
  const body: Json = {
    location: existing.arm.location,
    tags: asObject(patch.tags) ?? existing.arm.tags ?? {},
    sku: asObject(patch.sku) ?? existing.arm.sku,
    properties: { ...(existing.arm.properties ?? {}), ...(asObject(patch.properties) ?? {}) },
  };
  const answer = putDiskLike(ctx, type, nameParam, "disk", body);
  // A PATCH answers 200 with the resource, like Compute's other updates.
  return { ...answer, status: 200 };
}

/**
 * DELETE of a disk or snapshot: 204 when there is nothing to delete, 409 while it is in use;
 * otherwise long-running, the resource showing `provisioningState: Deleting` (in a GET, a list and
 * Resource Graph) until the operation completes and it is gone.
 */
export function deleteDiskLike(ctx: RouteContext, type: string, nameParam: string, kind: "disk" | "snapshot"): RouteResult {
  const { core } = ctx;
  const ref = refFromPath(ctx, type, nameParam);
  const resource = findResource(core, ref);
  if (!resource) {
    core.store.requireGroup(ref.subscriptionId, ref.resourceGroup);
    return { status: 204 };
  }
  const owner = asString(resource.arm.managedBy);
  if (owner !== undefined) {
    throw new ArmError(
      409,
      "OperationNotAllowed",
      `Disk '${resource.arm.name}' is attached to VM '${owner}'. Detach it before deleting it.`,
    );
  }
  const copies = copiesInProgress(resource);
  if (copies.length > 0) {
    throw new ArmError(
      409,
      "Conflict",
      `The ${kind} '${resource.arm.name}' cannot be deleted while it is the source of a copy in progress: ${copies.join(", ")}. Retry after the copy completes.`,
    );
  }
  (resource.arm.properties ??= {}).provisioningState = "Deleting";
  return startOperation(ctx, resource.arm.location, () => {
    const current = findResource(core, ref);
    if (!current) return undefined;
    core.store.delete(current.arm.id);
    emitChange(core, "delete", current.arm, "delete");
    return undefined;
  });
}
