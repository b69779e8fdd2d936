/**
 * `deallocate`: stop a VM, or every instance of a scale set, and release the compute, so it is no
 * longer billed.
 *
 * ```yaml
 * action: deallocate
 * action: { type: deallocate, hoursPerMonth: 398 }   # off-hours: the hours outside the schedule
 * ```
 *
 * Deallocate, never power off: a powered-off VM stays allocated and is still billed. Disks stay
 * (and stay billed); a scale set keeps its capacity, and starts again with as many instances.
 * Savings: the hours it no longer runs each month (all month, 730 h, unless the policy says) ×
 * the hourly price of its size, × the instances still running for a scale set. A scale set AKS
 * owns (its node resource group `MC_…`, its `aks-managed-*` tags) is refused: AKS's own stop, by
 * the AKS policy, takes its nodes down. Undone by `start` (a schedule's window opening, or a person).
 */
import { computeClient } from "../azure/clients.ts";
import type { EvaluationContext } from "../policy/registry.ts";
import type { InventoryResource } from "../policy/types.ts";
import { followOperation, lroOptions } from "../remediation/executor.ts";
import { aksOwnership, scaleSetInstances } from "../resourceTypes/vmScaleSet.ts";
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
  if (size === undefined)
    return { monthly: 0, explanation: `no price: the ${scaleSet(resource) ? "scale set's" : "VM's"} size is not known` };
  if (!scaleSet(resource)) return computeEstimate([{ size, count: 1 }], hoursOf(args, resource, ctx), ctx.settings);
  const instances = scaleSetInstances(resource, ctx.facts);
  if (instances === undefined) return { monthly: 0, explanation: "no price: the scale set's instances were not read" };
  if (instances.billed === 0) return { monthly: 0, explanation: `no instance is billed (${instances.seen}): nothing more to save` };
  return computeEstimate([{ size, count: instances.billed }], hoursOf(args, resource, ctx), ctx.settings);
}

const scaleSet = (resource: Pick<InventoryResource, "kind">): boolean => resource.kind === "vm-scale-set";

/** A scale set AKS owns is its cluster's: never deallocated behind AKS's back. */
function refuses(resource: InventoryResource): string | undefined {
  const aks = scaleSet(resource) ? aksOwnership(resource) : undefined;
  return aks === undefined ? undefined : `${aks}: left to the AKS policy, which stops its cluster; Governor never deallocates it`;
}

function what(resource: InventoryResource, ctx: EvaluationContext): string {
  if (!scaleSet(resource)) return resource.name;
  const instances = scaleSetInstances(resource, ctx.facts);
  return instances === undefined
    ? `scale set ${resource.name}`
    : `scale set ${resource.name} with ${instances.instances} instance${instances.instances === 1 ? "" : "s"}`;
}

export const deallocateAction = defineAction<HoursArgs>({
  name: "deallocate",
  summary:
    "Deallocate a VM, or every instance of a scale set (compute billing stops; disks are kept and still billed). Never power off, which keeps billing.",
  example: "action: deallocate",
  effect: "disruptive",
  appliesTo: ["virtual-machine", "vm-scale-set"],
  argsSchema: { properties: { hoursPerMonth: hoursPerMonthSchema } },
  parse: parseHours,
  facts: (_args, kind) => (kind === "vm-scale-set" || kind === "any" ? [{ type: "instance-view" }] : []),
  savings(resource, args, ctx) {
    return estimate(resource, args, ctx).monthly;
  },
  describe(resource, args, ctx) {
    return `deallocate ${what(resource, ctx)} (compute billing stops, disks kept): ${estimate(resource, args, ctx).explanation}`;
  },
  refuses,
  executor: powerExecutor({
    owner: "stop",
    final: "deallocated",
    transitional: "deallocating",
    describe: (ctx) => `deallocated ${what(ctx.resource, ctx.evaluation)} (compute billing stops, disks kept)`,
    refuse: (ctx) => refuses(ctx.resource),
    async send(ctx, { resourceGroup, name }, accepted) {
      const client = await computeClient(ctx.target);
      const { restorePoller } = await import("@azure/arm-compute");
      const start = scaleSet(ctx.resource)
        ? () => client.virtualMachineScaleSets.deallocate(resourceGroup, name, lroOptions(ctx))
        : () => client.virtualMachines.deallocate(resourceGroup, name, lroOptions(ctx));
      await followOperation(start, (state) => restorePoller(client, state, start, lroOptions(ctx)), accepted, ctx.options);
    },
  }),
  permissions: [
    {
      operation: "Microsoft.Resources/tags/write",
      why: "record who stopped it (governor-stopped-by) once deallocated",
      evidence: "request",
    },
    { operation: "Microsoft.Compute/virtualMachines/deallocate/action", why: "deallocate idle or off-hours VMs", evidence: "request" },
    {
      operation: "Microsoft.Compute/virtualMachineScaleSets/deallocate/action",
      why: "deallocate off-hours scale sets (never one AKS owns)",
      evidence: "request",
    },
  ],
  undoneBy: "start",
  leaves: { powerState: "deallocated" },
  saves: true,
});
