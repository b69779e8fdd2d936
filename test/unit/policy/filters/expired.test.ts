import { describe, expect, it } from "vitest";
import { expiredFilter } from "../../../../shared/policy/filters/expired.ts";
import { check, condition, context, resource } from "../support.ts";

describe("expired filter", () => {
  it("1. matches a resource whose expires-on date has passed", () => {
    expect(check(expiredFilter, "{ expired: { tag: expires-on } }", resource({ tags: { "expires-on": "2026-10-31" } }))).toEqual({
      outcome: "match",
      reason: "expires-on 2026-10-31 has passed (23 days ago)",
    });
  });

  it("2. takes the tag from settings.tags.expiresOn when the condition names none", () => {
    const vm = resource({ tags: { "delete-after": "2026-11-01T12:00:00Z" } });
    const ctx = context({ resources: [vm], settings: { tags: { expiresOn: "delete-after" } } });
    expect(check(expiredFilter, "{ expired: true }", vm, ctx).outcome).toBe("match");
  });

  it("3. counts a resource as expired on its expiry day", () => {
    expect(check(expiredFilter, "{ expired: {} }", resource({ tags: { "expires-on": "2026-11-23" } })).outcome).toBe("match");
  });

  it("compliant: a future date and no tag at all do not match", () => {
    expect(check(expiredFilter, "{ expired: true }", resource({ tags: { "expires-on": "2026-12-15" } }))).toEqual({
      outcome: "no-match",
      reason: "expires-on 2026-12-15 is 21 days away",
    });
    expect(check(expiredFilter, "{ expired: true }", resource({ tags: {} }))).toEqual({ outcome: "no-match", reason: "no expires-on tag" });
  });

  it("is unknown for a date nobody can read, and says so", () => {
    expect(check(expiredFilter, "{ expired: true }", resource({ tags: { "expires-on": "31/10/2026" } }))).toEqual({
      outcome: "unknown",
      reason: 'expires-on "31/10/2026" is not a date (expected YYYY-MM-DD)',
    });
    expect(check(expiredFilter, "{ expired: true }", resource({ tags: { "expires-on": "2026-02-30" } })).outcome).toBe("unknown");
  });

  it("rejects an unknown field", () => {
    expect(() => condition(expiredFilter, "{ expired: { tag: expires-on, grace: 7d } }")).toThrow("schema:");
  });
});
