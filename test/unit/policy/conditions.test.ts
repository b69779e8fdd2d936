import { describe, expect, it } from "vitest";
import { usesOffHours } from "../../../orchestrations/remediations.ts";
import { filtersOf } from "../../../shared/policy/conditions.ts";
import type { Condition } from "../../../shared/policy/types.ts";

const filter = (name: string): Condition => ({ filter: name, args: {}, source: {} });

describe("the condition walk", () => {
  it("finds every filter under all, any and not, in order", () => {
    const when: Condition[] = [{ all: [filter("tag"), { any: [filter("idle"), { not: filter("off-hours") }] }] }, filter("age")];
    expect(filtersOf(when).map((condition) => condition.filter)).toEqual(["tag", "idle", "off-hours", "age"]);
  });

  it("counts a negated off-hours filter as reading the schedule, so a stop it makes is restarted", () => {
    expect(usesOffHours([{ not: filter("off-hours") }])).toBe(true);
    expect(usesOffHours([{ any: [filter("idle"), { not: { all: [filter("off-hours")] } }] }])).toBe(true);
    expect(usesOffHours([{ not: filter("idle") }])).toBe(false);
  });
});
