import { describe, expect, it } from "vitest";
import { parseArmId, parseResourceId, parseTopLevelResourceId, resourceNameOf, sameResourceId } from "../../shared/azure/resourceId.ts";

const VM = "/subscriptions/sub-1/resourceGroups/rg-odoo/providers/Microsoft.Compute/virtualMachines/vm-01";

describe("ARM resource ids", () => {
  it("reads a resource's subscription, group, type and name, child resources keeping their full type", () => {
    expect(parseResourceId(VM)).toEqual({
      subscriptionId: "sub-1",
      resourceGroup: "rg-odoo",
      type: "Microsoft.Compute/virtualMachines",
      name: "vm-01",
    });
    expect(
      parseResourceId("/subscriptions/s/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/aks/agentPools/np1"),
    ).toMatchObject({
      type: "Microsoft.ContainerService/managedClusters/agentPools",
      name: "np1",
    });
  });

  it("refuses a group, a subscription or a half id as a resource", () => {
    for (const id of ["/subscriptions/s/resourceGroups/rg", "/subscriptions/s", `${VM}/extensions`, "vm-01"])
      expect(() => parseResourceId(id), id).toThrow(/not the id of a resource in a resource group/);
  });

  it("reads any id below a subscription, a group typed as one", () => {
    expect(parseArmId("/subscriptions/s/resourceGroups/rg")).toEqual({
      subscriptionId: "s",
      resourceGroup: "rg",
      type: "Microsoft.Resources/resourceGroups",
      name: "rg",
    });
    expect(parseArmId("/subscriptions/s")).toEqual({ subscriptionId: "s" });
    expect(() => parseArmId("/tenants/t")).toThrow(/not an ARM resource id/);
  });

  it("takes only top-level resources in a group as top-level", () => {
    expect(parseTopLevelResourceId(VM)?.type).toBe("Microsoft.Compute/virtualMachines");
    expect(parseTopLevelResourceId(`${VM}/extensions/ext`)).toBeUndefined();
    expect(parseTopLevelResourceId("/subscriptions/s/resourceGroups/rg")).toBeUndefined();
  });

  it("compares ids as ARM does, ignoring case and a trailing slash", () => {
    expect(sameResourceId(VM, `${VM.toUpperCase()}/`)).toBe(true);
    expect(sameResourceId(VM, VM.replace("vm-01", "vm-02"))).toBe(false);
  });

  it("names a resource by its id's last segment", () => {
    expect(resourceNameOf(VM)).toBe("vm-01");
    expect(resourceNameOf(`${VM}/`)).toBe("vm-01");
  });
});
