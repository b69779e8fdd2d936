/**
 * The digest of a deployment governing two of the three subscriptions of mg-nordwind, through the
 * real doors: the Governor baseline assigned at DoNotEnforce in every subscription (as the
 * management-group template assigns it), the daily timer fired by the local host at 07:00 in
 * Brussels. The digest counts both governed subscriptions' non-compliant resources (each read with
 * one summarize request and recorded as its own snapshot), not the third's, and names the third as
 * not governed yet. The second subscription's scope has a digest of its own, to its team, at 07:00
 * in its time zone (London): its findings and nobody else's.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_POLICIES } from "../../cli/planCommand.ts";
import { sampleEstates } from "../../emulator/estate/sample.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { policyCompliance } from "../../shared/azurePolicy/compliance.ts";
import { COMPLIANCE_TABLE, ComplianceSnapshots } from "../../shared/azurePolicy/snapshots.ts";
import { deployExport } from "../support/azurePolicy.ts";
import { ORCHESTRATIONS } from "../../orchestrations/names.ts";
import type { SweepInput } from "../../orchestrations/sweep.ts";
import { type NotificationsHarness, startNotificationsHarness } from "../support/notifications.ts";

const sample = sampleEstates(3);
const [second, third] = sample.subscriptions.map((other) => other.subscriptionId) as [string, string];
const subscriptions = [sample.subscriptionId, second];
const TEAM = "team-s2@nordwind.example";
let h: NotificationsHarness;

beforeAll(async () => {
  // The pack, with the second subscription's scope: its own time zone and its team's digest.
  const policyFile = join(mkdtempSync(join(tmpdir(), "governor-digest-across-")), "policies.yaml");
  writeFileSync(
    policyFile,
    `${readFileSync(DEFAULT_POLICIES, "utf8")}\nscopes:\n  - name: nordwind-s2\n    match: { subscription: ${second} }\n    settings: { timeZone: Europe/London }\n    digest: { to: [${TEAM}] }\n`,
  );
  h = await startNotificationsHarness("GovernorComplianceAcross", {
    sample,
    policyFile,
    // Decide and record, change nothing: the sweep below leaves its findings open.
    settings: { GOVERNOR_SUBSCRIPTION_IDS: second, GOVERNOR_MANAGEMENT_GROUP: "mg-nordwind", GOVERNOR_DRY_RUN: "true" },
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

  it("sends a scope's own digest to its team at 07:00 in its time zone, of its subscription alone; the platform's holds both", async () => {
    // After both of yesterday's digests (Brussels' at 06:00 UTC, London's at 07:00): today's are the first to see the sweep.
    await h.clockTo("2026-11-24T08:00:00Z");
    const input: SweepInput = { policy: "required-tags", scope: "digest-across", trigger: { type: "cli" }, autoApprove: true };
    await h.app.runtime.startNew(ORCHESTRATIONS.sweep, { instanceId: "sweep:required-tags:digest-across", input });
    await h.app.runtime.whenIdle();

    // 07:00 in Brussels is 06:00 in London: the platform's digest goes, the team's waits.
    await h.clockTo("2026-11-25T06:00:00Z");
    const platform = (await h.emails()).find((email) => email.subject === "Governor: Daily digest, 2026-11-25");
    expect(platform?.to).not.toContain(TEAM);
    const tagsLine = (id: string) => new RegExp(`required-tags \\(remediate\\) in subscription ${id}: \\d+`);
    expect(platform?.plainText).toMatch(tagsLine(sample.subscriptionId.toLowerCase()));
    expect(platform?.plainText).toMatch(tagsLine(second.toLowerCase()));
    const teamDigest = async () =>
      (await h.emails()).find((email) => email.subject === "Governor: Daily digest of nordwind-s2, 2026-11-25");
    expect(await teamDigest()).toBeUndefined();

    const posts = h.teams.posts.length;
    await h.clockTo("2026-11-25T07:00:00Z");
    const team = await teamDigest();
    // By email to the team alone: the platform's Teams channel is not the team's.
    expect(h.teams.posts.length).toBe(posts);
    expect(team?.to).toEqual([TEAM]);
    expect(team?.plainText).toMatch(tagsLine(second.toLowerCase()));
    expect(team?.plainText).not.toContain(sample.subscriptionId.toLowerCase());
    // The budget, the savings and Azure Policy's compliance are the platform's digest's.
    expect(team?.plainText).not.toContain("Azure Policy");
    expect(team?.plainText).not.toContain("Savings this month");

    // Once a local date: the next wake-ups send it no more.
    await h.clockTo("2026-11-25T07:30:00Z");
    expect((await h.emails()).filter((email) => email.subject === team?.subject)).toHaveLength(1);
  }, 120_000);
});
