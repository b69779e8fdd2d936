/**
 * `delete` a snapshot or a managed disk. A resource that is gone is done (a retried delete of a
 * deleted snapshot sends nothing); a disk attached to a VM is never deleted, whatever the
 * policy says (Azure would refuse it too).
 */
import { computeClient } from "../../azure/clients.ts";
import { resourceNameOf } from "../../azure/resourceId.ts";
import { parseResourceId } from "../../azure/resourceId.ts";
import { type Executor, followOperation, lroOptions } from "./common.ts";
import { refreshResource } from "./refresh.ts";

export const deleteExecutor: Executor = {
  action: "delete",
  kinds: ["snapshot", "disk"],
  effect: "destructive",
  assess(ctx) {
    const attachedTo = ctx.resource.managedBy;
    if (ctx.resource.kind === "disk" && attachedTo) {
      return { status: "refused", reason: `disk ${ctx.resource.name} is attached to VM ${resourceNameOf(attachedTo)}: never deleted` };
    }
    return { status: "todo" };
  },
  describe: (ctx) => `deleted ${ctx.resource.kind === "disk" ? "disk" : "snapshot"} ${ctx.resource.name}`,
  async change(ctx, accepted) {
    const { resourceGroup, name } = parseResourceId(ctx.resource.id);
    const client = await computeClient(ctx.target);
    const { restorePoller } = await import("@azure/arm-compute");
    const start =
      ctx.resource.kind === "disk"
        ? () => client.disks.delete(resourceGroup, name, lroOptions(ctx))
        : () => client.snapshots.delete(resourceGroup, name, lroOptions(ctx));
    await followOperation(start, (state) => restorePoller(client, state, start, lroOptions(ctx)), accepted, ctx.options);
  },
  refresh: refreshResource,
  state: () => ({ exists: true }),
};
