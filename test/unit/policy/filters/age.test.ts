import { describe, expect, it } from "vitest";
import { ageFilter } from "../../../../shared/policy/filters/age.ts";
import { DAY_MS, NOW, check, condition, resource } from "../support.ts";

const daysAgo = (days: number): string => new Date(NOW.getTime() - days * DAY_MS).toISOString();

describe("age filter", () => {
  it("1. matches a resource created longer ago than the bound", () => {
    expect(check(ageFilter, "{ age: { olderThan: 90d, from: created } }", resource({ kind: "snapshot", createdAt: daysAgo(145) }))).toEqual(
      {
        outcome: "match",
        reason: "created 2026-07-01 (145 days ago), older than 90d",
      },
    );
  });

  it("2. dates from a tag when told, and keeps the bound as written", () => {
    const vm = resource({ tags: { "created-on": "2026-11-20" } });
    expect(check(ageFilter, '{ age: { youngerThan: 14d, from: "tag:created-on" } }', vm)).toEqual({
      outcome: "match",
      reason: "created-on 2026-11-20 (3 days ago), younger than 14d",
    });
  });

  it("3. matches a range between both bounds", () => {
    expect(check(ageFilter, "{ age: { olderThan: 30d, youngerThan: 365d } }", resource({ createdAt: daysAgo(60) })).outcome).toBe("match");
  });

  it("4. falls back to ARM's properties.timeCreated", () => {
    const snapshot = resource({ kind: "snapshot", createdAt: undefined, properties: { timeCreated: daysAgo(200) } });
    expect(check(ageFilter, "{ age: { olderThan: 90d } }", snapshot).outcome).toBe("match");
  });

  it("compliant: a recent resource is not older than the bound", () => {
    expect(check(ageFilter, "{ age: { olderThan: 90d } }", resource({ createdAt: daysAgo(3) }))).toEqual({
      outcome: "no-match",
      reason: "created 2026-11-20 (3 days ago), not older than 90d",
    });
  });

  it("is unknown when the date is missing or unreadable, and says why", () => {
    expect(check(ageFilter, "{ age: { olderThan: 90d } }", resource({ createdAt: undefined }))).toEqual({
      outcome: "unknown",
      reason: "creation time unknown",
    });
    expect(
      check(ageFilter, '{ age: { olderThan: 90d, from: "tag:created-on" } }', resource({ tags: { "created-on": "last spring" } })),
    ).toEqual({
      outcome: "unknown",
      reason: 'tag created-on="last spring" is not a date (expected YYYY-MM-DD)',
    });
  });

  it("rejects a condition without a bound, an impossible range and a bad duration", () => {
    expect(() => condition(ageFilter, "{ age: { from: created } }")).toThrow("the age condition needs olderThan, youngerThan or both");
    expect(() => condition(ageFilter, "{ age: { olderThan: 30d, youngerThan: 7d } }")).toThrow(
      "olderThan 30d and youngerThan 7d leave no age in between",
    );
    expect(() => ageFilter.parse({ age: { olderThan: "30x" } })).toThrow('invalid duration "30x"');
    expect(() => condition(ageFilter, "{ age: { olderThan: 30x } }")).toThrow("schema:");
  });
});
