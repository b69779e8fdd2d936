/**
 * `downgrade`: move a managed disk that must stay to a cheaper SKU (Standard HDD by default), the
 * non-destructive alternative to deleting it.
 *
 * ```yaml
 * action: downgrade
 * action: { type: downgrade, to: StandardSSD_LRS }
 * ```
 *
 * Azure changes a disk's SKU only while it is unattached (or its VM deallocated); Governor
 * downgrades unattached disks only, and a disk attached since the plan is refused. A disk already
 * at the target SKU is done: nothing is sent. Savings: the size at the current SKU's price per
 * GB-month minus at the target's (Premium and Standard SSD are billed by tier).
 */
import { computeClient } from "../azure/clients.ts";
import { parseResourceId, resourceNameOf } from "../azure/resourceId.ts";
import type { EvaluationContext } from "../policy/registry.ts";
import type { InventoryResource } from "../policy/types.ts";
import { followOperation, lroOptions } from "../remediation/executor.ts";
import { refreshResource } from "../remediation/refresh.ts";
import { type Estimate, storageEstimate } from "./common/estimate.ts";
import { defineAction } from "./module.ts";

export const DOWNGRADE_TARGETS = ["Standard_LRS", "StandardSSD_LRS"] as const;

export interface DowngradeArgs {
  to: (typeof DOWNGRADE_TARGETS)[number];
}

const skuOf = (resource: InventoryResource): string | undefined =>
  resource.sku === undefined || resource.sku === "" ? undefined : resource.sku;
const sameSku = (a: string | undefined, b: string): boolean => a?.toLowerCase() === b.toLowerCase();

function estimate(resource: InventoryResource, args: DowngradeArgs, ctx: Pick<EvaluationContext, "settings">): Estimate {
  const sku = skuOf(resource);
  const sizeGb = resource.properties.diskSizeGB;
  if (sku === undefined) return { monthly: 0, explanation: "no price: the disk's SKU is not known" };
  if (sameSku(sku, args.to)) return { monthly: 0, explanation: `already ${args.to}: nothing to save` };
  if (typeof sizeGb !== "number" || sizeGb <= 0) return { monthly: 0, explanation: "no price: the size is not known" };
  const now = storageEstimate("disk", sku, sizeGb, ctx.settings);
  const then = storageEstimate("disk", args.to, sizeGb, ctx.settings);
  if (now.monthly === 0 || then.monthly === 0) return { monthly: 0, explanation: now.monthly === 0 ? now.explanation : then.explanation };
  const monthly = Math.max(0, now.monthly - then.monthly);
  return { monthly, explanation: `${now.explanation}, then ${then.explanation}` };
}

export const downgradeAction = defineAction<DowngradeArgs>({
  name: "downgrade",
  summary: "Move a managed disk that must stay to a cheaper SKU (Standard_LRS by default); only while it is unattached.",
  example: "action: { type: downgrade, to: Standard_LRS }",
  effect: "modify",
  appliesTo: ["disk"],
  argsSchema: {
    properties: { to: { enum: [...DOWNGRADE_TARGETS], description: "The SKU it moves to (default Standard_LRS, Standard HDD)." } },
  },
  parse: (args) => ({ to: (args.to as DowngradeArgs["to"] | undefined) ?? "Standard_LRS" }),
  savings: (resource, args, ctx) => estimate(resource, args, ctx).monthly,
  describe: (resource, args, ctx) => `downgrade ${resource.name} to ${args.to}: ${estimate(resource, args, ctx).explanation}`,
  executor: {
    assess(ctx) {
      if (sameSku(skuOf(ctx.resource), ctx.args.to)) return { status: "done", reason: `${ctx.resource.name} is already ${ctx.args.to}` };
      const attachedTo = ctx.resource.managedBy;
      if (attachedTo)
        return {
          status: "refused",
          reason: `disk ${ctx.resource.name} is attached to VM ${resourceNameOf(attachedTo)}: Governor changes the SKU of unattached disks only`,
        };
      return { status: "todo" };
    },
    describe: (ctx) => `downgraded disk ${ctx.resource.name} from ${skuOf(ctx.resource) ?? "its SKU"} to ${ctx.args.to}`,
    async change(ctx, accepted) {
      const { resourceGroup, name } = parseResourceId(ctx.resource.id);
      const client = await computeClient(ctx.target);
      const { restorePoller } = await import("@azure/arm-compute");
      const start = () => client.disks.update(resourceGroup, name, { sku: { name: ctx.args.to } }, lroOptions(ctx));
      await followOperation(start, (state) => restorePoller(client, state, start, lroOptions(ctx)), accepted, ctx.options);
    },
    refresh: refreshResource,
    state: () => ({ exists: true }),
  },
  permissions: [
    { operation: "Microsoft.Compute/disks/write", why: "move unattached disks that must stay to a cheaper SKU", evidence: "request" },
  ],
  saves: true,
});
