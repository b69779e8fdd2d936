/** The budget notice names the budget's subscription when Governor governs several (every subscription's budget has the same name). */
import { describe, expect, it } from "vitest";
import { budgetNotice, type BudgetNoticeInput } from "../../../shared/notifications/budget.ts";

const input: BudgetNoticeInput = {
  instanceId: "budget:governor-monthly:forecasted:100:2026-12-01",
  response: "notify",
  alert: {
    schema: "common",
    budgetName: "governor-monthly",
    thresholdType: "Forecasted",
    thresholdPercent: 100,
    spend: 5400,
    budgetAmount: 5000,
    currency: "EUR",
    periodStart: "2026-01-01",
    subscriptionId: "8f0b1c2d-0000-4000-8000-000000000002",
  },
  reason: "budget governor-monthly is forecast past its 100 % threshold",
  proposals: [],
  estimatedMonthlySavings: 0,
  currency: "EUR",
};

describe("the budget notice", () => {
  it("names the subscription in its title and facts when told it, for deployments that govern several", () => {
    const notice = budgetNotice({ ...input, subscription: "8f0b1c2d-0000-4000-8000-000000000002" });
    expect(notice.title).toBe(
      "Budget governor-monthly of subscription 8f0b1c2d-0000-4000-8000-000000000002: forecast spend 5,400 EUR of 5,000 EUR (108 %)",
    );
    expect(notice.facts).toContainEqual({ title: "Subscription", value: "8f0b1c2d-0000-4000-8000-000000000002" });
  });

  it("says no subscription when Governor governs one", () => {
    const notice = budgetNotice(input);
    expect(notice.title).toBe("Budget governor-monthly: forecast spend 5,400 EUR of 5,000 EUR (108 %)");
    expect(notice.facts?.map((fact) => fact.title)).not.toContain("Subscription");
  });
});
