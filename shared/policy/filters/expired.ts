/**
 * `expired`: a resource whose expiry tag holds a date that has passed.
 *
 * ```yaml
 * - expired: { tag: expires-on }
 * - expired: true              # the tag named by settings.tags.expiresOn
 * ```
 *
 * The date is `YYYY-MM-DD` (the resource expires at the start of that day, UTC) or an ISO
 * date-time. A date nobody can read is `unknown` and says so: guessing an expiry could delete
 * what someone meant to keep.
 */
import type { FilterDefinition } from "../registry.ts";
import { tagValue } from "../settings.ts";
import { parseTagDate } from "./dates.ts";
import { formatElapsed } from "./format.ts";

export interface ExpiredArgs {
  /** The tag holding the date; undefined means settings.tags.expiresOn. */
  tag?: string;
}

export const expiredFilter: FilterDefinition<ExpiredArgs> = {
  key: "expired",
  summary: "A resource whose expiry tag (default expires-on) holds a date that has passed.",
  example: "{ expired: { tag: expires-on } }",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["expired"],
    properties: {
      expired: {
        anyOf: [
          { const: true, description: "Use the tag named by settings.tags.expiresOn." },
          {
            type: "object",
            additionalProperties: false,
            properties: { tag: { type: "string", minLength: 1, description: "Tag holding the date (default: settings.tags.expiresOn)." } },
          },
        ],
      },
    },
  },
  parse(condition) {
    const raw = condition.expired;
    const tag = typeof raw === "object" && raw !== null ? (raw as { tag?: unknown }).tag : undefined;
    return typeof tag === "string" ? { tag } : {};
  },
  evaluate(resource, args, ctx) {
    const name = args.tag ?? ctx.settings.tags.expiresOn;
    const value = tagValue(resource.tags, name);
    if (value === undefined || value.trim() === "") return { outcome: "no-match", reason: `no ${name} tag` };
    const expiresMs = parseTagDate(value);
    if (expiresMs === undefined) return { outcome: "unknown", reason: `${name} "${value}" is not a date (expected YYYY-MM-DD)` };
    const remainingMs = expiresMs - ctx.now.getTime();
    if (remainingMs <= 0) return { outcome: "match", reason: `${name} ${value} has passed (${formatElapsed(-remainingMs)} ago)` };
    return { outcome: "no-match", reason: `${name} ${value} is ${formatElapsed(remainingMs)} away` };
  },
};
