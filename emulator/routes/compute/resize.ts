/**
 * What Azure checks when a VM's `hardwareProfile.vmSize` changes (a PUT or PATCH of the VM):
 * - the size must exist in the VM's region (400 `InvalidParameter`, 409 `SkuNotAvailable`);
 * - a VM that is not deallocated can only move to a size of its current hardware cluster
 *   (emulator/routes/compute/sizes.ts); any other size answers 409 `OperationNotAllowed` naming the
 *   sizes the cluster has, and needs the VM deallocated first;
 * - the target must keep what the VM uses: premium storage for premium disks, room for its data
 *   disks and NICs, accelerated networking where a NIC has it enabled, the same CPU architecture
 *   (409 `OperationNotAllowed`, modelled on Azure's refusals).
 * The sizes listed by `.../vmSizes` follow the same rule: the cluster's while the VM is allocated,
 * the region's once it is deallocated.
 */
import type { EmulatorCore } from "../../core.ts";
import { ArmError, badRequest } from "../../errors.ts";
import type { StoredResource } from "../../store.ts";
import { parseArmId } from "../../../shared/azure/resourceId.ts";
import { asObject, asString, type Json } from "./common.ts";
import { powerStateOf } from "./instanceView.ts";
import { sizesIn, vmSize, type VmSizeSpec } from "./sizes.ts";

function sizeOf(vm: StoredResource): string | undefined {
  return asString(asObject(vm.arm.properties?.hardwareProfile)?.vmSize);
}

/** Sizes the VM can take now: its cluster's while allocated, its region's once deallocated. */
export function availableSizes(vm: StoredResource): VmSizeSpec[] {
  const region = vm.arm.location ?? "westeurope";
  const current = vmSize(sizeOf(vm));
  const inRegion = sizesIn(region);
  if (powerStateOf(vm) === "deallocated" || current === undefined) return inRegion;
  return inRegion.filter((size) => size.cluster === current.cluster);
}

function refuse(message: string): ArmError {
  return new ArmError(409, "OperationNotAllowed", message);
}

/** Throws Azure's refusal of resizing `vm` to `target` (its new model's `properties`), if any. */
export function checkResize(core: EmulatorCore, vm: StoredResource, properties: Json): void {
  const requested = asString(asObject(properties.hardwareProfile)?.vmSize);
  const currentName = sizeOf(vm);
  if (requested === undefined || currentName === undefined || requested.toLowerCase() === currentName.toLowerCase()) return;
  const target = vmSize(requested);
  if (!target) throw badRequest(`The value ${requested} provided for the VM size is not valid.`, "InvalidParameter");
  const region = vm.arm.location ?? "westeurope";
  if (!sizesIn(region).includes(target)) {
    throw new ArmError(
      409,
      "SkuNotAvailable",
      `The requested size for resource '${vm.arm.id}' is currently not available in location '${region}' zones '' for subscription '${parseArmId(vm.arm.id).subscriptionId}'. Please try another size or deploy to a different location or zones.`,
    );
  }
  const current = vmSize(currentName);
  if (current && current.architecture !== target.architecture) {
    throw refuse(
      `The VM '${vm.arm.name}' runs on ${current.architecture}; the size ${requested} is ${target.architecture}: its image cannot boot there.`,
    );
  }
  if (powerStateOf(vm) !== "deallocated" && !availableSizes(vm).includes(target)) {
    const here = availableSizes(vm)
      .map((size) => size.name)
      .join(", ");
    throw refuse(
      `Unable to resize the VM '${vm.arm.name}' because the requested size ${requested} is not available in the current hardware cluster. The available sizes in this cluster are: ${here}. Read more on VM resizing strategy at https://aka.ms/azure-resizevm.`,
    );
  }
  const storage = asObject(properties.storageProfile) ?? {};
  const dataDisks = Array.isArray(storage.dataDisks) ? storage.dataDisks.map(asObject).filter((disk) => disk?.toBeDetached !== true) : [];
  if (dataDisks.length > target.maxDataDisks) {
    throw refuse(`The VM size ${requested} allows ${target.maxDataDisks} data disks; VM '${vm.arm.name}' has ${dataDisks.length}.`);
  }
  if (!target.premiumIO) {
    const premium = [asObject(storage.osDisk), ...dataDisks].find((disk) =>
      /^Premium/i.test(asString(asObject(disk?.managedDisk)?.storageAccountType) ?? ""),
    );
    if (premium) {
      throw refuse(
        `The VM size ${requested} does not support premium storage, which disk '${asString(premium.name) ?? "?"}' of VM '${vm.arm.name}' uses.`,
      );
    }
  }
  const nicIds = (
    Array.isArray(asObject(properties.networkProfile)?.networkInterfaces)
      ? (asObject(properties.networkProfile)?.networkInterfaces as unknown[])
      : []
  )
    .map((nic) => asString(asObject(nic)?.id))
    .filter((id): id is string => id !== undefined);
  if (nicIds.length > target.maxNics) {
    throw refuse(`The VM size ${requested} allows ${target.maxNics} network interfaces; VM '${vm.arm.name}' has ${nicIds.length}.`);
  }
  if (!target.acceleratedNetworking) {
    const accelerated = nicIds.find((id) => core.store.get(id)?.arm.properties?.enableAcceleratedNetworking === true);
    if (accelerated !== undefined) {
      throw refuse(
        `The VM size ${requested} does not support accelerated networking, which network interface '${accelerated}' has enabled.`,
      );
    }
  }
}

/** The `.../vmSizes` answer. */
export function availableSizesBody(vm: StoredResource): Json {
  return {
    value: availableSizes(vm).map((size) => ({
      name: size.name,
      numberOfCores: size.vCPUs,
      osDiskSizeInMB: 1047552,
      resourceDiskSizeInMB: size.resourceDiskMb,
      memoryInMB: size.memoryGb * 1024,
      maxDataDiskCount: size.maxDataDisks,
    })),
  };
}
