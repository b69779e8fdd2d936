/**
 * `stop`: stop an AKS cluster (its control plane and every node pool), or a PostgreSQL flexible
 * server.
 *
 * ```yaml
 * action: stop
 * action: { type: stop, hoursPerMonth: outside-schedule }
 * ```
 *
 * A stopped cluster keeps its state and starts again as it was; it cannot be upgraded or scaled
 * while stopped. Savings: each pool's node count × the hourly price of its node size × the hours
 * it no longer runs (all month, 730 h, unless the policy says).
 *
 * A stopped server's compute is no longer billed; its storage and backups still are. Azure
 * cannot stop a server in high-availability mode, a read replica or a primary with read
 * replicas: the finding says which, with the values seen, and the executor refuses too. Azure
 * starts a server stopped for 7 days again by itself: the next sweep finds it running outside its
 * schedule with Governor's `governor-stopped-by` still on it, stops it again within the policy's
 * rules (approval, freezes, caps) and says so. Savings: the hourly price of its compute SKU × the
 * hours it no longer runs.
 */
import { containerServiceClient, postgresClient } from "../azure/clients.ts";
import type { EvaluationContext } from "../policy/registry.ts";
import type { InventoryResource } from "../policy/types.ts";
import { followOperation, lroOptions, sentOperation } from "../remediation/executor.ts";
import { startedOutsideGovernor } from "../remediation/stoppedBy.ts";
import { whyNotStoppable } from "../resourceTypes/postgresqlServer.ts";
import { computeEstimate, type Estimate, skuEstimate } from "./common/estimate.ts";
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

const server = (resource: Pick<InventoryResource, "kind">): boolean => resource.kind === "postgresql-server";

function estimate(resource: InventoryResource, args: HoursArgs, ctx: EvaluationContext): Estimate {
  const code = (resource.properties.powerState as { code?: unknown } | undefined)?.code;
  if (resource.powerState === "stopped" || code === "Stopped") return { monthly: 0, explanation: "already stopped: nothing more to save" };
  if (server(resource)) {
    if (resource.sku === undefined) return { monthly: 0, explanation: "no price: the server's SKU is not known" };
    const compute = skuEstimate("postgresql-server", resource.sku, hoursOf(args, resource, ctx), ctx.settings);
    return { ...compute, explanation: `${compute.explanation} (compute only: storage and backups are still billed)` };
  }
  const pools = nodePools(resource);
  if (pools.length === 0) return { monthly: 0, explanation: "no price: the cluster reports no node pools with nodes" };
  return computeEstimate(pools, hoursOf(args, resource, ctx), ctx.settings);
}

function nodeCount(resource: InventoryResource): number {
  return nodePools(resource).reduce((total, pool) => total + pool.count, 0);
}

/** Why Azure cannot stop it: a server's high availability or replicas (the inventory's other servers show a primary's). */
function refuses(resource: InventoryResource, ctx: Pick<EvaluationContext, "inventory">): string | undefined {
  return server(resource) ? whyNotStoppable(resource, ctx.inventory.resources) : undefined;
}

/** ` (started again by Azure after 7 days stopped …)` when Governor's stop of it was undone by something else. */
function startedAgain(resource: InventoryResource, now: Date): string {
  const started = startedOutsideGovernor(resource, now);
  return started === undefined ? "" : `; ${started.reason}`;
}

export const stopAction = defineAction<HoursArgs>({
  name: "stop",
  summary:
    "Stop an AKS cluster (control plane and all node pools) or a PostgreSQL flexible server (compute billing stops, storage still billed); it keeps its state and starts again as it was.",
  example: "action: stop",
  effect: "disruptive",
  appliesTo: ["aks-cluster", "postgresql-server"],
  argsSchema: { properties: { hoursPerMonth: hoursPerMonthSchema } },
  parse: parseHours,
  savings(resource, args, ctx) {
    return estimate(resource, args, ctx).monthly;
  },
  describe(resource, args, ctx) {
    if (server(resource))
      return `stop PostgreSQL server ${resource.name} (${resource.sku ?? "SKU unknown"})${startedAgain(resource, ctx.now)}: ${estimate(resource, args, ctx).explanation}`;
    const nodes = nodeCount(resource);
    return `stop ${resource.name} (${nodes} node${nodes === 1 ? "" : "s"})${startedAgain(resource, ctx.now)}: ${estimate(resource, args, ctx).explanation}`;
  },
  refuses: (resource, _args, ctx) => refuses(resource, ctx),
  executor: powerExecutor({
    owner: "stop",
    final: "stopped",
    transitional: "stopping",
    describe(ctx) {
      const again = startedAgain(ctx.resource, ctx.evaluation.now);
      if (server(ctx.resource))
        return `stopped PostgreSQL server ${ctx.resource.name} (compute billing stops, storage still billed)${again}`;
      const nodes = nodeCount(ctx.resource);
      return `stopped AKS cluster ${ctx.resource.name} (control plane and ${nodes} node${nodes === 1 ? "" : "s"})${again}`;
    },
    refuse: (ctx) => refuses(ctx.resource, ctx.evaluation),
    async send(ctx, { resourceGroup, name }, accepted) {
      if (server(ctx.resource)) {
        const client = await postgresClient(ctx.target);
        const begin = (resumeFrom?: string) => () =>
          client.servers.beginStop(resourceGroup, name, { ...lroOptions(ctx), ...(resumeFrom === undefined ? {} : { resumeFrom }) });
        await followOperation(
          () => sentOperation(begin()),
          (state) => sentOperation(begin(state)),
          accepted,
          ctx.options,
        );
        return;
      }
      const client = await containerServiceClient(ctx.target);
      const { restorePoller } = await import("@azure/arm-containerservice");
      const start = () => client.managedClusters.stop(resourceGroup, name, lroOptions(ctx));
      await followOperation(start, (state) => restorePoller(client, state, start, lroOptions(ctx)), accepted, ctx.options);
    },
  }),
  permissions: [
    {
      operation: "Microsoft.Resources/tags/write",
      why: "record who stopped it and when (governor-stopped-by) once stopped",
      evidence: "request",
    },
    { operation: "Microsoft.ContainerService/managedClusters/stop/action", why: "stop off-hours AKS clusters", evidence: "request" },
    {
      operation: "Microsoft.DBforPostgreSQL/flexibleServers/stop/action",
      why: "stop off-hours non-production PostgreSQL servers (again, after Azure's own start 7 days later)",
      evidence: "request",
    },
  ],
  undoneBy: "start",
  leaves: { powerState: "stopped" },
  saves: true,
});
