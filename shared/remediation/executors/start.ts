/**
 * `start` a VM or an AKS cluster that a schedule policy took down, when its schedule window
 * begins. Not an action of the policy file: the inverse of the policy's `deallocate` or `stop`.
 */
import { computeClient, containerServiceClient } from "../../azure/clients.ts";
import { followOperation, lroOptions } from "./common.ts";
import { powerExecutor } from "./power.ts";

export const startExecutor = powerExecutor({
  action: "start",
  kinds: ["virtual-machine", "aks-cluster"],
  effect: "modify",
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
});
