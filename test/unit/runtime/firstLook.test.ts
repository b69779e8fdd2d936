import { describe, expect, it } from "vitest";
import type { AuditRecord } from "../../../shared/audit/record.ts";
import { describeRecords } from "../../../local/firstLook.ts";

const vm = (name: string) => `/subscriptions/s/resourceGroups/rg-odoo-dev/providers/Microsoft.Compute/virtualMachines/${name}`;
const finding = (name: string, verdict: AuditRecord["verdict"], reason: string): AuditRecord => ({
  id: `sweep:idle:finding:${name}`,
  at: "2026-11-23T19:30:00.000Z",
  kind: "finding",
  policy: "stop-idle-nonprod-vms",
  resourceId: vm(name),
  action: "deallocate",
  verdict,
  reason,
  instanceId: "sweep:idle",
  trigger: { type: "manual", id: "npm-start" },
  actor: { type: "governor", id: "governor" },
});

describe("the first look's lines from the audit trail", () => {
  it("lists a sweep's findings under one heading, each with its verdict and reason", () => {
    const lines = describeRecords([
      finding("vm-odoo-dev-01", "needs-approval", "CPU average 1.2% over 72h < 5%"),
      finding("vm-odoo-test-loadgen", "blocked", "exempt until 2026-12-15"),
    ]);
    expect(lines).toEqual([
      "sweep stop-idle-nonprod-vms found 2 (1 needs-approval, 1 blocked):",
      "    vm-odoo-dev-01: needs-approval deallocate (CPU average 1.2% over 72h < 5%)",
      "    vm-odoo-test-loadgen: blocked deallocate (exempt until 2026-12-15)",
    ]);
  });

  it("cuts a long list after six and says how many more there are", () => {
    const many = Array.from({ length: 9 }, (_, index) => finding(`vm-${index}`, "remediate", "idle"));
    const lines = describeRecords(many);
    expect(lines).toHaveLength(8);
    expect(lines.at(-1)).toMatch(/… and 3 more/);
  });

  it("says an outcome came from a resource event, and prints only people's decisions", () => {
    const lines = describeRecords([
      {
        ...finding("vm-maria", undefined, "merged tags environment=test"),
        id: "check:vm-maria:outcome",
        kind: "outcome",
        policy: "required-tags",
        outcome: "applied",
        instanceId: "remediate:required-tags:event",
        trigger: { type: "event", id: "e-1" },
      },
      { ...finding("vm-x", undefined, "approved by Governor's timeout"), id: "d-1", kind: "decision", instanceId: "a" },
    ]);
    expect(lines).toEqual(["required-tags after a resource event: 1 applied", "    vm-maria applied: merged tags environment=test"]);
  });
});
