/**
 * `start` a VM or an AKS cluster that a schedule policy took down, when its schedule window
 * begins. Not an action of the policy file: Governor's own, the `undoneBy` of `deallocate` and
 * `stop`.
 */
import { computeClient, containerServiceClient } from "../azure/clients.ts";
import { followOperation, lroOptions } from "../remediation/executor.ts";
import { powerExecutor } from "./common/power.ts";
import { defineAction } from "./module.ts";

export const startAction = defineAction<Record<string, never>>({
  name: "start",
  summary: "Start a VM or an AKS cluster again (Governor's own: when a schedule policy's window opens).",
  example: "(not written in policy files)",
  effect: "modify",
  appliesTo: ["virtual-machine", "aks-cluster"],
  internal: true,
  executor: powerExecutor({
    owner: "start",
    final: "running",
    transitional: "starting",
    describe: (ctx) => `started ${ctx.resource.kind === "aks-cluster" ? "AKS cluster " : ""}${ctx.resource.name}`,
    async send(ctx, { resourceGroup, name }, accepted) {
      if (ctx.resource.kind === "aks-cluster") {
        const client = await containerServiceClient(ctx.target);
        const { restorePoller } = await import("@azure/arm-containerservice");
        const start = () => client.managedClusters.start(resourceGroup, name, lroOptions(ctx));
        await followOperation(start, (state) => restorePoller(client, state, start, lroOptions(ctx)), accepted, ctx.options);
      } else {
        const client = await computeClient(ctx.target);
        const { restorePoller } = await import("@azure/arm-compute");
        const start = () => client.virtualMachines.start(resourceGroup, name, lroOptions(ctx));
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
  ],
  leaves: { powerState: "running" },
});
