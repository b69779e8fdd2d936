/**
 * Consumption budgets through the real ConsumptionManagementClient: an estate budget and one
 * created through the API are listed and read with their current and forecast spend.
 */
import { ConsumptionManagementClient, type Budget } from "@azure/arm-consumption";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EstateDefinition } from "../../emulator/estate/load.ts";
import { startEmulator, type Emulator } from "../../emulator/server.ts";
import type { ResourceChange } from "../../emulator/store.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";

const estate: EstateDefinition = {
  resourceGroups: [],
  resources: [
    {
      type: "Microsoft.Consumption/budgets",
      name: "budget-nordwind-monthly",
      body: {
        properties: {
          category: "Cost",
          amount: 12_000,
          timeGrain: "Monthly",
          timePeriod: { startDate: "2026-11-01T00:00:00Z", endDate: "2027-12-31T00:00:00Z" },
          currentSpend: { amount: 9_850, unit: "EUR" },
          forecastSpend: { amount: 12_900, unit: "EUR" },
          notifications: {
            Actual_GreaterThan_80_Percent: {
              enabled: true,
              operator: "GreaterThan",
              threshold: 80,
              contactEmails: ["finance@nordwind.example"],
              thresholdType: "Actual",
            },
          },
        },
      },
    },
  ],
};

let emulator: Emulator;
let client: ConsumptionManagementClient;
let scope: string;
const changes: ResourceChange[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ estate, throttle: false });
  emulator.core.store.changes.on("change", (change) => changes.push(change));
  const target = emulatorTarget(emulator, emulator.core.subscriptionId);
  client = new ConsumptionManagementClient(target.credential, target.subscriptionId, {
    endpoint: target.armEndpoint,
    ...target.clientOptions,
  });
  scope = `subscriptions/${emulator.core.subscriptionId}`;
});
afterAll(async () => emulator.close());

describe("consumption budgets through the real ConsumptionManagementClient", () => {
  it("lists and gets the subscription's budget with its current and forecast spend", async () => {
    const budgets: Budget[] = [];
    for await (const budget of client.budgets.list(scope)) budgets.push(budget);
    expect(budgets.map((budget) => budget.name)).toEqual(["budget-nordwind-monthly"]);

    const budget = await client.budgets.get(scope, "budget-nordwind-monthly");
    expect(budget).toMatchObject({
      id: `/subscriptions/${emulator.core.subscriptionId}/providers/Microsoft.Consumption/budgets/budget-nordwind-monthly`,
      type: "Microsoft.Consumption/budgets",
      category: "Cost",
      amount: 12_000,
      timeGrain: "Monthly",
      currentSpend: { amount: 9_850, unit: "EUR" },
      forecastSpend: { amount: 12_900, unit: "EUR" },
    });
    expect(budget.notifications?.Actual_GreaterThan_80_Percent).toMatchObject({ threshold: 80, operator: "GreaterThan" });
    expect(typeof budget.eTag).toBe("string");
  });

  it("creates a budget (201) with no spend yet, updates it (200), and raises a write event for each", async () => {
    const since = changes.length;
    const parameters: Budget = {
      category: "Cost",
      amount: 500,
      timeGrain: "Monthly",
      timePeriod: { startDate: new Date("2026-11-01T00:00:00Z"), endDate: new Date("2027-10-31T00:00:00Z") },
      notifications: {
        Forecasted_GreaterThan_100_Percent: {
          enabled: true,
          operator: "GreaterThan",
          threshold: 100,
          contactEmails: ["ops@nordwind.example"],
          thresholdType: "Forecasted",
        },
      },
    };
    let status = 0;
    const created = await client.budgets.createOrUpdate(scope, "budget-odoo-dev", parameters, {
      onResponse: (response) => void (status = response.status),
    });
    expect(status).toBe(201);
    expect(created).toMatchObject({
      name: "budget-odoo-dev",
      amount: 500,
      currentSpend: { amount: 0, unit: "EUR" },
      forecastSpend: { amount: 0, unit: "EUR" },
    });

    const updated = await client.budgets.createOrUpdate(
      scope,
      "budget-odoo-dev",
      { ...parameters, amount: 750 },
      {
        onResponse: (response) => void (status = response.status),
      },
    );
    expect(status).toBe(200);
    expect(updated.amount).toBe(750);
    expect(updated.eTag).not.toBe(created.eTag);

    const names: string[] = [];
    for await (const budget of client.budgets.list(scope)) names.push(budget.name as string);
    expect(names).toEqual(["budget-nordwind-monthly", "budget-odoo-dev"]);
    expect(changes.slice(since).map((change) => [change.kind, change.operationName])).toEqual([
      ["write", "Microsoft.Consumption/budgets/write"],
      ["write", "Microsoft.Consumption/budgets/write"],
    ]);
  });

  it("projects the forecast from the current spend to the end of the month when none is fixed", async () => {
    const budget = emulator.core.store.get(
      `/subscriptions/${emulator.core.subscriptionId}/providers/Microsoft.Consumption/budgets/budget-odoo-dev`,
    );
    (budget?.arm.properties as { currentSpend: { amount: number } }).currentSpend.amount = 220;
    // 23 November 09:00 of a 30-day month: 22.375 days elapsed.
    const read = await client.budgets.get(scope, "budget-odoo-dev");
    expect(read.forecastSpend?.amount).toBeCloseTo((220 * 30) / 22.375, 1);
  });

  it("refuses a budget without an amount, and answers 404 for one that does not exist", async () => {
    await expect(
      client.budgets.createOrUpdate(scope, "budget-broken", {
        category: "Cost",
        timeGrain: "Monthly",
        timePeriod: { startDate: new Date("2026-11-01T00:00:00Z") },
      }),
    ).rejects.toMatchObject({ statusCode: 400 });
    await expect(client.budgets.get(scope, "budget-missing")).rejects.toMatchObject({ statusCode: 404 });
  });
});
