/**
 * `tag`: merge into the resource's tags only what the policy's tag action plans (`plannedTags`,
 * the helper the finding was decided with), through the tags API at the resource's scope with
 * `operation: Merge`, never Replace: tags the action does not name are never touched, and an
 * inherited tag is only written where the resource has no value of its own.
 *
 * The plan is made again on the tags as they are just before the write, so a value someone set
 * since the resource was read is kept. Tags already in place are `done`: nothing is written
 * (every tag write raises an event, even one that changes nothing).
 */
import { resourcesClient } from "../../azure/clients.ts";
import { MAX_TAGS, plannedTags, type TagArgs } from "../../policy/actions/tag.ts";
import { tagValue } from "../../policy/settings.ts";
import { type Executor, type ExecutorContext, followOperation, lroOptions } from "./common.ts";
import { refreshResource } from "./refresh.ts";

interface Plan {
  changes: Record<string, string>;
  notes: string[];
}

function planFor(ctx: ExecutorContext, tags: Record<string, string>): Plan {
  const plan = plannedTags({ ...ctx.resource, tags }, ctx.args as unknown as TagArgs, ctx.evaluation);
  const changes = { ...plan.changes };
  const notes: string[] = [];
  const owner = ctx.evaluation.settings.tags.owner;
  if (plan.ownerFromEvent) {
    const creator = ctx.request.trigger.creator;
    if (creator !== undefined && creator.trim() !== "") changes[owner] = creator;
    else notes.push(`${owner} from the creating identity: not known to this request`);
  }
  if (plan.unresolved.length > 0) {
    notes.push(`${plan.unresolved.join(", ")} missing on resource group ${ctx.resource.resourceGroup} too: someone has to decide`);
  }
  return { changes, notes };
}

const listed = (changes: Record<string, string>): string =>
  Object.entries(changes)
    .map(([name, value]) => `${name}=${value}`)
    .join(", ");

export const tagExecutor: Executor = {
  action: "tag",
  kinds: ["any"],
  effect: "modify",
  assess(ctx) {
    const { changes, notes } = planFor(ctx, ctx.resource.tags);
    const names = Object.keys(changes);
    if (names.length === 0) {
      return { status: "done", reason: `tags already in place${notes.length > 0 ? ` (${notes.join("; ")})` : ""}` };
    }
    const added = names.filter((name) => tagValue(ctx.resource.tags, name) === undefined).length;
    if (Object.keys(ctx.resource.tags).length + added > MAX_TAGS) {
      return { status: "refused", reason: `merging ${listed(changes)} would exceed ARM's limit of ${MAX_TAGS} tags on a resource` };
    }
    return { status: "todo" };
  },
  describe(ctx) {
    const { changes, notes } = planFor(ctx, ctx.resource.tags);
    return `merged tags ${listed(changes)} into ${ctx.resource.name}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`;
  },
  async change(ctx, accepted) {
    const client = await resourcesClient(ctx.target);
    // The tags as they are now, not as they were read a moment ago: a value set since then is kept.
    const current = (await client.tagsOperations.getAtScope(ctx.resource.id)).properties?.tags ?? {};
    const { changes } = planFor(ctx, current);
    if (Object.keys(changes).length === 0) return;
    const { restorePoller } = await import("@azure/arm-resources");
    const start = () =>
      client.tagsOperations.updateAtScope(ctx.resource.id, { operation: "Merge", properties: { tags: changes } }, lroOptions(ctx));
    await followOperation(start, (state) => restorePoller(client, state, start, lroOptions(ctx)), accepted, ctx.options);
  },
  refresh: refreshResource,
  state: (ctx) => ({ exists: true, tags: { ...ctx.resource.tags } }),
};
