/**
 * `power-state`: whether a VM, AKS cluster, PostgreSQL server or scale set is running, deallocated, stopped…
 *
 * ```yaml
 * - power-state: running
 * - power-state: [deallocated, stopped]
 * ```
 *
 * Not applicable to kinds whose type has no power state (snapshots, disks, storage accounts: no
 * `powerState` in their descriptor). When the inventory did not record a state, it is read where
 * the type's descriptor says ARM keeps it (an AKS cluster's `properties.powerState.code`, a
 * PostgreSQL server's `properties.state`); otherwise the state is unknown, and an unknown state
 * never matches: stopping a VM that might be off is noise, and one that might be on is worse.
 *
 * A scale set's power state is in its instance view: the inventory counts its instances' states
 * from Resource Graph's `ComputeResources` (one paged query for all scale sets); one that AKS owns (its node resource group `MC_…`, its `aks-managed-*` tags) is
 * not applicable: its power is its cluster's, which the AKS policy stops, and nothing is read for it.
 */
import { getPath, nonEmptyString } from "../../resourceTypes/descriptor.ts";
import { RESOURCE_TYPES, resourceTypeOfKind } from "../../resourceTypes/index.ts";
import { aksOwnership, scaleSetInstances } from "../../resourceTypes/vmScaleSet.ts";
import type { EvaluationContext, FilterDefinition } from "../registry.ts";
import type { InventoryResource, PowerState, ResourceKind } from "../types.ts";
import { formatList } from "./format.ts";

const POWER_STATES: readonly PowerState[] = ["running", "deallocated", "stopped", "starting", "stopping", "deallocating", "unknown"];
const POWERED_KINDS: readonly ResourceKind[] = RESOURCE_TYPES.filter((type) => type.powerState !== undefined).map((type) => type.kind);

export interface PowerStateArgs {
  states: PowerState[];
}

function powerStateOf(resource: InventoryResource, ctx: EvaluationContext): { state: PowerState | undefined; seen?: string } {
  if (resource.kind === "vm-scale-set") {
    const instances = scaleSetInstances(resource, ctx.facts);
    if (instances !== undefined) return { state: instances.powerState ?? resource.powerState, seen: instances.seen };
  }
  if (resource.powerState !== undefined) return { state: resource.powerState };
  const source = resource.kind === undefined ? undefined : resourceTypeOfKind(resource.kind)?.powerState;
  const raw = source === undefined ? undefined : nonEmptyString(getPath(resource.properties, source.path));
  return { state: source === undefined || raw === undefined ? undefined : source.read(raw) };
}

const SCALE_SET_KINDS: readonly ResourceKind[] = ["vm-scale-set", "any"];

export const powerStateFilter: FilterDefinition<PowerStateArgs> = {
  key: "power-state",
  summary: "The power state of a VM, AKS cluster, PostgreSQL server or scale set (running, deallocated, stopped…), one or a list.",
  example: "{ power-state: running }",
  appliesTo: POWERED_KINDS,
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["power-state"],
    properties: {
      "power-state": {
        anyOf: [{ enum: [...POWER_STATES] }, { type: "array", minItems: 1, items: { enum: [...POWER_STATES] } }],
      },
    },
  },
  parse(condition) {
    const raw = condition["power-state"];
    return { states: (Array.isArray(raw) ? raw : [raw]) as PowerState[] };
  },
  facts(_args, kind) {
    return SCALE_SET_KINDS.includes(kind) ? [{ type: "instance-view" }] : [];
  },
  reads(_args, kind) {
    const types = kind === "any" ? RESOURCE_TYPES : RESOURCE_TYPES.filter((type) => type.kind === kind);
    return ["powerState", ...types.flatMap((type) => (type.powerState ? [`properties.${type.powerState.path}`] : []))];
  },
  evaluate(resource, args, ctx) {
    if (resource.kind === undefined || !POWERED_KINDS.includes(resource.kind)) {
      return { outcome: "not-applicable", reason: `a ${resource.kind ?? resource.type} has no power state` };
    }
    const aks = resource.kind === "vm-scale-set" ? aksOwnership(resource) : undefined;
    if (aks !== undefined) return { outcome: "not-applicable", reason: `${aks}: its power is its cluster's, left to the AKS policy` };
    const { state, seen } = powerStateOf(resource, ctx);
    if (state === undefined || state === "unknown") {
      // Only a policy that asks for `unknown` (an audit of the inventory itself) decides on it.
      return args.states.includes("unknown")
        ? { outcome: "match", reason: "power state unknown" }
        : { outcome: "unknown", reason: "power state not known" };
    }
    const listed = args.states.includes(state);
    const wanted = args.states.length === 1 ? `not ${args.states[0]}` : `not in ${formatList(args.states)}`;
    const counted = seen === undefined ? "" : ` (${seen})`;
    return {
      outcome: listed ? "match" : "no-match",
      reason: listed ? `power state ${state}${counted}` : `power state ${state}${counted}, ${wanted}`,
    };
  },
};
