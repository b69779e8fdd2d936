/**
 * A notification as data, and its two renderings: an Adaptive Card 1.5 for the Teams channel and
 * an email (HTML and plain text). Every kind of message (the digest, owners' notices, budget
 * notices, alerts) is built as a `Notification` and rendered here, so they all look alike and
 * all pass the same card check.
 */
import { escapeHtml } from "../approvals/html.ts";
import type { EmailContent } from "./channels.ts";

export type Line = string | { text: string; url: string };

const textOf = (line: Line): string => (typeof line === "string" ? line : line.text);

export type NotificationKind = "digest" | "owner-notice" | "budget-notice" | "alert";

/** Who reads it: the platform team (Teams and GOVERNOR_EMAIL_TO), the escalation recipients (Teams and GOVERNOR_EMAIL_ESCALATION_TO), or one address (email only). */
export type Audience =
  | { type: "platform" }
  | { type: "escalation" }
  | { type: "address"; address: string }
  /** A scope's own team (`scopes: … digest: { to }`): by email, never to the platform's Teams channel. */
  | { type: "team"; scope: string; addresses: string[] };

export interface Notification {
  /** Idempotency key: a message with the same id is sent once per channel, whoever asks again. */
  id: string;
  kind: NotificationKind;
  audience: Audience;
  title: string;
  /** One line under the title; an empty day's digest says everything in it. */
  summary: string;
  /** `attention` marks alerts: the card's title is shown in the attention colour. */
  severity?: "default" | "attention";
  facts?: Array<{ title: string; value: string }>;
  /** A line is text, or text with a link (a pending approval's page). */
  sections?: Array<{ heading: string; lines: Line[] }>;
  links?: Array<{ title: string; url: string }>;
}

/** Lines shown per section on the card (Teams limits a card to about 28 KB); the email lists them all. */
export const CARD_MAX_LINES = 20;
const CARD_MAX_ACTIONS = 6;

export type NotificationCard = Record<string, unknown> & { type: "AdaptiveCard"; version: string };

const KIND_LABEL: Record<NotificationKind, string> = {
  digest: "Governor daily digest",
  "owner-notice": "Governor: your resources",
  "budget-notice": "Governor budget notice",
  alert: "Governor alert",
};

/** A link's text in markdown: square brackets would end it early. */
function linkText(text: string): string {
  return text.replace(/\[/g, "(").replace(/\]/g, ")");
}

export function notificationCard(message: Notification): NotificationCard {
  const sections = (message.sections ?? []).flatMap((section) => {
    const shown = section.lines.slice(0, CARD_MAX_LINES);
    const more = section.lines.length - shown.length;
    return [
      { type: "TextBlock", text: section.heading, weight: "Bolder", wrap: true, separator: true, spacing: "Medium" },
      ...(shown.length > 0
        ? [
            {
              type: "TextBlock",
              text: shown.map((line) => `- ${typeof line === "string" ? line : `[${linkText(line.text)}](${line.url})`}`).join("\n"),
              wrap: true,
              spacing: "Small",
            },
          ]
        : []),
      ...(more > 0 ? [{ type: "TextBlock", text: `and ${more} more (in the email and the report)`, isSubtle: true, wrap: true }] : []),
    ];
  });
  const card: NotificationCard = {
    type: "AdaptiveCard",
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    version: "1.5",
    body: [
      { type: "TextBlock", text: KIND_LABEL[message.kind], isSubtle: true, wrap: true },
      {
        type: "TextBlock",
        text: message.title,
        style: "heading",
        size: "Medium",
        weight: "Bolder",
        wrap: true,
        ...(message.severity === "attention" ? { color: "Attention" } : {}),
      },
      { type: "TextBlock", text: message.summary, wrap: true },
      ...(message.facts && message.facts.length > 0 ? [{ type: "FactSet", facts: message.facts }] : []),
      ...sections,
    ],
  };
  const links = (message.links ?? []).slice(0, CARD_MAX_ACTIONS);
  if (links.length > 0) card.actions = links.map((link) => ({ type: "Action.OpenUrl", title: link.title, url: link.url }));
  return card;
}

export function notificationEmail(message: Notification): EmailContent {
  const subject = `${message.severity === "attention" ? "[Alert] " : ""}Governor: ${message.title}`;
  const facts = message.facts ?? [];
  const sections = message.sections ?? [];
  const links = message.links ?? [];
  const html = `<!doctype html><html><body style="font-family:Segoe UI,Arial,sans-serif">
<p style="color:#666">${escapeHtml(KIND_LABEL[message.kind])}</p>
<h2 style="font-size:18px${message.severity === "attention" ? ";color:#b00020" : ""}">${escapeHtml(message.title)}</h2>
<p>${escapeHtml(message.summary)}</p>
${facts.length > 0 ? `<table style="border-collapse:collapse">${facts.map((fact) => `<tr><td style="padding:2px 8px"><b>${escapeHtml(fact.title)}</b></td><td style="padding:2px 8px">${escapeHtml(fact.value)}</td></tr>`).join("")}</table>` : ""}
${sections.map((section) => `<h3 style="font-size:15px">${escapeHtml(section.heading)}</h3>${section.lines.length > 0 ? `<ul>${section.lines.map((line) => `<li>${typeof line === "string" ? escapeHtml(line) : `<a href="${escapeHtml(line.url)}">${escapeHtml(line.text)}</a>`}</li>`).join("")}</ul>` : ""}`).join("\n")}
${links.length > 0 ? `<p>${links.map((link) => `<a href="${escapeHtml(link.url)}">${escapeHtml(link.title)}</a>`).join(" &middot; ")}</p>` : ""}
</body></html>`;
  const plainText = [
    message.title,
    "",
    message.summary,
    ...(facts.length > 0 ? ["", ...facts.map((fact) => `${fact.title}: ${fact.value}`)] : []),
    ...sections.flatMap((section) => [
      "",
      section.heading,
      ...section.lines.map((line) => (typeof line === "string" ? `- ${line}` : `- ${textOf(line)}: ${line.url}`)),
    ]),
    ...(links.length > 0 ? ["", ...links.map((link) => `${link.title}: ${link.url}`)] : []),
  ].join("\n");
  return { subject, html, plainText };
}
