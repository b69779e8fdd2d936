/**
 * The Teams card, checked by the Adaptive Cards library's own parser against the version the
 * card declares (Teams renders up to 1.5): no unknown element, action or property (the parser
 * drops what it does not know, so the card must survive a parse and serialise unchanged), no
 * feature beyond the declared version. The same check is shown to catch each kind of mistake.
 */
import { describe, expect, it } from "vitest";
import { approvalCard, CARD_MAX_ROWS, teamsMessage } from "../../../shared/approvals/card.ts";
import type { ApprovalRequest } from "../../../shared/approvals/request.ts";
import { cardProblems as parserProblems } from "../../support/adaptiveCards.ts";

const VM = (index: number) => `/subscriptions/s/resourceGroups/rg-odoo-dev/providers/Microsoft.Compute/virtualMachines/vm-dev-${index}`;
const request = (count: number): ApprovalRequest => ({
  plan: {
    policy: "stop-idle-nonprod-vms",
    action: "deallocate",
    currency: "EUR",
    resources: Array.from({ length: count }, (_, index) => ({
      resourceId: VM(index),
      resourceName: `vm-dev-${index}`,
      reason: "environment=dev; CPU average 1.8% over 72h < 5%",
      estimatedMonthlySavings: 68.3,
      state: { exists: true, powerState: "running", sku: "Standard_D4s_v5", location: "westeurope", environment: "dev" },
    })),
  },
  link: "https://governor.example/api/approvals/remediate%3Astop-idle-nonprod-vms%3Ax%3Aapproval?token=abc.def",
  expiresAt: "2026-11-24T03:00:00.000Z",
  approvers: ["platform-team"],
  escalated: false,
});

describe("the approval card", () => {
  it("parses under Adaptive Cards 1.5 with nothing unknown and nothing beyond its version", () => {
    const card = approvalCard(request(6));
    expect(card.version).toBe("1.5");
    expect(parserProblems(card)).toEqual([]);
    expect(parserProblems(approvalCard({ ...request(1), escalated: true }))).toEqual([]);
  });

  it("the same check catches an unknown element, an unknown action, an unknown property and a 1.6 declaration", () => {
    const card = approvalCard(request(1));
    const body = card.body as unknown[];
    expect(parserProblems({ ...card, body: [...body, { type: "Carousel2" }] })).toEqual(
      expect.arrayContaining([expect.stringMatching(/Unknown element type "Carousel2"/)]),
    );
    expect(parserProblems({ ...card, actions: [{ type: "Action.Approve", title: "x" }] })).toEqual(
      expect.arrayContaining([expect.stringMatching(/Unknown action type/)]),
    );
    expect(parserProblems({ ...card, body: [{ type: "TextBlock", text: "x", colour: "red" }] })).toEqual([
      "properties the parser does not know were dropped",
    ]);
    expect(parserProblems({ ...card, version: "1.2" })).toEqual(
      expect.arrayContaining([expect.stringMatching(/supported in version 1.5, but you are using version 1.2/)]),
    );
    expect(parserProblems({ ...card, version: "1.6" })).toEqual(expect.arrayContaining(["declares 1.6: Teams renders up to 1.5"]));
  });

  it("opens the approval page for every button (Workflows post without a bot) and never decides from Teams", () => {
    const card = approvalCard(request(2));
    const actions = card.actions as Array<{ type: string; url: string }>;
    expect(actions.map((action) => action.type)).toEqual(["Action.OpenUrl", "Action.OpenUrl", "Action.OpenUrl", "Action.OpenUrl"]);
    for (const action of actions) expect(action.url.startsWith(request(2).link)).toBe(true);
  });

  it("lists at most 15 resources of a 40-VM sweep and points to the page for the rest", () => {
    const card = approvalCard(request(40));
    const text = JSON.stringify(card);
    expect(text).toContain(`vm-dev-${CARD_MAX_ROWS - 1}"`);
    expect(text).not.toContain(`vm-dev-${CARD_MAX_ROWS}"`);
    expect(text).toContain("and 25 more on the approval page");
    expect(parserProblems(card)).toEqual([]);
  });

  it("travels in the envelope a Teams Workflows webhook takes", () => {
    const card = approvalCard(request(1));
    expect(teamsMessage(card)).toEqual({
      type: "message",
      attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card }],
    });
  });
});
