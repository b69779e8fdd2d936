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
 */
import type { ActionDefinition, EvaluationContext } from "../registry.ts";
import { tagValue } from "../settings.ts";
import type { InventoryResource } from "../types.ts";

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

export const tagAction: ActionDefinition<TagArgs> = {
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
};
