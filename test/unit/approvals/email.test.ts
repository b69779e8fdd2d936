/** The approval email and page: the plan readable in HTML and plain text, and nothing from a plan interpreted as markup. */
import { describe, expect, it } from "vitest";
import { approvalEmail } from "../../../shared/approvals/email.ts";
import { approvalPage } from "../../../shared/approvals/page.ts";
import { approvalCard } from "../../../shared/approvals/card.ts";
import type { ApprovalRequest } from "../../../shared/approvals/request.ts";
import { cardText } from "../../support/adaptiveCards.ts";

const REQUEST: ApprovalRequest = {
  plan: {
    policy: "stop-idle-nonprod-vms",
    action: "deallocate",
    currency: "EUR",
    resources: [
      {
        resourceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-<script>",
        resourceName: 'vm-<script>alert("x")</script>',
        reason: "CPU average 1.8% over 72h < 5%",
        estimatedMonthlySavings: 410,
        state: { exists: true, powerState: "running", location: "westeurope" },
      },
    ],
  },
  link: "https://governor.example/api/approvals/a?token=t.s",
  expiresAt: "2026-11-23T19:00:00.000Z",
  approvers: ["platform-team"],
  escalated: true,
};

describe("the approval email", () => {
  it("says what, why, what it saves and by when, in HTML and plain text, with the page's link", () => {
    const email = approvalEmail(REQUEST);
    expect(email.subject).toBe("[Escalated] Governor approval: Deallocate 1 resource (stop-idle-nonprod-vms): saves about 410 EUR a month");
    expect(email.plainText).toContain("CPU average 1.8% over 72h < 5%");
    expect(email.plainText).toContain("Decide by Mon 23 Nov 2026, 19:00 UTC");
    expect(email.plainText).toContain(`Open the approval page to decide: ${REQUEST.link}`);
    expect(email.html).toContain(`href="${REQUEST.link}&amp;intent=approve"`);
  });

  it("escapes names from the plan in the email and on the page", () => {
    const html = approvalEmail(REQUEST).html;
    const page = approvalPage({ request: REQUEST, action: "/api/approvals/a", token: "t.s", today: "2026-11-23" });
    for (const text of [html, page]) {
      expect(text).not.toContain("<script>");
      expect(text).toContain("vm-&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    }
  });

  it("the page posts the decision with the token and offers approve, reject, snooze and exempt", () => {
    const page = approvalPage({ request: REQUEST, action: "/api/approvals/a", token: "t.s", today: "2026-11-23", intent: "reject" });
    expect(page).toContain('<form method="post" action="/api/approvals/a">');
    expect(page).toContain('<input type="hidden" name="token" value="t.s">');
    for (const decision of ["approve", "reject", "snooze", "exempt"]) expect(page).toContain(`name="decision" value="${decision}"`);
    expect(page).toContain('value="reject" class="intent" autofocus');
    expect(page).toContain('max="2027-02-21"');
  });
});

describe("an approval of a deployment that governs several subscriptions", () => {
  const vm = (subscription: string, name: string) => ({
    resourceId: `/subscriptions/${subscription}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/${name}`,
    resourceName: name,
    reason: "idle",
    estimatedMonthlySavings: 50,
    state: { exists: true, powerState: "running" },
  });
  const plan = { ...REQUEST.plan, resources: [vm("0b7e3c9a-aaaa", "vm-a"), vm("6f1c5a2e-bbbb", "vm-b")] };
  const several: ApprovalRequest = { ...REQUEST, plan, nameSubscriptions: true };

  it("names each resource's subscription in the card, the email and the page", () => {
    const email = approvalEmail(several);
    const page = approvalPage({ request: several, action: "/api/approvals/a", token: "t.s", today: "2026-11-23" });
    const card = cardText(approvalCard(several));
    expect(email.plainText).toContain("- vm-a (running, subscription 0b7e3c9a-aaaa): idle");
    expect(email.plainText).toContain("- vm-b (running, subscription 6f1c5a2e-bbbb): idle");
    for (const text of [email.html, page, card]) {
      expect(text).toContain("subscription 0b7e3c9a-aaaa");
      expect(text).toContain("subscription 6f1c5a2e-bbbb");
    }
  });

  it("names none when one subscription is governed", () => {
    const one: ApprovalRequest = { ...several, nameSubscriptions: false };
    const page = approvalPage({ request: one, action: "/api/approvals/a", token: "t.s", today: "2026-11-23" });
    for (const text of [approvalEmail(one).plainText, approvalEmail(one).html, page, cardText(approvalCard(one))])
      // The page's checkboxes carry the ids (`/subscriptions/...`): no line names one.
      expect(text).not.toMatch(/subscription [0-9a-f]/);
  });
});
