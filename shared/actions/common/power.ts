/**
 * The power actions, VMs and AKS clusters alike: each has a state it leaves the resource in, the
 * transitional state on the way there, and one long-running ARM action. A resource already in
 * the final state is `done` (nothing is sent: a retried deallocate of a deallocated VM changes
 * nothing); one in the transitional state has the same change under way, which the next request
 * joins (Compute completes it; AKS answers 409 `AnotherOperationInProgress`, waited out).
 */
import { parseResourceId } from "../../azure/resourceId.ts";
import type { PowerState } from "../../policy/types.ts";
import type { ActionExecutor, Assessment, ExecutorContext } from "../../remediation/executor.ts";
import { powerState, refreshResource } from "../../remediation/refresh.ts";

export interface PowerActionSpec<A> {
  final: PowerState;
  transitional: PowerState;
  /** `deallocated vm-odoo-dev-01 (compute billing stops, disks kept)` */
  describe: (ctx: ExecutorContext<A>) => string;
  /** Sends the action and waits for its long-running operation. */
  send: (ctx: ExecutorContext<A>, names: { resourceGroup: string; name: string }, accepted: () => void) => Promise<void>;
}

export function powerExecutor<A>(spec: PowerActionSpec<A>): ActionExecutor<A> {
  return {
    assess(ctx): Assessment {
      const state = ctx.resource.powerState;
      if (state === spec.final) return { status: "done", reason: `${ctx.resource.name} is already ${spec.final}` };
      if (state === spec.transitional) return { status: "in-progress", reason: `${ctx.resource.name} is ${spec.transitional}` };
      return { status: "todo" };
    },
    describe: spec.describe,
    async change(ctx, accepted) {
      const { resourceGroup, name } = parseResourceId(ctx.resource.id);
      await spec.send(ctx, { resourceGroup, name }, accepted);
    },
    refresh: refreshResource,
    state: powerState,
  };
}
