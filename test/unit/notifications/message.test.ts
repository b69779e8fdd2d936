/**
 * Every notification renders to a card the Adaptive Cards parser takes unchanged under 1.5, and to
 * an email holding the same lines; a long list is cut on the card, never in the email.
 */
import { describe, expect, it } from "vitest";
import { CARD_MAX_LINES, type Notification, notificationCard, notificationEmail } from "../../../shared/notifications/message.ts";
import { cardProblems, cardText } from "../../support/adaptiveCards.ts";

const message = (lines: number, overrides: Partial<Notification> = {}): Notification => ({
  id: "alert:test",
  kind: "alert",
  audience: { type: "escalation" },
  title: "Restore drill of psql-odoo-prod failed",
  summary: "2 checks failed: row-counts, accounting-balanced",
  severity: "attention",
  facts: [
    { title: "RTO", value: "41 min (objective 30 min): missed" },
    { title: "RPO", value: "4 min (objective 15 min)" },
  ],
  sections: [{ heading: "Checks", lines: Array.from({ length: lines }, (_, index) => `check-${index}: fail <b>${index}</b>`) }],
  links: [{ title: "Open the report", url: "https://governor.example/api/report" }],
  ...overrides,
});

describe("a notification", () => {
  it("renders to a card the parser takes unchanged under 1.5, attention colour and links included", () => {
    const card = notificationCard(message(3));
    expect(card.version).toBe("1.5");
    expect(cardProblems(card)).toEqual([]);
    expect(cardProblems(notificationCard(message(0, { severity: "default", facts: [], links: [], sections: [] })))).toEqual([]);
    expect(cardText(card)).toContain("RTO: 41 min (objective 30 min): missed");
    expect(cardText(card)).toContain("[Open the report](https://governor.example/api/report)");
  });

  it("the card check is not a formality: it catches a property the parser does not know", () => {
    const card = notificationCard(message(1));
    expect(cardProblems({ ...card, body: [...(card.body as unknown[]), { type: "TextBlock", text: "x", colour: "red" }] })).toEqual([
      "properties the parser does not know were dropped",
    ]);
  });

  it("cuts a long list on the card and says how many more; the email lists every line, escaped", () => {
    const long = message(CARD_MAX_LINES + 7);
    const text = cardText(notificationCard(long));
    expect(text).toContain(`check-${CARD_MAX_LINES - 1}:`);
    expect(text).not.toContain(`check-${CARD_MAX_LINES}:`);
    expect(text).toContain("and 7 more");
    const email = notificationEmail(long);
    expect(email.subject).toBe("[Alert] Governor: Restore drill of psql-odoo-prod failed");
    expect(email.plainText).toContain(`- check-${CARD_MAX_LINES + 6}: fail <b>${CARD_MAX_LINES + 6}</b>`);
    expect(email.html).toContain(`check-${CARD_MAX_LINES + 6}: fail &lt;b&gt;`);
    expect(email.html).not.toContain("<b>26</b>");
  });
});
