/**
 * `deallocate`: stop a VM and release its compute, so it is no longer billed.
 *
 * ```yaml
 * action: deallocate
 * action: { type: deallocate, hoursPerMonth: 398 }   # off-hours: the hours outside the schedule
 * ```
 *
 * Deallocate, never power off: a powered-off VM stays allocated and is still billed. Disks stay
 * (and stay billed). Savings: the hours it no longer runs each month (all month, 730 h, unless
 * the policy says) × the hourly price of its size. Undone by `start` (a schedule's window opening,
 * or a person).
 */
import { computeClient } from "../azure/clients.ts";
import type { EvaluationContext } from "../policy/registry.ts";
import type { InventoryResource } from "../policy/types.ts";
import { followOperation, lroOptions } from "../remediation/executor.ts";
import { computeEstimate, type Estimate } from "./common/estimate.ts";
import { hoursOf, hoursPerMonthSchema, parseHours, type HoursArgs } from "./common/hours.ts";
import { powerExecutor } from "./common/power.ts";
import { defineAction } from "./module.ts";

function vmSize(resource: InventoryResource): string | undefined {
  const size = resource.sku ?? (resource.properties.hardwareProfile as { vmSize?: unknown } | undefined)?.vmSize;
  return typeof size === "string" && size !== "" ? size : undefined;
}

function estimate(resource: InventoryResource, args: HoursArgs, ctx: EvaluationContext): Estimate {
  if (resource.powerState === "deallocated") return { monthly: 0, explanation: "already deallocated: nothing more to save" };
  const size = vmSize(resource);
  if (size === undefined) return { monthly: 0, explanation: "no price: the VM's size is not known" };
  return computeEstimate([{ size, count: 1 }], hoursOf(args, resource, ctx), ctx.settings);
}

export const deallocateAction = defineAction<HoursArgs>({
  name: "deallocate",
  summary: "Deallocate a VM (compute billing stops; disks are kept and still billed). Never power off, which keeps billing.",
  example: "action: deallocate",
  effect: "disruptive",
  appliesTo: ["virtual-machine"],
  argsSchema: { properties: { hoursPerMonth: hoursPerMonthSchema } },
  parse: parseHours,
  savings(resource, args, ctx) {
    return estimate(resource, args, ctx).monthly;
  },
  describe(resource, args, ctx) {
    return `deallocate ${resource.name} (compute billing stops, disks kept): ${estimate(resource, args, ctx).explanation}`;
  },
  executor: powerExecutor({
    owner: "stop",
    final: "deallocated",
    transitional: "deallocating",
    describe: (ctx) => `deallocated ${ctx.resource.name} (compute billing stops, disks kept)`,
    async send(ctx, { resourceGroup, name }, accepted) {
      const client = await computeClient(ctx.target);
      const { restorePoller } = await import("@azure/arm-compute");
      const start = () => client.virtualMachines.deallocate(resourceGroup, name, lroOptions(ctx));
      await followOperation(start, (state) => restorePoller(client, state, start, lroOptions(ctx)), accepted, ctx.options);
    },
  }),
  permissions: [
    {
      operation: "Microsoft.Resources/tags/write",
      why: "record who stopped it (governor-stopped-by) before deallocating",
      evidence: "request",
    },
    { operation: "Microsoft.Compute/virtualMachines/deallocate/action", why: "deallocate idle or off-hours VMs", evidence: "request" },
  ],
  undoneBy: "start",
  leaves: { powerState: "deallocated" },
  saves: true,
});
