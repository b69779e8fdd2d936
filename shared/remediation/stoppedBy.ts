/**
 * Who stopped a resource: one owner per stop. Before Governor stops (deallocates) a resource it
 * writes `governor-stopped-by` on it, naming the policy (and, for a budget containment, the budget
 * and the day its period ends), so a person reading the portal sees why it is off and the start
 * that would undo it can tell whose stop it is. A start undoes only its own policy's stop, and
 * only while no other policy's reason to keep the resource stopped still holds; a start clears it.
 */
import type { RemediationRequest } from "./types.ts";

export const STOPPED_BY_TAG = "governor-stopped-by";

export interface StoppedBy {
  policy: string;
  /** A budget containment's stop: it holds until the budget period ends (`until`, YYYY-MM-DD, UTC). */
  budget?: { name: string; until: string };
}

const BUDGET_PART = /^(.*); budget (.+) until (\d{4}-\d{2}-\d{2})$/;

/** The day after a budget period that began `period` (YYYY-MM-DD): the first of the next month, as Governor's budget keys are monthly. */
function periodEnd(period: string): string {
  const [year, month] = period.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(year, month, 1)).toISOString().slice(0, 10);
}

/** Who is stopping the resource of this request: its policy, and the budget when a budget alert started the workflow. */
export function stoppedByOf(request: Pick<RemediationRequest, "policy" | "trigger">): StoppedBy {
  // A containment's trigger id is the budget's instance id: budget:<budget>:<type>:<threshold>:<period start>.
  const parts = request.trigger.type === "budget-alert" ? (request.trigger.id ?? "").split(":") : [];
  const period = parts.at(-1) ?? "";
  if (parts[0] === "budget" && parts.length >= 5 && /^\d{4}-\d{2}-\d{2}$/.test(period))
    return { policy: request.policy, budget: { name: parts.slice(1, -3).join(":"), until: periodEnd(period) } };
  return { policy: request.policy };
}

/** The tag's value: `stop-offhours-nonprod-vms`, or `stop-offhours-nonprod-vms; budget odoo-monthly until 2027-01-01`. */
export function formatStoppedBy(stoppedBy: StoppedBy): string {
  const text = stoppedBy.budget ? `${stoppedBy.policy}; budget ${stoppedBy.budget.name} until ${stoppedBy.budget.until}` : stoppedBy.policy;
  // ARM tag values hold 256 characters.
  return text.slice(0, 256);
}

export function parseStoppedBy(value: string | undefined): StoppedBy | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const budget = BUDGET_PART.exec(value.trim());
  if (budget) return { policy: budget[1] as string, budget: { name: budget[2] as string, until: budget[3] as string } };
  return { policy: value.trim() };
}
