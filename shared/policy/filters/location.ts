/**
 * `location`: the resource's region, in or not in a list.
 *
 * ```yaml
 * - location: { notIn: [westeurope, northeurope] }
 * ```
 *
 * Regions are compared as ARM names them, whatever the spelling: `West Europe` = `westeurope`.
 * Global resources (DNS zones, Front Door) have no region: not applicable, unless the list names
 * `global` itself.
 */
import type { FilterDefinition } from "../registry.ts";
import { formatList } from "./format.ts";
import { exactlyOneOperator, stringListSchema } from "./operators.ts";

export interface LocationArgs {
  operator: "in" | "notIn";
  /** Normalised region names. */
  regions: string[];
}

export function normaliseRegion(name: string): string {
  return name.toLowerCase().replace(/\s+/g, "");
}

export const locationFilter: FilterDefinition<LocationArgs> = {
  key: "location",
  summary: "The resource's region, in or not in a list (West Europe = westeurope).",
  example: "{ location: { notIn: [westeurope, northeurope] } }",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["location"],
    properties: {
      location: {
        type: "object",
        additionalProperties: false,
        properties: { in: stringListSchema, notIn: stringListSchema },
      },
    },
  },
  parse(condition) {
    const object = condition.location as Record<string, unknown>;
    const operator = exactlyOneOperator(object, "location", ["in", "notIn"] as const);
    return { operator, regions: (object[operator] as unknown[]).map((region) => normaliseRegion(String(region))) };
  },
  evaluate(resource, args) {
    const region = normaliseRegion(resource.location);
    if (region === "" || (region === "global" && !args.regions.includes("global"))) {
      return { outcome: "not-applicable", reason: "the resource is global: it has no region" };
    }
    const listed = args.regions.includes(region);
    const matched = args.operator === "in" ? listed : !listed;
    return {
      outcome: matched ? "match" : "no-match",
      reason: `location ${region} ${listed ? "in" : "not in"} ${formatList(args.regions)}`,
    };
  },
};
