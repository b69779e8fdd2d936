/** Re-reading the resource an executor works on, and putting the fresh read into its context. */
import { readResource } from "../inventory/readResource.ts";
import { buildIndex } from "../policy/inventoryIndex.ts";
import type { EvaluationContext } from "../policy/registry.ts";
import type { InventoryResource } from "../policy/types.ts";
import type { ResourceState } from "./types.ts";
import type { ExecutorContext } from "./executor.ts";

/** The evaluation context with `resource` in place of its earlier read. */
export function withResource(evaluation: EvaluationContext, resource: InventoryResource): EvaluationContext {
  const key = resource.id.toLowerCase();
  const resources = [resource, ...evaluation.inventory.resources.filter((other) => other.id.toLowerCase() !== key)];
  const inventory = { ...evaluation.inventory, resources };
  return { ...evaluation, inventory, index: buildIndex(inventory) };
}

/** The context with `resource` as Azure showed it just now (a read, or an answer that carries the resource's state). */
export function withFreshRead<A>(ctx: ExecutorContext<A>, resource: InventoryResource): ExecutorContext<A> {
  return { ...ctx, resource, readAtMs: Date.now(), evaluation: withResource(ctx.evaluation, resource) };
}

/** The context after reading the resource again from ARM; `undefined` when it is gone. */
export async function refreshResource<A>(ctx: ExecutorContext<A>): Promise<ExecutorContext<A> | undefined> {
  const resource = await readResource(ctx.target, ctx.resource.id);
  return resource ? withFreshRead(ctx, resource) : undefined;
}

/** Existence and power state, the state the power and delete actions are about. */
export function powerState(ctx: Pick<ExecutorContext, "resource">): ResourceState {
  return { exists: true, ...(ctx.resource.powerState === undefined ? {} : { powerState: ctx.resource.powerState }) };
}
