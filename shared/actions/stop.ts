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
import { containerServiceClient } from "../azure/clients.ts";
import type { EvaluationContext } from "../policy/registry.ts";
import type { InventoryResource } from "../policy/types.ts";
import { followOperation, lroOptions } from "../remediation/executor.ts";
import { computeEstimate, type Estimate } from "./common/estimate.ts";
import { hoursOf, hoursPerMonthSchema, parseHours, type HoursArgs } from "./common/hours.ts";
import { powerExecutor } from "./common/power.ts";
import { defineAction } from "./module.ts";

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

function nodeCount(resource: InventoryResource): number {
  return nodePools(resource).reduce((total, pool) => total + pool.count, 0);
}

export const stopAction = defineAction<HoursArgs>({
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
    const nodes = nodeCount(resource);
    return `stop ${resource.name} (${nodes} node${nodes === 1 ? "" : "s"}): ${estimate(resource, args, ctx).explanation}`;
  },
  executor: powerExecutor({
    owner: "stop",
    final: "stopped",
    transitional: "stopping",
    describe(ctx) {
      const nodes = nodeCount(ctx.resource);
      return `stopped AKS cluster ${ctx.resource.name} (control plane and ${nodes} node${nodes === 1 ? "" : "s"})`;
    },
    async send(ctx, { resourceGroup, name }, accepted) {
      const client = await containerServiceClient(ctx.target);
      const { restorePoller } = await import("@azure/arm-containerservice");
      const start = () => client.managedClusters.stop(resourceGroup, name, lroOptions(ctx));
      await followOperation(start, (state) => restorePoller(client, state, start, lroOptions(ctx)), accepted, ctx.options);
    },
  }),
  permissions: [
    {
      operation: "Microsoft.Resources/tags/write",
      why: "record who stopped it (governor-stopped-by) before stopping",
      evidence: "request",
    },
    { operation: "Microsoft.ContainerService/managedClusters/stop/action", why: "stop off-hours AKS clusters", evidence: "request" },
  ],
  undoneBy: "start",
  leaves: { powerState: "stopped" },
  saves: true,
});
