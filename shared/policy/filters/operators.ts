/** Parsing helpers shared by filters: operators, regular expressions, JSON Schema fragments. */
import type { JsonSchema } from "../registry.ts";

/** Values a YAML author may write unquoted (`equals: true`, `in: [7, 14]`); tag values are strings. */
export const scalarSchema: JsonSchema = { type: ["string", "number", "boolean"] };
export const scalarListSchema: JsonSchema = { type: "array", minItems: 1, items: scalarSchema };
export const stringListSchema: JsonSchema = { type: "array", minItems: 1, items: { type: "string", minLength: 1 } };

/**
 * The one operator a condition uses among those it may use. A condition with none or several is
 * ambiguous (`equals` and `in` together: both or either?), so it is refused rather than guessed.
 */
export function exactlyOneOperator<O extends string>(condition: Record<string, unknown>, what: string, operators: readonly O[]): O {
  const used = operators.filter((operator) => condition[operator] !== undefined);
  if (used.length === 1) return used[0] as O;
  if (used.length === 0) throw new Error(`the ${what} condition needs one of ${operators.join(", ")}; it has none`);
  throw new Error(
    `the ${what} condition takes one of ${operators.join(", ")}; this one has ${used.join(" and ")}: split it into separate conditions`,
  );
}

const compiled = new Map<string, RegExp>();

/**
 * A user's regular expression, compiled once. Parsed arguments keep the pattern as text (they are
 * plain data that crosses into activities as JSON), and evaluation compiles it through this cache.
 * Throws, naming the field and the pattern, when it is not a regular expression.
 */
export function regex(pattern: string, field: string, flags = ""): RegExp {
  const key = `${flags}/${pattern}`;
  const cached = compiled.get(key);
  if (cached) return cached;
  try {
    const created = new RegExp(pattern, flags);
    compiled.set(key, created);
    return created;
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, "") : String(error);
    throw new Error(`${field}: "${pattern}" is not a valid regular expression (${detail})`);
  }
}

export function asStrings(values: readonly unknown[]): string[] {
  return values.map((value) => String(value));
}
