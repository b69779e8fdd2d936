import { describe, expect, it } from "vitest";
import { skuFilter } from "../../../../shared/policy/filters/sku.ts";
import { check, condition, resource } from "../support.ts";

describe("sku filter", () => {
  const allowed = "{ sku: { notIn: [Standard_B2ms, Standard_D4s_v5, Standard_D8s_v5] } }";

  it("1. matches a VM size outside the allowed list", () => {
    expect(check(skuFilter, allowed, resource({ sku: "Standard_M64s" }))).toEqual({
      outcome: "match",
      reason: "SKU Standard_M64s not in [Standard_B2ms, Standard_D4s_v5, Standard_D8s_v5]",
    });
  });

  it("2. matches a pattern, case-insensitively", () => {
    expect(check(skuFilter, '{ sku: { pattern: "^standard_m" } }', resource({ sku: "Standard_M64s" }))).toEqual({
      outcome: "match",
      reason: "SKU Standard_M64s matches /^standard_m/",
    });
  });

  it("3. matches a disk SKU in a list", () => {
    expect(check(skuFilter, "{ sku: { in: [Premium_LRS] } }", resource({ kind: "disk", sku: "premium_lrs" })).outcome).toBe("match");
  });

  it("compliant: an allowed size does not match", () => {
    expect(check(skuFilter, allowed, resource({ sku: "Standard_D4s_v5" }))).toEqual({
      outcome: "no-match",
      reason: "SKU Standard_D4s_v5 in [Standard_B2ms, Standard_D4s_v5, Standard_D8s_v5]",
    });
  });

  it("does not apply to a resource without a SKU", () => {
    expect(check(skuFilter, allowed, resource({ kind: "redis-cache" })).outcome).toBe("not-applicable");
  });

  it("rejects an invalid pattern and two operators", () => {
    expect(() => condition(skuFilter, '{ sku: { pattern: "Standard_(D" } }')).toThrow(
      'sku pattern: "Standard_(D" is not a valid regular expression (Unterminated group)',
    );
    expect(() => condition(skuFilter, "{ sku: { in: [a], pattern: b } }")).toThrow("this one has in and pattern");
  });
});
