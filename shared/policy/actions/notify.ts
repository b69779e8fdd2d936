/**
 * `notify`: tell people about the finding; changes nothing in Azure.
 *
 * ```yaml
 * action: notify                                   # the resource's owner
 * action: { type: notify, to: [owner, platform-team@nordwind.example] }
 * ```
 *
 * `owner` stands for the owner tag (settings.tags.owner) of the resource or its resource group;
 * other entries are addresses as written. With no owner anywhere, the platform team is told.
 */
import { inheritedTag } from "../environment.ts";
import type { ActionDefinition, EvaluationContext } from "../registry.ts";
import type { InventoryResource } from "../types.ts";

export interface NotifyArgs {
  to: string[];
}

/** The recipients of the notification; `owner` resolved, unknown owners left out. */
export function recipients(
  resource: InventoryResource,
  args: NotifyArgs,
  ctx: Pick<EvaluationContext, "inventory" | "settings">,
): string[] {
  return args.to.flatMap((entry) => {
    if (entry !== "owner") return [entry];
    const owner = inheritedTag(resource, ctx.settings.tags.owner, ctx).value;
    return owner === undefined ? [] : [owner];
  });
}

export const notifyAction: ActionDefinition<NotifyArgs> = {
  name: "notify",
  summary: "Tell the resource's owner (or the listed addresses) about the finding; changes nothing.",
  example: "action: notify",
  effect: "none",
  appliesTo: ["any"],
  argsSchema: {
    properties: {
      to: {
        type: "array",
        minItems: 1,
        items: { type: "string", minLength: 1 },
        description: "Recipients: owner (the owner tag) and/or addresses (default: owner).",
      },
    },
  },
  parse(args) {
    return { to: Array.isArray(args.to) ? args.to.map(String) : ["owner"] };
  },
  describe(resource, args, ctx) {
    const people = recipients(resource, args, ctx);
    const ownerUnknown = args.to.includes("owner") && inheritedTag(resource, ctx.settings.tags.owner, ctx).value === undefined;
    const missing = ownerUnknown ? `no ${ctx.settings.tags.owner} tag on the resource or its resource group` : "";
    if (people.length === 0) return `notify the platform team (${missing})`;
    return `notify ${people.join(", ")}${missing ? ` (${missing})` : ""}`;
  },
};
