/** The savings ledger's rows from the audit trail (shared/savings/rows.ts): pure, no I/O. */
import { describe, expect, it } from "vitest";
import type { AuditRecord } from "../../shared/audit/record.ts";
import { deriveRows, estimatedBetween } from "../../shared/savings/rows.ts";

const VM = "/subscriptions/s/resourceGroups/rg-odoo-dev/providers/Microsoft.Compute/virtualMachines/vm-odoo-training-01";
const NOW = new Date("2026-11-26T07:00:00Z");
const AT = "2026-11-23T19:30:00.000Z";

const record = (fields: Partial<AuditRecord> & Pick<AuditRecord, "id" | "kind">): AuditRecord => ({
  at: AT,
  reason: "-",
  trigger: { type: "timer" },
  actor: { type: "governor", id: "governor" },
  resourceId: VM,
  ...fields,
});

/** A policy's plan decision (its estimate) and its applied outcome, in its own workflow. */
const stopBy = (policy: string, at = AT, action = "deallocate"): AuditRecord[] => {
  const instanceId = `remediate:${policy}:x`;
  return [
    record({
      id: `${instanceId}:plan:${VM.toLowerCase()}`,
      kind: "decision",
      instanceId,
      policy,
      details: { estimatedMonthlySavings: 73 },
    }),
    record({ id: `${instanceId}:outcome:${VM.toLowerCase()}`, kind: "outcome", instanceId, policy, action, outcome: "applied", at }),
  ];
};

describe("savings ledger rows", () => {
  it("one applied deallocate is one row with the plan's estimate, in effect until now", () => {
    const rows = deriveRows(stopBy("stop-idle-nonprod-vms"), "EUR", NOW);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ policy: "stop-idle-nonprod-vms", estimatedMonthly: 73, hoursAvoided: 59.5 });
    expect(rows[0]?.endedAt).toBeUndefined();
  });

  it("two policies that deallocated the VM at the same time count its saving once", () => {
    const rows = deriveRows([...stopBy("stop-idle-nonprod-vms"), ...stopBy("stop-offhours-nonprod-vms")], "EUR", NOW);
    expect(rows).toHaveLength(2);
    const open = rows.filter((row) => row.endedAt === undefined);
    expect(open).toHaveLength(1);
    const total = rows.reduce((sum, row) => sum + estimatedBetween(row, Date.parse(AT), NOW.getTime()), 0);
    expect(total).toBeCloseTo(estimatedBetween(open[0]!, Date.parse(AT), NOW.getTime()), 6);
    expect(rows.find((row) => row.endedAt !== undefined)?.hoursAvoided).toBe(0);
  });

  it("a later start ends the saving; a stop applied again after it begins a new one", () => {
    const start = record({ id: "start-1", kind: "outcome", action: "start", outcome: "applied", at: "2026-11-24T07:00:00.000Z" });
    const rows = deriveRows(
      [...stopBy("stop-offhours-nonprod-vms"), start, ...stopBy("stop-idle-nonprod-vms", "2026-11-24T19:30:00.000Z")],
      "EUR",
      NOW,
    );
    expect(rows.map((row) => [row.policy, row.endedAt, row.hoursAvoided])).toEqual([
      ["stop-offhours-nonprod-vms", "2026-11-24T07:00:00.000Z", 11.5],
      ["stop-idle-nonprod-vms", undefined, 35.5],
    ]);
  });
});
