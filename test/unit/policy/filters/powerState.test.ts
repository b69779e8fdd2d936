import { describe, expect, it } from "vitest";
import { powerStateFilter } from "../../../../shared/policy/filters/powerState.ts";
import { check, condition, context, resource } from "../support.ts";

describe("power-state filter", () => {
  it("1. matches a running VM", () => {
    expect(check(powerStateFilter, "{ power-state: running }", resource({ powerState: "running" }))).toEqual({
      outcome: "match",
      reason: "power state running",
    });
  });

  it("2. matches one of a list", () => {
    expect(check(powerStateFilter, "{ power-state: [deallocated, stopped] }", resource({ powerState: "stopped" })).outcome).toBe("match");
  });

  it("3. reads an AKS cluster's power state from its properties when inventory gave none", () => {
    const cluster = resource({ kind: "aks-cluster", powerState: undefined, properties: { powerState: { code: "Running" } } });
    expect(check(powerStateFilter, "{ power-state: running }", cluster).outcome).toBe("match");
  });

  it("4. reads a PostgreSQL server's state", () => {
    const server = resource({ kind: "postgresql-server", properties: { state: "Stopped" } });
    expect(check(powerStateFilter, "{ power-state: stopped }", server).outcome).toBe("match");
  });

  it("compliant: a deallocated VM is not running", () => {
    expect(check(powerStateFilter, "{ power-state: running }", resource({ powerState: "deallocated" }))).toEqual({
      outcome: "no-match",
      reason: "power state deallocated, not running",
    });
  });

  it("does not apply to snapshots, and an unknown state is unknown", () => {
    expect(check(powerStateFilter, "{ power-state: running }", resource({ kind: "snapshot" }))).toEqual({
      outcome: "not-applicable",
      reason: "a snapshot has no power state",
    });
    expect(check(powerStateFilter, "{ power-state: running }", resource({ powerState: undefined })).outcome).toBe("unknown");
  });

  it("rejects a state that does not exist", () => {
    expect(() => condition(powerStateFilter, "{ power-state: off }")).toThrow("schema:");
  });
});

describe("power-state filter on scale sets", () => {
  const inventoried = (spec: Parameters<typeof resource>[0] = {}) =>
    resource({ kind: "vm-scale-set", powerState: undefined, ...spec, properties: { instanceView: undefined, extended: undefined } });
  const viewOf = (subject: ReturnType<typeof resource>, summary: Array<{ code: string; count: number }>) =>
    context({ resources: [subject], facts: { instanceViews: { [subject.id.toLowerCase()]: { statusesSummary: summary } } } });

  it("1. matches a running scale set from the inventory's instance view, counting its instances", () => {
    const scaleSet = inventoried();
    expect(
      check(powerStateFilter, "{ power-state: running }", scaleSet, viewOf(scaleSet, [{ code: "PowerState/running", count: 3 }])),
    ).toEqual({
      outcome: "match",
      reason: "power state running (3 × PowerState/running)",
    });
  });

  it("2. matches a fresh read, whose instance view is its own", () => {
    expect(check(powerStateFilter, "{ power-state: running }", resource({ kind: "vm-scale-set" }))).toEqual({
      outcome: "match",
      reason: "power state running (3 × PowerState/running)",
    });
  });

  it("3. asks for the instance views of scale sets, and of nothing else", () => {
    expect(powerStateFilter.facts?.({ states: ["running"] }, "vm-scale-set")).toEqual([{ type: "instance-view" }]);
    expect(powerStateFilter.facts?.({ states: ["running"] }, "virtual-machine")).toEqual([]);
  });

  it("compliant: a deallocated scale set is not running", () => {
    const scaleSet = inventoried();
    expect(
      check(powerStateFilter, "{ power-state: running }", scaleSet, viewOf(scaleSet, [{ code: "PowerState/deallocated", count: 3 }])),
    ).toEqual({ outcome: "no-match", reason: "power state deallocated (3 × PowerState/deallocated), not running" });
  });

  it("does not apply to a scale set AKS owns, saying why; a scale set whose instance view was not read is unknown", () => {
    const nodes = inventoried({ resourceGroup: "mc_rg-odoo-dev_aks-odoo-dev_westeurope", tags: { "aks-managed-poolName": "system" } });
    expect(check(powerStateFilter, "{ power-state: running }", nodes)).toEqual({
      outcome: "not-applicable",
      reason:
        "AKS owns this scale set (node resource group mc_rg-odoo-dev_aks-odoo-dev_westeurope; tag aks-managed-poolName): its power is its cluster's, left to the AKS policy",
    });
    expect(check(powerStateFilter, "{ power-state: running }", inventoried()).outcome).toBe("unknown");
  });
});
