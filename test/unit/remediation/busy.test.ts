import { describe, expect, it } from "vitest";
import { busyReason } from "../../../shared/remediation/busy.ts";
import { unsettledState } from "../../../shared/resourceTypes/provisioningState.ts";

const VM = "Microsoft.Compute/virtualMachines";
const AKS = "Microsoft.ContainerService/managedClusters";
const resource = (type: string, provisioningState?: unknown) => ({
  name: "res-1",
  type,
  properties: provisioningState === undefined ? {} : { provisioningState },
});

describe("busy: a resource another operation holds, or one an operation left failed", () => {
  it.each(["Deleting", "Updating", "Creating"])("leaves a resource in %s alone until the next sweep", (state) => {
    expect(busyReason(resource(VM, state))).toBe(`busy: provisioningState ${state}; try next sweep`);
  });

  it("reads the state whatever its case, and names it as ARM spelled it", () => {
    expect(busyReason(resource(VM, "deleting"))).toBe("busy: provisioningState deleting; try next sweep");
  });

  it("says a failed resource needs a person rather than another sweep", () => {
    const reason = busyReason(resource(VM, "Failed"));
    expect(reason).toMatch(/^failed: provisioningState Failed; /);
    expect(reason).toContain("res-1");
    expect(reason).toContain("needs a person");
    expect(reason).not.toContain("next sweep");
  });

  it.each([["Succeeded"], ["Canceled"], [undefined], [42]])("acts on a resource whose provisioningState is %s", (state) => {
    expect(busyReason(resource(VM, state))).toBeUndefined();
  });

  it("leaves an AKS cluster's Stopping and Starting to its power state, as its descriptor declares them power transitions", () => {
    expect(busyReason(resource(AKS, "Stopping"))).toBeUndefined();
    expect(busyReason(resource(AKS, "Starting"))).toBeUndefined();
    expect(busyReason(resource(AKS, "Updating"))).toBe("busy: provisioningState Updating; try next sweep");
  });

  it("does not count a state as busy that the type declares a power transition", () => {
    expect(unsettledState("Updating", ["updating"])).toBeUndefined();
    expect(unsettledState("Updating", ["stopping"])).toEqual({ state: "Updating", failed: false });
    expect(unsettledState("Failed")).toEqual({ state: "Failed", failed: true });
  });
});
