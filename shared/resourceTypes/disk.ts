/** Managed disks: unattached ones are reported and deleted; attached ones are their VM's business. */
import { describeResourceType } from "./descriptor.ts";

/** Price per GB-month of managed disks by SKU, West Europe, averaged over the tiers (P10, E10, S10…) of that SKU. */
const DISK_GB_MONTH: Readonly<Record<string, number>> = {
  Premium_LRS: 0.14,
  Premium_ZRS: 0.21,
  StandardSSD_LRS: 0.075,
  StandardSSD_ZRS: 0.094,
  Standard_LRS: 0.044,
  PremiumV2_LRS: 0.08,
  UltraSSD_LRS: 0.12,
};

/** SKUs billed by tier: a 100 GB disk pays for the 128 GB tier. Premium v2 and Ultra are billed per provisioned GB. */
const TIERED_DISK_SKUS = new Set(["premium_lrs", "premium_zrs", "standardssd_lrs", "standardssd_zrs", "standard_lrs"]);
const DISK_TIER_SIZES_GB = [4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767];

/** The size a managed disk is billed for: the smallest tier that holds it, for SKUs billed by tier. */
function billedSizeGb(sku: string, sizeGb: number): number {
  if (!TIERED_DISK_SKUS.has(sku.toLowerCase())) return sizeGb;
  return DISK_TIER_SIZES_GB.find((tier) => tier >= sizeGb) ?? sizeGb;
}

export const disk = describeResourceType({
  kind: "disk",
  armType: "Microsoft.Compute/disks",
  properties: [
    // Age, size, and attachment: the disk state, the VMs of a shared disk (a single VM is `managedBy`), and when it was last attached or detached.
    "timeCreated",
    "diskSizeGB",
    "diskState",
    "managedByExtended",
    "LastOwnershipUpdateTime",
  ],
  createdAt: "timeCreated",
  metrics: { namespace: "Microsoft.Compute/disks" },
  events: [{ operation: "Microsoft.Compute/disks/write", why: "created or changed" }],
  price: { per: "GB-month", what: "disk storage", table: DISK_GB_MONTH, billedSizeGb },
  reread: { apiVersion: "2026-03-02" },
});
