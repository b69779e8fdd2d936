/**
 * A person approves in a real browser: headless Chromium (Debian's `chromium`, installed by
 * `npm test`'s pretest step when missing) opens the link from the Teams card, sees the plan, clicks Approve, and the workflow
 * completes with the VMs deallocated in the emulated subscription.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RemediateResult } from "../../orchestrations/remediate.ts";
import { launchChromium } from "../support/chromium.ts";
import { approvalStage, type ApprovalsHarness, linkFromTeams, startApprovalsHarness } from "../support/approvals.ts";

let h: ApprovalsHarness;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  h = await startApprovalsHarness("GovernorApprovalsBrowser");
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const power = (name: string): string | undefined =>
  h.app.emulator.core.store.list({ type: "Microsoft.Compute/virtualMachines" }).find((vm) => vm.arm.name === name)?.sim.powerState;

describe("the approval page in a browser", () => {
  it("opens from the card's link, shows the plan, and Approve completes the workflow", async () => {
    const instanceId = "remediate:stop-idle-nonprod-vms:browser";
    const approvalId = `${instanceId}:approval`;
    await h.app.runtime.startNew("remediate", { instanceId, input: h.idleVms });
    await approvalStage(h.app, approvalId, "awaiting-approval");
    const card = h.teams.posts.at(-1)?.body as { attachments: Array<{ content: { actions: Array<{ title: string; url: string }> } }> };
    const approveButton = card.attachments[0]?.content.actions.find((action) => action.title.startsWith("Approve"));
    expect(approveButton?.url.startsWith(linkFromTeams(h.teams, approvalId))).toBe(true);

    const page = await browser.newPage();
    await page.goto(approveButton?.url as string);
    await expect.poll(() => page.title()).toMatch(/^Deallocate 5 resources \(stop-idle-nonprod-vms\)/);
    for (const resource of h.idleVms.resources) expect(await page.getByText(resource.resourceName, { exact: true }).count()).toBe(1);
    // Opening the page decided nothing.
    expect((await h.app.runtime.getStatus(approvalId))?.customStatus).toMatchObject({ stage: "awaiting-approval" });

    await page.getByRole("button", { name: "Approve", exact: true }).click();
    await page.waitForURL(/\/api\/approvals\//);
    expect(await page.locator("h1").textContent()).toBe("Decision recorded");
    expect(await page.locator("p").textContent()).toContain("Decided by maria@nordwind.example");

    const status = await h.app.runtime.waitForCompletion(instanceId, { timeoutMs: 90_000 });
    expect(status.runtimeStatus).toBe("Completed");
    const result = status.output as RemediateResult;
    expect(result.approval).toMatchObject({ outcome: "approved", decidedBy: "maria@nordwind.example" });
    expect(result.counts.applied).toBe(5);
    for (const resource of h.idleVms.resources) expect(power(resource.resourceName)).toBe("deallocated");
    await page.close();
  }, 180_000);
});
