import { describe, expect, it } from "vitest";
import type { AuditRecord } from "../../../shared/audit/record.ts";
import { reportModel } from "../../../shared/report/model.ts";
import { reportPages, staticLinks } from "../../../shared/report/pages.ts";
import { deriveRows } from "../../../shared/savings/rows.ts";

// Three subscriptions, the second spelt in two casings (ARM ids compare case-insensitively).
const A = "0b7e3c9a-1d2f-4e5a-8b6c-7d8e9f0a1b2c";
const B = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const C = "9d2e4f6a-8b0c-4d1e-a3f5-b7c9d1e3f5a7";
const vm = (subscription: string, name: string) =>
  `/subscriptions/${subscription}/resourceGroups/rg-odoo/providers/Microsoft.Compute/virtualMachines/${name}`;
const governor = { type: "governor", id: "governor" } as const;
const trigger = { type: "timer" } as const;
const now = new Date("2026-11-28T12:00:00Z");

function finding(id: string, resourceId: string, estimatedMonthlySavings: number, action = "deallocate"): AuditRecord {
  return {
    id,
    at: "2026-11-20T19:30:00.000Z",
    kind: "finding",
    policy: action === "enroll-backup" ? "backup-production" : "stop-idle-nonprod-vms",
    resourceId,
    action,
    verdict: "remediate",
    reason: "idle",
    instanceId: `sweep:${action}:1`,
    trigger,
    actor: governor,
    details: { environment: "dev", estimatedMonthlySavings },
  };
}

function applied(instanceId: string, resourceId: string, estimatedMonthlySavings: number): AuditRecord[] {
  const base = { policy: "stop-idle-nonprod-vms", resourceId, action: "deallocate", instanceId, trigger, actor: governor };
  return [
    {
      ...base,
      id: `${instanceId}:plan:${resourceId.toLowerCase()}`,
      at: "2026-11-21T19:31:00.000Z",
      kind: "decision",
      reason: `Standard_D4s_v5 at 0.212 EUR/h × 730 h = ${estimatedMonthlySavings} EUR/month`,
      details: { estimatedMonthlySavings },
    },
    {
      ...base,
      id: `${instanceId}:outcome:${resourceId.toLowerCase()}`,
      at: "2026-11-21T19:32:00.000Z",
      kind: "outcome",
      outcome: "applied",
      reason: "deallocated",
    },
  ];
}

const records: AuditRecord[] = [
  finding("fa1", vm(A, "vm-a-1"), 100),
  finding("fa2", vm(A, "vm-a-2"), 50),
  finding("fb1", vm(B, "vm-b-1"), 20),
  finding("fb2", vm(B.toUpperCase(), "vm-b-2"), 0, "enroll-backup"),
  ...applied("r-b", vm(B, "vm-b-3"), 154.76),
  ...applied("r-c", vm(C, "vm-c-1"), 73),
  // A sweep's mark names no resource: it belongs to no subscription.
  {
    id: "sweep:deallocate:1:sweep",
    at: "2026-11-20T19:30:01.000Z",
    kind: "notice",
    action: "sweep",
    policy: "stop-idle-nonprod-vms",
    reason: "4 findings",
    instanceId: "sweep:deallocate:1",
    trigger,
    actor: governor,
  },
];

const model = () => reportModel({ records, ledger: deriveRows(records, "EUR", now), now, currency: "EUR" });

describe("the report by subscription", () => {
  it("gives each subscription the records and rows name its own figures, in id order, casings as one", () => {
    const { subscriptions } = model();
    expect(subscriptions.map((subscription) => subscription.subscriptionId)).toEqual([A, B, C]);
    const [a, b, c] = subscriptions;
    expect(a).toMatchObject({ openFindings: 2, findingsEstimatedMonthly: 150, unprotected: 0, changes: 0, estimatedMonthly: 0 });
    expect(a?.monthToDate).toBeUndefined();
    expect(b).toMatchObject({ openFindings: 2, findingsEstimatedMonthly: 20, unprotected: 1, changes: 1, estimatedMonthly: 154.76 });
    expect(c).toMatchObject({ openFindings: 0, changes: 1, estimatedMonthly: 73 });
    // Since the 21st at 19:32, at 73 EUR a month over 730 h.
    expect(c?.monthToDate?.estimated).toBeCloseTo((73 / 730) * (6 * 24 + 16 + 28 / 60), 1);
    // The subscriptions' figures add up to the report's.
    const all = model();
    expect(subscriptions.reduce((sum, subscription) => sum + subscription.openFindings, 0)).toBe(all.compliance.open.length);
    expect(subscriptions.reduce((sum, subscription) => sum + subscription.changes, 0)).toBe(all.savings.rows.length);
  });

  it("groups the overview, the open findings and the ledger by subscription when there are several", async () => {
    const pages = await reportPages(model(), staticLinks);
    const overview = pages.get("index.html")!;
    expect(overview.match(/<section class="subscription" data-subscription="[^"]+">/g)).toEqual(
      [A, B, C].map((id) => `<section class="subscription" data-subscription="${id}">`),
    );
    const sectionOf = (id: string) => overview.slice(overview.indexOf(`data-subscription="${id}"`)).split("</section>")[0]!;
    expect(sectionOf(A)).toContain('data-figure="Open findings"><span>Open findings</span><b>2</b>');
    expect(sectionOf(B)).toContain('data-figure="Changes in the ledger"><span>Changes in the ledger</span><b>1</b>');
    expect(sectionOf(B)).toContain('data-figure="Production without backup"><span>Production without backup</span><b>1</b>');
    const compliance = pages.get("compliance.html")!;
    const groupA = compliance.slice(
      compliance.indexOf(`data-subscription-group="${A}"`),
      compliance.indexOf(`data-subscription-group="${B}"`),
    );
    expect(groupA).toContain("vm-a-1");
    expect(groupA).not.toContain("vm-b-1");
    const savings = pages.get("savings.html")!;
    const groupC = savings.slice(savings.indexOf(`data-subscription-group="${C}"`));
    expect(groupC).toContain("vm-c-1");
    expect(groupC).not.toContain("vm-b-3");
    // A subscription without rows says so under its own heading.
    expect(savings.slice(savings.indexOf(`data-subscription-group="${A}"`), savings.indexOf(`data-subscription-group="${B}"`))).toContain(
      "No applied change that saves money yet.",
    );
  });

  it("looks as before with one subscription: no section, no grouping", async () => {
    const one = records.filter((record) => record.resourceId === undefined || record.resourceId.includes(A));
    const single = reportModel({ records: one, ledger: deriveRows(one, "EUR", now), now, currency: "EUR" });
    expect(single.subscriptions.map((subscription) => subscription.subscriptionId)).toEqual([A]);
    const pages = await reportPages(single, staticLinks);
    for (const html of pages.values()) expect(html).not.toMatch(/data-subscription/);
  });
});
