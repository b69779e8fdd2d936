/**
 * `value`: any property of the resource, for what has no dedicated filter.
 *
 * ```yaml
 * - { value: properties.backup.backupRetentionDays, below: 14 }
 * - { value: properties.backup.geoRedundantBackup, equals: Disabled }
 * - { value: properties.network.publicNetworkAccess, present: true }
 * ```
 *
 * The path is dotted into the resource as inventory returns it: `properties.x.y`, `sku`,
 * `location`, `tags.owner` (tag names case-insensitive), list items by index
 * (`properties.agentPoolProfiles.0.count`). Property names fall back to a case-insensitive match,
 * because Resource Graph and ARM do not always agree on case. Values compare exactly, except that
 * a number or boolean equals its string form (`7` = `"7"`), as ARM returns either. A property
 * that is not set matches only `present: false`.
 *
 * The inventory projects the path for the policies that read it. A path it cannot carry (not
 * under `properties.` with names Resource Graph can project, nor `tags.<name>`, nor one of the
 * resource's own fields) is refused when the policy loads: see shared/resourceTypes/projection.ts.
 */
import type { FilterDefinition } from "../registry.ts";
import { tagValue } from "../settings.ts";
import type { InventoryResource } from "../types.ts";
import { formatList } from "./format.ts";
import { exactlyOneOperator, scalarListSchema, scalarSchema } from "./operators.ts";

const OPERATORS = ["equals", "notEquals", "in", "notIn", "below", "above", "present"] as const;

type Scalar = string | number | boolean;

export type ValueTest =
  | { operator: "equals" | "notEquals"; expected: Scalar }
  | { operator: "in" | "notIn"; expected: Scalar[] }
  | { operator: "below" | "above"; expected: number }
  | { operator: "present"; expected: boolean };

export interface ValueArgs {
  path: string;
  segments: string[];
  test: ValueTest;
}

function child(container: unknown, key: string): unknown {
  if (Array.isArray(container)) return /^\d+$/.test(key) ? container[Number(key)] : undefined;
  if (container === null || typeof container !== "object") return undefined;
  const record = container as Record<string, unknown>;
  if (key in record) return record[key];
  const lower = key.toLowerCase();
  const found = Object.keys(record).find((name) => name.toLowerCase() === lower);
  return found === undefined ? undefined : record[found];
}

/** The value at a dotted path in the resource; undefined when any step is missing. */
export function valueAt(resource: InventoryResource, segments: readonly string[]): unknown {
  const [first, second, ...rest] = segments;
  if (first?.toLowerCase() === "tags" && second !== undefined && rest.length === 0) return tagValue(resource.tags, second);
  return segments.reduce<unknown>((container, key) => child(container, key), resource);
}

const isScalar = (value: unknown): value is Scalar => typeof value === "string" || typeof value === "number" || typeof value === "boolean";

function same(actual: Scalar, expected: Scalar): boolean {
  return actual === expected || (typeof actual !== typeof expected && String(actual) === String(expected));
}

function show(value: unknown): string {
  return isScalar(value) ? String(value) : JSON.stringify(value);
}

function asNumber(value: Scalar): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

export const valueFilter: FilterDefinition<ValueArgs> = {
  key: "value",
  summary:
    "Any property of the resource by dotted path (properties.backup.backupRetentionDays), compared with equals, notEquals, in, notIn, below, above or present.",
  example: "{ value: properties.backup.backupRetentionDays, below: 14 }",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["value"],
    properties: {
      value: {
        type: "string",
        pattern: "^[^.\\s]+(\\.[^.\\s]+)*$",
        description: "Dotted path into the resource, e.g. properties.backup.backupRetentionDays.",
      },
      equals: scalarSchema,
      notEquals: scalarSchema,
      in: scalarListSchema,
      notIn: scalarListSchema,
      below: { type: "number" },
      above: { type: "number" },
      present: { type: "boolean" },
    },
  },
  parse(condition) {
    const path = String(condition.value);
    const operator = exactlyOneOperator(condition, `value "${path}"`, OPERATORS);
    return { path, segments: path.split("."), test: { operator, expected: condition[operator] } as ValueTest };
  },
  reads(args) {
    return [args.path];
  },
  evaluate(resource, args) {
    const actual = valueAt(resource, args.segments);
    const set = actual !== undefined && actual !== null && actual !== "";
    const { test, path } = args;
    if (test.operator === "present") {
      return { outcome: set === test.expected ? "match" : "no-match", reason: set ? `${path} = ${show(actual)}` : `${path} is not set` };
    }
    if (!set) return { outcome: "no-match", reason: `${path} is not set` };
    if (!isScalar(actual))
      return { outcome: "unknown", reason: `${path} is ${Array.isArray(actual) ? "a list" : "an object"}, not a single value` };
    const seen = `${path} = ${show(actual)}`;
    switch (test.operator) {
      case "equals":
      case "notEquals": {
        const equal = same(actual, test.expected);
        const matched = test.operator === "equals" ? equal : !equal;
        return { outcome: matched ? "match" : "no-match", reason: equal ? seen : `${seen} (not ${show(test.expected)})` };
      }
      case "in":
      case "notIn": {
        const listed = test.expected.some((candidate) => same(actual, candidate));
        const matched = test.operator === "in" ? listed : !listed;
        return {
          outcome: matched ? "match" : "no-match",
          reason: `${seen} ${listed ? "in" : "not in"} ${formatList(test.expected.map(show))}`,
        };
      }
      case "below":
      case "above": {
        const number = asNumber(actual);
        if (number === undefined) return { outcome: "unknown", reason: `${seen} is not a number` };
        const holds = test.operator === "below" ? number < test.expected : number > test.expected;
        const sign = test.operator === "below" ? (holds ? "<" : "≥") : holds ? ">" : "≤";
        return { outcome: holds ? "match" : "no-match", reason: `${seen} ${sign} ${test.expected}` };
      }
    }
  },
};
