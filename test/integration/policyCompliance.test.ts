/**
 * Azure Policy compliance in the digest and the report, through the real doors: the Governor
 * baseline assigned at DoNotEnforce in the emulator (as the template assigns it), a VM created in a
 * disallowed region, the daily timer fired by the local host at 07:00 in Brussels on two days (one
 * Policy Insights summary each, recorded as the day's snapshot on Azurite), then `GET
 * /api/report/compliance` showing today's counts and the two-day trend; and an outage of Policy
 * Insights shown as "Azure Policy compliance unavailable: <code>" in both, which still go out.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { VirtualMachine } from "@azure/arm-compute";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_POLICIES } from "../../cli/planCommand.ts";
import { loadEntries } from "../../local/entries.ts";
import { type LocalHost, startLocalHost } from "../../local/host.ts";
import { computeClient } from "../../shared/azure/clients.ts";
import { emulatorTarget, type AzureTarget } from "../../shared/azure/target.ts";
import { policyCompliance } from "../../shared/azurePolicy/compliance.ts";
import { COMPLIANCE_TABLE, ComplianceSnapshots } from "../../shared/azurePolicy/snapshots.ts";
import { deployExport } from "../support/azurePolicy.ts";
import { type NotificationsHarness, startNotificationsHarness } from "../support/notifications.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const RG = "rg-odoo-test";
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

let h: NotificationsHarness;
let report: LocalHost;
let target: AzureTarget;

beforeAll(async () => {
  h = await startNotificationsHarness("GovernorPolicyCompliance");
  target = emulatorTarget(h.app.emulator, h.app.sample.subscriptionId);
  await deployExport(h.app.emulator, h.app.sample.subscriptionId, readFileSync(DEFAULT_POLICIES, "utf8"), "DoNotEnforce");
  report = await startLocalHost({
    registrations: await loadEntries([join(ROOT, "functions/report.ts")]),
    runtime: h.app.runtime,
    taskHub: "GovernorPolicyCompliance",
    functionKey: "unused",
    clock: h.app.clock,
    timeZone: "UTC",
    port: 0,
    logger: quiet,
    authentication: () => ({ name: "auditor@nordwind.example", roles: [] }),
  });
}, 120_000);
afterAll(async () => {
  await report?.close();
  await h?.close();
});

function vm(name: string, location: string): VirtualMachine {
  return {
    location,
    tags: { environment: "test", owner: "ops@nordwind.example", "cost-center": "CC-2000", application: "odoo" },
    hardwareProfile: { vmSize: "Standard_D2s_v5" },
    storageProfile: {
      imageReference: { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" },
      osDisk: { createOption: "FromImage", managedDisk: { storageAccountType: "Premium_LRS" } },
    },
    osProfile: { computerName: name, adminUsername: "odoo", adminPassword: "S3cret-never-returned!" },
    networkProfile: {
      networkInterfaces: [
        {
          id: `/subscriptions/${h.app.sample.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/networkInterfaces/nic-${name}`,
        },
      ],
    },
  };
}

const digestOf = async (date: string) =>
  (await h.emails()).find((email) => email.subject === `Governor: Daily digest, ${date}`)?.plainText ?? "";
const regionsOf = async () =>
  (await policyCompliance(target, { governorOnly: true })).assignments[0]?.references.find(
    (reference) => reference.referenceId === "allowed-regions",
  )?.nonCompliantResources;
const reportPage = async (page: string) => {
  const response = await fetch(page === "" ? `${report.url}/api/report` : `${report.url}/api/report/${page}`);
  expect(response.status).toBe(200);
  return response.text();
};

describe("Azure Policy compliance in the digest and the report", () => {
  it("the digest shows the baseline's non-compliant counts, and the next day's the change since yesterday; the report the two-day trend", async () => {
    // Day 1, 07:00 in Brussels: the baseline as the sample estate is (an M-series VM in East US among others).
    const day1 = await regionsOf();
    const day1Total = (await policyCompliance(target, { governorOnly: true })).nonCompliantResources;
    expect(day1).toBeGreaterThan(0);
    const summaries = h.app.emulator.core.log.mark;
    await h.clockTo("2026-11-24T06:00:00Z");
    const digest1 = await digestOf("2026-11-24");
    expect(digest1).toContain("Azure Policy: the Governor baseline");
    expect(digest1).toContain(`- ${day1Total} non-compliant resource${day1Total === 1 ? "" : "s"}\n`);
    expect(digest1).toContain(`- allowed-regions (Allowed locations, audit): ${day1} non-compliant\n`);
    // A digest's compliance read is one summarize request.
    expect(h.app.emulator.core.log.entries({ since: summaries, route: "policyStates.summarize" })).toHaveLength(1);

    // A VM in East US, created although the baseline disallows the region: DoNotEnforce reports, never denies.
    const compute = await computeClient(target);
    const created = await compute.virtualMachines.beginCreateOrUpdateAndWait(RG, "vm-test-eastus-02", vm("vm-test-eastus-02", "eastus"), {
      updateIntervalInMs: 10,
    });
    expect(created.provisioningState).toBe("Succeeded");
    const day2 = await regionsOf();
    const day2Total = (await policyCompliance(target, { governorOnly: true })).nonCompliantResources;
    expect(day2).toBeGreaterThan(day1 as number);

    await h.clockTo("2026-11-25T06:00:00Z");
    const digest2 = await digestOf("2026-11-25");
    const change = (count: number) => (count === 0 ? "no change" : count > 0 ? `+${count}` : String(count));
    expect(digest2).toContain(`- ${day2Total} non-compliant resources, ${change(day2Total - day1Total)} since 2026-11-24\n`);
    expect(digest2).toContain(
      `- allowed-regions (Allowed locations, audit): ${day2} non-compliant, +${(day2 as number) - (day1 as number)} since 2026-11-24\n`,
    );

    // One snapshot per day on the app's storage.
    const snapshots = ComplianceSnapshots.fromConnectionString(h.app.azurite.connectionString, COMPLIANCE_TABLE);
    expect(
      (await snapshots.since(h.app.sample.subscriptionId, "2026-11-01")).map((snapshot) => [
        snapshot.day,
        snapshot.assignment.nonCompliantResources,
      ]),
    ).toEqual([
      ["2026-11-24", day1Total],
      ["2026-11-25", day2Total],
    ]);

    // The report: today's count on the overview, the references and the trend of both days on the compliance page.
    const overview = await reportPage("");
    expect(overview).toMatch(new RegExp(`data-figure="Azure Policy: non-compliant resources"><span>[^<]+</span><b>${day2Total}</b>`));
    const compliance = await reportPage("compliance");
    expect(compliance).toContain(`<b data-azure-policy-total>${day2Total}</b>`);
    expect(compliance).toMatch(
      new RegExp(
        `<span data-reference="allowed-regions">allowed-regions</span></td><td>Allowed locations</td><td>audit</td><td>security</td><td class="num">${day2}</td><td class="num">\\+${(day2 as number) - (day1 as number)}</td>`,
      ),
    );
    expect(compliance).toContain('data-chart="azure-policy-trend-30"');
    expect(compliance).toContain('data-chart="azure-policy-trend-90"');
    // The trend after two snapshots: two days, newest first, with the change between them.
    expect(
      [...compliance.matchAll(/data-snapshot-day="([\d-]+)">[^<]+<\/span><\/td><td class="num">(\d+)<\/td><td class="num">([^<]+)</g)].map(
        (match) => match.slice(1),
      ),
    ).toEqual([
      ["2026-11-25", String(day2Total), change(day2Total - day1Total)],
      ["2026-11-24", String(day1Total), "-"],
    ]);
    // The report's reading replaced today's snapshot; yesterday's is as the digest recorded it.
    expect((await snapshots.since(h.app.sample.subscriptionId, "2026-11-01")).map((snapshot) => snapshot.day)).toEqual([
      "2026-11-24",
      "2026-11-25",
    ]);
  }, 120_000);

  it("a Policy Insights outage shows as 'Azure Policy compliance unavailable: <code>' in the digest and the report, which still go out", async () => {
    h.app.emulator.core.faults.add({ route: "policyStates.summarize", rate5xx: 1, status5xx: 503 });
    try {
      await h.clockTo("2026-11-26T06:00:00Z");
      const digest = await digestOf("2026-11-26");
      expect(digest).toContain("Daily digest, 2026-11-26");
      expect(digest).toContain("- Azure Policy compliance unavailable: ServiceUnavailable\n");

      const compliance = await reportPage("compliance");
      expect(compliance).toContain("Azure Policy compliance unavailable: ServiceUnavailable");
      // The snapshots recorded before still draw the trend.
      expect(compliance).toContain('data-chart="azure-policy-trend-30"');
      expect(await reportPage("")).toContain("<b>unavailable: ServiceUnavailable</b>");
    } finally {
      h.app.emulator.core.faults.clear();
    }
  }, 120_000);
});
