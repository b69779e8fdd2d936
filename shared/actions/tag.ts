/**
 * `tag`: write tags, merged with those the resource has: tags the action does not name are never
 * replaced or removed.
 *
 * ```yaml
 * action: { type: tag, inherit: [owner, environment, cost-center, application] }
 * action: { type: tag, set: { managed-by: governor }, creatorFromEvent: true }
 * ```
 *
 * - `inherit`: each named tag the resource lacks, copied from its resource group;
 * - `set`: fixed values, written where the resource's value differs;
 * - `creatorFromEvent`: on the event path, the owner tag (settings.tags.owner), when still
 *   missing, from the identity that created the resource (the event's claims).
 *
 * `plannedTags` is the one place that decides what changes, for the finding's reason and for
 * the activity that writes the tags (on a fresh read of the resource).
 *
 * The executor merges only what `plannedTags` plans, through the tags API at the resource's
 * scope with `operation: Merge`, never Replace; an inherited tag is only written where the
 * resource has no value of its own. The plan is made on the tags as they are just before the
 * write (the re-check's read, if it is under `FRESH_READ_MS` old; otherwise they are read again),
 * so a value someone set since is kept. Azure's answer to the merge is the verification. Tags
 * already in place are `done`: nothing is written (every tag write raises an event, even one that
 * changes nothing).
 */
import type { EvaluationContext } from "../policy/registry.ts";
import { tagValue } from "../policy/settings.ts";
import type { InventoryResource } from "../policy/types.ts";
import type { ExecutorContext } from "../remediation/executor.ts";
import { refreshResource, withFreshRead } from "../remediation/refresh.ts";
import { currentTags, updateTags } from "../remediation/tags.ts";
import { defineAction } from "./module.ts";

export interface TagArgs {
  inherit: string[];
  set: Record<string, string>;
  creatorFromEvent: boolean;
}

export interface TagPlan {
  /** Tags to merge into the resource's. */
  changes: Record<string, string>;
  /** Inherited tags the resource group lacks too: someone has to decide them. */
  unresolved: string[];
  /** Whether the owner is to be taken from the event that created the resource. */
  ownerFromEvent: boolean;
}

/**
 * How recent the resource's read must be for the merge to be planned on its tags without reading
 * them again: the read of the re-check before acting, a moment before (a slower one, under
 * throttling, is read again).
 */
export const FRESH_READ_MS = 2_000;

/** ARM allows at most 50 tags on a resource. */
export const MAX_TAGS = 50;

const blank = (value: string | undefined): boolean => value === undefined || value.trim() === "";

export function plannedTags(resource: InventoryResource, args: TagArgs, ctx: Pick<EvaluationContext, "inventory" | "settings">): TagPlan {
  const group = ctx.inventory.resourceGroups[resource.resourceGroup.toLowerCase()];
  const changes: Record<string, string> = {};
  const unresolved: string[] = [];
  for (const name of args.inherit) {
    if (!blank(tagValue(resource.tags, name))) continue;
    const inherited = group ? tagValue(group.tags, name) : undefined;
    if (blank(inherited)) unresolved.push(name);
    else changes[name] = inherited as string;
  }
  for (const [name, value] of Object.entries(args.set)) {
    if (tagValue(resource.tags, name) !== value) changes[name] = value;
  }
  const owner = ctx.settings.tags.owner;
  const ownerMissing = blank(tagValue(resource.tags, owner)) && tagValue(changes, owner) === undefined;
  return { changes, unresolved, ownerFromEvent: args.creatorFromEvent && ownerMissing };
}

/** The change on the tags `tags` (the resource's, or as they are just before the write), with what it cannot decide. */
function planFor(ctx: ExecutorContext<TagArgs>, tags: Record<string, string>): { changes: Record<string, string>; notes: string[] } {
  const plan = plannedTags({ ...ctx.resource, tags }, ctx.args, ctx.evaluation);
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

export const tagAction = defineAction<TagArgs>({
  name: "tag",
  summary:
    "Add tags, merged with the resource's own: missing ones inherited from the resource group, fixed values, or the owner from the creating event.",
  example: "action: { type: tag, inherit: [owner, environment, cost-center, application] }",
  effect: "modify",
  appliesTo: ["any"],
  argsSchema: {
    properties: {
      inherit: {
        type: "array",
        minItems: 1,
        items: { type: "string", minLength: 1 },
        description: "Tags to copy from the resource group when the resource lacks them.",
      },
      set: {
        type: "object",
        minProperties: 1,
        additionalProperties: { type: ["string", "number", "boolean"] },
        description: "Tags to set to fixed values.",
      },
      creatorFromEvent: {
        type: "boolean",
        description: "On the event path, set the owner tag from the identity that created the resource.",
      },
    },
  },
  parse(args) {
    const inherit = Array.isArray(args.inherit) ? args.inherit.map(String) : [];
    const set = Object.fromEntries(
      Object.entries((args.set as Record<string, unknown> | undefined) ?? {}).map(([name, value]) => [name, String(value)]),
    );
    const creatorFromEvent = args.creatorFromEvent === true;
    if (inherit.length === 0 && Object.keys(set).length === 0 && !creatorFromEvent) {
      throw new Error("the tag action needs inherit, set or creatorFromEvent: otherwise it has nothing to write");
    }
    return { inherit, set, creatorFromEvent };
  },
  describe(resource, args, ctx) {
    const plan = plannedTags(resource, args, ctx);
    const parts: string[] = [];
    const entries = Object.entries(plan.changes);
    if (entries.length > 0) parts.push(`add ${entries.map(([name, value]) => `${name}=${value}`).join(", ")}`);
    if (plan.ownerFromEvent) parts.push(`${ctx.settings.tags.owner} from the identity that created it (event path only)`);
    if (plan.unresolved.length > 0)
      parts.push(`${plan.unresolved.join(", ")} missing on resource group ${resource.resourceGroup} too: reported to decide`);
    if (Object.keys(resource.tags).length + entries.length > MAX_TAGS)
      parts.push(`would exceed ARM's limit of ${MAX_TAGS} tags on a resource`);
    return parts.length === 0 ? "tags: nothing to add" : `tags: ${parts.join("; ")}`;
  },
  needsCreator: (args) => args.creatorFromEvent,
  executor: {
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
      // The tags as they are now: the read just made if it is that recent, else read again, so a value set since then is kept.
      const fresh = ctx.readAtMs !== undefined && Date.now() - ctx.readAtMs <= FRESH_READ_MS;
      const { changes } = planFor(ctx, fresh ? ctx.resource.tags : await currentTags(ctx));
      if (Object.keys(changes).length === 0) return;
      const after = await updateTags(ctx, "Merge", changes, accepted);
      // Azure answers a merge with the resource's tags after it: that answer verifies the change.
      return after === undefined ? undefined : withFreshRead(ctx, { ...ctx.resource, tags: after });
    },
    refresh: refreshResource,
    state: (ctx) => ({ exists: true, tags: { ...ctx.resource.tags } }),
  },
  permissions: [
    { operation: "Microsoft.Resources/tags/write", why: "merge missing tags (the tags API at the resource's scope)", evidence: "request" },
  ],
});
