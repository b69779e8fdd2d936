/**
 * Owners' notices of `notify` findings through the real doors: a policy's sweep on the local
 * runtime records what it found, the daily timer (fired by the local host in UTC) sends one email
 * per owner per day through the emulated Communication Services, and reminds only after the
 * policy's `remindAfter`. A resource whose owner tag is not an address is the platform team's.
 */
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleEstate } from "../../emulator/estate/sample.ts";
import type { SweepInput } from "../../orchestrations/sweep.ts";
import { sweepInstanceId } from "../../orchestrations/names.ts";
import { type NotificationsHarness, startNotificationsHarness } from "../support/notifications.ts";

const OWNER = "lea@nordwind.example";
const POLICY = `version: 1
settings:
  timeZone: Europe/Brussels
  currency: EUR
policies:
  - name: cost-center-missing
    description: Resources carry a cost-center tag, so finance can charge them.
    resource: any
    when:
      - { tag: project, equals: notify-test }
      - { tag: cost-center, present: false }
    action: { type: notify, to: [owner], remindAfter: 7d }
    schedule: "0 0 6 * * *"
`;

let h: NotificationsHarness;
beforeAll(async () => {
  const sample = sampleEstate();
  sample.estate.resourceGroups.push({ name: "rg-notify", location: "westeurope", tags: {} });
  for (let index = 1; index <= 30; index += 1)
    sample.estate.resources.push({
      type: "Microsoft.Compute/disks",
      resourceGroup: "rg-notify",
      name: `disk-scratch-${String(index).padStart(2, "0")}`,
      body: {
        location: "westeurope",
        tags: { project: "notify-test", owner: OWNER },
        sku: { name: "Standard_LRS" },
        properties: { creationData: { createOption: "Empty" }, diskSizeGB: 32, timeCreated: "2026-10-01T00:00:00Z" },
      },
    });
  sample.estate.resources.push({
    type: "Microsoft.Compute/disks",
    resourceGroup: "rg-notify",
    name: "disk-erp-export",
    body: {
      location: "westeurope",
      tags: { project: "notify-test", owner: "team-erp" },
      sku: { name: "Standard_LRS" },
      properties: { creationData: { createOption: "Empty" }, diskSizeGB: 32, timeCreated: "2026-10-01T00:00:00Z" },
    },
  });
  const policyFile = join(mkdtempSync(join(tmpdir(), "governor-owners-")), "owners.yaml");
  writeFileSync(policyFile, POLICY);
  h = await startNotificationsHarness("GovernorOwnerNotices", { sample, policyFile });
}, 120_000);
afterAll(async () => h?.close());

/** The policy's 06:00 sweep of a day (05:00 UTC in winter), run on the local runtime as the sweeps timer would start it. */
async function sweep(day: string): Promise<void> {
  const slot = new Date(`${day}T05:00:00.000Z`);
  await h.clockTo(slot);
  const instanceId = sweepInstanceId("cost-center-missing", slot);
  const input: SweepInput = { policy: "cost-center-missing", scope: slot.toISOString(), trigger: { type: "timer", id: instanceId } };
  await h.app.runtime.startNew("sweep", { instanceId, input });
  const status = await h.app.runtime.waitForCompletion(instanceId, { timeoutMs: 20_000 });
  expect(status.runtimeStatus, JSON.stringify(status.output)).toBe("Completed");
}

/** The emails of the morning: the daily timer's wake-ups from 06:00 to 07:30 UTC. */
async function morning(day: string) {
  const before = (await h.emails()).length;
  for (const time of ["06:00", "06:15", "06:30", "07:00", "07:30"]) await h.clockTo(`${day}T${time}:00.000Z`);
  return (await h.emails()).slice(before).filter((email) => !email.subject.startsWith("Governor: Daily digest"));
}

describe("owners' notices", () => {
  it("an owner with 30 untagged resources gets one email listing them all; a non-address owner tag goes to the platform team", async () => {
    await sweep("2026-11-24");
    const sent = await morning("2026-11-24");
    const toOwner = sent.filter((email) => email.to.includes(OWNER));
    expect(toOwner).toHaveLength(1);
    expect(toOwner[0]?.subject).toBe("Governor: 30 findings about resources you own");
    for (let index = 1; index <= 30; index += 1)
      expect(toOwner[0]?.plainText).toContain(`- disk-scratch-${String(index).padStart(2, "0")} (rg-notify): `);
    expect(toOwner[0]?.plainText).toContain("no cost-center tag");
    expect(toOwner[0]?.plainText).not.toContain("disk-erp-export");

    const toPlatform = sent.filter((email) => email.to.includes("platform@nordwind.example"));
    expect(toPlatform).toHaveLength(1);
    expect(toPlatform[0]?.plainText).toMatch(/- disk-erp-export \(rg-notify\): .*; owner tag "team-erp" is not an email address/);
    expect(sent).toHaveLength(2);
    // Owners' notices are personal: nothing of them in the team's channel.
    expect(JSON.stringify(h.teams.posts)).not.toContain("disk-scratch-01");
  }, 30_000);

  it("is not sent again while the findings stay the same, and again once remindAfter (7 days) has passed", async () => {
    for (const day of ["2026-11-25", "2026-11-26"]) {
      await sweep(day);
      expect(await morning(day)).toEqual([]);
    }
    // One resource is fixed meanwhile: resolved findings are never reminded.
    const fixed = h.app.emulator.core.store
      .list({ resourceGroup: "rg-notify" })
      .find((resource) => resource.arm.name === "disk-scratch-30");
    if (!fixed) throw new Error("disk-scratch-30 is not in the estate");
    fixed.arm.tags = { ...fixed.arm.tags, "cost-center": "CC-4711" };
    await sweep("2026-11-30");
    expect(await morning("2026-11-30")).toEqual([]);
    await sweep("2026-12-01");
    const reminders = await morning("2026-12-01");
    const toOwner = reminders.filter((email) => email.to.includes(OWNER));
    expect(toOwner).toHaveLength(1);
    expect(toOwner[0]?.subject).toBe("Governor: 29 findings about resources you own");
    expect(toOwner[0]?.plainText).toContain("- disk-scratch-01 (rg-notify): ");
    expect(toOwner[0]?.plainText).toContain("(reminder)");
    expect(toOwner[0]?.plainText).not.toContain("disk-scratch-30");
  }, 30_000);
});
