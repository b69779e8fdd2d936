import { describe, expect, it } from "vitest";
import { powerStateFilter } from "../../../../shared/policy/filters/powerState.ts";
import { check, condition, resource } from "../support.ts";

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
