/** Virtual machines: what idle and off-hours policies deallocate, backup enrols, and size and region policies audit. */
import { rawBody, unlessNotFound, withPolicies } from "../azure/armRead.ts";
import { computeClient } from "../azure/clients.ts";
import { type ArmBody, asObject, describeResourceType, getPath, nonEmptyString, powerStateWord } from "./descriptor.ts";

/** `PowerState/deallocated` from a VM's instance view, put where Resource Graph has it (`extended.instanceView`). */
function withPowerStateWhereResourceGraphHasIt(properties: ArmBody): ArmBody {
  const statuses = getPath(properties, "instanceView.statuses");
  const code = Array.isArray(statuses)
    ? statuses
        .map((status) => asObject(status)?.code)
        .find((candidate): candidate is string => typeof candidate === "string" && /^PowerState\//i.test(candidate))
    : undefined;
  if (code === undefined) return properties;
  const { instanceView: _instanceView, ...rest } = properties;
  return { ...rest, extended: { instanceView: { powerState: { code } } } };
}

export const virtualMachine = describeResourceType({
  kind: "virtual-machine",
  armType: "Microsoft.Compute/virtualMachines",
  properties: [
    // Size (allowed sizes, prices), OS (licence in prices), power state, age.
    "hardwareProfile.vmSize",
    "storageProfile.osDisk.osType",
    "extended.instanceView.powerState.code",
    "timeCreated",
    // Capabilities a resize keeps: the target must take as many data disks and NICs.
    "storageProfile.dataDisks",
    "networkProfile.networkInterfaces",
  ],
  sku: (properties) => nonEmptyString(getPath(properties, "hardwareProfile.vmSize")),
  // `PowerState/running`, `PowerState/deallocated`, ...
  powerState: { path: "extended.instanceView.powerState.code", read: (code) => powerStateWord(code.split("/").at(-1) ?? "") },
  createdAt: "timeCreated",
  fromArm: withPowerStateWhereResourceGraphHasIt,
  metrics: { namespace: "Microsoft.Compute/virtualMachines" },
  events: [
    { operation: "Microsoft.Compute/virtualMachines/write", why: "created or changed: tags, size, region, backup" },
    {
      operation: "Microsoft.Compute/virtualMachines/start/action",
      why: "running again: off-hours and idle policies decide on running VMs",
    },
  ],
  price: { per: "hour", of: "compute-size" },
  reread: {
    // The api-version @azure/arm-compute sends: the power state is only in the instance view, which the generic GET cannot expand.
    apiVersion: "2026-04-01",
    read: async (target, { resourceGroup, name }, options) => {
      const client = withPolicies(await computeClient(target), options);
      return unlessNotFound(() =>
        rawBody((onResponse) => client.virtualMachines.get(resourceGroup, name, { expand: "instanceView", onResponse })),
      );
    },
  },
});
