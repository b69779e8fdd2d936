/**
 * The savings ledger's cost reads across governed subscriptions, against the emulator's Cost
 * Management with the sample spread over two subscriptions: each resource's daily cost is asked of
 * its own subscription (a subscription's query answers only for its own resources), one query per
 * subscription; a resource of a subscription not governed has no cost read.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VirtualClock } from "../../emulator/clock.ts";
import { costBetween } from "../../emulator/costs/meter.ts";
import { sampleEstates } from "../../emulator/estate/sample.ts";
import { type Emulator, startEmulator } from "../../emulator/server.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { costManagementSource } from "../../shared/savings/costQuery.ts";

const DAY_MS = 86_400_000;
const sample = sampleEstates(2);
const second = sample.subscriptions[0]?.subscriptionId as string;
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({
    estate: sample.estate,
    subscriptionId: sample.subscriptionId,
    subscriptions: sample.subscriptions,
    clock: new VirtualClock(sample.now),
    throttle: false,
  });
});
afterAll(async () => emulator.close());

const vmOf = (name: string) => {
  const found = emulator.core.store.list({ type: "Microsoft.Compute/virtualMachines" }).find((vm) => vm.arm.name === name);
  if (!found) throw new Error(`the sample has no ${name}`);
  return found;
};

describe("cost reads across governed subscriptions", () => {
  it("ask each resource's cost of its own subscription, once per subscription, and read none of an ungoverned one", async () => {
    const home = vmOf("vm-odoo-dev-01");
    const other = vmOf("vm-odoo-s2-dev-01");
    const toDay = new Date(emulator.core.clock.nowMs() - DAY_MS).toISOString().slice(0, 10);
    const fromDay = new Date(Date.parse(toDay) - 6 * DAY_MS).toISOString().slice(0, 10);
    const week = (resource: typeof home): number => costBetween(resource, Date.parse(fromDay), Date.parse(toDay) + DAY_MS);
    const sum = (days: Map<string, number> | undefined): number => [...(days?.values() ?? [])].reduce((total, cost) => total + cost, 0);

    const before = emulator.core.log.entries({ route: "costManagement.query" }).length;
    const across = await costManagementSource([emulatorTarget(emulator, sample.subscriptionId), emulatorTarget(emulator, second)]);
    const costs = await across({ resourceIds: [home.arm.id, other.arm.id], fromDay, toDay });
    expect(week(other)).toBeGreaterThan(0);
    expect(sum(costs.byResource.get(home.arm.id.toLowerCase()))).toBeCloseTo(week(home), 6);
    expect(sum(costs.byResource.get(other.arm.id.toLowerCase()))).toBeCloseTo(week(other), 6);
    const queries = emulator.core.log.entries({ route: "costManagement.query", since: before });
    expect(queries.map((entry) => entry.path.split("/")[2]?.toLowerCase()).sort()).toEqual(
      [sample.subscriptionId.toLowerCase(), second.toLowerCase()].sort(),
    );

    // Governing only the home subscription, the other's resource is not asked at all.
    const homeOnly = await costManagementSource(emulatorTarget(emulator, sample.subscriptionId));
    const mine = await homeOnly({ resourceIds: [home.arm.id, other.arm.id], fromDay, toDay });
    expect([...mine.byResource.keys()]).toEqual([home.arm.id.toLowerCase()]);
  });
});
