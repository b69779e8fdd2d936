/**
 * `stop`: stop an AKS cluster: its control plane and every node pool.
 *
 * ```yaml
 * action: stop
 * ```
 *
 * A stopped cluster keeps its state and starts again as it was; it cannot be upgraded or scaled
 * while stopped. Savings: each pool's node count × the hourly price of its node size × the hours
 * it no longer runs (all month, 730 h, unless the policy says).
 */
import type { ActionDefinition, EvaluationContext } from "../registry.ts";
import type { InventoryResource } from "../types.ts";
import { computeEstimate, type Estimate } from "./estimate.ts";
import { hoursOf, hoursPerMonthSchema, parseHours, type HoursArgs } from "./hours.ts";

interface Pool {
  size: string;
  count: number;
}

/** Node pools as the cluster reports them in `properties.agentPoolProfiles`. */
export function nodePools(resource: InventoryResource): Pool[] {
  const profiles = resource.properties.agentPoolProfiles;
  if (!Array.isArray(profiles)) return [];
  return profiles.flatMap((profile: unknown) => {
    const { vmSize, count } = (profile ?? {}) as { vmSize?: unknown; count?: unknown };
    return typeof vmSize === "string" && typeof count === "number" && count > 0 ? [{ size: vmSize, count }] : [];
  });
}

function estimate(resource: InventoryResource, args: HoursArgs, ctx: EvaluationContext): Estimate {
  const code = (resource.properties.powerState as { code?: unknown } | undefined)?.code;
  if (resource.powerState === "stopped" || code === "Stopped") return { monthly: 0, explanation: "already stopped: nothing more to save" };
  const pools = nodePools(resource);
  if (pools.length === 0) return { monthly: 0, explanation: "no price: the cluster reports no node pools with nodes" };
  return computeEstimate(pools, hoursOf(args, resource, ctx), ctx.settings);
}

export const stopAction: ActionDefinition<HoursArgs> = {
  name: "stop",
  summary: "Stop an AKS cluster (control plane and all node pools); it keeps its state and starts again as it was.",
  example: "action: stop",
  effect: "disruptive",
  appliesTo: ["aks-cluster"],
  argsSchema: { properties: { hoursPerMonth: hoursPerMonthSchema } },
  parse: parseHours,
  savings(resource, args, ctx) {
    return estimate(resource, args, ctx).monthly;
  },
  describe(resource, args, ctx) {
    const nodes = nodePools(resource).reduce((total, pool) => total + pool.count, 0);
    return `stop ${resource.name} (${nodes} node${nodes === 1 ? "" : "s"}): ${estimate(resource, args, ctx).explanation}`;
  },
};
