/**
 * The digest of a deployment governing two of the three subscriptions of mg-nordwind, through the
 * real doors: the Governor baseline assigned at DoNotEnforce in every subscription (as the
 * management-group template assigns it), the daily timer fired by the local host at 07:00 in
 * Brussels. The digest counts both governed subscriptions' non-compliant resources (each read with
 * one summarize request and recorded as its own snapshot), not the third's, and names the third as
 * not governed yet.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_POLICIES } from "../../cli/planCommand.ts";
import { sampleEstates } from "../../emulator/estate/sample.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { policyCompliance } from "../../shared/azurePolicy/compliance.ts";
import { COMPLIANCE_TABLE, ComplianceSnapshots } from "../../shared/azurePolicy/snapshots.ts";
import { deployExport } from "../support/azurePolicy.ts";
import { type NotificationsHarness, startNotificationsHarness } from "../support/notifications.ts";

const sample = sampleEstates(3);
const [second, third] = sample.subscriptions.map((other) => other.subscriptionId) as [string, string];
const subscriptions = [sample.subscriptionId, second];
let h: NotificationsHarness;

beforeAll(async () => {
  h = await startNotificationsHarness("GovernorComplianceAcross", {
    sample,
    settings: { GOVERNOR_SUBSCRIPTION_IDS: second, GOVERNOR_MANAGEMENT_GROUP: "mg-nordwind" },
  });
  for (const subscriptionId of [...subscriptions, third])
    await deployExport(h.app.emulator, subscriptionId, readFileSync(DEFAULT_POLICIES, "utf8"), "DoNotEnforce");
}, 120_000);
afterAll(async () => h?.close());

describe("the digest of several governed subscriptions", () => {
  it("counts every governed subscription's non-compliant resources, each read and recorded on its own, and names the group's subscription not governed yet", async () => {
    const each = await Promise.all(subscriptions.map((id) => policyCompliance(emulatorTarget(h.app.emulator, id), { governorOnly: true })));
    const counts = each.map((compliance) => compliance.nonCompliantResources);
    expect(counts.every((count) => count > 0)).toBe(true);
    const total = counts.reduce((sum, count) => sum + count, 0);

    const summaries = h.app.emulator.core.log.mark;
    await h.clockTo("2026-11-24T06:00:00Z");
    const digest = (await h.emails()).find((email) => email.subject === "Governor: Daily digest, 2026-11-24")?.plainText ?? "";
    expect(digest).toContain("Azure Policy: the Governor baseline");
    expect(digest).toContain(`- ${total} non-compliant resources\n`);
    expect(h.app.emulator.core.log.entries({ since: summaries, route: "policyStates.summarize" })).toHaveLength(2);
    expect(digest).toContain("Not governed yet (management group mg-nordwind)");
    expect(digest).toMatch(new RegExp(`subscription ${third} \\(.+\\): events not wired yet, neither planned nor changed`));
    expect(digest).not.toContain(`subscription ${second} (`);

    const snapshots = ComplianceSnapshots.fromConnectionString(h.app.azurite.connectionString, COMPLIANCE_TABLE);
    for (const [index, id] of subscriptions.entries()) {
      const recorded = await snapshots.since(id, "2026-11-24");
      expect(recorded.map((snapshot) => snapshot.assignment.nonCompliantResources)).toEqual([counts[index]]);
    }
  }, 120_000);
});
