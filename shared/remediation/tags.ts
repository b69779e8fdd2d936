/** Writing tags the way every executor does: the tags API at the resource's scope, Merge or Delete (never Replace), followed to the end. */
import { resourcesClient } from "../azure/clients.ts";
import { type ExecutorContext, followOperation, lroOptions } from "./executor.ts";

/** Writes them; resolves to the resource's tags after the write, as Azure answered them, or `undefined` when its answer had none. */
export async function updateTags(
  ctx: Pick<ExecutorContext, "target" | "options" | "resource">,
  operation: "Merge" | "Delete",
  tags: Record<string, string>,
  accepted: () => void = () => undefined,
): Promise<Record<string, string> | undefined> {
  const client = await resourcesClient(ctx.target);
  const { restorePoller } = await import("@azure/arm-resources");
  const start = () => client.tagsOperations.updateAtScope(ctx.resource.id, { operation, properties: { tags } }, lroOptions(ctx));
  const answer = await followOperation(start, (state) => restorePoller(client, state, start, lroOptions(ctx)), accepted, ctx.options);
  const after = (answer as { properties?: { tags?: unknown } } | undefined)?.properties?.tags;
  return after !== null && typeof after === "object" && !Array.isArray(after) ? (after as Record<string, string>) : undefined;
}

/** The resource's tags as they are now, not as they were read a moment ago. */
export async function currentTags(ctx: Pick<ExecutorContext, "target" | "resource">): Promise<Record<string, string>> {
  const client = await resourcesClient(ctx.target);
  return (await client.tagsOperations.getAtScope(ctx.resource.id)).properties?.tags ?? {};
}
