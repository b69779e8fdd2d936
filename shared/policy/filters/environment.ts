/**
 * `environment`: the resource's environment, from the tag named by `settings.tags.environment`,
 * inherited from the resource group when the resource has none.
 *
 * ```yaml
 * - environment: [dev, test, training]
 * - environment: prod
 * - environment: { notIn: [prod, dr] }
 * ```
 *
 * Values are compared case-insensitively, as the production guard compares them: `Prod` is
 * production there, so it must be `prod` here too. An unknown environment matches neither `in`
 * nor `notIn`: the guards treat it as production, and no policy should act on a guess.
 */
import { environmentOf } from "../environment.ts";
import type { FilterDefinition } from "../registry.ts";
import { formatList } from "./format.ts";
import { exactlyOneOperator, stringListSchema } from "./operators.ts";

export interface EnvironmentArgs {
  operator: "in" | "notIn";
  values: string[];
}

export const environmentFilter: FilterDefinition<EnvironmentArgs> = {
  key: "environment",
  summary: "The resource's environment (its tag, or its resource group's), in or not in a list; an unknown environment matches neither.",
  example: "{ environment: [dev, test, training] }",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["environment"],
    properties: {
      environment: {
        anyOf: [
          { type: "string", minLength: 1, description: "One environment (same as [ ... ])." },
          { ...stringListSchema, description: "Environments the resource is in (same as { in: [...] })." },
          {
            type: "object",
            additionalProperties: false,
            properties: { in: stringListSchema, notIn: stringListSchema },
          },
        ],
      },
    },
  },
  parse(condition) {
    const raw = condition.environment;
    if (typeof raw === "string") return { operator: "in", values: [raw] };
    if (Array.isArray(raw)) return { operator: "in", values: raw.map(String) };
    const object = raw as Record<string, unknown>;
    const operator = exactlyOneOperator(object, "environment", ["in", "notIn"] as const);
    return { operator, values: (object[operator] as unknown[]).map(String) };
  },
  evaluate(resource, args, ctx) {
    const { value, source } = environmentOf(resource, ctx);
    const tag = ctx.settings.tags.environment;
    const list = formatList(args.values);
    if (value === undefined) {
      return {
        outcome: "no-match",
        reason: `environment unknown (no ${tag} tag on the resource or its resource group), so not ${args.operator === "in" ? "in" : "outside"} ${list}`,
      };
    }
    const listed = args.values.some((candidate) => candidate.toLowerCase() === value.toLowerCase());
    const matched = args.operator === "in" ? listed : !listed;
    const from = source === "resource group" ? " (from the resource group)" : "";
    return { outcome: matched ? "match" : "no-match", reason: `${tag}=${value}${from} ${listed ? "in" : "not in"} ${list}` };
  },
};
