/**
 * The Adaptive Cards library's own parser as a check of a card Governor posts: no unknown element,
 * action or property (the parser drops what it does not know, so the card must survive a parse and
 * serialise unchanged), no feature beyond the declared version, nothing beyond 1.5 (what Teams renders).
 */
import { createRequire } from "node:module";
import type * as AdaptiveCards from "adaptivecards";

// The package's ESM build imports without file extensions; its UMD bundle loads under Node.
const AC = createRequire(import.meta.url)("adaptivecards/dist/adaptivecards.js") as typeof AdaptiveCards;

export function cardProblems(card: Record<string, unknown>): string[] {
  const declared = AC.Version.parse(String(card.version), new AC.SerializationContext());
  if (!declared?.isValid) return [`version ${String(card.version)} is not a version`];
  const problems: string[] = [];
  if (declared.major > 1 || (declared.major === 1 && declared.minor > 5))
    problems.push(`declares ${declared.toString()}: Teams renders up to 1.5`);
  const context = new AC.SerializationContext(declared);
  const parsed = new AC.AdaptiveCard();
  parsed.parse(card, context);
  for (let index = 0; index < context.eventCount; index += 1) problems.push(context.getEventAt(index).message);
  const roundTrip = parsed.toJSON(context) as Record<string, unknown>;
  if (JSON.stringify(sorted(roundTrip)) !== JSON.stringify(sorted(card))) problems.push("properties the parser does not know were dropped");
  return problems;
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, item]) => item !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, item]) => [name, sorted(item)]),
    );
  return value;
}

/** The card inside a Teams Workflows message as posted. */
export function cardOf(body: unknown): Record<string, unknown> {
  const card = (body as { attachments?: Array<{ content?: Record<string, unknown> }> }).attachments?.[0]?.content;
  if (!card) throw new Error("the post carries no Adaptive Card attachment");
  return card;
}

/** Every text a card shows, in order: what a person reads in the channel. */
export function cardText(card: Record<string, unknown>): string {
  const texts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== "object") return;
    const item = node as Record<string, unknown>;
    if (item.type === "TextBlock" && typeof item.text === "string") texts.push(item.text);
    if (item.type === "FactSet")
      for (const fact of item.facts as Array<{ title: string; value: string }>) texts.push(`${fact.title}: ${fact.value}`);
    if (item.type === "Action.OpenUrl") texts.push(`[${String(item.title)}](${String(item.url)})`);
    for (const [key, value] of Object.entries(item)) if (key !== "facts") walk(value);
  };
  walk(card);
  return texts.join("\n");
}
