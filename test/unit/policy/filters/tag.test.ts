import { describe, expect, it } from "vitest";
import { tagFilter } from "../../../../shared/policy/filters/tag.ts";
import { check, condition, context, resource } from "../support.ts";

describe("tag filter", () => {
  const tagged = resource({ tags: { Owner: "qa@nordwind.example", environment: "test", "cost-center": "CC-2000" } });

  it("1. matches a resource with no owner tag when the owner must be present", () => {
    const untagged = resource({ tags: { environment: "test" } });
    expect(check(tagFilter, "{ tag: owner, present: false }", untagged)).toEqual({ outcome: "match", reason: "no owner tag" });
  });

  it("2. counts an empty value as no tag at all", () => {
    const blank = resource({ tags: { owner: " " } });
    expect(check(tagFilter, "{ tag: owner, present: false }", blank).outcome).toBe("match");
  });

  it("3. matches a value outside an allowed list, and says which value", () => {
    const result = check(tagFilter, "{ tag: environment, notIn: [dev, test, prod] }", resource({ tags: { environment: "qa" } }));
    expect(result).toEqual({ outcome: "match", reason: "tag environment=qa not in [dev, test, prod]" });
  });

  it("4. matches a value against a pattern", () => {
    const result = check(
      tagFilter,
      '{ tag: owner, pattern: "^[^@]+@partner\\\\.example$" }',
      resource({ tags: { owner: "ana@partner.example" } }),
    );
    expect(result.outcome).toBe("match");
    expect(result.reason).toBe("tag owner=ana@partner.example matches /^[^@]+@partner\\.example$/");
  });

  it("5. inherits the resource group's tag when asked, and says where the value came from", () => {
    const subject = resource({ resourceGroup: "rg-odoo-dev", tags: {} });
    const ctx = context({ resources: [subject], groups: [{ name: "rg-odoo-dev", tags: { environment: "dev" } }] });
    expect(check(tagFilter, "{ tag: environment, in: [dev, test], inherit: true }", subject, ctx)).toEqual({
      outcome: "match",
      reason: "tag environment=dev (from the resource group) in [dev, test]",
    });
    expect(check(tagFilter, "{ tag: environment, in: [dev, test] }", subject, ctx).outcome).toBe("no-match");
  });

  it("compliant: a tagged resource does not match, with tag names compared case-insensitively", () => {
    expect(check(tagFilter, "{ tag: owner, present: false }", tagged)).toEqual({
      outcome: "no-match",
      reason: "tag owner=qa@nordwind.example",
    });
    expect(check(tagFilter, "{ tag: OWNER, present: true }", tagged).outcome).toBe("match");
  });

  it("compares values exactly: equals and in are case-sensitive", () => {
    expect(check(tagFilter, "{ tag: environment, equals: Test }", tagged)).toEqual({
      outcome: "no-match",
      reason: "tag environment=test (not Test)",
    });
    expect(check(tagFilter, "{ tag: environment, in: [TEST] }", tagged).outcome).toBe("no-match");
  });

  it("never matches a value test on a missing tag: present: false is how to find it missing", () => {
    const untagged = resource({ tags: {} });
    expect(check(tagFilter, '{ tag: keep, notIn: ["true"] }', untagged)).toEqual({
      outcome: "no-match",
      reason: "no keep tag (wanted not in [true])",
    });
    expect(check(tagFilter, "{ tag: keep, equals: true }", untagged).outcome).toBe("no-match");
  });

  it("reads unquoted YAML scalars as the tag's string value", () => {
    expect(check(tagFilter, "{ tag: keep, equals: true }", resource({ tags: { keep: "true" } })).outcome).toBe("match");
    expect(check(tagFilter, "{ tag: retention-days, in: [7, 30] }", resource({ tags: { "retention-days": "30" } })).outcome).toBe("match");
  });

  it("rejects a condition with no test or two tests, and an invalid pattern, naming what is wrong", () => {
    expect(() => condition(tagFilter, "{ tag: owner }")).toThrow(
      'the tag "owner" condition needs one of present, equals, in, notIn, pattern; it has none',
    );
    expect(() => condition(tagFilter, "{ tag: owner, equals: a, in: [b] }")).toThrow(
      "this one has equals and in: split it into separate conditions",
    );
    expect(() => condition(tagFilter, '{ tag: owner, pattern: "[a-z" }')).toThrow(
      'tag owner pattern: "[a-z" is not a valid regular expression (Unterminated character class)',
    );
    expect(() => condition(tagFilter, "{ tag: owner, present: false, exists: true }")).toThrow("must NOT have additional properties");
  });

  it("keeps parsed arguments plain data, so a policy can cross into an activity as JSON", () => {
    const args = condition(tagFilter, '{ tag: owner, pattern: "^a" }');
    expect(JSON.parse(JSON.stringify(args))).toEqual(args);
  });
});
