/**
 * The savings ledger against the emulated subscription, with the real clients: a VM deallocated
 * through the real ComputeManagementClient, its outcome in the real audit trail (Azurite), seven
 * virtual days later the ledger measures the realised saving through the Cost Management query
 * and it equals the emulator's own cost drop for those days, beside the estimate.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VirtualClock } from "../../emulator/clock.ts";
import { costBetween, hourlyCost } from "../../emulator/costs/meter.ts";
import { sampleEstate } from "../../emulator/estate/sample.ts";
import { type Emulator, startEmulator } from "../../emulator/server.ts";
import type { AuditRecord } from "../../shared/audit/record.ts";
import { TableAuditTrail } from "../../shared/audit/trail.ts";
import { computeClient } from "../../shared/azure/clients.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { type Azurite, startAzurite } from "../../local/azurite.ts";
import { costManagementSource } from "../../shared/savings/costQuery.ts";
import { monthToDate, refreshSavingsLedger, SavingsLedger } from "../../shared/savings/ledger.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const DAY_MS = 86_400_000;
let emulator: Emulator;
let azurite: Azurite;
const clock = new VirtualClock("2026-11-10T19:30:00Z");

beforeAll(async () => {
  const sample = sampleEstate();
  emulator = await startEmulator({ estate: sample.estate, subscriptionId: sample.subscriptionId, clock, lroPolls: 0 });
  azurite = await startAzurite({ location: join(mkdtempSync(join(tmpdir(), "governor-ledger-")), "azurite") });
}, 60_000);
afterAll(async () => {
  await emulator?.close();
  await azurite?.close();
});

function records(vmId: string, at: string, instanceId: string): AuditRecord[] {
  const base = { at, policy: "stop-idle-nonprod-vms", action: "deallocate", instanceId, trigger: { type: "cli" as const } };
  return [
    {
      ...base,
      id: `${instanceId}:plan:${vmId.toLowerCase()}`,
      kind: "decision",
      resourceId: vmId,
      reason: "deallocate vm-odoo-dev-01: Standard_D4s_v5 at 0.212 EUR/h × 730 h = 154.76 EUR/month",
      actor: { type: "governor", id: "governor" },
      details: { estimatedMonthlySavings: 154.76 },
    },
    {
      ...base,
      id: `${instanceId}:outcome:${vmId.toLowerCase()}`,
      kind: "outcome",
      resourceId: vmId,
      outcome: "applied",
      reason: "deallocated",
      actor: { type: "governor", id: "governor" },
    },
  ];
}

describe("the savings ledger's realised saving", () => {
  it("for a VM deallocated for 7 days equals the emulator's cost drop over those days, beside the estimate", async () => {
    const target = emulatorTarget(emulator, emulator.core.subscriptionId);
    const compute = await computeClient(target);
    const vm = emulator.core.store.list({ type: "Microsoft.Compute/virtualMachines" }).find((item) => item.arm.name === "vm-odoo-dev-01");
    if (!vm) throw new Error("the sample estate has no vm-odoo-dev-01");
    await compute.virtualMachines.beginDeallocateAndWait("rg-odoo-dev", vm.arm.name, { updateIntervalInMs: 10 });
    const appliedAt = clock.now().toISOString();
    const trail = TableAuditTrail.fromConnectionString(azurite.connectionString, { table: "GovernorLedgerAudit" });
    // Delivered twice: the trail keeps one record, the ledger one row.
    await trail.append(records(vm.arm.id, appliedAt, "remediate:stop-idle-nonprod-vms:ledger"));
    await trail.append(records(vm.arm.id, appliedAt, "remediate:stop-idle-nonprod-vms:ledger"));
    const ledger = SavingsLedger.fromConnectionString(azurite.connectionString, "GovernorLedgerSavings");

    clock.advance(8 * DAY_MS);
    const now = clock.now();
    const costs = await costManagementSource(target);
    const first = await refreshSavingsLedger({ trail, ledger, currency: "EUR", now, costs });
    const second = await refreshSavingsLedger({ trail, ledger, currency: "EUR", now, costs });
    expect(second.rows).toEqual(first.rows);
    const rows = await ledger.rows();
    expect(rows).toHaveLength(1);
    const row = rows[0]!;

    // The emulator's own bill of the VM: 7 whole days before the change day against the 7 after it.
    const stored = emulator.core.store.get(vm.arm.id)!;
    const changeDay = Date.parse(`${appliedAt.slice(0, 10)}T00:00:00Z`);
    const before = costBetween(stored, changeDay - 7 * DAY_MS, changeDay);
    const after = costBetween(stored, changeDay + DAY_MS, changeDay + 8 * DAY_MS);
    expect(after).toBe(0);
    expect(before).toBeCloseTo(7 * 24 * (hourlyCost(stored, "running") as number), 6);
    expect(row.realised).toMatchObject({ days: 7, currency: "EUR" });
    expect(row.realised?.saving).toBeCloseTo(before - after, 2);
    expect(row.estimatedMonthly).toBe(154.76);
    expect(row.hoursAvoided).toBe(8 * 24);

    const month = await monthToDate(now, { ledger });
    expect(month?.currency).toBe("EUR");
    expect(month?.realised).toBeCloseTo(before - after, 2);
    expect(month?.estimated).toBeCloseTo((154.76 / 730) * 8 * 24, 2);
  }, 40_000);
});
