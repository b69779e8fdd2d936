import { describe, expect, it } from "vitest";
import { locationFilter } from "../../../../shared/policy/filters/location.ts";
import { check, condition, resource } from "../support.ts";

describe("location filter", () => {
  const allowed = "{ location: { notIn: [westeurope, North Europe] } }";

  it("1. matches a resource outside the allowed regions", () => {
    expect(check(locationFilter, allowed, resource({ location: "eastus" }))).toEqual({
      outcome: "match",
      reason: "location eastus not in [westeurope, northeurope]",
    });
  });

  it("2. matches a region in a deny list whatever its spelling", () => {
    expect(check(locationFilter, "{ location: { in: [East US] } }", resource({ location: "eastus" })).outcome).toBe("match");
    expect(check(locationFilter, "{ location: { in: [eastus] } }", resource({ location: "East US" })).outcome).toBe("match");
  });

  it("compliant: West Europe is westeurope", () => {
    expect(check(locationFilter, allowed, resource({ location: "West Europe" }))).toEqual({
      outcome: "no-match",
      reason: "location westeurope in [westeurope, northeurope]",
    });
  });

  it("does not apply to global resources unless the list names global", () => {
    expect(check(locationFilter, allowed, resource({ location: "global" })).outcome).toBe("not-applicable");
    expect(check(locationFilter, "{ location: { in: [global] } }", resource({ location: "global" })).outcome).toBe("match");
  });

  it("rejects a list and an operator it does not know", () => {
    expect(() => condition(locationFilter, "{ location: [westeurope] }")).toThrow("must be object");
    expect(() => condition(locationFilter, "{ location: { equals: westeurope } }")).toThrow("must NOT have additional properties");
  });
});
