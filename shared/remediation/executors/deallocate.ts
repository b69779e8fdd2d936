/**
 * `deallocate` a VM: compute is released and no longer billed (disks are kept, and billed).
 * Never power off, which keeps the VM allocated and billed.
 */
import { computeClient } from "../../azure/clients.ts";
import { followOperation, lroOptions } from "./common.ts";
import { powerExecutor } from "./power.ts";

export const deallocateExecutor = powerExecutor({
  action: "deallocate",
  kinds: ["virtual-machine"],
  effect: "disruptive",
  final: "deallocated",
  transitional: "deallocating",
  describe: (ctx) => `deallocated ${ctx.resource.name} (compute billing stops, disks kept)`,
  async send(ctx, { resourceGroup, name }, accepted) {
    const client = await computeClient(ctx.target);
    const { restorePoller } = await import("@azure/arm-compute");
    const start = () => client.virtualMachines.deallocate(resourceGroup, name, lroOptions(ctx));
    await followOperation(start, (state) => restorePoller(client, state, start, lroOptions(ctx)), accepted, ctx.options);
  },
});
