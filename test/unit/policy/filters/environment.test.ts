import { describe, expect, it } from "vitest";
import { environmentFilter } from "../../../../shared/policy/filters/environment.ts";
import { check, condition, context, resource, type GroupSpec } from "../support.ts";

describe("environment filter", () => {
  const groups: GroupSpec[] = [
    { name: "rg-odoo-dev", tags: { environment: "dev" } },
    { name: "rg-odoo-prod", tags: { environment: "prod" } },
    { name: "rg-scratch", tags: {} },
  ];

  it("1. matches a resource whose resource group is in a listed environment", () => {
    const vm = resource({ resourceGroup: "rg-odoo-dev" });
    expect(check(environmentFilter, "{ environment: [dev, test] }", vm, context({ resources: [vm], groups }))).toEqual({
      outcome: "match",
      reason: "environment=dev (from the resource group) in [dev, test]",
    });
  });

  it("2. prefers the resource's own tag to its group's", () => {
    const vm = resource({ resourceGroup: "rg-odoo-prod", tags: { environment: "test" } });
    expect(check(environmentFilter, "{ environment: { in: [test] } }", vm, context({ resources: [vm], groups }))).toEqual({
      outcome: "match",
      reason: "environment=test in [test]",
    });
  });

  it("3. matches notIn for an environment outside the list", () => {
    const vm = resource({ resourceGroup: "rg-odoo-dev" });
    expect(check(environmentFilter, "{ environment: { notIn: [prod] } }", vm, context({ resources: [vm], groups })).outcome).toBe("match");
  });

  it("4. compares case-insensitively, as the production guard does, and takes a single environment", () => {
    const vm = resource({ tags: { environment: "Dev" } });
    expect(check(environmentFilter, "{ environment: [dev] }", vm).outcome).toBe("match");
    expect(check(environmentFilter, "{ environment: dev }", vm).outcome).toBe("match");
  });

  it("5. reads the tag named in settings.tags.environment", () => {
    const vm = resource({ tags: { Env: "training" } });
    const ctx = context({ resources: [vm], settings: { tags: { environment: "Env" } } });
    expect(check(environmentFilter, "{ environment: [training] }", vm, ctx)).toEqual({
      outcome: "match",
      reason: "Env=training in [training]",
    });
  });

  it("compliant: a production resource is not in a list of non-production environments", () => {
    const vm = resource({ resourceGroup: "rg-odoo-prod" });
    expect(check(environmentFilter, "{ environment: [dev, test] }", vm, context({ resources: [vm], groups }))).toEqual({
      outcome: "no-match",
      reason: "environment=prod (from the resource group) not in [dev, test]",
    });
  });

  it("never matches an unknown environment, in or notIn, and says it is unknown", () => {
    const vm = resource({ resourceGroup: "rg-scratch" });
    const ctx = context({ resources: [vm], groups });
    expect(check(environmentFilter, "{ environment: [dev] }", vm, ctx)).toEqual({
      outcome: "no-match",
      reason: "environment unknown (no environment tag on the resource or its resource group), so not in [dev]",
    });
    expect(check(environmentFilter, "{ environment: { notIn: [prod] } }", vm, ctx).outcome).toBe("no-match");
  });

  it("rejects an object form without in or notIn", () => {
    expect(() => condition(environmentFilter, "{ environment: {} }")).toThrow(
      "the environment condition needs one of in, notIn; it has none",
    );
    expect(() => condition(environmentFilter, "{ environment: { in: [dev], notIn: [prod] } }")).toThrow("this one has in and notIn");
  });
});
