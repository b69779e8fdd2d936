/**
 * `tag`: a tag's presence or value.
 *
 * ```yaml
 * - { tag: owner, present: false }
 * - { tag: environment, in: [dev, test], inherit: true }
 * - { tag: owner, pattern: "^[^@]+@nordwind\\.example$" }
 * ```
 *
 * Tag names are case-insensitive (as ARM's), values are compared exactly. An empty value counts
 * as absent: `owner: ""` names nobody. A missing tag never matches `equals`, `in`, `notIn` or
 * `pattern`: a condition on a value needs a value, and `present: false` is how to find it missing.
 */
import { inheritedTag } from "../environment.ts";
import type { FilterDefinition } from "../registry.ts";
import { tagValue } from "../settings.ts";
import type { ConditionResult } from "../types.ts";
import { formatList } from "./format.ts";
import { asStrings, exactlyOneOperator, regex, scalarListSchema, scalarSchema } from "./operators.ts";

const OPERATORS = ["present", "equals", "in", "notIn", "pattern"] as const;

export type TagTest =
  | { operator: "present"; present: boolean }
  | { operator: "equals"; value: string }
  | { operator: "in" | "notIn"; values: string[] }
  | { operator: "pattern"; pattern: string };

export interface TagArgs {
  name: string;
  inherit: boolean;
  test: TagTest;
}

/** The value a test wants, for the reason when there is no value at all. */
function wanted(test: Exclude<TagTest, { operator: "present" }>): string {
  switch (test.operator) {
    case "equals":
      return test.value;
    case "in":
      return `in ${formatList(test.values)}`;
    case "notIn":
      return `not in ${formatList(test.values)}`;
    case "pattern":
      return `matching /${test.pattern}/`;
  }
}

function passes(value: string, test: Exclude<TagTest, { operator: "present" }>): boolean {
  switch (test.operator) {
    case "equals":
      return value === test.value;
    case "in":
      return test.values.includes(value);
    case "notIn":
      return !test.values.includes(value);
    case "pattern":
      return regex(test.pattern, "tag pattern").test(value);
  }
}

/** What the value was found to be against the test, for the reason: `in [dev, test]`, `not dev`. */
function verdict(test: Exclude<TagTest, { operator: "present" }>, ok: boolean): string {
  switch (test.operator) {
    case "equals":
      return ok ? "" : ` (not ${test.value})`;
    case "in":
      return ` ${ok ? "in" : "not in"} ${formatList(test.values)}`;
    case "notIn":
      return ` ${ok ? "not in" : "in"} ${formatList(test.values)}`;
    case "pattern":
      return ` ${ok ? "matches" : "does not match"} /${test.pattern}/`;
  }
}

export const tagFilter: FilterDefinition<TagArgs> = {
  key: "tag",
  summary: "A tag's presence or value (present, equals, in, notIn or pattern), optionally inherited from the resource group.",
  example: "{ tag: owner, present: false }",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["tag"],
    properties: {
      tag: { type: "string", minLength: 1, description: "Tag name (case-insensitive)." },
      present: { type: "boolean", description: "true: the tag has a non-empty value; false: it has none." },
      equals: { ...scalarSchema, description: "The exact value." },
      in: { ...scalarListSchema, description: "One of these exact values." },
      notIn: { ...scalarListSchema, description: "A value, but none of these." },
      pattern: { type: "string", minLength: 1, description: "A regular expression the value matches (anchor it with ^ and $)." },
      inherit: { type: "boolean", description: "Use the resource group's tag when the resource has none." },
    },
  },
  parse(condition) {
    const operator = exactlyOneOperator(condition, `tag "${String(condition.tag)}"`, OPERATORS);
    const name = String(condition.tag);
    const inherit = condition.inherit === true;
    switch (operator) {
      case "present":
        return { name, inherit, test: { operator, present: condition.present === true } };
      case "equals":
        return { name, inherit, test: { operator, value: String(condition.equals) } };
      case "in":
      case "notIn":
        return { name, inherit, test: { operator, values: asStrings(condition[operator] as unknown[]) } };
      case "pattern": {
        const pattern = String(condition.pattern);
        regex(pattern, `tag ${name} pattern`);
        return { name, inherit, test: { operator, pattern } };
      }
    }
  },
  evaluate(resource, args, ctx): ConditionResult {
    const resolved = args.inherit ? inheritedTag(resource, args.name, ctx) : { value: tagValue(resource.tags, args.name), source: "tag" };
    const value = resolved.value === undefined || resolved.value.trim() === "" ? undefined : resolved.value;
    const where = args.inherit && resolved.source === "resource group" ? " (from the resource group)" : "";
    if (value === undefined) {
      const missing = args.inherit ? `no ${args.name} tag on the resource or its resource group` : `no ${args.name} tag`;
      if (args.test.operator === "present") return { outcome: args.test.present ? "no-match" : "match", reason: missing };
      return { outcome: "no-match", reason: `${missing} (wanted ${wanted(args.test)})` };
    }
    if (args.test.operator === "present") {
      return { outcome: args.test.present ? "match" : "no-match", reason: `tag ${args.name}=${value}${where}` };
    }
    const ok = passes(value, args.test);
    return { outcome: ok ? "match" : "no-match", reason: `tag ${args.name}=${value}${where}${verdict(args.test, ok)}` };
  },
};
