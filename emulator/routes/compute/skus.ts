/**
 * Microsoft.Compute/skus (Resource SKUs, api-version 2021-07-01): the VM sizes of each region with
 * their capabilities (emulator/routes/compute/sizes.ts), and the managed disk SKUs. `$filter=location eq '…'`
 * narrows the answer to one region, as Azure does.
 */
import { badRequest } from "../../errors.ts";
import type { Json } from "../../json.ts";
import type { RouteDefinition } from "../../router.ts";
import { EMULATED_REGIONS, offeredIn, VM_SIZES, type VmSizeSpec } from "./sizes.ts";
import { SUB_PATH } from "./common.ts";

const DISK_SKUS: Array<[name: string, tier: string, maxSizeGiB: number]> = [
  ["Premium_LRS", "Premium", 32767],
  ["StandardSSD_LRS", "Standard", 32767],
  ["Standard_LRS", "Standard", 32767],
  ["Premium_ZRS", "Premium", 32767],
];

const capability = (name: string, value: string | number | boolean): Json => ({
  name,
  value: typeof value === "boolean" ? (value ? "True" : "False") : String(value),
});

function locationInfo(location: string): Json {
  const zones = ["1", "2", "3"];
  return { location, zones, zoneDetails: [{ name: zones, capabilities: [capability("UltraSSDAvailable", true)] }] };
}

function vmSku(size: VmSizeSpec, regions: string[]): Json {
  return {
    resourceType: "virtualMachines",
    name: size.name,
    tier: "Standard",
    size: size.name.replace(/^Standard_/, ""),
    family: size.family,
    locations: regions,
    locationInfo: regions.map(locationInfo),
    capabilities: [
      capability("MaxResourceVolumeMB", size.resourceDiskMb),
      capability("OSVhdSizeMB", 1047552),
      capability("vCPUs", size.vCPUs),
      capability("HyperVGenerations", size.architecture === "Arm64" ? "V2" : "V1,V2"),
      capability("MemoryGB", size.memoryGb),
      capability("MaxDataDiskCount", size.maxDataDisks),
      capability("CpuArchitectureType", size.architecture),
      capability("LowPriorityCapable", true),
      capability("PremiumIO", size.premiumIO),
      capability("vCPUsAvailable", size.vCPUs),
      capability("vCPUsPerCore", size.family === "standardBSFamily" ? 1 : 2),
      capability("EphemeralOSDiskSupported", size.resourceDiskMb > 0),
      capability("AcceleratedNetworkingEnabled", size.acceleratedNetworking),
      capability("RdmaEnabled", false),
      capability("MaxNetworkInterfaces", size.maxNics),
    ],
    restrictions: [],
  };
}

function diskSku([name, tier, maxSizeGiB]: (typeof DISK_SKUS)[number], regions: string[]): Json {
  return {
    resourceType: "disks",
    name,
    tier,
    size: name.startsWith("Premium") ? "P1" : name.startsWith("StandardSSD") ? "E1" : "S4",
    locations: regions,
    locationInfo: regions.map(locationInfo),
    capabilities: [capability("MaxSizeGiB", maxSizeGiB), capability("MinSizeGiB", 0)],
    restrictions: [],
  };
}

/** The region of `location eq 'westeurope'`, or all regions without a filter. */
function regionsOf(filter: string | null): string[] {
  if (filter === null || filter.trim() === "") return EMULATED_REGIONS;
  const match = /^\s*location\s+eq\s+'([^']+)'\s*$/i.exec(filter);
  if (!match) throw badRequest(`The $filter '${filter}' is not supported: only location eq '<region>' is.`, "InvalidFilter");
  return [(match[1] as string).toLowerCase().replace(/\s+/g, "")];
}

export function resourceSkuRoutes(): RouteDefinition[] {
  return [
    {
      method: "GET",
      pattern: `${SUB_PATH}/providers/Microsoft.Compute/skus`,
      name: "resourceSkus.list",
      handler: (ctx) => {
        const regions = regionsOf(ctx.query.get("$filter"));
        const value: Json[] = [];
        for (const size of VM_SIZES) {
          const where = regions.filter((region) => offeredIn(size, region));
          if (where.length > 0) value.push(vmSku(size, where));
        }
        for (const disk of DISK_SKUS) value.push(diskSku(disk, regions));
        // The whole catalogue in one answer, as Azure gives it for a region.
        return { status: 200, body: { value, nextLink: null } };
      },
    },
  ];
}
