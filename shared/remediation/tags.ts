/** Writing tags the way every executor does: the tags API at the resource's scope, Merge or Delete (never Replace), followed to the end. */
import { resourcesClient } from "../azure/clients.ts";
import { type ExecutorContext, followOperation, lroOptions } from "./executor.ts";

export async function updateTags(
  ctx: Pick<ExecutorContext, "target" | "options" | "resource">,
  operation: "Merge" | "Delete",
  tags: Record<string, string>,
  accepted: () => void = () => undefined,
): Promise<void> {
  const client = await resourcesClient(ctx.target);
  const { restorePoller } = await import("@azure/arm-resources");
  const start = () => client.tagsOperations.updateAtScope(ctx.resource.id, { operation, properties: { tags } }, lroOptions(ctx));
  await followOperation(start, (state) => restorePoller(client, state, start, lroOptions(ctx)), accepted, ctx.options);
}

/** The resource's tags as they are now, not as they were read a moment ago. */
export async function currentTags(ctx: Pick<ExecutorContext, "target" | "resource">): Promise<Record<string, string>> {
  const client = await resourcesClient(ctx.target);
  return (await client.tagsOperations.getAtScope(ctx.resource.id)).properties?.tags ?? {};
}
