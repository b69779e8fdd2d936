/**
 * Office-hours schedules as resource owners write them in the `governor-schedule` tag:
 *
 * ```text
 * Mon-Fri 07:00-19:00 Europe/Brussels
 * Mon-Fri 07:00-19:00; Sat 08:00-12:00 Europe/Brussels holidays=BE
 * Mon,Wed,Fri 08:00-12:00, 13:00-17:00 Europe/Amsterdam      (the second range keeps Mon,Wed,Fri)
 * Fri-Mon 22:00-06:00 UTC                                     (wraps over the weekend and over midnight)
 * Sat-Sun 24h Europe/Paris
 * 07:00-19:00 Europe/London                                   (hours alone: every day)
 * always | 24h | 24/7 | never
 * ```
 *
 * - Windows are separated by `;` or `,`; a `,` between day names lists days instead.
 * - A window that ends before it starts runs past midnight: `Fri 22:00-06:00` is Friday 22:00 to Saturday 06:00.
 * - The IANA time zone comes last and is required (a Belgian 07:00 is not a Lisbon 07:00), except for `always`/`never`.
 * - `holidays=BE` makes the country's public holidays count as outside the schedule, from local
 *   midnight to midnight; `holidays=none` opts out of the calendar the policy would otherwise apply.
 *
 * Everything is evaluated on the local wall clock of the zone, so 07:00 stays 07:00 across
 * daylight saving changes. Also here: the wall-clock arithmetic those evaluations need.
 */
import { addDays, holidayCalendar, holidayCountry, toHolidayCalendar } from "./holidays.ts";
import type { CivilDate, Holiday, HolidayCalendar } from "./holidays.ts";

// ---------------------------------------------------------------------------------------------
// Wall-clock arithmetic in an IANA time zone
// ---------------------------------------------------------------------------------------------

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** The canonical name of an IANA time zone (`europe/brussels` → `Europe/Brussels`); throws for an unknown one. */
export function canonicalTimeZone(timeZone: string): string {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone }).resolvedOptions().timeZone;
  } catch {
    throw new Error(`unknown time zone "${timeZone}": use an IANA name such as Europe/Brussels or UTC`);
  }
}

/** What a clock on the wall in a zone shows at an instant. */
export interface WallClock {
  date: CivilDate;
  hour: number;
  minute: number;
  second: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: number;
}

export function wallClock(at: Date | number, timeZone: string): WallClock {
  const instant = typeof at === "number" ? at : at.getTime();
  if (!Number.isFinite(instant)) throw new Error("wall clock of an invalid date");
  const fields: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) if (part.type !== "literal") fields[part.type] = Number(part.value);
  const date = { year: fields.year as number, month: fields.month as number, day: fields.day as number };
  const weekday = ((((Math.round(Date.UTC(date.year, date.month - 1, date.day) / DAY_MS) + 3) % 7) + 7) % 7) + 1;
  return { date, hour: fields.hour as number, minute: fields.minute as number, second: fields.second as number, weekday };
}

/** Milliseconds the zone is ahead of UTC at an instant (whole seconds: tz offsets have no smaller part). */
function offsetAt(instant: number, timeZone: string): number {
  const wall = wallClock(instant, timeZone);
  const local = Date.UTC(wall.date.year, wall.date.month - 1, wall.date.day, wall.hour, wall.minute, wall.second);
  return local - Math.floor(instant / 1000) * 1000;
}

/**
 * How the local clock of one calendar day maps onto instants. Instants whose local date is the
 * day lie within 14 hours before and 12 hours after its UTC span (the widest offsets in use);
 * across that range a zone changes offset at most once, so two offsets and the instant of the
 * change say everything.
 */
export interface ZoneDay {
  timeZone: string;
  date: CivilDate;
  /** Date.UTC of the day's local midnight: local times are measured from it. */
  localMidnight: number;
  offsetBefore: number;
  offsetAfter: number;
  /** The instant the offset changes, when it does around this day. */
  transition?: number;
}

export function zoneDay(date: CivilDate, timeZone: string): ZoneDay {
  const localMidnight = Date.UTC(date.year, date.month - 1, date.day);
  let low = localMidnight - 14 * HOUR_MS;
  let high = localMidnight + DAY_MS + 12 * HOUR_MS;
  const offsetBefore = offsetAt(low, timeZone);
  const offsetAfter = offsetAt(high, timeZone);
  if (offsetBefore === offsetAfter) return { timeZone, date, localMidnight, offsetBefore, offsetAfter };
  // Offsets change on whole seconds: search for the first second with the new offset.
  low /= 1000;
  high /= 1000;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (offsetAt(middle * 1000, timeZone) === offsetBefore) low = middle;
    else high = middle;
  }
  return { timeZone, date, localMidnight, offsetBefore, offsetAfter, transition: high * 1000 };
}

/**
 * The instants at which the wall clock shows `msOfDay` (0 … 24 h) on the day: one usually, none
 * when the clock jumps over it (spring forward), two when it shows it twice (fall back).
 */
export function instantsAt(day: ZoneDay, msOfDay: number): number[] {
  const local = day.localMidnight + msOfDay;
  if (day.transition === undefined) return [local - day.offsetBefore];
  const instants: number[] = [];
  const before = local - day.offsetBefore;
  const after = local - day.offsetAfter;
  if (before < day.transition) instants.push(before);
  if (after >= day.transition) instants.push(after);
  return instants.sort((a, b) => a - b);
}

const WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/** `Sunday 23:10`: the local time in a reason. */
export function localTimeLabel(at: Date, timeZone: string): string {
  const wall = wallClock(at, timeZone);
  const pad = (value: number): string => String(value).padStart(2, "0");
  return `${WEEKDAY_NAMES[wall.weekday - 1] as string} ${pad(wall.hour)}:${pad(wall.minute)}`;
}

// ---------------------------------------------------------------------------------------------
// Schedules
// ---------------------------------------------------------------------------------------------

export interface ScheduleWindow {
  /** ISO weekdays the window starts on: 1 = Monday … 7 = Sunday. */
  days: number[];
  /** Minutes after local midnight. */
  start: number;
  /** Minutes after local midnight (1440 = midnight at the end of the day); at or before `start` when the window runs past midnight. */
  end: number;
}

export interface Schedule {
  /** The text as written, for reasons. */
  text: string;
  kind: "always" | "never" | "windows";
  windows: ScheduleWindow[];
  /** Canonical IANA name; always set for `windows`. */
  timeZone?: string;
  /** Country code of the schedule's own holiday calendar; null for `holidays=none`; undefined to use the caller's. */
  holidays?: string | null;
}

const DAY_WORDS: Record<string, number[]> = {
  mon: [1],
  monday: [1],
  tue: [2],
  tues: [2],
  tuesday: [2],
  wed: [3],
  weds: [3],
  wednesday: [3],
  thu: [4],
  thur: [4],
  thurs: [4],
  thursday: [4],
  fri: [5],
  friday: [5],
  sat: [6],
  saturday: [6],
  sun: [7],
  sunday: [7],
  weekdays: [1, 2, 3, 4, 5],
  weekends: [6, 7],
  weekend: [6, 7],
  daily: [1, 2, 3, 4, 5, 6, 7],
};
const SINGLE_DAYS: Record<string, number> = Object.fromEntries(
  Object.entries(DAY_WORDS)
    .filter(([, days]) => days.length === 1)
    .map(([word, days]) => [word, days[0] as number]),
);
const ALWAYS = new Set(["always", "24h", "24/7"]);
const WHOLE_DAY = new Set(["24h", "all-day"]);
const DAY_HINT = "use Mon, Tue, Wed, Thu, Fri, Sat, Sun, a range like Mon-Fri, or weekdays/weekend";

class ScheduleError extends Error {
  constructor(text: string, problem: string) {
    super(`invalid schedule "${text}": ${problem}`);
    this.name = "ScheduleError";
  }
}

type Token =
  | { type: "separator"; value: string }
  | { type: "days"; value: string; days: number[] }
  | { type: "hours"; value: string; start: number; end: number };

function clockMinutes(text: string, part: string, fail: (problem: string) => never): number {
  const match = /^(\d{1,2})(?::(\d{2}))?$/.exec(part);
  if (!match) fail(`"${part}" in "${text}" is not a time: expected HH:MM`);
  const hours = Number(match[1]);
  const minutes = Number(match[2] ?? 0);
  if (hours > 24 || minutes > 59 || (hours === 24 && minutes > 0)) fail(`"${part}" in "${text}" is not a time of day (00:00 to 24:00)`);
  return hours * 60 + minutes;
}

function hoursToken(value: string, fail: (problem: string) => never): Token {
  if (WHOLE_DAY.has(value.toLowerCase())) return { type: "hours", value, start: 0, end: 24 * 60 };
  const [from, to] = value.split("-").map((part) => part.trim()) as [string, string];
  const start = clockMinutes(value, from, fail);
  let end = clockMinutes(value, to, fail);
  if (start === 24 * 60) fail(`"${value}" starts at 24:00: a window starts at 23:59 at the latest`);
  // `22:00-00:00` means "until midnight"; so does 24:00.
  if (end === 0 && start > 0) end = 24 * 60;
  if (end === start) fail(`"${value}" starts and ends at the same time: write 24h for a whole day`);
  return { type: "hours", value, start, end };
}

function dayWord(word: string, fail: (problem: string) => never): number[] {
  const days = DAY_WORDS[word.toLowerCase()];
  if (!days) fail(`unknown day "${word}" (${DAY_HINT})`);
  return days;
}

function daysToken(value: string, fail: (problem: string) => never): Token {
  const [first, last] = value.split("-").map((part) => part.trim());
  if (last === undefined) return { type: "days", value, days: dayWord(first as string, fail) };
  const from = SINGLE_DAYS[(first as string).toLowerCase()];
  const to = SINGLE_DAYS[last.toLowerCase()];
  if (from === undefined || to === undefined) {
    const bad = from === undefined ? first : last;
    fail(`"${value}" is not a range of days: unknown day "${bad}" (${DAY_HINT})`);
  }
  const days: number[] = [];
  // Fri-Mon wraps over the weekend.
  for (let day = from; ; day = (day % 7) + 1) {
    days.push(day);
    if (day === to) break;
  }
  return { type: "days", value, days };
}

function tokenize(body: string, fail: (problem: string) => never): Token[] {
  const tokens: Token[] = [];
  const pattern =
    /\s*(?:([;,])|(\d{1,2}(?::\d{1,2})?\s*-\s*\d{1,2}(?::\d{1,2})?)|(24h|all-day)(?![\w-])|([A-Za-z]+(?:\s*-\s*[A-Za-z]+)?)(?![\w/])|(\S+))/gy;
  for (let match = pattern.exec(body); match !== null && match[0] !== ""; match = pattern.exec(body)) {
    const [, separator, hours, wholeDay, days, other] = match;
    if (separator !== undefined) tokens.push({ type: "separator", value: separator });
    else if (hours !== undefined) tokens.push(hoursToken(hours.replace(/\s+/g, ""), fail));
    else if (wholeDay !== undefined) tokens.push(hoursToken(wholeDay, fail));
    else if (days !== undefined) tokens.push(daysToken(days.replace(/\s+/g, ""), fail));
    else if (other !== undefined) {
      if (/[A-Za-z]/.test(other) && other.includes("/")) fail(`the time zone "${other}" must come last, after the days and hours`);
      fail(`unexpected "${other}": expected days (Mon-Fri) or hours (07:00-19:00)`);
    }
  }
  return tokens;
}

function windowsOf(tokens: Token[], fail: (problem: string) => never): ScheduleWindow[] {
  const windows: ScheduleWindow[] = [];
  let days: number[] | undefined;
  let pendingDays: string[] = [];
  let collecting = false;
  for (const token of tokens) {
    if (token.type === "days") {
      if (!collecting) {
        days = [];
        pendingDays = [];
      }
      days = [...new Set([...(days ?? []), ...token.days])].sort((a, b) => a - b);
      pendingDays.push(token.value);
      collecting = true;
    } else if (token.type === "separator") {
      // A comma between day names lists days; anything else separates windows.
      if (collecting && token.value === ";")
        fail(`"${pendingDays.join(",")}" has no hours before ";": write e.g. "${pendingDays.join(",")} 08:00-12:00"`);
    } else {
      windows.push({ days: days ?? [1, 2, 3, 4, 5, 6, 7], start: token.start, end: token.end });
      collecting = false;
    }
  }
  if (collecting)
    fail(`"${pendingDays.join(",")}" has no hours: write e.g. "${pendingDays.join(",")} 08:00-12:00" or "${pendingDays.join(",")} 24h"`);
  return windows;
}

/** A word that can only be a time zone: not days (`Sat-Sun`, `Mon,Wed`), hours or a keyword. */
function isZoneCandidate(word: string): boolean {
  const lower = word.toLowerCase();
  if (!/[a-z]/.test(lower) || ALWAYS.has(lower) || WHOLE_DAY.has(lower) || lower === "never") return false;
  const parts = lower.split(/[-,;]/).filter((part) => part !== "");
  return !parts.every((part) => part in DAY_WORDS);
}

/** Parses a schedule; throws an Error whose message quotes the text and names the part that is wrong. */
export function parseSchedule(text: string): Schedule {
  if (typeof text !== "string")
    throw new Error(`invalid schedule ${JSON.stringify(text)}: expected text like "Mon-Fri 07:00-19:00 Europe/Brussels"`);
  const written = text.trim();
  const fail = (problem: string): never => {
    throw new ScheduleError(written, problem);
  };
  if (written === "") fail('it is empty: write e.g. "Mon-Fri 07:00-19:00 Europe/Brussels"');

  const words = written.replace(/[\u2013\u2014]/g, "-").split(/\s+/);
  let holidays: string | null | undefined;
  const holidayWords = words.filter((word) => /^holidays?[=:]/i.test(word));
  if (holidayWords.length > 1) fail(`holidays are given ${holidayWords.length} times`);
  if (holidayWords[0] !== undefined) {
    const value = holidayWords[0].replace(/^holidays?[=:]/i, "");
    if (value.toLowerCase() === "none") holidays = null;
    else {
      try {
        holidays = holidayCountry(value);
      } catch (error) {
        fail(`${holidayWords[0]}: ${error instanceof Error ? error.message : String(error)}; or none, for no holidays`);
      }
    }
    words.splice(words.indexOf(holidayWords[0]), 1);
  }

  let timeZone: string | undefined;
  const last = words[words.length - 1] ?? "";
  if (words.length > 1 || last.includes("/")) {
    if (isZoneCandidate(last)) {
      try {
        timeZone = canonicalTimeZone(last);
      } catch {
        fail(`unknown time zone "${last}": use an IANA name such as Europe/Brussels or UTC`);
      }
      words.pop();
    }
  }

  const body = words.join(" ");
  const keyword = body.toLowerCase();
  const withZone = timeZone === undefined ? {} : { timeZone };
  const withHolidays = holidays === undefined ? {} : { holidays };
  if (ALWAYS.has(keyword) || keyword === "never") {
    if (holidays && timeZone === undefined)
      fail(
        `holidays=${holidays} needs a time zone to know when a holiday starts: add one, e.g. "${body} Europe/Brussels holidays=${holidays}"`,
      );
    return { text: written, kind: keyword === "never" ? "never" : "always", windows: [], ...withZone, ...withHolidays };
  }
  if (body === "") fail('no days or hours before the time zone: write e.g. "Mon-Fri 07:00-19:00 Europe/Brussels"');
  const windows = windowsOf(tokenize(body, fail), fail);
  if (windows.length === 0) fail('no hours: write e.g. "Mon-Fri 07:00-19:00 Europe/Brussels"');
  if (timeZone === undefined) fail(`no time zone: end it with an IANA time zone, e.g. "${body} Europe/Brussels"`);
  return { text: written, kind: "windows", windows, timeZone, ...withHolidays };
}

const WEEK_MINUTES = 7 * 24 * 60;

/** Whether a minute of the week (0 = Monday 00:00 local) lies in a window. */
function inWindows(windows: readonly ScheduleWindow[], minuteOfWeek: number): boolean {
  return windows.some((window) => {
    const length = window.end > window.start ? window.end - window.start : 24 * 60 - window.start + window.end;
    return window.days.some((day) => {
      const start = (day - 1) * 24 * 60 + window.start;
      return (minuteOfWeek - start + WEEK_MINUTES) % WEEK_MINUTES < length;
    });
  });
}

function calendarFor(schedule: Schedule, holidays: HolidayCalendar | string | undefined): HolidayCalendar | undefined {
  if (schedule.holidays === null) return undefined;
  // The owner's own `holidays=` is the most specific word on their resource.
  if (schedule.holidays !== undefined) return holidayCalendar(schedule.holidays);
  // `always` means always: a calendar the policy applies by default does not switch it off.
  if (schedule.kind !== "windows") return undefined;
  return toHolidayCalendar(holidays);
}

export interface ScheduleState {
  within: boolean;
  /** The public holiday that put the instant outside the schedule. */
  holiday?: Holiday;
}

function stateWith(schedule: Schedule, at: number, calendar: HolidayCalendar | undefined): ScheduleState {
  if (schedule.kind === "never") return { within: false };
  if (schedule.kind === "always" && calendar === undefined) return { within: true };
  const wall = wallClock(at, schedule.timeZone as string);
  const holiday = calendar?.holidayOn(wall.date);
  if (holiday) return { within: false, holiday };
  if (schedule.kind === "always") return { within: true };
  return { within: inWindows(schedule.windows, (wall.weekday - 1) * 24 * 60 + wall.hour * 60 + wall.minute) };
}

/**
 * Whether an instant is inside a schedule, and the holiday when one is why it is not. The
 * schedule's own `holidays=` wins over the calendar passed in (the policy's or the settings').
 */
export function scheduleState(schedule: Schedule, at: Date, holidays?: HolidayCalendar | string): ScheduleState {
  return stateWith(schedule, at.getTime(), calendarFor(schedule, holidays));
}

/** Whether an instant is inside the schedule; a public holiday of the calendar counts as outside. */
export function isWithinSchedule(schedule: Schedule, at: Date, holidays?: HolidayCalendar | string): boolean {
  return scheduleState(schedule, at, holidays).within;
}

export interface ScheduleTransition {
  at: Date;
  /** `start`: the schedule begins (start the VMs); `end`: it ends (stop them). */
  kind: "start" | "end";
}

/** Local times of day (minutes) at which the state may change: window edges, and midnight for holidays. */
function boundaries(schedule: Schedule): number[] {
  const edges = new Set<number>([0]);
  for (const window of schedule.windows) {
    edges.add(window.start);
    edges.add(window.end % (24 * 60));
  }
  return [...edges].sort((a, b) => a - b);
}

// Long enough to cross any run of holidays, and a year of an `always` schedule to its next holiday.
const SEARCH_DAYS = 400;

/**
 * The next instant after `after` when the schedule starts or ends, or undefined when it never
 * changes (`always`, `never`, a full week without holidays). Correct across daylight saving
 * changes: a window starting at 02:30 on the night the clock jumps from 02:00 to 03:00 starts at 03:00.
 */
export function nextTransition(schedule: Schedule, after: Date, holidays?: HolidayCalendar | string): ScheduleTransition | undefined {
  const calendar = calendarFor(schedule, holidays);
  if (schedule.kind === "never" || (schedule.kind === "always" && calendar === undefined)) return undefined;
  const timeZone = schedule.timeZone as string;
  const from = after.getTime();
  const initial = stateWith(schedule, from, calendar).within;
  const edges = boundaries(schedule);
  const firstDay = addDays(wallClock(from, timeZone).date, -1);
  let best: number | undefined;
  for (let index = 0; index < SEARCH_DAYS; index += 1) {
    const day = zoneDay(addDays(firstDay, index), timeZone);
    // Instants of a later day come no earlier than 14 h before its local midnight.
    if (best !== undefined && best < day.localMidnight - 14 * HOUR_MS) break;
    // The state can only change where the local clock reaches an edge, or jumps.
    const candidates = edges.flatMap((minute) => instantsAt(day, minute * 60_000));
    if (day.transition !== undefined) candidates.push(day.transition);
    for (const candidate of candidates.sort((a, b) => a - b)) {
      if (candidate <= from || (best !== undefined && candidate >= best)) continue;
      if (stateWith(schedule, candidate, calendar).within !== initial) {
        best = candidate;
        break;
      }
    }
  }
  return best === undefined ? undefined : { at: new Date(best), kind: initial ? "end" : "start" };
}

/** The next instant after `after` when the schedule starts: when a workflow starts the resource again. */
export function nextScheduleStart(schedule: Schedule, after: Date, holidays?: HolidayCalendar | string): Date | undefined {
  let transition = nextTransition(schedule, after, holidays);
  if (transition?.kind === "end") transition = nextTransition(schedule, transition.at, holidays);
  return transition?.at;
}

/**
 * Hours a week inside the schedule on the nominal 168-hour week (overlapping windows count
 * once; daylight saving and holidays ignored). A resource off outside the schedule runs this
 * many hours a week, and saves 168 minus it.
 */
export function hoursInSchedulePerWeek(schedule: Schedule): number {
  if (schedule.kind === "always") return 168;
  if (schedule.kind === "never") return 0;
  const covered = new Uint8Array(WEEK_MINUTES);
  for (const window of schedule.windows) {
    const length = window.end > window.start ? window.end - window.start : 24 * 60 - window.start + window.end;
    for (const day of window.days) {
      const start = (day - 1) * 24 * 60 + window.start;
      for (let minute = 0; minute < length; minute += 1) covered[(start + minute) % WEEK_MINUTES] = 1;
    }
  }
  return covered.reduce((sum, value) => sum + value, 0) / 60;
}

/** Real hours inside the schedule between two instants, counting daylight saving changes and holidays. */
export function hoursInScheduleBetween(schedule: Schedule, from: Date, to: Date, holidays?: HolidayCalendar | string): number {
  if (to.getTime() < from.getTime()) throw new Error(`hoursInScheduleBetween: ${to.toISOString()} is before ${from.toISOString()}`);
  let inside = isWithinSchedule(schedule, from, holidays);
  let cursor = from.getTime();
  let total = 0;
  while (cursor < to.getTime()) {
    const next = nextTransition(schedule, new Date(cursor), holidays);
    const until = next === undefined ? to.getTime() : Math.min(next.at.getTime(), to.getTime());
    if (inside) total += until - cursor;
    cursor = until;
    inside = !inside;
  }
  return total / HOUR_MS;
}
