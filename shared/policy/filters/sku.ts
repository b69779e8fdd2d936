/**
 * `sku`: the resource's size or SKU (VM size, disk or snapshot SKU, AKS node size of the first
 * pool, PostgreSQL SKU name), in or not in a list, or matching a pattern.
 *
 * ```yaml
 * - sku: { notIn: [Standard_B2ms, Standard_D4s_v5, Standard_D8s_v5] }
 * - sku: { pattern: "^Standard_M" }
 * ```
 *
 * SKU names are compared case-insensitively (ARM accepts `standard_d4s_v5`), patterns too.
 * Not applicable to a resource without a SKU.
 */
import type { FilterDefinition } from "../registry.ts";
import { formatList } from "./format.ts";
import { exactlyOneOperator, regex, stringListSchema } from "./operators.ts";

export type SkuArgs = { operator: "in" | "notIn"; values: string[] } | { operator: "pattern"; pattern: string };

export const skuFilter: FilterDefinition<SkuArgs> = {
  key: "sku",
  summary: "The resource's size or SKU (VM size, disk SKU, AKS node size…), in or not in a list, or matching a pattern.",
  example: "{ sku: { notIn: [Standard_B2ms, Standard_D4s_v5] } }",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["sku"],
    properties: {
      sku: {
        type: "object",
        additionalProperties: false,
        properties: {
          in: stringListSchema,
          notIn: stringListSchema,
          pattern: { type: "string", minLength: 1, description: "A regular expression (case-insensitive), e.g. ^Standard_M." },
        },
      },
    },
  },
  parse(condition) {
    const object = condition.sku as Record<string, unknown>;
    const operator = exactlyOneOperator(object, "sku", ["in", "notIn", "pattern"] as const);
    if (operator === "pattern") {
      const pattern = String(object.pattern);
      regex(pattern, "sku pattern", "i");
      return { operator, pattern };
    }
    return { operator, values: (object[operator] as unknown[]).map(String) };
  },
  evaluate(resource, args) {
    const sku = resource.sku;
    if (sku === undefined || sku === "") return { outcome: "not-applicable", reason: "the resource has no SKU" };
    if (args.operator === "pattern") {
      const ok = regex(args.pattern, "sku pattern", "i").test(sku);
      return { outcome: ok ? "match" : "no-match", reason: `SKU ${sku} ${ok ? "matches" : "does not match"} /${args.pattern}/` };
    }
    const listed = args.values.some((value) => value.toLowerCase() === sku.toLowerCase());
    const matched = args.operator === "in" ? listed : !listed;
    return { outcome: matched ? "match" : "no-match", reason: `SKU ${sku} ${listed ? "in" : "not in"} ${formatList(args.values)}` };
  },
};
