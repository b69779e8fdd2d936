/**
 * The power actions, VMs and AKS clusters alike: each has a state it leaves the resource in, the
 * transitional state on the way there, and one long-running ARM action. A resource already in
 * the final state is `done` (nothing is sent: a retried deallocate of a deallocated VM changes
 * nothing); one in the transitional state has the same change under way, which the next request
 * joins (Compute completes it; AKS answers 409 `AnotherOperationInProgress`, waited out).
 */
import { parseResourceId } from "../../azure/resourceId.ts";
import { tagValue } from "../../policy/settings.ts";
import type { PowerState } from "../../policy/types.ts";
import { formatStoppedBy, STOPPED_BY_TAG, stoppedByOf } from "../../remediation/stoppedBy.ts";
import { updateTags } from "../../remediation/tags.ts";
import { type ActionExecutor, type Assessment, azureFailure, type ExecutorContext, retryingRead } from "../../remediation/executor.ts";
import { powerState, refreshResource } from "../../remediation/refresh.ts";

export interface PowerActionSpec<A> {
  final: PowerState;
  transitional: PowerState;
  /** `deallocated vm-odoo-dev-01 (compute billing stops, disks kept)` */
  describe: (ctx: ExecutorContext<A>) => string;
  /**
   * `stop`: a stop writes who stopped it (`governor-stopped-by`) once it is stopped; `start`: a
   * start clears it once the resource runs.
   */
  owner?: "stop" | "start";
  /**
   * Why Azure cannot (or Governor will not) do it to this resource as read now, with the values
   * seen: a PostgreSQL server in high-availability mode, a scale set AKS owns. The same words the
   * plan's finding gave (the module's `refuses`), so a resource that changed since the plan is
   * refused as it would have been planned.
   */
  refuse?: (ctx: ExecutorContext<A>) => string | undefined;
  /** Sends the action and waits for its long-running operation. */
  send: (ctx: ExecutorContext<A>, names: { resourceGroup: string; name: string }, accepted: () => void) => Promise<void>;
}

export function powerExecutor<A>(spec: PowerActionSpec<A>): ActionExecutor<A> {
  // Recorded once it is stopped, so a stop that failed leaves no trace. A stop whose owner could not be
  // written is one no start can tell from a person's: it stays stopped, and the start says why.
  const settle = async (ctx: ExecutorContext<A>): Promise<void> => {
    if (spec.owner === "stop") {
      // The time, so a resource found running with the tag still on it can be told started by Azure or by a person.
      const owner = { [STOPPED_BY_TAG]: formatStoppedBy(stoppedByOf(ctx.request, ctx.evaluation.now)) };
      await retryingRead(() => updateTags(ctx, "Merge", owner), ctx.options).catch((error: unknown) =>
        console.warn(`${ctx.resource.name} stopped, but ${STOPPED_BY_TAG} was not written: ${azureFailure(error).message}`),
      );
    }
    if (spec.owner === "start") {
      const value = tagValue(ctx.resource.tags, STOPPED_BY_TAG);
      // Best effort: the start happened; a tag left behind is overwritten by the next stop.
      if (value !== undefined) await updateTags(ctx, "Delete", { [STOPPED_BY_TAG]: value }).catch(() => undefined);
    }
  };
  return {
    assess(ctx): Assessment {
      const state = ctx.resource.powerState;
      if (state === spec.final) return { status: "done", reason: `${ctx.resource.name} is already ${spec.final}` };
      if (state === spec.transitional) return { status: "in-progress", reason: `${ctx.resource.name} is ${spec.transitional}` };
      const refused = spec.refuse?.(ctx);
      if (refused !== undefined) return { status: "refused", reason: `${ctx.resource.name}: ${refused}` };
      return { status: "todo" };
    },
    describe: spec.describe,
    async change(ctx, accepted) {
      const { resourceGroup, name } = parseResourceId(ctx.resource.id);
      await spec.send(ctx, { resourceGroup, name }, accepted);
      await settle(ctx);
    },
    settle,
    refresh: refreshResource,
    state: powerState,
  };
}
