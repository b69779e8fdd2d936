/** The pure parts of the remediation workflows: reading an approval decision and the audit records of each stage. */
import { describe, expect, it } from "vitest";
import { auditRecords } from "../../orchestrations/activities/remediation.activities.ts";
import { type ApprovalInput, decide, snoozeEnd } from "../../orchestrations/approval.ts";
import { remediationInstanceId } from "../../orchestrations/names.ts";
import { validateAuditRecord } from "../../shared/audit/record.ts";

const VM = (name: string) =>
  `/subscriptions/6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31/resourceGroups/rg-odoo-dev/providers/Microsoft.Compute/virtualMachines/${name}`;
const INPUT: ApprovalInput = {
  policy: "stop-idle-nonprod-vms",
  action: "deallocate",
  resources: ["vm-a", "vm-b", "vm-c"].map((name) => ({
    resourceId: VM(name),
    resourceName: name,
    reason: "idle",
    estimatedMonthlySavings: 10,
  })),
  approvers: ["platform-team"],
  timeoutMs: 3_600_000,
  onTimeout: "skip",
};

describe("approval decisions", () => {
  it("approves the whole plan when no resources are named", () => {
    expect(decide(INPUT, { decision: "approve", decidedBy: "maria@nordwind.example" })).toMatchObject({
      outcome: "approved",
      approvedResourceIds: INPUT.resources.map((resource) => resource.resourceId),
      decidedBy: "maria@nordwind.example",
    });
  });

  it("approves only the named resources of the plan, ignoring any outside it", () => {
    const decision = decide(INPUT, { decision: "approve", decidedBy: "maria", resourceIds: [VM("vm-b").toUpperCase(), VM("vm-z")] });
    expect(decision).toMatchObject({ outcome: "partially-approved", approvedResourceIds: [VM("vm-b")], reason: "approved 1 of 3" });
  });

  it("a rejection or an unreadable decision approves nothing", () => {
    expect(decide(INPUT, { decision: "reject", decidedBy: "maria", comment: "load test tonight" })).toMatchObject({
      outcome: "rejected",
      approvedResourceIds: [],
      reason: "load test tonight",
    });
    expect(decide(INPUT, { decision: "yes please" })).toMatchObject({ outcome: "rejected", approvedResourceIds: [] });
    expect(decide(INPUT, null).approvedResourceIds).toEqual([]);
  });
});

describe("exemptions and snoozes in a decision", () => {
  it("exempting some resources approves none of them; exempting with approve approves the others", () => {
    expect(
      decide(INPUT, { decision: "exempt", exempt: { resourceIds: [VM("vm-a")], until: "2026-11-27" }, decidedBy: "maria" }),
    ).toMatchObject({
      outcome: "exempted",
      approvedResourceIds: [],
      exemptedResourceIds: [VM("vm-a")],
      exemptUntil: "2026-11-27",
    });
    expect(
      decide(INPUT, { decision: "approve", exempt: { resourceIds: [VM("vm-a")], until: "2026-11-27" }, decidedBy: "maria" }),
    ).toMatchObject({
      outcome: "partially-approved",
      approvedResourceIds: [VM("vm-b"), VM("vm-c")],
      exemptedResourceIds: [VM("vm-a")],
      reason: "approved 2 of 3, exempted 1 until 2026-11-27",
    });
  });

  it("an exemption without resources of the plan, or without a date, approves nothing", () => {
    expect(
      decide(INPUT, { decision: "exempt", exempt: { resourceIds: [VM("vm-z")], until: "2026-11-27" }, decidedBy: "maria" }).outcome,
    ).toBe("rejected");
    expect(decide(INPUT, { decision: "approve", exempt: { resourceIds: [VM("vm-a")] }, decidedBy: "maria" }).approvedResourceIds).toEqual(
      [],
    );
  });

  it("a snooze counts only with a readable time after now", () => {
    const now = new Date("2026-11-23T19:00:00Z");
    expect(snoozeEnd({ decision: "snooze", snoozeUntil: "2026-11-23T21:00:00Z", decidedBy: "maria" }, now)?.toISOString()).toBe(
      "2026-11-23T21:00:00.000Z",
    );
    expect(snoozeEnd({ decision: "snooze", snoozeUntil: "2026-11-23T18:00:00Z", decidedBy: "maria" }, now)).toBeUndefined();
    expect(snoozeEnd({ decision: "snooze", snoozeUntil: "later", decidedBy: "maria" }, now)).toBeUndefined();
    expect(snoozeEnd({ decision: "approve", decidedBy: "maria" }, now)).toBeUndefined();
  });
});

describe("audit records of a remediation", () => {
  const base = {
    instanceId: "remediate:stop-idle-nonprod-vms:2026-11-23",
    policy: "stop-idle-nonprod-vms",
    action: "deallocate",
    trigger: { type: "timer" as const },
  };

  it("are valid records whose ids repeat when a stage is recorded again", () => {
    const at = "2026-11-23T19:30:00.000Z";
    const plan = auditRecords({ ...base, stage: "plan", resources: INPUT.resources }, at);
    const outcome = auditRecords(
      {
        ...base,
        stage: "outcome",
        outcomes: [{ resourceId: VM("vm-a"), action: "deallocate", outcome: "applied", reason: "deallocated" }],
      },
      at,
    );
    const approval = auditRecords(
      {
        ...base,
        stage: "approval",
        approval: { outcome: "approved", approvedResourceIds: [VM("vm-a")], decidedBy: "maria@nordwind.example", reason: "ok" },
      },
      at,
    );
    for (const record of [...plan, ...outcome, ...approval]) expect(validateAuditRecord(record)).toEqual([]);
    expect(plan.map((record) => record.id)).toEqual(
      auditRecords({ ...base, stage: "plan", resources: INPUT.resources }, "2026-11-24T00:00:00Z").map((record) => record.id),
    );
    expect(approval[0]?.actor).toEqual({ type: "person", id: "maria@nordwind.example" });
    expect(outcome[0]).toMatchObject({ kind: "outcome", outcome: "applied", resourceId: VM("vm-a") });
  });

  it("derive instance ids from the policy and the scope", () => {
    expect(remediationInstanceId("stop-idle-nonprod-vms", "2026-11-23T19:00")).toBe("remediate:stop-idle-nonprod-vms:2026-11-23t19:00");
    expect(remediationInstanceId("tags", VM("VM A"))).toBe(remediationInstanceId("tags", VM("vm a")));
  });
});
