/** The one walk over a policy's condition tree (`all`, `any`, `not`): every filter it names, however deep. */
import type { Condition } from "./types.ts";

export type FilterCondition = Extract<Condition, { filter: string }>;

/** Every filter in the conditions, `not` included: a negated filter is still read (its facts, its schedule). */
export function filtersOf(conditions: readonly Condition[]): FilterCondition[] {
  return conditions.flatMap((condition): FilterCondition[] =>
    "all" in condition
      ? filtersOf(condition.all)
      : "any" in condition
        ? filtersOf(condition.any)
        : "not" in condition
          ? filtersOf([condition.not])
          : [condition],
  );
}
