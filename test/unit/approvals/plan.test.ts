/** The plan hash a token is bound to: the same plan hashes the same, any change to it does not. */
import { describe, expect, it } from "vitest";
import { type ApprovalPlan, planHash, planTitle } from "../../../shared/approvals/approvalPlan.ts";

const VM = (name: string) =>
  `/subscriptions/6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31/resourceGroups/rg-odoo-dev/providers/Microsoft.Compute/virtualMachines/${name}`;
const PLAN: ApprovalPlan = {
  policy: "stop-idle-nonprod-vms",
  action: "deallocate",
  currency: "EUR",
  resources: [
    {
      resourceId: VM("vm-a"),
      resourceName: "vm-a",
      reason: "CPU 1.2% < 5%",
      estimatedMonthlySavings: 80.5,
      state: { exists: true, powerState: "running" },
    },
    {
      resourceId: VM("vm-b"),
      resourceName: "vm-b",
      reason: "CPU 0.4% < 5%",
      estimatedMonthlySavings: 330,
      state: { exists: true, powerState: "running" },
    },
  ],
};

describe("plan hash", () => {
  it("does not depend on the order of resources, the case of their ids or the order of fields", () => {
    const reordered: ApprovalPlan = {
      currency: "EUR",
      resources: [...PLAN.resources].reverse().map((resource) => ({ ...resource, resourceId: resource.resourceId.toUpperCase() })),
      action: "deallocate",
      policy: "stop-idle-nonprod-vms",
    };
    expect(planHash(reordered)).toBe(planHash(PLAN));
  });

  it("changes with a resource added or removed, another action, or a resource whose state changed", () => {
    const hash = planHash(PLAN);
    expect(planHash({ ...PLAN, resources: PLAN.resources.slice(1) })).not.toBe(hash);
    expect(planHash({ ...PLAN, action: "delete" })).not.toBe(hash);
    const started = PLAN.resources.map((resource, index) =>
      index === 0 ? { ...resource, state: { exists: true, powerState: "deallocated" } } : resource,
    );
    expect(planHash({ ...PLAN, resources: started })).not.toBe(hash);
  });

  it("titles the plan with its action, size and savings", () => {
    expect(planTitle(PLAN)).toBe("Deallocate 2 resources (stop-idle-nonprod-vms): saves about 411 EUR a month");
  });
});
