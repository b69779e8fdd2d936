/**
 * `notify`: tell people about the finding; changes nothing in Azure.
 *
 * ```yaml
 * action: notify                                   # the resource's owner
 * action: { type: notify, to: [owner, platform-team@nordwind.example], remindAfter: 7d }
 * ```
 *
 * `owner` stands for the owner tag (settings.tags.owner) of the resource or its resource group;
 * other entries are addresses as written. With no owner anywhere, the platform team is told.
 * A finding already told is told again when it changes, or once `remindAfter` (default 7d) has
 * passed since; never once it is resolved.
 */
import { parseDuration } from "../time/duration.ts";
import { inheritedTag } from "../policy/environment.ts";
import { DURATION_PATTERN } from "../policy/schema.ts";
import type { EvaluationContext } from "../policy/registry.ts";
import type { InventoryResource } from "../policy/types.ts";
import { defineAction } from "./module.ts";

export interface NotifyArgs {
  to: string[];
  /** How long before a finding told and unchanged is told again. */
  remindAfterMs: number;
}

export const DEFAULT_REMIND_AFTER = "7d";

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

export const notifyAction = defineAction<NotifyArgs>({
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
      remindAfter: {
        type: "string",
        pattern: DURATION_PATTERN,
        description: "Tell again about a finding still there and unchanged after this long (default 7d).",
      },
    },
  },
  parse(args) {
    return {
      to: Array.isArray(args.to) ? args.to.map(String) : ["owner"],
      remindAfterMs: parseDuration(typeof args.remindAfter === "string" ? args.remindAfter : DEFAULT_REMIND_AFTER),
    };
  },
  describe(resource, args, ctx) {
    const people = recipients(resource, args, ctx);
    const ownerUnknown = args.to.includes("owner") && inheritedTag(resource, ctx.settings.tags.owner, ctx).value === undefined;
    const missing = ownerUnknown ? `no ${ctx.settings.tags.owner} tag on the resource or its resource group` : "";
    if (people.length === 0) return `notify the platform team (${missing})`;
    return `notify ${people.join(", ")}${missing ? ` (${missing})` : ""}`;
  },
  // Nothing is changed in Azure: the sweep sends the owners' notices (shared/notifications).
  permissions: [],
});

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Who an owner's notice goes to: the addresses, and the platform team (with why) for what has none. */
export interface NoticeTargets {
  addresses: string[];
  /** Set when the platform team is told instead: the tag value found, or that there was none. */
  platformNote?: string;
}

/**
 * The notice's recipients: `owner` is the owner tag when it is an email address; an owner tag
 * that is not an address (a team name), no owner at all, or an entry that is not an address sends
 * the notice to the platform team, with a note of what was found.
 */
export function noticeTargets(
  resource: InventoryResource,
  args: Pick<NotifyArgs, "to">,
  ctx: Pick<EvaluationContext, "inventory" | "settings">,
): NoticeTargets {
  const addresses: string[] = [];
  const notes: string[] = [];
  const ownerTag = ctx.settings.tags.owner;
  for (const entry of args.to) {
    const value = entry === "owner" ? inheritedTag(resource, ownerTag, ctx).value : entry;
    if (value !== undefined && EMAIL.test(value.trim())) addresses.push(value.trim().toLowerCase());
    else if (entry !== "owner") notes.push(`recipient "${entry}" is not an email address`);
    else if (value === undefined) notes.push(`no ${ownerTag} tag on the resource or its resource group`);
    else notes.push(`${ownerTag} tag "${value}" is not an email address`);
  }
  const unique = [...new Set(addresses)];
  return notes.length > 0 || unique.length === 0
    ? { addresses: unique, platformNote: notes.join("; ") || "no recipient" }
    : { addresses: unique };
}
