/**
 * One test of one value, shared by the filters that compare a value the resource or a fact holds
 * (`value` on a property, `server-parameter` on a server's configuration): the operators, their
 * schema, parsing, and the outcome with a reason that names the value seen.
 *
 * Values compare exactly, except that a number or boolean equals its string form (`7` = `"7"`),
 * as ARM returns either. `versionBelow` reads the version in a value as services spell it
 * (`TLS1_0`, `TLSv1`, `TLSv1.2`, `1.2`): `versionBelow: 1.2` holds for TLS 1.0 and 1.1. A value
 * that is not set matches only `present: false`.
 */
import type { JsonSchema } from "../registry.ts";
import type { ConditionResult } from "../types.ts";
import { formatList } from "./format.ts";
import { exactlyOneOperator, scalarListSchema, scalarSchema } from "./operators.ts";

export const VALUE_OPERATORS = ["equals", "notEquals", "in", "notIn", "below", "above", "versionBelow", "present"] as const;

type Scalar = string | number | boolean;

export type ValueTest =
  | { operator: "equals" | "notEquals"; expected: Scalar }
  | { operator: "in" | "notIn"; expected: Scalar[] }
  | { operator: "below" | "above"; expected: number }
  | { operator: "versionBelow"; expected: string }
  | { operator: "present"; expected: boolean };

/** A version as `versionBelow` takes it: `1.2` or `1` (YAML's unquoted `1.2` arrives as a number, hence both). */
const VERSION_ARGUMENT = /^\d+(\.\d+)?$/;

/** The schema's properties of the operators, to sit beside the filter's own key. */
export const valueTestProperties: Record<string, JsonSchema> = {
  equals: scalarSchema,
  notEquals: scalarSchema,
  in: scalarListSchema,
  notIn: scalarListSchema,
  below: { type: "number" },
  above: { type: "number" },
  versionBelow: {
    anyOf: [
      { type: "string", pattern: VERSION_ARGUMENT.source },
      { type: "number", minimum: 0 },
    ],
    description: "Holds when the value names a version below this one: TLS1_0, TLSv1 and 1.1 are below 1.2.",
  },
  present: { type: "boolean" },
};

/** The condition's one operator and what it compares with; throws when it has none or several. */
export function parseValueTest(condition: Record<string, unknown>, what: string): ValueTest {
  const operator = exactlyOneOperator(condition, what, VALUE_OPERATORS);
  const expected = condition[operator];
  if (operator === "versionBelow") {
    const version = String(expected);
    if (!VERSION_ARGUMENT.test(version)) throw new Error(`the ${what} condition's versionBelow "${version}" is not a version such as 1.2`);
    return { operator, expected: version };
  }
  return { operator, expected } as ValueTest;
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

/** The first version in a value, as [major, minor]: `TLS1_0` → [1, 0], `TLSv1` → [1, 0], `TLSv1.2` → [1, 2]. */
export function versionIn(value: Scalar): [number, number] | undefined {
  const match = /(\d+)(?:[._](\d+))?/.exec(String(value));
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2] ?? 0)];
}

const compareVersions = (a: [number, number], b: [number, number]): number => a[0] - b[0] || a[1] - b[1];

/** The test on `actual`, the value `label` names (`properties.minimumTlsVersion`, `server parameter ssl_min_protocol_version`). */
export function testValue(label: string, actual: unknown, test: ValueTest): ConditionResult {
  const set = actual !== undefined && actual !== null && actual !== "";
  if (test.operator === "present") {
    return { outcome: set === test.expected ? "match" : "no-match", reason: set ? `${label} = ${show(actual)}` : `${label} is not set` };
  }
  if (!set) return { outcome: "no-match", reason: `${label} is not set` };
  if (!isScalar(actual))
    return { outcome: "unknown", reason: `${label} is ${Array.isArray(actual) ? "a list" : "an object"}, not a single value` };
  const seen = `${label} = ${show(actual)}`;
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
    case "versionBelow": {
      const version = versionIn(actual);
      if (version === undefined) return { outcome: "unknown", reason: `${seen} names no version` };
      const holds = compareVersions(version, versionIn(test.expected) as [number, number]) < 0;
      return {
        outcome: holds ? "match" : "no-match",
        reason: `${seen} (version ${version.join(".")} ${holds ? "<" : "≥"} ${test.expected})`,
      };
    }
  }
}
