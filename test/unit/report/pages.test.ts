import { describe, expect, it } from "vitest";
import type { AuditRecord } from "../../../shared/audit/record.ts";
import { reportModel } from "../../../shared/report/model.ts";
import { reportPages, routeLinks, staticLinks } from "../../../shared/report/pages.ts";
import { deriveRows, measurementWindow, monthToDateOf, realisedFrom } from "../../../shared/savings/rows.ts";

const VM = "/subscriptions/s/resourceGroups/rg-odoo-dev/providers/Microsoft.Compute/virtualMachines/vm-odoo-dev-01";
const VM2 = "/subscriptions/s/resourceGroups/rg-odoo-test/providers/Microsoft.Compute/virtualMachines/vm-<b>test&x";
const governor = { type: "governor", id: "governor" } as const;
const trigger = { type: "timer" } as const;

function finding(
  id: string,
  at: string,
  resourceId: string,
  details: Record<string, string | number>,
  instanceId = "sweep:idle:1",
): AuditRecord {
  return {
    id,
    at,
    kind: "finding",
    policy: "stop-idle-nonprod-vms",
    resourceId,
    action: "deallocate",
    verdict: "remediate",
    reason: "idle",
    instanceId,
    trigger,
    actor: governor,
    details,
  };
}

const records: AuditRecord[] = [
  finding("f1", "2026-11-20T19:30:00.000Z", VM, {
    environment: "dev",
    owner: "anna@nordwind.example",
    costCenter: "CC-100",
    estimatedMonthlySavings: 154.76,
  }),
  finding("f2", "2026-11-20T19:30:00.000Z", VM2, { environment: "test", owner: "anna@nordwind.example", estimatedMonthlySavings: 77.38 }),
  {
    id: "r1:plan:" + VM.toLowerCase(),
    at: "2026-11-20T19:31:00.000Z",
    kind: "decision",
    policy: "stop-idle-nonprod-vms",
    resourceId: VM,
    action: "deallocate",
    reason: "Standard_D4s_v5 at 0.212 EUR/h × 730 h = 154.76 EUR/month",
    instanceId: "r1",
    trigger,
    actor: governor,
    details: { estimatedMonthlySavings: 154.76 },
  },
  {
    id: "r1:approval",
    at: "2026-11-20T19:31:30.000Z",
    kind: "approval",
    policy: "stop-idle-nonprod-vms",
    action: "deallocate",
    reason: "approved: ok",
    instanceId: "r1",
    trigger,
    actor: { type: "person", id: "maria@nordwind.example" },
  },
  {
    id: "r1:outcome:" + VM.toLowerCase(),
    at: "2026-11-20T19:32:00.000Z",
    kind: "outcome",
    policy: "stop-idle-nonprod-vms",
    resourceId: VM,
    action: "deallocate",
    outcome: "applied",
    reason: "deallocated",
    instanceId: "r1",
    trigger,
    actor: governor,
  },
];

describe("the savings ledger's rows", () => {
  it("one row per applied saving change, however often its record is read; a later start ends it", () => {
    const now = new Date("2026-11-28T12:00:00Z");
    expect(deriveRows([...records, ...records], "EUR", now)).toHaveLength(1);
    const started: AuditRecord = { ...records[4]!, id: "r2:outcome", at: "2026-11-25T07:00:00.000Z", action: "start", instanceId: "r2" };
    const [row] = deriveRows([...records, started], "EUR", now);
    expect(row).toMatchObject({ estimatedMonthly: 154.76, estimateHours: 730, endedAt: started.at, hoursAvoided: 107.47 });
    // Measured up to the day before the start: the 21st to the 24th after, the 16th to the 19th before.
    expect(measurementWindow(row!, now)).toMatchObject({
      days: 4,
      afterFrom: "2026-11-21",
      afterTo: "2026-11-24",
      beforeFrom: "2026-11-16",
    });
  });

  it("realised is the cost of the days before less the days after, and a month counts the after-days in it", () => {
    const now = new Date("2026-12-03T12:00:00Z");
    const [row] = deriveRows(records, "EUR", now);
    const window = measurementWindow(row!, now);
    if ("note" in window) throw new Error(window.note);
    expect(window.days).toBe(12);
    const costs = new Map<string, number>();
    for (let day = 8; day <= 19; day += 1) costs.set(`2026-11-${String(day).padStart(2, "0")}`, 5.088);
    costs.set("2026-12-01", 1);
    row!.realised = realisedFrom(row!, window, costs, "EUR", now);
    expect(row!.realised).toMatchObject({ days: 12, before: 61.06, after: 1, saving: 60.06 });
    const december = monthToDateOf([row!], now);
    // December's two after-days (1st, 2nd) against their paired before-days.
    expect(december).toMatchObject({ currency: "EUR", realised: 9.18 });
    expect(december?.estimated).toBeCloseTo((154.76 / 730) * 60, 2);
  });
});

describe("the report's pages", () => {
  it("show the trail's figures, charts as SVG, escape what they quote, and run no script", async () => {
    const now = new Date("2026-11-28T12:00:00Z");
    const model = reportModel({ records, ledger: deriveRows(records, "EUR", now), now, currency: "EUR" });
    // The deallocated VM's finding is remedied; the other stays open.
    expect(model.compliance.open.map((open) => open.record.id)).toEqual(["f2"]);
    expect(model.compliance.now).toEqual({ "stop-idle-nonprod-vms": { test: 1 } });
    expect(model.offenders.byOwner).toEqual([{ name: "anna@nordwind.example", findings: 1, estimatedMonthly: 77.38 }]);
    expect(model.compliance.trend.find((point) => point.day === "2026-11-20")?.total).toBe(1);
    const pages = await reportPages(model, staticLinks);
    expect([...pages.keys()]).toEqual([
      "index.html",
      "compliance.html",
      "savings.html",
      "offenders.html",
      "backup.html",
      "drills.html",
      "approvals.html",
    ]);
    for (const html of pages.values()) {
      expect(html).not.toMatch(/<script/i);
      expect(html).toContain('href="savings.html"');
    }
    const compliance = pages.get("compliance.html")!;
    expect(compliance.match(/<svg /g)?.length).toBe(3);
    expect(compliance).toContain("vm-&lt;b&gt;test&amp;x");
    expect(pages.get("savings.html")).toContain("154.76 EUR");
    expect(pages.get("approvals.html")).toContain("<b>maria@nordwind.example</b>");
    const routed = await reportPages(model, routeLinks);
    expect(routed.get("index.html")).toContain('href="/api/report/savings"');
  });
});
