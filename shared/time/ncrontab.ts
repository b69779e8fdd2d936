/**
 * Azure Functions timer schedules: NCRONTAB with six fields,
 * `{second} {minute} {hour} {day} {month} {day-of-week}`, e.g. `0 0 19 * * 1-5` (weekdays at 19:00),
 * or five, without the seconds (`0 19 * * 1-5`, at second 0), as the Functions host accepts them.
 *
 * Each field takes `*`, a value, a range `a-b`, a step `*\/n`, `a-b/n` or `a/n` (from a to the
 * end), and comma lists of those; months and days of the week also take names (`JAN`, `MON`,
 * `Monday`). Days of the week run 0-6 from Sunday, as in NCrontab (7 is refused, as Azure does).
 * As in NCrontab, and unlike Unix cron, a day and a day of the week restrict together: `0 0 0 13 * FRI`
 * is Friday the 13th only.
 *
 * Occurrences are computed on the wall clock of a time zone, following the Functions host's rules
 * at daylight saving changes (Azure/azure-webjobs-sdk-extensions, `CronSchedule`):
 * - spring forward: the first occurrence inside the skipped hour fires as much later as the clock
 *   jumped (02:15 → 03:15); the host then goes on from the new wall time, so the others in the
 *   skipped hour do not fire (`0 15,45 2 * * *` fires 03:15 only);
 * - fall back: in the repeated hour an interval schedule runs in both passes, a point-in-time
 *   schedule in the first only. Which it is, the host reads from NCrontab's *expanded* form of
 *   the second, minute and hour fields (minute and hour for five fields): a `*` or a range there
 *   makes an interval. `*\/2` in the hours expands to the list `0,2,4,…,22` (point in time);
 *   `1,2` expands to the range `1-2` (interval).
 *
 * Where the schedule's zone comes from is the caller's business: on Flex Consumption (Linux) the
 * host does not support WEBSITE_TIME_ZONE and runs the Functions timers themselves in UTC, so
 * Governor evaluates policy schedules in the policy file's time zone itself.
 */
import { addDays, daysInMonth, isoWeekday } from "./holidays.ts";
import type { CivilDate } from "./holidays.ts";
import { canonicalTimeZone, instantsAt, wallClock, zoneDay } from "./schedule.ts";
import type { ZoneDay } from "./schedule.ts";

export interface NcrontabExpression {
  text: string;
  seconds: number[];
  minutes: number[];
  hours: number[];
  days: number[];
  months: number[];
  /** 0 = Sunday … 6 = Saturday. */
  daysOfWeek: number[];
  /** NCrontab's expanded form (`0 0 0,2,4,6,8,10,12,14,16,18,20,22 * * *`), as the host logs it. */
  expanded: string;
  /** Whether the host treats it as an interval (runs through both passes of a repeated hour). */
  interval: boolean;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTH_NAMES = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];
const DAY_NAMES = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

const FIELDS: readonly FieldSpec[] = [
  { name: "second", min: 0, max: 59 },
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTH_NAMES },
  { name: "day-of-week", min: 0, max: 6, names: DAY_NAMES },
];

class NcrontabError extends Error {
  constructor(text: string, problem: string) {
    super(`invalid NCRONTAB "${text}": ${problem}`);
    this.name = "NcrontabError";
  }
}

function parseValue(spec: FieldSpec, item: string, value: string, fail: (problem: string) => never): number {
  if (/^\d+$/.test(value)) {
    const number = Number(value);
    if (number < spec.min || number > spec.max) {
      const hint = spec.name === "day-of-week" ? " (0 = Sunday)" : "";
      fail(`${spec.name} field "${item}": ${number} is out of range ${spec.min}-${spec.max}${hint}`);
    }
    return number;
  }
  const lower = value.toLowerCase();
  // NCrontab takes any prefix of the English name; three letters at least keeps MAR and MAY apart.
  const index = spec.names && lower.length >= 3 ? spec.names.findIndex((name) => name.startsWith(lower)) : -1;
  if (index < 0) {
    const expected = spec.names
      ? `a number ${spec.min}-${spec.max} or a name (${spec.names.map((name) => name.slice(0, 3).toUpperCase()).join(", ")})`
      : `a number ${spec.min}-${spec.max}`;
    fail(`${spec.name} field "${item}": "${value}" is not ${expected}`);
  }
  return index + spec.min;
}

function parseField(spec: FieldSpec, field: string, fail: (problem: string) => never): number[] {
  const values = new Set<number>();
  for (const item of field.split(",")) {
    if (item === "") fail(`${spec.name} field "${field}" has an empty item in its list`);
    const [range, stepText, extra] = item.split("/");
    if (extra !== undefined) fail(`${spec.name} field "${item}" has more than one step ("/")`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0)
        fail(`${spec.name} field "${item}": step "${stepText}" is not a whole number above 0`);
      step = Number(stepText);
    }
    let first: number;
    let last: number;
    if (range === "*") {
      first = spec.min;
      last = spec.max;
    } else if (range === undefined || range === "") {
      fail(`${spec.name} field "${item}" has nothing before its step`);
    } else if (range.includes("-")) {
      const [from, to, more] = range.split("-");
      if (more !== undefined || from === "" || to === "") fail(`${spec.name} field "${item}" is not a range like 1-5`);
      first = parseValue(spec, item, from as string, fail);
      last = parseValue(spec, item, to as string, fail);
      if (first > last) fail(`${spec.name} field "${item}": the range runs backwards (${first} > ${last})`);
    } else {
      first = parseValue(spec, item, range, fail);
      // `5/15` is NCrontab's "from 5 to the end, every 15".
      last = stepText === undefined ? first : spec.max;
    }
    for (let value = first; value <= last; value += step) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

/**
 * One field as NCrontab writes it back: `*` for every value, consecutive values as a range
 * (`1-2`, `8-10`), the rest listed (`0,2,4`). Steps are never written: `*\/15` is `0,15,30,45`.
 */
function expandField(spec: FieldSpec, values: readonly number[]): string {
  if (values.length === spec.max - spec.min + 1) return "*";
  const runs: string[] = [];
  for (let index = 0; index < values.length;) {
    let end = index;
    while (end + 1 < values.length && (values[end + 1] as number) === (values[end] as number) + 1) end += 1;
    runs.push(end === index ? String(values[index]) : `${values[index] as number}-${values[end] as number}`);
    index = end + 1;
  }
  return runs.join(",");
}

/** Parses an NCRONTAB expression of six fields, or five without the seconds; throws an Error naming the field that is wrong. */
export function parseNcrontab(text: string): NcrontabExpression {
  const written = typeof text === "string" ? text.trim() : String(text);
  const fail = (problem: string): never => {
    throw new NcrontabError(written, problem);
  };
  const fields = written.split(/\s+/).filter((field) => field !== "");
  if (fields.length !== 6 && fields.length !== 5) {
    fail(
      `expected six fields (second minute hour day month day-of-week) or five (minute hour day month day-of-week), got ${fields.length}`,
    );
  }
  const withSeconds = fields.length === 6;
  const specs = withSeconds ? FIELDS : FIELDS.slice(1);
  const values = specs.map((spec, index) => parseField(spec, fields[index] as string, fail));
  // Five fields fire at second 0, as NCrontab does without seconds.
  const [seconds, minutes, hours, days, months, daysOfWeek] = (withSeconds ? values : [[0], ...values]) as [
    number[],
    number[],
    number[],
    number[],
    number[],
    number[],
  ];
  // February counts 29 days: a leap year comes round.
  if (!months.some((month) => days.some((day) => day <= daysInMonth(2000, month)))) {
    fail(`day field "${fields[withSeconds ? 3 : 2] as string}" never occurs in month field "${fields[withSeconds ? 4 : 3] as string}"`);
  }
  const expandedFields = specs.map((spec, index) => expandField(spec, values[index] as number[]));
  // The host's test, on the expanded form: a `*` or a range in the time-of-day fields is an interval.
  const interval = expandedFields.slice(0, withSeconds ? 3 : 2).some((field) => /[*-]/.test(field));
  return { text: written, seconds, minutes, hours, days, months, daysOfWeek, expanded: expandedFields.join(" "), interval };
}

function parsed(expression: NcrontabExpression | string): NcrontabExpression {
  return typeof expression === "string" ? parseNcrontab(expression) : expression;
}

/** Local times of day (ms after midnight) the expression fires at, in order, from `fromMs` on. */
function* timesOfDay(expression: NcrontabExpression, fromMs: number): Generator<number> {
  for (const hour of expression.hours) {
    if ((hour + 1) * 3_600_000 <= fromMs) continue;
    for (const minute of expression.minutes) {
      if (hour * 3_600_000 + (minute + 1) * 60_000 <= fromMs) continue;
      for (const second of expression.seconds) {
        const local = hour * 3_600_000 + minute * 60_000 + second * 1000;
        if (local >= fromMs) yield local;
      }
    }
  }
}

/**
 * The local time of the day's first occurrence inside the hour the clock skips, if any: the one
 * the host fires, shifted. Read from the day alone, not from `after`, so that every caller sees
 * the same occurrences (the host, running since before the change, computed it before the gap).
 */
function firstSkipped(expression: NcrontabExpression, day: ZoneDay): number | undefined {
  if (day.transition === undefined || day.offsetAfter <= day.offsetBefore) return undefined;
  const gapStart = day.transition + day.offsetBefore - day.localMidnight;
  const gapEnd = day.transition + day.offsetAfter - day.localMidnight;
  const first = timesOfDay(expression, Math.max(0, gapStart)).next();
  return first.done === true || first.value >= gapEnd ? undefined : first.value;
}

/** The first occurrence on a day strictly after `after`, following the host's daylight saving rules. */
function firstOnDay(expression: NcrontabExpression, day: ZoneDay, after: number): number | undefined {
  // An instant after `after` shows a local time after `after` plus the smaller offset of the day.
  const fromMs = after + Math.min(day.offsetBefore, day.offsetAfter) - day.localMidnight;
  const shifted = firstSkipped(expression, day);
  let best: number | undefined;
  for (const local of timesOfDay(expression, Math.max(0, fromMs))) {
    let instants = instantsAt(day, local);
    const skipped = instants.length === 0;
    if (skipped) {
      // Skipped by spring forward: only the first fires, as much later as the clock jumped.
      if (local !== shifted) continue;
      instants = [day.localMidnight + local - day.offsetBefore];
    }
    // Repeated by fall back: a point-in-time schedule runs in the first pass only.
    if (instants.length === 2 && !expression.interval) instants = instants.slice(0, 1);
    const earliest = instants[0] as number;
    // Outside the skipped hour, later local times are later instants: nothing after can do better.
    if (!skipped && best !== undefined && earliest > best) break;
    for (const instant of instants) if (instant > after && (best === undefined || instant < best)) best = instant;
  }
  return best;
}

// Friday the 29th of February recurs within 28 years, or 40 across a skipped leap year (2100).
const SEARCH_DAYS = 50 * 366;

function matchesDate(expression: NcrontabExpression, date: CivilDate): boolean {
  return (
    expression.months.includes(date.month) && expression.days.includes(date.day) && expression.daysOfWeek.includes(isoWeekday(date) % 7)
  );
}

/** The first occurrence strictly after `after`, on the wall clock of `timeZone` (an IANA name). */
export function nextOccurrence(expression: NcrontabExpression | string, after: Date, timeZone: string): Date {
  const cron = parsed(expression);
  const zone = canonicalTimeZone(timeZone);
  const from = after.getTime();
  if (!Number.isFinite(from)) throw new Error(`nextOccurrence of "${cron.text}": the start is not a valid date`);
  const firstDay = addDays(wallClock(from, zone).date, -1);
  for (let index = 0; index < SEARCH_DAYS; index += 1) {
    const date = addDays(firstDay, index);
    if (!matchesDate(cron, date)) continue;
    const found = firstOnDay(cron, zoneDay(date, zone), from);
    if (found !== undefined) return new Date(found);
  }
  throw new Error(`"${cron.text}" has no occurrence in the 50 years after ${after.toISOString()}`);
}

/**
 * Occurrences after `from` and before `to` (both exclusive, as NCrontab's GetNextOccurrences),
 * in order; throws beyond `limit` rather than return a partial list.
 */
export function occurrencesBetween(
  expression: NcrontabExpression | string,
  from: Date,
  to: Date,
  timeZone: string,
  limit = 10_000,
): Date[] {
  const cron = parsed(expression);
  const occurrences: Date[] = [];
  for (let next = nextOccurrence(cron, from, timeZone); next.getTime() < to.getTime(); next = nextOccurrence(cron, next, timeZone)) {
    if (occurrences.length === limit) {
      throw new Error(
        `"${cron.text}" occurs more than ${limit} times between ${from.toISOString()} and ${to.toISOString()}: narrow the range or raise the limit`,
      );
    }
    occurrences.push(next);
  }
  return occurrences;
}
