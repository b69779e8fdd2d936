/** The subscriptions of Governor's management group it does not govern, and what a sweep says of them (pure). */
import { describe, expect, it } from "vitest";
import { ungovernedNote, ungovernedSubscriptions } from "../../../shared/inventory/groupSubscriptions.ts";

const HOME = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const SECOND = "1a2b3c4d-0000-4000-8000-000000000002";
const ADDED = "1a2b3c4d-0000-4000-8000-000000000003";

describe("subscriptions under the group that Governor does not govern", () => {
  it("are the rows' subscriptions outside the governed list, ids compared without case, each once, in id order", () => {
    const rows = [
      { subscriptionId: ADDED, name: "nordwind-logistics" },
      { subscriptionId: HOME.toUpperCase(), name: "nordwind-prod" },
      { subscriptionId: SECOND, name: "nordwind-benelux" },
      { subscriptionId: ADDED, name: "nordwind-logistics" },
      { subscriptionId: "0a000000-0000-4000-8000-000000000001" },
    ];
    expect(ungovernedSubscriptions(rows, [HOME, SECOND])).toEqual([
      { subscriptionId: "0a000000-0000-4000-8000-000000000001" },
      { subscriptionId: ADDED, name: "nordwind-logistics" },
    ]);
  });

  it("ignores rows without a subscription id", () => {
    expect(ungovernedSubscriptions([{ name: "orphan" }, { subscriptionId: "" }, { subscriptionId: 7 }], [HOME])).toEqual([]);
  });

  it("are named with what is missing and what to do; none is no note at all", () => {
    expect(ungovernedNote("mg-nordwind", [{ subscriptionId: ADDED, name: "nordwind-logistics" }])).toBe(
      `not governed: subscription ${ADDED} (nordwind-logistics) in management group mg-nordwind: resource events not delivered yet, neither planned nor changed (add it to governedSubscriptionIds and redeploy infra/managementGroup.json)`,
    );
    expect(ungovernedNote("mg-nordwind", [])).toBeUndefined();
  });
});
