/**
 * `age`: how long ago the resource was created, or the date in one of its tags.
 *
 * ```yaml
 * - age: { olderThan: 90d, from: created }
 * - age: { youngerThan: 7d, from: "tag:created-on" }
 * ```
 *
 * `from` defaults to `created` (ARM's creation time). Both bounds may be given, for a range. A
 * missing or unreadable date is `unknown`: an age nobody knows is not old.
 */
import { parseDuration } from "../../time/duration.ts";
import { createdAtMs } from "../inventoryIndex.ts";
import type { FilterDefinition } from "../registry.ts";
import { DURATION_PATTERN } from "../schema.ts";
import { tagValue } from "../settings.ts";
import type { InventoryResource } from "../types.ts";
import { parseTagDate } from "./dates.ts";
import { formatDay, formatElapsed } from "./format.ts";

/** A bound as written (for reasons: `14d` stays `14d`) and in milliseconds. */
export interface AgeBound {
  text: string;
  ms: number;
}

export interface AgeArgs {
  olderThan?: AgeBound;
  youngerThan?: AgeBound;
  /** `created`, or the name of a tag holding a date. */
  from: { created: true } | { tag: string };
}

const durationSchema = {
  type: "string",
  pattern: DURATION_PATTERN,
  description: "A duration: a number and a unit (m, h, d, w), e.g. 90d.",
};

function startOf(resource: InventoryResource, from: AgeArgs["from"]): { ms: number; label: string } | { missing: string } {
  if ("created" in from) {
    const ms = createdAtMs(resource);
    return ms === undefined ? { missing: "creation time unknown" } : { ms, label: `created ${formatDay(ms)}` };
  }
  const value = tagValue(resource.tags, from.tag);
  if (value === undefined || value.trim() === "") return { missing: `no ${from.tag} tag to date it from` };
  const ms = parseTagDate(value);
  return ms === undefined
    ? { missing: `tag ${from.tag}="${value}" is not a date (expected YYYY-MM-DD)` }
    : { ms, label: `${from.tag} ${value}` };
}

export const ageFilter: FilterDefinition<AgeArgs> = {
  key: "age",
  summary: "How long ago the resource was created (or the date in a tag): olderThan and/or youngerThan a duration.",
  example: "{ age: { olderThan: 90d, from: created } }",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["age"],
    properties: {
      age: {
        type: "object",
        additionalProperties: false,
        properties: {
          olderThan: durationSchema,
          youngerThan: durationSchema,
          from: { type: "string", pattern: "^(created|tag:.+)$", description: "created (default), or tag:NAME for a date in a tag." },
        },
      },
    },
  },
  parse(condition) {
    const object = condition.age as Record<string, unknown>;
    if (object.olderThan === undefined && object.youngerThan === undefined)
      throw new Error("the age condition needs olderThan, youngerThan or both");
    const from =
      typeof object.from === "string" && object.from.startsWith("tag:") ? { tag: object.from.slice(4).trim() } : { created: true as const };
    if ("tag" in from && from.tag === "") throw new Error('age from "tag:" needs a tag name, e.g. tag:created-on');
    const args: AgeArgs = { from };
    for (const bound of ["olderThan", "youngerThan"] as const) {
      const text = object[bound];
      if (typeof text === "string") args[bound] = { text, ms: parseDuration(text) };
    }
    if (args.olderThan !== undefined && args.youngerThan !== undefined && args.olderThan.ms >= args.youngerThan.ms) {
      throw new Error(`age: olderThan ${args.olderThan.text} and youngerThan ${args.youngerThan.text} leave no age in between`);
    }
    return args;
  },
  evaluate(resource, args, ctx) {
    const start = startOf(resource, args.from);
    if ("missing" in start) return { outcome: "unknown", reason: start.missing };
    const ageMs = ctx.now.getTime() - start.ms;
    const age = ageMs < 0 ? "in the future" : `${formatElapsed(ageMs)} ago`;
    const checks: Array<{ ok: boolean; text: string }> = [];
    if (args.olderThan) checks.push({ ok: ageMs > args.olderThan.ms, text: `older than ${args.olderThan.text}` });
    if (args.youngerThan) checks.push({ ok: ageMs < args.youngerThan.ms, text: `younger than ${args.youngerThan.text}` });
    const failed = checks.filter((check) => !check.ok);
    const verdict = failed.length === 0 ? checks.map((check) => check.text) : failed.map((check) => `not ${check.text}`);
    return { outcome: failed.length === 0 ? "match" : "no-match", reason: `${start.label} (${age}), ${verdict.join(" and ")}` };
  },
};
