/**
 * Change freezes from the policy file's `settings.blackouts`: while one is in force for a
 * resource's environment, nothing disruptive or destructive is done to it.
 *
 * ```yaml
 * blackouts:
 *   - { name: month-end close, environments: [prod, staging], lastWorkingDays: 3 }
 *   - { name: November peak season, months: [11] }
 *   - { name: ERP upgrade, from: 2026-06-12, to: 2026-06-15 }
 *   - { name: year-end close, months: [12], lastWorkingDays: 5 }
 * ```
 *
 * Dates are calendar days in the settings' time zone, inclusive. The rules of one blackout
 * restrict each other: `months` with `lastWorkingDays` is the last working days of those months
 * only, `from`/`to` with either limits them to that period. Working days are Monday to Friday
 * except the public holidays of `settings.holidays`.
 */
import { addDays, compareDates, daysInMonth, isWeekend, parseIsoDate, toHolidayCalendar } from "./holidays.ts";
import type { CivilDate, HolidayCalendar } from "./holidays.ts";
import { canonicalTimeZone, wallClock } from "./schedule.ts";
import type { Blackout } from "../policy/types.ts";

export interface ActiveBlackout {
  blackout: Blackout;
  /** `month-end close: last 3 working days of November 2026 (26–30 Nov)` */
  reason: string;
}

export interface BlackoutOptions {
  /** IANA time zone the dates are read in (the settings' `timeZone`). */
  timeZone: string;
  /** Country code or calendar of the holidays that are not working days (the settings' `holidays`). */
  holidays?: string | HolidayCalendar;
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const monthName = (month: number): string => MONTHS[month - 1] as string;
const shortDate = (date: CivilDate): string => `${date.day} ${monthName(date.month).slice(0, 3)}`;
const longDate = (date: CivilDate): string => `${shortDate(date)} ${date.year}`;

const FIELDS = ["name", "environments", "from", "to", "lastWorkingDays", "months"];
const MAX_LAST_WORKING_DAYS = 10;

/**
 * What is wrong with a blackout as written, one message per problem, each naming the field
 * (`blackout "peak".months[1]: 13 is not a month (1-12)`); empty when it is usable.
 */
export function validateBlackout(raw: unknown, where?: string): string[] {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return [`${where ?? "blackout"}: expected an object with a name and from/to, months or lastWorkingDays`];
  }
  const blackout = raw as Record<string, unknown>;
  const label = where ?? (typeof blackout.name === "string" && blackout.name.trim() !== "" ? `blackout "${blackout.name}"` : "blackout");
  const errors: string[] = [];
  for (const key of Object.keys(blackout)) {
    if (!FIELDS.includes(key)) errors.push(`${label}: unknown field "${key}" (expected ${FIELDS.join(", ")})`);
  }
  if (typeof blackout.name !== "string" || blackout.name.trim() === "") errors.push(`${label}.name: required, a non-empty text`);
  if (blackout.environments !== undefined) {
    if (!Array.isArray(blackout.environments)) errors.push(`${label}.environments: expected a list of environment names`);
    else
      blackout.environments.forEach((environment, index) => {
        if (typeof environment !== "string" || environment.trim() === "")
          errors.push(`${label}.environments[${index}]: expected an environment name`);
      });
  }
  const dates: Partial<Record<"from" | "to", CivilDate>> = {};
  for (const key of ["from", "to"] as const) {
    const value = blackout[key];
    if (value === undefined) continue;
    if (typeof value !== "string") {
      errors.push(`${label}.${key}: expected a date YYYY-MM-DD, got ${JSON.stringify(value)}`);
      continue;
    }
    try {
      dates[key] = parseIsoDate(value, key);
    } catch (error) {
      errors.push(`${label}.${key}: ${(error as Error).message}`);
    }
  }
  if ((blackout.from === undefined) !== (blackout.to === undefined))
    errors.push(`${label}: from and to go together (both dates are inclusive)`);
  if (dates.from && dates.to && compareDates(dates.from, dates.to) > 0) {
    errors.push(`${label}: from ${String(blackout.from)} is after to ${String(blackout.to)}`);
  }
  if (blackout.months !== undefined) {
    if (!Array.isArray(blackout.months) || blackout.months.length === 0)
      errors.push(`${label}.months: expected a non-empty list of months (1-12)`);
    else
      blackout.months.forEach((month, index) => {
        if (!Number.isInteger(month) || (month as number) < 1 || (month as number) > 12) {
          errors.push(`${label}.months[${index}]: ${JSON.stringify(month)} is not a month (1-12)`);
        }
      });
  }
  const last = blackout.lastWorkingDays;
  if (last !== undefined && (!Number.isInteger(last) || (last as number) < 1 || (last as number) > MAX_LAST_WORKING_DAYS)) {
    errors.push(`${label}.lastWorkingDays: ${JSON.stringify(last)} is not a whole number from 1 to ${MAX_LAST_WORKING_DAYS}`);
  }
  if (blackout.from === undefined && blackout.to === undefined && blackout.months === undefined && last === undefined) {
    errors.push(`${label}: needs from/to dates, months or lastWorkingDays to say when it applies`);
  }
  return errors;
}

export function isWorkingDay(date: CivilDate, holidays?: HolidayCalendar): boolean {
  return !isWeekend(date) && holidays?.holidayOn(date) === undefined;
}

/** The last `count` working days of a month, earliest first. */
export function lastWorkingDays(year: number, month: number, count: number, holidays?: string | HolidayCalendar): CivilDate[] {
  const calendar = toHolidayCalendar(holidays);
  const days: CivilDate[] = [];
  for (let day = { year, month, day: daysInMonth(year, month) }; days.length < count && day.month === month; day = addDays(day, -1)) {
    if (isWorkingDay(day, calendar)) days.unshift(day);
  }
  return days;
}

function appliesTo(blackout: Blackout, environment: string | undefined): boolean {
  const environments = blackout.environments ?? [];
  // An unknown environment might be production: the freeze holds, as the production guard would.
  if (environments.length === 0 || environment === undefined) return true;
  return environments.some((name) => name.toLowerCase() === environment.toLowerCase());
}

function listMonths(months: number[]): string {
  const names = [...new Set(months)].sort((a, b) => a - b).map(monthName);
  return names.length === 1 ? (names[0] as string) : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1] as string}`;
}

/** Why the blackout is in force on `today`, or undefined when it is not. */
function inForce(blackout: Blackout, today: CivilDate, calendar: HolidayCalendar | undefined): string | undefined {
  const parts: string[] = [];
  if (blackout.from !== undefined && blackout.to !== undefined) {
    const from = parseIsoDate(blackout.from, "from");
    const to = parseIsoDate(blackout.to, "to");
    if (compareDates(today, from) < 0 || compareDates(today, to) > 0) return undefined;
    parts.push(`from ${longDate(from)} to ${longDate(to)}`);
  }
  if (blackout.months !== undefined && !blackout.months.includes(today.month)) return undefined;
  if (blackout.lastWorkingDays !== undefined) {
    const count = blackout.lastWorkingDays;
    const days = lastWorkingDays(today.year, today.month, count, calendar);
    const first = days[0];
    const last = days[days.length - 1];
    // The span from the first to the last of those days, with any weekend or holiday between them: the close runs through.
    if (first === undefined || last === undefined || compareDates(today, first) < 0 || compareDates(today, last) > 0) return undefined;
    const span = compareDates(first, last) === 0 ? shortDate(first) : `${first.day}–${shortDate(last)}`;
    const what = count === 1 ? "last working day" : `last ${count} working days`;
    parts.unshift(`${what} of ${monthName(today.month)} ${today.year} (${span})`);
  } else if (blackout.months !== undefined) {
    parts.unshift(`every ${listMonths(blackout.months)}`);
  }
  return `${blackout.name}: ${parts.join(", ")}`;
}

/**
 * The first blackout in force for an environment at `now`, with a reason for humans, or
 * undefined. A blackout that cannot be read counts as in force: freezing by mistake costs a
 * day, acting during month-end close by mistake costs much more.
 */
export function activeBlackout(
  blackouts: readonly Blackout[],
  environment: string | undefined,
  now: Date,
  options: BlackoutOptions,
): ActiveBlackout | undefined {
  const today = wallClock(now, canonicalTimeZone(options.timeZone)).date;
  const calendar = toHolidayCalendar(options.holidays);
  for (const [index, blackout] of blackouts.entries()) {
    if (!appliesTo(blackout, environment)) continue;
    const errors = validateBlackout(blackout, `blackouts[${index}]`);
    if (errors.length > 0) {
      return {
        blackout,
        reason: `${blackout.name || `blackout ${index + 1}`} cannot be read (${errors.join("; ")}): in force until it is fixed`,
      };
    }
    const reason = inForce(blackout, today, calendar);
    if (reason !== undefined) return { blackout, reason };
  }
  return undefined;
}
