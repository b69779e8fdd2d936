import { describe, expect, it } from "vitest";
import { formatStoppedBy, parseStoppedBy, startedOutsideGovernor, stoppedByOf } from "../../../shared/remediation/stoppedBy.ts";

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

  it("records when the stop was made, with or without a budget, and reads it back", () => {
    const at = new Date("2026-11-23T19:30:12.345Z");
    const plain = stoppedByOf({ policy: "stop-offhours-nonprod-postgres", trigger: { type: "timer" } }, at);
    expect(formatStoppedBy(plain)).toBe("stop-offhours-nonprod-postgres; since 2026-11-23T19:30:12Z");
    expect(parseStoppedBy(formatStoppedBy(plain))).toEqual({ policy: "stop-offhours-nonprod-postgres", since: "2026-11-23T19:30:12Z" });
    const budget = stoppedByOf({ policy: "p", trigger: { type: "budget-alert", id: "budget:b:actual:100:2026-11-01" } }, at);
    expect(formatStoppedBy(budget)).toBe("p; budget b until 2026-12-01; since 2026-11-23T19:30:12Z");
    expect(parseStoppedBy(formatStoppedBy(budget))).toEqual(budget);
  });

  it("keeps the time whole when the names must be cut to ARM's 256 characters", () => {
    const value = formatStoppedBy({ policy: "p".repeat(300), since: "2026-11-23T19:30:00Z" });
    expect(value).toHaveLength(256);
    expect(parseStoppedBy(value)?.since).toBe("2026-11-23T19:30:00Z");
  });
});

describe("started outside Governor: a running resource that still carries governor-stopped-by", () => {
  const now = new Date("2026-11-30T19:30:00Z");
  const tagged = (kind: "postgresql-server" | "virtual-machine", since: string) => ({
    kind,
    powerState: "running" as const,
    tags: { "governor-stopped-by": `stop-offhours; since ${since}` },
  });

  it("1. a PostgreSQL server stopped 7 days ago or more was started by Azure", () => {
    expect(startedOutsideGovernor(tagged("postgresql-server", "2026-11-23T19:30:00Z"), now)).toEqual({
      byAzure: true,
      reason:
        "started again by Azure after 7 days stopped (stop-offhours stopped it on 2026-11-23T19:30:00Z; Azure starts a stopped server after 7 days)",
    });
  });

  it("2. one stopped less than 7 days ago, or a VM, was started by a person or another tool", () => {
    expect(startedOutsideGovernor(tagged("postgresql-server", "2026-11-23T19:31:00Z"), now)?.byAzure).toBe(false);
    expect(startedOutsideGovernor(tagged("virtual-machine", "2026-11-01T00:00:00Z"), now)).toEqual({
      byAzure: false,
      reason: "started again outside Governor (a person or another tool) since stop-offhours stopped it on 2026-11-01T00:00:00Z",
    });
  });

  it("compliant: nothing to say of a resource without the tag, or one still stopped", () => {
    expect(startedOutsideGovernor({ kind: "postgresql-server", powerState: "running", tags: {} }, now)).toBeUndefined();
    expect(startedOutsideGovernor({ ...tagged("postgresql-server", "2026-11-01T00:00:00Z"), powerState: "stopped" }, now)).toBeUndefined();
  });
});
