/**
 * Virtual machine scale sets: what off-hours policies deallocate and start again, instances and
 * all. Those AKS made for a node pool are its cluster's, and left to the AKS policy.
 *
 * Resource Graph shows no power state for a scale set, and ARM's GET neither: only the instance
 * view does, as counts of `PowerState/<state>` codes over the instances
 * (`virtualMachine.statusesSummary`). The inventory reads it as a fact (`instance-view`: the
 * instances of every Uniform scale set from Resource Graph's `ComputeResources`, in one paged
 * query, shared/inventory/instanceViews.ts); a fresh read (`readResource`) reads the instance view
 * beside the GET and puts the power state where a VM's is (`extended.instanceView.powerState.code`).
 */
import { rawBody, unlessNotFound, withPolicies } from "../azure/armRead.ts";
import { computeClient } from "../azure/clients.ts";
import type { Facts, InventoryResource, PowerState } from "../policy/types.ts";
import { type ArmBody, asObject, describeResourceType, getPath, powerStateWord } from "./descriptor.ts";

type Summary = Array<{ code: string; count: number }>;

/** States on the way somewhere: while one shows, the scale set is not yet where it is going. */
const TRANSITIONAL: readonly PowerState[] = ["deallocating", "starting", "stopping"];

export interface ScaleSetInstances {
  /** One state for the scale set: every instance's, a transition under way, else running while any instance runs. */
  powerState: PowerState | undefined;
  /** Instances counted by the instance view. */
  instances: number;
  /** Instances still billed for compute (every state but deallocated). */
  billed: number;
  /** As the reason shows it: `3 × PowerState/running`. */
  seen: string;
}

function summaryOf(value: unknown): Summary | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.flatMap((entry) => {
    const { code, count } = asObject(entry) ?? {};
    return typeof code === "string" && typeof count === "number" ? [{ code, count }] : [];
  });
}

/** The scale set's power, from its instance view's counts. */
export function instancesOf(summary: Summary): ScaleSetInstances {
  const power = summary
    .filter((entry) => /^PowerState\//i.test(entry.code) && entry.count > 0)
    .map((entry) => ({ ...entry, state: powerStateWord(entry.code.split("/").at(-1) ?? "") }));
  const instances = power.reduce((total, entry) => total + entry.count, 0);
  const billed = power.filter((entry) => entry.state !== "deallocated").reduce((total, entry) => total + entry.count, 0);
  const states = [...new Set(power.map((entry) => entry.state))];
  const powerState: PowerState | undefined =
    states.length === 0
      ? undefined
      : states.length === 1
        ? states[0]
        : (TRANSITIONAL.find((state) => states.includes(state)) ??
          (states.includes("running") ? "running" : states.includes("stopped") ? "stopped" : "unknown"));
  const seen = power.map((entry) => `${entry.count} × ${entry.code}`).join(", ");
  return { powerState, instances, billed, seen: seen === "" ? "no instances" : seen };
}

/**
 * The instances of a scale set: from its own read (a fresh read carries its instance view), else
 * from the inventory's facts; `undefined` when neither says.
 */
export function scaleSetInstances(resource: InventoryResource, facts?: Pick<Facts, "instanceViews">): ScaleSetInstances | undefined {
  const own = summaryOf(getPath(resource.properties, "instanceView.virtualMachine.statusesSummary"));
  const summary = own ?? facts?.instanceViews?.[resource.id.toLowerCase()]?.statusesSummary;
  return summary === undefined ? undefined : instancesOf(summary);
}

/**
 * Why AKS owns the scale set, with what shows it: AKS makes node pools' scale sets in the
 * cluster's node resource group (`MC_…`) and tags them `aks-managed-*`. `undefined` for one it
 * does not own. Scaling or stopping one of these behind AKS's back breaks the cluster: only the
 * AKS policy, stopping the cluster, takes its nodes down.
 */
export function aksOwnership(resource: Pick<InventoryResource, "resourceGroup" | "tags">): string | undefined {
  const signs: string[] = [];
  if (/^mc_/i.test(resource.resourceGroup)) signs.push(`node resource group ${resource.resourceGroup}`);
  const tags = Object.keys(resource.tags).filter((name) => /^aks-managed-/i.test(name));
  if (tags.length > 0) signs.push(`tag${tags.length === 1 ? "" : "s"} ${tags.sort().join(", ")}`);
  return signs.length === 0 ? undefined : `AKS owns this scale set (${signs.join("; ")})`;
}

/** The power state a fresh read's instance view shows, put where a VM's is. */
function withPowerStateOfInstances(properties: ArmBody): ArmBody {
  const summary = summaryOf(getPath(properties, "instanceView.virtualMachine.statusesSummary"));
  const state = summary === undefined ? undefined : instancesOf(summary).powerState;
  if (state === undefined) return { ...properties };
  return { ...properties, extended: { instanceView: { powerState: { code: `PowerState/${state}` } } } };
}

export const vmScaleSet = describeResourceType({
  kind: "vm-scale-set",
  armType: "Microsoft.Compute/virtualMachineScaleSets",
  properties: [
    // Where a fresh read puts the power state (Resource Graph has none for a scale set), its age,
    // and whether its instances are its own (Uniform: in Resource Graph's ComputeResources) or VMs (Flexible).
    "extended.instanceView.powerState.code",
    "timeCreated",
    "orchestrationMode",
  ],
  // The SKU is the instances' VM size (`sku.name`); `sku.capacity` is how many there are.
  powerState: { path: "extended.instanceView.powerState.code", read: (code) => powerStateWord(code.split("/").at(-1) ?? "") },
  createdAt: "timeCreated",
  fromArm: withPowerStateOfInstances,
  metrics: { namespace: "Microsoft.Compute/virtualMachineScaleSets" },
  events: [
    { operation: "Microsoft.Compute/virtualMachineScaleSets/write", why: "created or changed: tags, size, capacity" },
    {
      operation: "Microsoft.Compute/virtualMachineScaleSets/start/action",
      why: "running again: off-hours policies decide on running scale sets",
    },
  ],
  // Per instance, at its VM size.
  price: { per: "hour", of: "compute-size" },
  reread: {
    // The api-version @azure/arm-compute sends; the power state is only in the instance view, a second GET.
    apiVersion: "2026-04-01",
    read: async (target, { resourceGroup, name }, options) => {
      const client = withPolicies(await computeClient(target), options);
      const body = await unlessNotFound(() =>
        rawBody((onResponse) => client.virtualMachineScaleSets.get(resourceGroup, name, { onResponse })),
      );
      if (!body) return undefined;
      const view = await unlessNotFound(() =>
        rawBody((onResponse) => client.virtualMachineScaleSets.getInstanceView(resourceGroup, name, { onResponse })),
      );
      if (!view) return undefined;
      return { ...body, properties: { ...(asObject(body.properties) ?? {}), instanceView: view } };
    },
  },
});
