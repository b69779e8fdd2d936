/**
 * `start` a VM, an AKS cluster, a PostgreSQL flexible server or a scale set that a schedule policy
 * took down, when its schedule window begins. Not an action of the policy file: Governor's own,
 * the `undoneBy` of `deallocate` and `stop`. A scale set AKS owns is never started by it (AKS
 * starts its nodes with its cluster).
 */
import { computeClient, containerServiceClient, postgresClient } from "../azure/clients.ts";
import type { InventoryResource } from "../policy/types.ts";
import { followOperation, lroOptions, sentOperation } from "../remediation/executor.ts";
import { aksOwnership } from "../resourceTypes/vmScaleSet.ts";
import { powerExecutor } from "./common/power.ts";
import { defineAction } from "./module.ts";

const WHAT: Partial<Record<string, string>> = {
  "aks-cluster": "AKS cluster ",
  "postgresql-server": "PostgreSQL server ",
  "vm-scale-set": "scale set ",
};

function refuses(resource: InventoryResource): string | undefined {
  const aks = resource.kind === "vm-scale-set" ? aksOwnership(resource) : undefined;
  return aks === undefined ? undefined : `${aks}: AKS starts its nodes with its cluster; Governor never starts it`;
}

export const startAction = defineAction<Record<string, never>>({
  name: "start",
  summary: "Start a VM, an AKS cluster, a PostgreSQL server or a scale set again (Governor's own: when a schedule policy's window opens).",
  example: "(not written in policy files)",
  effect: "modify",
  appliesTo: ["virtual-machine", "aks-cluster", "postgresql-server", "vm-scale-set"],
  internal: true,
  refuses,
  executor: powerExecutor({
    owner: "start",
    final: "running",
    transitional: "starting",
    describe: (ctx) => `started ${WHAT[ctx.resource.kind ?? ""] ?? ""}${ctx.resource.name}`,
    refuse: (ctx) => refuses(ctx.resource),
    async send(ctx, { resourceGroup, name }, accepted) {
      const kind = ctx.resource.kind;
      if (kind === "postgresql-server") {
        const client = await postgresClient(ctx.target);
        const begin = (resumeFrom?: string) => () =>
          client.servers.beginStart(resourceGroup, name, { ...lroOptions(ctx), ...(resumeFrom === undefined ? {} : { resumeFrom }) });
        await followOperation(
          () => sentOperation(begin()),
          (state) => sentOperation(begin(state)),
          accepted,
          ctx.options,
        );
      } else if (kind === "aks-cluster") {
        const client = await containerServiceClient(ctx.target);
        const { restorePoller } = await import("@azure/arm-containerservice");
        const start = () => client.managedClusters.start(resourceGroup, name, lroOptions(ctx));
        await followOperation(start, (state) => restorePoller(client, state, start, lroOptions(ctx)), accepted, ctx.options);
      } else {
        const client = await computeClient(ctx.target);
        const { restorePoller } = await import("@azure/arm-compute");
        const start =
          kind === "vm-scale-set"
            ? () => client.virtualMachineScaleSets.start(resourceGroup, name, lroOptions(ctx))
            : () => client.virtualMachines.start(resourceGroup, name, lroOptions(ctx));
        await followOperation(start, (state) => restorePoller(client, state, start, lroOptions(ctx)), accepted, ctx.options);
      }
    },
  }),
  permissions: [
    { operation: "Microsoft.Resources/tags/write", why: "clear governor-stopped-by once started", evidence: "request" },
    {
      operation: "Microsoft.Compute/virtualMachines/start/action",
      why: "start VMs again when their schedule window opens",
      evidence: "request",
    },
    { operation: "Microsoft.ContainerService/managedClusters/start/action", why: "start AKS clusters again", evidence: "request" },
    {
      operation: "Microsoft.DBforPostgreSQL/flexibleServers/start/action",
      why: "start PostgreSQL servers again when their schedule window opens",
      evidence: "request",
    },
    {
      operation: "Microsoft.Compute/virtualMachineScaleSets/start/action",
      why: "start scale sets again when their schedule window opens",
      evidence: "request",
    },
  ],
  leaves: { powerState: "running" },
});
