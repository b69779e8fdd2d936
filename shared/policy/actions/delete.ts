/**
 * `delete`: delete a snapshot or a managed disk.
 *
 * ```yaml
 * action: delete
 * ```
 *
 * Destructive: the guards (production, exemptions, change freezes) and the policy's approval
 * decide whether it happens. Savings: the size × the monthly price per GB of the SKU. Managed
 * disks are billed by tier (a 100 GB Premium disk pays for 128 GB); incremental snapshots are
 * billed on the data they hold, so their full size is an upper bound and the reason says so.
 */
import type { ActionDefinition } from "../registry.ts";
import type { InventoryResource, Settings } from "../types.ts";
import { storageEstimate, type Estimate } from "./estimate.ts";

function skuOf(resource: InventoryResource): string | undefined {
  const sku = resource.sku ?? (resource.properties.sku as { name?: unknown } | undefined)?.name;
  return typeof sku === "string" && sku !== "" ? sku : undefined;
}

function estimate(resource: InventoryResource, settings: Pick<Settings, "prices" | "currency">): Estimate {
  const kind = resource.kind === "disk" ? "disk" : "snapshot";
  const sizeGb = resource.properties.diskSizeGB;
  if (typeof sizeGb !== "number" || sizeGb <= 0) return { monthly: 0, explanation: "no price: the size is not known" };
  // Snapshots are Standard_LRS unless created otherwise; a disk's SKU is never guessed.
  const sku = skuOf(resource) ?? (kind === "snapshot" ? "Standard_LRS" : undefined);
  if (sku === undefined) return { monthly: 0, explanation: "no price: the disk's SKU is not known" };
  const result = storageEstimate(kind, sku, sizeGb, settings);
  if (kind === "snapshot" && resource.properties.incremental === true && result.monthly > 0) {
    return { ...result, explanation: `at most ${result.explanation} (incremental: billed on the data it holds)` };
  }
  return result;
}

export const deleteAction: ActionDefinition<Record<string, never>> = {
  name: "delete",
  summary: "Delete a snapshot or a managed disk.",
  example: "action: delete",
  effect: "destructive",
  appliesTo: ["snapshot", "disk"],
  savings(resource, _args, ctx) {
    return estimate(resource, ctx.settings).monthly;
  },
  describe(resource, _args, ctx) {
    const what = resource.kind === "disk" ? "disk" : "snapshot";
    return `delete ${what} ${resource.name}: ${estimate(resource, ctx.settings).explanation}`;
  },
};
