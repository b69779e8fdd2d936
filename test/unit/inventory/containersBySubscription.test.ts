/** Resource groups of several subscriptions from one Resource Graph query, split back per subscription (pure). */
import { describe, expect, it } from "vitest";
import { containersBySubscription } from "../../../shared/inventory/resourceGraph.ts";

const A = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const B = "6F1C5A2E-3B8D-4C7E-9A14-2D5E8B7C0F32";

const subscriptionRow = (id: string) => ({
  id: `/subscriptions/${id}`,
  name: `sub-${id.slice(-2)}`,
  type: "microsoft.resources/subscriptions",
  subscriptionId: id,
});
const groupRow = (subscription: string, name: string, tags: Record<string, string> = {}) => ({
  id: `/subscriptions/${subscription}/resourceGroups/${name}`,
  name,
  type: "microsoft.resources/subscriptions/resourcegroups",
  location: "westeurope",
  tags,
  managedBy: "",
  subscriptionId: subscription,
});

describe("containers split by subscription", () => {
  it("gives each subscription its own groups, keyed by lower-case name, and says it was seen by its own row", () => {
    const split = containersBySubscription([
      subscriptionRow(A),
      groupRow(A, "rg-odoo-prod", { environment: "prod" }),
      groupRow(B, "rg-odoo-prod", { environment: "dev" }),
      subscriptionRow(B),
      groupRow(B, "RG-EDI"),
    ]);
    expect(split.get(A.toLowerCase())).toEqual({
      visible: true,
      resourceGroups: {
        "rg-odoo-prod": {
          id: `/subscriptions/${A}/resourceGroups/rg-odoo-prod`,
          name: "rg-odoo-prod",
          location: "westeurope",
          tags: { environment: "prod" },
        },
      },
    });
    // The same group name in another subscription is another group.
    expect(Object.keys(split.get(B.toLowerCase())?.resourceGroups ?? {})).toEqual(["rg-odoo-prod", "rg-edi"]);
    expect(split.get(B.toLowerCase())?.resourceGroups["rg-odoo-prod"]?.tags).toEqual({ environment: "dev" });
  });

  it("marks a subscription whose own row is missing as not seen, even with groups listed", () => {
    const split = containersBySubscription([groupRow(A, "rg-orphan")]);
    expect(split.get(A.toLowerCase())?.visible).toBe(false);
  });

  it("skips rows without a subscription id", () => {
    expect(containersBySubscription([{ id: "/x", type: "microsoft.resources/subscriptions" }]).size).toBe(0);
  });
});
