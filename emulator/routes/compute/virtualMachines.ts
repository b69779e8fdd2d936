/**
 * Microsoft.Compute/virtualMachines: the VM model as ARM returns it, its lists, the instance
 * view, create/update and delete, and the power actions Governor uses (deallocate, start,
 * power off) as long-running operations whose transitional state shows until they complete.
 */
import type { EmulatorCore, MaterialiseInput, ResourceTypeHandler } from "../../core.ts";
import { ArmError, badRequest } from "../../errors.ts";
import { pagedList } from "../../paging.ts";
import { parseArmId, resourceGroupId } from "../../../shared/azure/resourceId.ts";
import type { RouteContext, RouteDefinition, RouteResult } from "../../router.ts";
import type { ArmResource, SimulationState, StoredResource } from "../../store.ts";
import {
  asNumber,
  asObject,
  asString,
  DISK_TYPE,
  emitChange,
  EXTENSION_TYPE,
  findResource,
  type Json,
  listOfType,
  normaliseLocation,
  RG_PATH,
  refFromPath,
  requireResource,
  copyOf,
  stableGuid,
  stableHex,
  startOperation,
  SUB_PATH,
  validatePutBody,
  VM_TYPE,
} from "./common.ts";
import { powerStateOf, vmInstanceView } from "./instanceView.ts";
import { setPowerState } from "../../powerHistory.ts";
import { declareReferences } from "../../references.ts";
import { availableSizesBody, checkResize } from "./resize.ts";
import { recordModelChange } from "../../modelHistory.ts";
import { claimDisks, diskHeldElsewhere, managedDiskIds, releaseDisks } from "./links.ts";

const VM_PATH = `${RG_PATH}/providers/Microsoft.Compute/virtualMachines/{vmName}`;
const DEFAULT_VM_SIZE = "Standard_D2s_v5";
const TRANSITIONAL_STATES = new Set(["deallocating", "starting", "stopping"]);

function inferOsType(osDisk: Json, image: Json | undefined): string {
  const given = asString(osDisk.osType);
  if (given !== undefined) return given;
  const text = `${asString(image?.publisher) ?? ""} ${asString(image?.offer) ?? ""}`;
  return /windows/i.test(text) ? "Windows" : "Linux";
}

function defaultImage(osType: string): Json {
  return osType === "Windows"
    ? { publisher: "MicrosoftWindowsServer", offer: "WindowsServer", sku: "2022-datacenter-azure-edition", version: "latest" }
    : { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" };
}

function lastSegment(id: string): string {
  return (
    id
      .split("/")
      .filter((part) => part.length > 0)
      .at(-1) ?? id
  );
}

function storedDisk(core: EmulatorCore, id: string): StoredResource | undefined {
  const found = core.store.get(id);
  return found?.arm.type.toLowerCase() === DISK_TYPE.toLowerCase() ? found : undefined;
}

function diskDefaults(core: EmulatorCore, diskId: string): { size?: number; sku?: string } {
  const disk = storedDisk(core, diskId);
  const size = asNumber(disk?.arm.properties?.diskSizeGB);
  const sku = asString(asObject(disk?.arm.sku)?.name);
  return { ...(size === undefined ? {} : { size }), ...(sku === undefined ? {} : { sku }) };
}

function osDiskModel(core: EmulatorCore, vmId: string, vmName: string, disksPrefix: string, given: Json, osType: string): Json {
  const managed = asObject(given.managedDisk);
  const vhd = asObject(given.vhd);
  const givenId = asString(managed?.id);
  const name = asString(given.name) ?? (givenId === undefined ? `${vmName}_OsDisk_1_${stableHex(vmId)}` : lastSegment(givenId));
  const diskId = givenId ?? `${disksPrefix}/${name}`;
  const stored = diskDefaults(core, diskId);
  const model: Json = {
    ...given,
    osType,
    name,
    createOption: asString(given.createOption) ?? "FromImage",
    caching: asString(given.caching) ?? "ReadWrite",
  };
  if (vhd) delete model.managedDisk;
  else
    model.managedDisk = {
      ...managed,
      storageAccountType: asString(managed?.storageAccountType) ?? stored.sku ?? "Premium_LRS",
      id: diskId,
    };
  model.deleteOption = asString(given.deleteOption) ?? "Detach";
  model.diskSizeGB = asNumber(given.diskSizeGB) ?? stored.size ?? (osType === "Windows" ? 127 : 30);
  return model;
}

function dataDiskModel(core: EmulatorCore, vmName: string, disksPrefix: string, given: Json, index: number): Json {
  const managed = asObject(given.managedDisk);
  const vhd = asObject(given.vhd);
  const lun = asNumber(given.lun) ?? index;
  const givenId = asString(managed?.id);
  const name = asString(given.name) ?? (givenId === undefined ? `${vmName}_DataDisk_${lun}` : lastSegment(givenId));
  const diskId = givenId ?? `${disksPrefix}/${name}`;
  const stored = diskDefaults(core, diskId);
  const model: Json = {
    ...given,
    lun,
    name,
    createOption: asString(given.createOption) ?? (storedDisk(core, diskId) ? "Attach" : "Empty"),
    caching: asString(given.caching) ?? "None",
    writeAcceleratorEnabled: given.writeAcceleratorEnabled === true,
  };
  if (vhd) delete model.managedDisk;
  else
    model.managedDisk = {
      ...managed,
      storageAccountType: asString(managed?.storageAccountType) ?? stored.sku ?? "Premium_LRS",
      id: diskId,
    };
  model.deleteOption = asString(given.deleteOption) ?? "Detach";
  model.diskSizeGB = asNumber(given.diskSizeGB) ?? stored.size ?? 128;
  model.toBeDetached = given.toBeDetached === true;
  return model;
}

function osProfileModel(vmName: string, given: Json, osType: string): Json {
  // ARM never returns the password or custom data it was given.
  const { adminPassword: _password, customData: _customData, ...rest } = given;
  const profile: Json = {
    computerName: osType === "Windows" ? vmName.slice(0, 15) : vmName,
    adminUsername: "azureuser",
    ...rest,
  };
  if (osType === "Windows") {
    profile.windowsConfiguration = {
      provisionVMAgent: true,
      enableAutomaticUpdates: true,
      patchSettings: { patchMode: "AutomaticByOS", assessmentMode: "ImageDefault" },
      ...asObject(rest.windowsConfiguration),
    };
  } else {
    const linux = asObject(rest.linuxConfiguration) ?? {};
    const keys = asObject(linux.ssh)?.publicKeys;
    profile.linuxConfiguration = {
      disablePasswordAuthentication: Array.isArray(keys) && keys.length > 0,
      provisionVMAgent: true,
      patchSettings: { patchMode: "ImageDefault", assessmentMode: "ImageDefault" },
      ...linux,
    };
  }
  profile.secrets = Array.isArray(rest.secrets) ? rest.secrets : [];
  profile.allowExtensionOperations = rest.allowExtensionOperations ?? true;
  profile.requireGuestProvisionSignal = rest.requireGuestProvisionSignal ?? true;
  return profile;
}

function nextEtag(previous: unknown): string {
  const match = typeof previous === "string" ? /^"?(\d+)"?$/.exec(previous) : null;
  return `"${match ? Number(match[1]) + 1 : 1}"`;
}

/** Turns a PUT body (or an estate entry) into the VM ARM returns, and claims the managed disks it names. */
export function materialiseVirtualMachine(input: MaterialiseInput): StoredResource {
  const { id, name, body, existing, core } = input;
  const parsed = parseArmId(id);
  const disksPrefix = `${resourceGroupId(parsed.subscriptionId, parsed.resourceGroup ?? "")}/providers/Microsoft.Compute/disks`;
  const previous = existing?.arm.properties ?? {};
  const given: Json = { ...previous, ...(asObject(body.properties) ?? {}) };
  const {
    vmId: _vmId,
    provisioningState: _provisioningState,
    timeCreated: givenTimeCreated,
    instanceView: _instanceView,
    userData,
    hardwareProfile,
    storageProfile,
    osProfile,
    networkProfile,
    diagnosticsProfile,
    extensionsTimeBudget,
    ...passthrough
  } = given;

  const storage = asObject(storageProfile) ?? {};
  const { imageReference, osDisk, dataDisks, ...storageRest } = storage;
  const osDiskGiven = asObject(osDisk) ?? {};
  const osType = inferOsType(osDiskGiven, asObject(imageReference));
  const osDiskOut = osDiskModel(core, id, name, disksPrefix, osDiskGiven, osType);
  const fromImage = osDiskOut.createOption === "FromImage";
  const image = asObject(imageReference) ?? (fromImage ? defaultImage(osType) : undefined);
  const dataDisksOut = (Array.isArray(dataDisks) ? dataDisks : []).map((disk, index) =>
    dataDiskModel(core, name, disksPrefix, asObject(disk) ?? {}, index),
  );

  const properties: Json = {
    ...passthrough,
    vmId: stableGuid(id),
    hardwareProfile: { ...asObject(hardwareProfile), vmSize: asString(asObject(hardwareProfile)?.vmSize) ?? DEFAULT_VM_SIZE },
    storageProfile: { ...storageRest, ...(image ? { imageReference: image } : {}), osDisk: osDiskOut, dataDisks: dataDisksOut },
  };
  // A VM booted from an attached (specialised) disk has no OS profile.
  if (osDiskOut.createOption !== "Attach") properties.osProfile = osProfileModel(name, asObject(osProfile) ?? {}, osType);
  properties.networkProfile = asObject(networkProfile) ?? {
    networkInterfaces: [
      {
        id: `${resourceGroupId(parsed.subscriptionId, parsed.resourceGroup ?? "")}/providers/Microsoft.Network/networkInterfaces/${name}-nic`,
      },
    ],
  };
  // The NICs show this VM as their `virtualMachine`.
  const nicIds = (
    Array.isArray(asObject(properties.networkProfile)?.networkInterfaces)
      ? (asObject(properties.networkProfile)?.networkInterfaces as unknown[])
      : []
  )
    .map((nic) => asString(asObject(nic)?.id))
    .filter((nicId): nicId is string => nicId !== undefined);
  declareReferences(
    core,
    id,
    VM_TYPE,
    nicIds.map((nicId) => ({ targetId: nicId, relation: "virtualMachine", via: id })),
  );
  properties.diagnosticsProfile = asObject(diagnosticsProfile) ?? { bootDiagnostics: { enabled: true } };
  properties.extensionsTimeBudget = asString(extensionsTimeBudget) ?? "PT1H30M";
  properties.provisioningState = "Succeeded";
  properties.timeCreated = asString(previous.timeCreated) ?? asString(givenTimeCreated) ?? core.nowIso();

  const {
    properties: _properties,
    location: bodyLocation,
    tags: bodyTags,
    id: _id,
    name: _name,
    type: _type,
    etag: _etag,
    managedBy: _managedBy,
    resources: _resources,
    ...topLevel
  } = body;
  const { properties: _p, managedBy: _m, etag: previousEtag, ...previousTop } = existing?.arm ?? ({} as Partial<ArmResource>);
  const arm: ArmResource = {
    ...previousTop,
    ...topLevel,
    id,
    name,
    type: VM_TYPE,
    location: normaliseLocation(asString(bodyLocation) ?? existing?.arm.location ?? "westeurope"),
    tags: (asObject(bodyTags) as Record<string, string> | undefined) ?? existing?.arm.tags ?? {},
    etag: nextEtag(previousEtag),
    properties,
  };
  // A VM in a flexible scale set is managed by it.
  const scaleSet = asString(asObject(properties.virtualMachineScaleSet)?.id);
  if (scaleSet !== undefined) arm.managedBy = scaleSet;

  const sim: SimulationState = { powerState: "running", ...(existing?.sim ?? {}), ...(input.sim ?? {}) };
  if (typeof userData === "string") sim.userData = userData;

  // A new VM took its disks when it was created (an estate may backdate that).
  const claimedAt = existing ? core.nowIso() : (properties.timeCreated as string);
  claimDisks(core, id, managedDiskIds(properties), managedDiskIds(existing?.arm.properties), claimedAt);
  return { arm, sim };
}

/** The VM as an answer: `userData` and the instance view only when asked for, extensions as `resources`. */
export function vmBody(
  core: EmulatorCore,
  vm: StoredResource,
  options: { instanceView?: boolean; userData?: boolean; resources?: boolean } = {},
): Json {
  const body = copyOf(vm.arm) as Json;
  const properties = (body.properties ?? {}) as Json;
  if (options.userData && typeof vm.sim.userData === "string") properties.userData = vm.sim.userData;
  if (options.instanceView) properties.instanceView = vmInstanceView(core, vm);
  if (options.resources) {
    const extensions = core.store.children(vm.arm.id, EXTENSION_TYPE);
    if (extensions.length > 0) body.resources = extensions.map((extension) => copyOf(extension.arm));
  }
  return body;
}

function expandsOf(ctx: RouteContext): Set<string> {
  const expand = ctx.query.get("$expand") ?? "";
  return new Set(
    expand
      .split(",")
      .map((part) => part.trim().toLowerCase())
      .filter((part) => part.length > 0),
  );
}

function checkShape(condition: boolean, path: string, expected: string): void {
  if (!condition) throw badRequest(`The value of parameter '${path}' is invalid: expected ${expected}.`, "InvalidParameter");
}

/** Type checks of the parts of a VM body the emulator reads, so a malformed body changes nothing. */
function validateVmBody(body: Json): void {
  const properties = asObject(body.properties) ?? {};
  for (const key of ["hardwareProfile", "storageProfile", "osProfile", "networkProfile", "diagnosticsProfile"]) {
    checkShape(properties[key] === undefined || asObject(properties[key]) !== undefined, `properties.${key}`, "an object");
  }
  const vmSize = asObject(properties.hardwareProfile)?.vmSize;
  checkShape(vmSize === undefined || typeof vmSize === "string", "properties.hardwareProfile.vmSize", "a string");
  const storage = asObject(properties.storageProfile) ?? {};
  checkShape(storage.osDisk === undefined || asObject(storage.osDisk) !== undefined, "properties.storageProfile.osDisk", "an object");
  checkShape(storage.dataDisks === undefined || Array.isArray(storage.dataDisks), "properties.storageProfile.dataDisks", "an array");
  const dataDisks = Array.isArray(storage.dataDisks) ? storage.dataDisks : [];
  dataDisks.forEach((disk, index) => {
    checkShape(asObject(disk) !== undefined, `properties.storageProfile.dataDisks[${index}]`, "an object");
    const lun = asObject(disk)?.lun;
    checkShape(lun === undefined || asNumber(lun) !== undefined, `properties.storageProfile.dataDisks[${index}].lun`, "a number");
  });
  const luns = dataDisks.map((disk, index) => asNumber(asObject(disk)?.lun) ?? index);
  if (new Set(luns).size !== luns.length) throw badRequest("Data disks of a virtual machine must have distinct LUNs.", "InvalidParameter");
  const interfaces = asObject(properties.networkProfile)?.networkInterfaces;
  checkShape(interfaces === undefined || Array.isArray(interfaces), "properties.networkProfile.networkInterfaces", "an array");
}

function requireNotDeleting(vm: StoredResource, operation: string): void {
  if (vm.arm.properties?.provisioningState === "Deleting") {
    throw new ArmError(
      409,
      "OperationNotAllowed",
      `Operation '${operation}' is not allowed on VM '${vm.arm.name}' since the VM is marked for deletion.`,
    );
  }
}

/** Disks a new or changed VM asks Azure to make (`FromImage`, `Empty`), made when its create completes. */
function createImplicitDisks(core: EmulatorCore, vm: StoredResource): void {
  const properties = vm.arm.properties ?? {};
  const storage = asObject(properties.storageProfile) ?? {};
  const image = asObject(storage.imageReference);
  const parsed = parseArmId(vm.arm.id);
  const osDisk = asObject(storage.osDisk);
  const candidates: Array<{ model: Json; os: boolean }> = [
    ...(osDisk ? [{ model: osDisk, os: true }] : []),
    ...(Array.isArray(storage.dataDisks) ? storage.dataDisks : []).map((disk) => ({ model: asObject(disk) ?? {}, os: false })),
  ];
  for (const { model, os } of candidates) {
    const diskId = asString(asObject(model.managedDisk)?.id);
    const createOption = asString(model.createOption);
    if (diskId === undefined || core.store.get(diskId) || (createOption !== "FromImage" && createOption !== "Empty")) continue;
    const imageId =
      os && image && asString(image.id) === undefined
        ? `/Subscriptions/${parsed.subscriptionId}/Providers/Microsoft.Compute/Locations/${vm.arm.location}/Publishers/${asString(image.publisher)}/ArtifactTypes/VMImage/Offers/${asString(image.offer)}/Skus/${asString(image.sku)}/Versions/${asString(image.version) ?? "latest"}`
        : asString(image?.id);
    const body: Json = {
      location: vm.arm.location,
      tags: {},
      sku: { name: asString(asObject(model.managedDisk)?.storageAccountType) ?? "Premium_LRS" },
      properties: {
        creationData:
          os && createOption === "FromImage"
            ? { createOption: "FromImage", ...(imageId === undefined ? {} : { imageReference: { id: imageId } }) }
            : { createOption: "Empty" },
        diskSizeGB: asNumber(model.diskSizeGB),
        ...(os ? { osType: asString(model.osType) ?? "Linux", hyperVGeneration: "V2" } : {}),
      },
    };
    if (Array.isArray(vm.arm.zones)) body.zones = vm.arm.zones;
    const disk = core.materialise(DISK_TYPE, { id: diskId, name: lastSegment(diskId), body });
    core.store.put(disk);
    emitChange(core, "write", disk.arm, "write");
  }
}

/** Disks whose `deleteOption` is `Delete`: they go with the VM. */
function disksDeletedWithVm(properties: Json | undefined): string[] {
  const storage = asObject(properties?.storageProfile);
  const disks = [asObject(storage?.osDisk), ...(Array.isArray(storage?.dataDisks) ? storage.dataDisks.map(asObject) : [])];
  return disks
    .filter((disk) => disk?.deleteOption === "Delete")
    .map((disk) => asString(asObject(disk?.managedDisk)?.id))
    .filter((id): id is string => id !== undefined);
}

interface PowerAction {
  name: "deallocate" | "start" | "powerOff";
  transitional: string;
  final: string;
  /** States in which the action succeeds without changing anything, as Azure's do. */
  unchangedFrom: string[];
}

const POWER_ACTIONS: PowerAction[] = [
  { name: "deallocate", transitional: "deallocating", final: "deallocated", unchangedFrom: ["deallocated"] },
  { name: "start", transitional: "starting", final: "running", unchangedFrom: ["running"] },
  // Power off keeps the VM allocated (and billed); on a deallocated VM it has nothing to do.
  { name: "powerOff", transitional: "stopping", final: "stopped", unchangedFrom: ["stopped", "deallocated"] },
];

function powerActionRoute(action: PowerAction): RouteDefinition {
  return {
    method: "POST",
    pattern: `${VM_PATH}/${action.name}`,
    name: `virtualMachines.${action.name}`,
    handler: (ctx) => {
      const { core } = ctx;
      const ref = refFromPath(ctx, VM_TYPE, "vmName");
      const vm = requireResource(core, ref);
      requireNotDeleting(vm, action.name);
      const current = powerStateOf(vm);
      const settle = (emit: boolean): undefined => {
        const now = findResource(core, ref);
        if (!now) return undefined;
        if (now.sim.powerState === action.transitional) setPowerState(core, now, action.final);
        if (emit) emitChange(core, "action", now.arm, `${action.name}/action`);
        return undefined;
      };
      if (action.unchangedFrom.includes(current)) return startOperation(ctx, vm.arm.location, () => undefined, { finalStatus: 200 });
      // The same action already under way: this one completes it too, and reports no change of its own.
      if (current === action.transitional) return startOperation(ctx, vm.arm.location, () => settle(false), { finalStatus: 200 });
      if (TRANSITIONAL_STATES.has(current)) {
        throw new ArmError(
          409,
          "AnotherOperationInProgress",
          `Operation '${action.name}' is not allowed on VM '${vm.arm.name}' since another operation is in progress (the VM is ${current}). Retry after it completes.`,
        );
      }
      setPowerState(core, vm, action.transitional);
      return startOperation(ctx, vm.arm.location, () => settle(true), { finalStatus: 200 });
    },
  };
}

/** A PATCH's body laid over the VM's model: objects merge, arrays and values replace. */
function mergedModel(existing: Json, patch: Json): Json {
  const merged: Json = { ...existing };
  for (const [key, value] of Object.entries(patch)) {
    const before = asObject(merged[key]);
    const after = asObject(value);
    merged[key] = before && after ? mergedModel(before, after) : value;
  }
  return merged;
}

function update(ctx: RouteContext): RouteResult {
  const vm = requireResource(ctx.core, refFromPath(ctx, VM_TYPE, "vmName"));
  const patch = asObject(ctx.body);
  if (!patch) throw badRequest("The request content was invalid and could not be deserialized: the body must be a JSON object.");
  const { id: _id, name: _name, type: _type, location: _location, ...writable } = patch;
  const model: Json = { location: vm.arm.location, tags: vm.arm.tags ?? {}, properties: structuredClone(vm.arm.properties ?? {}) };
  for (const key of ["plan", "identity", "zones"] as const) if (vm.arm[key] !== undefined) model[key] = structuredClone(vm.arm[key]);
  return createOrUpdate(ctx, mergedModel(model, writable));
}

function createOrUpdate(ctx: RouteContext, sent: unknown = ctx.body): RouteResult {
  const { core } = ctx;
  const ref = refFromPath(ctx, VM_TYPE, "vmName");
  core.store.requireGroup(ref.subscriptionId, ref.resourceGroup);
  const existing = findResource(core, ref);
  const body = validatePutBody(sent, existing, VM_TYPE);
  validateVmBody(body);
  if (existing) requireNotDeleting(existing, "createOrUpdate");
  if (existing) checkResize(core, existing, { ...(existing.arm.properties ?? {}), ...(asObject(body.properties) ?? {}) });
  const named = managedDiskIds({ ...(existing?.arm.properties ?? {}), ...(asObject(body.properties) ?? {}) });
  const held = diskHeldElsewhere(core, ref.id, named);
  if (held) {
    throw new ArmError(
      409,
      "OperationNotAllowed",
      `Disk '${held.diskId}' cannot be attached to VM '${ref.name}': it is already attached to VM '${held.owner}'.`,
    );
  }

  const resource = core.materialise(VM_TYPE, { id: ref.id, name: ref.name, body, ...(existing ? { existing } : {}) });
  if (existing) {
    const sizeOf = (vm: StoredResource): string | undefined => asString(asObject(vm.arm.properties?.hardwareProfile)?.vmSize);
    recordModelChange(core, { size: sizeOf(existing) }, resource, { size: sizeOf(resource) });
  }
  (resource.arm.properties ??= {}).provisioningState = existing ? "Updating" : "Creating";
  if (!existing) {
    resource.sim.powerState = "starting";
    // A new VM is not among a vault's protectable items until the vault refreshes its containers (routes/backup.ts).
    resource.sim.backupDiscovered = false;
  }
  core.store.put(resource);
  const initialBody = vmBody(core, resource);
  return startOperation(
    ctx,
    resource.arm.location,
    () => {
      const current = findResource(core, ref);
      if (!current) return undefined;
      (current.arm.properties ??= {}).provisioningState = "Succeeded";
      if (!existing && current.sim.powerState === "starting") setPowerState(core, current, "running");
      createImplicitDisks(core, current);
      emitChange(core, "write", current.arm, "write");
      return vmBody(core, current);
    },
    { initialStatus: existing ? 200 : 201, initialBody },
  );
}

function deleteVm(ctx: RouteContext): RouteResult {
  const { core } = ctx;
  const ref = refFromPath(ctx, VM_TYPE, "vmName");
  const vm = findResource(core, ref);
  if (!vm) {
    core.store.requireGroup(ref.subscriptionId, ref.resourceGroup);
    return { status: 204 };
  }
  (vm.arm.properties ??= {}).provisioningState = "Deleting";
  return startOperation(ctx, vm.arm.location, () => {
    const current = findResource(core, ref);
    if (!current) return undefined;
    const diskIds = managedDiskIds(current.arm.properties);
    const deleteWith = disksDeletedWithVm(current.arm.properties);
    core.store.delete(current.arm.id);
    releaseDisks(core, current.arm.id, diskIds);
    emitChange(core, "delete", current.arm, "delete");
    for (const diskId of deleteWith) {
      const disk = core.store.get(diskId);
      if (!disk) continue;
      core.store.delete(disk.arm.id);
      emitChange(core, "delete", disk.arm, "delete");
    }
    return undefined;
  });
}

function sameLocation(vm: StoredResource, location: string): boolean {
  return vm.arm.location !== undefined && normaliseLocation(vm.arm.location) === normaliseLocation(location);
}

export function virtualMachineRoutes(): RouteDefinition[] {
  return [
    {
      method: "GET",
      pattern: `${RG_PATH}/providers/Microsoft.Compute/virtualMachines`,
      name: "virtualMachines.list",
      handler: (ctx) => {
        const instanceView = expandsOf(ctx).has("instanceview");
        return pagedList(
          ctx,
          listOfType(ctx, VM_TYPE, "resourceGroup").map((vm) => vmBody(ctx.core, vm, { instanceView })),
        );
      },
    },
    {
      method: "GET",
      pattern: `${SUB_PATH}/providers/Microsoft.Compute/virtualMachines`,
      name: "virtualMachines.listAll",
      handler: (ctx) => {
        const instanceView = ctx.query.get("statusOnly")?.toLowerCase() === "true" || expandsOf(ctx).has("instanceview");
        return pagedList(
          ctx,
          listOfType(ctx, VM_TYPE, "subscription").map((vm) => vmBody(ctx.core, vm, { instanceView })),
        );
      },
    },
    {
      method: "GET",
      pattern: `${SUB_PATH}/providers/Microsoft.Compute/locations/{location}/virtualMachines`,
      name: "virtualMachines.listByLocation",
      handler: (ctx) => {
        const location = ctx.params.location as string;
        const vms = listOfType(ctx, VM_TYPE, "subscription").filter((vm) => sameLocation(vm, location));
        return pagedList(
          ctx,
          vms.map((vm) => vmBody(ctx.core, vm)),
        );
      },
    },
    {
      method: "GET",
      pattern: VM_PATH,
      name: "virtualMachines.get",
      handler: (ctx) => {
        const vm = requireResource(ctx.core, refFromPath(ctx, VM_TYPE, "vmName"));
        const expand = expandsOf(ctx);
        return {
          status: 200,
          body: vmBody(ctx.core, vm, { instanceView: expand.has("instanceview"), userData: expand.has("userdata"), resources: true }),
        };
      },
    },
    {
      method: "GET",
      pattern: `${VM_PATH}/instanceView`,
      name: "virtualMachines.instanceView",
      handler: (ctx) => ({ status: 200, body: vmInstanceView(ctx.core, requireResource(ctx.core, refFromPath(ctx, VM_TYPE, "vmName"))) }),
    },
    { method: "PUT", pattern: VM_PATH, name: "virtualMachines.createOrUpdate", handler: (ctx) => createOrUpdate(ctx) },
    { method: "PATCH", pattern: VM_PATH, name: "virtualMachines.update", handler: update },
    {
      method: "GET",
      pattern: `${VM_PATH}/vmSizes`,
      name: "virtualMachines.listAvailableSizes",
      handler: (ctx) => ({ status: 200, body: availableSizesBody(requireResource(ctx.core, refFromPath(ctx, VM_TYPE, "vmName"))) }),
    },
    { method: "DELETE", pattern: VM_PATH, name: "virtualMachines.delete", handler: deleteVm },
    ...POWER_ACTIONS.map(powerActionRoute),
  ];
}

export const virtualMachineType: ResourceTypeHandler = { type: VM_TYPE, materialise: materialiseVirtualMachine };
