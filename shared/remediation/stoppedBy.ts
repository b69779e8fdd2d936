/**
 * Who stopped a resource: one owner per stop. Before Governor stops (deallocates) a resource it
 * writes `governor-stopped-by` on it, naming the policy (and, for a budget containment, the budget
 * and the day its period ends), so a person reading the portal sees why it is off and the start
 * that would undo it can tell whose stop it is. A start undoes only its own policy's stop, and
 * only while no other policy's reason to keep the resource stopped still holds; a start clears it.
 *
 * The tag also says when the stop was made (`since`): a resource found running while it still
 * carries the tag was started by something other than Governor, and Azure itself starts a
 * PostgreSQL flexible server that has been stopped for 7 days. The finding that stops it again
 * says which (`startedOutsideGovernor`).
 */
import { tagValue } from "../policy/settings.ts";
import type { InventoryResource } from "../policy/types.ts";
import type { RemediationRequest } from "./types.ts";

export const STOPPED_BY_TAG = "governor-stopped-by";

export interface StoppedBy {
  policy: string;
  /** A budget containment's stop: it holds until the budget period ends (`until`, YYYY-MM-DD, UTC). */
  budget?: { name: string; until: string };
  /** When the stop was made (ISO, UTC, to the second); absent in tags written before Governor recorded it. */
  since?: string;
}

const BUDGET_PART = /^(.*); budget (.+) until (\d{4}-\d{2}-\d{2})$/;
const SINCE_PART = /^(.*); since (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)$/;

/** The day after a budget period that began `period` (YYYY-MM-DD): the first of the next month, as Governor's budget keys are monthly. */
function periodEnd(period: string): string {
  const [year, month] = period.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(year, month, 1)).toISOString().slice(0, 10);
}

/**
 * Who is stopping the resource of this request: its policy, and the budget when a budget alert
 * started the workflow; `at`, when the stop is made.
 */
export function stoppedByOf(request: Pick<RemediationRequest, "policy" | "trigger">, at?: Date): StoppedBy {
  const since = at === undefined ? {} : { since: `${at.toISOString().slice(0, 19)}Z` };
  // A containment's trigger id is the budget's instance id: budget:<budget>:<type>:<threshold>:<period start>.
  const parts = request.trigger.type === "budget-alert" ? (request.trigger.id ?? "").split(":") : [];
  const period = parts.at(-1) ?? "";
  if (parts[0] === "budget" && parts.length >= 5 && /^\d{4}-\d{2}-\d{2}$/.test(period))
    return { policy: request.policy, budget: { name: parts.slice(1, -3).join(":"), until: periodEnd(period) }, ...since };
  return { policy: request.policy, ...since };
}

/**
 * The tag's value: `stop-offhours-nonprod-vms; since 2026-11-23T18:30:00Z`, or with a budget
 * `stop-offhours-nonprod-vms; budget odoo-monthly until 2027-01-01; since 2026-11-23T18:30:00Z`.
 */
export function formatStoppedBy(stoppedBy: StoppedBy): string {
  const owner = stoppedBy.budget
    ? `${stoppedBy.policy}; budget ${stoppedBy.budget.name} until ${stoppedBy.budget.until}`
    : stoppedBy.policy;
  const since = stoppedBy.since === undefined ? "" : `; since ${stoppedBy.since}`;
  // ARM tag values hold 256 characters: the time is kept whole, the names give way.
  return `${owner.slice(0, 256 - since.length)}${since}`;
}

export function parseStoppedBy(value: string | undefined): StoppedBy | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const timed = SINCE_PART.exec(value.trim());
  const owner = timed ? (timed[1] as string) : value.trim();
  const since = timed ? { since: timed[2] as string } : {};
  const budget = BUDGET_PART.exec(owner);
  if (budget) return { policy: budget[1] as string, budget: { name: budget[2] as string, until: budget[3] as string }, ...since };
  return { policy: owner, ...since };
}

/** How long Azure lets a resource of a kind stay stopped before starting it again by itself (PostgreSQL flexible servers: 7 days). */
const AUTOMATIC_START_AFTER_MS: Readonly<Record<string, number>> = { "postgresql-server": 7 * 86_400_000 };

/**
 * Why a running resource that still carries `governor-stopped-by` runs: nothing of Governor
 * started it (a start clears the tag), so Azure did (a PostgreSQL server stopped for 7 days or
 * more), or a person or another tool did. `undefined` for a resource without the tag, or one
 * that is not running.
 */
export function startedOutsideGovernor(
  resource: Pick<InventoryResource, "kind" | "tags" | "powerState">,
  now: Date,
): { byAzure: boolean; reason: string } | undefined {
  if (resource.powerState !== "running") return undefined;
  const owner = parseStoppedBy(tagValue(resource.tags, STOPPED_BY_TAG));
  if (!owner) return undefined;
  const stoppedMs = owner.since === undefined ? Number.NaN : Date.parse(owner.since);
  const automatic = resource.kind === undefined ? undefined : AUTOMATIC_START_AFTER_MS[resource.kind];
  const when = owner.since === undefined ? "" : ` on ${owner.since}`;
  if (automatic !== undefined && !Number.isNaN(stoppedMs) && now.getTime() - stoppedMs >= automatic) {
    const days = Math.round(automatic / 86_400_000);
    return {
      byAzure: true,
      reason: `started again by Azure after ${days} days stopped (${owner.policy} stopped it${when}; Azure starts a stopped server after ${days} days)`,
    };
  }
  return {
    byAzure: false,
    reason: `started again outside Governor (a person or another tool) since ${owner.policy} stopped it${when}`,
  };
}
