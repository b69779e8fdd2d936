/**
 * The savings ledger's rows, derived from the audit trail alone (pure: no I/O, no clock).
 *
 * One row per applied change that saves money: an `outcome` record with outcome `applied` of a
 * `deallocate`, `stop` or `delete`. The row's id is that record's id, so a record delivered twice
 * (the trail keeps one) and a ledger refreshed twice make one row. Its estimate is the one Governor
 * decided with: `details.estimatedMonthlySavings` of the plan's `decision` record for the same
 * instance and resource. A later applied `start` of the same resource ends a stop's saving (a later
 * applied stop of it too: it ran again in between, or two policies stopped it at the same time,
 * and the saving counts once).
 *
 * Realised saving: the resource's actual cost over N whole UTC days after the day of the change
 * against its cost over the N days before it (the day of the change itself is partial and left
 * out), N = the whole days the change has been in effect up to yesterday, at most 30. Day k after
 * is paired with day k before, so a month's share of the realised saving is the pairs whose
 * "after" day falls in that month.
 */
import { saves, undoneBy } from "../actions/index.ts";
import { resourceNameOf } from "../azure/resourceId.ts";
import type { AuditRecord } from "../audit/record.ts";
import { HOURS_PER_MONTH } from "../policy/prices.ts";

export const MAX_MEASURED_DAYS = 30;
/** Cost Management may still revise recent days: a measurement is final once its last day is this old. */
export const SETTLE_DAYS = 3;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export interface RealisedSaving {
  /** Whole days measured on each side of the change. */
  days: number;
  /** Cost of the `days` days before the change, and of the `days` days after. */
  before: number;
  after: number;
  /** before − after. */
  saving: number;
  currency: string;
  /** [after day, its cost, the paired before day, its cost], oldest first. */
  pairs: Array<[string, number, string, number]>;
  measuredAt: string;
  /** No later refresh changes it: the window is complete and its days settled. */
  final: boolean;
}

export interface LedgerRow {
  /** The id of the applied outcome's audit record. */
  id: string;
  resourceId: string;
  resourceName: string;
  action: string;
  policy: string;
  instanceId: string;
  appliedAt: string;
  /** The monthly estimate Governor decided with, from the plan's decision record. */
  estimatedMonthly: number;
  /** Hours a month the estimate assumes (from its reason, `× 398 h`), else 730. */
  estimateHours: number;
  currency: string;
  /** When a later start ended the saving, and that record's id. */
  endedAt?: string;
  endedBy?: string;
  /** Hours the change has been in effect, as of `asOf`. */
  hoursAvoided: number;
  asOf: string;
  realised?: RealisedSaving;
  /** Why there is no realised figure yet. */
  realisedNote?: string;
}

const round2 = (value: number): number => Math.round(value * 100) / 100;
const round6 = (value: number): number => Math.round(value * 1e6) / 1e6;

export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const dayStartMs = (iso: string): number => Date.parse(`${iso.slice(0, 10)}T00:00:00.000Z`);

function estimateOf(decision: AuditRecord | undefined): { monthly: number; hours: number } {
  const details = decision?.details as { estimatedMonthlySavings?: unknown } | undefined;
  const monthly = typeof details?.estimatedMonthlySavings === "number" ? details.estimatedMonthlySavings : 0;
  // The estimate's reason spells its arithmetic (shared/policy/actions/estimate.ts): `× 398 h = …`.
  const hours = Number(/×\s*(\d+(?:\.\d+)?)\s*h\s*=/.exec(decision?.reason ?? "")?.[1] ?? HOURS_PER_MONTH);
  return { monthly, hours: hours > 0 ? hours : HOURS_PER_MONTH };
}

/** The estimate per hour the change is in effect. */
export const hourlyEstimate = (row: Pick<LedgerRow, "estimatedMonthly" | "estimateHours">): number =>
  row.estimateHours > 0 ? row.estimatedMonthly / row.estimateHours : 0;

/** The estimated saving of a row over the hours it was in effect within `[fromMs, toMs)`. */
export function estimatedBetween(row: LedgerRow, fromMs: number, toMs: number): number {
  const start = Math.max(fromMs, Date.parse(row.appliedAt));
  const end = Math.min(toMs, row.endedAt === undefined ? Number.POSITIVE_INFINITY : Date.parse(row.endedAt));
  return end > start ? (hourlyEstimate(row) * (end - start)) / HOUR_MS : 0;
}

/**
 * The rows the trail's records make, as of `now` (realised figures are the caller's to add:
 * `previous` rows keep theirs). `currency` is the policy settings' currency, the estimates' own.
 */
export function deriveRows(records: readonly AuditRecord[], currency: string, now: Date, previous: readonly LedgerRow[] = []): LedgerRow[] {
  const decisions = new Map(records.filter((record) => record.kind === "decision").map((record) => [record.id, record]));
  // An id is one record, however often it was read.
  const unique = [...new Map(records.map((record) => [record.id, record])).values()];
  const outcomes = unique
    .filter((record) => record.kind === "outcome" && record.resourceId !== undefined && record.action !== undefined)
    .sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
  const kept = new Map(previous.map((row) => [row.id, row]));
  const rows: LedgerRow[] = [];
  for (const [index, outcome] of outcomes.entries()) {
    if (outcome.outcome !== "applied" || !saves(outcome.action as string)) continue;
    const resourceId = outcome.resourceId as string;
    const key = resourceId.toLowerCase();
    const decision = outcome.instanceId === undefined ? undefined : decisions.get(`${outcome.instanceId}:plan:${key}`);
    const estimate = estimateOf(decision);
    const endingAction = undoneBy(outcome.action as string);
    // A later start ends the saving; so does a later applied change of the same kind, which means
    // the resource ran again in between (started by someone, or by a start the trail lacks), or that
    // two policies stopped it at once (Azure joins the second request): the saving is counted once.
    const ending = endingAction
      ? outcomes.find(
          (later, position) =>
            position > index &&
            later.resourceId?.toLowerCase() === key &&
            ((later.action === endingAction &&
              later.at > outcome.at &&
              (later.outcome === "applied" || later.outcome === "already-done")) ||
              (later.action === outcome.action && later.outcome === "applied")),
        )
      : undefined;
    const before = kept.get(outcome.id);
    const endMs = ending ? Date.parse(ending.at) : now.getTime();
    const row: LedgerRow = {
      id: outcome.id,
      resourceId,
      resourceName: resourceNameOf(resourceId),
      action: outcome.action as string,
      policy: outcome.policy ?? "-",
      instanceId: outcome.instanceId ?? "-",
      appliedAt: outcome.at,
      estimatedMonthly: round2(estimate.monthly),
      estimateHours: estimate.hours,
      currency: before?.currency ?? currency,
      ...(ending ? { endedAt: ending.at, endedBy: ending.id } : {}),
      hoursAvoided: round2(Math.max(0, endMs - Date.parse(outcome.at)) / HOUR_MS),
      asOf: now.toISOString(),
      ...(before?.realised ? { realised: before.realised } : {}),
      ...(before?.realisedNote ? { realisedNote: before.realisedNote } : {}),
    };
    rows.push(row);
  }
  return rows;
}

/** The days a row's realised saving is measured over as of `now`, or why it cannot be yet. */
export function measurementWindow(
  row: LedgerRow,
  now: Date,
): { days: number; beforeFrom: string; beforeTo: string; afterFrom: string; afterTo: string } | { note: string } {
  const changeDay = dayStartMs(row.appliedAt);
  const today = dayStartMs(now.toISOString());
  // The day a start ended the saving is partial too: measured up to the day before.
  const lastAfter = Math.min(today - DAY_MS, row.endedAt === undefined ? Number.POSITIVE_INFINITY : dayStartMs(row.endedAt) - DAY_MS);
  const days = Math.min(MAX_MEASURED_DAYS, Math.floor((lastAfter - changeDay) / DAY_MS));
  if (days < 1)
    return {
      note:
        row.endedAt !== undefined
          ? "ended before a whole day after the change: nothing to measure"
          : "measurable after the first whole day after the change",
    };
  return {
    days,
    beforeFrom: dayOf(changeDay - days * DAY_MS),
    beforeTo: dayOf(changeDay - DAY_MS),
    afterFrom: dayOf(changeDay + DAY_MS),
    afterTo: dayOf(changeDay + days * DAY_MS),
  };
}

/** Whether a row's realised figure may still change, so a refresh measures it again. */
export function needsMeasuring(row: LedgerRow): boolean {
  return row.realised?.final !== true;
}

/** The realised saving of a row from daily costs of its resource (days without a cost cost nothing). */
export function realisedFrom(
  row: LedgerRow,
  window: { days: number; afterFrom: string },
  costsByDay: ReadonlyMap<string, number> | undefined,
  currency: string,
  now: Date,
): RealisedSaving {
  const changeDay = dayStartMs(row.appliedAt);
  const pairs: RealisedSaving["pairs"] = [];
  let before = 0;
  let after = 0;
  for (let k = 1; k <= window.days; k += 1) {
    const afterDay = dayOf(changeDay + k * DAY_MS);
    const beforeDay = dayOf(changeDay - k * DAY_MS);
    const afterCost = costsByDay?.get(afterDay) ?? 0;
    const beforeCost = costsByDay?.get(beforeDay) ?? 0;
    before += beforeCost;
    after += afterCost;
    pairs.push([afterDay, round6(afterCost), beforeDay, round6(beforeCost)]);
  }
  pairs.sort((a, b) => a[0].localeCompare(b[0]));
  const lastAfter = changeDay + window.days * DAY_MS;
  const complete = window.days === MAX_MEASURED_DAYS || row.endedAt !== undefined;
  return {
    days: window.days,
    before: round2(before),
    after: round2(after),
    saving: round2(before - after),
    currency,
    pairs,
    measuredAt: now.toISOString(),
    final: complete && dayStartMs(now.toISOString()) - lastAfter >= SETTLE_DAYS * DAY_MS,
  };
}

export interface MonthToDate {
  currency: string;
  /** The estimates of the changes in effect this month, for the hours they were in effect. */
  estimated: number;
  /** Measured this month (after-days in this month, against their paired before-days); undefined when nothing is measured yet. */
  realised: number | undefined;
}

/** This month's savings (UTC month of `now`) from ledger rows; undefined when no change saved anything this month. */
export function monthToDateOf(rows: readonly LedgerRow[], now: Date): MonthToDate | undefined {
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const month = new Date(monthStart).toISOString().slice(0, 7);
  const active = rows.filter(
    (row) => estimatedBetween(row, monthStart, now.getTime()) > 0 || row.realised?.pairs.some(([day]) => day.startsWith(month)),
  );
  if (active.length === 0) return undefined;
  const estimated = active.reduce((sum, row) => sum + estimatedBetween(row, monthStart, now.getTime()), 0);
  let realised: number | undefined;
  for (const row of active)
    for (const [day, afterCost, , beforeCost] of row.realised?.pairs ?? [])
      if (day.startsWith(month)) realised = (realised ?? 0) + beforeCost - afterCost;
  return {
    currency: active[0]?.currency ?? "EUR",
    estimated: round2(estimated),
    realised: realised === undefined ? undefined : round2(realised),
  };
}
