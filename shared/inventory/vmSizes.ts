/**
 * The VM sizes a region offers, through the Resource SKUs API (`Microsoft.Compute/skus`,
 * `$filter=location eq '<region>'`): one list per region, never per VM. Each size comes with
 * the capabilities rightsizing compares (vCPUs, memory, premium storage, accelerated
 * networking, data disks, NICs, CPU architecture). A size restricted in the region for this
 * subscription (`NotAvailableForSubscription`) is not offered there.
 */
import type { ResourceSku } from "@azure/arm-compute";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { withPolicies } from "../azure/armRead.ts";
import { computeClient } from "../azure/clients.ts";
import type { AzureTarget } from "../azure/target.ts";
import type { VmSizeFact } from "../policy/types.ts";
import { createLimiter, type Limiter, mapLimit } from "./concurrency.ts";

export interface VmSizesOptions {
  limiter?: Limiter;
  /** Added to each client's pipeline once per attempt (request counting). */
  policies?: readonly PipelinePolicy[];
}

export const normaliseRegion = (location: string): string => location.replace(/\s+/g, "").toLowerCase();

function capability(sku: ResourceSku, name: string): string | undefined {
  return sku.capabilities?.find((entry) => entry.name?.toLowerCase() === name.toLowerCase())?.value;
}

/** Whether a restriction keeps the size from this subscription in the region (or all of its zones: then it cannot be placed). */
function restrictedIn(sku: ResourceSku, region: string): boolean {
  return (sku.restrictions ?? []).some(
    (restriction) => restriction.type === "Location" && (restriction.values ?? []).some((value) => normaliseRegion(value) === region),
  );
}

/**
 * A Resource SKUs entry as a size, or `undefined` when it is no VM size of the region or its
 * capabilities are not all there (never guessed: a size Governor cannot compare is not a target).
 */
export function vmSizeOf(sku: ResourceSku, region: string): VmSizeFact | undefined {
  if (sku.resourceType?.toLowerCase() !== "virtualmachines" || sku.name === undefined) return undefined;
  if (!(sku.locations ?? []).some((location) => normaliseRegion(location) === region) || restrictedIn(sku, region)) return undefined;
  const number = (name: string): number | undefined => {
    const value = Number(capability(sku, name));
    return Number.isFinite(value) ? value : undefined;
  };
  const flag = (name: string): boolean => capability(sku, name)?.toLowerCase() === "true";
  const vCPUs = number("vCPUs");
  const memoryGb = number("MemoryGB");
  const maxDataDisks = number("MaxDataDiskCount");
  const maxNics = number("MaxNetworkInterfaces");
  if (vCPUs === undefined || memoryGb === undefined || maxDataDisks === undefined || maxNics === undefined) return undefined;
  return {
    name: sku.name,
    family: sku.family ?? "",
    vCPUs,
    memoryGb,
    premiumIO: flag("PremiumIO"),
    acceleratedNetworking: flag("AcceleratedNetworkingEnabled"),
    maxDataDisks,
    maxNics,
    // Resource SKUs omit it for the older x64-only sizes.
    architecture: capability(sku, "CpuArchitectureType") ?? "x64",
  };
}

/** The sizes each of `regions` offers, by lower-case region: one Resource SKUs list each. */
export async function gatherVmSizes(
  target: AzureTarget,
  regions: Iterable<string>,
  options: VmSizesOptions = {},
): Promise<Record<string, VmSizeFact[]>> {
  const wanted = [...new Set([...regions].map(normaliseRegion))].filter((region) => region !== "").sort();
  const sizes: Record<string, VmSizeFact[]> = {};
  if (wanted.length === 0) return sizes;
  const client = withPolicies(await computeClient(target), { policies: options.policies ?? [] });
  await mapLimit(wanted, options.limiter ?? createLimiter(), async (region) => {
    const list: VmSizeFact[] = [];
    for await (const sku of client.resourceSkus.list({ filter: `location eq '${region}'` })) {
      const size = vmSizeOf(sku, region);
      if (size) list.push(size);
    }
    sizes[region] = list;
  });
  return sizes;
}
