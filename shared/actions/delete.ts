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
 *
 * A resource that is gone is done (a retried delete of a deleted snapshot sends nothing); a disk
 * attached to a VM is never deleted, whatever the policy says (Azure would refuse it too).
 */
import { computeClient } from "../azure/clients.ts";
import { parseResourceId, resourceNameOf } from "../azure/resourceId.ts";
import type { InventoryResource, Settings } from "../policy/types.ts";
import { followOperation, lroOptions } from "../remediation/executor.ts";
import { refreshResource } from "../remediation/refresh.ts";
import { storageEstimate, type Estimate } from "./common/estimate.ts";
import { defineAction } from "./module.ts";

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

export const deleteAction = defineAction<Record<string, never>>({
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
  executor: {
    assess(ctx) {
      const attachedTo = ctx.resource.managedBy;
      if (ctx.resource.kind === "disk" && attachedTo) {
        return { status: "refused", reason: `disk ${ctx.resource.name} is attached to VM ${resourceNameOf(attachedTo)}: never deleted` };
      }
      return { status: "todo" };
    },
    describe: (ctx) => `deleted ${ctx.resource.kind === "disk" ? "disk" : "snapshot"} ${ctx.resource.name}`,
    async change(ctx, accepted) {
      const { resourceGroup, name } = parseResourceId(ctx.resource.id);
      const client = await computeClient(ctx.target);
      const { restorePoller } = await import("@azure/arm-compute");
      const start =
        ctx.resource.kind === "disk"
          ? () => client.disks.delete(resourceGroup, name, lroOptions(ctx))
          : () => client.snapshots.delete(resourceGroup, name, lroOptions(ctx));
      await followOperation(start, (state) => restorePoller(client, state, start, lroOptions(ctx)), accepted, ctx.options);
    },
    refresh: refreshResource,
    state: () => ({ exists: true }),
  },
  permissions: [
    { operation: "Microsoft.Compute/snapshots/delete", why: "delete expired snapshots", evidence: "request" },
    { operation: "Microsoft.Compute/disks/delete", why: "delete expired unattached disks", evidence: "request" },
  ],
  leaves: { exists: false },
  saves: true,
});
