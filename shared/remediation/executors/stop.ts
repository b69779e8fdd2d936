/** `stop` an AKS cluster: its control plane and every node pool; it keeps its state and starts again as it was. */
import { containerServiceClient } from "../../azure/clients.ts";
import { nodePools } from "../../policy/actions/stop.ts";
import { followOperation, lroOptions } from "./common.ts";
import { powerExecutor } from "./power.ts";

export const stopExecutor = powerExecutor({
  action: "stop",
  kinds: ["aks-cluster"],
  effect: "disruptive",
  final: "stopped",
  transitional: "stopping",
  describe(ctx) {
    const nodes = nodePools(ctx.resource).reduce((total, pool) => total + pool.count, 0);
    return `stopped AKS cluster ${ctx.resource.name} (control plane and ${nodes} node${nodes === 1 ? "" : "s"})`;
  },
  async send(ctx, { resourceGroup, name }, accepted) {
    const client = await containerServiceClient(ctx.target);
    const { restorePoller } = await import("@azure/arm-containerservice");
    const start = () => client.managedClusters.stop(resourceGroup, name, lroOptions(ctx));
    await followOperation(start, (state) => restorePoller(client, state, start, lroOptions(ctx)), accepted, ctx.options);
  },
});
