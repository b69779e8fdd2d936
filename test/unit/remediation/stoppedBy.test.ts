import { describe, expect, it } from "vitest";
import { formatStoppedBy, parseStoppedBy, stoppedByOf } from "../../../shared/remediation/stoppedBy.ts";

describe("governor-stopped-by: who stopped a resource", () => {
  it("names the policy of a stop a sweep or an event made", () => {
    const owner = stoppedByOf({ policy: "stop-idle-nonprod-vms", trigger: { type: "timer", id: "sweep:x" } });
    expect(formatStoppedBy(owner)).toBe("stop-idle-nonprod-vms");
    expect(parseStoppedBy("stop-idle-nonprod-vms")).toEqual({ policy: "stop-idle-nonprod-vms" });
  });

  it("names the budget of a containment and the first day after its monthly period, December included", () => {
    const owner = stoppedByOf({
      policy: "stop-offhours-nonprod-vms",
      trigger: { type: "budget-alert", id: "budget:budget-nordwind-monthly:actual:100:2026-12-01" },
    });
    expect(owner).toEqual({ policy: "stop-offhours-nonprod-vms", budget: { name: "budget-nordwind-monthly", until: "2027-01-01" } });
    expect(parseStoppedBy(formatStoppedBy(owner))).toEqual(owner);
  });

  it("keeps a budget name that holds colons, and ignores a budget trigger whose id it cannot read", () => {
    const owner = stoppedByOf({ policy: "p", trigger: { type: "budget-alert", id: "budget:team:a:actual:100:2026-11-15" } });
    expect(owner.budget).toEqual({ name: "team:a", until: "2026-12-01" });
    expect(stoppedByOf({ policy: "p", trigger: { type: "budget-alert", id: "not-a-budget-id" } })).toEqual({ policy: "p" });
  });

  it("reads no owner from an empty tag", () => {
    expect(parseStoppedBy(undefined)).toBeUndefined();
    expect(parseStoppedBy("  ")).toBeUndefined();
  });
});
